//! The integrator: a program that manages links through the API (a CMS or a
//! marketing tool). It creates links, reads them back, re-points some and
//! deletes old ones; only ever its own churn links, never the hot set. Each
//! integrator works on an author key of its own, so every call it makes is
//! also a call the server must scope to that key's links.

use goose::prelude::*;
use rand::Rng;
use serde_json::json;
use shortlink_harness::endpoints::{link_path, DELETE_LINK, UPDATE_LINK};
use shortlink_harness::{ensure, validate, Request};

use super::{create, fresh_url, read, session};
use crate::check::{self, custom};
use crate::keys;
use crate::session::KnownLink;

/// Churn links an integrator keeps at least, so a patch always has a target
/// and deletes never outrun creates.
pub const MIN_CHURN: usize = 2;

/// POST /api/v1/links: half with a custom code, a quarter with a TTL.
pub async fn create_link(user: &mut GooseUser) -> TransactionResult {
    let (custom_code, ttl) = {
        let mut rng = rand::thread_rng();
        (rng.gen_bool(0.5), rng.gen_bool(0.25))
    };
    let link = create(user, custom_code, ttl).await?;
    session(user)?.churn.push_back(link);
    Ok(())
}

/// GET /api/v1/links/{code} of one of its own links (hot or churn).
pub async fn read_link(user: &mut GooseUser) -> TransactionResult {
    let link = {
        let s = session(user)?;
        let n = s.own_hot.len() + s.churn.len();
        if n == 0 {
            return Ok(());
        }
        let i = rand::thread_rng().gen_range(0..n);
        match s.own_hot.get(i) {
            Some(link) => link.clone(),
            None => s.churn[i - s.own_hot.len()].clone(),
        }
    };
    read(user, &link).await
}

/// PATCH /api/v1/links/{code}: re-points a churn link to a new URL; the answer
/// must be that link with the new URL.
pub async fn patch_link(user: &mut GooseUser) -> TransactionResult {
    let (index, link) = {
        let s = session(user)?;
        if s.churn.is_empty() {
            return Ok(());
        }
        let i = rand::thread_rng().gen_range(0..s.churn.len());
        (i, s.churn[i].clone())
    };
    let url = fresh_url();
    let req = Request::new(UPDATE_LINK.method, link_path(&link.code)).json(&json!({ "url": url }));
    check::send(user, UPDATE_LINK, req, 200, |view| {
        let got = validate::link_response(view, 200)?;
        ensure!(
            got.code == link.code && got.url == url,
            "PATCH returns the link with the new url",
            "want {} -> {url}, got {} -> {}",
            link.code,
            got.code,
            got.url
        );
        Ok(())
    })
    .await?;
    if let Some(entry) = session(user)?.churn.get_mut(index) {
        entry.url = url;
    }
    Ok(())
}

/// DELETE /api/v1/links/{code} of its oldest churn link (204, empty body),
/// keeping [`MIN_CHURN`].
pub async fn delete_link(user: &mut GooseUser) -> TransactionResult {
    let link = {
        let s = session(user)?;
        if s.churn.len() <= MIN_CHURN {
            return Ok(());
        }
        match s.churn.pop_front() {
            Some(link) => link,
            None => return Ok(()),
        }
    };
    delete(user, &link).await
}

/// `on_stop`: deletes every churn link left, so a run leaves only its hot
/// links behind, and those the runner deletes after reconciliation; then
/// revokes its author key. Bounded: one request per link the user holds.
pub async fn clean_up(user: &mut GooseUser) -> TransactionResult {
    let links: Vec<KnownLink> = session(user)?.churn.drain(..).collect();
    let mut result = Ok(());
    for link in &links {
        if let Err(e) = delete(user, link).await {
            result = Err(e);
        }
    }
    let (shared, own_key) = {
        let s = session(user)?;
        (s.shared.clone(), s.own_key_id.take())
    };
    if let Some(id) = own_key {
        if let Err(e) = keys::revoke(&shared, &id).await {
            shared.record_failure(format!("on_stop: {e}"));
            result = Err(custom(e));
        }
    }
    result
}

async fn delete(user: &mut GooseUser, link: &KnownLink) -> TransactionResult {
    let req = Request::delete(link_path(&link.code));
    check::send(user, DELETE_LINK, req, 204, validate::no_content).await
}
