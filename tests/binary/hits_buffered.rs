//! The buffered hit mode against a SIGKILL: at most the hits of the window in
//! progress are lost, never more, and the test says exactly how many were.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::binary::{admin_client, free_port, on_sqlite, reap, signal, wait_healthy, Running};

/// The flush interval of the run.
const WINDOW: Duration = Duration::from_millis(1000);
const FLUSHED: u64 = 100;
const IN_LAST_WINDOW: u64 = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_loses_at_most_one_window_of_buffered_hits() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let port = free_port();
    let mut server = on_sqlite(&db, port)
        .env("ROCKET_HITS", "buffered")
        .env("ROCKET_HITS_FLUSH_MS", WINDOW.as_millis().to_string())
        .spawn()
        .unwrap();
    wait_healthy(port).await;
    let http = admin_client().build().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let res = http
        .post(format!("{base}/api/v1/links"))
        .json(&json!({ "url": "https://example.org/k", "code": "killed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let redirect = || http.get(format!("{base}/killed")).send();

    for _ in 0..FLUSHED {
        assert_eq!(redirect().await.unwrap().status(), 302);
    }
    // Two windows: the first burst is written by now.
    tokio::time::sleep(WINDOW * 2 + WINDOW / 2).await;
    let started = Instant::now();
    for _ in 0..IN_LAST_WINDOW {
        assert_eq!(redirect().await.unwrap().status(), 302);
    }
    let second_burst = started.elapsed();
    signal(&server, libc::SIGKILL);
    assert!(reap(&mut server, Duration::from_secs(10)).is_some());

    // The same file, durable mode: what was written is what survived.
    let port = free_port();
    let _again = Running(on_sqlite(&db, port).spawn().unwrap());
    wait_healthy(port).await;
    let link: serde_json::Value = http
        .get(format!("http://127.0.0.1:{port}/api/v1/links/killed"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hits = link["hits"].as_u64().expect("hits");
    let served = FLUSHED + IN_LAST_WINDOW;
    let lost = served - hits.min(served);
    println!(
        "buffered, {WINDOW:?} window: {served} redirects served, {hits} hits survived a SIGKILL, \
         {lost} lost (the last {IN_LAST_WINDOW} took {second_burst:?})"
    );
    assert!(hits <= served, "more hits than redirects: {hits}");
    assert!(
        hits >= FLUSHED,
        "hits of an earlier window were lost: {hits}"
    );
    assert!(
        second_burst >= WINDOW || lost <= IN_LAST_WINDOW,
        "more than one window lost: {lost}"
    );
}
