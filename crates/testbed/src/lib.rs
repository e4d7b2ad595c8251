//! shortlink-testbed: throwaway infrastructure shared by the integration
//! tests and the backend comparison, so neither re-implements it.
//!
//! Layout:
//! - [`fd_limit`]: the open-file limit a test process needs.
//! - [`port`]: a free loopback port.
//! - [`supervise`]: child processes that die with their parent
//!   (`PR_SET_PDEATHSIG`) and are stopped by PID, never by name.
//! - [`mariadb`]: a MariaDB server on a temporary datadir and a free port,
//!   whose datadirs are swept once the process that made them is gone.
//! - [`postgres`]: the same for PostgreSQL (`postgres::Instance`).
//! - [`galera`]: a MariaDB Galera cluster of such servers on loopback.
//! - [`haproxy`]: an HAProxy sending MySQL traffic to one Galera node at a
//!   time.

pub mod fd_limit;
pub mod galera;
pub mod haproxy;
pub mod mariadb;
pub mod port;
pub mod postgres;
pub mod supervise;

pub use fd_limit::raise_fd_limit;
pub use mariadb::Instance;
pub use port::free_port;
pub use supervise::Supervised;
