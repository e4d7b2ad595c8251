//! A reverse proxy that turns a correct server into one that breaks the
//! authentication rules, to prove the harness notices (the auth faults; the
//! other faults are `support::faulty_proxy`'s). It knows the admin key and
//! learns the keys the harness creates and revokes from the answers that go
//! through it, so it can rewrite credentials the way a broken server would
//! treat them:
//!
//! - `IgnoresOwnership`: a live author key on `/api/v1/links…` or
//!   `/api/v1/stats` is swapped for the admin key: a server that
//!   authenticates but never scopes a query to the caller's links.
//! - `AcceptsAnyKey`: a request under `/api/v1` without a live key (none,
//!   another scheme, malformed, unknown, revoked) gets the admin key: a
//!   server that lets anyone in.
//! - `KeyCreatedAs200`: a key creation's 201 becomes a 200, so the harness's
//!   failure detail quotes the body, secret and all (the redaction test).
//!
//! Whatever the fault, it counts which kind of key each kind of request
//! presented ([`AuthProxy::seen`]), so a test can see who sent what.
//!
//! HTTP/1.1 over raw tokio TCP (request line, headers, `Content-Length`
//! bodies, keep-alive), forwarded with reqwest: the harness's client is the
//! only one it must serve.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFault {
    PassThrough,
    IgnoresOwnership,
    AcceptsAnyKey,
    KeyCreatedAs200,
}

/// A running proxy; aborted on drop.
pub struct AuthProxy {
    pub base_url: String,
    state: Arc<State>,
    accept: JoinHandle<()>,
}

impl AuthProxy {
    /// How many requests of each kind (`redirect`, `links`, `stats`, `keys`,
    /// `other`) presented each kind of credential (`none`, `admin`,
    /// `author`, `other`), as the request arrived, before any fault.
    pub fn seen(&self) -> HashMap<(String, String), u64> {
        self.state.seen.lock().expect("seen lock").clone()
    }

    /// `seen()` for one kind of request and credential.
    pub fn count(&self, request: &str, credential: &str) -> u64 {
        let seen = self.seen();
        seen.get(&(request.to_string(), credential.to_string()))
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for AuthProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

struct State {
    upstream: String,
    fault: AuthFault,
    admin: String,
    client: reqwest::Client,
    /// Live keys the proxy saw created: secret -> role.
    live: Mutex<HashMap<String, String>>,
    seen: Mutex<HashMap<(String, String), u64>>,
}

/// Starts a proxy on a free loopback port in front of `upstream`.
pub async fn start(upstream: &str, admin_key: &str, fault: AuthFault) -> AuthProxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let state = Arc::new(State {
        upstream: upstream.trim_end_matches('/').to_string(),
        fault,
        admin: admin_key.to_string(),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("proxy client"),
        live: Mutex::new(HashMap::new()),
        seen: Mutex::new(HashMap::new()),
    });
    let accept_state = state.clone();
    let accept = tokio::spawn(async move {
        let state = accept_state;
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, state.clone()));
        }
    });
    AuthProxy {
        base_url: format!("http://127.0.0.1:{port}"),
        state,
        accept,
    }
}

struct Req {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Req {
    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
    fn authorization(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.as_str())
    }
    fn set_authorization(&mut self, value: String) {
        self.headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
        self.headers.push(("authorization".into(), value));
    }
}

async fn serve(stream: TcpStream, state: Arc<State>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    while let Some(req) = read_request(&mut reader).await {
        let resp = handle(&state, req).await;
        if write_response(&mut write, &resp).await.is_err() {
            return;
        }
    }
}

/// The presented Bearer key, if the header is `Bearer <key>` in any case.
fn bearer(value: Option<&str>) -> Option<&str> {
    let (scheme, key) = value?.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(key)
}

async fn handle(state: &State, mut req: Req) -> Resp {
    let path = req.path().to_string();
    let under_api = path.starts_with("/api/v1/") || path == "/api/v1";
    let presented = bearer(req.authorization()).map(str::to_string);
    let role = {
        let live = state.live.lock().expect("keys lock");
        match &presented {
            Some(k) if *k == state.admin => Some("admin".to_string()),
            Some(k) => live.get(k).cloned(),
            None => None,
        }
    };
    let kind = match path.as_str() {
        p if p.starts_with("/api/v1/links") => "links",
        "/api/v1/stats" => "stats",
        p if p.starts_with("/api/v1/keys") => "keys",
        "/healthz" | "/readyz" | "/version" | "/metrics" | "/openapi.json" => "other",
        p if p.len() > 1 && !p[1..].contains('/') => "redirect",
        _ => "other",
    };
    let credential = match (req.authorization(), role.as_deref()) {
        (None, _) => "none",
        (Some(_), Some(role)) => role,
        (Some(_), None) => "other",
    };
    *state
        .seen
        .lock()
        .expect("seen lock")
        .entry((kind.to_string(), credential.to_string()))
        .or_default() += 1;
    let admin = format!("Bearer {}", state.admin);
    match state.fault {
        AuthFault::IgnoresOwnership
            if role.as_deref() == Some("author")
                && (path.starts_with("/api/v1/links") || path == "/api/v1/stats") =>
        {
            req.set_authorization(admin)
        }
        AuthFault::AcceptsAnyKey if under_api && role.is_none() => req.set_authorization(admin),
        _ => {}
    }
    let mut resp = forward(state, &req).await;
    learn(state, &req, &resp);
    if state.fault == AuthFault::KeyCreatedAs200
        && req.method == "POST"
        && path == "/api/v1/keys"
        && resp.status == 201
    {
        resp.status = 200;
    }
    resp
}

/// Remembers keys created (secret and role) and forgets revoked ones.
fn learn(state: &State, req: &Req, resp: &Resp) {
    let path = req.path();
    let mut live = state.live.lock().expect("keys lock");
    if req.method == "POST" && path == "/api/v1/keys" && resp.status == 201 {
        let body: Value = serde_json::from_slice(&resp.body).unwrap_or_default();
        if let (Some(secret), Some(role)) = (body["secret"].as_str(), body["role"].as_str()) {
            live.insert(secret.to_string(), role.to_string());
        }
    }
    if let (true, Some(id), 204) = (
        req.method == "DELETE",
        path.strip_prefix("/api/v1/keys/"),
        resp.status,
    ) {
        live.retain(|secret, _| !secret.starts_with(&format!("sl_{id}_")));
    }
}

async fn read_request(reader: &mut BufReader<OwnedReadHalf>) -> Option<Req> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            if lines.is_empty() {
                continue;
            }
            break;
        }
        lines.push(line);
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
        Some(n) => {
            let mut body = vec![0; n];
            reader.read_exact(&mut body).await.ok()?;
            Some(body)
        }
        None => None,
    };
    Some(Req {
        method,
        target,
        headers,
        body,
    })
}

async fn write_response(write: &mut OwnedWriteHalf, resp: &Resp) -> std::io::Result<()> {
    let mut out = format!("HTTP/1.1 {} X\r\n", resp.status).into_bytes();
    for (k, v) in &resp.headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", resp.body.len()).as_bytes());
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
            .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
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
        body: format!("auth proxy: upstream error {e}").into_bytes(),
    })
}
