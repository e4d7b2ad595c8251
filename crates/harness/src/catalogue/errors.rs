//! Checks of error routing: unknown routes give the JSON 404, wrong methods
//! give the JSON 405 with an `Allow` header.

use serde_json::json;

use super::{LINK, LINKS, STATS};
use crate::check::{Check, Failure};
use crate::endpoints::{link_path, HEALTHZ};
use crate::target::{Ctx, Request};
use crate::validate;

pub fn checks() -> Vec<Check> {
    vec![
        Check::new(
            "errors.unknown_route_json_404",
            "GET",
            "/api/v1/{unknown}",
            unknown_route,
        ),
        Check::new("errors.wrong_method_on_links_405", "PUT", LINKS, |ctx| {
            wrong_method(ctx, "PUT", LINKS.to_string(), &["GET", "POST"])
        }),
        Check::new(
            "errors.wrong_method_on_link_405",
            "PUT",
            LINK,
            |ctx: Ctx| {
                let path = link_path(&ctx.fresh_code());
                wrong_method(ctx, "PUT", path, &["GET", "PATCH", "DELETE"])
            },
        ),
        Check::new("errors.wrong_method_on_stats_405", "DELETE", STATS, |ctx| {
            wrong_method(ctx, "DELETE", STATS.to_string(), &["GET"])
        }),
        Check::new(
            "errors.wrong_method_on_healthz_405",
            "POST",
            HEALTHZ,
            |ctx| wrong_method(ctx, "POST", HEALTHZ.to_string(), &["GET"]),
        ),
    ]
}

async fn unknown_route(ctx: Ctx) -> Result<(), Failure> {
    for path in ["/api/v1/no-such-thing", "/api/v2/links", "/no/such/route"] {
        let view = ctx.send(Request::get(path)).await?;
        validate::error(&view, 404, "not_found").map_err(|f| f.context(path))?;
    }
    Ok(())
}

async fn wrong_method(
    ctx: Ctx,
    method: &'static str,
    path: String,
    allow: &'static [&'static str],
) -> Result<(), Failure> {
    let view = ctx
        .send(Request::new(method, &path).json(&json!({})))
        .await?;
    validate::method_not_allowed(&view, allow).map_err(|f| f.context(&format!("{method} {path}")))
}
