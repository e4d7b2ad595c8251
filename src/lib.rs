//! shortlink: a small link shortener, the service under test of the shortlink QA kit.
//!
//! Layout, in reading order:
//! - [`lifecycle`] the process: ignite, serve, stop when drained, exit status
//! - [`startup`]   builds the Rocket: settings, the chosen store, routes, fairings
//! - [`config`]    typed settings read once from the Rocket profile
//! - [`http`]      every route of the contract (`docs/api.md`), its errors
//! - [`domain`]    parsed values: codes, target URLs, cursors, timestamps, links
//! - [`keys`]      API keys: format, hashing, verification (not enforced yet)
//! - [`cli`]       `shortlink keys …`, and serving when no command is given
//! - [`store`]     the `Store` trait and its memory, SQLite, MySQL and PostgreSQL backends
//! - [`error`]     the one API error type and its JSON body
//! - [`telemetry`] tracing set-up and Prometheus metrics
//! - [`drain`]     when a stopping server has nothing left to finish

pub mod cli;
pub mod config;
pub mod domain;
pub mod drain;
pub mod error;
pub mod http;
pub mod keys;
pub mod lifecycle;
pub mod startup;
pub mod store;
pub mod telemetry;

pub use startup::build;
