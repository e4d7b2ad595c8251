//! The plain-language findings of a report: each backend against memory,
//! where each stops scaling, writes against reads, why SQLite and MySQL
//! cost what they cost, and how far the numbers can be trusted.

use crate::plan::Backend;
use crate::stats::{is_write, Aggregate, EndpointAggregate, SPREAD_FLAG_PCT};

/// The plain-language findings: ratios against memory, where each backend
/// stops scaling, where writes and reads part ways, and how far to trust it.
pub fn findings(
    aggs: &[Aggregate],
    eps: &[EndpointAggregate],
    levels: &[usize],
    loadavg: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    let get = |b: Backend, u: usize| aggs.iter().find(|a| a.backend == b && a.users == u);
    let backends: Vec<Backend> = {
        let mut v: Vec<Backend> = aggs.iter().map(|a| a.backend).collect();
        v.dedup();
        v.sort();
        v.dedup();
        v
    };
    let top = levels
        .iter()
        .copied()
        .filter(|&u| aggs.iter().any(|a| a.users == u))
        .max();
    let low = levels
        .iter()
        .copied()
        .filter(|&u| aggs.iter().any(|a| a.users == u))
        .min();
    let (Some(top), Some(low)) = (top, low) else {
        out.push("No cell completed; there is nothing to compare.".to_string());
        return out;
    };

    // Throughput against memory, the no-storage baseline, at the busiest level.
    if let Some(mem) = get(Backend::Memory, top) {
        for b in backends.iter().filter(|b| **b != Backend::Memory) {
            if let Some(a) = get(*b, top) {
                out.push(format!(
                    "At {top} users {b} serves {:.0} req/s, {:.0}% of memory's {:.0} req/s; its p99 is {:.1} ms against memory's {:.1} ms ({:.1}x).",
                    a.rps.median,
                    a.rps.median / mem.rps.median * 100.0,
                    mem.rps.median,
                    a.p99_ms.median,
                    mem.p99_ms.median,
                    ratio(a.p99_ms.median, mem.p99_ms.median),
                ));
            }
        }
    }

    // Scaling: where throughput peaks along the sweep.
    for b in &backends {
        let series: Vec<(usize, f64)> = levels
            .iter()
            .filter_map(|&u| get(*b, u).map(|a| (u, a.rps.median)))
            .collect();
        if series.len() < 2 {
            continue;
        }
        let (peak_u, peak) = series
            .iter()
            .copied()
            .max_by(|x, y| x.1.total_cmp(&y.1))
            .unwrap_or(series[0]);
        let first = series[0].1;
        let last = series[series.len() - 1];
        out.push(format!(
            "{b}: {:.0} req/s at {low} user(s), peak {peak:.0} req/s at {peak_u} users ({:.1}x), {:.0} req/s at {} users{}.",
            first,
            ratio(peak, first),
            last.1,
            last.0,
            if last.1 < peak * 0.9 { " — past its peak, more users only queue" } else { "" },
        ));
    }

    // Writes against reads, per backend, at the busiest level: the single
    // SQLite writer shows as write latency growing faster than read latency.
    let p95 = |b: Backend, write: bool| -> Option<f64> {
        let v: Vec<f64> = eps
            .iter()
            .filter(|e| e.backend == b && e.users == top && is_write(&e.endpoint) == write)
            .map(|e| e.p95_ms.median)
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    for b in &backends {
        if let (Some(w), Some(r)) = (p95(*b, true), p95(*b, false)) {
            out.push(format!(
                "{b} at {top} users: write endpoints (create, update, delete, and the redirect, which records a hit) average p95 {w:.1} ms, read endpoints {r:.1} ms ({:.1}x).",
                ratio(w, r)
            ));
        }
    }
    if let (Some(sq), Some(mem)) = (get(Backend::Sqlite, low), get(Backend::Memory, low)) {
        let grouped = |u: usize| {
            get(Backend::Sqlite, u)
                .and_then(|a| a.writes_per_commit.as_ref())
                .map(|w| w.median)
        };
        let per_commit = match (grouped(low), grouped(top)) {
            (Some(l), Some(t)) if top != low => Some(format!(
                "{l:.1} writes per commit at {low} user(s) and {t:.1} at {top}"
            )),
            (Some(l), _) => Some(format!("{l:.1} writes per commit at {low} user(s)")),
            _ => None,
        };
        let groups = per_commit.map_or_else(String::new, |n| format!(
            " Concurrent writes share that flush: the server commits every write waiting at that moment in one transaction (group commit, see NOTES.md), {n}."
        ));
        out.push(format!(
            "Why SQLite: at {low} user(s) it serves {:.0}% of memory's req/s ({:.0} against {:.0}). Every write, including the hit each redirect records, waits for an fsync of the write-ahead log before its response (synchronous = FULL), on SQLite's one write lock; reads go on beside it (WAL).{groups}",
            sq.rps.median / mem.rps.median * 100.0,
            sq.rps.median,
            mem.rps.median
        ));
    }
    if let (Some(my), Some(mem)) = (get(Backend::Mysql, low), get(Backend::Memory, low)) {
        out.push(format!(
            "Why MySQL: every query is a round trip over TCP to mariadbd (loopback here, a real network in production): at {low} user(s) its median latency is {:.2} ms against memory's {:.2} ms (+{:.2} ms per request). InnoDB also flushes its log at every commit (innodb_flush_log_at_trx_commit = 1), but concurrent commits share one flush (group commit) and it locks rows, not the database.",
            my.p50_ms.median,
            mem.p50_ms.median,
            my.p50_ms.median - mem.p50_ms.median
        ));
    }
    if let (Some(my), Some(sq)) = (get(Backend::Mysql, top), get(Backend::Sqlite, top)) {
        let low_ratio = match (get(Backend::Mysql, low), get(Backend::Sqlite, low)) {
            (Some(m), Some(s)) => format!(
                " ({:.1}x at {low} user(s))",
                ratio(m.rps.median, s.rps.median)
            ),
            _ => String::new(),
        };
        out.push(format!(
            "MySQL against SQLite at {top} users: {:.1}x the req/s{low_ratio}, p99 {:.1} ms against {:.1} ms.",
            ratio(my.rps.median, sq.rps.median),
            my.p99_ms.median,
            sq.p99_ms.median
        ));
    }
    if let Some(my) = get(Backend::Mysql, top) {
        if let Some(db) = &my.db_cpu_ms_per_request {
            out.push(format!(
                "CPU per request at {top} users on MySQL: {:.3} ms in shortlink plus {:.3} ms in mariadbd; on a machine whose cores the load generator shares, mariadbd's share is throughput the server cannot have.",
                my.server_cpu_ms_per_request.median, db.median
            ));
        }
    }
    for b in &backends {
        if let Some(a) = get(*b, top) {
            out.push(format!(
                "{b}: {:.3} CPU-ms per request in the server at {top} users, peak RSS {:.0} MiB{}.",
                a.server_cpu_ms_per_request.median,
                a.server_peak_rss_mib.median,
                a.db_peak_rss_mib
                    .as_ref()
                    .map_or(String::new(), |d| format!(
                        " (mariadbd {:.0} MiB)",
                        d.median
                    )),
            ));
        }
    }

    let failures: u64 = aggs.iter().map(|a| a.failures).sum();
    out.push(if failures == 0 {
        "No request failed in any cell; every run's redirects reconciled with the hits.".to_string()
    } else {
        let bad: Vec<String> = aggs
            .iter()
            .filter(|a| a.failures > 0)
            .map(|a| format!("{} at {} users: {} failed", a.backend, a.users, a.failures))
            .collect();
        format!("Requests failed: {}.", bad.join("; "))
    });
    if aggs.iter().any(|a| !a.hits_reconciled) {
        out.push(
            "Some runs' redirects did not reconcile with the hit count: see the cells table."
                .to_string(),
        );
    }
    let flagged: Vec<String> = aggs
        .iter()
        .filter(|a| a.rps.flagged)
        .map(|a| format!("{}@{} ({:.0}%)", a.backend, a.users, a.rps.spread_pct))
        .collect();
    out.push(if flagged.is_empty() {
        format!(
            "Every req/s median had a spread within {SPREAD_FLAG_PCT:.0}% over its repetitions (load average at the start: {loadavg})."
        )
    } else {
        format!(
            "Req/s spread over {SPREAD_FLAG_PCT:.0}% of the median (do not trust these to that precision): {}. The load generator shares the machine with the servers, and the load average at the start was {loadavg}.",
            flagged.join(", ")
        )
    });
    out
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

#[cfg(test)]
mod tests {
    //! The findings' edge: nothing measured.
    use super::*;

    #[test]
    fn no_cell_no_comparison() {
        assert_eq!(
            findings(&[], &[], &[8], "0.00 0.00 0.00"),
            ["No cell completed; there is nothing to compare."]
        );
    }
}
