//! A 201 on the SQL backends survives a restart of the server, hits included.

use crate::support;

use support::{spawn_app, spawn_on, Backend};

async fn survives_restart(backend: Backend) {
    let app = spawn_app(backend).await;
    let created = app
        .create(serde_json::json!({ "url": "https://example.org/durable", "code": "durable1" }))
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    for _ in 0..3 {
        assert_eq!(app.get("/durable1").await.unwrap().status(), 302);
    }

    let db = app.stop().await;
    let app = spawn_on(db).await;

    let link = app.link("durable1").await;
    assert_eq!(link["url"], "https://example.org/durable");
    assert_eq!(link["hits"], 3);
    let again = app.get("/durable1").await.unwrap();
    assert_eq!(again.headers()["location"], "https://example.org/durable");
    app.stop().await;
}

/// SQLite: the link and its hits are in the file after a graceful restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_link_survives_server_restart() {
    survives_restart(Backend::Sqlite).await;
}

/// MySQL: the link and its hits are in the database after a graceful restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_link_survives_server_restart() {
    survives_restart(Backend::Mysql).await;
}
