//! `Target` (the instance under test and the HTTP client that talks to it),
//! `Request` (a plain request description) and `Ctx` (per-check context:
//! unique codes, link helpers, and the list of links to delete afterwards).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::distributions::Alphanumeric;
use rand::Rng;
use serde_json::{json, Value};

use crate::check::Failure;
use crate::endpoints::{link_path, redirect_path, LINKS};
use crate::ensure;
use crate::validate;
use crate::validate::Link;
use crate::view::ResponseView;

/// The instance under test.
#[derive(Clone, Debug)]
pub struct Target {
    base: String,
    client: reqwest::Client,
}

impl Target {
    /// `base_url` is the instance root (`http://127.0.0.1:8000`); a trailing
    /// slash is dropped so paths join cleanly. Redirects are never followed:
    /// the 302 and its `Location` are what the contract specifies.
    pub fn new(base_url: &str, request_timeout: Duration) -> anyhow::Result<Self> {
        let base = base_url.trim_end_matches('/').to_string();
        anyhow::ensure!(
            base.starts_with("http://") || base.starts_with("https://"),
            "target must be an http:// or https:// URL, got {base_url:?}"
        );
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(request_timeout)
            // Hundreds of concurrent redirects would otherwise leave a large idle
            // pool; a short idle time keeps the socket count of a run bounded.
            .pool_idle_timeout(Duration::from_secs(5))
            .build()?;
        Ok(Self { base, client })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Sends `req` and returns the view. Every request carries a fresh sane
    /// `X-Request-Id` (unless the request opts out), and every response must
    /// echo it: that contract rule is thereby checked on every single call.
    pub async fn send(&self, req: Request) -> Result<ResponseView, Failure> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|e| Failure::new("harness builds the request", e.to_string()))?;
        let url = format!("{}{}", self.base, req.path);
        let mut builder = self.client.request(method, &url);
        let request_id = req.request_id.then(fresh_request_id);
        if let Some(id) = &request_id {
            builder = builder.header("x-request-id", id);
        }
        for (k, v) in &req.headers {
            builder = builder.header(k, v);
        }
        if let Some(body) = req.body {
            builder = builder.body(body);
        }
        let what = format!("{} {}", req.method, req.path);
        let resp = builder.send().await.map_err(|e| {
            Failure::new(
                "server answers the request",
                format!("{what}: {}", error_chain(&e)),
            )
        })?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = resp
            .bytes()
            .await
            .map_err(|e| {
                Failure::new(
                    "server sends a complete body",
                    format!("{what}: {}", error_chain(&e)),
                )
            })?
            .to_vec();
        let view = ResponseView::new(status, headers, body);
        validate::request_id(&view, request_id.as_deref()).map_err(|f| f.context(&what))?;
        Ok(view)
    }
}

/// A request as the catalogue describes it: method, path (with query),
/// extra headers, raw body bytes.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// Whether to send a fresh `X-Request-Id` and demand its echo.
    pub request_id: bool,
}

impl Request {
    pub fn new(method: &str, path: impl Into<String>) -> Self {
        Self {
            method: method.to_string(),
            path: path.into(),
            headers: Vec::new(),
            body: None,
            request_id: true,
        }
    }
    pub fn get(path: impl Into<String>) -> Self {
        Self::new("GET", path)
    }
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new("DELETE", path)
    }
    /// A JSON body with `Content-Type: application/json`.
    pub fn json(self, body: &Value) -> Self {
        self.raw(Some("application/json"), body.to_string().into_bytes())
    }
    /// Arbitrary bytes with an arbitrary (or no) content type: the bad-input
    /// table needs malformed bodies and wrong types that `json` cannot express.
    pub fn raw(mut self, content_type: Option<&str>, body: Vec<u8>) -> Self {
        if let Some(ct) = content_type {
            self.headers.push(("content-type".into(), ct.into()));
        }
        self.body = Some(body);
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// Sends no `X-Request-Id`, to see the server generate one.
    pub fn without_request_id(mut self) -> Self {
        self.request_id = false;
        self
    }
}

/// reqwest's top-level error says only "error sending request"; the cause
/// (refused, timed out, TLS) is in the source chain.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn fresh_request_id() -> String {
    format!("harness-{}", random_alnum(16))
}

/// `n` random base62 characters.
pub fn random_alnum(n: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

/// What one check runs with. Cloning is cheap and clones share the list of
/// created codes, so links made in spawned tasks are cleaned up too.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub target: Target,
    created: Arc<Mutex<Vec<String>>>,
}

impl Ctx {
    pub fn new(target: Target) -> Self {
        Self {
            target,
            created: Arc::default(),
        }
    }

    /// A code unique to this run: `hx` + 10 base62 characters. The prefix keeps
    /// harness links recognisable on a shared instance and can never spell a
    /// reserved word.
    pub fn fresh_code(&self) -> String {
        format!("hx{}", random_alnum(10))
    }

    /// A unique, already-normalised target URL (lower-case host, explicit
    /// path), so the server has no reason to rewrite it and equality holds.
    pub fn fresh_url(&self) -> String {
        format!("https://example.org/harness/{}?q=1", random_alnum(12))
    }

    /// Remembers a code so the runner deletes it after the check.
    pub fn track(&self, code: &str) {
        if let Ok(mut created) = self.created.lock() {
            created.push(code.to_string());
        }
    }

    pub async fn send(&self, req: Request) -> Result<ResponseView, Failure> {
        self.target.send(req).await
    }

    /// POST /api/v1/links; demands a valid 201 and tracks the new code.
    pub async fn create(&self, body: Value) -> Result<Link, Failure> {
        let view = self.send(Request::new("POST", LINKS).json(&body)).await?;
        if view.status == 201 {
            // Track before validating: a malformed 201 still created something.
            if let Ok(v) = view.json() {
                if let Some(code) = v.get("code").and_then(Value::as_str) {
                    self.track(code);
                }
            }
        }
        validate::created_link_for(&view, &body).map_err(|f| f.context("POST /api/v1/links"))
    }

    /// Creates a link to a fresh URL with a generated code.
    pub async fn create_fresh(&self) -> Result<Link, Failure> {
        self.create(json!({ "url": self.fresh_url() })).await
    }

    /// GET /api/v1/links/{code}, unvalidated.
    pub async fn get_link(&self, code: &str) -> Result<ResponseView, Failure> {
        self.send(Request::get(link_path(code))).await
    }

    /// GET /api/v1/links/{code}; demands a 200 with a valid link.
    pub async fn read(&self, code: &str) -> Result<Link, Failure> {
        let view = self.get_link(code).await?;
        validate::link_response(&view, 200)
            .map_err(|f| f.context(&format!("GET /api/v1/links/{code}")))
    }

    /// GET /{code}, unvalidated (the redirect itself is what checks look at).
    pub async fn redirect(&self, code: &str) -> Result<ResponseView, Failure> {
        self.send(Request::get(redirect_path(code))).await
    }

    /// Demands that `code` does not exist: the proof that a rejected request
    /// created nothing.
    pub async fn assert_absent(&self, code: &str) -> Result<(), Failure> {
        let view = self.get_link(code).await?;
        ensure!(
            view.status == 404,
            "a rejected request creates nothing",
            "GET /api/v1/links/{code} after the rejection: {}",
            view.summary()
        );
        Ok(())
    }

    /// Deletes every tracked code, ignoring 404s (the check may have deleted
    /// it already). Bounded: one request per code, each with the client timeout.
    pub async fn cleanup(&self) {
        let codes: Vec<String> = match self.created.lock() {
            Ok(mut created) => std::mem::take(&mut *created),
            Err(_) => return,
        };
        for code in codes {
            let _ = self.target.send(Request::delete(link_path(&code))).await;
        }
    }
}
