//! The harness's command line never prints a key: not the admin key it was
//! given, not the author keys it creates, not in the console lines, the
//! closing line or the JUnit report; even when a broken server makes a
//! failure quote a key creation's body, secret and all.

use crate::support;

use shortlink_harness::apikey::{ID_LEN, PREFIX};
use shortlink_harness::cli;
use support::auth_proxy::{self, AuthFault};
use support::{spawn_app, Backend};

/// Runs the CLI against `base` with the admin key on its command line;
/// returns the exit status and everything it printed and wrote.
async fn run_cli(base: &str, key: &str, filters: &[&str]) -> (u8, String) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let junit = dir.path().join("junit.xml");
    let mut args = vec![
        "shortlink-harness".to_string(),
        "--target".into(),
        base.into(),
        "--api-key".into(),
        key.into(),
        "--junit".into(),
        junit.display().to_string(),
    ];
    for f in filters {
        args.extend(["--filter".to_string(), f.to_string()]);
    }
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = cli::run(args, &mut out, &mut err).await;
    let junit = std::fs::read_to_string(&junit).unwrap_or_default();
    let text = format!(
        "{}\n{}\n{junit}",
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&err)
    );
    (status, text)
}

/// Every place something shaped like a key shows more than its public id:
/// `sl_` + id + `_` followed by any base64url character (a secret, or a
/// piece of one).
fn exposed_keys(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices(PREFIX) {
        let rest = &text[at + PREFIX.len()..];
        let id_ok = rest.len() > ID_LEN
            && rest.as_bytes()[..ID_LEN]
                .iter()
                .all(u8::is_ascii_alphanumeric)
            && rest.as_bytes()[ID_LEN] == b'_';
        let next = rest.as_bytes().get(ID_LEN + 1).copied().unwrap_or(b' ');
        if id_ok && (next.is_ascii_alphanumeric() || next == b'-' || next == b'_') {
            found.push(text[at..(at + 40).min(text.len())].to_string());
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_reaches_the_output() {
    let app = spawn_app(Backend::Memory).await;
    let admin = app.admin_key.clone();
    let filters = ["auth.", "ownership.", "keys."];

    // A passing run that creates and revokes dozens of author keys.
    let (status, text) = run_cli(&app.base_url, &admin, &filters).await;
    assert_eq!(status, 0, "the run should pass:\n{text}");
    assert!(text.contains(" passed, 0 failed"), "{text}");
    assert!(!text.contains(&admin), "the admin key was printed");
    assert_eq!(exposed_keys(&text), Vec::<String>::new(), "{text}");

    // A failing run whose failure details quote key bodies with secrets.
    let proxy = auth_proxy::start(&app.base_url, &admin, AuthFault::KeyCreatedAs200).await;
    let (status, text) = run_cli(&proxy.base_url, &admin, &filters).await;
    drop(proxy);
    app.stop().await;
    assert_eq!(status, 1, "the run should fail:\n{text}");
    assert!(
        text.contains("\\\"secret\\\":\\\"sl_") || text.contains("\"secret\":\"sl_"),
        "the failures should quote a created key's body (else this proves nothing):\n{text}"
    );
    assert!(!text.contains(&admin), "the admin key was printed");
    assert_eq!(exposed_keys(&text), Vec::<String>::new(), "{text}");
}
