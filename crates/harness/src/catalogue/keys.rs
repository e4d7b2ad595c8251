//! Key management, `/api/v1/keys`: an admin creates (the secret shown once),
//! lists (never a secret) and revokes (refused at once) keys; an author gets
//! 403 on all three and changes nothing; malformed creates are refused.

use serde_json::{json, Value};

use crate::apikey::{ApiKey, Auth};
use crate::check::{Check, Failure};
use crate::endpoints::{key_path, KEY, KEYS, LINKS};
use crate::ensure;
use crate::target::{random_alnum, Ctx, Request};
use crate::validate::{self, KeyItem};

const JSON: Option<&str> = Some("application/json");

pub fn checks() -> Vec<Check> {
    let mut checks = vec![
        Check::new(
            "keys.create.author_key_works",
            "POST",
            KEYS,
            author_key_works,
        ),
        Check::new("keys.create.admin_key_works", "POST", KEYS, admin_key_works),
        Check::new("keys.list.shows_keys_without_secrets", "GET", KEYS, listed),
        Check::new(
            "keys.revoke.refused_on_the_next_request",
            "DELETE",
            KEY,
            revoke_at_once,
        ),
        Check::new("keys.revoke.unknown_id_404", "DELETE", KEY, revoke_unknown),
        Check::new("keys.create.author_forbidden", "POST", KEYS, author_create),
        Check::new("keys.list.author_forbidden", "GET", KEYS, author_list),
        Check::new("keys.revoke.author_forbidden", "DELETE", KEY, author_revoke),
    ];
    for (slug, status, code, body) in bad_creates() {
        checks.push(Check::new(
            format!("keys.create.rejects_{slug}"),
            "POST",
            KEYS,
            move |ctx: Ctx| rejected_create(ctx, status, code, body),
        ));
    }
    checks
}

async fn list_keys(ctx: &Ctx) -> Result<Vec<KeyItem>, Failure> {
    let view = ctx.send(Request::get(KEYS)).await?;
    validate::key_list(&view).map_err(|f| f.context("GET /api/v1/keys"))
}

/// A new author key is listed (without its secret) and creates, reads and
/// deletes a link of its own.
async fn author_key_works(ctx: Ctx) -> Result<(), Failure> {
    let (key, author) = ctx.author().await?;
    let listed = list_keys(&ctx).await?;
    let item = listed.iter().find(|k| k.id == key.id);
    ensure!(
        item.is_some_and(|k| k.name == key.name && k.role == "author" && k.revoked_at.is_none()),
        "a created key is listed, live, with its name and role",
        "key {} listed as {item:?}",
        key.id
    );
    let link = author.create_fresh().await?;
    author.read(&link.code).await?;
    let view = author
        .send(Request::delete(crate::endpoints::link_path(&link.code)))
        .await?;
    validate::no_content(&view).map_err(|f| f.context("the author deletes its own link"))
}

/// A new admin key manages keys itself.
async fn admin_key_works(ctx: Ctx) -> Result<(), Failure> {
    let key = ctx.create_key("admin").await?;
    let admin = ctx.acting_as(&key.key);
    let listed = list_keys(&admin).await?;
    ensure!(
        listed.iter().any(|k| k.id == key.id && k.role == "admin"),
        "a created admin key is listed as admin",
        "key {} missing",
        key.id
    );
    Ok(())
}

/// Two new keys are listed in creation order among the others, and no
/// listed key carries a secret or a hash (`key_list` checks every item).
async fn listed(ctx: Ctx) -> Result<(), Failure> {
    let first = ctx.create_key("author").await?;
    let second = ctx.create_key("admin").await?;
    let items = list_keys(&ctx).await?;
    let pos = |id: &str| items.iter().position(|k| k.id == id);
    ensure!(
        pos(&first.id).is_some() && pos(&second.id).is_some(),
        "the key list holds every key",
        "created {} and {}, listed {:?}",
        first.id,
        second.id,
        items.iter().map(|k| &k.id).collect::<Vec<_>>()
    );
    if first.created_at < second.created_at {
        ensure!(
            pos(&first.id) < pos(&second.id),
            "the key list is oldest first",
            "{} was created before {}",
            first.id,
            second.id
        );
    }
    Ok(())
}

/// The key works, is revoked (204, empty), and its very next request is a
/// 401; it is listed with `revoked_at`; revoking it again is a 404.
async fn revoke_at_once(ctx: Ctx) -> Result<(), Failure> {
    let (key, author) = ctx.author().await?;
    let view = author.send(Request::get(LINKS)).await?;
    validate::status(&view, 200).map_err(|f| f.context("before revocation"))?;
    ctx.revoke(&key.id).await?;
    let view = author.send(Request::get(LINKS)).await?;
    validate::unauthorized(&view, true).map_err(|f| f.context("the next request"))?;
    let item = list_keys(&ctx).await?.into_iter().find(|k| k.id == key.id);
    ensure!(
        item.as_ref().is_some_and(|k| k.revoked_at.is_some()),
        "a revoked key is listed with revoked_at",
        "key {} listed as {item:?}",
        key.id
    );
    let view = ctx.send(Request::delete(key_path(&key.id))).await?;
    validate::error(&view, 404, "not_found").map_err(|f| f.context("a second revocation"))
}

async fn revoke_unknown(ctx: Ctx) -> Result<(), Failure> {
    for id in [random_alnum(12), "not-a-key-id".to_string()] {
        let view = ctx.send(Request::delete(key_path(&id))).await?;
        validate::error(&view, 404, "not_found").map_err(|f| f.context(&format!("id {id:?}")))?;
    }
    Ok(())
}

/// An author creating a key: 403, and no key by that name exists.
async fn author_create(ctx: Ctx) -> Result<(), Failure> {
    let (_, author) = ctx.author().await?;
    let name = format!("shortlink-harness forbidden {}", random_alnum(8));
    let view = author
        .send(Request::new("POST", KEYS).json(&json!({ "name": name, "role": "admin" })))
        .await?;
    ctx.note_created_key(&view);
    validate::forbidden(&view)?;
    no_key_named(&ctx, &name).await
}

async fn author_list(ctx: Ctx) -> Result<(), Failure> {
    let (_, author) = ctx.author().await?;
    let view = author.send(Request::get(KEYS)).await?;
    validate::forbidden(&view)
}

/// An author revoking another key, or its own: 403, and both keep working.
async fn author_revoke(ctx: Ctx) -> Result<(), Failure> {
    let (own, author) = ctx.author().await?;
    let other = ctx.create_key("author").await?;
    for (whose, id) in [("another key", &other.id), ("its own key", &own.id)] {
        let view = author.send(Request::delete(key_path(id))).await?;
        validate::forbidden(&view).map_err(|f| f.context(&format!("revoking {whose}")))?;
    }
    for (whose, key) in [
        ("the other key", &other.key),
        ("the author's key", &own.key),
    ] {
        let view = ctx
            .send(Request::get(LINKS).auth(Auth::Key(key.clone())))
            .await?;
        validate::status(&view, 200)
            .map_err(|f| f.context(&format!("{whose} after a forbidden revocation")))?;
    }
    Ok(())
}

async fn no_key_named(ctx: &Ctx, name: &str) -> Result<(), Failure> {
    let made = list_keys(ctx).await?.into_iter().find(|k| k.name == name);
    if let Some(k) = &made {
        ctx.track_key(&k.id);
    }
    ensure!(
        made.is_none(),
        "a refused key creation creates no key",
        "a key named {name:?} exists"
    );
    Ok(())
}

/// A bad create body, given the unique name that proves nothing was made.
type Body = fn(&str) -> (Option<&'static str>, Vec<u8>);

fn json_body(v: Value) -> (Option<&'static str>, Vec<u8>) {
    (JSON, v.to_string().into_bytes())
}

#[rustfmt::skip]
fn bad_creates() -> Vec<(&'static str, u16, &'static str, Body)> {
    vec![
        ("unknown_role", 422, "invalid_role", |n| json_body(json!({ "name": n, "role": "owner" }))),
        ("role_in_capitals", 422, "invalid_role", |n| json_body(json!({ "name": n, "role": "ADMIN" }))),
        ("missing_role", 422, "invalid_role", |n| json_body(json!({ "name": n }))),
        ("empty_name", 422, "invalid_name", |_| json_body(json!({ "name": "", "role": "author" }))),
        ("missing_name", 422, "invalid_name", |_| json_body(json!({ "role": "author" }))),
        ("name_over_200_characters", 422, "invalid_name", |n| {
            json_body(json!({ "name": format!("{n}{}", "x".repeat(201)), "role": "author" }))
        }),
        ("unknown_field", 422, "invalid_body", |n| json_body(json!({ "name": n, "role": "author", "secret": ApiKey::unknown().expose() }))),
        ("body_is_array", 422, "invalid_body", |n| json_body(json!([{ "name": n, "role": "author" }]))),
        ("malformed_json", 400, "malformed_json", |n| (JSON, format!(r#"{{"name":"{n}","role":"author""#).into_bytes())),
        ("text_plain", 415, "unsupported_media_type", |n| {
            (Some("text/plain"), json!({ "name": n, "role": "author" }).to_string().into_bytes())
        }),
    ]
}

/// The bad body gets its status and code, and no key is made.
async fn rejected_create(ctx: Ctx, status: u16, code: &str, body: Body) -> Result<(), Failure> {
    let name = format!("shortlink-harness rejected {}", random_alnum(8));
    let (content_type, bytes) = body(&name);
    let view = ctx
        .send(Request::new("POST", KEYS).raw(content_type, bytes))
        .await?;
    ctx.note_created_key(&view);
    validate::error(&view, status, code)?;
    no_key_named(&ctx, &name).await
}
