//! `Ctx`, what one check runs with: the target, unique codes, link and key
//! helpers, the key the check acts as, and the list of links and keys to
//! delete and revoke afterwards.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::apikey::{under_api, ApiKey, Auth};
use crate::check::Failure;
use crate::endpoints::{key_path, link_path, redirect_path, KEYS, LINKS};
use crate::ensure;
use crate::target::{random_alnum, Request, Target};
use crate::validate::{self, Link, NewKey};
use crate::view::ResponseView;

/// What one check runs with. Cloning is cheap and clones share the lists of
/// created codes and keys, so links made in spawned tasks, or acting as
/// another key, are cleaned up too.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub target: Target,
    created: Arc<Mutex<Vec<String>>>,
    /// Ids of the keys this check created, revoked after it.
    keys: Arc<Mutex<Vec<String>>>,
    /// The key `/api/v1` requests present instead of the run's admin key.
    acting: Option<ApiKey>,
}

impl Ctx {
    pub fn new(target: Target) -> Self {
        Self {
            target,
            created: Arc::default(),
            keys: Arc::default(),
            acting: None,
        }
    }

    /// The same check acting as `key`: its `/api/v1` requests present that
    /// key; what it creates is still cleaned up (with the admin key).
    pub fn acting_as(&self, key: &ApiKey) -> Ctx {
        Ctx {
            acting: Some(key.clone()),
            ..self.clone()
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

    /// Remembers a key id so the runner revokes it after the check.
    pub fn track_key(&self, id: &str) {
        if let Ok(mut keys) = self.keys.lock() {
            keys.push(id.to_string());
        }
    }

    /// Sends `req`, presenting the acting key under `/api/v1` if there is one.
    pub async fn send(&self, mut req: Request) -> Result<ResponseView, Failure> {
        if let (Auth::Default, Some(key)) = (&req.auth, &self.acting) {
            if under_api(&req.path) {
                req.auth = Auth::Key(key.clone());
            }
        }
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

    /// POST /api/v1/keys with the run's admin key; demands a valid 201 and
    /// tracks the key for revocation. The name marks harness keys on a
    /// shared instance.
    pub async fn create_key(&self, role: &str) -> Result<NewKey, Failure> {
        let name = format!("shortlink-harness {}", random_alnum(8));
        let body = json!({ "name": name, "role": role });
        let view = self
            .target
            .send(Request::new("POST", KEYS).json(&body))
            .await?;
        self.note_created_key(&view);
        validate::created_key(&view, &name, role).map_err(|f| f.context("POST /api/v1/keys"))
    }

    /// Whatever key a response created (even one failing its checks): its
    /// secret is remembered for redaction, its id for revocation.
    pub fn note_created_key(&self, view: &ResponseView) {
        if view.status / 100 != 2 {
            return;
        }
        let Ok(body) = view.json() else { return };
        if let Some(secret) = body.get("secret").and_then(Value::as_str) {
            self.target.remember_secret(secret);
        }
        if let Some(id) = body.get("id").and_then(Value::as_str) {
            self.track_key(id);
        }
    }

    /// A new author key, and this check acting as it.
    pub async fn author(&self) -> Result<(NewKey, Ctx), Failure> {
        let key = self.create_key("author").await?;
        let ctx = self.acting_as(&key.key);
        Ok((key, ctx))
    }

    /// DELETE /api/v1/keys/{id} with the run's admin key; demands 204.
    pub async fn revoke(&self, id: &str) -> Result<(), Failure> {
        let view = self.target.send(Request::delete(key_path(id))).await?;
        validate::no_content(&view).map_err(|f| f.context("DELETE /api/v1/keys/{id}"))
    }

    /// A key that existed and was revoked: it must be refused from now on.
    pub async fn revoked_key(&self) -> Result<ApiKey, Failure> {
        let key = self.create_key("author").await?;
        self.revoke(&key.id).await?;
        Ok(key.key)
    }

    /// Deletes every tracked code, then revokes every tracked key, with the
    /// run's admin key, ignoring 404s (the check may have done it already).
    /// Bounded: one request each, each with the client timeout. Runs after
    /// every check, passed or failed.
    pub async fn cleanup(&self) {
        let codes: Vec<String> = match self.created.lock() {
            Ok(mut created) => std::mem::take(&mut *created),
            Err(_) => Vec::new(),
        };
        for code in codes {
            let _ = self.target.send(Request::delete(link_path(&code))).await;
        }
        let keys: Vec<String> = match self.keys.lock() {
            Ok(mut keys) => std::mem::take(&mut *keys),
            Err(_) => Vec::new(),
        };
        for id in keys {
            let _ = self.target.send(Request::delete(key_path(&id))).await;
        }
    }
}
