//! From cells to comparisons: medians with min–max spread per backend and
//! level, and per-endpoint medians at the busiest level. The findings read
//! them in [`crate::findings`].

use std::collections::BTreeSet;

use serde::Serialize;
use shortlink_harness::endpoints;

use crate::cell::CellResult;
use crate::plan::Backend;

/// Spread (max − min) above this share of the median is flagged: the
/// repetitions disagree too much for the median to be trusted.
pub const SPREAD_FLAG_PCT: f64 = 15.0;

/// The median and range of one metric over a cell's repetitions.
#[derive(Clone, Debug, Serialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
    /// (max − min) / median, in percent.
    pub spread_pct: f64,
    pub flagged: bool,
}

impl Spread {
    pub fn of(values: &[f64]) -> Option<Spread> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        let (min, max) = (v[0], v[n - 1]);
        let spread_pct = if median > 0.0 {
            (max - min) / median * 100.0
        } else {
            0.0
        };
        Some(Spread {
            median,
            min,
            max,
            n,
            spread_pct,
            flagged: n > 1 && spread_pct > SPREAD_FLAG_PCT,
        })
    }
}

/// One backend at one concurrency level, over its repetitions.
#[derive(Clone, Debug, Serialize)]
pub struct Aggregate {
    pub backend: Backend,
    pub users: usize,
    pub reps: usize,
    pub rps: Spread,
    pub p50_ms: Spread,
    pub p95_ms: Spread,
    pub p99_ms: Spread,
    pub error_rate_pct: Spread,
    pub server_cpu_ms_per_request: Spread,
    pub db_cpu_ms_per_request: Option<Spread>,
    pub server_peak_rss_mib: Spread,
    pub db_peak_rss_mib: Option<Spread>,
    /// SQLite's mean writes per committed transaction (group commit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writes_per_commit: Option<Spread>,
    /// All repetitions' failures together.
    pub failures: u64,
    /// False if any repetition's hits did not reconcile.
    pub hits_reconciled: bool,
}

/// One endpoint of one backend at the busiest level (medians over reps).
#[derive(Clone, Debug, Serialize)]
pub struct EndpointAggregate {
    pub backend: Backend,
    pub users: usize,
    pub endpoint: String,
    pub rps: Spread,
    pub p50_ms: Spread,
    pub p95_ms: Spread,
    pub p99_ms: Spread,
    pub error_rate_pct: Spread,
}

pub fn aggregates(cells: &[CellResult], backends: &[Backend], levels: &[usize]) -> Vec<Aggregate> {
    let mut out = Vec::new();
    for &users in levels {
        for &backend in backends {
            let group: Vec<&CellResult> = cells
                .iter()
                .filter(|c| c.backend == backend && c.users == users)
                .collect();
            if group.is_empty() {
                continue;
            }
            let s = |f: &dyn Fn(&CellResult) -> f64| {
                Spread::of(&group.iter().map(|c| f(c)).collect::<Vec<_>>())
            };
            let opt = |f: &dyn Fn(&CellResult) -> Option<f64>| {
                let v: Vec<f64> = group.iter().filter_map(|c| f(c)).collect();
                Spread::of(&v)
            };
            let (Some(rps), Some(p50), Some(p95), Some(p99), Some(err), Some(cpu), Some(rss)) = (
                s(&|c| c.rps),
                s(&|c| c.overall.p50_ms),
                s(&|c| c.overall.p95_ms),
                s(&|c| c.overall.p99_ms),
                s(&|c| c.error_rate_pct),
                s(&|c| c.server_cpu_ms_per_request),
                s(&|c| c.server_peak_rss_mib),
            ) else {
                continue;
            };
            out.push(Aggregate {
                backend,
                users,
                reps: group.len(),
                rps,
                p50_ms: p50,
                p95_ms: p95,
                p99_ms: p99,
                error_rate_pct: err,
                server_cpu_ms_per_request: cpu,
                db_cpu_ms_per_request: opt(&|c| c.db_cpu_ms_per_request),
                server_peak_rss_mib: rss,
                db_peak_rss_mib: opt(&|c| c.db_peak_rss_mib),
                writes_per_commit: opt(&|c| c.writes_per_commit),
                failures: group.iter().map(|c| c.failures).sum(),
                hits_reconciled: group.iter().all(|c| c.hits_reconciled != Some(false)),
            });
        }
    }
    out
}

pub fn endpoint_aggregates(
    cells: &[CellResult],
    backends: &[Backend],
    users: usize,
) -> Vec<EndpointAggregate> {
    let names: BTreeSet<&str> = cells
        .iter()
        .filter(|c| c.users == users)
        .flat_map(|c| c.endpoints.iter().map(|e| e.name.as_str()))
        .collect();
    let mut out = Vec::new();
    for &backend in backends {
        for name in &names {
            let eps: Vec<_> = cells
                .iter()
                .filter(|c| c.backend == backend && c.users == users)
                .filter_map(|c| c.endpoints.iter().find(|e| e.name == *name))
                .collect();
            let s = |f: &dyn Fn(&shortlink_load::EndpointStats) -> f64| {
                Spread::of(&eps.iter().map(|e| f(e)).collect::<Vec<_>>())
            };
            if let (Some(rps), Some(p50), Some(p95), Some(p99), Some(err)) = (
                s(&|e| e.rps),
                s(&|e| e.p50_ms),
                s(&|e| e.p95_ms),
                s(&|e| e.p99_ms),
                s(&|e| e.error_rate_pct),
            ) {
                out.push(EndpointAggregate {
                    backend,
                    users,
                    endpoint: name.to_string(),
                    rps,
                    p50_ms: p50,
                    p95_ms: p95,
                    p99_ms: p99,
                    error_rate_pct: err,
                });
            }
        }
    }
    out
}

/// Whether the request named `endpoint` changes the store, by the
/// contract's one list of endpoints (the redirect does: it records a hit);
/// a name the contract does not know counts as a read.
pub fn is_write(endpoint: &str) -> bool {
    endpoints::by_name(endpoint).is_some_and(|e| e.writes())
}

#[cfg(test)]
mod tests {
    //! Medians, spread and the flag.
    use super::*;

    #[test]
    fn median_and_spread() {
        let s = Spread::of(&[100.0, 90.0, 130.0]).unwrap();
        assert_eq!(s.median, 100.0);
        assert_eq!((s.min, s.max), (90.0, 130.0));
        assert!((s.spread_pct - 40.0).abs() < 1e-9);
        assert!(s.flagged);
        let s = Spread::of(&[100.0, 104.0, 98.0]).unwrap();
        assert!(!s.flagged);
        assert_eq!(Spread::of(&[1.0, 3.0]).unwrap().median, 2.0);
        assert!(Spread::of(&[]).is_none());
        assert!(!Spread::of(&[5.0]).unwrap().flagged);
    }

    #[test]
    fn the_redirect_is_a_write() {
        assert!(is_write("GET /{code}"));
        assert!(is_write("PATCH /api/v1/links/{code}"));
        assert!(!is_write("GET /api/v1/links/{code}"));
        assert!(!is_write("GET /api/v1/stats"));
    }
}
