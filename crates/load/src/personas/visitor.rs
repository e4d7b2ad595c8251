//! The visitor: someone who clicks a short link. Almost all of a shortener's
//! traffic, and the only persona whose requests move the hit counters.

use goose::prelude::*;
use shortlink_harness::endpoints::{redirect_path, FOLLOW_LINK};
use shortlink_harness::{validate, Request};

use super::session;
use crate::check::{self, custom};

/// GET /{code} of a hot link drawn with a Zipf-like skew from every user's
/// seeds. Hot links are never patched nor deleted during a run, so the
/// expected answer is always a 302 to the recorded URL with
/// `Cache-Control: no-store`; anything else is a failure.
pub async fn click(user: &mut GooseUser) -> TransactionResult {
    let shared = session(user)?.shared.clone();
    let link = shared
        .pick_hot()
        .ok_or_else(|| custom("no hot link seeded yet".to_string()))?;
    let req = Request::get(redirect_path(&link.code));
    check::send(user, FOLLOW_LINK, req, 302, |view| {
        validate::redirect(view, &link.url)
    })
    .await?;
    // Only now: a redirect that failed its check is not a success.
    shared.count_redirect();
    Ok(())
}
