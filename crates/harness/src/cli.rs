//! The `shortlink-harness` command line, as a function of its arguments and
//! two output streams, so a test can run it and read every byte it prints
//! (the binary's `main` hands it stdout and stderr).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser};

use crate::apikey::{self, ApiKey};
use crate::target::Target;
use crate::{catalogue, report, run_checks, RunOptions};

/// Black-box checks of the shortlink HTTP contract against a running instance.
///
/// Safe on a shared instance: it uses unique random codes, deletes every link
/// it creates, revokes every key it creates, and never assumes an empty
/// database.
#[derive(Parser, Debug)]
#[command(name = "shortlink-harness", version)]
struct Args {
    /// Base URL of the instance, e.g. http://127.0.0.1:8000
    #[arg(long, value_name = "URL", required_unless_present = "list")]
    target: Option<String>,
    /// An admin API key: presented under /api/v1, and used to create (and
    /// revoke) the author keys of the ownership checks. Never printed.
    #[arg(long, value_name = "KEY", env = apikey::ENV_VAR, hide_env_values = true)]
    api_key: Option<ApiKey>,
    /// A PEM CA certificate to trust for an https:// target (added to the
    /// system's roots; certificates are always verified)
    #[arg(long, value_name = "PATH")]
    ca_cert: Option<PathBuf>,
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

/// Exit statuses: 0 every check passed, 1 some failed, 2 the run could not
/// be made (bad options, no usable admin key).
pub async fn run<I, S>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = S>,
    S: Into<std::ffi::OsString> + Clone,
{
    run_with(Args::command(), args, out, err).await
}

async fn run_with<I, S>(
    command: clap::Command,
    args: I,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8
where
    I: IntoIterator<Item = S>,
    S: Into<std::ffi::OsString> + Clone,
{
    let parsed = command
        .try_get_matches_from(args)
        .and_then(|m| Args::from_arg_matches(&m));
    let args = match parsed {
        Ok(a) => a,
        Err(e) => {
            let text = e.render().to_string();
            return if e.use_stderr() {
                let _ = write!(err, "{text}");
                2
            } else {
                let _ = write!(out, "{text}");
                0
            };
        }
    };
    let checks = catalogue::filtered(&args.filter);
    if args.list {
        for c in &checks {
            let _ = writeln!(out, "{:<55} {:<6} {}", c.name, c.method, c.path);
        }
        return 0;
    }
    if checks.is_empty() {
        let _ = writeln!(err, "no check matches the filters {:?}", args.filter);
        return 2;
    }
    let options = RunOptions {
        concurrency: args.concurrency.max(1),
        check_timeout: Duration::from_secs(args.timeout_secs.max(1)),
        api_key: args.api_key,
        ca_cert: args.ca_cert,
    };
    let base = args.target.unwrap_or_default();
    let target = match Target::connect(&base, &options.target_config()) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(err, "shortlink-harness: {e:#}");
            return 2;
        }
    };
    if let Err(why) = target.check_admin_key().await {
        let _ = writeln!(err, "shortlink-harness: {}", target.redact(&why));
        return 2;
    }
    let outcomes = run_checks(&target, &checks, &options, |o| {
        let _ = writeln!(out, "{}", report::line(o));
    })
    .await;
    let mut status = if outcomes.iter().all(|o| o.passed()) {
        0
    } else {
        1
    };
    if let Some(path) = &args.junit {
        if let Err(e) = std::fs::write(path, report::junit_xml("shortlink-harness", &outcomes)) {
            let _ = writeln!(err, "cannot write JUnit report {}: {e}", path.display());
            status = 2;
        }
    }
    let _ = writeln!(out, "{}", report::summary(&outcomes));
    status
}

#[cfg(test)]
mod tests {
    //! What the command line prints before any request: these need no server.
    use super::*;

    /// Runs the CLI as if `SHORTLINK_API_KEY` were unset (the process's own
    /// environment is not the test's business); returns status, stdout, stderr.
    fn cli(args: &[&str]) -> (u8, String, String) {
        let command = Args::command().mut_arg("api_key", |a| a.env(None::<&'static str>));
        let argv = std::iter::once("shortlink-harness").chain(args.iter().copied());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let status = rt.block_on(run_with(command, argv, &mut out, &mut err));
        let text = |b: Vec<u8>| String::from_utf8(b).expect("utf-8 output");
        (status, text(out), text(err))
    }

    /// No key: exit 2 before any request, naming the option and the variable.
    #[test]
    fn refuses_to_run_without_a_key() {
        // Port 9 (discard) on loopback: nothing is sent anyway.
        let (status, out, err) = cli(&["--target", "http://127.0.0.1:9"]);
        assert_eq!(status, 2, "stdout {out:?} stderr {err:?}");
        assert!(
            err.contains("--api-key") && err.contains("SHORTLINK_API_KEY"),
            "{err}"
        );
        assert!(out.is_empty(), "{out}");
    }

    /// A malformed key: exit 2, and the message does not quote it.
    #[test]
    fn refuses_a_malformed_key_without_printing_it() {
        let (status, out, err) = cli(&[
            "--target",
            "http://127.0.0.1:9",
            "--api-key",
            "hunter2-not-a-key",
        ]);
        assert_eq!(status, 2, "stdout {out:?} stderr {err:?}");
        assert!(err.contains("not a shortlink API key"), "{err}");
        assert!(!format!("{out}{err}").contains("hunter2"), "{err}");
    }

    /// `--help` names the option and the variable but never a value read
    /// from the environment; `--list` needs no key.
    #[test]
    fn help_and_list_need_no_key() {
        let (status, out, _) = cli(&["--help"]);
        assert_eq!(status, 0);
        assert!(
            out.contains("--api-key") && out.contains("--ca-cert"),
            "{out}"
        );
        let hidden = Args::command()
            .get_arguments()
            .find(|a| a.get_id() == "api_key")
            .is_some_and(|a| a.is_hide_env_values_set());
        assert!(
            hidden,
            "the key's environment value must stay out of --help"
        );
        let (status, out, _) = cli(&["--list", "--filter", "auth."]);
        assert_eq!(status, 0);
        assert!(
            out.contains("auth.links.create.requires_a_valid_key"),
            "{out}"
        );
    }

    #[test]
    fn a_missing_ca_file_is_named() {
        let (status, _, err) = cli(&[
            "--target",
            "https://127.0.0.1:9",
            "--ca-cert",
            "/nonexistent/ca.pem",
        ]);
        assert_eq!(status, 2);
        assert!(err.contains("--ca-cert /nonexistent/ca.pem"), "{err}");
    }
}
