//! The whole endpoint catalogue of `shortlink-harness`, one test per check and
//! backend, each on a fresh server with a fresh database. This is the service's
//! own contract suite: the same checks a QA engineer runs against any instance.

mod support;

use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use shortlink_harness::{catalogue, runner, ApiKey, Target};
use support::{spawn_app, Backend, ALL_BACKENDS};

fn main() {
    let mut args = Arguments::from_args();
    // Most of a check's time is spent waiting (expiry, servers starting), not
    // computing; more threads than cores keeps the run short.
    args.test_threads.get_or_insert(8);
    let mut trials = Vec::new();
    for backend in ALL_BACKENDS {
        for check in catalogue::catalogue() {
            let name = format!("{}::{}", backend.name(), check.name);
            trials.push(Trial::test(name, move || run(backend, &check.name)));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

fn run(backend: Backend, name: &str) -> Result<(), Failed> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failed::from(e.to_string()))?;
    rt.block_on(async {
        let check = catalogue::catalogue()
            .into_iter()
            .find(|c| c.name == name)
            .ok_or_else(|| Failed::from(format!("no check named {name}")))?;
        let app = spawn_app(backend).await;
        let target = Target::new(&app.base_url, Duration::from_secs(15))
            .map_err(|e| Failed::from(e.to_string()))?
            .with_api_key(Some(ApiKey::new(&app.admin_key)));
        let outcome = runner::run_one(&check, &target, Duration::from_secs(60)).await;
        // Closing the client's keep-alive connections first lets the graceful
        // shutdown finish at once instead of waiting out its grace period.
        drop(target);
        app.stop().await;
        outcome.result.map_err(|f| Failed::from(f.to_string()))
    })
}
