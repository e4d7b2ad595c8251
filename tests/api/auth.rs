//! Every `/api/v1` route refuses a request without a valid key, on every
//! backend: no header, another scheme, a malformed value, an unknown key, a
//! revoked key. The routes are read from the server itself, so a route added
//! without the `Caller` guard fails here.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{client_with_key, spawn_app, spawn_on, TestDb, ALL_BACKENDS};
use shortlink::store::Backend;

/// One request per mounted `/api/v1` route, with a plausible path and body.
fn api_requests() -> Vec<(Method, String)> {
    let routes: Vec<(Method, String)> = shortlink::http::routes()
        .iter()
        .filter(|r| r.uri.path().starts_with("/api/v1"))
        .map(|r| {
            let path = r
                .uri
                .path()
                .replace("<code>", "abcdef")
                .replace("<id>", "0123456789ab");
            (
                Method::from_bytes(r.method.as_str().as_bytes()).unwrap(),
                path,
            )
        })
        .collect();
    assert!(routes.len() >= 8, "the /api/v1 routes were not found");
    routes
}

/// The 401 of the contract: JSON error `unauthorized` and a Bearer challenge.
async fn assert_unauthorized(res: reqwest::Response, what: &str) {
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{what}");
    let challenge = res
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(challenge.starts_with("Bearer "), "{what}: {challenge:?}");
    let body: Value = res.json().await.expect("a JSON error");
    assert_eq!(body["error"]["code"], "unauthorized", "{what}: {body}");
    assert_eq!(body["error"]["status"], 401, "{what}: {body}");
}

#[tokio::test]
async fn every_api_route_refuses_missing_wrong_and_revoked_keys_on_every_backend() {
    for backend in ALL_BACKENDS {
        let app = spawn_app(backend).await;
        let revoked = app.new_key("to revoke", "author").await;
        let id = &revoked[3..15];
        let res = app
            .http
            .delete(app.url(&format!("/api/v1/keys/{id}")))
            .send()
            .await;
        assert_eq!(res.unwrap().status(), StatusCode::NO_CONTENT);
        let unknown = shortlink::keys::ApiKey::generate().reveal();
        let admin = &app.admin_key;
        let headers: [(&str, Option<String>); 6] = [
            ("no header", None),
            ("another scheme", Some(format!("Basic {admin}"))),
            ("the key alone", Some(admin.clone())),
            ("malformed", Some("Bearer not-a-key".into())),
            ("unknown key", Some(format!("Bearer {unknown}"))),
            ("revoked key", Some(format!("Bearer {revoked}"))),
        ];
        let bare = client_with_key(None);
        for (method, path) in api_requests() {
            for (what, header) in &headers {
                let mut req = bare
                    .request(method.clone(), app.url(&path))
                    .json(&json!({ "url": "https://example.org/", "name": "x", "role": "admin" }));
                if let Some(h) = header {
                    req = req.header("Authorization", h);
                }
                let res = req.send().await.expect("a response");
                assert_unauthorized(res, &format!("{backend}: {method} {path}, {what}")).await;
            }
        }
        // Nothing was written by any refused request.
        let stats = app.stats().await;
        assert_eq!(stats["links"], 0, "{backend}: {stats}");
        app.stop().await;
    }
}

/// The key is checked before the body is read: an unauthenticated client
/// learns nothing from the body's validation.
#[tokio::test]
async fn the_key_is_checked_before_the_body() {
    let app = spawn_app(Backend::Memory).await;
    let bare = client_with_key(None);
    let res = bare
        .post(app.url("/api/v1/links"))
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_unauthorized(res, "malformed body without a key").await;
    let res = bare
        .post(app.url("/api/v1/links"))
        .header("Content-Type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_unauthorized(res, "not JSON, without a key").await;
    app.stop().await;
}

/// The public endpoints need no key, and a redirect of a link made with a key
/// works without one.
#[tokio::test]
async fn public_endpoints_need_no_key() {
    let app = spawn_app(Backend::Sqlite).await;
    let res = app
        .create(json!({ "url": "https://example.org/p", "code": "pub-lic" }))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let bare = client_with_key(None);
    for (path, want) in [
        ("/pub-lic", 302),
        ("/healthz", 200),
        ("/readyz", 200),
        ("/version", 200),
        ("/metrics", 200),
        ("/openapi.json", 200),
    ] {
        let res = bare.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), want, "{path}");
    }
    app.stop().await;
}

/// Two servers on one MySQL database: a key revoked through one is refused by
/// the other on its very next request (keys are never cached).
#[tokio::test]
async fn a_revocation_holds_at_once_on_every_instance() {
    revocation_holds_on_every_instance(Backend::Mysql).await;
}

/// The same on one PostgreSQL database.
#[tokio::test]
async fn a_revocation_holds_at_once_on_every_postgres_instance() {
    revocation_holds_on_every_instance(Backend::Postgres).await;
}

async fn revocation_holds_on_every_instance(backend: Backend) {
    let first = spawn_app(backend).await;
    let second = spawn_on(TestDb::at(backend, first.db_url().to_owned())).await;
    let key = first.new_key("shared", "author").await;
    let as_author = client_with_key(Some(&key));
    let res = as_author
        .get(second.url("/api/v1/links"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the key works on the second instance"
    );
    let id = &key[3..15];
    let res = first
        .http
        .delete(first.url(&format!("/api/v1/keys/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = as_author
        .get(second.url("/api/v1/links"))
        .send()
        .await
        .unwrap();
    assert_unauthorized(res, "a key revoked on the other instance").await;
    // Revoking it again: no live key with that id.
    let res = second
        .http
        .delete(second.url(&format!("/api/v1/keys/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    second.stop().await;
    first.stop().await;
}
