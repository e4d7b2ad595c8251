//! Transactions, grouped by persona as in goose's umami example: small async
//! fns that describe what one kind of user does. This module holds what they
//! share: the `on_start` set-up and seeding, link creation and code/URL
//! generation.
//!
//! - [`visitor`]: people clicking short links (redirects).
//! - [`integrator`]: programs managing links through the API (create, read,
//!   patch, delete).
//! - [`dashboard`]: link owners browsing (list pages, stats, reads).
//! - [`probe`]: a health checker, the loader-overhead benchmark.

pub mod dashboard;
pub mod integrator;
pub mod probe;
pub mod visitor;

use std::sync::Arc;

use goose::prelude::*;
use serde_json::{json, Value};
use shortlink_harness::endpoints::{link_path, CREATE_LINK, READ_LINK};
use shortlink_harness::target::random_alnum;
use shortlink_harness::{ensure, validate, Request};

use crate::check::{self, custom};
use crate::keys;
use crate::session::{KnownLink, Session, Shared};

/// Which key a persona's `/api/v1` requests present. Redirects never carry
/// one, whoever sends them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyUse {
    /// None at all: the health probe, which never calls `/api/v1`.
    None,
    /// The run's admin key: the dashboard, and the visitors' seeding.
    Admin,
    /// An author key of its own, made in `on_start` and revoked in
    /// `on_stop`: the integrator, which reaches only the links it created.
    OwnAuthor,
}

/// What a persona creates when it starts, and with which key.
#[derive(Clone, Copy, Debug)]
pub struct Seeds {
    pub key: KeyUse,
    /// Seed `hot_links_per_user` hot links into the shared registry.
    pub hot: bool,
    /// Churn links to start with, so patches and deletes have targets at once.
    pub churn: usize,
}

/// The `on_start` transaction of every persona: a client that does not follow
/// redirects (and trusts `--ca-cert`), the session with its key, then the
/// persona's seed links. A closure rather
/// than a plain fn because it hands the run's [`Shared`] state to the user.
pub fn on_start(shared: &Arc<Shared>, seeds: Seeds) -> Transaction {
    let shared = shared.clone();
    let start: TransactionFunction = Arc::new(move |user| {
        let shared = shared.clone();
        Box::pin(async move { start(user, shared, seeds).await })
    });
    Transaction::new(start).set_on_start().set_name("seed")
}

async fn start(user: &mut GooseUser, shared: Arc<Shared>, seeds: Seeds) -> TransactionResult {
    check::use_non_following_client(user, &shared).await?;
    let mut own = Session::new(shared.clone());
    match seeds.key {
        KeyUse::None => {}
        KeyUse::Admin => own.key = shared.access.admin_key(),
        KeyUse::OwnAuthor => {
            let (id, key) = keys::create_author(&shared, user.weighted_users_index)
                .await
                .map_err(|e| {
                    shared.record_failure(format!("on_start: {e}"));
                    custom(e)
                })?;
            own.own_key_id = Some(id);
            own.key = Some(key);
        }
    }
    user.set_session_data(own);
    if seeds.hot {
        for _ in 0..shared.hot_links_per_user {
            let link = create(user, false, false).await?;
            shared.add_hot(link.clone());
            session(user)?.own_hot.push(link);
        }
    }
    for _ in 0..seeds.churn {
        let link = create(user, true, false).await?;
        session(user)?.churn.push_back(link);
    }
    Ok(())
}

/// This user's session; set in `on_start`, so missing only if that failed.
pub fn session(user: &mut GooseUser) -> Result<&mut Session, Box<TransactionError>> {
    user.get_session_data_mut::<Session>()
        .ok_or_else(|| custom("no session: on_start did not finish".to_string()))
}

/// A unique target URL in the normalised form the server keeps as is (lower-case
/// host, explicit path), so the echo and the redirect can be compared exactly.
pub fn fresh_url() -> String {
    format!("https://example.org/load/{}?q=1", random_alnum(12))
}

/// A custom code unique to this run: `ld` + 10 base62 characters; the prefix
/// marks load-test links on a shared instance and never spells a reserved word.
pub fn fresh_code() -> String {
    format!("ld{}", random_alnum(10))
}

/// POST /api/v1/links: a fresh URL, with a custom code or a generated one, and
/// with or without a TTL (a day: never expires during a run). Validated as a
/// created link (201, shape, Location) echoing what was sent.
pub async fn create(
    user: &mut GooseUser,
    custom_code: bool,
    ttl: bool,
) -> Result<KnownLink, Box<TransactionError>> {
    let url = fresh_url();
    let mut body = json!({ "url": url });
    if custom_code {
        body["code"] = Value::from(fresh_code());
    }
    if ttl {
        body["ttl_seconds"] = Value::from(86_400);
    }
    let req = Request::new(CREATE_LINK.method, CREATE_LINK.path).json(&body);
    let link = check::send(user, CREATE_LINK, req, 201, |view| {
        let link = validate::created_link_for(view, &body)?;
        ensure!(
            link.expires_at.is_some() == ttl,
            "expires_at is set exactly when ttl_seconds was sent",
            "ttl sent: {ttl}, expires_at {:?}",
            link.expires_at
        );
        Ok(link)
    })
    .await?;
    Ok(KnownLink {
        code: link.code,
        url: link.url,
    })
}

/// GET /api/v1/links/{code} of a link whose URL is known: a 200 link with
/// that code and URL.
pub async fn read(user: &mut GooseUser, link: &KnownLink) -> TransactionResult {
    let req = Request::get(link_path(&link.code));
    check::send(user, READ_LINK, req, 200, |view| {
        let got = validate::link_response(view, 200)?;
        ensure!(
            got.code == link.code && got.url == link.url,
            "GET /api/v1/links/{code} returns that link",
            "want {} -> {}, got {} -> {}",
            link.code,
            link.url,
            got.code,
            got.url
        );
        Ok(())
    })
    .await
}
