//! The load test against a real server on every backend: a short run with a
//! few users makes requests on every endpoint of the mix, fails none, and
//! every successful redirect shows up as exactly one hit.

use crate::support;

use shortlink_load::{LoadConfig, LoadSummary};
use support::{spawn_app, ALL_BACKENDS};

/// The goose options of a short run: 3 users (one per persona), all started
/// at once, 3 s, console tables off (the summary says what failed).
const SHORT_RUN: [&str; 7] = [
    "--users",
    "3",
    "--increase-rate",
    "3",
    "--run-time",
    "3s",
    "--no-print-metrics",
];

/// Every request name the shortlink mix makes.
const MIX_ENDPOINTS: [&str; 7] = [
    "GET /{code}",
    "POST /api/v1/links",
    "GET /api/v1/links/{code}",
    "PATCH /api/v1/links/{code}",
    "DELETE /api/v1/links/{code}",
    "GET /api/v1/links",
    "GET /api/v1/stats",
];

/// A 3-user, 3-second run on memory, SQLite and MySQL: requests on every
/// endpoint, zero failures, successful redirects equal to the hit increase.
/// One test body over all backends: goose runs must not overlap in a process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_run_passes_and_reconciles_on_every_backend() {
    for backend in ALL_BACKENDS {
        let app = spawn_app(backend).await;
        // Built by the parser, as the binary does: `--max-error-rate` is the
        // load test's own flag and must come off before goose parses the rest.
        let args = ["--host", app.base_url.as_str(), "--max-error-rate", "0"];
        let config =
            LoadConfig::from_args(args.into_iter().chain(SHORT_RUN)).expect("options parse");
        let summary: LoadSummary = shortlink_load::run(config)
            .await
            .unwrap_or_else(|e| panic!("{backend}: the run could not be made: {e:#}"));
        app.stop().await;
        let why = summary.render();
        assert!(summary.requests > 0, "{backend}: no requests\n{why}");
        assert_eq!(summary.failures, 0, "{backend}: failures\n{why}");
        assert_eq!(
            summary.transaction_failures, 0,
            "{backend}: transaction failures\n{why}"
        );
        for name in MIX_ENDPOINTS {
            assert!(
                summary.endpoint(name).is_some_and(|e| e.requests > 0),
                "{backend}: the mix never made {name}\n{why}"
            );
        }
        let r = summary
            .reconciliation
            .as_ref()
            .unwrap_or_else(|| panic!("{backend}: no reconciliation\n{why}"));
        assert!(r.redirects_ok > 0, "{backend}: no redirects\n{why}");
        assert_eq!(
            r.hits_delta, r.redirects_ok as i64,
            "{backend}: hits do not reconcile\n{why}"
        );
        assert_eq!(
            summary.goose_redirects_ok, r.redirects_ok,
            "{backend}: goose's success count and the validated redirects differ\n{why}"
        );
        assert!(summary.passed(), "{backend}: run failed\n{why}");
        assert!(
            summary.links_cleaned_up >= 30,
            "{backend}: hot links not cleaned up\n{why}"
        );
    }
}
