//! `report.html`: the findings, the charts (see [`crate::charts`]), the same
//! tables as `report.md` (see [`crate::tables`]) and its plan section, in
//! one self-contained file that fetches nothing.

use std::fmt::Write as _;

use crate::charts;
use crate::markdown::PLAN_HEADING;
use crate::report::{short, Report};
use crate::tables;

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
    o.push_str(&charts::throughput_chart(r));
    if let Some(top) = r.busiest_users {
        let _ = writeln!(o, "<h2>Latency percentiles at {top} users</h2>");
        o.push_str(&charts::latency_chart(r, top));
    }
    let _ = writeln!(o, "<h2>p99 latency against concurrency</h2>");
    o.push_str(&charts::p99_chart(r));

    let tables = [
        Some(tables::by_backend(r)),
        tables::per_endpoint(r),
        Some(tables::cells(r)),
    ];
    for t in tables.iter().flatten() {
        o.push_str(&t.html());
    }
    let _ = writeln!(
        o,
        "<h2>{PLAN_HEADING}</h2><pre style=\"white-space:pre-wrap\">{}</pre>",
        esc(r.plan_section().trim())
    );
    let _ = writeln!(o, "</body></html>");
    o
}

#[cfg(test)]
mod tests {
    //! Escaping.
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(esc("<a&b>"), "&lt;a&amp;b&gt;");
    }
}
