//! The hit count check's two ends, through the harness's own client and
//! validators: `/api/v1/stats` before and after the run, and the deletion of
//! the run's hot links once the hits have been read.

use std::time::Duration;

use anyhow::Context;
use shortlink_harness::endpoints::{link_path, STATS};
use shortlink_harness::{validate, Request, Target};

use crate::session::KnownLink;

/// A client for the harness: it never follows redirects and times out.
pub fn target(host: &str) -> anyhow::Result<Target> {
    Target::new(host, Duration::from_secs(10))
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
