//! `shortlink-load`: splits the load test's own options off the command
//! line, hands the rest to goose, runs, prints the summary after goose's
//! tables and exits 0 (pass), 1 (threshold breached or hits did not
//! reconcile) or 2 (the run could not be made).

use std::process::ExitCode;

use clap::CommandFactory;
use goose::config::GooseConfiguration;
use shortlink_load::config::USAGE;
use shortlink_load::LoadConfig;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        println!("Goose options (passed through):");
        println!("{}", GooseConfiguration::command().render_help());
        return ExitCode::SUCCESS;
    }
    let config = match LoadConfig::from_args(args) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("shortlink-load: {e:#}");
            return ExitCode::from(2);
        }
    };
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
