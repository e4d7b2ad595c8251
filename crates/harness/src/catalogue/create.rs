//! Checks of `POST /api/v1/links` success paths and conflicts (409); the
//! malformed-input rows live in `bad_input`.

use serde_json::json;
use time::Duration;

use super::LINKS;
use crate::check::{Check, Failure};
use crate::ensure;
use crate::target::{random_alnum, Ctx, Request};
use crate::validate::{self, RESERVED_CODES};

pub fn checks() -> Vec<Check> {
    vec![
        Check::new("links.create.generated_code", "POST", LINKS, generated_code),
        Check::new("links.create.custom_code", "POST", LINKS, custom_code),
        Check::new("links.create.http_url_accepted", "POST", LINKS, http_url),
        Check::new(
            "links.create.accepts_json_with_charset",
            "POST",
            LINKS,
            json_with_charset,
        ),
        Check::new(
            "links.create.code_length_bounds",
            "POST",
            LINKS,
            code_length_bounds,
        ),
        Check::new(
            "links.create.url_of_2048_bytes",
            "POST",
            LINKS,
            url_of_2048_bytes,
        ),
        Check::new(
            "links.create.ttl_sets_expires_at",
            "POST",
            LINKS,
            ttl_sets_expires_at,
        ),
        Check::new(
            "links.create.ttl_bounds_accepted",
            "POST",
            LINKS,
            ttl_bounds,
        ),
        Check::new(
            "links.create.duplicate_code_conflicts",
            "POST",
            LINKS,
            duplicate_code,
        ),
        Check::new(
            "links.create.reserved_codes_conflict",
            "POST",
            LINKS,
            reserved_codes,
        ),
        Check::new(
            "links.create.codes_are_case_sensitive",
            "POST",
            LINKS,
            case_sensitive,
        ),
    ]
}

/// No code requested: a 7-character base62 code, zero hits, no expiry.
async fn generated_code(ctx: Ctx) -> Result<(), Failure> {
    let link = ctx.create_fresh().await?;
    ensure!(
        link.code.len() == 7 && link.code.bytes().all(|b| b.is_ascii_alphanumeric()),
        "generated codes are 7 base62 characters",
        "got {:?}",
        link.code
    );
    ensure!(link.hits == 0, "a new link has 0 hits", "got {}", link.hits);
    ensure!(
        link.last_hit_at.is_none() && link.expires_at.is_none(),
        "a new link without ttl has last_hit_at and expires_at null",
        "link {}",
        link.raw
    );
    let now = time::OffsetDateTime::now_utc();
    ensure!(
        (link.created_at - now).abs() < Duration::minutes(10),
        "created_at is the creation time (UTC)",
        "created_at {} vs harness clock {now}",
        link.created_at
    );
    Ok(())
}

async fn custom_code(ctx: Ctx) -> Result<(), Failure> {
    let code = ctx.fresh_code();
    ctx.create(json!({ "url": ctx.fresh_url(), "code": code }))
        .await
        .map(drop)
}

async fn http_url(ctx: Ctx) -> Result<(), Failure> {
    let url = format!("http://example.org/plain-http/{}", random_alnum(8));
    ctx.create(json!({ "url": url })).await.map(drop)
}

/// `application/json; charset=utf-8` is JSON; only the media type matters.
async fn json_with_charset(ctx: Ctx) -> Result<(), Failure> {
    let code = ctx.fresh_code();
    let body = json!({ "url": ctx.fresh_url(), "code": code });
    let view = ctx
        .send(Request::new("POST", LINKS).raw(
            Some("application/json; charset=utf-8"),
            body.to_string().into_bytes(),
        ))
        .await?;
    if view.status == 201 {
        ctx.track(&code);
    }
    validate::created_link(&view).map(drop)
}

/// Codes of exactly 3 and 32 characters (with `_` and `-`) are valid. A
/// 3-character code can collide on a shared instance, so a `code_taken`
/// answer is retried with another (bounded) code.
async fn code_length_bounds(ctx: Ctx) -> Result<(), Failure> {
    let long = format!("hx_-{}", random_alnum(28));
    ctx.create(json!({ "url": ctx.fresh_url(), "code": long }))
        .await?;
    for _ in 0..8 {
        let short = format!("h{}", random_alnum(2));
        let view = ctx
            .send(
                Request::new("POST", LINKS).json(&json!({ "url": ctx.fresh_url(), "code": short })),
            )
            .await?;
        if view.status == 409 {
            validate::error(&view, 409, "code_taken")?;
            continue;
        }
        if view.status == 201 {
            ctx.track(&short);
        }
        let link = validate::created_link(&view)?;
        ensure!(
            link.code == short,
            "created link keeps the requested code",
            "got {:?}",
            link.code
        );
        return Ok(());
    }
    Err(Failure::new(
        "a free 3-character code can be created",
        "8 random 3-character codes were all taken",
    ))
}

async fn url_of_2048_bytes(ctx: Ctx) -> Result<(), Failure> {
    let prefix = format!("https://example.org/{}/", random_alnum(8));
    let url = format!("{prefix}{}", "a".repeat(2048 - prefix.len()));
    debug_assert_eq!(url.len(), 2048);
    ctx.create(json!({ "url": url })).await.map(drop)
}

/// `ttl_seconds` gives `expires_at` = `created_at` + ttl (±1 s for the
/// second-resolution timestamps), and the link still redirects meanwhile.
async fn ttl_sets_expires_at(ctx: Ctx) -> Result<(), Failure> {
    let url = ctx.fresh_url();
    let link = ctx
        .create(json!({ "url": url, "ttl_seconds": 3600 }))
        .await?;
    let expires = link
        .expires_at
        .ok_or_else(|| Failure::new("ttl_seconds sets expires_at", format!("link {}", link.raw)))?;
    let delta = expires - link.created_at - Duration::seconds(3600);
    ensure!(
        delta.abs() <= Duration::seconds(1),
        "expires_at is created_at + ttl_seconds",
        "created_at {}, expires_at {}",
        link.created_at,
        expires
    );
    let view = ctx.redirect(&link.code).await?;
    validate::redirect(&view, &url).map_err(|f| f.context("before expiry"))
}

/// The inclusive ends of `ttl_seconds` (1 and 31536000) are accepted.
async fn ttl_bounds(ctx: Ctx) -> Result<(), Failure> {
    for ttl in [1u64, 31_536_000] {
        let link = ctx
            .create(json!({ "url": ctx.fresh_url(), "ttl_seconds": ttl }))
            .await
            .map_err(|f| f.context(&format!("ttl_seconds {ttl}")))?;
        ensure!(
            link.expires_at.is_some(),
            "ttl_seconds sets expires_at",
            "ttl_seconds {ttl}: link {}",
            link.raw
        );
    }
    Ok(())
}

/// A taken custom code gives 409 `code_taken` and leaves the first link alone.
async fn duplicate_code(ctx: Ctx) -> Result<(), Failure> {
    let code = ctx.fresh_code();
    let first = ctx
        .create(json!({ "url": ctx.fresh_url(), "code": code }))
        .await?;
    let view = ctx
        .send(Request::new("POST", LINKS).json(&json!({ "url": ctx.fresh_url(), "code": code })))
        .await?;
    validate::error(&view, 409, "code_taken")?;
    let now = ctx.read(&code).await?;
    ensure!(
        now.url == first.url,
        "a rejected duplicate leaves the existing link unchanged",
        "url was {:?}, now {:?}",
        first.url,
        now.url
    );
    Ok(())
}

/// Every reserved word, in several casings, gives 409 `code_reserved`.
async fn reserved_codes(ctx: Ctx) -> Result<(), Failure> {
    for word in RESERVED_CODES {
        let mut title = word.to_string();
        title[..1].make_ascii_uppercase();
        for code in [word.to_string(), word.to_ascii_uppercase(), title] {
            let view = ctx
                .send(
                    Request::new("POST", LINKS)
                        .json(&json!({ "url": ctx.fresh_url(), "code": code })),
                )
                .await?;
            if view.status == 201 {
                ctx.track(&code);
            }
            validate::error(&view, 409, "code_reserved")
                .map_err(|f| f.context(&format!("reserved code {code:?}")))?;
        }
    }
    Ok(())
}

/// `hxAbc…` and `hxaBC…` are different links.
async fn case_sensitive(ctx: Ctx) -> Result<(), Failure> {
    // The leading letters guarantee the two codes differ only in case.
    let stem = format!("abc{}", random_alnum(7)).to_ascii_lowercase();
    let lower = format!("hx{stem}");
    let upper = format!("hx{}", stem.to_ascii_uppercase());
    let a = ctx
        .create(json!({ "url": ctx.fresh_url(), "code": lower }))
        .await?;
    let b = ctx
        .create(json!({ "url": ctx.fresh_url(), "code": upper }))
        .await?;
    let read_a = ctx.read(&lower).await?;
    let read_b = ctx.read(&upper).await?;
    ensure!(
        read_a.url == a.url && read_b.url == b.url,
        "codes are case-sensitive",
        "{lower} -> {:?}, {upper} -> {:?}",
        read_a.url,
        read_b.url
    );
    Ok(())
}
