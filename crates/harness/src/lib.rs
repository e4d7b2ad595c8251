//! The shortlink endpoint harness: a catalogue of black-box checks of the HTTP
//! contract (`docs/api.md`) that runs against any running instance.
//!
//! Layout, in reading order:
//! - [`endpoints`]: the contract's path templates and endpoints (method +
//!   template), written once; their names (`GET /{code}`) are the ones the
//!   load test's reports and thresholds use.
//! - [`view`]: [`ResponseView`], the client-agnostic response that every
//!   validator reads (status, headers, body bytes), so reqwest here and goose
//!   in the load test can feed the same validators.
//! - [`validate`]: one public validator per contract rule (error body shape,
//!   link shape, redirect, page, stats, ...). Each failure names the rule.
//! - [`apikey`]: [`ApiKey`] (a key that never prints), [`Auth`] (what one
//!   request presents) and the redaction that keeps keys out of every report.
//! - [`target`]: [`Target`] (base URL + a reqwest client that never follows
//!   redirects + the admin key it presents under `/api/v1`), and [`ctx`]:
//!   [`Ctx`], the per-check context that hands out unique codes and author
//!   keys, and deletes and revokes whatever the check created.
//! - [`check`]: [`Check`] (name, endpoint, async body) and [`Failure`].
//! - [`catalogue`]: every check, grouped by endpoint; [`catalogue::catalogue`]
//!   is the list the CLI, the project's tests and the load test share.
//! - [`runner`] and [`report`]: bounded-concurrency execution, the
//!   one-line-per-check output and JUnit XML.
//!
//! The harness knows only the contract: it never imports the server's crate,
//! so a field that is wrong on the server cannot be wrong here in the same way.

pub mod apikey;
pub mod catalogue;
pub mod check;
pub mod cli;
pub mod ctx;
pub mod endpoints;
pub mod report;
pub mod runner;
pub mod target;
pub mod validate;
pub mod view;

pub use apikey::{ApiKey, Auth};
pub use check::{Check, Failure};
pub use endpoints::Endpoint;
pub use runner::{failures, run_against, run_checks, Outcome, RunOptions};
pub use target::{Ctx, Request, Target, TargetConfig};
pub use validate::{Link, Page, Stats};
pub use view::ResponseView;
