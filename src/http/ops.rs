//! Operational endpoints: liveness, readiness, version, metrics, the OpenAPI document.

use rocket::http::{ContentType, Status};
use rocket::serde::json::{json, Json, Value};
use rocket::State;

use crate::http::App;
use crate::telemetry::{readiness, Metrics};

/// Liveness only: it never touches the store, so a database outage does not
/// get the process restarted by a supervisor.
#[rocket::get("/healthz")]
pub fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

#[rocket::get("/readyz")]
pub async fn readyz(app: &State<App>) -> (Status, Json<Value>) {
    let backend = app.store.backend().name();
    match app.call(app.store.ping()).await {
        Ok(()) => (
            Status::Ok,
            Json(json!({ "status": "ok", "backend": backend })),
        ),
        Err(e) => (
            Status::ServiceUnavailable,
            Json(json!({ "status": "unavailable", "backend": backend, "error": e.message })),
        ),
    }
}

#[rocket::get("/version")]
pub fn version(app: &State<App>) -> Json<Value> {
    Json(json!({
        "name": env!("CARGO_PKG_NAME"),
        "version": env!("CARGO_PKG_VERSION"),
        "git_sha": env!("SHORTLINK_GIT_SHA"),
        "backend": app.store.backend().name(),
    }))
}

#[rocket::get("/metrics")]
pub async fn metrics(app: &State<App>, metrics: &State<Metrics>) -> (ContentType, String) {
    let prometheus =
        ContentType::new("text", "plain").with_params([("version", "0.0.4"), ("charset", "utf-8")]);
    // The check /readyz makes, so an alert on readiness needs no prober.
    let ready = app.call(app.store.ping()).await.is_ok();
    let pool = app.store.pool_stats();
    let mut body = metrics.render(pool, app.store.backend());
    readiness::render(&mut body, ready, pool.and_then(|p| p.writer_up));
    (prometheus, body)
}

#[rocket::get("/openapi.json")]
pub fn openapi_json() -> Json<Value> {
    Json(crate::http::openapi::document())
}
