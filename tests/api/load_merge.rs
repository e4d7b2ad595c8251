//! Load from several hosts, one report: two `shortlink-load` processes
//! started together against one SQLite server, each a `--merge-part`, then
//! `shortlink-load-merge`. Each part keeps its hot links and leaves the hits
//! alone; the merge's one reconciliation counts every part's redirects
//! (a merge that missed a part, or a part that deleted its links, would not
//! match), its counts are the parts' sums, and it deletes every hot link.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support;

use serde_json::Value;
use shortlink_harness::apikey::ENV_VAR;
use shortlink_load::merge::{self, MergedReport};
use support::{spawn_app, Backend};

/// A binary of the load crate, built beside this test binary by
/// `cargo test --workspace` (the load crate's own tests need it).
fn load_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let path = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/debug")
        .join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo build -p shortlink-load` (scripts/test builds it)",
        path.display()
    );
    path
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// One load host's run: 3 users (one per persona), 3 s, every request
/// judged, its files in `dir`.
fn part(host: &str, key: &str, start_at: u64, dir: &Path) -> Command {
    std::fs::create_dir_all(dir).expect("the part's directory");
    let mut cmd = Command::new(load_binary("shortlink-load"));
    cmd.env(ENV_VAR, key)
        .args(["--host", host, "--merge-part", "--start-at"])
        .arg(start_at.to_string())
        .args(["--users", "3", "--increase-rate", "100", "--run-time", "3s"])
        .args(["--no-print-metrics", "--threshold", "error-rate<=0"])
        .arg("--report-file")
        .arg(dir.join("goose.json"))
        .arg("--summary-json")
        .arg(dir.join("summary.json"));
    cmd
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `GET /api/v1/links/{code}`'s status.
async fn link_status(app: &support::TestApp, code: &str) -> u16 {
    let url = format!("{}/api/v1/links/{code}", app.base_url);
    let res = app.http.get(url).send().await.expect("GET the link");
    res.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_load_hosts_merge_into_one_reconciled_report() {
    let app = spawn_app(Backend::Sqlite).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    // Far enough ahead for both processes' set-up on a busy machine.
    let start_at = unix_now() + 5;
    let dirs = [dir.path().join("load1"), dir.path().join("load2")];
    let runs: Vec<_> = dirs
        .iter()
        .map(|d| {
            let child = part(&app.base_url, &app.admin_key, start_at, d)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("start shortlink-load");
            tokio::task::spawn_blocking(move || child.wait_with_output())
        })
        .collect();
    for run in runs {
        let out = tokio::time::timeout(Duration::from_secs(120), run)
            .await
            .expect("a part ran over 120 s")
            .expect("the wait")
            .expect("shortlink-load's output");
        assert!(out.status.success(), "a part failed: {}", text(&out));
        assert!(
            text(&out).contains("left to shortlink-load-merge"),
            "{}",
            text(&out)
        );
    }

    // Each part left its hits unreconciled and its hot links in place, and
    // started its users no earlier than the common start.
    let mut hot_links = Vec::new();
    let mut befores = Vec::new();
    for d in &dirs {
        let summary = read_json(&d.join("summary.json"));
        assert!(summary["reconciliation"].is_null(), "{summary}");
        assert_eq!(summary["links_cleaned_up"], 0, "{summary}");
        let part = &summary["merge_part"];
        befores.push(part["hits_before"].as_u64().expect("hits_before"));
        let codes = part["hot_links"].as_array().expect("hot_links");
        assert!(!codes.is_empty(), "{summary}");
        hot_links.extend(
            codes
                .iter()
                .map(|c| c.as_str().expect("a code").to_string()),
        );
        let read = merge::read_part(&d.join("summary.json")).expect("the part");
        let first = read.metrics.history.first().expect("goose's history");
        assert!(
            first.timestamp.timestamp() >= start_at as i64 - 1,
            "started early"
        );
        assert!(read.summary.redirects_ok > 0, "{summary}");
    }
    assert_eq!(
        befores[0], befores[1],
        "the parts read the hits at different totals"
    );
    for code in &hot_links {
        assert_eq!(
            link_status(&app, code).await,
            200,
            "{code} deleted by its part"
        );
    }

    let merged_json = dir.path().join("merged.json");
    let out = Command::new(load_binary("shortlink-load-merge"))
        .env(ENV_VAR, &app.admin_key)
        .arg("--summary-json")
        .arg(&merged_json)
        .args(dirs.iter().map(|d| d.join("summary.json")))
        .output()
        .expect("run shortlink-load-merge");
    let printed = text(&out);
    assert!(out.status.success(), "{printed}");
    assert!(
        printed.contains("MATCH") && printed.contains("load2"),
        "{printed}"
    );
    assert!(
        !printed.contains(&app.admin_key),
        "the merge printed the key"
    );

    let report: MergedReport =
        serde_json::from_value(read_json(&merged_json)).expect("the merged report");
    let m = &report.merged;
    let sum = |f: fn(&merge::PartLine) -> u64| report.parts.iter().map(f).sum::<u64>();
    assert_eq!(m.requests, sum(|p| p.requests));
    assert_eq!(m.redirects_ok, sum(|p| p.redirects_ok));
    assert_eq!(m.users, 6);
    let r = m.reconciliation.as_ref().expect("the reconciliation");
    assert!(r.matched, "{}", report.render());
    assert_eq!(r.hits_delta, m.redirects_ok as i64);
    assert_eq!(m.links_cleaned_up as usize, hot_links.len());
    for code in &hot_links {
        assert_eq!(link_status(&app, code).await, 404, "{code} left behind");
    }
    // The endpoints' rows add up to the whole.
    let rows: u64 = m.endpoints.iter().map(|e| e.requests).sum();
    assert_eq!(rows, m.requests);
}

/// A host whose set-up ends after the common start refuses to run: its
/// hits read would come after the others' first requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_already_passed_is_refused() {
    let app = spawn_app(Backend::Memory).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let child = part(&app.base_url, &app.admin_key, unix_now() - 30, dir.path());
    let out = tokio::task::spawn_blocking(move || {
        let mut child = child;
        child.output()
    })
    .await
    .expect("the wait")
    .expect("run shortlink-load");
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(2), "{printed}");
    assert!(
        printed.contains("--start-at") && printed.contains("passed"),
        "{printed}"
    );
    assert!(
        !dir.path().join("summary.json").exists(),
        "a refused run wrote a summary"
    );
}
