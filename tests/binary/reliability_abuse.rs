//! Abuse: idle connections by the thousand, slow clients, headers and bodies
//! over the limits, deeply nested JSON. The server stays up, keeps serving a
//! well-behaved client promptly, and its memory stays bounded (VmHWM).

use crate::binary;

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use binary::{admin_client, admin_key, free_port, wait_healthy, Running};

/// Idle connections held open at once; well under the test's `ulimit -n`.
const IDLE: usize = 2000;
/// Slow clients dribbling a request head, one byte at a time.
const SLOW: usize = 50;
/// A generous bound on the server's peak resident memory under all of it.
const MAX_PEAK_RSS_KIB: u64 = 512 * 1024;
/// What "promptly" means for the well-behaved client, on a loaded 2-core box.
const PROMPT: Duration = Duration::from_secs(2);

fn vm_hwm_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

fn nofile_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    lim.rlim_cur
}

/// One raw HTTP/1.1 exchange; the status code, or None if the server closed
/// the connection without answering.
async fn raw_status(port: u16, request: &[u8]) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    // The server may answer (and close) before it has read all of a huge request.
    let _ = s.write_all(request).await;
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf)).await;
    let head = String::from_utf8_lossy(&buf);
    head.strip_prefix("HTTP/1.1 ")
        .and_then(|r| r.get(..3))
        .and_then(|c| c.parse().ok())
}

/// A well-behaved client: create and follow a link, each within `PROMPT`.
async fn probe(http: &reqwest::Client, port: u16, n: usize) -> Duration {
    let started = Instant::now();
    let code = format!("probe{n}");
    let r = http
        .post(format!("http://127.0.0.1:{port}/api/v1/links"))
        .json(&serde_json::json!({ "url": "https://example.org/probe", "code": code }))
        .send()
        .await
        .expect("probe create answered");
    assert_eq!(r.status(), 201);
    let r = http
        .get(format!("http://127.0.0.1:{port}/{code}"))
        .send()
        .await
        .expect("probe redirect answered");
    assert_eq!(r.status(), 302);
    started.elapsed()
}

/// The start of a raw `POST /api/v1/links` with the admin key: the abuse
/// must reach the body, past the key check.
fn post_head() -> String {
    format!(
        "POST /api/v1/links HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\n",
        admin_key()
    )
}

fn json_post(body: &[u8]) -> Vec<u8> {
    let mut req = format!(
        "{}Content-Length: {}\r\nConnection: close\r\n\r\n",
        post_head(),
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    req
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abuse_leaves_the_server_up_prompt_and_bounded() {
    assert!(
        nofile_limit() >= (IDLE + SLOW + 200) as u64,
        "ulimit -n is {}; this test holds {} connections (raise it with `ulimit -n 4096`)",
        nofile_limit(),
        IDLE + SLOW
    );
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = binary::on_sqlite(&dir.path().join("abuse.db"), port)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Running(child);
    let pid = server.0.id();
    wait_healthy(port).await;
    let http = admin_client()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let baseline = probe(&http, port, 0).await;
    let rss_before = vm_hwm_kib(pid);

    // 1. Idle connections: opened, never written to.
    let mut idle = Vec::with_capacity(IDLE);
    for _ in 0..IDLE {
        idle.push(
            TcpStream::connect(("127.0.0.1", port))
                .await
                .expect("connect an idle client"),
        );
    }
    let with_idle = probe(&http, port, 1).await;
    assert!(
        with_idle < PROMPT,
        "probe took {with_idle:?} beside {IDLE} idle connections"
    );

    // 2. Slow clients: one byte every 100 ms, for several seconds.
    let mut slow = Vec::new();
    for i in 0..SLOW {
        slow.push(tokio::spawn(async move {
            let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)).await else {
                return;
            };
            // Half dribble a request head, half a declared body after a complete head.
            let (start, dribble) = if i % 2 == 0 {
                (
                    String::new(),
                    format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow-{i}: "),
                )
            } else {
                (
                    format!("{}Content-Length: 100\r\n\r\n", post_head()),
                    r#"{"url":"https://example.org/slow","#.to_owned(),
                )
            };
            if s.write_all(start.as_bytes()).await.is_err() {
                return;
            }
            for b in dribble.bytes().chain(std::iter::repeat_n(b'a', 30)) {
                if s.write_all(&[b]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let with_slow = probe(&http, port, 2).await;
    assert!(
        with_slow < PROMPT,
        "probe took {with_slow:?} beside slow clients"
    );

    // 3. Over the limits, each answered with an error (or refused by closing), never a crash.
    let huge_header = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(1024 * 1024)
    );
    let status = raw_status(port, huge_header.as_bytes()).await;
    assert!(
        matches!(status, None | Some(400) | Some(431)),
        "1 MiB header: {status:?}"
    );
    let many_headers: String = (0..500).map(|i| format!("X-H{i}: v\r\n")).collect();
    let status = raw_status(
        port,
        format!("GET /healthz HTTP/1.1\r\nHost: x\r\n{many_headers}Connection: close\r\n\r\n")
            .as_bytes(),
    )
    .await;
    assert!(
        matches!(status, None | Some(400) | Some(431)),
        "500 headers: {status:?}"
    );
    // A body over the limit that is actually sent: the server answers 413 as soon
    // as it knows, and may close before reading the rest, so the client can see a
    // reset instead of the answer; either way nothing is created.
    let big_body = format!(
        r#"{{"url":"https://example.org/big","code":"bigbody1","x":"{}"}}"#,
        "a".repeat(4 * 1024 * 1024)
    );
    let status = raw_status(port, &json_post(big_body.as_bytes())).await;
    assert!(matches!(status, None | Some(413)), "4 MiB body: {status:?}");
    // Declared over the limit, a few body bytes sent: a 413 at once, from the header.
    // (Rocket reads the first 14 body bytes before routing any request, so a
    // request whose declared body never comes gets no answer; see the slow clients.)
    let lying = format!(
        "{}Content-Length: 1000000000\r\nConnection: close\r\n\r\n{{\"url\":\"https://example.org/\"}}",
        post_head()
    );
    assert_eq!(
        raw_status(port, lying.as_bytes()).await,
        Some(413),
        "Content-Length: 1e9"
    );
    let chunked_big = {
        let mut r = format!(
            "{}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            post_head()
        )
        .into_bytes();
        let body = format!(
            r#"{{"url":"https://example.org/big","code":"bigbody2","x":"{}"}}"#,
            "a".repeat(17 * 1024)
        );
        for chunk in body.as_bytes().chunks(1024) {
            r.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            r.extend_from_slice(chunk);
            r.extend_from_slice(b"\r\n");
        }
        r.extend_from_slice(b"0\r\n\r\n");
        r
    };
    let status = raw_status(port, &chunked_big).await;
    assert!(
        matches!(status, None | Some(413)),
        "17 KiB chunked body: {status:?}"
    );
    for code in ["bigbody1", "bigbody2"] {
        let r = http
            .get(format!("http://127.0.0.1:{port}/api/v1/links/{code}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "an oversized body created {code}");
    }
    for depth in [200, 5_000] {
        let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(
            raw_status(port, &json_post(nested.as_bytes())).await,
            Some(400),
            "nested JSON, depth {depth}"
        );
        let nested_obj = format!(
            r#"{{"url":"https://example.org/","x":{}1{}}}"#,
            r#"{"a":"#.repeat(depth),
            "}".repeat(depth)
        );
        let status = raw_status(port, &json_post(nested_obj.as_bytes())).await;
        assert!(
            matches!(status, Some(400) | Some(413)),
            "nested object, depth {depth}: {status:?}"
        );
    }

    let after_limits = probe(&http, port, 3).await;
    assert!(
        after_limits < PROMPT,
        "probe took {after_limits:?} after the oversized requests"
    );
    for s in slow {
        let _ = tokio::time::timeout(Duration::from_secs(10), s).await;
    }
    drop(idle);
    let after = probe(&http, port, 4).await;
    assert!(after < PROMPT, "probe took {after:?} after the abuse ended");

    let peak = vm_hwm_kib(pid);
    println!(
        "abuse: peak RSS (VmHWM) {peak} KiB (before the abuse {rss_before} KiB); probe latency \
         baseline {baseline:?}, {IDLE} idle {with_idle:?}, {SLOW} slow {with_slow:?}, \
         after oversized {after_limits:?}, after all {after:?}"
    );
    assert!(
        peak < MAX_PEAK_RSS_KIB,
        "peak RSS {peak} KiB over {MAX_PEAK_RSS_KIB} KiB"
    );
    assert!(
        server.0.id() == pid && std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "server gone"
    );
}
