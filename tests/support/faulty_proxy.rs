//! A reverse proxy that breaks one contract rule at a time, put in front of a
//! correct server to prove the harness notices (owned by the harness work).
//!
//! It speaks just enough HTTP/1.1 over raw tokio TCP (request line, headers,
//! `Content-Length` bodies, keep-alive) and forwards with reqwest, so it needs
//! no HTTP server crate. The harness client is the only one it must serve.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

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

/// A running proxy; aborted on drop.
pub struct FaultyProxy {
    pub base_url: String,
    accept: JoinHandle<()>,
}

impl Drop for FaultyProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

struct State {
    upstream: String,
    fault: Fault,
    client: reqwest::Client,
    /// HitsNotCounted: code -> Location learnt from the first real redirect.
    locations: Mutex<HashMap<String, String>>,
}

/// Starts a proxy on a free loopback port in front of `upstream`
/// (`http://127.0.0.1:PORT`).
pub async fn start(upstream: &str, fault: Fault) -> FaultyProxy {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind proxy port");
    let port = listener.local_addr().expect("proxy address").port();
    let state = Arc::new(State {
        upstream: upstream.trim_end_matches('/').to_string(),
        fault,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("proxy client"),
        locations: Mutex::new(HashMap::new()),
    });
    let accept = tokio::spawn(async move {
        // Ends when the proxy is dropped (abort); each connection task ends
        // when its client closes or after MAX_REQUESTS_PER_CONNECTION.
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, state.clone()));
        }
    });
    FaultyProxy {
        base_url: format!("http://127.0.0.1:{port}"),
        accept,
    }
}

const MAX_REQUESTS_PER_CONNECTION: usize = 10_000;
const MAX_HEAD_BYTES: usize = 64 * 1024;
const MAX_BODY_BYTES: usize = 1024 * 1024;

struct Req {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
    }
    fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

async fn serve(stream: TcpStream, state: Arc<State>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    for _ in 0..MAX_REQUESTS_PER_CONNECTION {
        let Some(req) = read_request(&mut reader).await else {
            return;
        };
        let close = req
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let resp = handle(&state, req).await;
        if write_response(&mut write, &resp, close).await.is_err() || close {
            return;
        }
    }
}

async fn read_request(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Option<Req> {
    let mut head = Vec::new();
    let mut lines = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = reader.read_until(b'\n', &mut line).await.ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(&line);
        if head.len() > MAX_HEAD_BYTES {
            return None;
        }
        let text = String::from_utf8_lossy(&line)
            .trim_end_matches(['\r', '\n'])
            .to_string();
        if text.is_empty() {
            if lines.is_empty() {
                continue; // tolerate stray CRLF between requests
            }
            break;
        }
        lines.push(text);
    }
    let mut parts = lines[0].split(' ');
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let headers: Vec<(String, String)> = lines[1..]
        .iter()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let body = match length {
        Some(n) if n <= MAX_BODY_BYTES => {
            let mut body = vec![0; n];
            reader.read_exact(&mut body).await.ok()?;
            Some(body)
        }
        Some(_) => return None,
        None => None,
    };
    Some(Req {
        method,
        target,
        headers,
        body,
    })
}

async fn write_response(
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    resp: &Resp,
    close: bool,
) -> std::io::Result<()> {
    let mut out = format!("HTTP/1.1 {} X\r\n", resp.status).into_bytes();
    for (k, v) in &resp.headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("content-length: {}\r\n", resp.body.len()).as_bytes());
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&resp.body);
    write.write_all(&out).await?;
    write.flush().await
}

const HOP_BY_HOP: &[&str] = &[
    "host",
    "connection",
    "keep-alive",
    "content-length",
    "transfer-encoding",
];

async fn forward(state: &State, req: &Req) -> Resp {
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut builder = state
        .client
        .request(method, format!("{}{}", state.upstream, req.target));
    for (k, v) in &req.headers {
        if !HOP_BY_HOP.iter().any(|h| k.eq_ignore_ascii_case(h)) {
            builder = builder.header(k, v);
        }
    }
    if let Some(body) = &req.body {
        builder = builder.body(body.clone());
    }
    let result = async {
        let resp = builder.send().await?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter(|(k, _)| !HOP_BY_HOP.contains(&k.as_str()))
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = resp.bytes().await?.to_vec();
        Ok::<_, reqwest::Error>(Resp {
            status,
            headers,
            body,
        })
    }
    .await;
    result.unwrap_or_else(|e| Resp {
        status: 502,
        headers: vec![("content-type".into(), "text/plain".into())],
        body: format!("faulty proxy: upstream error {e}").into_bytes(),
    })
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
        "code": code, "url": url, "short_url": format!("{}/{code}", state.upstream),
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

async fn handle(state: &State, mut req: Req) -> Resp {
    let path = req.path().to_string();
    let is_create = req.method == "POST" && path == "/api/v1/links";
    let is_list = req.method == "GET" && path == "/api/v1/links";
    match state.fault {
        Fault::PassThrough => forward(state, &req).await,
        Fault::HitsNotCounted => {
            let Some(code) = redirect_code(&req) else {
                return forward(state, &req).await;
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
            let resp = forward(state, &req).await;
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
            let mut resp = forward(state, &req).await;
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
                fake_created(state, &req)
            } else {
                forward(state, &req).await
            }
        }
        Fault::DeleteDoesNotDelete if req.method == "DELETE" => fabricate(&req, 204, None),
        Fault::PageSkipsItem if is_list => {
            let mut resp = forward(state, &req).await;
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
            let mut resp = forward(state, &req).await;
            if resp.status == 422 {
                resp.status = 500;
                resp.body = json!({"error": {"status": 500, "code": "internal", "message": "internal error"}})
                    .to_string()
                    .into_bytes();
            }
            resp
        }
        Fault::DuplicateCodeAccepted if is_create => {
            let resp = forward(state, &req).await;
            let taken = resp.status == 409
                && resp
                    .json()
                    .is_some_and(|v| v["error"]["code"] == "code_taken");
            if taken {
                fake_created(state, &req)
            } else {
                resp
            }
        }
        Fault::ExpiryIgnored => {
            let resp = forward(state, &req).await;
            let Some(code) = redirect_code(&req).filter(|_| resp.status == 410) else {
                return resp;
            };
            let lookup = Req {
                method: "GET".into(),
                target: format!("/api/v1/links/{code}"),
                headers: Vec::new(),
                body: None,
            };
            let link = forward(state, &lookup).await.json().unwrap_or(Value::Null);
            let mut fake = fabricate(&req, 302, None);
            fake.set_header("location", link["url"].as_str().unwrap_or("/"));
            fake.set_header("cache-control", "no-store");
            fake
        }
        Fault::StatsUnsorted if req.method == "GET" && path == "/api/v1/stats" => {
            let mut resp = forward(state, &req).await;
            if let Some(mut body) = resp.json() {
                if let Some(top) = body.get_mut("top").and_then(Value::as_array_mut) {
                    top.reverse();
                }
                resp.body = body.to_string().into_bytes();
            }
            resp
        }
        Fault::MissingLocation => {
            let mut resp = forward(state, &req).await;
            resp.headers
                .retain(|(k, _)| !k.eq_ignore_ascii_case("location"));
            resp
        }
        Fault::HtmlErrorBodies => {
            let mut resp = forward(state, &req).await;
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
            forward(state, &req).await
        }
        Fault::DeleteDoesNotDelete
        | Fault::PageSkipsItem
        | Fault::DuplicateCodeAccepted
        | Fault::StatsUnsorted
        | Fault::LimitIgnored => forward(state, &req).await,
    }
}
