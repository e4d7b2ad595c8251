//! A 201 on the SQL backends survives a restart of the server, hits included.

use crate::support;

use support::{spawn_app, spawn_on, Backend, TestDb};

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

/// PostgreSQL: the link and its hits are in the database after a graceful restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_link_survives_server_restart() {
    survives_restart(Backend::Postgres).await;
}

/// PostgreSQL: every acknowledged hit is in the database after the database
/// server itself restarts (a fast shutdown, as a service restart does), and
/// the service goes on without a restart of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_hits_survive_a_database_restart() {
    let mut server = support::postgres::Instance::create("durability").unwrap();
    server.start().unwrap();
    let url = support::postgres::fresh_database_on(&server.admin_url()).await;
    let app = spawn_on(TestDb::at(Backend::Postgres, url)).await;
    let created = app
        .create(serde_json::json!({ "url": "https://example.org/pg", "code": "pgdur" }))
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    for _ in 0..20 {
        assert_eq!(app.get("/pgdur").await.unwrap().status(), 302);
    }
    server.stop().unwrap();
    server.start().unwrap();
    // The pool's connections died with the server; the next ones are new.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let link = loop {
        let res = app.get("/api/v1/links/pgdur").await.unwrap();
        if res.status() == 200 {
            break res.json::<serde_json::Value>().await.unwrap();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not back: {}",
            res.status()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(link["hits"], 20);
    assert_eq!(app.get("/pgdur").await.unwrap().status(), 302);
    assert_eq!(app.link("pgdur").await["hits"], 21);
    app.stop().await;
}
