//! The `shortlink-harness` CLI: runs the endpoint catalogue against a running
//! instance over HTTP and reports one line per check (see [`shortlink_harness::cli`]).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    ExitCode::from(shortlink_harness::cli::run(std::env::args_os(), &mut out, &mut err).await)
}
