//! Authentication: every `/api/v1` operation refuses a request without a
//! valid key with 401 `unauthorized` and a Bearer challenge, and the refused
//! request changes nothing; the scheme is case-insensitive; a redirect needs
//! no key at all.

use serde_json::json;

use super::REDIRECT;
use crate::apikey::{self, ApiKey, Auth};
use crate::check::{Check, Failure};
use crate::endpoints::{self, key_path, link_path, Endpoint, KEYED, KEYS, LINKS, STATS};
use crate::ensure;
use crate::target::{random_alnum, Ctx, Request};
use crate::validate::{self, NewKey};

/// The credentials that must all be refused, and whether each presents a
/// Bearer credential (then the challenge names `invalid_token`).
#[derive(Clone, Copy, Debug)]
enum Bad {
    Missing,
    /// `Basic <the admin key>`: a server that reads whatever follows the
    /// scheme would take it.
    OtherScheme,
    /// `Bearer x`.
    Malformed,
    /// A well-formed key no server made.
    Unknown,
    /// The admin key's id with another secret: a server that finds the key
    /// by its id but never compares the secret would take it.
    WrongSecret,
    /// A key that was created and revoked.
    Revoked,
}

const BAD: [Bad; 6] = [
    Bad::Missing,
    Bad::OtherScheme,
    Bad::Malformed,
    Bad::Unknown,
    Bad::WrongSecret,
    Bad::Revoked,
];

impl Bad {
    fn name(self) -> &'static str {
        match self {
            Bad::Missing => "no Authorization header",
            Bad::OtherScheme => "Basic scheme",
            Bad::Malformed => "malformed Bearer value",
            Bad::Unknown => "unknown key",
            Bad::WrongSecret => "known id, wrong secret",
            Bad::Revoked => "revoked key",
        }
    }

    fn presents_bearer(self) -> bool {
        !matches!(self, Bad::Missing | Bad::OtherScheme)
    }

    fn auth(self, admin: &ApiKey, revoked: &ApiKey) -> Auth {
        match self {
            Bad::Missing => Auth::None,
            Bad::OtherScheme => Auth::Raw(format!("Basic {}", admin.expose())),
            Bad::Malformed => Auth::Raw("Bearer x".into()),
            Bad::Unknown => Auth::Key(ApiKey::unknown()),
            Bad::WrongSecret => {
                let other = ApiKey::unknown();
                let secret = &other.expose()[apikey::PREFIX.len() + apikey::ID_LEN..];
                let id = admin.id().unwrap_or("000000000000");
                Auth::Key(ApiKey::new(format!("{}{id}{secret}", apikey::PREFIX)))
            }
            Bad::Revoked => Auth::Key(revoked.clone()),
        }
    }
}

pub fn checks() -> Vec<Check> {
    let mut checks: Vec<Check> = KEYED
        .iter()
        .map(|&op| {
            Check::new(
                format!("auth.{}.requires_a_valid_key", slug(op)),
                op.method,
                op.path,
                move |ctx: Ctx| refuses_bad_keys(ctx, op),
            )
        })
        .collect();
    checks.push(Check::new(
        "auth.bearer_scheme_is_case_insensitive",
        "GET",
        LINKS,
        scheme_case,
    ));
    checks.push(Check::new(
        "auth.redirect_needs_no_key",
        "GET",
        REDIRECT,
        redirect_without_key,
    ));
    checks
}

/// `links.create`, `stats.read`, `keys.revoke`, ...: the check name's part.
fn slug(op: Endpoint) -> &'static str {
    match op {
        endpoints::CREATE_LINK => "links.create",
        endpoints::LIST_LINKS => "links.list",
        endpoints::READ_LINK => "links.read",
        endpoints::UPDATE_LINK => "links.update",
        endpoints::DELETE_LINK => "links.delete",
        endpoints::GET_STATS => "stats",
        endpoints::CREATE_KEY => "keys.create",
        endpoints::LIST_KEYS => "keys.list",
        endpoints::REVOKE_KEY => "keys.revoke",
        _ => "other",
    }
}

/// What the refused requests aim at: a real link and a real key, so a
/// server that looks before it checks the key answers 200, 204 or 404, not
/// 401; and names for what a wrongly accepted create would make.
struct Aim {
    link_code: String,
    link_url: String,
    victim: NewKey,
    new_code: String,
    new_key_name: String,
}

fn request(op: Endpoint, aim: &Aim, url: &str) -> Request {
    match op {
        endpoints::CREATE_LINK => {
            Request::new("POST", LINKS).json(&json!({ "url": url, "code": aim.new_code }))
        }
        endpoints::LIST_LINKS => Request::get(LINKS),
        endpoints::READ_LINK => Request::get(link_path(&aim.link_code)),
        endpoints::UPDATE_LINK => {
            Request::new("PATCH", link_path(&aim.link_code)).json(&json!({ "url": url }))
        }
        endpoints::DELETE_LINK => Request::delete(link_path(&aim.link_code)),
        endpoints::GET_STATS => Request::get(STATS),
        endpoints::CREATE_KEY => {
            Request::new("POST", KEYS).json(&json!({ "name": aim.new_key_name, "role": "admin" }))
        }
        endpoints::LIST_KEYS => Request::get(KEYS),
        _ => Request::delete(key_path(&aim.victim.id)),
    }
}

/// Every bad credential on `op` gives the contract's 401, and afterwards
/// the link, the keys and the victim key are as they were.
async fn refuses_bad_keys(ctx: Ctx, op: Endpoint) -> Result<(), Failure> {
    let admin = ctx
        .target
        .api_key()
        .cloned()
        .ok_or_else(|| Failure::new("the harness is given an admin key", apikey::MISSING))?;
    let link = ctx.create_fresh().await?;
    let aim = Aim {
        link_code: link.code.clone(),
        link_url: link.url.clone(),
        victim: ctx.create_key("author").await?,
        new_code: ctx.fresh_code(),
        new_key_name: format!("shortlink-harness refused {}", random_alnum(8)),
    };
    let revoked = ctx.revoked_key().await?;
    for bad in BAD {
        let req = request(op, &aim, &ctx.fresh_url()).auth(bad.auth(&admin, &revoked));
        let view = ctx.target.send(req).await?;
        if op == endpoints::CREATE_KEY {
            ctx.note_created_key(&view);
        }
        if op == endpoints::CREATE_LINK && view.status == 201 {
            ctx.track(&aim.new_code);
        }
        validate::unauthorized(&view, bad.presents_bearer())
            .map_err(|f| f.context(&format!("{op} with {}", bad.name())))?;
        unchanged(&ctx, op, &aim)
            .await
            .map_err(|f| f.context(&format!("after {op} with {}", bad.name())))?;
    }
    Ok(())
}

/// What a refused request could have changed is unchanged.
async fn unchanged(ctx: &Ctx, op: Endpoint, aim: &Aim) -> Result<(), Failure> {
    match op {
        endpoints::CREATE_LINK => ctx.assert_absent(&aim.new_code).await,
        endpoints::UPDATE_LINK | endpoints::DELETE_LINK => {
            let now = ctx.read(&aim.link_code).await?;
            ensure!(
                now.url == aim.link_url,
                "a refused request changes nothing",
                "link {} now points to {:?}",
                aim.link_code,
                now.url
            );
            Ok(())
        }
        endpoints::CREATE_KEY => {
            let view = ctx.send(Request::get(KEYS)).await?;
            let made = validate::key_list(&view)?
                .into_iter()
                .find(|k| k.name == aim.new_key_name);
            if let Some(k) = &made {
                ctx.track_key(&k.id);
            }
            ensure!(
                made.is_none(),
                "a refused request creates no key",
                "key {:?} exists",
                aim.new_key_name
            );
            Ok(())
        }
        endpoints::REVOKE_KEY => {
            let view = ctx
                .send(Request::get(LINKS).auth(Auth::Key(aim.victim.key.clone())))
                .await?;
            validate::status(&view, 200)
                .map_err(|f| f.context("a refused revocation leaves the key working"))
        }
        _ => Ok(()),
    }
}

/// `bearer` and `BEARER` are the same scheme (RFC 7235); the key is not
/// case-insensitive, which the unknown-key rows cover.
async fn scheme_case(ctx: Ctx) -> Result<(), Failure> {
    let admin = ctx
        .target
        .api_key()
        .cloned()
        .ok_or_else(|| Failure::new("the harness is given an admin key", apikey::MISSING))?;
    for scheme in ["bearer", "BEARER", "bEaReR"] {
        let auth = Auth::Raw(format!("{scheme} {}", admin.expose()));
        let view = ctx.send(Request::get(LINKS).auth(auth)).await?;
        validate::page(&view, 20).map_err(|f| f.context(&format!("scheme {scheme:?}")))?;
    }
    Ok(())
}

/// A short link made by an author redirects a client that sends no key.
async fn redirect_without_key(ctx: Ctx) -> Result<(), Failure> {
    let (_, author) = ctx.author().await?;
    let url = ctx.fresh_url();
    let link = author.create(json!({ "url": url })).await?;
    let view = ctx
        .send(Request::get(endpoints::redirect_path(&link.code)).auth(Auth::None))
        .await?;
    validate::redirect(&view, &url)
}
