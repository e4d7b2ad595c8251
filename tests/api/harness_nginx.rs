//! The whole catalogue through a real nginx reverse proxy in front of the
//! server: the contract must hold as deployed, not only direct.

use crate::support;

use shortlink_harness::{catalogue, failures, run_against, ApiKey, RunOptions};
use support::nginx::Nginx;
use support::{spawn_app, Backend};

/// Every check passes through nginx (keepalive upstream, 16k body cap).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalogue_passes_through_nginx() {
    let app = spawn_app(Backend::Memory).await;
    let nginx = Nginx::start(app.port);
    let outcomes = run_against(
        &nginx.base_url,
        &catalogue::catalogue(),
        &RunOptions::with_key(ApiKey::new(&app.admin_key)),
    )
    .await
    .expect("a valid target URL");
    let failed = failures(&outcomes);
    let log = nginx.error_log();
    drop(nginx);
    app.stop().await;
    assert!(
        failed.is_empty(),
        "through nginx:\n{}\nnginx error log:\n{log}",
        failed.join("\n")
    );
    assert!(outcomes.len() >= 100, "only {} checks ran", outcomes.len());
}
