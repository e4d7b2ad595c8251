//! Checks of the operational endpoints: `/healthz`, `/readyz`, `/version`,
//! `/metrics`, `/openapi.json`, and server-generated `X-Request-Id`.
//! (`/readyz`'s 503 needs a dead backend, so the project's backend tests own
//! it; black-box, only the ready state is observable.)

use serde_json::Value;

use crate::check::{Check, Failure};
use crate::endpoints::{HEALTHZ, METRICS, OPENAPI, READYZ, VERSION};
use crate::ensure;
use crate::target::{Ctx, Request};
use crate::validate;

pub fn checks() -> Vec<Check> {
    vec![
        Check::new("ops.healthz_ok", "GET", HEALTHZ, healthz),
        Check::new("ops.readyz_ready", "GET", READYZ, readyz),
        Check::new("ops.version_fields", "GET", VERSION, version),
        Check::new("ops.metrics_prometheus_text", "GET", METRICS, metrics),
        Check::new("ops.openapi_document", "GET", OPENAPI, openapi),
        Check::new(
            "ops.request_id_generated_when_absent",
            "GET",
            HEALTHZ,
            request_id_generated,
        ),
    ]
}

async fn healthz(ctx: Ctx) -> Result<(), Failure> {
    let view = ctx.send(Request::get(HEALTHZ)).await?;
    validate::health(&view)
}

async fn readyz(ctx: Ctx) -> Result<(), Failure> {
    let view = ctx.send(Request::get(READYZ)).await?;
    validate::status(&view, 200)?;
    validate::json_content_type(&view)?;
    let body = view.json()?;
    ensure!(
        body.is_object(),
        "/readyz answers a JSON object",
        "got {body}"
    );
    Ok(())
}

async fn version(ctx: Ctx) -> Result<(), Failure> {
    let view = ctx.send(Request::get(VERSION)).await?;
    validate::status(&view, 200)?;
    validate::json_content_type(&view)?;
    let body = view.json()?;
    for field in ["name", "version", "git_sha", "backend"] {
        ensure!(
            body.get(field)
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty()),
            "/version has name, version, git_sha and backend strings",
            "{field} missing or empty in {body}"
        );
    }
    Ok(())
}

async fn metrics(ctx: Ctx) -> Result<(), Failure> {
    let view = ctx.send(Request::get(METRICS)).await?;
    validate::prometheus_text(&view)
}

async fn openapi(ctx: Ctx) -> Result<(), Failure> {
    let view = ctx.send(Request::get(OPENAPI)).await?;
    validate::openapi(&view).map(drop)
}

async fn request_id_generated(ctx: Ctx) -> Result<(), Failure> {
    // `send` already demands a non-empty X-Request-Id on every response.
    let view = ctx.send(Request::get(HEALTHZ).without_request_id()).await?;
    validate::status(&view, 200)
}
