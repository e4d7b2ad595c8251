//! The whole harness catalogue at once, concurrently, against ONE server per
//! backend, as the CLI runs it against a shared instance. `contract.rs` runs
//! each check alone on a fresh server; this file proves the checks do not
//! trip over each other (unique codes, no empty-database assumption) and
//! puts the server under the concurrent writes a real instance sees.

use crate::support;

use shortlink_harness::{catalogue, failures, run_against, ApiKey, RunOptions};
use support::{spawn_app, Backend};

async fn whole_catalogue_on_one_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let outcomes = run_against(
        &app.base_url,
        &catalogue::catalogue(),
        &RunOptions::with_key(ApiKey::new(&app.admin_key)),
    )
    .await
    .expect("a valid target URL");
    app.stop().await;
    let failed = failures(&outcomes);
    assert!(failed.is_empty(), "on {backend}:\n{}", failed.join("\n"));
}

/// The concurrent catalogue passes on one in-memory server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_instance_memory() {
    whole_catalogue_on_one_server(Backend::Memory).await;
}

/// The concurrent catalogue passes on one SQLite server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_instance_sqlite() {
    whole_catalogue_on_one_server(Backend::Sqlite).await;
}

/// The concurrent catalogue passes on one MySQL server (the test MariaDB).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_instance_mysql() {
    whole_catalogue_on_one_server(Backend::Mysql).await;
}

/// The concurrent catalogue passes on one PostgreSQL server (the test PostgreSQL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_instance_postgres() {
    whole_catalogue_on_one_server(Backend::Postgres).await;
}
