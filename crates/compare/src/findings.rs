//! The plain-language findings of a report: each backend against memory,
//! where each stops scaling, writes against reads, why SQLite, MySQL and
//! PostgreSQL cost what they cost, and how far the numbers can be trusted.

use shortlink_harness::endpoints::FOLLOW_LINK;

use crate::plan::Backend;
use crate::stats::{is_write, Aggregate, EndpointAggregate, SPREAD_FLAG_PCT};

/// How PostgreSQL compares with MySQL and SQLite, in throughput, tail
/// latency and the database server's CPU per request.
fn postgres<'a>(
    get: &dyn Fn(Backend, usize) -> Option<&'a Aggregate>,
    top: usize,
    low: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    let Some(pg) = get(Backend::Postgres, top) else {
        return out;
    };
    for (other, name) in [(Backend::Mysql, "MySQL"), (Backend::Sqlite, "SQLite")] {
        let Some(o) = get(other, top) else { continue };
        let at_low = match (get(Backend::Postgres, low), get(other, low)) {
            (Some(p), Some(o)) if low != top => format!(
                " ({:.2}x at {low} user(s))",
                ratio(p.rps.median, o.rps.median)
            ),
            _ => String::new(),
        };
        out.push(format!(
            "PostgreSQL against {name} at {top} users: {:.0} req/s against {:.0} ({:.2}x){at_low}, p99 {:.1} ms against {:.1} ms.",
            pg.rps.median,
            o.rps.median,
            ratio(pg.rps.median, o.rps.median),
            pg.p99_ms.median,
            o.p99_ms.median,
        ));
    }
    let my = get(Backend::Mysql, top);
    if let (Some(p), Some(m)) = (
        pg.db_cpu_ms_per_request.as_ref(),
        my.and_then(|m| m.db_cpu_ms_per_request.as_ref()),
    ) {
        out.push(format!(
            "Why PostgreSQL differs from MySQL: a process per connection instead of a thread, and hits counted by one `UPDATE … RETURNING` per group instead of a read and an update; the database server spends {:.3} CPU-ms per request against mariadbd's {:.3} ms ({:.2}x) at {top} users.",
            p.median,
            m.median,
            ratio(p.median, m.median),
        ));
    }
    out
}

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
    // The two hit modes of one store, side by side at the busiest level.
    let redirect = FOLLOW_LINK.name();
    let redirect_p99 = |b: Backend| {
        eps.iter()
            .find(|e| e.backend == b && e.users == top && e.endpoint == redirect)
            .map(|e| e.p99_ms.median)
    };
    for (durable, buffered) in [
        (Backend::Sqlite, Backend::SqliteBuffered),
        (Backend::Mysql, Backend::MysqlBuffered),
        (Backend::Postgres, Backend::PostgresBuffered),
    ] {
        let (Some(d), Some(b)) = (get(durable, top), get(buffered, top)) else {
            continue;
        };
        let p99 = match (redirect_p99(durable), redirect_p99(buffered)) {
            (Some(pd), Some(pb)) => format!("; the redirect's p99 {pb:.1} ms against {pd:.1} ms"),
            _ => String::new(),
        };
        out.push(format!(
            "Hit modes on {durable} at {top} users: buffered serves {:.0} req/s against durable's {:.0} ({:.2}x){p99}. A buffered redirect is a read and its hit reaches the database with the next flush (hits_flush_ms, 1 s by default; a SIGKILL loses at most that window's hits), where a durable 302 leaves only after its hit is committed.",
            b.rps.median,
            d.rps.median,
            ratio(b.rps.median, d.rps.median),
        ));
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
    out.extend(postgres(&get, top, low));
    for b in &backends {
        let db_name = if b.store() == Backend::Postgres {
            "PostgreSQL, summed PSS"
        } else {
            "mariadbd"
        };
        if let Some(a) = get(*b, top) {
            out.push(format!(
                "{b}: {:.3} CPU-ms per request in the server at {top} users, peak RSS {:.0} MiB{}.",
                a.server_cpu_ms_per_request.median,
                a.server_peak_rss_mib.median,
                a.db_peak_rss_mib
                    .as_ref()
                    .map_or(String::new(), |d| format!(
                        " ({db_name} {:.0} MiB)",
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
