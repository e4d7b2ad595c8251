//! Checks of `PATCH /api/v1/links/{code}`, including the full lifecycle flow
//! (create → read → redirect → patch → redirect → delete).

use serde_json::{json, Value};

use super::LINK;
use crate::check::{Check, Failure};
use crate::endpoints::link_path;
use crate::ensure;
use crate::target::{Ctx, Request};
use crate::validate::{self, Link};

pub fn checks() -> Vec<Check> {
    vec![
        Check::new("links.update.lifecycle_flow", "PATCH", LINK, lifecycle),
        Check::new(
            "links.update.sets_and_clears_expires_at",
            "PATCH",
            LINK,
            expires_at,
        ),
        Check::new("links.update.unknown_code_404", "PATCH", LINK, unknown_code),
    ]
}

/// PATCH with a JSON body; demands a 200 link.
pub async fn patch(ctx: &Ctx, code: &str, body: &Value) -> Result<Link, Failure> {
    let view = ctx
        .send(Request::new("PATCH", link_path(code)).json(body))
        .await?;
    validate::link_response(&view, 200).map_err(|f| f.context("PATCH"))
}

/// The stateful contract in one flow: the hit is counted, the patched URL is
/// followed, the code and counters survive the patch, and delete removes it.
async fn lifecycle(ctx: Ctx) -> Result<(), Failure> {
    let first_url = ctx.fresh_url();
    let created = ctx.create(json!({ "url": first_url })).await?;
    let code = created.code.clone();
    ctx.read(&code).await.map_err(|f| f.context("read"))?;
    let view = ctx.redirect(&code).await?;
    validate::redirect(&view, &first_url).map_err(|f| f.context("first redirect"))?;
    let after_hit = ctx.read(&code).await?;
    ensure!(
        after_hit.hits == 1,
        "a redirect counts one hit",
        "hits {} after one redirect",
        after_hit.hits
    );
    ensure!(
        after_hit
            .last_hit_at
            .is_some_and(|t| t >= created.created_at),
        "a redirect sets last_hit_at",
        "link {}",
        after_hit.raw
    );
    let second_url = ctx.fresh_url();
    let patched = patch(&ctx, &code, &json!({ "url": second_url })).await?;
    ensure!(
        patched.url == second_url && patched.code == code,
        "PATCH changes url and keeps the code",
        "link {}",
        patched.raw
    );
    ensure!(
        patched.hits == 1 && patched.created_at == created.created_at,
        "PATCH keeps hits and created_at",
        "before {}, after {}",
        after_hit.raw,
        patched.raw
    );
    let view = ctx.redirect(&code).await?;
    validate::redirect(&view, &second_url).map_err(|f| f.context("redirect after PATCH"))?;
    let read = ctx.read(&code).await?;
    ensure!(
        read.url == second_url && read.hits == 2,
        "the patched link is stored and still counts hits",
        "link {}",
        read.raw
    );
    let view = ctx.send(Request::delete(link_path(&code))).await?;
    validate::no_content(&view).map_err(|f| f.context("DELETE"))?;
    let view = ctx.redirect(&code).await?;
    validate::error(&view, 404, "not_found").map_err(|f| f.context("redirect after DELETE"))
}

/// `expires_at` can be set to a future instant and cleared with null; the
/// URL is untouched and the link keeps redirecting.
async fn expires_at(ctx: Ctx) -> Result<(), Failure> {
    let url = ctx.fresh_url();
    let link = ctx.create(json!({ "url": url })).await?;
    let when = "2099-01-02T03:04:05Z";
    let set = patch(&ctx, &link.code, &json!({ "expires_at": when })).await?;
    ensure!(
        set.raw.get("expires_at").and_then(Value::as_str) == Some(when) && set.url == url,
        "PATCH sets expires_at and leaves url alone",
        "link {}",
        set.raw
    );
    let read = ctx.read(&link.code).await?;
    ensure!(
        read.expires_at == set.expires_at,
        "PATCHed expires_at is stored",
        "link {}",
        read.raw
    );
    let view = ctx.redirect(&link.code).await?;
    validate::redirect(&view, &url).map_err(|f| f.context("future expires_at"))?;
    let cleared = patch(&ctx, &link.code, &json!({ "expires_at": null })).await?;
    ensure!(
        cleared.expires_at.is_none(),
        "PATCH expires_at: null clears it",
        "link {}",
        cleared.raw
    );
    Ok(())
}

async fn unknown_code(ctx: Ctx) -> Result<(), Failure> {
    let view = ctx
        .send(
            Request::new("PATCH", link_path(&ctx.fresh_code()))
                .json(&json!({ "url": ctx.fresh_url() })),
        )
        .await?;
    validate::error(&view, 404, "not_found")
}
