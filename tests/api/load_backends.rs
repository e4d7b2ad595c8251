//! The load test against a real server on every backend: a short run with a
//! few users makes requests on every endpoint of the mix, fails none, and
//! every successful redirect shows up as exactly one hit.

use std::time::Duration;

use crate::load_auth::GOOSE_RUNS;
use crate::support;

use shortlink_harness::endpoints::FOLLOW_LINK;
use shortlink_load::{LoadConfig, LoadSummary, Mix};
use support::{spawn_with, test_figment, Backend, TestDb, ALL_BACKENDS};

/// The goose options of a short run: 3 users (one per persona), all started
/// at once, 10 passes over each persona's transactions, console tables off
/// (the summary says what failed). Counted in iterations, not seconds: a
/// 3-second run on a loaded CI machine once ended before two of the three
/// users had launched, and so never made a redirect.
const SHORT_RUN: [&str; 7] = [
    "--users",
    "3",
    "--increase-rate",
    "100",
    "--iterations",
    "10",
    "--no-print-metrics",
];

/// The wall-clock bound of one backend's run; iterations bound its count.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// A 3-user, 10-iteration run on memory, SQLite and MySQL with the server's
/// admin key, and on SQLite and MySQL again counting hits in batches
/// (`hits = "buffered"`, where the stats say how far behind they may be):
/// requests on every endpoint, zero failures, successful redirects equal to
/// the hit increase, the author keys revoked.
/// One test body over all backends: goose runs must not overlap in a process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_run_passes_and_reconciles_on_every_backend() {
    let _one_run = GOOSE_RUNS.lock().await;
    let buffered = ALL_BACKENDS
        .into_iter()
        .filter(|b| *b != Backend::Memory)
        .map(|b| (b, "buffered"));
    for (backend, hits) in ALL_BACKENDS
        .map(|b| (b, "durable"))
        .into_iter()
        .chain(buffered)
    {
        let db = TestDb::fresh(backend).await;
        // A flush window long enough that the hits of the run's last
        // redirects are still pending when the run ends.
        let figment = test_figment(&db)
            .merge(("hits", hits))
            .merge(("hits_flush_ms", 700));
        let app = spawn_with(db, figment).await;
        let backend = format!("{backend} ({hits})");
        // Built by the parser, as the binary does: own options and goose's on
        // one command line. Goose judges the thresholds; the one naming an
        // endpoint proves that goose's request names are the harness's.
        let redirects_rule = format!("error-rate<=0 for {FOLLOW_LINK}");
        let args = [
            "--host",
            app.base_url.as_str(),
            "--api-key",
            app.admin_key.as_str(),
            "--threshold",
            "error-rate<=0",
            "--threshold",
            redirects_rule.as_str(),
        ];
        let config =
            LoadConfig::from_args(args.into_iter().chain(SHORT_RUN)).expect("options parse");
        let summary: LoadSummary = tokio::time::timeout(RUN_LIMIT, shortlink_load::run(config))
            .await
            .unwrap_or_else(|_| panic!("{backend}: the run took over {RUN_LIMIT:?}"))
            .unwrap_or_else(|e| panic!("{backend}: the run could not be made: {e:#}"));
        app.stop().await;
        let why = summary.render();
        assert!(summary.requests > 0, "{backend}: no requests\n{why}");
        assert_eq!(summary.failures, 0, "{backend}: failures\n{why}");
        assert_eq!(
            summary.transaction_failures, 0,
            "{backend}: transaction failures\n{why}"
        );
        for endpoint in Mix::Shortlink.endpoints() {
            assert!(
                summary
                    .endpoint(&endpoint.name())
                    .is_some_and(|e| e.requests > 0),
                "{backend}: the mix never made {endpoint}\n{why}"
            );
        }
        assert!(
            summary.thresholds.len() == 2 && summary.thresholds.iter().all(|t| t.passed),
            "{backend}: goose judged the thresholds otherwise\n{why}"
        );
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
        assert!(
            summary.author_keys_created >= 1
                && summary.author_keys_revoked == summary.author_keys_created,
            "{backend}: the integrators' author keys were not all revoked\n{why}"
        );
    }
}
