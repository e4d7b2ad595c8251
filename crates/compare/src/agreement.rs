//! Do two runs agree? Each backend × level's median requests/s in one run
//! against another, within a tolerance: the repeatability a report must
//! show before any one of its numbers is quoted.

use std::path::Path;

use anyhow::bail;

use crate::plan::Backend;
use crate::report::{spread, Report};
use crate::stats::{Aggregate, Spread};
use crate::table::{num, text, Cell, Table};

/// A run's req/s over its repetitions, per backend and level.
pub type Throughput = (Backend, usize, Spread);

pub fn throughput(aggregates: &[Aggregate]) -> Vec<Throughput> {
    aggregates
        .iter()
        .map(|a| (a.backend, a.users, a.rps.clone()))
        .collect()
}

/// One backend at one level in both runs.
pub struct Row {
    pub backend: Backend,
    pub users: usize,
    pub first: Spread,
    pub second: Spread,
    /// Second median against the first, in percent.
    pub change_pct: f64,
    pub within: bool,
}

/// The rows for every backend × level both runs measured, in the first
/// run's order.
pub fn rows(first: &[Throughput], second: &[Throughput], tolerance_pct: f64) -> Vec<Row> {
    first
        .iter()
        .filter_map(|(backend, users, a)| {
            let (_, _, b) = second.iter().find(|(b, u, _)| b == backend && u == users)?;
            let change_pct = if a.median > 0.0 {
                (b.median - a.median) / a.median * 100.0
            } else {
                f64::INFINITY
            };
            Some(Row {
                backend: *backend,
                users: *users,
                first: a.clone(),
                second: b.clone(),
                change_pct,
                within: change_pct.abs() <= tolerance_pct,
            })
        })
        .collect()
}

/// A Markdown table of the rows and a one-line verdict.
pub fn markdown(rows: &[Row], tolerance_pct: f64) -> String {
    let mut t = Table::new(vec![
        text("backend"),
        num("users"),
        num("run 1 req/s (min–max)"),
        num("run 2 req/s (min–max)"),
        num("run 2 vs run 1"),
    ]);
    for r in rows {
        t.push(vec![
            r.backend.into(),
            r.users.into(),
            spread(&r.first, 0).into(),
            spread(&r.second, 0).into(),
            Cell::plain(format!("{:+.1}%", r.change_pct)).flag(!r.within),
        ]);
    }
    let within = rows.iter().filter(|r| r.within).count();
    let worst = rows
        .iter()
        .map(|r| r.change_pct.abs())
        .fold(0.0_f64, f64::max);
    format!(
        "{}\n{within} of {} medians within ±{tolerance_pct}% (largest change {worst:.1}%).\n",
        t.markdown(),
        rows.len()
    )
}

/// Two finished runs compared: the table `--agreement` prints, and whether
/// every median is within the tolerance.
pub struct Verdict {
    pub markdown: String,
    pub agree: bool,
}

/// Reads two report directories' `summary.json` and compares their medians.
pub fn compare_runs(first: &Path, second: &Path, tolerance_pct: f64) -> anyhow::Result<Verdict> {
    let throughput =
        |dir: &Path| -> anyhow::Result<_> { Ok(throughput(&Report::rerender(dir)?.aggregates)) };
    let rows = rows(&throughput(first)?, &throughput(second)?, tolerance_pct);
    if rows.is_empty() {
        bail!("the two runs have no backend × level in common");
    }
    Ok(Verdict {
        markdown: markdown(&rows, tolerance_pct),
        agree: rows.iter().all(|r| r.within),
    })
}

#[cfg(test)]
mod tests {
    //! Matching rows and the tolerance.
    use super::*;

    fn agg(backend: Backend, users: usize, rps: &[f64]) -> Throughput {
        (backend, users, Spread::of(rps).unwrap())
    }

    #[test]
    fn a_median_off_by_more_than_the_tolerance_is_marked() {
        let first = [
            agg(Backend::Memory, 8, &[1000.0, 1100.0, 900.0]),
            agg(Backend::Sqlite, 8, &[200.0, 210.0, 190.0]),
            agg(Backend::Mysql, 8, &[300.0]),
        ];
        let second = [
            agg(Backend::Sqlite, 8, &[230.0, 220.0, 240.0]),
            agg(Backend::Memory, 8, &[1090.0, 1000.0, 1200.0]),
        ];
        let rows = rows(&first, &second, 10.0);
        assert_eq!(rows.len(), 2, "mysql ran only once: no row");
        assert!(rows[0].within, "memory +9%");
        assert!((rows[0].change_pct - 9.0).abs() < 1e-9);
        assert!(!rows[1].within, "sqlite +15%");
        let md = markdown(&rows, 10.0);
        assert!(md.contains("| sqlite | 8 | 200 (190–210) | 230 (220–240) | +15.0% ⚠ |"));
        assert!(md.contains("1 of 2 medians within ±10% (largest change 15.0%)."));
    }
}
