//! Proves the harness catches a server that gets authentication wrong: the
//! whole catalogue passes through a faithful auth proxy, and fails, in the
//! checks that own the rule, through a proxy that makes the server ignore
//! ownership or accept any key.

use crate::support;

use shortlink_harness::endpoints::KEYED;
use shortlink_harness::{catalogue, failures, run_against, ApiKey, Outcome, RunOptions};
use support::auth_proxy::{self, AuthFault};
use support::{spawn_app, Backend};

async fn run_through(fault: AuthFault) -> Vec<Outcome> {
    let app = spawn_app(Backend::Memory).await;
    let proxy = auth_proxy::start(&app.base_url, &app.admin_key, fault).await;
    let options = RunOptions::with_key(ApiKey::new(&app.admin_key));
    let outcomes = run_against(&proxy.base_url, &catalogue::catalogue(), &options)
        .await
        .expect("a valid target URL");
    drop(proxy);
    app.stop().await;
    outcomes
}

/// The checks of `names` that did not fail.
fn passed<'a>(outcomes: &[Outcome], names: &'a [String]) -> Vec<&'a String> {
    names
        .iter()
        .filter(|n| !outcomes.iter().any(|o| &o.name == *n && !o.passed()))
        .collect()
}

/// With no fault every check passes: the proxy itself is faithful, so a
/// failure below is the fault's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pass_through_auth_proxy_passes_every_check() {
    let outcomes = run_through(AuthFault::PassThrough).await;
    let failed = failures(&outcomes);
    assert!(
        failed.is_empty(),
        "through a faithful proxy:\n{}",
        failed.join("\n")
    );
}

/// A server that authenticates but never scopes to the caller's links:
/// every ownership check of an author's reach fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catches_a_server_that_ignores_ownership() {
    let outcomes = run_through(AuthFault::IgnoresOwnership).await;
    let failed = failures(&outcomes);
    eprintln!(
        "IgnoresOwnership: {} failed\n  {}",
        failed.len(),
        failed.join("\n  ")
    );
    let owners: Vec<String> = [
        "ownership.author_cannot_read_another_authors_link",
        "ownership.author_cannot_update_another_authors_link",
        "ownership.author_cannot_delete_another_authors_link",
        "ownership.list_shows_an_author_only_its_links",
        "ownership.stats_count_an_author_only_its_links",
    ]
    .map(String::from)
    .to_vec();
    let missed = passed(&outcomes, &owners);
    assert!(
        missed.is_empty(),
        "these should fail: {missed:?}\nfailures:\n{}",
        failed.join("\n")
    );
}

/// A server that lets any request in: the 401 check of every `/api/v1`
/// operation fails, and so does revocation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catches_a_server_that_accepts_any_key() {
    let outcomes = run_through(AuthFault::AcceptsAnyKey).await;
    let failed = failures(&outcomes);
    eprintln!(
        "AcceptsAnyKey: {} failed\n  {}",
        failed.len(),
        failed.join("\n  ")
    );
    let mut owners: Vec<String> = catalogue::catalogue()
        .into_iter()
        .filter(|c| c.name.starts_with("auth.") && c.name.ends_with(".requires_a_valid_key"))
        .map(|c| c.name)
        .collect();
    assert_eq!(
        owners.len(),
        KEYED.len(),
        "one 401 check per /api/v1 operation"
    );
    owners.push("keys.revoke.refused_on_the_next_request".into());
    let missed = passed(&outcomes, &owners);
    assert!(
        missed.is_empty(),
        "these should fail: {missed:?}\nfailures:\n{}",
        failed.join("\n")
    );
}
