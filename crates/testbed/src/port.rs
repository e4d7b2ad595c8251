//! Free loopback ports.

use std::net::TcpListener;

/// A port nobody listens on at this instant: the kernel picks it for a bind to
/// port 0 and it is released at once. Another process could take it before
/// the caller binds it; callers that start servers check readiness anyway.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
