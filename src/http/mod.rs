//! The HTTP surface: every route of the contract, its catchers, and the shared state.
//!
//! - `links`    — create / list / read / update / delete under `/api/v1/links`
//! - `redirect` — `GET /{code}`, the hot path, counting hits
//! - `stats`    — `GET /api/v1/stats`
//! - `keys`     — key management under `/api/v1/keys` (admins)
//! - `auth`     — the `Caller` guard: the Bearer key every `/api/v1` route takes
//! - `ops`      — health, readiness, version, metrics, the OpenAPI document
//! - `catchers` — JSON bodies for errors Rocket raises itself (404, 405, guards)
//! - `context`  — request ids, the access log and request metrics, as one fairing

pub mod auth;
pub mod body;
pub mod catchers;
pub mod context;
pub mod keys;
pub mod links;
pub mod openapi;
pub mod ops;
pub mod redirect;
pub mod stats;
pub mod view;

use std::future::Future;
use std::sync::Arc;

use rocket::http::Status;
use rocket::Route;

use crate::config::Settings;
use crate::error::ApiError;
use crate::store::hit_buffer::HitBuffer;
use crate::store::{Store, StoreResult};

/// What every handler shares: the store chosen at start-up, the settings,
/// and in the buffered hit mode the hits not yet written.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub settings: Settings,
    pub hit_buffer: Option<Arc<HitBuffer>>,
}

impl App {
    /// In the buffered hit mode, drops a remembered redirect target before
    /// the link changes, so this instance's next redirect reads it again.
    pub fn forget_target(&self, code: &crate::domain::Code) {
        if let Some(buffer) = &self.hit_buffer {
            buffer.forget(code);
        }
    }

    /// Runs one store call under the configured timeout, turning store errors
    /// into API errors: a database that hangs gives a 503, never a hung request.
    pub async fn call<T>(&self, fut: impl Future<Output = StoreResult<T>>) -> Result<T, ApiError> {
        match tokio::time::timeout(self.settings.store_timeout(), fut).await {
            Ok(result) => result.map_err(ApiError::from),
            Err(_) => {
                tracing::warn!(
                    timeout_ms = self.settings.store_timeout_ms,
                    "store call timed out"
                );
                Err(ApiError::new(
                    Status::ServiceUnavailable,
                    "backend_unavailable",
                    "the database did not answer in time; retry later",
                ))
            }
        }
    }
}

pub fn routes() -> Vec<Route> {
    rocket::routes![
        links::create,
        links::list,
        links::read,
        links::update,
        links::delete,
        redirect::follow,
        stats::stats,
        keys::create,
        keys::list,
        keys::revoke,
        ops::healthz,
        ops::readyz,
        ops::version,
        ops::metrics,
        ops::openapi_json,
    ]
}
