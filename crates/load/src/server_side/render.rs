//! The server's side as text (after goose's tables), as a section of
//! goose's HTML report and of its Markdown one; one row model for all three.

use std::fmt::Write as _;

use anyhow::Context;

use super::ServerSide;
use crate::summary::EndpointStats;

/// A route's row, with the client's p99 for the same request name.
struct Row {
    name: String,
    requests: String,
    rps: String,
    errors: String,
    server_p99: String,
    client_p99: String,
}

const HEADER: [&str; 6] = [
    "route",
    "requests",
    "rps",
    "5xx %",
    "server p99 ms",
    "client p99 ms",
];

fn rows(server: &ServerSide, client: &[EndpointStats]) -> Vec<Row> {
    let ms = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
    server
        .routes
        .iter()
        .map(|r| Row {
            name: r.name.clone(),
            requests: r.requests.to_string(),
            rps: format!("{:.1}", r.rps),
            errors: format!("{:.3}", r.error_ratio_pct),
            server_p99: ms(r.p99_ms),
            // Requests the load test makes outside goose (keys, clean-up)
            // have no client row.
            client_p99: ms(client.iter().find(|e| e.name == r.name).map(|e| e.p99_ms)),
        })
        .collect()
}

impl Row {
    fn cells(&self) -> [&str; 6] {
        [
            &self.name,
            &self.requests,
            &self.rps,
            &self.errors,
            &self.server_p99,
            &self.client_p99,
        ]
    }
}

fn hosts_line(server: &ServerSide) -> String {
    let hosts: Vec<String> = server
        .hosts
        .iter()
        .map(|h| format!("{} ({}) {:.1} %", h.instance, h.role, h.cpu_pct))
        .collect();
    if hosts.is_empty() {
        "no node-exporter series".to_string()
    } else {
        hosts.join(", ")
    }
}

fn databases_line(server: &ServerSide) -> String {
    let dbs: Vec<String> = server
        .databases
        .iter()
        .map(|d| format!("{} {:.1}", d.instance, d.queries_per_sec))
        .collect();
    if dbs.is_empty() {
        "no mysqld-exporter series (an embedded or unmonitored store)".to_string()
    } else {
        dbs.join(", ")
    }
}

fn heading(server: &ServerSide) -> String {
    let mut heading = format!(
        "server side (Prometheus {}, run {:.0} s, read {:.0} s after its start",
        server.prometheus, server.run_secs, server.window_secs,
    );
    if !server.settled {
        heading.push_str(
            "; NOT every target was scraped after the run: the last requests may be missing",
        );
    }
    if server.counter_resets > 0 {
        let _ = write!(
            heading,
            "; {} counter resets (instances restarted): counts are increase() estimates",
            server.counter_resets
        );
    }
    heading.push(')');
    heading
}

/// Lines for the closing print-out.
pub fn text(server: &ServerSide, client: &[EndpointStats]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}:", heading(server));
    let rows = rows(server, client);
    for [name, requests, rps, errors, server_p99, client_p99] in
        std::iter::once(HEADER).chain(rows.iter().map(Row::cells))
    {
        let _ = writeln!(
            out,
            "  {name:<28} {requests:>9} {rps:>9} {errors:>7} {server_p99:>13} {client_p99:>13}"
        );
    }
    let _ = writeln!(out, "  host CPU: {}", hosts_line(server));
    let _ = writeln!(out, "  database queries/s: {}", databases_line(server));
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn html(server: &ServerSide, client: &[EndpointStats]) -> String {
    let mut out = String::from("<div class=\"shortlink-server-side\">\n");
    let _ = writeln!(out, "<h2>{}</h2>", escape(&heading(server)));
    out.push_str("<table>\n<thead><tr>");
    for h in HEADER {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in rows(server, client) {
        out.push_str("<tr>");
        for c in r.cells() {
            let _ = write!(out, "<td>{}</td>", escape(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    let _ = writeln!(out, "<p>Host CPU: {}</p>", escape(&hosts_line(server)));
    let _ = writeln!(
        out,
        "<p>Database queries/s: {}</p>",
        escape(&databases_line(server))
    );
    out.push_str("</div>\n");
    out
}

fn markdown(server: &ServerSide, client: &[EndpointStats]) -> String {
    let mut out = format!("\n## {}\n\n| {} |\n", heading(server), HEADER.join(" | "));
    let _ = writeln!(out, "|{}", " --- |".repeat(HEADER.len()));
    for r in rows(server, client) {
        let _ = writeln!(out, "| {} |", r.cells().join(" | "));
    }
    let _ = writeln!(out, "\nHost CPU: {}\n", hosts_line(server));
    let _ = writeln!(out, "Database queries/s: {}", databases_line(server));
    out
}

/// Adds the section to goose's HTML (before `</body>`) and Markdown
/// reports among `files`; goose's JSON report is left as goose wrote it
/// (the summary JSON carries these figures).
pub fn append_to_reports(
    files: &[String],
    server: &ServerSide,
    client: &[EndpointStats],
) -> anyhow::Result<()> {
    for file in files {
        let lower = file.to_ascii_lowercase();
        let section = if lower.ends_with(".html") || lower.ends_with(".htm") {
            html(server, client)
        } else if lower.ends_with(".md") {
            markdown(server, client)
        } else {
            continue;
        };
        let mut text = std::fs::read_to_string(file).with_context(|| format!("read {file}"))?;
        match text.rfind("</body>") {
            Some(at) if !lower.ends_with(".md") => text.insert_str(at, &section),
            _ => text.push_str(&section),
        }
        std::fs::write(file, text).with_context(|| format!("write {file}"))?;
    }
    Ok(())
}
