//! A reverse proxy that breaks one contract rule at a time, put in front of a
//! correct server to prove the harness notices (owned by the harness work).
//!
//! The HTTP/1.1 plumbing is `proxy_http`'s, with its bounded connection
//! policy: the faults here only decide what each request gets back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::proxy_http::{self, Listener, Req, Resp, Upstream};

mod faults;

use faults::handle;
pub use faults::Fault;

/// A running proxy; stops accepting when dropped.
pub struct FaultyProxy {
    pub base_url: String,
    _listener: Listener,
}

struct State {
    upstream: Upstream,
    fault: Fault,
    /// HitsNotCounted: code -> Location learnt from the first real redirect.
    locations: Mutex<HashMap<String, String>>,
}

/// Starts a proxy on a free loopback port in front of `upstream`
/// (`http://127.0.0.1:PORT`).
pub async fn start(upstream: &str, fault: Fault) -> FaultyProxy {
    let state = Arc::new(State {
        upstream: Upstream::new(upstream, "faulty proxy"),
        fault,
        locations: Mutex::new(HashMap::new()),
    });
    let listener = proxy_http::listen(proxy_http::BOUNDED, state, handle).await;
    FaultyProxy {
        base_url: listener.base_url.clone(),
        _listener: listener,
    }
}
