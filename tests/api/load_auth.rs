//! The load test's keys: behind a proxy that notes which credential each
//! request presented, a short run shows redirects carrying no key, every
//! `/api/v1` call carrying one, integrators working on author keys of their
//! own and dashboards on the admin key; the author keys are revoked at the
//! end, and nothing the run prints holds a key. Also the process-wide lock
//! every load test takes: goose keeps process-wide state (its killswitch, which
//! a failing threshold trips), so two runs in one test binary must not overlap.

use crate::support;

use shortlink_harness::apikey::{redact, ENV_VAR};
use shortlink_harness::ApiKey;
use shortlink_load::LoadConfig;
use support::auth_proxy::{self, AuthFault};
use support::{spawn_app, Backend};

/// Held for the length of every goose run of this test binary.
pub static GOOSE_RUNS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// 3 users (a visitor, an integrator, a dashboard) started at once, 10 passes
/// over each one's transactions.
const SHORT_RUN: [&str; 7] = [
    "--users",
    "3",
    "--increase-rate",
    "100",
    "--iterations",
    "10",
    "--no-print-metrics",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_persona_presents_its_own_key() {
    let _one_run = GOOSE_RUNS.lock().await;
    let app = spawn_app(Backend::Memory).await;
    let app_key = app.admin_key.clone();
    let proxy = auth_proxy::start(&app.base_url, &app.admin_key, AuthFault::PassThrough).await;
    // Goose's request log prints every request's headers.
    let dir = tempfile::tempdir().expect("temporary directory");
    let request_log = dir.path().join("requests.log");
    let config = LoadConfig::new(&proxy.base_url)
        .api_key(ApiKey::new(&app.admin_key))
        .goose(SHORT_RUN)
        .goose(["--threshold", "error-rate<=0", "--request-log"])
        .goose([request_log.display().to_string()]);
    let debug = format!("{config:?}");
    let summary = shortlink_load::run(config)
        .await
        .unwrap_or_else(|e| panic!("the run could not be made: {e:#}"));
    let why = summary.render();
    assert!(summary.passed() && summary.failures == 0, "{why}");
    let count = |request: &str, credential: &str| proxy.count(request, credential);
    let seen = format!("{:?}\n{why}", proxy.seen());
    assert!(
        count("redirect", "none") > 0,
        "redirects without a key: {seen}"
    );
    for credential in ["admin", "author", "other"] {
        assert_eq!(
            count("redirect", credential),
            0,
            "a redirect carried a key: {seen}"
        );
    }
    for kind in ["links", "stats", "keys"] {
        assert_eq!(
            count(kind, "none"),
            0,
            "an /api/v1 call without a key: {seen}"
        );
        assert_eq!(count(kind, "other"), 0, "an unknown key: {seen}");
    }
    assert!(
        count("links", "author") > 0,
        "integrators on author keys: {seen}"
    );
    assert!(
        count("links", "admin") > 0,
        "the dashboard on the admin key: {seen}"
    );
    assert!(
        count("stats", "admin") > 0,
        "stats on the admin key: {seen}"
    );
    assert_eq!(count("stats", "author"), 0, "{seen}");
    assert_eq!(count("keys", "author"), 0, "an author managed keys: {seen}");
    drop(proxy);

    // The author keys the run made are all revoked, on the server too.
    assert!(summary.author_keys_created >= 1, "{why}");
    assert_eq!(
        summary.author_keys_created, summary.author_keys_revoked,
        "{why}"
    );
    let keys: serde_json::Value = app
        .get("/api/v1/keys")
        .await
        .expect("GET /api/v1/keys")
        .json()
        .await
        .expect("a key list");
    let load_keys: Vec<&serde_json::Value> = keys["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|k| {
            k["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("shortlink-load "))
        })
        .collect();
    assert_eq!(
        load_keys.len() as u64,
        summary.author_keys_created,
        "{keys}"
    );
    assert!(
        load_keys.iter().all(|k| !k["revoked_at"].is_null()),
        "{keys}"
    );
    app.stop().await;

    // Nothing printed, logged or kept holds a key.
    let json = serde_json::to_string(&summary).expect("summary JSON");
    let log = std::fs::read_to_string(&request_log).expect("goose's request log");
    assert!(
        log.contains("authorization"),
        "the request log shows headers, so this proves something: {}",
        &log[..log.len().min(2000)]
    );
    for text in [&why, &json, &debug, &log] {
        assert!(
            !text.contains(&app_key) && redact::<&str>(text, &[]) == *text,
            "a key in {}",
            &text[..text.len().min(2000)]
        );
    }
}

/// Without a key the shortlink mix is refused before any request, naming
/// the option and the variable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mix_refuses_to_run_without_a_key() {
    let err = shortlink_load::run(LoadConfig::new("http://127.0.0.1:9"))
        .await
        .expect_err("no key");
    let text = format!("{err:#}");
    assert!(
        text.contains("--api-key") && text.contains(ENV_VAR),
        "{text}"
    );
}
