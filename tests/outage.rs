//! MySQL going away while the service runs: 503s within the pool timeout,
//! readiness follows the database, and the service recovers by itself.

mod support;

use std::time::{Duration, Instant};

use sqlx::Connection;
use support::mariadb::Instance;
use support::{spawn_with, test_figment, Backend, TestDb};

/// Stop MariaDB under a running server, then start it again: no 500, no hang,
/// no restart of the service, and the data written before is all there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_outage_gives_503_and_recovers_without_restart() {
    let mut db_server = Instance::create("outage").expect("create a MariaDB datadir");
    db_server.start().expect("start MariaDB");
    let admin = db_server.admin_url();
    let mut conn = sqlx::MySqlConnection::connect(&admin).await.unwrap();
    sqlx::query("CREATE DATABASE outage")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let db = TestDb::at(Backend::Mysql, format!("{admin}/outage"));
    // A 2 s pool timeout keeps the test short; the default is 5 s.
    let figment = test_figment(&db).merge(("databases.mysql.connect_timeout", 2));
    let app = spawn_with(db, figment).await;
    let http = &app.http;
    let created = app
        .create(serde_json::json!({ "url": "https://example.org/outage", "code": "outage1" }))
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(app.get("/outage1").await.unwrap().status(), 302);

    db_server.stop().expect("stop MariaDB");

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

    db_server.start().expect("restart MariaDB");
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
    let recovered = recovered.expect("service not ready within 30 s of MariaDB's return");
    println!("recovered {recovered:?} after MariaDB accepted connections again");
    assert!(
        recovered < Duration::from_secs(5),
        "recovery took {recovered:?}"
    );

    let link = app.link("outage1").await;
    assert_eq!(
        link["hits"], 1,
        "a hit acknowledged before the outage was lost: {link}"
    );
    assert_eq!(app.get("/outage1").await.unwrap().status(), 302);
    app.stop().await;
}
