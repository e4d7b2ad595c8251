//! `LoadSummary`: what one run measured, reduced from goose's metrics to
//! what the exit code, the closing print-out and the backend comparison need
//! (per-endpoint counts, rps, p50/p95/p99), serialisable as JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use goose::metrics::GooseMetrics;
use goose::threshold::ThresholdResult;
use serde::{Deserialize, Serialize};

/// One endpoint's numbers (or all of them together, named "Aggregated").
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EndpointStats {
    /// `METHOD /route/{pattern}`, as goose's reports name it.
    pub name: String,
    pub requests: u64,
    pub failures: u64,
    pub error_rate_pct: f64,
    /// Requests per second over the run's duration as goose measured it.
    pub rps: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

/// The hit count check: successful (302 and validated) redirects the load
/// test recorded against the increase of `hits` in `/api/v1/stats`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Reconciliation {
    pub redirects_ok: u64,
    pub hits_before: u64,
    pub hits_after: u64,
    /// Signed: a decrease (someone deleted hit links) must show as one.
    pub hits_delta: i64,
    pub matched: bool,
}

/// Everything one run produced. `shortlink-load --summary-json FILE` writes it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoadSummary {
    pub host: String,
    /// `shortlink` (the weighted mix) or `healthz` (the loader benchmark).
    pub mix: String,
    /// Most users running at once.
    pub users: usize,
    /// Goose's run duration in whole seconds (ramp-up included: metrics are
    /// not reset, so every recorded redirect is inside it).
    pub duration_secs: u64,
    pub requests: u64,
    pub failures: u64,
    /// Transactions that ended in an error, with or without a request.
    pub transaction_failures: u64,
    pub error_rate_pct: f64,
    pub rps: f64,
    /// Successful (302 and validated) `GET /{code}`, counted by the load
    /// test itself: what the hits are reconciled with.
    pub redirects_ok: u64,
    /// Goose's success count for `GET /{code}`: equal to `redirects_ok`
    /// unless `--co-mitigation` back-filled synthetic requests into it.
    pub goose_redirects_ok: u64,
    /// `None` with `--no-reconcile`.
    pub reconciliation: Option<Reconciliation>,
    /// All requests together.
    pub overall: EndpointStats,
    /// Per endpoint, by name.
    pub endpoints: Vec<EndpointStats>,
    /// Goose's judgement of every `--threshold` rule, in the order given.
    pub thresholds: Vec<ThresholdResult>,
    /// Details of the first failures (goose's error table has the rules).
    pub failure_samples: Vec<String>,
    /// Hot links deleted after the run (and after the hits were read).
    pub links_cleaned_up: u64,
    /// Every `--report-file` goose wrote.
    pub report_files: Vec<String>,
    /// The `.json` one among them: goose's full metrics, for tools that want
    /// more than this summary.
    pub goose_json_report: Option<String>,
}

impl LoadSummary {
    /// True when every threshold passed and the hits reconciled (or were not
    /// checked); what the exit code reports.
    pub fn passed(&self) -> bool {
        self.thresholds.iter().all(|v| v.passed)
            && self.reconciliation.as_ref().is_none_or(|r| r.matched)
    }

    /// One endpoint's numbers, e.g. `summary.endpoint("GET /{code}")`.
    pub fn endpoint(&self, name: &str) -> Option<&EndpointStats> {
        self.endpoints.iter().find(|e| e.name == name)
    }

    /// The closing lines printed after goose's tables.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "shortlink-load: {} requests in {} s ({:.1}/s), {} failed ({:.3}%), {} transactions failed, {} redirects ok",
            self.requests,
            self.duration_secs,
            self.rps,
            self.failures,
            self.error_rate_pct,
            self.transaction_failures,
            self.redirects_ok
        );
        let _ = writeln!(
            out,
            "  {:<28} {:>9} {:>7} {:>9} {:>8} {:>8} {:>8}",
            "endpoint", "requests", "failed", "rps", "p50 ms", "p95 ms", "p99 ms"
        );
        for e in self.endpoints.iter().chain(std::iter::once(&self.overall)) {
            let _ = writeln!(
                out,
                "  {:<28} {:>9} {:>7} {:>9.1} {:>8.2} {:>8.2} {:>8.2}",
                e.name, e.requests, e.failures, e.rps, e.p50_ms, e.p95_ms, e.p99_ms
            );
        }
        if self.goose_redirects_ok != self.redirects_ok {
            let _ = writeln!(
                out,
                "  goose counted {} successful GET /{{code}} (with requests --co-mitigation back-filled)",
                self.goose_redirects_ok
            );
        }
        for sample in &self.failure_samples {
            let _ = writeln!(out, "  failure: {sample}");
        }
        match &self.reconciliation {
            Some(r) => {
                let _ = writeln!(
                    out,
                    "hit reconciliation: {} successful GET /{{code}} recorded; /api/v1/stats hits {} -> {} (increase {}): {}",
                    r.redirects_ok,
                    r.hits_before,
                    r.hits_after,
                    r.hits_delta,
                    if r.matched { "MATCH" } else { "MISMATCH" }
                );
            }
            None => {
                let _ = writeln!(out, "hit reconciliation: skipped (--no-reconcile)");
            }
        }
        for t in &self.thresholds {
            let verdict = match (t.passed, t.aborted) {
                (true, _) => "PASS",
                (false, false) => "FAIL",
                (false, true) => "FAIL, stopped the run",
            };
            let _ = writeln!(
                out,
                "threshold {}: observed {}: {verdict}",
                t.rule, t.observed
            );
        }
        let _ = writeln!(
            out,
            "result: {}",
            if self.passed() { "PASS" } else { "FAIL" }
        );
        out
    }
}

/// Per-endpoint statistics (sorted by name) and the aggregate, from goose's
/// request metrics over `duration_secs`.
pub fn endpoint_stats(
    metrics: &GooseMetrics,
    duration_secs: u64,
) -> (Vec<EndpointStats>, EndpointStats) {
    let seconds = duration_secs.max(1) as f64;
    let mut all_buckets: BTreeMap<u64, usize> = BTreeMap::new();
    let (mut all_ok, mut all_failed, mut all_total_us, mut all_max_us) = (0u64, 0u64, 0u64, 0u64);
    let mut endpoints: Vec<EndpointStats> = metrics
        .requests
        .iter()
        .map(|(name, agg)| {
            let mut buckets: BTreeMap<u64, usize> = BTreeMap::new();
            for (time, count) in agg.raw_data.times_us.iter() {
                *buckets.entry(*time).or_default() += count;
                *all_buckets.entry(*time).or_default() += count;
            }
            all_ok += agg.success_count as u64;
            all_failed += agg.fail_count as u64;
            all_total_us += agg.raw_data.total_time_us;
            all_max_us = all_max_us.max(agg.raw_data.maximum_time_us);
            stats(
                name,
                agg.success_count as u64,
                agg.fail_count as u64,
                &buckets,
                agg.raw_data.total_time_us,
                agg.raw_data.maximum_time_us,
                seconds,
            )
        })
        .collect();
    endpoints.sort_by(|a, b| a.name.cmp(&b.name));
    let overall = stats(
        "Aggregated",
        all_ok,
        all_failed,
        &all_buckets,
        all_total_us,
        all_max_us,
        seconds,
    );
    (endpoints, overall)
}

fn stats(
    name: &str,
    ok: u64,
    failed: u64,
    buckets: &BTreeMap<u64, usize>,
    total_us: u64,
    max_us: u64,
    seconds: f64,
) -> EndpointStats {
    let requests = ok + failed;
    let timed: usize = buckets.values().sum();
    let ms = |us: u64| us as f64 / 1000.0;
    EndpointStats {
        name: name.to_string(),
        requests,
        failures: failed,
        error_rate_pct: if requests == 0 {
            0.0
        } else {
            failed as f64 * 100.0 / requests as f64
        },
        rps: requests as f64 / seconds,
        p50_ms: ms(percentile(buckets, timed, 0.50, max_us)),
        p95_ms: ms(percentile(buckets, timed, 0.95, max_us)),
        p99_ms: ms(percentile(buckets, timed, 0.99, max_us)),
        max_ms: ms(max_us),
        mean_ms: if timed == 0 {
            0.0
        } else {
            ms(total_us) / timed as f64
        },
    }
}

/// The bucket time holding the request at rank round(total × p), as goose's
/// reports compute it, capped at the slowest time seen (a bucket's start can
/// only be below it).
fn percentile(buckets: &BTreeMap<u64, usize>, total: usize, p: f64, max_us: u64) -> u64 {
    let rank = (total as f64 * p).round() as usize;
    let mut seen = 0usize;
    for (time, count) in buckets {
        seen += count;
        if seen >= rank {
            return (*time).min(max_us);
        }
    }
    0
}

#[cfg(test)]
mod tests {
    //! Percentiles follow goose's rank rule.
    use super::*;

    #[test]
    fn percentile_by_rank() {
        let buckets: BTreeMap<u64, usize> = [(1000, 50), (2000, 45), (9000, 5)].into();
        assert_eq!(percentile(&buckets, 100, 0.50, 9500), 1000);
        assert_eq!(percentile(&buckets, 100, 0.95, 9500), 2000);
        assert_eq!(percentile(&buckets, 100, 0.99, 9500), 9000);
        assert_eq!(percentile(&BTreeMap::new(), 0, 0.5, 0), 0);
    }
}
