//! `shortlink-load`: parses the command line (the load test's options and
//! goose's, one clap command), runs, prints the summary after goose's tables
//! and exits 0 (pass), 1 (a threshold failed or the hits did not reconcile)
//! or 2 (the run could not be made).

use std::process::ExitCode;

use shortlink_load::LoadConfig;

#[tokio::main]
async fn main() -> ExitCode {
    // `--help` prints and exits 0; a bad command line prints why and exits 2.
    let config = LoadConfig::from_args(std::env::args().skip(1)).unwrap_or_else(|e| e.exit());
    match shortlink_load::run(config).await {
        Ok(summary) => {
            print!("{}", summary.render());
            if summary.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("shortlink-load: {e:#}");
            ExitCode::from(2)
        }
    }
}
