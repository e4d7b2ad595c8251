//! The report's tables as [`Table`]s: by backend and concurrency, per
//! endpoint at the busiest level, and every cell. `report.md` and
//! `report.html` both render exactly these.

use crate::report::{spread, with_db, Report};
use crate::stats::SPREAD_FLAG_PCT;
use crate::table::{num, text, Cell, Table};

/// Medians with their spread per backend and level.
pub fn by_backend(r: &Report) -> Table {
    let mut t = Table::new(vec![
        text("backend"),
        num("users"),
        num("req/s"),
        num("p50 ms"),
        num("p95 ms"),
        num("p99 ms"),
        num("errors %"),
        num("CPU-ms/req"),
        num("peak RSS MiB"),
        num("reps"),
    ])
    .caption("By backend and concurrency")
    .note(format!(
        "Medians over the repetitions, min–max in brackets. ⚠ marks a req/s spread over {SPREAD_FLAG_PCT:.0}% of the median. CPU-ms/req is the server's (+ the database server's: mariadbd, or PostgreSQL's processes) CPU time over the measured run divided by the requests it served; RSS is the peak (VmHWM)."
    ));
    for a in &r.aggregates {
        t.push(vec![
            a.backend.into(),
            a.users.into(),
            Cell::plain(spread(&a.rps, 0)).flag(a.rps.flagged),
            spread(&a.p50_ms, 2).into(),
            spread(&a.p95_ms, 2).into(),
            spread(&a.p99_ms, 2).into(),
            format!("{:.3}", a.error_rate_pct.median).into(),
            with_db(
                a.server_cpu_ms_per_request.median,
                a.db_cpu_ms_per_request.as_ref(),
                3,
            )
            .into(),
            with_db(a.server_peak_rss_mib.median, a.db_peak_rss_mib.as_ref(), 0).into(),
            a.reps.into(),
        ]);
    }
    t
}

/// Every endpoint of every backend at the busiest level; None before any
/// cell finished.
pub fn per_endpoint(r: &Report) -> Option<Table> {
    let top = r.busiest_users?;
    let mut t = Table::new(vec![
        text("backend"),
        text("endpoint"),
        num("req/s"),
        num("p50 ms"),
        num("p95 ms"),
        num("p99 ms"),
        num("errors %"),
    ])
    .caption(format!("Per endpoint at {top} users"));
    for e in &r.endpoints_busiest {
        t.push(vec![
            e.backend.into(),
            Cell::code(&e.endpoint),
            format!("{:.1}", e.rps.median).into(),
            format!("{:.2}", e.p50_ms.median).into(),
            format!("{:.2}", e.p95_ms.median).into(),
            format!("{:.2}", e.p99_ms.median).into(),
            format!("{:.3}", e.error_rate_pct.median).into(),
        ]);
    }
    Some(t)
}

/// Every measured run in the order it ran, with its raw goose report.
pub fn cells(r: &Report) -> Table {
    let mut t = Table::new(vec![
        text("cell"),
        num("req/s"),
        num("p99 ms"),
        num("failed"),
        text("hits"),
        num("server CPU-ms/req"),
        num("server RSS MiB"),
        num("database CPU-ms/req"),
        num("load 1m"),
        text("goose JSON"),
    ])
    .caption("Every cell, in run order");
    for c in &r.cells {
        t.push(vec![
            c.id.as_str().into(),
            format!("{:.0}", c.rps).into(),
            format!("{:.2}", c.overall.p99_ms).into(),
            c.failures.into(),
            match c.hits_reconciled {
                Some(true) => "match",
                Some(false) => "MISMATCH",
                None => "-",
            }
            .into(),
            format!("{:.3}", c.server_cpu_ms_per_request).into(),
            format!("{:.0}", c.server_peak_rss_mib).into(),
            c.db_cpu_ms_per_request
                .map_or("-".to_string(), |v| format!("{v:.3}"))
                .into(),
            format!("{:.2}", c.loadavg_1m).into(),
            Cell::link(&c.goose_report),
        ]);
    }
    t
}
