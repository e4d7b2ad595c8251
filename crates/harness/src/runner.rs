//! Runs checks against a target: bounded concurrency, a per-check time limit,
//! clean-up of created links after every check, exclusive checks last.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::apikey::ApiKey;
use crate::check::{Check, Failure};
use crate::target::{Ctx, Target, TargetConfig};

/// How a run is paced.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Checks in flight at once (exclusive checks always run alone).
    pub concurrency: usize,
    /// Upper bound for one check's body; a hung server fails the check
    /// instead of hanging the run.
    pub check_timeout: Duration,
    /// The admin key presented under `/api/v1` (its `Debug` hides it).
    pub api_key: Option<ApiKey>,
    /// A PEM CA the client trusts for an `https://` target.
    pub ca_cert: Option<PathBuf>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            concurrency: 4,
            check_timeout: Duration::from_secs(60),
            api_key: None,
            ca_cert: None,
        }
    }
}

impl RunOptions {
    /// How the run's client reaches the target: one request never outlives
    /// the check that sent it.
    pub fn target_config(&self) -> TargetConfig {
        TargetConfig {
            timeout: self.check_timeout,
            api_key: self.api_key.clone(),
            ca_cert: self.ca_cert.clone(),
        }
    }

    /// The defaults, presenting `key`.
    pub fn with_key(key: ApiKey) -> Self {
        Self {
            api_key: Some(key),
            ..Self::default()
        }
    }
}

/// The result of one check.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub name: String,
    pub method: &'static str,
    pub path: &'static str,
    pub result: Result<(), Failure>,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.result.is_ok()
    }
}

/// Runs one check: body under the time limit, then clean-up (also bounded,
/// since clean-up talks to the same possibly-hung server). Whatever the
/// outcome says has every key taken out: failure details quote responses,
/// and a broken server may echo a key.
pub async fn run_one(check: &Check, target: &Target, timeout: Duration) -> Outcome {
    let ctx = Ctx::new(target.clone());
    let started = Instant::now();
    let result = match tokio::time::timeout(timeout, check.start(ctx.clone())).await {
        Ok(r) => r,
        Err(_) => Err(Failure::new(
            "check finishes within the time limit",
            format!("still running after {} s", timeout.as_secs_f64()),
        )),
    };
    let elapsed = started.elapsed();
    let _ = tokio::time::timeout(timeout, ctx.cleanup()).await;
    Outcome {
        name: check.name.clone(),
        method: check.method,
        path: check.path,
        result: result.map_err(|f| redact(target, f)),
        elapsed,
    }
}

fn redact(target: &Target, f: Failure) -> Failure {
    Failure::new(target.redact(&f.rule), target.redact(&f.detail))
}

/// Runs `checks` and calls `on_done` as each finishes (the CLI prints from
/// there). Shared checks run `concurrency` at a time, then exclusive ones
/// one by one. Returns outcomes in completion order.
pub async fn run_checks(
    target: &Target,
    checks: &[Check],
    options: &RunOptions,
    mut on_done: impl FnMut(&Outcome),
) -> Vec<Outcome> {
    let mut outcomes = Vec::with_capacity(checks.len());
    let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut set = JoinSet::new();
    for check in checks.iter().filter(|c| !c.exclusive) {
        let check = check.clone();
        let target = target.clone();
        let permits = permits.clone();
        let timeout = options.check_timeout;
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            run_one(&check, &target, timeout).await
        });
    }
    while let Some(joined) = set.join_next().await {
        let outcome = joined.unwrap_or_else(|e| Outcome {
            name: "<panicked check>".into(),
            method: "",
            path: "",
            result: Err(redact(
                target,
                Failure::new("check body does not panic", e.to_string()),
            )),
            elapsed: Duration::ZERO,
        });
        on_done(&outcome);
        outcomes.push(outcome);
    }
    for check in checks.iter().filter(|c| c.exclusive) {
        let outcome = run_one(check, target, options.check_timeout).await;
        on_done(&outcome);
        outcomes.push(outcome);
    }
    outcomes
}

/// Runs `checks` against `base_url` with `options`, quietly: the entry point
/// for tests and tools that only want the outcomes.
pub async fn run_against(
    base_url: &str,
    checks: &[Check],
    options: &RunOptions,
) -> anyhow::Result<Vec<Outcome>> {
    let target = Target::connect(base_url, &options.target_config())?;
    Ok(run_checks(&target, checks, options, |_| {}).await)
}

/// The failed outcomes as report lines, for assertion messages.
pub fn failures(outcomes: &[Outcome]) -> Vec<String> {
    outcomes
        .iter()
        .filter(|o| !o.passed())
        .map(crate::report::line)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failure that quotes the run's key (whatever its shape) or any
    /// key-shaped text reaches the outcome, and so every report, without it.
    #[tokio::test]
    async fn outcomes_carry_no_key() {
        let own = ApiKey::new("not-shaped-but-secret-0123");
        let echoed = ApiKey::unknown();
        let target = Target::new("http://127.0.0.1:9", Duration::from_secs(1))
            .expect("target")
            .with_api_key(Some(own.clone()));
        let quoted = format!("{} and {}", own.expose(), echoed.expose());
        let check = Check::new("leaky", "GET", "/", move |_ctx: Ctx| {
            let quoted = quoted.clone();
            async move { Err(Failure::new(format!("rule {quoted}"), quoted)) }
        });
        let outcome = run_one(&check, &target, Duration::from_secs(5)).await;
        let text = crate::report::line(&outcome);
        assert!(text.starts_with("FAIL leaky"), "{text}");
        for key in [&own, &echoed] {
            let secret = &key.expose()[key.expose().len() - 20..];
            assert!(!text.contains(secret), "{text}");
        }
    }

    /// A run without a key fails an `/api/v1` request, naming the option,
    /// without sending it.
    #[tokio::test]
    async fn no_key_fails_naming_the_option() {
        let target = Target::new("http://127.0.0.1:9", Duration::from_secs(1)).expect("target");
        let failure = target
            .send(crate::Request::get("/api/v1/links"))
            .await
            .expect_err("no key");
        assert!(
            failure.detail.contains("--api-key") && failure.detail.contains("SHORTLINK_API_KEY"),
            "{failure}"
        );
    }
}
