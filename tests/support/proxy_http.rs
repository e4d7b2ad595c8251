//! The HTTP/1.1 plumbing the test-only reverse proxies (`faulty_proxy`,
//! `auth_proxy`) share: each only decides what to do with a request, this
//! reads it off the wire, forwards it and writes the answer back.
//!
//! It speaks just enough HTTP/1.1 over raw tokio TCP (request line, headers,
//! `Content-Length` bodies, keep-alive) and forwards with reqwest, so the
//! proxies need no HTTP server crate: the harness's client is the only one
//! they must serve.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How a proxy treats its client's connections. The two proxies were written
/// with different rules here and their tests were tuned against them, so each
/// keeps its own.
#[derive(Debug, Clone, Copy)]
pub struct ConnPolicy {
    /// Requests served on one connection before the proxy drops it.
    pub max_requests: usize,
    /// A request head longer than this ends the connection unanswered.
    pub max_head_bytes: usize,
    /// A declared body longer than this ends the connection unanswered.
    pub max_body_bytes: usize,
    /// Answer a `Connection: close` request with `connection: close` and
    /// close; otherwise keep reading until the client hangs up.
    pub honour_close: bool,
}

/// Bounded: a runaway or hostile client cannot hold a connection or memory.
pub const BOUNDED: ConnPolicy = ConnPolicy {
    max_requests: 10_000,
    max_head_bytes: 64 * 1024,
    max_body_bytes: 1024 * 1024,
    honour_close: true,
};

/// No limits: the connection lives as long as the client keeps it.
pub const UNBOUNDED: ConnPolicy = ConnPolicy {
    max_requests: usize::MAX,
    max_head_bytes: usize::MAX,
    max_body_bytes: usize::MAX,
    honour_close: false,
};

pub struct Req {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
    pub fn set_header(&mut self, name: &str, value: &str) {
        set_header(&mut self.headers, name, value);
    }
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
    pub fn set_header(&mut self, name: &str, value: &str) {
        set_header(&mut self.headers, name, value);
    }
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Replaces every `name` header (any case) with one `name: value`, appended.
fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value.to_string()));
}

/// The server a proxy stands in front of, and the client it reaches it with.
pub struct Upstream {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
    client: reqwest::Client,
    /// Names the proxy in the 502 it answers when the upstream fails.
    who: &'static str,
}

impl Upstream {
    pub fn new(base: &str, who: &'static str) -> Upstream {
        Upstream {
            base: base.trim_end_matches('/').to_string(),
            // Redirects are answers to pass back, not to follow.
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .expect("proxy client"),
            who,
        }
    }

    /// Sends `req` upstream as it is, less the hop-by-hop headers; a
    /// transport failure becomes a plain-text 502.
    pub async fn forward(&self, req: &Req) -> Resp {
        let method =
            reqwest::Method::from_bytes(req.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut builder = self
            .client
            .request(method, format!("{}{}", self.base, req.target));
        for (k, v) in &req.headers {
            if !HOP_BY_HOP.iter().any(|h| k.eq_ignore_ascii_case(h)) {
                builder = builder.header(k, v);
            }
        }
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let result = async {
            let resp = builder.send().await?;
            let status = resp.status().as_u16();
            let headers = resp
                .headers()
                .iter()
                .filter(|(k, _)| !HOP_BY_HOP.contains(&k.as_str()))
                .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
                .collect();
            let body = resp.bytes().await?.to_vec();
            Ok::<_, reqwest::Error>(Resp {
                status,
                headers,
                body,
            })
        }
        .await;
        result.unwrap_or_else(|e| Resp {
            status: 502,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: format!("{}: upstream error {e}", self.who).into_bytes(),
        })
    }
}

/// Headers that describe one connection, not the message: the proxy's own
/// connections set their own (and it re-frames every body by length).
const HOP_BY_HOP: &[&str] = &[
    "host",
    "connection",
    "keep-alive",
    "content-length",
    "transfer-encoding",
];

/// A proxy listening on a loopback port; stops accepting when dropped.
pub struct Listener {
    pub base_url: String,
    accept: JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Listens on a free loopback port and answers every request with
/// `handle(state, request)`.
pub async fn listen<S, H, F>(policy: ConnPolicy, state: Arc<S>, handle: H) -> Listener
where
    S: Send + Sync + 'static,
    H: Fn(Arc<S>, Req) -> F + Copy + Send + 'static,
    F: Future<Output = Resp> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind proxy port");
    let port = listener.local_addr().expect("proxy address").port();
    let accept = tokio::spawn(async move {
        // Ends when the Listener is dropped (abort); each connection task
        // ends when its client closes or the policy says so.
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, policy, state.clone(), handle));
        }
    });
    Listener {
        base_url: format!("http://127.0.0.1:{port}"),
        accept,
    }
}

async fn serve<S, H, F>(stream: TcpStream, policy: ConnPolicy, state: Arc<S>, handle: H)
where
    H: Fn(Arc<S>, Req) -> F,
    F: Future<Output = Resp>,
{
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    for _ in 0..policy.max_requests {
        let Some(req) = read_request(&mut reader, policy).await else {
            return;
        };
        let close = policy.honour_close
            && req
                .header("connection")
                .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let resp = handle(state.clone(), req).await;
        if write_response(&mut write, &resp, close).await.is_err() || close {
            return;
        }
    }
}

/// The next request, or None when the client closed or broke the policy.
async fn read_request(reader: &mut BufReader<OwnedReadHalf>, policy: ConnPolicy) -> Option<Req> {
    let mut head = 0;
    let mut lines = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = reader.read_until(b'\n', &mut line).await.ok()?;
        if n == 0 {
            return None;
        }
        head += n;
        if head > policy.max_head_bytes {
            return None;
        }
        let text = String::from_utf8_lossy(&line)
            .trim_end_matches(['\r', '\n'])
            .to_string();
        if text.is_empty() {
            if lines.is_empty() {
                continue; // tolerate stray CRLF between requests
            }
            break;
        }
        lines.push(text);
    }
    let mut parts = lines[0].split(' ');
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let headers: Vec<(String, String)> = lines[1..]
        .iter()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let length = find_header(&headers, "content-length").and_then(|v| v.parse::<usize>().ok());
    let body = match length {
        Some(n) if n <= policy.max_body_bytes => {
            let mut body = vec![0; n];
            reader.read_exact(&mut body).await.ok()?;
            Some(body)
        }
        Some(_) => return None,
        None => None,
    };
    Some(Req {
        method,
        target,
        headers,
        body,
    })
}

async fn write_response(
    write: &mut OwnedWriteHalf,
    resp: &Resp,
    close: bool,
) -> std::io::Result<()> {
    // The reason phrase is free text no client reads; "X" will do.
    let mut out = format!("HTTP/1.1 {} X\r\n", resp.status).into_bytes();
    for (k, v) in &resp.headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("content-length: {}\r\n", resp.body.len()).as_bytes());
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&resp.body);
    write.write_all(&out).await?;
    write.flush().await
}
