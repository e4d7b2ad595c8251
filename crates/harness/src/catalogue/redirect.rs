//! Checks of `GET /{code}`: the redirect, exact hit counting under
//! concurrency, expiry (410), unknown and invalid codes (404).

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::task::JoinSet;

use super::REDIRECT;
use crate::check::{Check, Failure};
use crate::ensure;
use crate::target::Ctx;
use crate::validate;

/// Redirects fired at once by the exact-count check (the issue asks ≥ 200).
pub const CONCURRENT_REDIRECTS: usize = 200;

pub fn checks() -> Vec<Check> {
    vec![
        Check::new("redirect.found_with_location", "GET", REDIRECT, found),
        Check::new(
            "redirect.counts_hits_exactly_under_concurrency",
            "GET",
            REDIRECT,
            exact_hits,
        ),
        Check::new("redirect.expired_link_gone", "GET", REDIRECT, expired),
        Check::new("redirect.unknown_code_404", "GET", REDIRECT, unknown_code),
        Check::new("redirect.invalid_code_404", "GET", REDIRECT, invalid_code),
    ]
}

async fn found(ctx: Ctx) -> Result<(), Failure> {
    let url = ctx.fresh_url();
    let link = ctx.create(json!({ "url": url })).await?;
    let view = ctx.redirect(&link.code).await?;
    validate::redirect(&view, &url)
}

/// N concurrent redirects add exactly N hits (and each one is a proper 302).
async fn exact_hits(ctx: Ctx) -> Result<(), Failure> {
    let url = ctx.fresh_url();
    let link = ctx.create(json!({ "url": url })).await?;
    let mut set = JoinSet::new();
    for _ in 0..CONCURRENT_REDIRECTS {
        let ctx = ctx.clone();
        let code = link.code.clone();
        set.spawn(async move { ctx.redirect(&code).await });
    }
    let mut ok = 0usize;
    let mut first_error = None;
    while let Some(joined) = set.join_next().await {
        let result = joined
            .map_err(|e| Failure::new("redirect task completes", e.to_string()))
            .and_then(|r| r)
            .and_then(|view| validate::redirect(&view, &url));
        match result {
            Ok(()) => ok += 1,
            Err(f) => {
                first_error.get_or_insert(f);
            }
        }
    }
    if let Some(f) = first_error {
        return Err(f.context(&format!(
            "{} of {CONCURRENT_REDIRECTS} concurrent redirects failed",
            CONCURRENT_REDIRECTS - ok
        )));
    }
    let read = ctx.read(&link.code).await?;
    ensure!(
        read.hits == CONCURRENT_REDIRECTS as u64,
        "hits are exact under concurrent redirects",
        "{CONCURRENT_REDIRECTS} redirects, hits {}",
        read.hits
    );
    Ok(())
}

/// ttl_seconds = 1: within ~2.5 s the redirect turns into 410 `gone`, and the
/// link itself is still readable with its `expires_at` in the past.
async fn expired(ctx: Ctx) -> Result<(), Failure> {
    let link = ctx
        .create(json!({ "url": ctx.fresh_url(), "ttl_seconds": 1 }))
        .await?;
    let created = Instant::now();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Second-resolution timestamps can round expiry up to a second later, so
    // poll, bounded: at most 2.5 s after creation, every 200 ms.
    let deadline = created + Duration::from_millis(2500);
    let view = loop {
        let view = ctx.redirect(&link.code).await?;
        if view.status != 302 || Instant::now() >= deadline {
            break view;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    validate::error(&view, 410, "gone")
        .map_err(|f| f.context("redirect ~2 s after ttl_seconds=1"))?;
    let read = ctx
        .read(&link.code)
        .await
        .map_err(|f| f.context("an expired link is still readable"))?;
    ensure!(
        read.expires_at
            .is_some_and(|t| t <= time::OffsetDateTime::now_utc()),
        "an expired link shows its past expires_at",
        "link {}",
        read.raw
    );
    Ok(())
}

async fn unknown_code(ctx: Ctx) -> Result<(), Failure> {
    let view = ctx.redirect(&ctx.fresh_code()).await?;
    validate::error(&view, 404, "not_found")
}

async fn invalid_code(ctx: Ctx) -> Result<(), Failure> {
    for code in ["ab", "hx!bad", &"x".repeat(33)] {
        let view = ctx.redirect(code).await?;
        validate::error(&view, 404, "not_found")
            .map_err(|f| f.context(&format!("code {code:?}")))?;
    }
    Ok(())
}
