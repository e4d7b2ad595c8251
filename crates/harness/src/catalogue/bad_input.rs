//! The bad-input table: malformed requests to `POST /api/v1/links`,
//! `PATCH /api/v1/links/{code}` and `GET /api/v1/links`, each with the status
//! and error code it must get, and proof that nothing was created or changed.

use serde_json::{json, Value};

use super::{LINK, LINKS};
use crate::check::{Check, Failure};
use crate::endpoints::{link_path, HEALTHZ};
use crate::ensure;
use crate::target::{Ctx, Request};
use crate::validate;

const JSON: Option<&str> = Some("application/json");

/// Builds a bad request from a fresh code and a fresh URL (the code is what
/// proves afterwards that nothing was created).
type Build = fn(&str, &str) -> Request;

fn post(ct: Option<&str>, body: impl Into<Vec<u8>>) -> Request {
    Request::new("POST", LINKS).raw(ct, body.into())
}

fn post_json(body: Value) -> Request {
    Request::new("POST", LINKS).json(&body)
}

/// A POST with `url` replaced by a bad value but a valid fresh code.
fn bad_url(url: &str, code: &str) -> Request {
    post_json(json!({ "url": url, "code": code }))
}

fn bad_code(code: &str, url: &str) -> Request {
    post_json(json!({ "url": url, "code": code }))
}

fn bad_ttl(ttl: Value, code: &str, url: &str) -> Request {
    post_json(json!({ "url": url, "code": code, "ttl_seconds": ttl }))
}

#[rustfmt::skip]
fn create_rows() -> Vec<(&'static str, u16, &'static str, Build)> {
    vec![
        ("malformed_json", 400, "malformed_json", |c, u| post(JSON, format!(r#"{{"url":"{u}","code":"{c}""#))),
        ("trailing_garbage", 400, "malformed_json", |c, u| post(JSON, format!(r#"{{"url":"{u}","code":"{c}"}} xyz"#))),
        ("invalid_utf8", 400, "malformed_json", |c, u| {
            let mut b = format!(r#"{{"url":"{u}","#).into_bytes();
            b.extend_from_slice(b"\"note\xff\":1,");
            b.extend_from_slice(format!(r#""code":"{c}"}}"#).as_bytes());
            post(JSON, b)
        }),
        ("empty_body", 400, "malformed_json", |_, _| post(JSON, "")),
        // Valid JSON padded past 16 KiB: a server ignoring the limit would
        // create the link, which `assert_absent` then catches.
        ("body_over_16_kib", 413, "payload_too_large", |c, u| {
            post(JSON, format!(r#"{{"url":"{u}","code":"{c}"{}}}"#, " ".repeat(17 * 1024)))
        }),
        ("text_plain", 415, "unsupported_media_type", |c, u| post(Some("text/plain"), json!({"url": u, "code": c}).to_string())),
        ("missing_content_type", 415, "unsupported_media_type", |c, u| post(None, json!({"url": u, "code": c}).to_string())),
        ("form_encoded", 415, "unsupported_media_type", |c, u| post(Some("application/x-www-form-urlencoded"), format!("url={u}&code={c}"))),
        ("body_is_array", 422, "invalid_body", |c, u| post_json(json!([{ "url": u, "code": c }]))),
        ("body_is_string", 422, "invalid_body", |_, u| post_json(json!(u))),
        ("unknown_field", 422, "invalid_body", |c, u| post_json(json!({ "url": u, "code": c, "colour": "red" }))),
        ("missing_url", 422, "invalid_body", |c, _| post_json(json!({ "code": c }))),
        ("url_is_number", 422, "invalid_body", |c, _| post_json(json!({ "url": 42, "code": c }))),
        ("url_is_null", 422, "invalid_body", |c, _| post_json(json!({ "url": null, "code": c }))),
        ("url_is_object", 422, "invalid_body", |c, u| post_json(json!({ "url": { "href": u }, "code": c }))),
        ("code_is_number", 422, "invalid_body", |_, u| post_json(json!({ "url": u, "code": 12345 }))),
        ("javascript_url", 422, "invalid_url", |c, _| bad_url("javascript:alert(1)", c)),
        ("data_url", 422, "invalid_url", |c, _| bad_url("data:text/html,<script>alert(1)</script>", c)),
        ("ftp_url", 422, "invalid_url", |c, _| bad_url("ftp://example.org/file.txt", c)),
        ("mailto_url", 422, "invalid_url", |c, _| bad_url("mailto:someone@example.org", c)),
        ("relative_url", 422, "invalid_url", |c, _| bad_url("/just/a/path", c)),
        ("scheme_relative_url", 422, "invalid_url", |c, _| bad_url("//example.org/path", c)),
        ("url_without_host", 422, "invalid_url", |c, _| bad_url("http://", c)),
        ("empty_url", 422, "invalid_url", |c, _| bad_url("", c)),
        ("whitespace_url", 422, "invalid_url", |c, _| bad_url("   ", c)),
        ("url_with_space", 422, "invalid_url", |c, _| bad_url("https://example.org/a b", c)),
        ("url_with_leading_space", 422, "invalid_url", |c, _| bad_url(" https://example.org/x", c)),
        ("url_with_tab", 422, "invalid_url", |c, _| bad_url("https://example.org/a\tb", c)),
        ("url_with_newline", 422, "invalid_url", |c, _| bad_url("https://example.org/a\nb", c)),
        ("url_with_nul", 422, "invalid_url", |c, _| bad_url("https://example.org/a\u{0}b", c)),
        ("url_non_ascii", 422, "invalid_url", |c, _| bad_url("https://example.org/caf\u{e9}", c)),
        // Matched the spec's first, too loose, url pattern (found by schemathesis).
        ("url_pipe_host", 422, "invalid_url", |c, _| bad_url("HTTPS://|", c)),
        ("url_port_without_host", 422, "invalid_url", |c, _| bad_url("htTPs://1Y:;=", c)),
        ("url_over_2048_bytes", 422, "invalid_url", |c, _| {
            let prefix = "https://example.org/";
            bad_url(&format!("{prefix}{}", "a".repeat(2049 - prefix.len())), c)
        }),
        ("code_too_short", 422, "invalid_code", |_, u| bad_code("ab", u)),
        ("code_too_long", 422, "invalid_code", |_, u| bad_code(&"x".repeat(33), u)),
        ("code_empty", 422, "invalid_code", |_, u| bad_code("", u)),
        ("code_with_bang", 422, "invalid_code", |_, u| bad_code("hx!bad", u)),
        ("code_with_slash", 422, "invalid_code", |_, u| bad_code("hx/bad", u)),
        ("code_with_dot", 422, "invalid_code", |_, u| bad_code("hx.bad", u)),
        ("code_with_space", 422, "invalid_code", |_, u| bad_code("hx bad", u)),
        ("code_non_ascii", 422, "invalid_code", |_, u| bad_code("hx\u{e9}bad", u)),
        ("ttl_zero", 422, "invalid_ttl", |c, u| bad_ttl(json!(0), c, u)),
        ("ttl_negative", 422, "invalid_ttl", |c, u| bad_ttl(json!(-5), c, u)),
        ("ttl_over_one_year", 422, "invalid_ttl", |c, u| bad_ttl(json!(31_536_001), c, u)),
        ("ttl_fraction", 422, "invalid_ttl", |c, u| bad_ttl(json!(1.5), c, u)),
        ("ttl_string", 422, "invalid_ttl", |c, u| bad_ttl(json!("60"), c, u)),
        ("ttl_huge", 422, "invalid_ttl", |c, u| bad_ttl(json!(1e30), c, u)),
    ]
}

fn patch(ct: Option<&str>, code: &str, body: impl Into<Vec<u8>>) -> Request {
    Request::new("PATCH", link_path(code)).raw(ct, body.into())
}

fn patch_json(code: &str, body: Value) -> Request {
    patch(JSON, code, body.to_string())
}

/// PATCH rows take the existing link's code and a fresh URL.
#[rustfmt::skip]
fn update_rows() -> Vec<(&'static str, u16, &'static str, Build)> {
    vec![
        ("malformed_json", 400, "malformed_json", |c, u| patch(JSON, c, format!(r#"{{"url":"{u}""#))),
        ("text_plain", 415, "unsupported_media_type", |c, u| patch(Some("text/plain"), c, json!({ "url": u }).to_string())),
        ("missing_content_type", 415, "unsupported_media_type", |c, u| patch(None, c, json!({ "url": u }).to_string())),
        ("body_is_array", 422, "invalid_body", |c, u| patch_json(c, json!([{ "url": u }]))),
        ("unknown_field", 422, "invalid_body", |c, u| patch_json(c, json!({ "url": u, "colour": "red" }))),
        ("code_is_not_patchable", 422, "invalid_body", |c, u| patch_json(c, json!({ "url": u, "code": "hxrenamed" }))),
        ("url_is_number", 422, "invalid_body", |c, _| patch_json(c, json!({ "url": 42 }))),
        ("javascript_url", 422, "invalid_url", |c, _| patch_json(c, json!({ "url": "javascript:alert(1)" }))),
        ("relative_url", 422, "invalid_url", |c, _| patch_json(c, json!({ "url": "/relative" }))),
        ("expires_at_is_number", 422, "invalid_body", |c, _| patch_json(c, json!({ "expires_at": 12345 }))),
        ("expires_at_garbage", 422, "invalid_expires_at", |c, _| patch_json(c, json!({ "expires_at": "tomorrow" }))),
        ("expires_at_without_offset", 422, "invalid_expires_at", |c, _| patch_json(c, json!({ "expires_at": "2099-01-01T00:00:00" }))),
        ("expires_at_impossible_date", 422, "invalid_expires_at", |c, _| patch_json(c, json!({ "expires_at": "2099-13-45T00:00:00Z" }))),
        // Found by schemathesis: an offset that carries the instant past year 9999
        // panicked in the parser (a 500); it is a date the service cannot render.
        ("expires_at_past_year_9999_utc", 422, "invalid_expires_at", |c, _| patch_json(c, json!({ "expires_at": "9999-12-31T20:00:00-05:00" }))),
    ]
}

#[rustfmt::skip]
fn list_rows() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        ("limit_zero", "?limit=0", "invalid_limit"),
        ("limit_over_100", "?limit=101", "invalid_limit"),
        ("limit_negative", "?limit=-1", "invalid_limit"),
        ("limit_not_a_number", "?limit=abc", "invalid_limit"),
        ("limit_fraction", "?limit=1.5", "invalid_limit"),
        ("cursor_garbage", "?cursor=%21%21not-a-cursor%21%21", "invalid_cursor"),
        ("cursor_with_good_limit", "?limit=5&cursor=%7B%7D%00", "invalid_cursor"),
        // Found by schemathesis: a repeated key was taken as absent, so the
        // default page was served for `?limit=null&limit=null`.
        ("limit_repeated", "?limit=null&limit=null", "invalid_limit"),
        ("limit_repeated_valid", "?limit=5&limit=6", "invalid_limit"),
        ("cursor_repeated", "?cursor=x&cursor=y", "invalid_cursor"),
        ("cursor_empty", "?cursor=", "invalid_cursor"),
    ]
}

/// Regression cases from schemathesis runs against `/openapi.json`
/// (`.ci/schemathesis`): each one a request the server once got wrong.
fn found_by_schemathesis() -> Vec<Check> {
    vec![
        // Rocket answered a method it does not know with a bare 400 that no
        // fairing saw (no `X-Request-Id`); the contract wants 405 with `Allow`.
        Check::new(
            "errors.unknown_method_query_405",
            "QUERY",
            LINK,
            |ctx: Ctx| async move {
                let link = ctx.create_fresh().await?;
                let path = link_path(&link.code);
                let view = ctx.send(Request::new("QUERY", &path)).await?;
                validate::method_not_allowed(&view, &["GET", "PATCH", "DELETE"])
                    .map_err(|f| f.context(&format!("QUERY {path}")))
            },
        ),
        Check::new(
            "errors.unknown_method_on_healthz_405",
            "FROB",
            HEALTHZ,
            |ctx: Ctx| async move {
                let view = ctx.send(Request::new("FROB", HEALTHZ)).await?;
                validate::method_not_allowed(&view, &["GET"])
                    .map_err(|f| f.context("FROB /healthz"))
            },
        ),
        // `expires_at` is any RFC 3339 date-time; one before 1970 was refused with 422.
        Check::new(
            "links.update.accepts_expiry_before_1970",
            "PATCH",
            LINK,
            |ctx: Ctx| async move {
                let link = ctx.create_fresh().await?;
                let path = link_path(&link.code);
                let view = ctx
                    .send(
                        Request::new("PATCH", &path)
                            .json(&json!({ "expires_at": "0366-09-27T11:15:49Z" })),
                    )
                    .await?;
                validate::status(&view, 200).map_err(|f| f.context(&path))?;
                let body = view.json()?;
                ensure!(
                    body.get("expires_at").and_then(Value::as_str) == Some("0366-09-27T11:15:49Z"),
                    "expires_at before 1970 round-trips",
                    "{body}"
                );
                Ok(())
            },
        ),
        // The spec's cursor pattern admits any position in the key space; the
        // decoder once refused id 0 there, a schema-valid request answered 400.
        Check::new(
            "links.list.accepts_any_well_formed_cursor",
            "GET",
            LINKS,
            |ctx: Ctx| async move {
                for cursor in [
                    "00000000000000000000000000000000",
                    "7fffffffffffffff0000000000000000",
                ] {
                    let path = format!("{LINKS}?cursor={cursor}&limit=1");
                    let view = ctx.send(Request::get(&path)).await?;
                    validate::status(&view, 200).map_err(|f| f.context(&path))?;
                }
                Ok(())
            },
        ),
    ]
}

pub fn checks() -> Vec<Check> {
    let mut checks = found_by_schemathesis();
    for (slug, status, code, build) in create_rows() {
        checks.push(Check::new(
            format!("links.create.rejects_{slug}"),
            "POST",
            LINKS,
            move |ctx: Ctx| create_row(ctx, status, code, build),
        ));
    }
    for (slug, status, code, build) in update_rows() {
        checks.push(Check::new(
            format!("links.update.rejects_{slug}"),
            "PATCH",
            LINK,
            move |ctx: Ctx| update_row(ctx, status, code, build),
        ));
    }
    for (slug, query, code) in list_rows() {
        checks.push(Check::new(
            format!("links.list.rejects_{slug}"),
            "GET",
            LINKS,
            move |ctx: Ctx| async move {
                let view = ctx.send(Request::get(format!("{LINKS}{query}"))).await?;
                validate::error(&view, 400, code).map_err(|f| f.context(query))
            },
        ));
    }
    checks
}

async fn create_row(
    ctx: Ctx,
    status: u16,
    code: &'static str,
    build: Build,
) -> Result<(), Failure> {
    let fresh = ctx.fresh_code();
    let view = ctx.send(build(&fresh, &ctx.fresh_url())).await?;
    if view.status == 201 {
        // Wrongly accepted: make sure clean-up removes whatever it created.
        if let Some(c) = view
            .json()
            .ok()
            .as_ref()
            .and_then(|v| v.get("code"))
            .and_then(Value::as_str)
        {
            ctx.track(c);
        }
    }
    validate::error(&view, status, code)?;
    ctx.assert_absent(&fresh).await
}

async fn update_row(
    ctx: Ctx,
    status: u16,
    code: &'static str,
    build: Build,
) -> Result<(), Failure> {
    let link = ctx.create_fresh().await?;
    let view = ctx.send(build(&link.code, &ctx.fresh_url())).await?;
    validate::error(&view, status, code)?;
    let after = ctx.read(&link.code).await?;
    ensure!(
        after.url == link.url && after.expires_at == link.expires_at,
        "a rejected PATCH changes nothing",
        "before {}, after {}",
        link.raw,
        after.raw
    );
    Ok(())
}
