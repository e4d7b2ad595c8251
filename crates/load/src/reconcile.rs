//! The hit count check's two ends, through the harness's own client and
//! validators with the run's admin key (its stats count every link):
//! `/api/v1/stats` before and after the run, and the deletion of the run's
//! hot links, whoever made them, once the hits have been read.

use std::time::Duration;

use anyhow::Context;
use shortlink_harness::endpoints::{link_path, STATS};
use shortlink_harness::{validate, Request, Target, TargetConfig};

use crate::config::LoadConfig;
use crate::session::KnownLink;

/// The run's admin client: the harness's, which never follows redirects,
/// times out, presents the admin key under `/api/v1` and trusts `--ca-cert`.
pub fn target(host: &str, config: &LoadConfig) -> anyhow::Result<Target> {
    let mut access = TargetConfig::new(Duration::from_secs(10));
    access.api_key = config.api_key.clone();
    access.ca_cert = config.ca_cert.clone();
    Target::connect(host, &access)
}

/// Total hits as `/api/v1/stats` reports them, validated as stats.
pub async fn total_hits(target: &Target) -> anyhow::Result<u64> {
    let view = target
        .send(Request::get(STATS))
        .await
        .with_context(|| format!("GET {}{STATS}", target.base_url()))?;
    let stats = validate::stats(&view).with_context(|| format!("GET {STATS}"))?;
    Ok(stats.hits)
}

/// Deletes the run's hot links: after the hits were read, because total
/// hits is a sum over existing links and a deletion lowers it. Bounded: one
/// request per link; a failure is counted, not retried.
pub async fn delete_links(target: &Target, links: &[KnownLink]) -> (u64, u64) {
    let (mut deleted, mut failed) = (0, 0);
    for link in links {
        let req = Request::delete(link_path(&link.code));
        match target.send(req).await {
            Ok(view) if validate::no_content(&view).is_ok() => deleted += 1,
            _ => failed += 1,
        }
    }
    (deleted, failed)
}
