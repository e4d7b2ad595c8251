//! Fails when the server's own `/openapi.json` documents an operation that
//! no check in the harness catalogue covers.

use crate::support;

use shortlink_harness::catalogue::{catalogue, covers};
use shortlink_harness::validate::openapi_operations;
use support::{spawn_app, Backend};

/// Every (path, method) in `/openapi.json` has at least one check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_has_a_check() {
    let app = spawn_app(Backend::Memory).await;
    let doc: serde_json::Value = reqwest::get(app.url("/openapi.json"))
        .await
        .expect("GET /openapi.json")
        .json()
        .await
        .expect("/openapi.json is JSON");
    app.stop().await;
    let operations = openapi_operations(&doc);
    // A document with (almost) no operations would make this test vacuous.
    assert!(
        operations.len() >= 12,
        "/openapi.json lists only {operations:?}"
    );
    let checks = catalogue();
    let uncovered: Vec<String> = operations
        .iter()
        .filter(|(method, path)| !covers(&checks, method, path))
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    assert!(
        uncovered.is_empty(),
        "operations in /openapi.json with no harness check: {uncovered:?}"
    );
}
