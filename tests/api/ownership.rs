//! Roles and ownership, on every backend: an author reaches only the links it
//! created (another key's link is a 404 and stays as it was), its list and
//! stats count only its own links, an admin's count all, and only an admin
//! manages keys. Also: the key resource itself.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{client_with_key, spawn_app, TestApp, ALL_BACKENDS};
use shortlink::store::Backend;

async fn create(http: &reqwest::Client, app: &TestApp, code: &str) -> Value {
    let res = http
        .post(app.url("/api/v1/links"))
        .json(&json!({ "url": format!("https://example.org/{code}"), "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "{code}");
    res.json().await.unwrap()
}

async fn codes(http: &reqwest::Client, app: &TestApp) -> Vec<String> {
    let page: Value = http
        .get(app.url("/api/v1/links?limit=100"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut codes: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap().to_owned())
        .collect();
    codes.sort();
    codes
}

async fn stats(http: &reqwest::Client, app: &TestApp) -> Value {
    http.get(app.url("/api/v1/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_author_reaches_only_its_own_links_on_every_backend() {
    for backend in ALL_BACKENDS {
        let app = spawn_app(backend).await;
        let alice = client_with_key(Some(&app.new_key("alice", "author").await));
        let bob = client_with_key(Some(&app.new_key("bob", "author").await));
        let before = create(&alice, &app, "alice-1").await;
        create(&alice, &app, "alice-2").await;
        create(&bob, &app, "bob-1").await;
        create(&app.http, &app, "admin-1").await;
        let res = app.get("/alice-1").await.unwrap();
        assert_eq!(
            res.status(),
            StatusCode::FOUND,
            "{backend}: redirects are public"
        );

        // Bob on Alice's link: as if it did not exist, and nothing changes.
        let url = app.url("/api/v1/links/alice-1");
        let tries = [
            bob.get(&url),
            bob.patch(&url)
                .json(&json!({ "url": "https://evil.example/" })),
            bob.delete(&url),
        ];
        for req in tries {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{backend}");
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error"]["code"], "not_found", "{backend}");
        }
        let after: Value = alice.get(&url).send().await.unwrap().json().await.unwrap();
        assert_eq!(
            after["url"], before["url"],
            "{backend}: Bob changed Alice's link"
        );
        assert_eq!(after["hits"], 1, "{backend}");

        // Lists and stats: an author's own links only, an admin's all.
        assert_eq!(
            codes(&alice, &app).await,
            ["alice-1", "alice-2"],
            "{backend}"
        );
        assert_eq!(codes(&bob, &app).await, ["bob-1"], "{backend}");
        assert_eq!(codes(&app.http, &app).await.len(), 4, "{backend}");
        let s = stats(&alice, &app).await;
        assert_eq!(
            (s["links"].as_i64(), s["hits"].as_i64()),
            (Some(2), Some(1)),
            "{backend}: {s}"
        );
        assert_eq!(s["top"].as_array().unwrap().len(), 2, "{backend}: {s}");
        let s = stats(&bob, &app).await;
        assert_eq!(
            (s["links"].as_i64(), s["hits"].as_i64()),
            (Some(1), Some(0)),
            "{backend}: {s}"
        );
        let s = stats(&app.http, &app).await;
        assert_eq!(
            (s["links"].as_i64(), s["hits"].as_i64()),
            (Some(4), Some(1)),
            "{backend}: {s}"
        );

        // Alice may change and delete her own; an admin may change anyone's.
        let res = alice
            .patch(&url)
            .json(&json!({ "expires_at": null }))
            .send()
            .await;
        assert_eq!(res.unwrap().status(), StatusCode::OK, "{backend}");
        let bob_1 = app.url("/api/v1/links/bob-1");
        let res = app
            .http
            .patch(&bob_1)
            .json(&json!({ "url": "https://example.org/b" }))
            .send()
            .await;
        assert_eq!(res.unwrap().status(), StatusCode::OK, "{backend}");
        let res = alice.delete(&url).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{backend}");
        // A code freed by its author may be taken by another.
        create(&bob, &app, "alice-1").await;
        let res = alice.get(&url).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{backend}");
        app.stop().await;
    }
}

#[tokio::test]
async fn only_an_admin_manages_keys() {
    let app = spawn_app(Backend::Memory).await;
    let author = client_with_key(Some(&app.new_key("author", "author").await));
    let tries = [
        author.get(app.url("/api/v1/keys")),
        author
            .post(app.url("/api/v1/keys"))
            .json(&json!({ "name": "mine", "role": "admin" })),
        author.delete(app.url("/api/v1/keys/0123456789ab")),
    ];
    for req in tries {
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "forbidden");
    }
    let keys: Value = app.get("/api/v1/keys").await.unwrap().json().await.unwrap();
    assert_eq!(keys["items"].as_array().unwrap().len(), 2, "{keys}");
    app.stop().await;
}

#[tokio::test]
async fn the_key_resource_shows_its_secret_once() {
    let app = spawn_app(Backend::Sqlite).await;
    let res = app
        .http
        .post(app.url("/api/v1/keys"))
        .json(&json!({ "name": "ci bot", "role": "author" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(location, format!("/api/v1/keys/{id}"));
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with(&format!("sl_{id}_")), "{created}");
    assert_eq!(
        (created["name"].as_str(), created["role"].as_str()),
        (Some("ci bot"), Some("author"))
    );
    assert!(created["revoked_at"].is_null());

    let listed = app.get("/api/v1/keys").await.unwrap().text().await.unwrap();
    assert!(listed.contains(id), "{listed}");
    assert!(!listed.contains(&secret[16..]), "a listing shows a secret");
    assert!(!listed.contains("secret"), "{listed}");

    for (body, code) in [
        (json!({ "name": "x", "role": "owner" }), "invalid_role"),
        (json!({ "name": "", "role": "author" }), "invalid_name"),
        (
            json!({ "name": "a\u{7}b", "role": "author" }),
            "invalid_name",
        ),
        (
            json!({ "name": "x".repeat(201), "role": "author" }),
            "invalid_name",
        ),
        (json!({ "role": "author" }), "invalid_name"),
        (
            json!({ "name": "x", "role": "author", "scope": "all" }),
            "invalid_body",
        ),
    ] {
        let res = app
            .http
            .post(app.url("/api/v1/keys"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], code, "{body}: {err}");
    }
    let res = app
        .http
        .delete(app.url("/api/v1/keys/not-an-id"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}
