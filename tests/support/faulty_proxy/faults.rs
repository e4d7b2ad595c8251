//! The faults: which rule each one breaks, the check that must notice, and
//! how the proxy breaks it on the way through.

use std::sync::Arc;

use serde_json::{json, Value};

use super::{Req, Resp, State};

/// One broken rule each (`PassThrough` breaks none: it proves the proxy
/// itself is faithful, so a caught fault is the fault and not the proxy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    PassThrough,
    /// Answers repeat `GET /{code}` from a cache of Locations, never forwarding.
    HitsNotCounted,
    /// 302 becomes 301.
    Redirect301,
    /// `javascript:` URLs get a fabricated 201 instead of 422.
    AcceptsJavascriptUrl,
    /// DELETE answers 204 without forwarding.
    DeleteDoesNotDelete,
    /// Every list page with two or more items loses its second item.
    PageSkipsItem,
    /// 422 becomes 500.
    ServerErrorFor4xx,
    /// 409 `code_taken` becomes a fabricated 201.
    DuplicateCodeAccepted,
    /// 410 on redirect becomes a 302 to the link's URL.
    ExpiryIgnored,
    /// `stats.top` is reversed.
    StatsUnsorted,
    /// `Location` is stripped from every response.
    MissingLocation,
    /// Every error body becomes an HTML page.
    HtmlErrorBodies,
    /// `limit` is dropped from list queries.
    LimitIgnored,
}

impl Fault {
    /// Every fault that breaks a rule (all but `PassThrough`).
    pub const BROKEN: [Fault; 12] = [
        Fault::HitsNotCounted,
        Fault::Redirect301,
        Fault::AcceptsJavascriptUrl,
        Fault::DeleteDoesNotDelete,
        Fault::PageSkipsItem,
        Fault::ServerErrorFor4xx,
        Fault::DuplicateCodeAccepted,
        Fault::ExpiryIgnored,
        Fault::StatsUnsorted,
        Fault::MissingLocation,
        Fault::HtmlErrorBodies,
        Fault::LimitIgnored,
    ];

    /// The check that owns the broken rule and so must fail (others may too).
    pub fn must_fail(self) -> &'static str {
        match self {
            Fault::PassThrough => "",
            Fault::HitsNotCounted => "redirect.counts_hits_exactly_under_concurrency",
            Fault::Redirect301 => "redirect.found_with_location",
            Fault::AcceptsJavascriptUrl => "links.create.rejects_javascript_url",
            Fault::DeleteDoesNotDelete => "links.delete.removes_link_and_code_is_reusable",
            Fault::PageSkipsItem => "links.list.walk_newest_first_no_gaps",
            Fault::ServerErrorFor4xx => "links.create.rejects_javascript_url",
            Fault::DuplicateCodeAccepted => "links.create.duplicate_code_conflicts",
            Fault::ExpiryIgnored => "redirect.expired_link_gone",
            Fault::StatsUnsorted => "stats.counters_move_exactly",
            Fault::MissingLocation => "links.create.generated_code",
            Fault::HtmlErrorBodies => "links.read.unknown_code_404",
            Fault::LimitIgnored => "links.list.limit_honoured",
        }
    }
}

/// A response the proxy makes up; it still echoes X-Request-Id and is JSON,
/// so the only rule it breaks is the fault's own.
fn fabricate(req: &Req, status: u16, body: Option<Value>) -> Resp {
    let mut headers = vec![(
        "x-request-id".to_string(),
        req.header("x-request-id")
            .unwrap_or("faulty-proxy")
            .to_string(),
    )];
    let body = match body {
        Some(v) => {
            headers.push(("content-type".into(), "application/json".into()));
            v.to_string().into_bytes()
        }
        None => Vec::new(),
    };
    Resp {
        status,
        headers,
        body,
    }
}

fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("zero nanoseconds");
    now.format(&time::format_description::well_known::Rfc3339)
        .expect("format a timestamp")
}

/// A fabricated 201 for a create request that should have been refused.
fn fake_created(state: &State, req: &Req) -> Resp {
    let body: Value = req
        .body
        .as_deref()
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or(Value::Null);
    let code = body
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or("Fake123")
        .to_string();
    let url = body
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let link = json!({
        "code": code, "url": url, "short_url": format!("{}/{code}", state.upstream.base),
        "hits": 0, "created_at": now_rfc3339(), "last_hit_at": null, "expires_at": null,
    });
    let mut resp = fabricate(req, 201, Some(link));
    resp.set_header("location", &format!("/api/v1/links/{code}"));
    resp
}

/// `/{code}`: one path segment that is not an operational route.
fn redirect_code(req: &Req) -> Option<String> {
    let path = req.path().strip_prefix('/')?;
    let fixed = [
        "healthz",
        "readyz",
        "version",
        "metrics",
        "openapi.json",
        "api",
    ];
    (req.method == "GET" && !path.is_empty() && !path.contains('/') && !fixed.contains(&path))
        .then(|| path.to_string())
}

pub(super) async fn handle(state: Arc<State>, mut req: Req) -> Resp {
    let path = req.path().to_string();
    let is_create = req.method == "POST" && path == "/api/v1/links";
    let is_list = req.method == "GET" && path == "/api/v1/links";
    match state.fault {
        Fault::PassThrough => state.upstream.forward(&req).await,
        Fault::HitsNotCounted => {
            let Some(code) = redirect_code(&req) else {
                return state.upstream.forward(&req).await;
            };
            let cached = state
                .locations
                .lock()
                .expect("cache lock")
                .get(&code)
                .cloned();
            if let Some(location) = cached {
                let mut resp = fabricate(&req, 302, None);
                resp.set_header("location", &location);
                resp.set_header("cache-control", "no-store");
                return resp;
            }
            let resp = state.upstream.forward(&req).await;
            if let (302, Some(location)) = (resp.status, resp.header("location")) {
                state
                    .locations
                    .lock()
                    .expect("cache lock")
                    .insert(code, location.to_string());
            }
            resp
        }
        Fault::Redirect301 => {
            let mut resp = state.upstream.forward(&req).await;
            if resp.status == 302 {
                resp.status = 301;
            }
            resp
        }
        Fault::AcceptsJavascriptUrl => {
            let js = req
                .body
                .as_deref()
                .and_then(|b| serde_json::from_slice::<Value>(b).ok())
                .is_some_and(|v| {
                    v.get("url")
                        .and_then(Value::as_str)
                        .is_some_and(|u| u.to_ascii_lowercase().starts_with("javascript:"))
                });
            if is_create && js {
                fake_created(&state, &req)
            } else {
                state.upstream.forward(&req).await
            }
        }
        Fault::DeleteDoesNotDelete if req.method == "DELETE" => fabricate(&req, 204, None),
        Fault::PageSkipsItem if is_list => {
            let mut resp = state.upstream.forward(&req).await;
            if let Some(mut body) = resp.json().filter(|_| resp.status == 200) {
                if let Some(items) = body.get_mut("items").and_then(Value::as_array_mut) {
                    if items.len() >= 2 {
                        items.remove(1);
                    }
                }
                resp.body = body.to_string().into_bytes();
            }
            resp
        }
        Fault::ServerErrorFor4xx => {
            let mut resp = state.upstream.forward(&req).await;
            if resp.status == 422 {
                resp.status = 500;
                resp.body = json!({"error": {"status": 500, "code": "internal", "message": "internal error"}})
                    .to_string()
                    .into_bytes();
            }
            resp
        }
        Fault::DuplicateCodeAccepted if is_create => {
            let resp = state.upstream.forward(&req).await;
            let taken = resp.status == 409
                && resp
                    .json()
                    .is_some_and(|v| v["error"]["code"] == "code_taken");
            if taken {
                fake_created(&state, &req)
            } else {
                resp
            }
        }
        Fault::ExpiryIgnored => {
            let resp = state.upstream.forward(&req).await;
            let Some(code) = redirect_code(&req).filter(|_| resp.status == 410) else {
                return resp;
            };
            let lookup = Req {
                method: "GET".into(),
                target: format!("/api/v1/links/{code}"),
                headers: Vec::new(),
                body: None,
            };
            let link = state
                .upstream
                .forward(&lookup)
                .await
                .json()
                .unwrap_or(Value::Null);
            let mut fake = fabricate(&req, 302, None);
            fake.set_header("location", link["url"].as_str().unwrap_or("/"));
            fake.set_header("cache-control", "no-store");
            fake
        }
        Fault::StatsUnsorted if req.method == "GET" && path == "/api/v1/stats" => {
            let mut resp = state.upstream.forward(&req).await;
            if let Some(mut body) = resp.json() {
                if let Some(top) = body.get_mut("top").and_then(Value::as_array_mut) {
                    top.reverse();
                }
                resp.body = body.to_string().into_bytes();
            }
            resp
        }
        Fault::MissingLocation => {
            let mut resp = state.upstream.forward(&req).await;
            resp.headers
                .retain(|(k, _)| !k.eq_ignore_ascii_case("location"));
            resp
        }
        Fault::HtmlErrorBodies => {
            let mut resp = state.upstream.forward(&req).await;
            if resp.status >= 400 {
                resp.set_header("content-type", "text/html; charset=utf-8");
                resp.body = format!("<html><body><h1>Error {}</h1></body></html>", resp.status)
                    .into_bytes();
            }
            resp
        }
        Fault::LimitIgnored if is_list => {
            if let Some((path, query)) = req.target.split_once('?') {
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|p| !p.starts_with("limit="))
                    .collect();
                req.target = if kept.is_empty() {
                    path.to_string()
                } else {
                    format!("{path}?{}", kept.join("&"))
                };
            }
            state.upstream.forward(&req).await
        }
        Fault::DeleteDoesNotDelete
        | Fault::PageSkipsItem
        | Fault::DuplicateCodeAccepted
        | Fault::StatsUnsorted
        | Fault::LimitIgnored => state.upstream.forward(&req).await,
    }
}
