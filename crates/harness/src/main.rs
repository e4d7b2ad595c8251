//! The `shortlink-harness` CLI: runs the endpoint catalogue against a running
//! instance over HTTP and reports one line per check.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use shortlink_harness::{catalogue, report, run_checks, RunOptions, Target};

/// Black-box checks of the shortlink HTTP contract against a running instance.
///
/// Safe on a shared instance: it uses unique random codes, deletes every link
/// it creates, and never assumes an empty database.
#[derive(Parser, Debug)]
#[command(name = "shortlink-harness", version)]
struct Args {
    /// Base URL of the instance, e.g. http://127.0.0.1:8000
    #[arg(long, value_name = "URL", required_unless_present = "list")]
    target: Option<String>,
    /// Run only checks whose name contains SUBSTR (repeatable; any match runs)
    #[arg(long, value_name = "SUBSTR")]
    filter: Vec<String>,
    /// Print the selected checks (name, method, path) and exit
    #[arg(long)]
    list: bool,
    /// Also write a JUnit XML report to FILE
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Checks run at once (exclusive checks always run alone, last)
    #[arg(long, default_value_t = 4, value_name = "N")]
    concurrency: usize,
    /// Time limit for one check (its requests, waits and flows), in seconds
    #[arg(long, default_value_t = 60, value_name = "N")]
    timeout_secs: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let checks = catalogue::filtered(&args.filter);
    if args.list {
        for c in &checks {
            println!("{:<55} {:<6} {}", c.name, c.method, c.path);
        }
        return ExitCode::SUCCESS;
    }
    if checks.is_empty() {
        eprintln!("no check matches the filters {:?}", args.filter);
        return ExitCode::from(2);
    }
    let base = args.target.unwrap_or_default();
    let timeout = Duration::from_secs(args.timeout_secs.max(1));
    // One request never outlives the check that sent it.
    let target = match Target::new(&base, timeout) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("bad --target: {e}");
            return ExitCode::from(2);
        }
    };
    let options = RunOptions {
        concurrency: args.concurrency.max(1),
        check_timeout: timeout,
    };
    let outcomes = run_checks(&target, &checks, &options, |o| {
        println!("{}", report::line(o))
    })
    .await;
    if let Some(path) = &args.junit {
        if let Err(e) = std::fs::write(path, report::junit_xml("shortlink-harness", &outcomes)) {
            eprintln!("cannot write JUnit report {}: {e}", path.display());
            println!("{}", report::summary(&outcomes));
            return ExitCode::from(2);
        }
    }
    println!("{}", report::summary(&outcomes));
    if outcomes.iter().all(|o| o.passed()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
