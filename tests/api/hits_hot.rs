//! One hot link's redirects are counted without a transaction when a group
//! holds nothing else (SQLite: the writer is the only writer; MySQL: an
//! `UPDATE` that matches only the row as read). Exact while the link changes
//! under them: its URL moves back and forth, then it expires, and its count
//! equals the 302s its clients got — no more, no fewer — on every backend.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use serde_json::json;

use crate::support::{spawn_app, ALL_BACKENDS};

const CLIENTS: usize = 16;
const PER_CLIENT: usize = 60;
const URLS: [&str; 2] = ["https://example.org/one", "https://example.org/two"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hot_link_counts_exactly_while_it_changes_on_every_backend() {
    for backend in ALL_BACKENDS {
        let app = Arc::new(spawn_app(backend).await);
        let res = app
            .create(json!({ "url": URLS[0], "code": "hot" }))
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let expired = Arc::new(AtomicBool::new(false));

        let clients = join_all((0..CLIENTS).map(|_| {
            let app = app.clone();
            let expired = expired.clone();
            tokio::spawn(async move {
                let (mut found, mut gone) = (0u64, 0u64);
                for _ in 0..PER_CLIENT {
                    let asked_after_expiry = expired.load(Ordering::SeqCst);
                    let res = app.get("/hot").await.expect("a redirect answer");
                    match res.status().as_u16() {
                        302 => {
                            let location = res.headers()["location"].to_str().unwrap();
                            assert!(URLS.contains(&location), "{backend}: to {location}");
                            assert!(!asked_after_expiry, "{backend}: 302 after the expiry");
                            found += 1;
                        }
                        410 => gone += 1,
                        other => panic!("{backend}: status {other}"),
                    }
                }
                (found, gone)
            })
        }));
        let changes = {
            let app = app.clone();
            let expired = expired.clone();
            async move {
                for i in 0..20 {
                    let body = json!({ "url": URLS[(i + 1) % 2] });
                    patch(&app, body).await;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                // An expiry in the past: every redirect asked from now on is a
                // 410 and counts nothing.
                patch(&app, json!({ "expires_at": "2001-01-01T00:00:00Z" })).await;
                expired.store(true, Ordering::SeqCst);
            }
        };
        let (results, ()) = tokio::join!(clients, changes);
        let (mut found, mut gone) = (0, 0);
        for r in results {
            let (f, g) = r.expect("a client panicked");
            found += f;
            gone += g;
        }
        assert_eq!(found + gone, (CLIENTS * PER_CLIENT) as u64);
        assert!(found > 0, "{backend}: no redirect before the expiry");
        assert_eq!(
            app.link("hot").await["hits"],
            found,
            "{backend}: {gone} 410s"
        );
        match Arc::try_unwrap(app) {
            Ok(app) => drop(app.stop().await),
            Err(_) => panic!("the app is still shared"),
        }
    }
}

async fn patch(app: &crate::support::TestApp, body: serde_json::Value) {
    let res = app
        .http
        .patch(app.url("/api/v1/links/hot"))
        .json(&body)
        .send()
        .await
        .expect("PATCH");
    assert_eq!(res.status(), 200, "{body}");
}
