//! The identical data set every cell starts from: `n` links created over
//! HTTP (so every backend stores them through its own code path), with the
//! same codes and URLs in the same order on every backend, each response
//! checked by the harness's validators. Creating a link needs a key; the
//! run's admin key creates them (the harness's target sends it as
//! `Authorization: Bearer` under `/api/v1`), so the load run, with the same
//! key, reaches them all.

use std::time::Duration;

use anyhow::anyhow;
use serde_json::json;
use shortlink_harness::{ApiKey, Ctx, Target};

use crate::admin_key::AdminKey;

/// How many creations are in flight at once: enough to be quick, few
/// enough that SQLite's single writer is not the thing being measured.
const IN_FLIGHT: usize = 8;

/// Creates links `seed000000`.. with URLs `https://example.org/seed/N?q=1`.
pub async fn seed(base_url: &str, key: &AdminKey, n: usize) -> anyhow::Result<()> {
    let target = Target::new(base_url, Duration::from_secs(10))?
        .with_api_key(Some(ApiKey::new(key.expose())));
    let ctx = Ctx::new(target);
    for chunk_start in (0..n).step_by(IN_FLIGHT) {
        let mut batch = tokio::task::JoinSet::new();
        for i in chunk_start..(chunk_start + IN_FLIGHT).min(n) {
            let ctx = ctx.clone();
            batch.spawn(async move {
                // The failure names the rule and the response, never the
                // request's headers, so the key stays out of the error.
                ctx.create(json!({
                    "url": format!("https://example.org/seed/{i}?q=1"),
                    "code": format!("seed{i:06}"),
                }))
                .await
                .map(|_| ())
                .map_err(|f| anyhow!("seeding link {i}: {}: {}", f.rule, f.detail))
            });
        }
        while let Some(done) = batch.join_next().await {
            done??;
        }
    }
    Ok(())
}
