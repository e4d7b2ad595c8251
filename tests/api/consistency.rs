//! Read-your-writes across the pool: a write the client was told succeeded is
//! seen by the very next request, whichever pooled connection serves it.

use crate::support;

use support::{spawn_app, Backend, TestApp, ALL_BACKENDS};

const WRITERS: usize = 8;
const ROUNDS: usize = 40;

/// Create → read → redirect → read, by several clients at once; every step
/// must see the previous one (on SQLite this caught sqlx 0.7 leaving
/// `fetch_one` statements open: created links 404'd, acknowledged hits vanished).
async fn reads_its_own_writes(backend: Backend) {
    let app = spawn_app(backend).await;
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let app = app.clone();
        tasks.push(tokio::spawn(async move { writer(&app, w).await }));
    }
    for t in tasks {
        t.await.expect("writer task panicked");
    }
    std::sync::Arc::try_unwrap(app)
        .ok()
        .expect("all writers done")
        .stop()
        .await;
}

async fn writer(app: &TestApp, w: usize) {
    for r in 0..ROUNDS {
        let code = format!("ryw{w}x{r}");
        let created = app
            .create(
                serde_json::json!({ "url": format!("https://example.org/{code}"), "code": code }),
            )
            .await
            .unwrap();
        assert_eq!(created.status(), 201, "{code}");
        let read = app.get(&format!("/api/v1/links/{code}")).await.unwrap();
        assert_eq!(
            read.status(),
            200,
            "{code} not readable right after its 201"
        );
        assert_eq!(
            app.get(&format!("/{code}")).await.unwrap().status(),
            302,
            "{code}"
        );
        let link = app.link(&code).await;
        assert_eq!(
            link["hits"], 1,
            "{code}: the acknowledged hit is not visible: {link}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_backend_reads_its_own_writes() {
    for backend in ALL_BACKENDS {
        reads_its_own_writes(backend).await;
    }
}
