//! `LoadSummary`: what one run measured, reduced from goose's metrics to
//! what the exit code, the closing print-out and the backend comparison need
//! (per-endpoint counts, rps, p50/p95/p99), serialisable as JSON.

use std::fmt::Write as _;

use goose::metrics::{GooseMetrics, GooseRequestMetricTimingData};
use goose::threshold::ThresholdResult;
use serde::{Deserialize, Serialize};

use crate::server_side::{render, ServerSide};

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

/// What a `--merge-part` run leaves for the merge: the hits before its
/// start and its hot links, kept for the merge to delete after reading the
/// hits once every host is done.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MergePart {
    pub hits_before: u64,
    pub hot_links: Vec<String>,
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
    /// Author keys made for the integrators, and how many of them are
    /// revoked now (all, unless a revocation failed). Absent from summaries
    /// written before keys existed.
    #[serde(default)]
    pub author_keys_created: u64,
    #[serde(default)]
    pub author_keys_revoked: u64,
    /// With `--merge-part`: what the merge reconciles with. Absent from
    /// other runs' summaries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_part: Option<MergePart>,
    /// Every `--report-file` goose wrote.
    pub report_files: Vec<String>,
    /// The `.json` one among them: goose's full metrics, for tools that want
    /// more than this summary.
    pub goose_json_report: Option<String>,
    /// With `--prometheus`: the server's side of the run.
    #[serde(default)]
    pub server_side: Option<ServerSide>,
    /// With `--prometheus`, when Prometheus could not be read after the run
    /// (the run's own result stands).
    #[serde(default)]
    pub server_side_error: Option<String>,
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
            None => match &self.merge_part {
                Some(part) => {
                    let _ = writeln!(
                        out,
                        "hit reconciliation: left to shortlink-load-merge (hits before {}, {} hot links kept)",
                        part.hits_before,
                        part.hot_links.len()
                    );
                }
                None => {
                    let _ = writeln!(out, "hit reconciliation: skipped (--no-reconcile)");
                }
            },
        }
        if let Some(server) = &self.server_side {
            out.push_str(&render::text(server, &self.endpoints));
        }
        if let Some(e) = &self.server_side_error {
            let _ = writeln!(out, "server side: not read: {e}");
        }
        if self.author_keys_created > 0 {
            let _ = writeln!(
                out,
                "author keys: {} made for the integrators, {} revoked",
                self.author_keys_created, self.author_keys_revoked
            );
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
    let mut endpoints: Vec<EndpointStats> = metrics
        .requests
        .iter()
        .map(|(name, agg)| {
            let (ok, failed) = (agg.success_count as u64, agg.fail_count as u64);
            stats(name, ok, failed, &agg.raw_data, seconds)
        })
        .collect();
    endpoints.sort_by(|a, b| a.name.cmp(&b.name));
    let ok = metrics.requests.values().map(|a| a.success_count as u64);
    let failed = metrics.requests.values().map(|a| a.fail_count as u64);
    let times = all_times(metrics.requests.values().map(|a| &a.raw_data));
    let overall = stats("Aggregated", ok.sum(), failed.sum(), &times, seconds);
    (endpoints, overall)
}

/// Every request's times together, as goose adds them for its Aggregated
/// row and its thresholds (goose's own sum, `RequestTotals` in
/// src/metrics/common.rs, is crate-private): the buckets' counts added, the
/// fastest and slowest of all, the totals summed.
pub(crate) fn all_times<'a>(
    each: impl Iterator<Item = &'a GooseRequestMetricTimingData> + Clone,
) -> GooseRequestMetricTimingData {
    let mut all = GooseRequestMetricTimingData {
        times_us: each
            .clone()
            .flat_map(|t| t.times_us.iter().map(|(bucket, count)| (*bucket, *count)))
            .collect(),
        ..Default::default()
    };
    for t in each.filter(|t| t.counter > 0) {
        if all.counter == 0 || t.minimum_time_us < all.minimum_time_us {
            all.minimum_time_us = t.minimum_time_us;
        }
        all.maximum_time_us = all.maximum_time_us.max(t.maximum_time_us);
        all.total_time_us += t.total_time_us;
        all.counter += t.counter;
    }
    all
}

/// One row. Percentiles are goose's own (`percentile_us`): the request at
/// rank round(n × p), timed as the middle of its histogram bucket and kept
/// between the fastest and slowest time, the first and last rank exactly
/// those; so they equal what goose's tables print and its thresholds judge.
pub(crate) fn stats(
    name: &str,
    ok: u64,
    failed: u64,
    times: &GooseRequestMetricTimingData,
    seconds: f64,
) -> EndpointStats {
    let requests = ok + failed;
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
        p50_ms: ms(times.percentile_us(0.50)),
        p95_ms: ms(times.percentile_us(0.95)),
        p99_ms: ms(times.percentile_us(0.99)),
        max_ms: ms(times.maximum_time_us),
        mean_ms: if times.counter == 0 {
            0.0
        } else {
            ms(times.total_time_us) / times.counter as f64
        },
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! The aggregate adds endpoints as goose does, and percentiles follow
    //! goose's rule (times under 128 µs have buckets of their own, so the
    //! expected values are exact).
    use super::*;

    /// Timing data of `samples` (time in µs, count), fastest first; the
    /// merge's tests use it too.
    pub(crate) fn times(samples: &[(u64, usize)]) -> GooseRequestMetricTimingData {
        GooseRequestMetricTimingData {
            times_us: samples.iter().copied().collect(),
            minimum_time_us: samples.first().map_or(0, |s| s.0),
            maximum_time_us: samples.last().map_or(0, |s| s.0),
            total_time_us: samples.iter().map(|(t, n)| t * *n as u64).sum(),
            counter: samples.iter().map(|s| s.1).sum(),
        }
    }

    #[test]
    fn aggregate_and_percentiles() {
        let a = times(&[(10, 50)]);
        let b = times(&[(20, 45), (90, 5)]);
        let empty = times(&[]);
        let all = all_times([&a, &empty, &b].into_iter());
        assert_eq!(
            (all.counter, all.minimum_time_us, all.maximum_time_us),
            (100, 10, 90)
        );
        let row = stats("Aggregated", 99, 1, &all, 2.0);
        assert_eq!((row.p50_ms, row.p95_ms, row.p99_ms), (0.010, 0.020, 0.090));
        assert_eq!(
            (row.requests, row.rps, row.error_rate_pct),
            (100, 50.0, 1.0)
        );
        assert!((row.mean_ms - 0.0185).abs() < 1e-9);
        // Rank round(10 × 0.99) = 10 is the last: the slowest time itself.
        let ten = stats("x", 10, 0, &times(&[(10, 9), (100, 1)]), 1.0);
        assert_eq!(ten.p99_ms, 0.100);
        assert_eq!(stats("none", 0, 0, &empty, 1.0).p95_ms, 0.0);
    }
}
