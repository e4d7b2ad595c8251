//! The load test tells a broken server from a good one: behind the faulty
//! proxy, a 201 without `Location` counts as a failure (not as goose's
//! default success), and redirects answered without counting a hit break the
//! reconciliation.

use crate::load_auth::GOOSE_RUNS;
use crate::support;

use shortlink_harness::endpoints::{CREATE_LINK, FOLLOW_LINK};
use shortlink_harness::ApiKey;
use shortlink_load::LoadConfig;
use support::faulty_proxy::{self, Fault};
use support::spawn_app;

const SHORT_RUN: [&str; 7] = [
    "--users",
    "3",
    "--increase-rate",
    "3",
    "--run-time",
    "2s",
    "--no-print-metrics",
];

/// Each fault makes the run fail for the right reason, and the same run
/// through a faithful proxy passes (so the proxy is not the cause). One test
/// body: goose runs must not overlap in a process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_fail_the_run_for_the_right_reason() {
    let _one_run = GOOSE_RUNS.lock().await;
    let app = spawn_app(support::Backend::Memory).await;
    for fault in [
        Fault::PassThrough,
        Fault::MissingLocation,
        Fault::HitsNotCounted,
    ] {
        let proxy = faulty_proxy::start(&app.base_url, fault).await;
        let config = LoadConfig::new(&proxy.base_url)
            .api_key(ApiKey::new(&app.admin_key))
            .goose(SHORT_RUN)
            .goose(["--threshold", "error-rate<=0"]);
        let summary = shortlink_load::run(config)
            .await
            .unwrap_or_else(|e| panic!("{fault:?}: the run could not be made: {e:#}"));
        drop(proxy);
        let why = summary.render();
        let redirects = summary.endpoint(&FOLLOW_LINK.name()).cloned();
        let reconciled = summary.reconciliation.as_ref().map(|r| r.matched);
        match fault {
            Fault::PassThrough => {
                assert_eq!(summary.failures, 0, "faithful proxy\n{why}");
                assert!(summary.passed(), "faithful proxy\n{why}");
            }
            Fault::MissingLocation => {
                // Goose alone would count a 201 without Location as a success;
                // the harness's created-link validator must turn each into a
                // failure (seeding fails with them, so no redirect follows).
                assert!(
                    summary
                        .endpoint(&CREATE_LINK.name())
                        .is_some_and(|e| e.requests > 0 && e.failures == e.requests),
                    "every 201 without Location must fail\n{why}"
                );
                assert!(
                    summary.thresholds.iter().any(|t| !t.passed),
                    "error-rate<=0 must fail\n{why}"
                );
                assert!(!summary.passed(), "{why}");
            }
            Fault::HitsNotCounted => {
                assert!(
                    redirects.is_some_and(|r| r.requests > 0),
                    "redirects were made\n{why}"
                );
                assert_eq!(
                    reconciled,
                    Some(false),
                    "uncounted hits must not reconcile\n{why}"
                );
                assert!(!summary.passed(), "{why}");
            }
            _ => unreachable!("not in the list"),
        }
    }
    app.stop().await;
}
