//! The operational endpoints: health, Prometheus metrics, the OpenAPI document.

use serde_json::Value;

use super::{json_content_type, status, CONTRACT_ENDPOINTS};
use crate::check::Failure;
use crate::ensure;
use crate::view::ResponseView;

/// `/healthz`: 200, JSON, `{"status":"ok"}`. A validator (not only a catalogue
/// check) so the load test's health-probe mix judges it by the same rule.
pub fn health(view: &ResponseView) -> Result<(), Failure> {
    status(view, 200)?;
    json_content_type(view)?;
    let body = view.json()?;
    ensure!(
        body.get("status").and_then(Value::as_str) == Some("ok"),
        "/healthz body is {\"status\":\"ok\"}",
        "got {body}"
    );
    Ok(())
}

/// Prometheus text exposition: `text/plain`, at least one sample, every line
/// a comment, blank, or `name{labels} value [timestamp]`.
pub fn prometheus_text(view: &ResponseView) -> Result<(), Failure> {
    status(view, 200)?;
    let ct = view.header("content-type").unwrap_or("");
    ensure!(
        ct.to_ascii_lowercase().starts_with("text/plain"),
        "/metrics Content-Type is text/plain (Prometheus text format)",
        "got {ct:?}"
    );
    let text = std::str::from_utf8(&view.body)
        .map_err(|e| Failure::new("/metrics is UTF-8 text", e.to_string()))?;
    let mut samples = 0;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        ensure!(
            prometheus_sample(line),
            "/metrics lines are Prometheus samples",
            "bad line {line:?}"
        );
        samples += 1;
    }
    ensure!(
        samples > 0,
        "/metrics exposes at least one sample",
        "no samples"
    );
    Ok(())
}

fn prometheus_sample(line: &str) -> bool {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let mut rest = &line[name_end..];
    if rest.starts_with('{') {
        // Label values may contain '}' only when quoted; find the closing
        // brace outside quotes.
        let mut in_quotes = false;
        let mut escaped = false;
        let mut close = None;
        for (i, c) in rest.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_quotes = !in_quotes,
                '}' if !in_quotes => {
                    close = Some(i);
                    break;
                }
                _ => {}
            }
        }
        match close {
            Some(i) => rest = &rest[i + 1..],
            None => return false,
        }
    }
    let mut parts = rest.split_whitespace();
    let value_ok = parts
        .next()
        .is_some_and(|v| v.parse::<f64>().is_ok() || matches!(v, "+Inf" | "-Inf" | "NaN"));
    let ts_ok = parts.next().is_none_or(|t| t.parse::<i64>().is_ok());
    value_ok && ts_ok && parts.next().is_none()
}

/// An OpenAPI 3 document that lists every contract endpoint.
pub fn openapi(view: &ResponseView) -> Result<Value, Failure> {
    status(view, 200)?;
    json_content_type(view)?;
    let doc = view.json()?;
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    ensure!(
        version.starts_with("3."),
        "/openapi.json is an OpenAPI 3 document",
        "openapi field {version:?}"
    );
    ensure!(
        doc.get("info").is_some_and(Value::is_object),
        "/openapi.json has an info object",
        "missing info"
    );
    for endpoint in CONTRACT_ENDPOINTS {
        let op = doc
            .get("paths")
            .and_then(|p| p.get(endpoint.path))
            .and_then(|p| p.get(endpoint.method.to_ascii_lowercase()));
        ensure!(
            op.is_some_and(Value::is_object),
            "/openapi.json documents every contract endpoint",
            "missing {endpoint}"
        );
    }
    Ok(doc)
}

/// Every (METHOD, path) operation in an OpenAPI document.
pub fn openapi_operations(doc: &Value) -> Vec<(String, String)> {
    const METHODS: &[&str] = &[
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let mut ops = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for m in METHODS {
                if item.get(*m).is_some() {
                    ops.push((m.to_ascii_uppercase(), path.clone()));
                }
            }
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::fixtures::*;

    #[test]
    fn health_rules() {
        assert!(health(&view(200, &[JSON_CT], r#"{"status":"ok"}"#)).is_ok());
        assert!(health(&view(200, &[JSON_CT], r#"{"status":"down"}"#))
            .unwrap_err()
            .rule
            .contains("/healthz body"));
        assert_eq!(
            health(&view(200, &[("content-type", "text/plain")], "ok"))
                .unwrap_err()
                .rule,
            "Content-Type is application/json"
        );
        assert_eq!(
            health(&view(503, &[JSON_CT], r#"{"status":"ok"}"#))
                .unwrap_err()
                .rule,
            "status is 200"
        );
    }

    #[test]
    fn prometheus_lines() {
        assert!(prometheus_sample("http_requests_total 3"));
        assert!(prometheus_sample(
            r#"http_requests_total{route="/{code}",status="302"} 3 1700000000"#
        ));
        assert!(prometheus_sample("x_seconds_bucket{le=\"+Inf\"} 1"));
        assert!(!prometheus_sample("<html>"));
        assert!(!prometheus_sample("metric{unclosed=\"x\" 1"));
        assert!(!prometheus_sample("metric one"));
        let text = view(
            200,
            &[("content-type", "text/plain; version=0.0.4")],
            "# HELP a b\na 1\n",
        );
        assert!(prometheus_text(&text).is_ok());
        let json_metrics = view(200, &[JSON_CT], "{}");
        assert!(prometheus_text(&json_metrics).is_err());
    }
}
