//! A reverse proxy that turns a correct server into one that breaks the
//! authentication rules, to prove the harness notices (the auth faults; the
//! other faults are `faulty_proxy`'s). It knows the admin key and
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
//! The HTTP/1.1 plumbing is `proxy_http`'s, with no connection limits (as
//! this proxy always had): a connection lives until the client closes it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::proxy_http::{self, Listener, Req, Resp, Upstream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFault {
    PassThrough,
    IgnoresOwnership,
    AcceptsAnyKey,
    KeyCreatedAs200,
}

/// A running proxy; stops accepting when dropped.
pub struct AuthProxy {
    pub base_url: String,
    state: Arc<State>,
    _listener: Listener,
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

struct State {
    upstream: Upstream,
    fault: AuthFault,
    admin: String,
    /// Live keys the proxy saw created: secret -> role.
    live: Mutex<HashMap<String, String>>,
    seen: Mutex<HashMap<(String, String), u64>>,
}

/// Starts a proxy on a free loopback port in front of `upstream`.
pub async fn start(upstream: &str, admin_key: &str, fault: AuthFault) -> AuthProxy {
    let state = Arc::new(State {
        upstream: Upstream::new(upstream, "auth proxy"),
        fault,
        admin: admin_key.to_string(),
        live: Mutex::new(HashMap::new()),
        seen: Mutex::new(HashMap::new()),
    });
    let listener = proxy_http::listen(proxy_http::UNBOUNDED, state.clone(), handle).await;
    AuthProxy {
        base_url: listener.base_url.clone(),
        state,
        _listener: listener,
    }
}

/// The presented Bearer key, if the header is `Bearer <key>` in any case.
fn bearer(value: Option<&str>) -> Option<&str> {
    let (scheme, key) = value?.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(key)
}

async fn handle(state: Arc<State>, mut req: Req) -> Resp {
    let path = req.path().to_string();
    let under_api = path.starts_with("/api/v1/") || path == "/api/v1";
    let presented = bearer(req.header("authorization")).map(str::to_string);
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
    let credential = match (req.header("authorization"), role.as_deref()) {
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
            req.set_header("authorization", &admin)
        }
        AuthFault::AcceptsAnyKey if under_api && role.is_none() => {
            req.set_header("authorization", &admin)
        }
        _ => {}
    }
    let mut resp = state.upstream.forward(&req).await;
    learn(&state, &req, &resp);
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
