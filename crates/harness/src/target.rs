//! `Target` (the instance under test, the HTTP client that talks to it and
//! the key it presents) and `Request` (a plain request description). The
//! per-check context, `Ctx`, lives in [`crate::ctx`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde_json::Value;

use crate::apikey::{self, under_api, ApiKey, Auth};
use crate::check::Failure;
use crate::endpoints::KEYS;
use crate::validate;
use crate::view::ResponseView;

pub use crate::ctx::Ctx;

/// How to reach an instance: the time limit of one request, the admin key
/// for `/api/v1`, and a CA to trust for `https://` targets.
#[derive(Clone, Debug)]
pub struct TargetConfig {
    pub timeout: Duration,
    pub api_key: Option<ApiKey>,
    /// A PEM file (one certificate or a bundle) added to the client's trust
    /// roots: the lab's own CA. Verification is never switched off.
    pub ca_cert: Option<PathBuf>,
}

impl TargetConfig {
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            api_key: None,
            ca_cert: None,
        }
    }
}

/// The instance under test.
#[derive(Clone)]
pub struct Target {
    base: String,
    client: reqwest::Client,
    key: Option<ApiKey>,
    /// Every key this run has held (its own, those its checks created):
    /// [`Target::redact`] takes them out of any text before it is shown.
    /// Shared by clones, so keys made inside a check are known to the runner.
    secrets: Arc<Mutex<Vec<String>>>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("base", &self.base)
            .field("api_key", &self.key)
            .finish_non_exhaustive()
    }
}

/// The certificates of a PEM file, for a client's trust roots.
pub fn load_ca_cert(path: &Path) -> anyhow::Result<Vec<reqwest::Certificate>> {
    let pem = std::fs::read(path).with_context(|| format!("read --ca-cert {}", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .with_context(|| format!("--ca-cert {} is not PEM", path.display()))?;
    anyhow::ensure!(
        !certs.is_empty(),
        "--ca-cert {} holds no certificate",
        path.display()
    );
    Ok(certs)
}

impl Target {
    /// `base_url` is the instance root (`http://127.0.0.1:8000`); a trailing
    /// slash is dropped so paths join cleanly. No key: only the public
    /// endpoints answer (see [`Target::connect`]).
    pub fn new(base_url: &str, request_timeout: Duration) -> anyhow::Result<Self> {
        Self::connect(base_url, &TargetConfig::new(request_timeout))
    }

    /// A target with a key and a trusted CA. Redirects are never followed:
    /// the 302 and its `Location` are what the contract specifies.
    pub fn connect(base_url: &str, config: &TargetConfig) -> anyhow::Result<Self> {
        let base = base_url.trim_end_matches('/').to_string();
        anyhow::ensure!(
            base.starts_with("http://") || base.starts_with("https://"),
            "target must be an http:// or https:// URL, got {base_url:?}"
        );
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            // Hundreds of concurrent redirects would otherwise leave a large idle
            // pool; a short idle time keeps the socket count of a run bounded.
            .pool_idle_timeout(Duration::from_secs(5));
        if let Some(path) = &config.ca_cert {
            builder = builder.tls_certs_merge(load_ca_cert(path)?);
        }
        let target = Self {
            base,
            client: builder.build()?,
            key: None,
            secrets: Arc::default(),
        };
        Ok(target.with_api_key(config.api_key.clone()))
    }

    /// The same target presenting `key` (an admin key) under `/api/v1`.
    pub fn with_api_key(mut self, key: Option<ApiKey>) -> Self {
        if let Some(k) = &key {
            self.remember_secret(k.expose());
        }
        self.key = key;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The run's key, if it was given one.
    pub fn api_key(&self) -> Option<&ApiKey> {
        self.key.as_ref()
    }

    /// Remembers a key so that [`Target::redact`] takes it out of text.
    pub fn remember_secret(&self, secret: &str) {
        if let Ok(mut s) = self.secrets.lock() {
            if !s.iter().any(|k| k == secret) {
                s.push(secret.to_string());
            }
        }
    }

    /// `text` without any key this run has held, nor anything shaped like
    /// a key ([`apikey::redact`]).
    pub fn redact(&self, text: &str) -> String {
        let known = self.secrets.lock().map(|s| s.clone()).unwrap_or_default();
        apikey::redact(text, &known)
    }

    /// The `Authorization` value `req` carries, if any: the run's key under
    /// `/api/v1` by default. A default request under `/api/v1` without a
    /// run key fails here, naming the option, instead of drawing a 401.
    fn authorization(&self, req: &Request) -> Result<Option<String>, Failure> {
        Ok(match &req.auth {
            Auth::Default if under_api(&req.path) => match &self.key {
                Some(k) => Some(k.bearer()),
                None => {
                    return Err(Failure::new(
                        "the harness is given an admin key",
                        format!("{} {} needs one; {}", req.method, req.path, apikey::MISSING),
                    ))
                }
            },
            Auth::Default | Auth::None => None,
            Auth::Key(k) => Some(k.bearer()),
            Auth::Raw(v) => Some(v.clone()),
        })
    }

    /// Whether the run's key is an admin key the server takes, asked before a
    /// run: the catalogue's ownership checks and the load test's integrators
    /// create author keys with it, so a run without it would only fail, one
    /// confusing 401 or 403 at a time. Other answers (an old server, a proxy
    /// error) are left to the checks to report. The message never holds the key.
    pub async fn check_admin_key(&self) -> Result<(), String> {
        let Some(key) = self.api_key() else {
            return Err(apikey::MISSING.to_string());
        };
        if !key.is_well_formed() {
            return Err(
                "the key given by --api-key or SHORTLINK_API_KEY is not a shortlink API key \
                 (sl_ + 12 base62 + _ + 43 base64url characters)"
                    .to_string(),
            );
        }
        match self.send(Request::get(KEYS)).await {
            Ok(view) if view.status == 401 => Err(format!(
                "the server refused the key given by --api-key or SHORTLINK_API_KEY \
                 (GET {KEYS}: 401, the key is unknown or revoked there)"
            )),
            Ok(view) if view.status == 403 => Err(format!(
                "the key given by --api-key or SHORTLINK_API_KEY is not an admin key \
                 (GET {KEYS}: 403); author keys are created with it"
            )),
            _ => Ok(()),
        }
    }

    /// Sends `req` and returns the view. Every request carries a fresh sane
    /// `X-Request-Id` (unless the request opts out), and every response must
    /// echo it: that contract rule is thereby checked on every single call.
    pub async fn send(&self, req: Request) -> Result<ResponseView, Failure> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|e| Failure::new("harness builds the request", e.to_string()))?;
        let url = format!("{}{}", self.base, req.path);
        let mut builder = self.client.request(method, &url);
        if let Some(value) = self.authorization(&req)? {
            // Sensitive: kept out of every Debug of the request (and so of
            // any log that prints one).
            let mut value = reqwest::header::HeaderValue::from_str(&value).map_err(|_| {
                Failure::new(
                    "harness builds the request",
                    "the API key is not a valid header value",
                )
            })?;
            value.set_sensitive(true);
            builder = builder.header(reqwest::header::AUTHORIZATION, value);
        }
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
    /// Which credentials it carries.
    pub auth: Auth,
}

impl Request {
    pub fn new(method: &str, path: impl Into<String>) -> Self {
        Self {
            method: method.to_string(),
            path: path.into(),
            headers: Vec::new(),
            body: None,
            request_id: true,
            auth: Auth::Default,
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
    /// Carries `auth` instead of the default credentials.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
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
