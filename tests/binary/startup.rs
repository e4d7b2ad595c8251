//! The real binary: it starts with no configuration at all, stops gracefully,
//! and refuses to start, plainly, when its database cannot be opened.

use crate::binary;

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use binary::{free_port, reap};

/// The binary in `dir` with a text log on pipes the test reads after exit.
fn server(dir: &std::path::Path, envs: &[(&str, String)]) -> Command {
    let mut cmd = binary::command(dir);
    cmd.env("SHORTLINK_LOG_FORMAT", "text")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

fn output(child: &mut Child) -> String {
    let mut all = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut all);
    }
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut all);
    }
    all
}

/// Starts with neither Rocket.toml nor env, on SQLite (WAL) under ./data/, and drains on SIGTERM.
#[test]
fn starts_on_sqlite_with_no_configuration_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = server(dir.path(), &[("ROCKET_PORT", port.to_string())])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut ready = None;
    while Instant::now() < deadline && ready.is_none() {
        ready = reqwest::blocking_get(port);
        std::thread::sleep(Duration::from_millis(100));
    }
    let body = ready.expect("server did not answer /version within 20 s");
    assert!(body.contains("\"backend\":\"sqlite\""), "{body}");
    assert!(
        dir.path().join("data/shortlink.db").exists(),
        "SQLite file not created under ./data/"
    );

    binary::signal(&child, libc::SIGTERM);
    let status = reap(&mut child, Duration::from_secs(20)).expect("no exit within 20 s of SIGTERM");
    let log = output(&mut child);
    assert!(status.success(), "exit {status} after SIGTERM:\n{log}");
    assert!(log.contains("shortlink listening"), "{log}");
    // An ordinary start warns about nothing: a WARN line an operator learns to
    // ignore hides the one that matters. The stop's one WARN is Rocket's
    // "Received SIGTERM" (rocket::server also warns of real faults, so it stays).
    let warnings: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(" WARN ") && !l.contains("Received SIGTERM"))
        .collect();
    assert!(
        warnings.is_empty(),
        "warnings on a clean start and stop:\n{log}"
    );
    assert!(
        log.contains("storage closed"),
        "pool not closed on shutdown:\n{log}"
    );

    // WAL is a property of the file: a fresh connection sees it.
    let db = dir.path().join("data/shortlink.db");
    let mode: String = tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut conn)
            .await
            .unwrap()
    });
    assert_eq!(mode, "wal");
}

/// Unreachable MySQL: non-zero exit, one error line naming backend and masked URL, no panic.
#[test]
fn unreachable_mysql_fails_fast_with_a_masked_url() {
    let dir = tempfile::tempdir().unwrap();
    let dead = free_port();
    let dbs = format!(
        "{{mysql={{url=\"mysql://app:s3cret@127.0.0.1:{dead}/shortlink\",connect_timeout=2}}}}"
    );
    let mut child = server(
        dir.path(),
        &[
            ("ROCKET_PROFILE", "mysql".into()),
            ("ROCKET_DATABASES", dbs),
            ("ROCKET_PORT", free_port().to_string()),
        ],
    )
    .spawn()
    .unwrap();
    let status = reap(&mut child, Duration::from_secs(30))
        .expect("still running 30 s after a failed connect");
    let log = output(&mut child);
    assert!(!status.success(), "exit {status}:\n{log}");
    let errors: Vec<&str> = log.lines().filter(|l| l.contains("ERROR")).collect();
    assert_eq!(errors.len(), 1, "want exactly one error line:\n{log}");
    assert!(errors[0].contains("backend=mysql"), "{log}");
    assert!(
        errors[0].contains(&format!("mysql://app:***@127.0.0.1:{dead}/shortlink")),
        "{log}"
    );
    assert!(!log.contains("s3cret"), "password leaked:\n{log}");
    assert!(
        !log.contains("panicked") && !log.contains("backtrace"),
        "{log}"
    );
}

/// A SQLite path that cannot be created: non-zero exit with the reason, no panic.
#[test]
fn uncreatable_sqlite_file_fails_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"a file where a directory should be").unwrap();
    let url = format!("sqlite://{}/x.db", blocker.display());
    let mut child = server(
        dir.path(),
        &[
            ("ROCKET_DATABASES", format!("{{sqlite={{url=\"{url}\"}}}}")),
            ("ROCKET_PORT", free_port().to_string()),
        ],
    )
    .spawn()
    .unwrap();
    let status = reap(&mut child, Duration::from_secs(30)).expect("still running");
    let log = output(&mut child);
    assert!(!status.success());
    assert!(
        log.contains("backend=sqlite") && log.contains("cannot create"),
        "{log}"
    );
    assert!(!log.contains("panicked"), "{log}");
}

mod reqwest {
    /// A tiny blocking GET of /version: this test drives a child process, not a runtime.
    pub fn blocking_get(port: u16) -> Option<String> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        s.set_read_timeout(Some(std::time::Duration::from_secs(2)))
            .ok()?;
        write!(
            s,
            "GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        out.starts_with("HTTP/1.1 200").then_some(out)
    }
}
