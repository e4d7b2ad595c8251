//! A locked SQLite file: another process holds `BEGIN EXCLUSIVE`. Writes get
//! 503 `backend_unavailable` within the timeout (never a 500, never a hang),
//! reads keep working or get the same 503, and the service recovers by itself.

use crate::support;

use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::{Connection, Executor};
use support::{spawn_with, test_figment, Backend, TestDb};

/// Connect timeout, and with it SQLite's busy timeout, for this test.
const BUSY_SECS: u64 = 2;
/// The bound on any one answer while the file is locked: the busy timeout plus
/// slack for a loaded machine.
const BOUND: Duration = Duration::from_secs(BUSY_SECS + 4);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locked_sqlite_file_gives_503_on_writes_and_recovers() {
    let db = TestDb::fresh(Backend::Sqlite).await;
    let url = db.url.clone();
    let figment = test_figment(&db).merge(("databases.sqlite.connect_timeout", BUSY_SECS));
    let app = spawn_with(db, figment).await;
    let http = app.http.clone();
    let create = |code: &str| {
        http.post(app.url("/api/v1/links"))
            .json(&json!({ "url": "https://example.org/lock", "code": code }))
    };
    assert_eq!(create("lock0").send().await.unwrap().status(), 201);

    // Another connection to the same file takes the write lock and keeps it.
    let mut holder = sqlx::SqliteConnection::connect(&url).await.unwrap();
    holder.execute("BEGIN EXCLUSIVE").await.unwrap();

    let started = Instant::now();
    let res = create("lock1").send().await.unwrap();
    let took = started.elapsed();
    assert_eq!(res.status(), 503, "create while locked");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "backend_unavailable", "{body}");
    assert!(took < BOUND, "create while locked took {took:?}");
    println!("locked: POST /api/v1/links -> 503 in {took:?}");

    for (path, ok) in [
        ("/api/v1/links/lock0", 200),
        ("/api/v1/links", 200),
        ("/api/v1/stats", 200),
        ("/lock0", 302),
    ] {
        let started = Instant::now();
        let res = http.get(app.url(path)).send().await.unwrap();
        let took = started.elapsed();
        let status = res.status().as_u16();
        assert!(
            status == ok || status == 503,
            "GET {path} while locked: {status}"
        );
        if status == 503 {
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(
                body["error"]["code"], "backend_unavailable",
                "{path}: {body}"
            );
        }
        assert!(took < BOUND, "GET {path} while locked took {took:?}");
        println!("locked: GET {path} -> {status} in {took:?}");
    }
    assert_eq!(
        http.get(app.url("/healthz")).send().await.unwrap().status(),
        200
    );

    holder.execute("ROLLBACK").await.unwrap();
    holder.close().await.unwrap();
    let released = Instant::now();
    let mut recovered = None;
    while released.elapsed() < Duration::from_secs(10) {
        if create("lock2").send().await.unwrap().status() == 201 {
            recovered = Some(released.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered = recovered.expect("writes work again within 10 s of the release");
    println!("unlocked: writes back after {recovered:?}");
    assert!(
        recovered < Duration::from_secs(5),
        "recovery took {recovered:?}"
    );
    assert_eq!(
        http.get(app.url("/api/v1/links/lock1"))
            .send()
            .await
            .unwrap()
            .status(),
        404,
        "the create refused with 503 must not have happened"
    );
    drop(http);
    app.stop().await;
}
