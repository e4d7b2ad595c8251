//! The report's inline SVG charts: throughput and p99 against concurrency
//! (a line per backend) and the latency percentiles at the busiest level
//! (grouped bars). Hand-written SVG, so `report.html` fetches nothing.

use std::fmt::Write as _;

use crate::html::esc;
use crate::plan::Backend;
use crate::report::Report;
use crate::stats::Aggregate;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 300.0;
const MARGIN_LEFT: f64 = 64.0;
const MARGIN_RIGHT: f64 = 120.0;
const MARGIN_TOP: f64 = 20.0;
const MARGIN_BOTTOM: f64 = 44.0;

fn colour(b: Backend) -> &'static str {
    match b {
        Backend::Memory => "#4477aa",
        Backend::Sqlite => "#228833",
        Backend::SqliteBuffered => "#88cc66",
        Backend::Mysql => "#cc6677",
        Backend::MysqlBuffered => "#ee99aa",
        Backend::Postgres => "#aa7733",
        Backend::PostgresBuffered => "#ddbb77",
    }
}

/// A nice upper bound for an axis: 1, 2 or 5 times a power of ten.
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|m| *m >= v)
        .unwrap_or(10.0 * p)
}

/// A line chart with one polyline per backend over the plan's levels,
/// evenly spaced (the levels are roughly geometric).
fn line_chart(r: &Report, title: &str, unit: &str, value: &dyn Fn(&Aggregate) -> f64) -> String {
    let levels = &r.plan.users;
    let mut o = String::new();
    let max = nice_max(r.aggregates.iter().map(value).fold(0.0, f64::max));
    let plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
    let plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM;
    let x = |i: usize| {
        MARGIN_LEFT
            + if levels.len() > 1 {
                plot_w * i as f64 / (levels.len() - 1) as f64
            } else {
                plot_w / 2.0
            }
    };
    let y = |v: f64| MARGIN_TOP + plot_h * (1.0 - v / max);
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\">",
        esc(title)
    );
    for t in 0..=4 {
        let v = max * t as f64 / 4.0;
        let _ = writeln!(
            o,
            "<line x1=\"{MARGIN_LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#eee\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            MARGIN_LEFT + plot_w, y(v), y(v), MARGIN_LEFT - 6.0, y(v) + 4.0, fmt_tick(v)
        );
    }
    for (i, u) in levels.iter().enumerate() {
        let _ = writeln!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{u}</text>",
            x(i),
            HEIGHT - MARGIN_BOTTOM + 16.0
        );
    }
    let _ = writeln!(
        o,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">users</text><text x=\"14\" y=\"{:.1}\" font-size=\"12\" transform=\"rotate(-90 14 {:.1})\" text-anchor=\"middle\">{}</text>",
        MARGIN_LEFT + plot_w / 2.0, HEIGHT - 8.0, MARGIN_TOP + plot_h / 2.0, MARGIN_TOP + plot_h / 2.0, esc(unit)
    );
    for (k, b) in r.plan.backends.iter().enumerate() {
        let pts: Vec<(f64, f64, &Aggregate)> = levels
            .iter()
            .enumerate()
            .filter_map(|(i, u)| {
                r.aggregates
                    .iter()
                    .find(|a| a.backend == *b && a.users == *u)
                    .map(|a| (x(i), y(value(a)), a))
            })
            .collect();
        if pts.is_empty() {
            continue;
        }
        let path: Vec<String> = pts
            .iter()
            .map(|(px, py, _)| format!("{px:.1},{py:.1}"))
            .collect();
        let _ = writeln!(
            o,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>",
            colour(*b),
            path.join(" ")
        );
        for (px, py, a) in &pts {
            let _ = writeln!(
                o,
                "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"3.5\" fill=\"{}\"><title>{} at {} users: {:.2} {}</title></circle>",
                colour(*b), b, a.users, value(a), esc(unit)
            );
        }
        let ly = MARGIN_TOP + 14.0 + 18.0 * k as f64;
        let _ = writeln!(
            o,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{b}</text>",
            WIDTH - MARGIN_RIGHT + 16.0, ly - 10.0, colour(*b), WIDTH - MARGIN_RIGHT + 34.0, ly
        );
    }
    o.push_str("</svg>\n");
    o
}

pub fn throughput_chart(r: &Report) -> String {
    line_chart(
        r,
        "requests per second against users",
        "req/s (median)",
        &|a| a.rps.median,
    )
}

pub fn p99_chart(r: &Report) -> String {
    line_chart(r, "p99 latency against users", "p99 ms (median)", &|a| {
        a.p99_ms.median
    })
}

/// Grouped bars: p50, p95, p99 for each backend at `users`.
pub fn latency_chart(r: &Report, users: usize) -> String {
    let aggs: Vec<&Aggregate> = r.aggregates.iter().filter(|a| a.users == users).collect();
    let max = nice_max(aggs.iter().map(|a| a.p99_ms.median).fold(0.0, f64::max));
    let plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
    let plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM;
    let y = |v: f64| MARGIN_TOP + plot_h * (1.0 - v / max);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"latency percentiles at {users} users\">"
    );
    for t in 0..=4 {
        let v = max * t as f64 / 4.0;
        let _ = writeln!(
            o,
            "<line x1=\"{MARGIN_LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#eee\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            MARGIN_LEFT + plot_w, y(v), y(v), MARGIN_LEFT - 6.0, y(v) + 4.0, fmt_tick(v)
        );
    }
    let group_w = plot_w / aggs.len().max(1) as f64;
    let bar_w = group_w / 4.0;
    for (g, a) in aggs.iter().enumerate() {
        let gx = MARGIN_LEFT + group_w * g as f64;
        for (k, (label, v, opacity)) in [
            ("p50", a.p50_ms.median, 0.45),
            ("p95", a.p95_ms.median, 0.7),
            ("p99", a.p99_ms.median, 1.0),
        ]
        .into_iter()
        .enumerate()
        {
            let bx = gx + bar_w * (0.5 + k as f64);
            let _ = writeln!(
                o,
                "<rect x=\"{bx:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\" fill-opacity=\"{opacity}\"><title>{} {label}: {v:.2} ms</title></rect><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{label}</text>",
                y(v), bar_w * 0.9, (MARGIN_TOP + plot_h - y(v)).max(0.0), colour(a.backend), a.backend,
                bx + bar_w * 0.45, HEIGHT - MARGIN_BOTTOM + 12.0
            );
        }
        let _ = writeln!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
            gx + group_w / 2.0,
            HEIGHT - MARGIN_BOTTOM + 28.0,
            a.backend
        );
    }
    let _ = writeln!(
        o,
        "<text x=\"14\" y=\"{:.1}\" font-size=\"12\" transform=\"rotate(-90 14 {:.1})\" text-anchor=\"middle\">ms (median of reps)</text>",
        MARGIN_TOP + plot_h / 2.0, MARGIN_TOP + plot_h / 2.0
    );
    o.push_str("</svg>\n");
    o
}

fn fmt_tick(v: f64) -> String {
    if v >= 100.0 || v == 0.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    //! Axis bounds.
    use super::*;

    #[test]
    fn nice_bounds() {
        assert_eq!(nice_max(730.0), 1000.0);
        assert_eq!(nice_max(1234.0), 2000.0);
        assert_eq!(nice_max(3.2), 5.0);
        assert_eq!(nice_max(0.0), 1.0);
    }
}
