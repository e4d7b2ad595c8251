//! shortlink-compare: load-tests every backend on fresh databases, the same
//! way, interleaved, and writes a report of how they compare. The binary is
//! a thin command line over [`run`]; tests call [`run`] directly.
//!
//! Layout, in reading order:
//! - [`options`]: what a comparison is asked for and its defaults.
//! - [`plan`]: backends × levels × repetitions, the cell order, goose options.
//! - [`run`](mod@run): the comparison from start to report, and its stop.
//! - [`cell`]: one cell, start to finish, and its [`cell::CellResult`].
//! - `database`, `pg_server`, `server`, `seed`: the fresh database (and the
//!   throwaway PostgreSQL), the fresh server,
//!   the identical data set.
//! - [`admin_key`]: the run's bootstrap admin key, which never leaves it.
//! - [`procfs`]: CPU time and peak RSS from /proc, the machine.
//! - [`stats`], [`findings`]: medians, spread, per-endpoint numbers; what
//!   they say in words.
//! - [`report`]: `summary.json`, and the one [`Report`] every file renders;
//!   [`table`] and [`tables`]: the tables, built once for `report.md`
//!   ([`markdown`]) and `report.html` ([`html`], [`charts`]).
//! - [`agreement`]: whether two runs' medians agree (`--agreement`).

pub mod admin_key;
pub mod agreement;
pub mod cell;
pub mod charts;
mod database;
pub mod findings;
pub mod html;
pub mod markdown;
pub mod options;
mod pg_server;
pub mod plan;
pub mod procfs;
pub mod report;
pub mod run;
mod seed;
mod server;
pub mod stats;
pub mod table;
pub mod tables;

pub use admin_key::AdminKey;
pub use agreement::{compare_runs, Verdict};
pub use options::Options;
pub use plan::Backend;
pub use report::Report;
pub use run::{interrupt, run, Outcome};
