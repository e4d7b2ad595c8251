//! The link resource: create, list, read, update, delete.

use rocket::http::Status;
use rocket::response::status::{Created, NoContent};
use rocket::serde::json::Json;
use rocket::State;
use serde::Serialize;
use serde_json::Value;

use crate::domain::{
    now, parse_rfc3339, Code, CodeError, Cursor, NewLink, TargetUrl, MAX_TTL_SECONDS,
};
use crate::error::{ApiError, Result};
use crate::http::auth::Caller;
use crate::http::body::JsonObject;
use crate::http::view::{LinkView, PublicBase};
use crate::http::App;
use crate::store::{self, LinkPatch};

const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;

#[rocket::post("/api/v1/links", data = "<body>")]
pub async fn create(
    app: &State<App>,
    caller: Caller,
    base: PublicBase,
    body: JsonObject,
) -> Result<Created<Json<LinkView>>> {
    let mut new = parse_create(&body)?;
    new.owner = Some(caller.key);
    let link = app.call(store::create(app.store.as_ref(), &new)).await?;
    let location = format!("/api/v1/links/{}", link.code);
    Ok(Created::new(location).body(Json(LinkView::new(link, &base))))
}

fn parse_create(body: &JsonObject) -> Result<NewLink> {
    body.only(&["url", "code", "ttl_seconds"])?;
    let url = match body.opt_str("url")? {
        Some(u) => parse_url(u)?,
        None => return Err(ApiError::invalid("invalid_body", "`url` is required")),
    };
    let code = body.opt_str("code")?.map(parse_custom_code).transpose()?;
    let created_at = now();
    let expires_at = match body.get("ttl_seconds") {
        None => None,
        Some(v) => match v.as_i64() {
            Some(ttl) if (1..=MAX_TTL_SECONDS).contains(&ttl) => Some(created_at + ttl),
            _ => {
                return Err(ApiError::invalid(
                    "invalid_ttl",
                    "ttl_seconds must be an integer from 1 to 31536000",
                ))
            }
        },
    };
    Ok(NewLink {
        code,
        url,
        created_at,
        expires_at,
        owner: None,
    })
}

fn parse_url(s: &str) -> Result<TargetUrl> {
    TargetUrl::parse(s).map_err(|e| ApiError::invalid("invalid_url", e.message()))
}

fn parse_custom_code(s: &str) -> Result<Code> {
    Code::parse_custom(s).map_err(|e| match e {
        CodeError::Invalid => {
            ApiError::invalid("invalid_code", "code must match [A-Za-z0-9_-]{3,32}")
        }
        CodeError::Reserved => {
            ApiError::new(Status::Conflict, "code_reserved", "that code is reserved")
        }
    })
}

/// Looks a path code up; a code that cannot exist is simply not found.
fn path_code(code: &str) -> Result<Code> {
    Code::parse(code).ok_or_else(ApiError::not_found)
}

#[derive(Serialize)]
pub struct PageView {
    items: Vec<LinkView>,
    next_cursor: Option<String>,
}

#[rocket::get("/api/v1/links?<limit>&<cursor>")]
pub async fn list(
    app: &State<App>,
    caller: Caller,
    base: PublicBase,
    limit: Vec<&str>,
    cursor: Vec<&str>,
) -> Result<Json<PageView>> {
    // Collected as lists: with `Option<&str>`, Rocket turns a repeated key
    // (`?limit=5&limit=500`) into "absent" and the default was served silently.
    let limit = match single(&limit, "invalid_limit", "limit")? {
        None => DEFAULT_LIMIT,
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request("invalid_limit", "limit must be an integer from 1 to 100")
            })?,
    };
    let after = single(&cursor, "invalid_cursor", "cursor")?
        .map(|c| {
            Cursor::decode(c).ok_or_else(|| {
                ApiError::bad_request("invalid_cursor", "cursor is not one this service issued")
            })
        })
        .transpose()?;
    let page = app
        .call(app.store.list(after, limit, &caller.scope()))
        .await?;
    Ok(Json(PageView {
        items: page
            .items
            .into_iter()
            .map(|l| LinkView::new(l, &base))
            .collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

/// The one value of a query parameter that may appear at most once.
fn single<'a>(values: &[&'a str], code: &'static str, name: &str) -> Result<Option<&'a str>> {
    match values {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        _ => Err(ApiError::bad_request(
            code,
            format!("{name} must be given at most once"),
        )),
    }
}

#[rocket::get("/api/v1/links/<code>")]
pub async fn read(
    app: &State<App>,
    caller: Caller,
    base: PublicBase,
    code: &str,
) -> Result<Json<LinkView>> {
    let code = path_code(code)?;
    let link = app
        .call(app.store.get(&code, &caller.scope()))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(LinkView::new(link, &base)))
}

#[rocket::patch("/api/v1/links/<code>", data = "<body>")]
pub async fn update(
    app: &State<App>,
    caller: Caller,
    base: PublicBase,
    code: &str,
    body: JsonObject,
) -> Result<Json<LinkView>> {
    let code = path_code(code)?;
    let patch = parse_patch(&body)?;
    let link = app
        .call(app.store.update(&code, &patch, &caller.scope()))
        .await;
    app.forget_target(&code);
    let link = link?.ok_or_else(ApiError::not_found)?;
    Ok(Json(LinkView::new(link, &base)))
}

fn parse_patch(body: &JsonObject) -> Result<LinkPatch> {
    body.only(&["url", "expires_at"])?;
    let url = body.opt_str("url")?.map(parse_url).transpose()?;
    let expires_at = match body.get("expires_at") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(parse_rfc3339(s).ok_or_else(|| {
            ApiError::invalid(
                "invalid_expires_at",
                "expires_at must be an RFC 3339 timestamp or null",
            )
        })?)),
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_body",
                "`expires_at` must be a string or null",
            ))
        }
    };
    Ok(LinkPatch { url, expires_at })
}

#[rocket::delete("/api/v1/links/<code>")]
pub async fn delete(app: &State<App>, caller: Caller, code: &str) -> Result<NoContent> {
    let code = path_code(code)?;
    let deleted = app.call(app.store.delete(&code, &caller.scope())).await;
    app.forget_target(&code);
    if deleted? {
        Ok(NoContent)
    } else {
        Err(ApiError::not_found())
    }
}
