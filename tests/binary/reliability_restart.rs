//! No acknowledged write is lost when the server binary dies under a concurrent
//! create load (SIGKILL), and a graceful stop (SIGTERM) cuts no request off.

use crate::binary;

use std::collections::HashMap;
use std::path::Path;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use binary::{admin_client, free_port, reap, signal, wait_healthy};

/// Concurrent clients of the create load.
const WORKERS: usize = 8;
/// Upper bounds on the load, whichever comes first.
const MAX_CREATES: usize = 20_000;
const MAX_LOAD: Duration = Duration::from_secs(20);

/// The real binary on the SQLite file `db`; `RR_LOG=info` shows its log.
fn start(db: &Path, port: u16) -> Child {
    let mut cmd = binary::on_sqlite(db, port);
    if let Ok(level) = std::env::var("RR_LOG") {
        cmd.env("SHORTLINK_LOG", level);
    }
    cmd.spawn().expect("start the shortlink binary")
}

#[derive(Default)]
struct Outcomes {
    /// code → url, for every 201.
    acked: HashMap<String, String>,
    /// Requests answered with anything but 201.
    other_status: Vec<(String, u16)>,
    /// Requests that got no response: (code, url, was a connect error).
    failed: Vec<(String, String, bool)>,
}

/// Creates links with client-chosen codes from `WORKERS` clients until a
/// request fails (the server is gone), or the bounds are reached.
/// A fresh connection per request: a reused keep-alive connection can be closed
/// by the server between requests, which is no cut-off request.
async fn create_load(port: u16, run: &'static str) -> Outcomes {
    let out = Arc::new(Mutex::new(Outcomes::default()));
    let http = admin_client()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WORKERS {
        let (http, out) = (http.clone(), out.clone());
        tasks.push(tokio::spawn(async move {
            for n in 0..MAX_CREATES / WORKERS {
                if started.elapsed() > MAX_LOAD {
                    break;
                }
                let code = format!("{run}{w}x{n}");
                let url = format!("https://example.org/{run}/{w}/{n}?q={n}");
                let res = http
                    .post(format!("http://127.0.0.1:{port}/api/v1/links"))
                    .json(&serde_json::json!({ "url": url, "code": code }))
                    .send()
                    .await;
                let mut o = out.lock().unwrap();
                match res {
                    Ok(r) if r.status() == 201 => {
                        o.acked.insert(code, url);
                    }
                    Ok(r) => o.other_status.push((code, r.status().as_u16())),
                    Err(e) => {
                        o.failed.push((code, url, e.is_connect()));
                        break;
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    Arc::try_unwrap(out).ok().unwrap().into_inner().unwrap()
}

/// Waits until the load has had `n` acknowledged creates (bounded).
async fn until_acked(port: u16, n: usize) {
    let http = admin_client().build().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(r) = http
            .get(format!("http://127.0.0.1:{port}/api/v1/stats"))
            .send()
            .await
        {
            if let Ok(v) = r.json::<serde_json::Value>().await {
                if v["links"].as_u64().unwrap_or(0) >= n as u64 {
                    return;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the load did not reach {n} links within 20 s");
}

/// After a restart on the same file, every acknowledged code resolves to its URL.
async fn assert_all_durable(db: &Path, acked: &HashMap<String, String>) -> Vec<String> {
    let port = free_port();
    let mut child = start(db, port);
    let http = admin_client().build().unwrap();
    wait_healthy(port).await;
    let mut lost = Vec::new();
    for (code, url) in acked {
        let r = http
            .get(format!("http://127.0.0.1:{port}/{code}"))
            .send()
            .await
            .unwrap();
        let location = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        if r.status() != 302 || location.as_deref() != Some(url.as_str()) {
            lost.push(format!("{code}: {} {location:?}", r.status()));
        }
    }
    signal(&child, libc::SIGTERM);
    reap(&mut child, Duration::from_secs(20)).expect("restarted server stops on SIGTERM");
    lost
}

async fn exists(http: &reqwest::Client, port: u16, code: &str) -> bool {
    http.get(format!("http://127.0.0.1:{port}/api/v1/links/{code}"))
        .send()
        .await
        .unwrap()
        .status()
        == 200
}

/// A fresh server on `db` with the create load running and at least 1,000
/// creates acknowledged: the moment to stop it.
async fn server_under_load(db: &Path, run: &'static str) -> (Child, JoinHandle<Outcomes>) {
    let port = free_port();
    let child = start(db, port);
    wait_healthy(port).await;
    let load = tokio::spawn(create_load(port, run));
    until_acked(port, 1000).await;
    (child, load)
}

/// The load's outcomes once the stopped server has ended it; every answer it
/// got was a 201, and it got at least 1,000.
async fn outcomes_after_stop(load: JoinHandle<Outcomes>) -> Outcomes {
    let out = tokio::time::timeout(Duration::from_secs(60), load)
        .await
        .expect("load ends once the server is gone")
        .unwrap();
    assert!(
        out.other_status.is_empty(),
        "non-201 answers: {:?}",
        &out.other_status[..out.other_status.len().min(10)]
    );
    assert!(out.acked.len() >= 1000, "only {} creates", out.acked.len());
    out
}

/// SIGKILL in the middle of a concurrent create load: every 201 survives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_create_load_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kill.db");
    let (mut child, load) = server_under_load(&db, "k").await;
    signal(&child, libc::SIGKILL);
    reap(&mut child, Duration::from_secs(10)).expect("SIGKILLed server is gone");
    let out = outcomes_after_stop(load).await;
    let lost = assert_all_durable(&db, &out.acked).await;
    println!(
        "SIGKILL: {} acknowledged creates checked after restart, {} lost, {} requests unanswered",
        out.acked.len(),
        lost.len(),
        out.failed.len()
    );
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");
}

/// SIGTERM in the middle of a concurrent create load: the server drains, exits
/// 0, and no request it accepted is cut off: every request without a response
/// left no link behind, and every 201 survives a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_create_load_cuts_no_request_off() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("term.db");
    let (mut child, load) = server_under_load(&db, "t").await;
    let signalled = Instant::now();
    signal(&child, libc::SIGTERM);
    let status = reap(&mut child, Duration::from_secs(30)).expect("exit within 30 s of SIGTERM");
    let drained_in = signalled.elapsed();
    assert!(status.success(), "exit status {status} after SIGTERM");
    let out = outcomes_after_stop(load).await;

    // Restart and look: a request with no response must not have created its link.
    let port2 = free_port();
    let mut again = start(&db, port2);
    let http = admin_client().build().unwrap();
    wait_healthy(port2).await;
    let mut cut_off = Vec::new();
    for (code, _, connect) in &out.failed {
        if exists(&http, port2, code).await {
            cut_off.push(format!("{code} (connect error: {connect})"));
        }
    }
    signal(&again, libc::SIGTERM);
    reap(&mut again, Duration::from_secs(20)).expect("restarted server stops");
    assert!(
        cut_off.is_empty(),
        "processed but never answered: {cut_off:?}"
    );
    let lost = assert_all_durable(&db, &out.acked).await;
    println!(
        "SIGTERM: drained and exited in {drained_in:?}; {} acknowledged creates checked, {} lost; \
         {} requests unanswered after the listener closed, none of them written",
        out.acked.len(),
        lost.len(),
        out.failed.len()
    );
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");
}

/// Idle keep-alive connections (nginx keeps some to every upstream) are no
/// reason to sit out the shutdown grace: Rocket 0.5 alone often waited all
/// of it (10 s here). Each of several stops, with 16 such connections open
/// and nothing in flight, exits 0 in well under the grace period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_idle_keep_alive_connections_does_not_wait_out_the_grace() {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    const ROUNDS: usize = 5;
    const IDLE: usize = 16;
    // Rocket.toml's grace is 10 s; half of it is far above a real drain.
    let bound = Duration::from_secs(5);
    let dir = tempfile::tempdir().unwrap();
    let mut took = Vec::new();
    for round in 0..ROUNDS {
        let port = free_port();
        let mut child = start(&dir.path().join(format!("idle-{round}.db")), port);
        wait_healthy(port).await;
        let mut idle = Vec::new();
        for _ in 0..IDLE {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
                .unwrap();
            let mut buf = [0u8; 1024];
            let n = s.read(&mut buf).unwrap();
            assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "healthz answered");
            idle.push(s);
        }
        let signalled = Instant::now();
        signal(&child, libc::SIGTERM);
        let status = reap(&mut child, Duration::from_secs(30)).expect("exit after SIGTERM");
        took.push(signalled.elapsed());
        assert!(status.success(), "round {round}: exit status {status}");
        drop(idle);
    }
    println!("SIGTERM with {IDLE} idle keep-alive connections: exited after {took:?}");
    let slow: Vec<_> = took.iter().filter(|t| **t >= bound).collect();
    assert!(
        slow.is_empty(),
        "{} of {ROUNDS} stops took {bound:?} or more: {took:?}",
        slow.len()
    );
}
