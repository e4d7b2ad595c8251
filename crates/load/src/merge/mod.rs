//! One report from several load hosts' runs of one merged run (each a
//! `--merge-part`): counts summed, percentiles computed from the hosts'
//! latency histograms added together (goose's JSON report keeps each
//! request's `times_us` buckets), never from the hosts' own percentiles, and
//! one hit reconciliation over all hosts' redirects.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use goose::metrics::GooseMetrics;
use serde::{Deserialize, Serialize};
use shortlink_harness::Target;

use crate::reconcile;
use crate::summary::{all_times, stats, EndpointStats, LoadSummary, Reconciliation};

/// One host's run: its summary and goose's metrics from its JSON report.
pub struct Part {
    /// The summary's directory name (or file stem): which host it was.
    pub label: String,
    pub summary: LoadSummary,
    pub metrics: GooseMetrics,
}

/// The parts of goose's JSON report the merge reads.
#[derive(Deserialize)]
struct GooseReport {
    raw_metrics: GooseMetrics,
}

/// One host's line of the merged report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PartLine {
    pub label: String,
    pub users: usize,
    pub requests: u64,
    pub failures: u64,
    pub rps: f64,
    pub p99_ms: f64,
    pub redirects_ok: u64,
    pub hits_before: u64,
}

/// What `shortlink-load-merge` prints and writes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MergedReport {
    pub parts: Vec<PartLine>,
    /// The whole run as one: `users` and counts summed over the hosts, rates
    /// over the window from the first host's start to the last one's end.
    pub merged: LoadSummary,
}

/// Reads a `--merge-part` run's summary and the goose JSON report it names:
/// at the path it names or, when that is not there, under the same file
/// name beside the summary (as a playbook fetches both into one directory
/// per host).
pub fn read_part(summary_path: &Path) -> anyhow::Result<Part> {
    let what = summary_path.display();
    let text = std::fs::read(summary_path).with_context(|| format!("read {what}"))?;
    let summary: LoadSummary =
        serde_json::from_slice(&text).with_context(|| format!("{what} is not a load summary"))?;
    if summary.merge_part.is_none() {
        bail!("{what}: not a --merge-part run (it reconciled or skipped its hits itself)");
    }
    let named = summary
        .goose_json_report
        .as_deref()
        .map(PathBuf::from)
        .with_context(|| format!("{what}: the run wrote no goose JSON report"))?;
    let report = match named.exists() {
        true => named,
        false => summary_path
            .parent()
            .unwrap_or(Path::new("."))
            .join(named.file_name().unwrap_or_default()),
    };
    let text = std::fs::read(&report).with_context(|| format!("read {}", report.display()))?;
    let goose: GooseReport = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not goose's JSON report", report.display()))?;
    let stem = summary_path.file_stem().unwrap_or_default();
    let dir = summary_path.parent().and_then(Path::file_name);
    let label = match (stem.to_str(), dir) {
        (Some("summary"), Some(dir)) => dir,
        _ => stem,
    };
    Ok(Part {
        label: label.to_string_lossy().into_owned(),
        summary,
        metrics: goose.raw_metrics,
    })
}

/// The parts as one run, without its reconciliation ([`reconcile`] adds
/// it), and the instance to reconcile it with: `host` when the caller names
/// one, else the one every part loaded. Parts that loaded different
/// instances (or one under two URLs) need `host`: only the caller knows
/// which count of hits is the run's.
pub fn combine(parts: &[Part], host: Option<&str>) -> anyhow::Result<(MergedReport, String)> {
    let Some(first) = parts.first() else {
        bail!("nothing to merge");
    };
    if let Some(other) = parts.iter().find(|p| p.summary.mix != first.summary.mix) {
        bail!(
            "{} ran the {} mix, {} the {} mix: one run has one mix",
            first.label,
            first.summary.mix,
            other.label,
            other.summary.mix
        );
    }
    let mut hosts: Vec<&str> = parts.iter().map(|p| p.summary.host.as_str()).collect();
    hosts.sort_unstable();
    hosts.dedup();
    let host = match (host, hosts.as_slice()) {
        (Some(host), _) => host.to_string(),
        (None, [one]) => one.to_string(),
        (None, _) => bail!(
            "the hosts loaded {}: say which one to reconcile with --host",
            hosts.join(" and ")
        ),
    };
    let seconds = window_secs(parts);
    let mut names: BTreeMap<&str, Vec<&goose::metrics::GooseRequestMetricAggregate>> =
        BTreeMap::new();
    for part in parts {
        for (name, agg) in &part.metrics.requests {
            names.entry(name).or_default().push(agg);
        }
    }
    let endpoints: Vec<EndpointStats> = names
        .iter()
        .map(|(name, aggs)| {
            let ok = aggs.iter().map(|a| a.success_count as u64).sum();
            let failed = aggs.iter().map(|a| a.fail_count as u64).sum();
            let times = all_times(aggs.iter().map(|a| &a.raw_data));
            stats(name, ok, failed, &times, seconds)
        })
        .collect();
    let every = parts.iter().flat_map(|p| p.metrics.requests.values());
    let ok = every.clone().map(|a| a.success_count as u64).sum();
    let failed = every.clone().map(|a| a.fail_count as u64).sum();
    let overall = stats(
        "Aggregated",
        ok,
        failed,
        &all_times(every.map(|a| &a.raw_data)),
        seconds,
    );

    let sum = |f: fn(&LoadSummary) -> u64| parts.iter().map(|p| f(&p.summary)).sum::<u64>();
    let labelled = |p: &Part, text: &str| format!("{}: {text}", p.label);
    let merged = LoadSummary {
        host: hosts.join(", "),
        mix: first.summary.mix.clone(),
        users: parts.iter().map(|p| p.summary.users).sum(),
        duration_secs: seconds.round() as u64,
        requests: overall.requests,
        failures: overall.failures,
        transaction_failures: sum(|s| s.transaction_failures),
        error_rate_pct: overall.error_rate_pct,
        rps: overall.rps,
        redirects_ok: sum(|s| s.redirects_ok),
        goose_redirects_ok: sum(|s| s.goose_redirects_ok),
        reconciliation: None,
        overall,
        endpoints,
        // Each host's goose judged its own share; the merged numbers are
        // above for any rule over the whole run.
        thresholds: parts
            .iter()
            .flat_map(|p| p.summary.thresholds.iter().map(move |t| (p, t)))
            .map(|(p, t)| {
                let mut t = t.clone();
                t.rule = labelled(p, &t.rule);
                t
            })
            .collect(),
        failure_samples: parts
            .iter()
            .flat_map(|p| {
                p.summary
                    .failure_samples
                    .iter()
                    .map(move |s| labelled(p, s))
            })
            .collect(),
        links_cleaned_up: 0,
        author_keys_created: sum(|s| s.author_keys_created),
        author_keys_revoked: sum(|s| s.author_keys_revoked),
        merge_part: None,
        report_files: Vec::new(),
        goose_json_report: None,
        server_side: None,
        server_side_error: None,
    };
    let parts = parts
        .iter()
        .map(|p| PartLine {
            label: p.label.clone(),
            users: p.summary.users,
            requests: p.summary.requests,
            failures: p.summary.failures,
            rps: p.summary.rps,
            p99_ms: p.summary.overall.p99_ms,
            redirects_ok: p.summary.redirects_ok,
            hits_before: p.summary.merge_part.as_ref().map_or(0, |m| m.hits_before),
        })
        .collect();
    Ok((MergedReport { parts, merged }, host))
}

/// Seconds (to the millisecond) from the first host's start to the last
/// host's end, as goose's test plan history records them; the longest
/// host's own duration (whole seconds) when a report has no history.
fn window_secs(parts: &[Part]) -> f64 {
    let starts = parts.iter().filter_map(|p| p.metrics.history.first());
    let ends = parts.iter().filter_map(|p| p.metrics.history.last());
    let longest = parts.iter().map(|p| p.metrics.duration).max();
    let seconds = match (
        starts.map(|h| h.timestamp).min(),
        ends.map(|h| h.timestamp).max(),
    ) {
        (Some(start), Some(end)) if end > start => (end - start).num_milliseconds() as f64 / 1000.0,
        _ => longest.unwrap_or(0) as f64,
    };
    seconds.max(0.001)
}

/// The one reconciliation over every host: the total hits now (settled)
/// against the hits every host read before the common start, and the
/// redirects all hosts recorded; then every host's hot links are deleted.
/// Hosts that read different totals before the start saw traffic that was
/// not theirs: a mismatch.
pub async fn reconcile(
    target: &Target,
    report: &mut MergedReport,
    parts: &[Part],
) -> anyhow::Result<()> {
    let before: Vec<u64> = report.parts.iter().map(|p| p.hits_before).collect();
    let hits_before = before.iter().copied().min().unwrap_or(0);
    let same_start = before.iter().all(|b| *b == hits_before);
    let hits_after = reconcile::settled_hits(target).await?;
    let redirects_ok = report.merged.redirects_ok;
    let hits_delta = hits_after as i64 - hits_before as i64;
    report.merged.reconciliation = Some(Reconciliation {
        redirects_ok,
        hits_before,
        hits_after,
        hits_delta,
        matched: same_start && hits_delta == redirects_ok as i64,
    });
    let codes: Vec<String> = parts
        .iter()
        .filter_map(|p| p.summary.merge_part.as_ref())
        .flat_map(|m| m.hot_links.iter().cloned())
        .collect();
    report.merged.links_cleaned_up = reconcile::delete_links(target, &codes).await.0;
    Ok(())
}

impl MergedReport {
    /// Each host's line, then the whole run as `shortlink-load` prints one.
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::from("load hosts:\n");
        let _ = writeln!(
            out,
            "  {:<20} {:>6} {:>9} {:>7} {:>9} {:>8} {:>12}",
            "host", "users", "requests", "failed", "rps", "p99 ms", "hits before"
        );
        for p in &self.parts {
            let _ = writeln!(
                out,
                "  {:<20} {:>6} {:>9} {:>7} {:>9.1} {:>8.2} {:>12}",
                p.label, p.users, p.requests, p.failures, p.rps, p.p99_ms, p.hits_before
            );
        }
        out.push_str("merged (percentiles from the hosts' histograms added together):\n");
        out.push_str(&self.merged.render());
        out
    }
}

#[cfg(test)]
mod tests;
