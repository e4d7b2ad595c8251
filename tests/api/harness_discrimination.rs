//! Proves the harness discriminates: through a faithful proxy the whole
//! catalogue passes, and through each deliberately wrong proxy the check
//! owning the broken rule fails.

use crate::support;

use shortlink_harness::{catalogue, failures, run_against, ApiKey, Outcome, RunOptions};
use support::faulty_proxy::{self, Fault};
use support::{spawn_app, Backend};

async fn run_through(fault: Fault) -> Vec<Outcome> {
    let app = spawn_app(Backend::Memory).await;
    let proxy = faulty_proxy::start(&app.base_url, fault).await;
    let outcomes = run_against(
        &proxy.base_url,
        &catalogue::catalogue(),
        &RunOptions::with_key(ApiKey::new(&app.admin_key)),
    )
    .await
    .expect("a valid target URL");
    drop(proxy);
    app.stop().await;
    outcomes
}

/// The proxy itself is faithful: with no fault, every check passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pass_through_proxy_passes_every_check() {
    let outcomes = run_through(Fault::PassThrough).await;
    let failed = failures(&outcomes);
    assert!(
        failed.is_empty(),
        "through a faithful proxy:\n{}",
        failed.join("\n")
    );
}

async fn assert_caught(fault: Fault) {
    let outcomes = run_through(fault).await;
    let failed = failures(&outcomes);
    eprintln!(
        "{fault:?}: {} checks failed\n  {}",
        failed.len(),
        failed.join("\n  ")
    );
    assert!(
        !failed.is_empty(),
        "fault {fault:?} went unnoticed by all {} checks",
        outcomes.len()
    );
    let owner = fault.must_fail();
    assert!(
        outcomes.iter().any(|o| o.name == owner && !o.passed()),
        "fault {fault:?}: {owner} should fail; failures were:\n{}",
        failed.join("\n")
    );
}

macro_rules! fault_tests {
    ($($name:ident => $fault:ident),* $(,)?) => {$(
        /// The named fault is caught by the check owning its rule.
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            assert_caught(Fault::$fault).await;
        }
    )*};
}

fault_tests! {
    catches_hits_not_counted => HitsNotCounted,
    catches_redirect_301 => Redirect301,
    catches_javascript_url_accepted => AcceptsJavascriptUrl,
    catches_delete_that_does_not_delete => DeleteDoesNotDelete,
    catches_page_that_skips_an_item => PageSkipsItem,
    catches_500_instead_of_4xx => ServerErrorFor4xx,
    catches_duplicate_code_accepted => DuplicateCodeAccepted,
    catches_expiry_ignored => ExpiryIgnored,
    catches_stats_unsorted => StatsUnsorted,
    catches_missing_location => MissingLocation,
    catches_html_error_bodies => HtmlErrorBodies,
    catches_limit_ignored => LimitIgnored,
}

/// Every fault in `Fault::BROKEN` has a test above (so none is forgotten).
#[test]
fn every_fault_has_a_test() {
    let source = include_str!("harness_discrimination.rs");
    for fault in Fault::BROKEN {
        assert!(
            source.contains(&format!("=> {fault:?},")),
            "no test for {fault:?}"
        );
    }
}
