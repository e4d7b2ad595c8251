//! `shortlink-load-merge`: one report from the `--merge-part` runs of
//! several load hosts started together (`--start-at`), with one hit
//! reconciliation over all of them; exits as `shortlink-load` does (0 pass,
//! 1 a host's threshold failed or the hits did not reconcile, 2 the merge
//! could not be made).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use shortlink_harness::{apikey, ApiKey};
use shortlink_load::{merge, reconcile};

#[derive(Parser)]
#[command(
    name = "shortlink-load-merge",
    about = "Merge the --merge-part runs of several load hosts into one report and reconcile the hits once"
)]
struct Args {
    /// The instance the hosts loaded (default: the host their summaries name)
    #[arg(long, value_name = "URL")]
    host: Option<String>,
    /// The admin API key the runs used: the hits are read and the hot links
    /// deleted with it. Never printed.
    #[arg(long, value_name = "KEY", env = apikey::ENV_VAR, hide_env_values = true)]
    api_key: ApiKey,
    /// A PEM CA certificate to trust for an https:// host
    #[arg(long, value_name = "PATH")]
    ca_cert: Option<PathBuf>,
    /// Write the merged report as JSON
    #[arg(long, value_name = "FILE")]
    summary_json: Option<PathBuf>,
    /// Each host's --summary-json (its goose JSON report beside it or where
    /// the summary names it)
    #[arg(required = true, value_name = "SUMMARY")]
    parts: Vec<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(report) => {
            print!("{}", report.render());
            match report.merged.passed() {
                true => ExitCode::SUCCESS,
                false => ExitCode::from(1),
            }
        }
        Err(e) => {
            eprintln!("shortlink-load-merge: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> anyhow::Result<merge::MergedReport> {
    let parts = args
        .parts
        .iter()
        .map(|p| merge::read_part(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (mut report, host) = merge::combine(&parts, args.host.as_deref())?;
    let target = reconcile::target(&host, Some(&args.api_key), args.ca_cert.as_deref())?;
    merge::reconcile(&target, &mut report, &parts).await?;
    if let Some(path) = &args.summary_json {
        let json = serde_json::to_vec_pretty(&report)?;
        std::fs::write(path, json).with_context(|| format!("write {}", path.display()))?;
    }
    Ok(report)
}
