//! The harness leaves an instance as it found it: after the whole catalogue
//! (passing, and failing through a broken proxy) no link of its own is left
//! and every key it created is revoked; only the bootstrap key stays live.

use crate::support;

use serde_json::Value;
use shortlink_harness::{catalogue, run_against, ApiKey, RunOptions};
use support::auth_proxy::{self, AuthFault};
use support::{spawn_app, Backend, TestApp};

/// Links left on the server, and keys other than the bootstrap one that are
/// still live.
async fn leftovers(app: &TestApp) -> (Vec<String>, Vec<String>) {
    let get = |path: &'static str| async move {
        let res = app.get(path).await.expect("GET");
        assert_eq!(res.status(), 200, "GET {path}");
        res.json::<Value>().await.expect("JSON")
    };
    let links = get("/api/v1/links?limit=100").await;
    let keys = get("/api/v1/keys").await;
    let field = |v: &Value, f: &str| v[f].as_str().unwrap_or("").to_string();
    let links = links["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|l| field(l, "code"))
        .collect();
    let keys = keys["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|k| k["revoked_at"].is_null() && k["name"] != "bootstrap")
        .map(|k| format!("{} {}", field(k, "id"), field(k, "name")))
        .collect();
    (links, keys)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_cleans_up_links_and_keys() {
    let app = spawn_app(Backend::Memory).await;
    let options = RunOptions::with_key(ApiKey::new(&app.admin_key));
    let outcomes = run_against(&app.base_url, &catalogue::catalogue(), &options)
        .await
        .expect("a valid target URL");
    assert!(outcomes.iter().all(|o| o.passed()), "the run should pass");
    let (links, keys) = leftovers(&app).await;
    assert!(
        links.is_empty(),
        "links left after a passing run: {links:?}"
    );
    assert!(
        keys.is_empty(),
        "keys left live after a passing run: {keys:?}"
    );

    // Failing checks clean up too: through a server that ignores ownership
    // the ownership checks fail half-way.
    let proxy = auth_proxy::start(&app.base_url, &app.admin_key, AuthFault::IgnoresOwnership).await;
    let outcomes = run_against(&proxy.base_url, &catalogue::catalogue(), &options)
        .await
        .expect("a valid target URL");
    drop(proxy);
    assert!(outcomes.iter().any(|o| !o.passed()), "the run should fail");
    let (links, keys) = leftovers(&app).await;
    app.stop().await;
    assert!(
        links.is_empty(),
        "links left after a failing run: {links:?}"
    );
    assert!(
        keys.is_empty(),
        "keys left live after a failing run: {keys:?}"
    );
}
