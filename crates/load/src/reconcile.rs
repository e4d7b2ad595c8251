//! The hit count check's two ends, through the harness's own client and
//! validators with the run's admin key (its stats count every link):
//! `/api/v1/stats` before and after the run, and the deletion of the run's
//! hot links, whoever made them, once the hits have been read.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use shortlink_harness::endpoints::{link_path, STATS};
use shortlink_harness::{validate, ApiKey, Request, Target, TargetConfig};

/// The admin client of a run or of a merge: the harness's, which never
/// follows redirects, times out, presents the admin key under `/api/v1` and
/// trusts `--ca-cert`.
pub fn target(
    host: &str,
    api_key: Option<&ApiKey>,
    ca_cert: Option<&Path>,
) -> anyhow::Result<Target> {
    let mut access = TargetConfig::new(Duration::from_secs(10));
    access.api_key = api_key.cloned();
    access.ca_cert = ca_cert.map(Path::to_path_buf);
    Target::connect(host, &access)
}

/// Total hits as `/api/v1/stats` reports them, validated as stats.
pub async fn total_hits(target: &Target) -> anyhow::Result<u64> {
    read_stats(target).await.map(|(hits, _)| hits)
}

/// Total hits once every hit counted so far is in them: a server that counts
/// hits in batches says how far behind its stats may be
/// (`X-Hits-Lag-Max-Ms`), so the count is read again after that long. One
/// read after the promised bound, no polling until the numbers agree: a
/// batch that comes later than promised is a mismatch.
pub async fn settled_hits(target: &Target) -> anyhow::Result<u64> {
    let (hits, lag) = read_stats(target).await?;
    match lag {
        None => Ok(hits),
        Some(lag) => {
            tokio::time::sleep(lag + FLUSH_MARGIN).await;
            total_hits(target).await
        }
    }
}

/// What a flush may take beyond its interval (one batched write).
const FLUSH_MARGIN: Duration = Duration::from_millis(500);

async fn read_stats(target: &Target) -> anyhow::Result<(u64, Option<Duration>)> {
    let view = target
        .send(Request::get(STATS))
        .await
        .with_context(|| format!("GET {}{STATS}", target.base_url()))?;
    let stats = validate::stats(&view).with_context(|| format!("GET {STATS}"))?;
    let lag = match view.header("x-hits-lag-max-ms") {
        None => None,
        Some(ms) => Some(Duration::from_millis(ms.trim().parse().with_context(
            || format!("GET {STATS}: X-Hits-Lag-Max-Ms {ms:?} is not a number of ms"),
        )?)),
    };
    Ok((stats.hits, lag))
}

/// Deletes the run's hot links: after the hits were read, because total
/// hits is a sum over existing links and a deletion lowers it. Bounded: one
/// request per link; a failure is counted, not retried.
pub async fn delete_links(target: &Target, codes: &[String]) -> (u64, u64) {
    let (mut deleted, mut failed) = (0, 0);
    for code in codes {
        let req = Request::delete(link_path(code));
        match target.send(req).await {
            Ok(view) if validate::no_content(&view).is_ok() => deleted += 1,
            _ => failed += 1,
        }
    }
    (deleted, failed)
}
