//! The real `shortlink` binary as a child process, for the tests that need
//! what only a process has: signals, an exit status, its own memory and log.
//! Those tests (`tests/binary/`) include this file alone
//! rather than the in-process server support beside it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The admin key every server this process starts is given (as its
/// bootstrap key), so the tests can call `/api/v1`.
pub fn admin_key() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| shortlink::keys::ApiKey::generate().reveal())
}

/// A client builder that presents `key` (when given, as a sensitive
/// header) and never follows redirects; the in-process tests' clients too.
pub fn client_presenting(key: Option<&str>) -> reqwest::ClientBuilder {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(key) = key {
        let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {key}"))
            .expect("a key is a valid header value");
        value.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
}

/// An HTTP client that presents the admin key and never follows redirects.
pub fn admin_client() -> reqwest::ClientBuilder {
    client_presenting(Some(admin_key()))
}

pub fn free_port() -> u16 {
    shortlink_testbed::free_port().expect("a free loopback port")
}

/// The binary, run in `dir`, configured by nothing the caller's environment
/// happens to hold: every test says what it wants.
pub fn command(dir: &Path) -> Command {
    // The abuse test's thousands of idle connections come from this process;
    // the server inherits the raised limit too.
    shortlink_testbed::raise_fd_limit();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shortlink"));
    cmd.current_dir(dir)
        .env_remove("ROCKET_PROFILE")
        .env_remove("ROCKET_DATABASES")
        .env_remove("ROCKET_CONFIG")
        .env_remove("ROCKET_ADMIN_KEY_FILE")
        .env("ROCKET_ADMIN_KEY", admin_key())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    cmd
}

/// The binary as deployed on SQLite: the repository's Rocket.toml, the file
/// `db`, loopback `port`, its log off (a test turns it on with
/// `.env("SHORTLINK_LOG", "info")`).
pub fn on_sqlite(db: &Path, port: u16) -> Command {
    let mut cmd = command(db.parent().expect("the database file's directory"));
    cmd.env(
        "ROCKET_CONFIG",
        concat!(env!("CARGO_MANIFEST_DIR"), "/Rocket.toml"),
    )
    .env("ROCKET_PROFILE", "sqlite")
    .env("ROCKET_ADDRESS", "127.0.0.1")
    .env("ROCKET_PORT", port.to_string())
    .env(
        "ROCKET_DATABASES",
        format!("{{sqlite={{url=\"sqlite://{}\"}}}}", db.display()),
    )
    .env("SHORTLINK_LOG", "off");
    cmd
}

/// Waits until `GET /healthz` on `port` answers 200; panics after 30 s.
pub async fn wait_healthy(port: u16) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("an HTTP client");
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let ok = http
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        if ok {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server on port {port} not healthy within 30 s");
}

/// Sends `signal` to the child, by its own PID.
pub fn signal(child: &Child, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).expect("a PID fits pid_t");
    // SAFETY: kill(2) on a PID this test spawned and has not yet reaped.
    unsafe { libc::kill(pid, signal) };
}

/// Waits (bounded) for the child to exit; SIGKILLs that same PID and returns
/// None if it does not.
pub fn reap(child: &mut Child, within: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// A child killed and reaped when dropped, so a failing assertion leaves no
/// server behind.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
