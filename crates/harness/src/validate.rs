//! Validators: one public function per contract rule, reading only a
//! [`ResponseView`] (or parsed JSON), so any HTTP client can feed them.
//! Every `Failure` names the rule it enforces.

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::check::Failure;
use crate::ensure;
use crate::view::ResponseView;

/// The reserved codes of the contract; case-insensitive.
pub const RESERVED_CODES: &[&str] = &[
    "api", "healthz", "readyz", "metrics", "version", "openapi", "docs", "static",
];

/// Every (method, OpenAPI path) pair the contract defines.
pub const CONTRACT_ENDPOINTS: &[(&str, &str)] = &[
    ("POST", "/api/v1/links"),
    ("GET", "/api/v1/links"),
    ("GET", "/api/v1/links/{code}"),
    ("PATCH", "/api/v1/links/{code}"),
    ("DELETE", "/api/v1/links/{code}"),
    ("GET", "/{code}"),
    ("GET", "/api/v1/stats"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/version"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
];

/// A link as the contract shapes it; timestamps are kept parsed for
/// comparisons and as text for exact-echo assertions.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub code: String,
    pub url: String,
    pub short_url: String,
    pub hits: u64,
    pub created_at: OffsetDateTime,
    pub last_hit_at: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
    pub raw: Value,
}

/// One page of `GET /api/v1/links`.
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Link>,
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/stats`.
#[derive(Debug, Clone)]
pub struct Stats {
    pub links: u64,
    pub hits: u64,
    pub top: Vec<Link>,
}

/// The status is exactly `expected`.
pub fn status(view: &ResponseView, expected: u16) -> Result<(), Failure> {
    ensure!(
        view.status == expected,
        format!("status is {expected}"),
        "{}",
        view.summary()
    );
    Ok(())
}

/// `Content-Type` is `application/json` (parameters such as charset allowed).
pub fn json_content_type(view: &ResponseView) -> Result<(), Failure> {
    let ct = view.header("content-type").unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim();
    ensure!(
        essence.eq_ignore_ascii_case("application/json"),
        "Content-Type is application/json",
        "{}",
        view.summary()
    );
    Ok(())
}

/// Every response carries a non-empty `X-Request-Id`, equal to the one the
/// client sent (`sent`) when it sent a sane one.
pub fn request_id(view: &ResponseView, sent: Option<&str>) -> Result<(), Failure> {
    let got = view.header("x-request-id");
    ensure!(
        got.is_some_and(|v| !v.trim().is_empty()),
        "every response carries X-Request-Id",
        "missing on status {}",
        view.status
    );
    if let (Some(sent), Some(got)) = (sent, got) {
        ensure!(
            got == sent,
            "X-Request-Id echoes the client's sane value",
            "sent {sent:?}, got {got:?}"
        );
    }
    Ok(())
}

/// The contract's error body: status equal to the HTTP status, JSON content
/// type, `{"error":{"status","code","message"}}` with the expected `code`.
pub fn error(
    view: &ResponseView,
    expected_status: u16,
    expected_code: &str,
) -> Result<(), Failure> {
    status(view, expected_status)?;
    json_content_type(view)?;
    let body = view.json()?;
    let err = body.get("error").and_then(Value::as_object);
    ensure!(
        err.is_some(),
        "error body is {\"error\":{...}}",
        "{}",
        view.summary()
    );
    let err = err.expect("checked above");
    ensure!(
        err.get("status").and_then(Value::as_u64) == Some(u64::from(view.status)),
        "error.status equals the HTTP status",
        "HTTP {} but body {}",
        view.status,
        body
    );
    let code = err.get("code").and_then(Value::as_str).unwrap_or("");
    ensure!(
        !code.is_empty()
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "error.code is a snake_case word",
        "body {body}"
    );
    ensure!(
        code == expected_code,
        format!("error.code is {expected_code}"),
        "got {code:?} (status {})",
        view.status
    );
    ensure!(
        err.get("message")
            .and_then(Value::as_str)
            .is_some_and(|m| !m.trim().is_empty()),
        "error.message is a non-empty string",
        "body {body}"
    );
    Ok(())
}

/// An RFC 3339 UTC timestamp written with `Z`.
pub fn timestamp(field: &str, value: &Value) -> Result<OffsetDateTime, Failure> {
    let rule = format!("{field} is an RFC 3339 UTC timestamp ending in Z");
    let text = value
        .as_str()
        .ok_or_else(|| Failure::new(rule.clone(), format!("got {value}")))?;
    ensure!(text.ends_with('Z'), rule.clone(), "got {text:?}");
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| Failure::new(rule, format!("{text:?}: {e}")))
}

fn optional_timestamp(
    field: &str,
    value: Option<&Value>,
) -> Result<Option<OffsetDateTime>, Failure> {
    match value {
        None => Err(Failure::new(
            format!("link has field {field}"),
            "missing (null is allowed, absence is not)",
        )),
        Some(Value::Null) => Ok(None),
        Some(v) => timestamp(field, v).map(Some),
    }
}

/// A syntactically valid code: `[A-Za-z0-9_-]{3,32}`.
pub fn is_valid_code(code: &str) -> bool {
    (3..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The link object: all seven fields with the right types, a valid code,
/// `short_url` ending in `/{code}`, timestamps in RFC 3339 `Z` form.
pub fn link(value: &Value) -> Result<Link, Failure> {
    let obj = value
        .as_object()
        .ok_or_else(|| Failure::new("a link is a JSON object", format!("got {value}")))?;
    let string = |field: &str| -> Result<String, Failure> {
        obj.get(field)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                Failure::new(format!("link.{field} is a string"), format!("link {value}"))
            })
    };
    let code = string("code")?;
    ensure!(
        is_valid_code(&code),
        "link.code matches [A-Za-z0-9_-]{3,32}",
        "got {code:?}"
    );
    let url = string("url")?;
    let short_url = string("short_url")?;
    ensure!(
        (short_url.starts_with("http://") || short_url.starts_with("https://"))
            && short_url.ends_with(&format!("/{code}")),
        "link.short_url is an absolute URL ending in /{code}",
        "code {code:?}, short_url {short_url:?}"
    );
    let hits = obj.get("hits").and_then(Value::as_u64).ok_or_else(|| {
        Failure::new(
            "link.hits is a non-negative integer",
            format!("link {value}"),
        )
    })?;
    let created_at = timestamp(
        "link.created_at",
        obj.get("created_at").unwrap_or(&Value::Null),
    )?;
    let last_hit_at = optional_timestamp("last_hit_at", obj.get("last_hit_at"))?;
    let expires_at = optional_timestamp("expires_at", obj.get("expires_at"))?;
    ensure!(
        (hits == 0) == last_hit_at.is_none(),
        "link.last_hit_at is null exactly while hits is 0",
        "hits {hits}, last_hit_at {:?}",
        obj.get("last_hit_at")
    );
    Ok(Link {
        code,
        url,
        short_url,
        hits,
        created_at,
        last_hit_at,
        expires_at,
        raw: value.clone(),
    })
}

/// A response whose body is one link, with the given status and JSON type.
pub fn link_response(view: &ResponseView, expected_status: u16) -> Result<Link, Failure> {
    status(view, expected_status)?;
    json_content_type(view)?;
    link(&view.json()?)
}

/// A 201 from `POST /api/v1/links`: the link, and `Location:
/// /api/v1/links/{code}` (an absolute URL with that path is accepted too).
pub fn created_link(view: &ResponseView) -> Result<Link, Failure> {
    let link = link_response(view, 201)?;
    let want = format!("/api/v1/links/{}", link.code);
    let location = view.header("location");
    ensure!(
        location.is_some_and(|l| l == want || (l.contains("://") && l.ends_with(&want))),
        "201 carries Location: /api/v1/links/{code}",
        "want {want:?}, got {location:?}"
    );
    Ok(link)
}

/// A 201 for the create request `body`: a valid created link that keeps the
/// submitted `url` and, when one was asked for, the `code`.
pub fn created_link_for(view: &ResponseView, body: &Value) -> Result<Link, Failure> {
    let link = created_link(view)?;
    if let Some(url) = body.get("url").and_then(Value::as_str) {
        ensure!(
            link.url == url,
            "created link keeps the submitted url",
            "sent {url:?}, got {:?}",
            link.url
        );
    }
    if let Some(code) = body.get("code").and_then(Value::as_str) {
        ensure!(
            link.code == code,
            "created link keeps the requested code",
            "sent {code:?}, got {:?}",
            link.code
        );
    }
    Ok(link)
}

/// A redirect: 302, `Location` equal to the link's URL, `Cache-Control:
/// no-store` (so a browser or proxy cache cannot swallow hits).
pub fn redirect(view: &ResponseView, url: &str) -> Result<(), Failure> {
    status(view, 302)?;
    let location = view.header("location");
    ensure!(
        location == Some(url),
        "redirect Location is the link's url",
        "want {url:?}, got {location:?}"
    );
    let cc = view.header("cache-control").unwrap_or("");
    ensure!(
        cc.split(',')
            .any(|d| d.trim().eq_ignore_ascii_case("no-store")),
        "redirect carries Cache-Control: no-store",
        "got {cc:?}"
    );
    Ok(())
}

/// A 204 with an empty body.
pub fn no_content(view: &ResponseView) -> Result<(), Failure> {
    status(view, 204)?;
    ensure!(
        view.body.is_empty(),
        "204 has an empty body",
        "got {} bytes",
        view.body.len()
    );
    Ok(())
}

/// One page: `{"items":[link...],"next_cursor":string|null}`, at most `limit`
/// items, newest first within the page.
pub fn page(view: &ResponseView, limit: usize) -> Result<Page, Failure> {
    status(view, 200)?;
    json_content_type(view)?;
    let body = view.json()?;
    let items = body
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| Failure::new("page has an items array", format!("body {body}")))?;
    let items = items.iter().map(link).collect::<Result<Vec<_>, _>>()?;
    ensure!(
        items.len() <= limit,
        "a page holds at most `limit` items",
        "limit {limit}, got {}",
        items.len()
    );
    if let Some(w) = items.windows(2).find(|w| w[0].created_at < w[1].created_at) {
        return Err(Failure::new(
            "pages are newest first",
            format!(
                "{} (created_at {}) listed before newer {} (created_at {})",
                w[0].code, w[0].created_at, w[1].code, w[1].created_at
            ),
        ));
    }
    let next_cursor = match body.get("next_cursor") {
        Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        other => {
            return Err(Failure::new(
                "page.next_cursor is a non-empty string or null",
                format!("got {other:?}"),
            ))
        }
    };
    Ok(Page { items, next_cursor })
}

/// Stats: counts are integers, `top` has at most 10 links sorted by hits
/// descending (ties in any order).
pub fn stats(view: &ResponseView) -> Result<Stats, Failure> {
    status(view, 200)?;
    json_content_type(view)?;
    let body = view.json()?;
    let count = |field: &str| {
        body.get(field).and_then(Value::as_u64).ok_or_else(|| {
            Failure::new(
                format!("stats.{field} is a non-negative integer"),
                format!("body {body}"),
            )
        })
    };
    let links = count("links")?;
    let hits = count("hits")?;
    let top = body
        .get("top")
        .and_then(Value::as_array)
        .ok_or_else(|| Failure::new("stats.top is an array", format!("body {body}")))?;
    let top = top.iter().map(link).collect::<Result<Vec<_>, _>>()?;
    ensure!(
        top.len() <= 10,
        "stats.top holds at most 10 links",
        "got {}",
        top.len()
    );
    let hits_seq: Vec<u64> = top.iter().map(|l| l.hits).collect();
    ensure!(
        hits_seq.windows(2).all(|w| w[0] >= w[1]),
        "stats.top is sorted by hits descending",
        "hits in order {hits_seq:?}"
    );
    // No `top.len() <= links` rule: the contract does not promise that the
    // counters and `top` are one snapshot, and concurrent deletes split them.
    Ok(Stats { links, hits, top })
}

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

/// A 405 error whose `Allow` header lists each of `methods`.
pub fn method_not_allowed(view: &ResponseView, methods: &[&str]) -> Result<(), Failure> {
    error(view, 405, "method_not_allowed")?;
    let allow: Vec<String> = view
        .header_all("allow")
        .iter()
        .flat_map(|v| v.split(','))
        .map(|m| m.trim().to_ascii_uppercase())
        .filter(|m| !m.is_empty())
        .collect();
    ensure!(
        !allow.is_empty(),
        "405 carries an Allow header",
        "no Allow header"
    );
    for m in methods {
        ensure!(
            allow.iter().any(|a| a == m),
            "Allow lists the methods the path supports",
            "want {m} in {allow:?}"
        );
    }
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
    for (method, path) in CONTRACT_ENDPOINTS {
        let op = doc
            .get("paths")
            .and_then(|p| p.get(*path))
            .and_then(|p| p.get(method.to_ascii_lowercase()));
        ensure!(
            op.is_some_and(Value::is_object),
            "/openapi.json documents every contract endpoint",
            "missing {method} {path}"
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
    //! Each validator must reject a response that breaks its rule, and the
    //! failure must name that rule: the harness's own discrimination, at unit
    //! level (the faulty-proxy tests prove it end to end).
    use super::*;
    use serde_json::json;

    fn view(status: u16, headers: &[(&str, &str)], body: &str) -> ResponseView {
        ResponseView::new(
            status,
            headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body.as_bytes().to_vec(),
        )
    }

    const JSON_CT: (&str, &str) = ("Content-Type", "application/json");

    fn link_json(code: &str, hits: u64) -> Value {
        json!({
            "code": code, "url": "https://example.org/x", "short_url": format!("http://h/{code}"),
            "hits": hits, "created_at": "2026-11-28T04:05:06Z",
            "last_hit_at": if hits > 0 { json!("2026-11-28T05:00:00Z") } else { Value::Null },
            "expires_at": null,
        })
    }

    #[test]
    fn error_body_rules() {
        let good = r#"{"error":{"status":404,"code":"not_found","message":"no such link"}}"#;
        assert!(error(&view(404, &[JSON_CT], good), 404, "not_found").is_ok());
        let html = view(404, &[("content-type", "text/html")], "<html></html>");
        assert_eq!(
            error(&html, 404, "not_found").unwrap_err().rule,
            "Content-Type is application/json"
        );
        let wrong_status = r#"{"error":{"status":500,"code":"not_found","message":"x"}}"#;
        assert_eq!(
            error(&view(404, &[JSON_CT], wrong_status), 404, "not_found")
                .unwrap_err()
                .rule,
            "error.status equals the HTTP status"
        );
        assert_eq!(
            error(&view(404, &[JSON_CT], good), 404, "gone")
                .unwrap_err()
                .rule,
            "error.code is gone"
        );
        assert_eq!(
            error(&view(500, &[JSON_CT], good), 404, "not_found")
                .unwrap_err()
                .rule,
            "status is 404"
        );
    }

    #[test]
    fn link_shape_rules() {
        assert!(link(&link_json("abc1234", 0)).is_ok());
        let mut missing = link_json("abc1234", 0);
        missing.as_object_mut().unwrap().remove("expires_at");
        assert_eq!(
            link(&missing).unwrap_err().rule,
            "link has field expires_at"
        );
        let mut offset = link_json("abc1234", 0);
        offset["created_at"] = json!("2026-11-28T04:05:06+01:00");
        assert!(link(&offset).unwrap_err().rule.contains("ending in Z"));
        let mut short = link_json("abc1234", 0);
        short["short_url"] = json!("http://h/other");
        assert!(link(&short).unwrap_err().rule.contains("short_url"));
        let mut bad_code = link_json("abc1234", 0);
        bad_code["code"] = json!("a!");
        assert!(link(&bad_code).unwrap_err().rule.contains("link.code"));
    }

    #[test]
    fn redirect_rules() {
        let url = "https://example.org/x";
        let ok = view(302, &[("location", url), ("cache-control", "no-store")], "");
        assert!(redirect(&ok, url).is_ok());
        let moved = view(301, &[("location", url), ("cache-control", "no-store")], "");
        assert_eq!(redirect(&moved, url).unwrap_err().rule, "status is 302");
        let cached = view(302, &[("location", url)], "");
        assert!(redirect(&cached, url)
            .unwrap_err()
            .rule
            .contains("no-store"));
        let elsewhere = view(
            302,
            &[
                ("location", "https://evil.example/"),
                ("cache-control", "no-store"),
            ],
            "",
        );
        assert!(redirect(&elsewhere, url).is_err());
    }

    #[test]
    fn created_needs_location() {
        let body = link_json("abc1234", 0).to_string();
        let ok = view(
            201,
            &[JSON_CT, ("location", "/api/v1/links/abc1234")],
            &body,
        );
        assert!(created_link(&ok).is_ok());
        let missing = view(201, &[JSON_CT], &body);
        assert!(created_link(&missing)
            .unwrap_err()
            .rule
            .contains("Location"));
    }

    #[test]
    fn page_and_stats_rules() {
        let items: Vec<Value> = (0..3).map(|i| link_json(&format!("abc{i}"), 0)).collect();
        let body = json!({ "items": items, "next_cursor": "c" }).to_string();
        assert!(page(&view(200, &[JSON_CT], &body), 3).is_ok());
        assert_eq!(
            page(&view(200, &[JSON_CT], &body), 2).unwrap_err().rule,
            "a page holds at most `limit` items"
        );
        let sorted =
            json!({ "links": 5, "hits": 9, "top": [link_json("aaa", 5), link_json("bbb", 4)] });
        assert!(stats(&view(200, &[JSON_CT], &sorted.to_string())).is_ok());
        let unsorted =
            json!({ "links": 5, "hits": 9, "top": [link_json("aaa", 4), link_json("bbb", 5)] });
        assert_eq!(
            stats(&view(200, &[JSON_CT], &unsorted.to_string()))
                .unwrap_err()
                .rule,
            "stats.top is sorted by hits descending"
        );
    }

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
    fn allow_and_request_id_rules() {
        let body = r#"{"error":{"status":405,"code":"method_not_allowed","message":"no"}}"#;
        let ok = view(405, &[JSON_CT, ("allow", "GET, POST")], body);
        assert!(method_not_allowed(&ok, &["GET", "POST"]).is_ok());
        let no_allow = view(405, &[JSON_CT], body);
        assert!(method_not_allowed(&no_allow, &["GET"]).is_err());
        assert!(request_id(&view(200, &[("x-request-id", "a")], ""), Some("a")).is_ok());
        assert!(request_id(&view(200, &[("x-request-id", "b")], ""), Some("a")).is_err());
        assert!(request_id(&view(200, &[], ""), None).is_err());
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
