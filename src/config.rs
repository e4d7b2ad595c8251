//! Typed settings, read once from the Rocket figment (Rocket.toml profile + `ROCKET_*` env).

use std::time::Duration;

use rocket::figment::{providers::Serialized, Figment};
use serde::Deserialize;

use crate::keys::ApiKey;
use crate::store::Backend;

/// The service's own keys, beside Rocket's (`address`, `port`, `databases`, …).
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Which store to run. The shipped profiles set it; with no Rocket.toml at
    /// all, a profile named after a backend (`ROCKET_PROFILE=mysql`) picks it.
    #[serde(default = "default_backend")]
    pub backend: Backend,
    /// Base of `short_url` (e.g. `https://sho.rt`). Unset: built from the request's Host.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Upper bound on any one store call. A database that stops answering costs a
    /// client at most this long before a 503, never a hung request.
    #[serde(default = "default_store_timeout_ms")]
    pub store_timeout_ms: u64,
    /// `durable` (default): a 302 leaves once its hit is committed.
    /// `buffered`: hits are held in memory and written every
    /// `hits_flush_ms`; a SIGKILL loses at most one window of them.
    #[serde(default)]
    pub hits: HitsMode,
    #[serde(default = "default_hits_flush_ms")]
    pub hits_flush_ms: u64,
    /// A bootstrap admin key (`ROCKET_ADMIN_KEY`), stored at start-up when its
    /// id is new: how the memory backend, which `shortlink keys` cannot
    /// reach, gets a first key. Prefer `admin_key_file`: an environment is
    /// easier to leak than a 0600 file.
    #[serde(default)]
    pub admin_key: Option<Redacted>,
    /// A file holding the bootstrap admin key (`ROCKET_ADMIN_KEY_FILE`).
    #[serde(default)]
    pub admin_key_file: Option<std::path::PathBuf>,
}

/// A setting that must never be printed: its `Debug` shows a placeholder, so
/// `Settings` can be logged whole.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Redacted(pub String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

fn default_backend() -> Backend {
    Backend::Sqlite
}

fn default_store_timeout_ms() -> u64 {
    5_000
}

fn default_hits_flush_ms() -> u64 {
    1_000
}

/// How redirects count their hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HitsMode {
    #[default]
    Durable,
    Buffered,
}

impl Settings {
    pub fn from_figment(figment: &Figment) -> Result<Settings, Box<rocket::figment::Error>> {
        let mut settings: Settings = figment.extract().map_err(Box::new)?;
        if figment.find_value("backend").is_err() {
            let profile = figment.profile().as_str().as_str().to_ascii_lowercase();
            if let Ok(backend) = serde_json::from_value(serde_json::Value::String(profile)) {
                settings.backend = backend;
            }
        }
        Ok(settings)
    }

    pub fn store_timeout(&self) -> Duration {
        Duration::from_millis(self.store_timeout_ms)
    }

    /// The buffered mode's flush interval, never under 10 ms.
    pub fn hits_flush(&self) -> Duration {
        Duration::from_millis(self.hits_flush_ms.max(10))
    }

    /// The bootstrap admin key, from the file when one is named; `Ok(None)`
    /// when neither setting is given. Errors never quote the value.
    pub fn bootstrap_key(&self) -> anyhow::Result<Option<ApiKey>> {
        let raw = match (&self.admin_key_file, &self.admin_key) {
            (Some(path), _) => std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("admin_key_file {}: {e}", path.display()))?,
            (None, Some(key)) => key.0.clone(),
            (None, None) => return Ok(None),
        };
        ApiKey::parse(raw.trim()).map(Some).ok_or_else(|| {
            anyhow::anyhow!("the bootstrap admin key is not in the sl_<id>_<secret> format")
        })
    }
}

/// The `databases.<name>` section for a backend, with the defaults
/// rocket_db_pools applies when it attaches a pool itself.
pub fn database_figment(figment: &Figment, backend: Backend, workers: usize) -> Figment {
    figment
        .focus(&format!("databases.{}", backend.name()))
        .join(Serialized::default("max_connections", workers * 4))
        .join(Serialized::default("connect_timeout", 5))
        .join(Serialized::default("url", default_url(backend)))
}

/// Where a backend points when no configuration names a database: the SQLite
/// file of a fresh checkout, and the MySQL and PostgreSQL databases the Ansible roles create.
fn default_url(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite://data/shortlink.db",
        Backend::Mysql => "mysql://shortlink@127.0.0.1:3306/shortlink",
        Backend::Postgres => "postgres://shortlink@127.0.0.1:5432/shortlink",
        Backend::Memory => "",
    }
}
