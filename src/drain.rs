//! Tells a stopping server when nothing is left to drain, so it can exit then
//! rather than at the end of its grace period.
//!
//! Rocket 0.5, once its accept loop has ended, sleeps out the *whole* shutdown
//! grace if any connection task is still alive at that instant, even one that
//! is only closing an idle keep-alive connection and ends a millisecond later.
//! Behind nginx (upstream keep-alive) or after a load test that is most stops:
//! measured here, 9 of 16 SIGTERMs with idle keep-alive connections open took
//! the full 10 s, with nothing in flight. `drained` watches the real condition
//! instead: shutdown requested, no request being handled, and no client
//! connection left that this process still holds open.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use rocket::Shutdown;

use crate::telemetry::InFlight;

/// How often the condition is looked at once shutdown has begun.
const POLL: Duration = Duration::from_millis(10);

/// Resolves once shutdown has been requested and both requests and client
/// connections on `port` have drained. Never resolves where that cannot be
/// told (no /proc, port 0) or after `limit`: Rocket's own timers decide then.
pub async fn drained(shutdown: Shutdown, port: u16, in_flight: InFlight, limit: Duration) {
    shutdown.await;
    let started = Instant::now();
    while started.elapsed() < limit {
        match client_connections(port) {
            None => break,
            Some(0) if in_flight.now() == 0 => {
                tracing::info!(
                    after_ms = started.elapsed().as_millis() as u64,
                    "drained: no request in flight and no client connection open"
                );
                return;
            }
            Some(_) => tokio::time::sleep(POLL).await,
        }
    }
    std::future::pending::<()>().await
}

/// TCP connections this process holds open whose local port is `port`
/// (the listening socket itself not counted); None if /proc cannot tell.
pub fn client_connections(port: u16) -> Option<usize> {
    if port == 0 {
        return None;
    }
    let ours = own_socket_inodes()?;
    let mut count = 0;
    for table in ["/proc/self/net/tcp", "/proc/self/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        count += text
            .lines()
            .skip(1)
            .filter_map(parse_entry)
            .filter(|e| e.local_port == port && !e.listening && ours.contains(&e.inode))
            .count();
    }
    Some(count)
}

/// The inodes of the sockets behind this process's file descriptors.
fn own_socket_inodes() -> Option<HashSet<u64>> {
    let dir = std::fs::read_dir("/proc/self/fd").ok()?;
    Some(
        dir.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
            .filter_map(|target| {
                let t = target.to_str()?;
                t.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
            })
            .collect(),
    )
}

struct TcpEntry {
    local_port: u16,
    listening: bool,
    inode: u64,
}

/// One line of /proc/net/tcp{,6}:
/// `sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …`,
/// addresses as `HEXADDR:HEXPORT`, the state in hex (`0A` is LISTEN).
fn parse_entry(line: &str) -> Option<TcpEntry> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (_, port) = fields.get(1)?.rsplit_once(':')?;
    Some(TcpEntry {
        local_port: u16::from_str_radix(port, 16).ok()?,
        listening: *fields.get(3)? == "0A",
        inode: fields.get(9)?.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn parses_a_proc_net_tcp_line() {
        let line = "   3: 0100007F:1F40 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 20 4 30 10 -1";
        let e = parse_entry(line).unwrap();
        assert_eq!((e.local_port, e.listening, e.inode), (8000, false, 4242));
        let listen = "   0: 00000000000000000000000000000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0";
        let e = parse_entry(listen).unwrap();
        assert_eq!((e.local_port, e.listening, e.inode), (8000, true, 77));
        assert!(parse_entry("  sl  local_address rem_address   st").is_none());
    }

    #[test]
    fn counts_the_accepted_connections_it_holds_not_the_listener() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert_eq!(client_connections(port), Some(0));
        let _client = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        let _client2 = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (accepted2, _) = listener.accept().unwrap();
        // The clients' own sockets have ephemeral local ports: not counted.
        assert_eq!(client_connections(port), Some(2));
        drop(accepted);
        assert_eq!(client_connections(port), Some(1));
        drop(accepted2);
        assert_eq!(client_connections(port), Some(0));
        assert_eq!(client_connections(0), None);
    }
}
