//! The whole harness catalogue against a server on each backend, each on a
//! fresh database: every endpoint behaves identically on every backend.

mod support;

use shortlink_harness::{catalogue, failures, run_against, RunOptions};
use support::{spawn_app, Backend};

async fn catalogue_passes_on(backend: Backend) {
    let app = spawn_app(backend).await;
    let outcomes = run_against(
        &app.base_url,
        &catalogue::catalogue(),
        &RunOptions::default(),
    )
    .await
    .expect("a valid target URL");
    app.stop().await;
    let failed = failures(&outcomes);
    assert!(failed.is_empty(), "on {backend}:\n{}", failed.join("\n"));
}

/// The catalogue passes on the in-memory backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalogue_passes_on_memory() {
    catalogue_passes_on(Backend::Memory).await;
}

/// The catalogue passes on SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalogue_passes_on_sqlite() {
    catalogue_passes_on(Backend::Sqlite).await;
}

/// The catalogue passes on MySQL (the test MariaDB from `support::mariadb`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalogue_passes_on_mysql() {
    catalogue_passes_on(Backend::Mysql).await;
}
