//! MySQL or PostgreSQL going away while the service runs, in the middle of a
//! redirect load: 503s within the pool timeout, readiness follows the
//! database, the service recovers by itself, and no redirect a client
//! received goes uncounted.

use crate::support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::Connection;
use support::{mariadb, postgres};
use support::{spawn_with, test_figment, Backend, TestApp, TestDb};

/// Redirect clients kept busy through the outage.
const LOAD_CLIENTS: usize = 4;

/// A database server of the test's own, to stop and start again.
enum DbServer {
    Mysql(mariadb::Instance),
    Postgres(postgres::Instance),
}

impl DbServer {
    /// Starts one and creates the database the service will use on it.
    async fn with_database(backend: Backend) -> (DbServer, TestDb) {
        match backend {
            Backend::Mysql => {
                let mut server = mariadb::Instance::create("outage").expect("a MariaDB datadir");
                server.start().expect("start MariaDB");
                let admin = server.admin_url();
                let mut conn = sqlx::MySqlConnection::connect(&admin).await.unwrap();
                sqlx::query("CREATE DATABASE outage")
                    .execute(&mut conn)
                    .await
                    .unwrap();
                conn.close().await.unwrap();
                let db = TestDb::at(backend, format!("{admin}/outage"));
                (DbServer::Mysql(server), db)
            }
            Backend::Postgres => {
                let mut server = postgres::Instance::create("outage").expect("a PostgreSQL initdb");
                server.start().expect("start PostgreSQL");
                let url = postgres::fresh_database_on(&server.admin_url()).await;
                (DbServer::Postgres(server), TestDb::at(backend, url))
            }
            other => panic!("{other} has no database server"),
        }
    }

    fn start(&mut self) -> Result<(), String> {
        match self {
            DbServer::Mysql(s) => s.start(),
            DbServer::Postgres(s) => s.start(),
        }
    }

    fn stop(&mut self) -> Result<(), String> {
        match self {
            DbServer::Mysql(s) => s.stop(),
            DbServer::Postgres(s) => s.stop(),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_outage_gives_503_and_recovers_without_restart() {
    outage_gives_503_and_recovers_without_restart(Backend::Mysql).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_gives_503_and_recovers_without_restart() {
    outage_gives_503_and_recovers_without_restart(Backend::Postgres).await;
}

/// Stop the database server under a running service and its redirect load,
/// then start it again: no 500, no hang, no restart of the service, and
/// every 302 a client received is counted, before, during and after the outage.
async fn outage_gives_503_and_recovers_without_restart(backend: Backend) {
    let (mut db_server, db) = DbServer::with_database(backend).await;
    // A 2 s pool timeout keeps the test short; the default is 5 s.
    let timeout_key = format!("databases.{}.connect_timeout", backend.name());
    let figment = test_figment(&db).merge((timeout_key, 2));
    let app = spawn_with(db, figment).await;
    let http = &app.http;
    let created = app
        .create(serde_json::json!({ "url": "https://example.org/outage", "code": "outage1" }))
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(app.get("/outage1").await.unwrap().status(), 302);

    // The load: redirect clients that run through the outage and the recovery.
    let running = Arc::new(AtomicBool::new(true));
    let mut load = Vec::new();
    for _ in 0..LOAD_CLIENTS {
        let (http, url, running) = (app.http.clone(), app.url("/outage1"), running.clone());
        load.push(tokio::spawn(async move {
            let (mut found, mut unavailable, mut slowest) = (0u64, 0u64, Duration::ZERO);
            // Bounded: the test clears `running` within a minute; the count cap is a backstop.
            for _ in 0..100_000 {
                if !running.load(Ordering::Relaxed) {
                    break;
                }
                let started = Instant::now();
                let res = http
                    .get(&url)
                    .send()
                    .await
                    .expect("redirect during the outage");
                slowest = slowest.max(started.elapsed());
                match res.status().as_u16() {
                    302 => found += 1,
                    503 => unavailable += 1,
                    other => panic!("redirect answered {other} around the outage"),
                }
            }
            (found, unavailable, slowest)
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    db_server.stop().expect("stop the database server");

    for (method, path) in [
        ("GET", "/outage1"),
        ("GET", "/api/v1/links/outage1"),
        ("POST", "/api/v1/links"),
        ("GET", "/api/v1/stats"),
    ] {
        let started = Instant::now();
        let req = match method {
            "POST" => http
                .post(app.url(path))
                .json(&serde_json::json!({ "url": "https://example.org/x" })),
            _ => http.get(app.url(path)),
        };
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let took = started.elapsed();
        assert_eq!(res.status(), 503, "{method} {path} during the outage");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(
            body["error"]["code"], "backend_unavailable",
            "{method} {path}: {body}"
        );
        // The pool timeout (2 s) bounds the wait; a little slack for a loaded machine.
        assert!(
            took < Duration::from_secs(6),
            "{method} {path} took {took:?}"
        );
    }
    assert_eq!(
        app.get("/healthz").await.unwrap().status(),
        200,
        "liveness must not follow the database"
    );
    let ready = app.get("/readyz").await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap()["status"],
        "unavailable"
    );
    // What the monitoring alerts on: the same answer, scraped.
    assert!(scrape(&app).await.contains("\nshortlink_store_up 0\n"));

    db_server.start().expect("restart the database server");
    let back = Instant::now();
    let mut recovered = None;
    while back.elapsed() < Duration::from_secs(30) {
        if http
            .get(app.url("/readyz"))
            .send()
            .await
            .map(|r| r.status() == 200)
            .unwrap_or(false)
        {
            recovered = Some(back.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered = recovered.expect("service not ready within 30 s of the database's return");
    assert!(scrape(&app).await.contains("\nshortlink_store_up 1\n"));
    println!("{backend}: recovered {recovered:?} after the database accepted connections again");
    assert!(
        recovered < Duration::from_secs(5),
        "recovery took {recovered:?}"
    );

    tokio::time::sleep(Duration::from_millis(500)).await;
    running.store(false, Ordering::Relaxed);
    let (mut found, mut unavailable) = (0, 0);
    for task in load {
        let (f, u, slowest) = task.await.expect("load client panicked");
        found += f;
        unavailable += u;
        assert!(
            slowest < Duration::from_secs(6),
            "a redirect hung for {slowest:?}"
        );
    }
    println!("{backend} under load: {found} redirects served, {unavailable} answered 503");
    assert!(unavailable > 0, "the load never saw the outage");
    // No 302 a client received may go uncounted. A 503 is in doubt: the
    // database can commit an UPDATE whose reply never arrived (it went down
    // mid-statement, or the store timeout gave up first), so it may have counted.
    let hits = app.link("outage1").await["hits"].as_u64().expect("hits");
    assert!(
        (1 + found..=1 + found + unavailable).contains(&hits),
        "hits {hits}: clients got {found} redirects (+1 before) and {unavailable} 503s"
    );
    assert_eq!(app.get("/outage1").await.unwrap().status(), 302);
    app.stop().await;
}

async fn scrape(app: &TestApp) -> String {
    let metrics = app.get("/metrics").await.expect("scrape /metrics");
    assert_eq!(metrics.status(), 200);
    metrics.text().await.expect("metrics body")
}
