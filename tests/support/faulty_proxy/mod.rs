//! A reverse proxy that breaks one contract rule at a time, put in front of a
//! correct server to prove the harness notices (owned by the harness work).
//!
//! It speaks just enough HTTP/1.1 over raw tokio TCP (request line, headers,
//! `Content-Length` bodies, keep-alive) and forwards with reqwest, so it needs
//! no HTTP server crate. The harness client is the only one it must serve.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

mod faults;

use faults::handle;
pub use faults::Fault;

/// A running proxy; aborted on drop.
pub struct FaultyProxy {
    pub base_url: String,
    accept: JoinHandle<()>,
}

impl Drop for FaultyProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

struct State {
    upstream: String,
    fault: Fault,
    client: reqwest::Client,
    /// HitsNotCounted: code -> Location learnt from the first real redirect.
    locations: Mutex<HashMap<String, String>>,
}

/// Starts a proxy on a free loopback port in front of `upstream`
/// (`http://127.0.0.1:PORT`).
pub async fn start(upstream: &str, fault: Fault) -> FaultyProxy {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind proxy port");
    let port = listener.local_addr().expect("proxy address").port();
    let state = Arc::new(State {
        upstream: upstream.trim_end_matches('/').to_string(),
        fault,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("proxy client"),
        locations: Mutex::new(HashMap::new()),
    });
    let accept = tokio::spawn(async move {
        // Ends when the proxy is dropped (abort); each connection task ends
        // when its client closes or after MAX_REQUESTS_PER_CONNECTION.
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, state.clone()));
        }
    });
    FaultyProxy {
        base_url: format!("http://127.0.0.1:{port}"),
        accept,
    }
}

const MAX_REQUESTS_PER_CONNECTION: usize = 10_000;
const MAX_HEAD_BYTES: usize = 64 * 1024;
const MAX_BODY_BYTES: usize = 1024 * 1024;

struct Req {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
    }
    fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

async fn serve(stream: TcpStream, state: Arc<State>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    for _ in 0..MAX_REQUESTS_PER_CONNECTION {
        let Some(req) = read_request(&mut reader).await else {
            return;
        };
        let close = req
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let resp = handle(&state, req).await;
        if write_response(&mut write, &resp, close).await.is_err() || close {
            return;
        }
    }
}

async fn read_request(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Option<Req> {
    let mut head = Vec::new();
    let mut lines = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = reader.read_until(b'\n', &mut line).await.ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(&line);
        if head.len() > MAX_HEAD_BYTES {
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
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let body = match length {
        Some(n) if n <= MAX_BODY_BYTES => {
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
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    resp: &Resp,
    close: bool,
) -> std::io::Result<()> {
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

const HOP_BY_HOP: &[&str] = &[
    "host",
    "connection",
    "keep-alive",
    "content-length",
    "transfer-encoding",
];

async fn forward(state: &State, req: &Req) -> Resp {
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut builder = state
        .client
        .request(method, format!("{}{}", state.upstream, req.target));
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
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
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
        body: format!("faulty proxy: upstream error {e}").into_bytes(),
    })
}
