//! Open-redirect safety: only absolute http(s) targets are ever redirected to,
//! and the `Location` header can never be split, injected or rewritten.

use crate::support;

use std::time::Duration;

use serde_json::json;
use support::{spawn_app, Backend};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The raw response head of `GET /{code}`, read off the socket: what a browser
/// or proxy would parse, before any client library normalises it.
async fn raw_head(port: u16, code: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    s.write_all(
        format!("GET /{code} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf))
        .await
        .expect("redirect answered within 10 s")
        .unwrap();
    let text = String::from_utf8(buf).expect("response head is UTF-8");
    text.split("\r\n\r\n").next().unwrap().to_owned()
}

/// Targets that try to escape http(s), split the header or disguise the host
/// are refused at creation and at update; nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dangerous_targets_are_refused_on_create_and_update() {
    let app = spawn_app(Backend::Memory).await;
    let ok = app
        .create(json!({ "url": "https://example.org/safe", "code": "safe1" }))
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
    let bad = [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example\\",
        "http:evil.example",
        "https:/evil.example",
        "http:\\\\evil.example",
        " https://evil.example/",
        "\thttps://evil.example/",
        "https://example.org/\r\nSet-Cookie: a=b",
        "https://example.org/\nLocation: https://evil.example/",
        "https://example.org/\r",
        "https://example.org/\u{0}",
        "https://example.org/\u{85}x",
        "https://example.org/\u{2028}x",
        "https://example.org/\u{2029}x",
        "https://example.org/\u{202e}gro.live",
        "https://evil\u{ff0e}example/",
        "https://ex\u{0430}mple.org/",
        "https://example.org\u{ff0f}@evil.example/",
        "https://example.org/\u{feff}",
        "http://",
        "https://",
    ];
    for (i, url) in bad.iter().enumerate() {
        let code = format!("bad{i:03}");
        let res = app
            .create(json!({ "url": url, "code": code }))
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "create with {url:?}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_url", "{url:?}: {body}");
        let gone = app.get(&format!("/{code}")).await.unwrap();
        assert_eq!(gone.status(), 404, "{url:?} was stored");

        let patched = app
            .http
            .patch(app.url("/api/v1/links/safe1"))
            .json(&json!({ "url": url }))
            .send()
            .await
            .unwrap();
        assert_eq!(patched.status(), 422, "patch with {url:?}");
    }
    let head = raw_head(app.port, "safe1").await;
    assert!(
        head.contains("\r\nlocation: https://example.org/safe\r\n"),
        "{head}"
    );
    app.stop().await;
}

/// Accepted targets, percent-encoded control bytes included, come back in
/// `Location` byte for byte: one header line, never decoded, never a second header.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn location_is_the_stored_url_verbatim_and_never_split() {
    let app = spawn_app(Backend::Sqlite).await;
    let good = [
        "https://example.org/%0d%0aSet-Cookie:%20a=b",
        "https://example.org/%0D%0ALocation:%20https://evil.example/",
        "https://example.org/a%00b%7f%c2%85%e2%80%a8",
        "http://example.org/?next=%2F%2Fevil.example&x=%0a",
        "HTTPS://EXAMPLE.ORG/UPPER",
        "https://example.org/%E2%80%AEgro.live",
        "https://example.org/#%0d%0a",
        "http://127.0.0.1:9/x?y=%25%30%64",
    ];
    for (i, url) in good.iter().enumerate() {
        let code = format!("good{i:03}");
        let res = app
            .create(json!({ "url": url, "code": code }))
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "create with {url:?}");
        let head = raw_head(app.port, &code).await;
        let lines: Vec<&str> = head.split("\r\n").collect();
        assert_eq!(lines[0], "HTTP/1.1 302 Found", "{head}");
        let named = |name: &str| -> Vec<&str> {
            lines
                .iter()
                .copied()
                .filter(|l| l.to_ascii_lowercase().starts_with(name))
                .collect()
        };
        let locations = named("location:");
        assert_eq!(locations, vec![format!("location: {url}")], "{head}");
        assert!(named("set-cookie").is_empty(), "header injected: {head}");
        assert!(
            lines.iter().all(|l| !l.contains('\n')),
            "bare LF in the head: {head:?}"
        );
        let target = locations[0]["location: ".len()..].to_ascii_lowercase();
        assert!(
            target.starts_with("http://") || target.starts_with("https://"),
            "{target}"
        );
    }
    app.stop().await;
}
