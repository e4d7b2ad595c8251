//! Checks of `GET /api/v1/links/{code}`.

use super::LINK;
use crate::check::{Check, Failure};
use crate::ensure;
use crate::target::Ctx;
use crate::validate;

pub fn checks() -> Vec<Check> {
    vec![
        Check::new(
            "links.read.returns_created_link",
            "GET",
            LINK,
            returns_created,
        ),
        Check::new("links.read.unknown_code_404", "GET", LINK, unknown_code),
        Check::new("links.read.invalid_code_404", "GET", LINK, invalid_code),
    ]
}

/// Reading a fresh link returns exactly what the 201 returned.
async fn returns_created(ctx: Ctx) -> Result<(), Failure> {
    let created = ctx.create_fresh().await?;
    let read = ctx.read(&created.code).await?;
    ensure!(
        read.raw == created.raw,
        "GET returns the link as created",
        "created {}, read {}",
        created.raw,
        read.raw
    );
    Ok(())
}

async fn unknown_code(ctx: Ctx) -> Result<(), Failure> {
    let view = ctx.get_link(&ctx.fresh_code()).await?;
    validate::error(&view, 404, "not_found")
}

/// A code that cannot exist (too short, bad characters) is simply not found.
async fn invalid_code(ctx: Ctx) -> Result<(), Failure> {
    for code in ["ab", "hx!bad", &"x".repeat(33)] {
        let view = ctx.get_link(code).await?;
        validate::error(&view, 404, "not_found")
            .map_err(|f| f.context(&format!("code {code:?}")))?;
    }
    Ok(())
}
