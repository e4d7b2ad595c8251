//! Builds the Rocket: reads settings, opens the chosen store, mounts the routes.

use std::sync::Arc;

use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::{Build, Rocket};
use rocket_db_pools::Pool;

use crate::config::{database_figment, HitsMode, Settings};
use crate::domain::now;
use crate::http::{self, App};
use crate::keys::{KeyRecord, Role};
use crate::store::hit_buffer::HitBuffer;
use crate::store::{
    mask_password, Backend, MemoryStore, MySqlStore, PostgresStore, SqliteStore, Store,
};
use crate::telemetry::Metrics;

/// The whole service, configured by `figment` (normally `rocket::Config::figment()`).
pub fn build(figment: Figment) -> Rocket<Build> {
    rocket::custom(figment)
        .manage(Metrics::for_routes(&http::routes()))
        .attach(http::context::Context)
        .attach(AdHoc::try_on_ignite("storage", open_store))
        .attach(AdHoc::on_liftoff("announce", |rocket| {
            Box::pin(async move {
                let backend = rocket
                    .state::<App>()
                    .map(|a| a.store.backend().name())
                    .unwrap_or("?");
                let c = rocket.config();
                tracing::info!(backend, address = %c.address, port = c.port, "shortlink listening");
            })
        }))
        .mount("/", http::routes())
        .register("/", http::catchers::catchers())
}

/// Closes the store's pool once Rocket has finished serving. Not an
/// `on_shutdown` fairing: those run when shutdown *begins*, while Rocket is
/// still draining in-flight requests, which would then find the pool closed.
pub async fn close(app: Option<&App>) {
    if let Some(app) = app {
        if let Some(buffer) = &app.hit_buffer {
            if buffer.flush(app.store.as_ref()).await {
                tracing::info!("buffered hits written");
            } else {
                tracing::error!("buffered hits could not be written before exit");
            }
        }
        app.store.close().await;
        tracing::info!("storage closed");
    }
}

/// Opens the configured backend, or stops ignition with one log line that names
/// the backend and its URL (password masked), so start-up fails fast and plainly.
async fn open_store(rocket: Rocket<Build>) -> rocket::fairing::Result {
    let settings = match Settings::from_figment(rocket.figment()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "invalid configuration");
            return Err(rocket);
        }
    };
    let store = match open(rocket.figment(), &settings).await {
        Ok(store) => store,
        Err(e) => {
            tracing::error!(backend = %settings.backend, url = %e.url, error = %format!("{:#}", e.error), "cannot open the database; exiting");
            return Err(rocket);
        }
    };
    if let Err(e) = bootstrap_admin_key(store.as_ref(), &settings).await {
        tracing::error!(error = %format!("{e:#}"), "cannot install the bootstrap admin key; exiting");
        store.close().await;
        return Err(rocket);
    }
    let hit_buffer = match settings.hits {
        HitsMode::Durable => None,
        HitsMode::Buffered => {
            let buffer = Arc::new(HitBuffer::new(settings.hits_flush()));
            buffer.start(store.clone(), settings.hits_flush());
            tracing::info!(
                flush_ms = settings.hits_flush().as_millis() as u64,
                "hits are buffered"
            );
            Some(buffer)
        }
    };
    Ok(rocket.manage(App {
        store,
        settings,
        hit_buffer,
    }))
}

/// Stores the configured bootstrap admin key unless its id is already there.
/// A stored key with that id but another secret stops the start: the setting
/// would silently not work. A revoked one stays revoked (revocation wins).
async fn bootstrap_admin_key(store: &dyn Store, settings: &Settings) -> anyhow::Result<()> {
    let Some(key) = settings.bootstrap_key()? else {
        return Ok(());
    };
    let found = store
        .find_key(&key.id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    match found {
        None => {
            let record = KeyRecord::new(&key, "bootstrap", Role::Admin, now());
            store
                .create_key(&record)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            tracing::info!(key_id = %key.id, "bootstrap admin key stored");
        }
        Some(record) if record.revoked_at.is_some() => {
            tracing::warn!(key_id = %key.id, "the bootstrap admin key is revoked; it is refused");
        }
        Some(record) if !record.accepts(&key) => {
            anyhow::bail!("key {} exists with another secret", key.id)
        }
        Some(_) => {}
    }
    Ok(())
}

/// Why a store did not open, with its URL already masked for the log line.
pub struct OpenError {
    pub url: String,
    pub error: anyhow::Error,
}

/// Opens (and migrates) the store `settings` names, with the same database
/// configuration the server uses; `shortlink keys` opens it the same way.
pub async fn open(figment: &Figment, settings: &Settings) -> Result<Arc<dyn Store>, OpenError> {
    let backend = settings.backend;
    let workers = figment.extract_inner::<usize>("workers").unwrap_or(2);
    let db = database_figment(figment, backend, workers);
    let url = db.extract_inner::<String>("url").unwrap_or_default();
    let opened: anyhow::Result<Arc<dyn Store>> = match backend {
        Backend::Memory => Ok(Arc::new(MemoryStore::new())),
        Backend::Sqlite => {
            async {
                ensure_sqlite_dir(&url)?;
                let pool = <sqlx::SqlitePool as Pool>::init(&db).await?;
                Ok(Arc::new(SqliteStore::new(pool).await?) as Arc<dyn Store>)
            }
            .await
        }
        Backend::Mysql => {
            async {
                let pool = <sqlx::MySqlPool as Pool>::init(&db).await?;
                Ok(Arc::new(MySqlStore::new(pool).await?) as Arc<dyn Store>)
            }
            .await
        }
        Backend::Postgres => {
            async {
                let pool = <sqlx::PgPool as Pool>::init(&db).await?;
                Ok(Arc::new(PostgresStore::new(pool).await?) as Arc<dyn Store>)
            }
            .await
        }
    };
    opened.map_err(|error| OpenError {
        url: if backend == Backend::Memory {
            "-".to_owned()
        } else {
            mask_password(&url)
        },
        error,
    })
}

/// SQLite creates the file but not its directory; the default `data/` must appear on first run.
fn ensure_sqlite_dir(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(dir) = std::path::Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    }
    Ok(())
}
