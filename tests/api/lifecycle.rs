//! The library's lifecycle, driven in-process: a stop with idle keep-alive
//! connections still open ends as soon as they are drained, with success,
//! instead of sleeping out Rocket's grace period.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use shortlink::lifecycle::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{test_figment, Backend, TestDb};

/// One request on a keep-alive connection, which then stays open and idle.
async fn idle_keep_alive(port: u16) -> TcpStream {
    let mut conn = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .expect("send");
    let mut buf = [0u8; 1024];
    let n = conn.read(&mut buf).await.expect("read");
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );
    conn
}

/// The in-process twin of the binary's SIGTERM test: with a 10 s grace and
/// sixteen idle connections, `serve` returns success well inside the grace.
#[tokio::test]
async fn a_stop_with_idle_keep_alive_connections_returns_once_drained() {
    let db = TestDb::fresh(Backend::Memory).await;
    let port = shortlink_testbed::free_port().expect("a free port");
    // A real port: the drain watches this process's sockets on it (port 0
    // would leave the decision to Rocket's timers).
    let figment = test_figment(&db)
        .merge(("port", port))
        .merge(("shutdown.grace", 10))
        .merge(("shutdown.mercy", 2));
    let server = Server::ignite(shortlink::build(figment))
        .await
        .expect("the server ignites");
    assert_eq!(server.port(), port);
    let shutdown = server.shutdown();
    let serving = tokio::spawn(server.serve());
    let mut idle = Vec::new();
    for _ in 0..100 {
        if let Ok(conn) = TcpStream::connect(("127.0.0.1", port)).await {
            drop(conn);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for _ in 0..16 {
        idle.push(idle_keep_alive(port).await);
    }
    let asked = Instant::now();
    shutdown.notify();
    let code = tokio::time::timeout(Duration::from_secs(8), serving)
        .await
        .expect("serve returned before the grace period ran out")
        .expect("the serve task did not panic");
    assert_eq!(code, ExitCode::SUCCESS);
    eprintln!("stopped {:?} after the request", asked.elapsed());
    drop(idle);
}
