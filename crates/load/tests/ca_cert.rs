//! `--ca-cert`: the harness's client and the load test's users reach an
//! `https://` instance whose certificate a private CA signed when, and only
//! when, they are given that CA; verification is never switched off. The
//! instance is a small TLS server answering `/healthz` as the service does
//! (no server crate here: the kit knows only the contract); the CA and its
//! server certificate come from the `openssl` command, as the lab's do.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use shortlink_harness::{validate, Request, Target, TargetConfig};
use shortlink_load::{LoadConfig, Mix};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command (the test makes its certificates with it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`ca.pem`) and a certificate for localhost and 127.0.0.1 it signed
/// (`server.pem`, `server.key`), in `dir`.
fn make_certificates(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec![
        "req",
        "-x509",
        "-days",
        "1",
        "-subj",
        "/CN=shortlink test CA",
    ];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-addext",
        "basicConstraints=critical,CA:true",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &ca);
    let mut csr = vec!["req", "-subj", "/CN=localhost", "-keyout", "server.key"];
    csr.extend(ec);
    csr.extend(["-out", "server.csr"]);
    openssl(dir, &csr);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:false\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write server.ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ],
    );
}

/// Serves `GET /healthz` over TLS on a free loopback port, keep-alive,
/// echoing `X-Request-Id` as the contract asks; returns the port.
async fn tls_healthz(dir: &Path) -> u16 {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("server.pem"))
        .expect("server.pem")
        .collect::<Result<_, _>>()
        .expect("server certificate");
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).expect("server.key");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server certificate and key");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake here.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let (read, mut write) = tokio::io::split(tls);
                let mut reader = BufReader::new(read);
                loop {
                    let mut request_id = String::from("tls-test");
                    loop {
                        let mut line = String::new();
                        match reader.read_line(&mut line).await {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {}
                        }
                        let line = line.trim_end();
                        if line.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = line.split_once(':') {
                            if k.eq_ignore_ascii_case("x-request-id") {
                                request_id = v.trim().to_string();
                            }
                        }
                    }
                    let body = r#"{"status":"ok"}"#;
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                         x-request-id: {request_id}\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if write.write_all(head.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ca_cert_option_is_what_makes_https_work() {
    let dir = tempfile::tempdir().expect("temporary directory");
    make_certificates(dir.path());
    let port = tls_healthz(dir.path()).await;
    let base = format!("https://localhost:{port}");
    let ca = dir.path().join("ca.pem");

    // The harness's client: with the CA the answer is the service's; without
    // it the certificate is refused.
    let mut config = TargetConfig::new(Duration::from_secs(10));
    config.ca_cert = Some(ca.clone());
    let trusting = Target::connect(&base, &config).expect("target");
    let view = trusting
        .send(Request::get("/healthz"))
        .await
        .expect("HTTPS with --ca-cert");
    validate::health(&view).expect("a health answer");
    let plain = Target::new(&base, Duration::from_secs(10)).expect("target");
    let refused = plain
        .send(Request::get("/healthz"))
        .await
        .expect_err("an unknown CA is refused");
    assert!(
        refused.detail.to_lowercase().contains("certificate"),
        "{refused}"
    );

    // The load test's users: the health mix (no key needed without
    // reconciliation) passes with the CA and fails every request without it.
    let run = |ca: Option<&Path>| {
        let mut c = LoadConfig::new(&base).goose([
            "--users",
            "1",
            "--iterations",
            "5",
            "--no-print-metrics",
            "--no-reconcile",
        ]);
        c.mix = Mix::Healthz;
        c.reconcile = false;
        match ca {
            Some(path) => c.ca_cert(path),
            None => c,
        }
    };
    let good = shortlink_load::run(run(Some(&ca))).await.expect("a run");
    assert!(good.requests > 0 && good.failures == 0, "{}", good.render());
    let bad = shortlink_load::run(run(None)).await.expect("a run");
    assert!(
        bad.requests > 0 && bad.failures == bad.requests,
        "without the CA every request must fail\n{}",
        bad.render()
    );

    // A file that is not PEM is named, not ignored.
    let not_pem = dir.path().join("server.ext");
    let mut config = TargetConfig::new(Duration::from_secs(10));
    config.ca_cert = Some(not_pem);
    let err = Target::connect(&base, &config).expect_err("not a certificate");
    assert!(format!("{err:#}").contains("--ca-cert"), "{err:#}");
}
