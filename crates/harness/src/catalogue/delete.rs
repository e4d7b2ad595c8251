//! Checks of `DELETE /api/v1/links/{code}`.

use serde_json::json;

use super::LINK;
use crate::check::{Check, Failure};
use crate::endpoints::link_path;
use crate::target::{Ctx, Request};
use crate::validate;

pub fn checks() -> Vec<Check> {
    vec![
        Check::new(
            "links.delete.removes_link_and_code_is_reusable",
            "DELETE",
            LINK,
            removes,
        ),
        Check::new(
            "links.delete.unknown_code_404",
            "DELETE",
            LINK,
            unknown_code,
        ),
    ]
}

/// 204 with an empty body; afterwards read and redirect give 404, a second
/// delete gives 404, and the same code can be created again.
async fn removes(ctx: Ctx) -> Result<(), Failure> {
    let code = ctx.fresh_code();
    ctx.create(json!({ "url": ctx.fresh_url(), "code": code }))
        .await?;
    let path = link_path(&code);
    let view = ctx.send(Request::delete(&path)).await?;
    validate::no_content(&view).map_err(|f| f.context("DELETE"))?;
    let view = ctx.get_link(&code).await?;
    validate::error(&view, 404, "not_found").map_err(|f| f.context("GET after DELETE"))?;
    let view = ctx.redirect(&code).await?;
    validate::error(&view, 404, "not_found").map_err(|f| f.context("redirect after DELETE"))?;
    let view = ctx.send(Request::delete(&path)).await?;
    validate::error(&view, 404, "not_found").map_err(|f| f.context("second DELETE"))?;
    let url = ctx.fresh_url();
    let again = ctx
        .create(json!({ "url": url, "code": code }))
        .await
        .map_err(|f| f.context("re-create a deleted code"))?;
    crate::ensure!(
        again.hits == 0,
        "a re-created code starts from 0 hits",
        "got {}",
        again.hits
    );
    Ok(())
}

async fn unknown_code(ctx: Ctx) -> Result<(), Failure> {
    let view = ctx
        .send(Request::delete(link_path(&ctx.fresh_code())))
        .await?;
    validate::error(&view, 404, "not_found")
}
