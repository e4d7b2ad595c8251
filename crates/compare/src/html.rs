//! `report.html`: the report's tables plus inline SVG charts (throughput
//! against concurrency, latency percentiles per backend), one self-contained
//! file that fetches nothing.

use std::fmt::Write as _;

use crate::plan::Backend;
use crate::report::{short, spread, with_db, Report};
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
        Backend::Mysql => "#cc6677",
    }
}

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>shortlink backend comparison</title>\n<style>\
body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}}\
table{{border-collapse:collapse;margin:1em 0;font-size:14px}}td,th{{border:1px solid #ccc;padding:3px 8px}}\
td.n{{text-align:right;font-variant-numeric:tabular-nums}}th{{background:#f3f3f3}}.flag{{color:#b00}}\
svg{{background:#fff;border:1px solid #ddd;margin:0.5em 0}}code{{background:#f5f5f5}}\
</style></head><body>\n"
    );
    let _ = writeln!(o, "<h1>shortlink backend comparison</h1>");
    let _ = writeln!(
        o,
        "<p>{} · git <code>{}</code> · {} of {} cells{} · {:.0} s wall</p>",
        esc(&r.started_at),
        esc(short(&r.git_sha)),
        r.cells.len(),
        r.cells_planned,
        if r.complete {
            String::new()
        } else {
            format!(
                " · <strong class=\"flag\">partial: {}</strong>",
                esc(r.stopped_because.as_deref().unwrap_or("incomplete"))
            )
        },
        r.wall_secs
    );
    let _ = writeln!(o, "<h2>Findings</h2><ul>");
    for f in &r.findings {
        let _ = writeln!(o, "<li>{}</li>", esc(f));
    }
    let _ = writeln!(o, "</ul>");

    let _ = writeln!(o, "<h2>Throughput against concurrency</h2>");
    o.push_str(&throughput_chart(r));
    if let Some(top) = r.busiest_users {
        let _ = writeln!(o, "<h2>Latency percentiles at {top} users</h2>");
        o.push_str(&latency_chart(r, top));
    }
    let _ = writeln!(o, "<h2>p99 latency against concurrency</h2>");
    o.push_str(&p99_chart(r));

    let _ = writeln!(o, "<h2>By backend and concurrency</h2><p>Medians over the repetitions, min–max in brackets; <span class=\"flag\">⚠</span> marks a req/s spread over 15% of the median.</p>");
    let _ = writeln!(o, "<table><tr><th>backend</th><th>users</th><th>req/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>errors %</th><th>CPU-ms/req</th><th>peak RSS MiB</th><th>reps</th></tr>");
    for a in &r.aggregates {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=n>{}</td><td class=n>{}{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{:.3}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            a.backend,
            a.users,
            esc(&spread(&a.rps, 0)),
            if a.rps.flagged { " <span class=\"flag\">⚠</span>" } else { "" },
            esc(&spread(&a.p50_ms, 2)),
            esc(&spread(&a.p95_ms, 2)),
            esc(&spread(&a.p99_ms, 2)),
            a.error_rate_pct.median,
            esc(&with_db(a.server_cpu_ms_per_request.median, a.db_cpu_ms_per_request.as_ref(), 3)),
            esc(&with_db(a.server_peak_rss_mib.median, a.db_peak_rss_mib.as_ref(), 0)),
            a.reps
        );
    }
    let _ = writeln!(o, "</table>");
    if let Some(top) = r.busiest_users {
        let _ = writeln!(o, "<h2>Per endpoint at {top} users</h2><table><tr><th>backend</th><th>endpoint</th><th>req/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>errors %</th></tr>");
        for e in &r.endpoints_busiest {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td><code>{}</code></td><td class=n>{:.1}</td><td class=n>{:.2}</td><td class=n>{:.2}</td><td class=n>{:.2}</td><td class=n>{:.3}</td></tr>",
                e.backend,
                esc(&e.endpoint),
                e.rps.median,
                e.p50_ms.median,
                e.p95_ms.median,
                e.p99_ms.median,
                e.error_rate_pct.median
            );
        }
        let _ = writeln!(o, "</table>");
    }
    let _ = writeln!(o, "<h2>Every cell, in run order</h2><table><tr><th>cell</th><th>req/s</th><th>p99 ms</th><th>failed</th><th>server CPU-ms/req</th><th>server RSS MiB</th><th>mariadbd CPU-ms/req</th><th>load 1m</th><th>goose JSON</th></tr>");
    for c in &r.cells {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=n>{:.0}</td><td class=n>{:.2}</td><td class=n>{}</td><td class=n>{:.3}</td><td class=n>{:.0}</td><td class=n>{}</td><td class=n>{:.2}</td><td><a href=\"{}\">{}</a></td></tr>",
            esc(&c.id),
            c.rps,
            c.overall.p99_ms,
            c.failures,
            c.server_cpu_ms_per_request,
            c.server_peak_rss_mib,
            c.db_cpu_ms_per_request.map_or("-".to_string(), |v| format!("{v:.3}")),
            c.loadavg_1m,
            esc(&c.goose_report),
            esc(&c.goose_report)
        );
    }
    let _ = writeln!(o, "</table>");
    // The plan section is the markdown's, verbatim in a <pre>: one text, not two.
    let md = r.markdown();
    if let Some(i) = md.find("## Plan, versions, machine") {
        let _ = writeln!(
            o,
            "<h2>Plan, versions, machine</h2><pre style=\"white-space:pre-wrap\">{}</pre>",
            esc(md[i..]
                .trim_start_matches("## Plan, versions, machine")
                .trim())
        );
    }
    let _ = writeln!(o, "</body></html>");
    o
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

fn throughput_chart(r: &Report) -> String {
    line_chart(
        r,
        "requests per second against users",
        "req/s (median)",
        &|a| a.rps.median,
    )
}

fn p99_chart(r: &Report) -> String {
    line_chart(r, "p99 latency against users", "p99 ms (median)", &|a| {
        a.p99_ms.median
    })
}

/// Grouped bars: p50, p95, p99 for each backend at `users`.
fn latency_chart(r: &Report, users: usize) -> String {
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
    //! Axis bounds and escaping.
    use super::*;

    #[test]
    fn nice_bounds() {
        assert_eq!(nice_max(730.0), 1000.0);
        assert_eq!(nice_max(1234.0), 2000.0);
        assert_eq!(nice_max(3.2), 5.0);
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(esc("<a&b>"), "&lt;a&amp;b&gt;");
    }
}
