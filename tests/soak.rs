//! Steady light traffic for minutes on SQLite without a pool timeout.
//!
//! sqlx 0.7.4 made SQLite pools time out after a minute or two of exactly
//! this traffic (sqlx#3241); the pin to 0.7.3 must keep that away.
//! `SHORTLINK_SOAK_SECS` sets the length (default 180).

mod support;

use std::time::{Duration, Instant};

use support::{spawn_app, Backend};

/// Three minutes at about one request a second, with idle gaps, all answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_pool_serves_steady_traffic_for_minutes() {
    let secs: u64 = std::env::var("SHORTLINK_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(180);
    let app = spawn_app(Backend::Sqlite).await;
    let created: serde_json::Value = app
        .create(serde_json::json!({ "url": "https://example.org/soak" }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = created["code"].as_str().unwrap().to_owned();

    let started = Instant::now();
    let mut redirects = 0u64;
    let mut tick = 0u64;
    while started.elapsed() < Duration::from_secs(secs) {
        tick += 1;
        let status = app
            .get(&format!("/{code}"))
            .await
            .map(|r| r.status().as_u16());
        assert_eq!(
            status.as_ref().ok(),
            Some(&302),
            "redirect {tick} at {:?}: {status:?}",
            started.elapsed()
        );
        redirects += 1;
        if tick.is_multiple_of(5) {
            let made = app
                .create(serde_json::json!({ "url": format!("https://example.org/soak/{tick}") }))
                .await
                .map(|r| r.status().as_u16());
            assert_eq!(
                made.as_ref().ok(),
                Some(&201),
                "create at {:?}: {made:?}",
                started.elapsed()
            );
        }
        // Every half minute, sit idle long enough for pooled connections to age.
        let pause = if tick.is_multiple_of(30) {
            8_000
        } else {
            1_000
        };
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
    let link = app.link(&code).await;
    assert_eq!(
        link["hits"].as_u64(),
        Some(redirects),
        "hits lost during the soak"
    );
    app.stop().await;
}
