//! Hits are exact under concurrency on every backend, now that redirects are
//! counted in groups (`store::hits`): many concurrent redirects over a few
//! links, an expired link and a missing code in the same groups, and every
//! link's count equals its successful redirects — no more, no fewer. The
//! same in the buffered mode once flushed, and a graceful stop flushes.

use std::sync::Arc;

use futures::future::join_all;
use serde_json::json;

use crate::support::{spawn_app, spawn_on, spawn_with, test_figment, TestDb, ALL_BACKENDS};
use shortlink::store::Backend;

const REDIRECTS: usize = 300;
const LINKS: [&str; 3] = ["hot-a", "hot-b", "hot-c"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grouped_hits_are_exact_under_concurrency_on_every_backend() {
    for backend in ALL_BACKENDS {
        let app = Arc::new(spawn_app(backend).await);
        for code in LINKS {
            let res = app
                .create(json!({ "url": format!("https://example.org/{code}"), "code": code }))
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
        }
        let res = app
            .create(
                json!({ "url": "https://example.org/gone", "code": "expired", "ttl_seconds": 1 }),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;

        // Link i gets redirects i, i+5, …; the other two slots of five ask
        // for the expired link and a code that does not exist.
        let answers = join_all((0..REDIRECTS).map(|i| {
            let app = app.clone();
            async move {
                let code = match i % 5 {
                    3 => "expired",
                    4 => "missing",
                    k => LINKS[k],
                };
                let res = app
                    .get(&format!("/{code}"))
                    .await
                    .expect("a redirect answer");
                (
                    code,
                    res.status().as_u16(),
                    res.headers().get("location").cloned(),
                )
            }
        }))
        .await;
        for (code, status, location) in &answers {
            let want = match *code {
                "expired" => 410,
                "missing" => 404,
                _ => 302,
            };
            assert_eq!(*status, want, "{backend}: {code}");
            if want == 302 {
                let location = location.as_ref().expect("a Location");
                assert_eq!(
                    location,
                    &format!("https://example.org/{code}"),
                    "{backend}"
                );
            }
        }
        for code in LINKS {
            let served = answers
                .iter()
                .filter(|(c, s, _)| *c == code && *s == 302)
                .count();
            assert_eq!(served, REDIRECTS / 5, "{backend}: {code}");
            let link = app.link(code).await;
            assert_eq!(link["hits"], served, "{backend}: {code}: {link}");
            assert!(!link["last_hit_at"].is_null(), "{backend}: {code}");
        }
        assert_eq!(app.link("expired").await["hits"], 0, "{backend}");
        match Arc::try_unwrap(app) {
            Ok(app) => drop(app.stop().await),
            Err(_) => panic!("the app is still shared"),
        }
    }
}

/// The buffered mode: redirects read, hits arrive with the next flush, each
/// exactly once; answers with counts say how far behind they may be.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buffered_hits_are_exact_after_a_flush_on_every_backend() {
    for backend in ALL_BACKENDS {
        let db = TestDb::fresh(backend).await;
        let figment = test_figment(&db)
            .merge(("hits", "buffered"))
            .merge(("hits_flush_ms", 200));
        let app = Arc::new(spawn_with(db, figment).await);
        // Two links, so a flush writes several in one statement.
        for code in ["buf", "buf2"] {
            let res = app
                .create(json!({ "url": "https://example.org/b", "code": code }))
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
        }
        let statuses = join_all((0..REDIRECTS).map(|i| {
            let app = app.clone();
            let path = if i % 2 == 0 { "/buf" } else { "/buf2" };
            async move { app.get(path).await.unwrap().status().as_u16() }
        }))
        .await;
        assert!(statuses.iter().all(|s| *s == 302), "{backend}");
        let buf2 = REDIRECTS / 2;
        let res = app.get("/api/v1/links/buf").await.unwrap();
        let lag = res.headers().get("x-hits-lag-max-ms").cloned();
        assert_eq!(
            lag.as_ref().map(|v| v.to_str().unwrap()),
            Some("200"),
            "{backend}"
        );
        // Within a few windows every hit is there, and no window adds one twice.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while app.stats().await["hits"] != REDIRECTS && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        assert_eq!(app.link("buf").await["hits"], REDIRECTS - buf2, "{backend}");
        assert_eq!(app.link("buf2").await["hits"], buf2, "{backend}");
        let stats = app.stats().await;
        assert_eq!(stats["hits"], REDIRECTS, "{backend}");
        match Arc::try_unwrap(app) {
            Ok(app) => drop(app.stop().await),
            Err(_) => panic!("the app is still shared"),
        }
    }
}

/// A graceful stop writes what the buffer holds, with no flush due yet.
#[tokio::test]
async fn a_graceful_stop_writes_the_buffered_hits() {
    for backend in [Backend::Sqlite, Backend::Mysql, Backend::Postgres] {
        let db = TestDb::fresh(backend).await;
        let figment = test_figment(&db)
            .merge(("hits", "buffered"))
            .merge(("hits_flush_ms", 600_000));
        let app = spawn_with(db, figment).await;
        let res = app
            .create(json!({ "url": "https://example.org/s", "code": "stop" }))
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        for _ in 0..25 {
            assert_eq!(app.get("/stop").await.unwrap().status(), 302);
        }
        assert_eq!(app.link("stop").await["hits"], 0, "{backend}: no flush yet");
        let db = app.stop().await;
        let app = spawn_on(db).await;
        assert_eq!(app.link("stop").await["hits"], 25, "{backend}");
        app.stop().await;
    }
}

/// The buffered mode remembers targets for a window, but a PATCH or DELETE
/// through this instance is seen by the very next redirect.
#[tokio::test]
async fn buffered_redirects_follow_a_change_at_once() {
    let db = TestDb::fresh(Backend::Sqlite).await;
    let figment = test_figment(&db)
        .merge(("hits", "buffered"))
        .merge(("hits_flush_ms", 600_000));
    let app = spawn_with(db, figment).await;
    let res = app
        .create(json!({ "url": "https://example.org/old", "code": "moving" }))
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = |res: reqwest::Response| {
        res.headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let first = app.get("/moving").await.unwrap();
    assert_eq!(location(first).as_deref(), Some("https://example.org/old"));
    let res = app
        .http
        .patch(app.url("/api/v1/links/moving"))
        .json(&json!({ "url": "https://example.org/new" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let moved = app.get("/moving").await.unwrap();
    assert_eq!(location(moved).as_deref(), Some("https://example.org/new"));
    let res = app
        .http
        .patch(app.url("/api/v1/links/moving"))
        .json(&json!({ "expires_at": "2000-01-01T00:00:00Z" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.get("/moving").await.unwrap().status(), 410);
    let res = app
        .http
        .delete(app.url("/api/v1/links/moving"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(app.get("/moving").await.unwrap().status(), 404);
    app.stop().await;
}
