//! The one shared check: a harness [`Request`] is sent as a goose request
//! named by its endpoint's path template, the response becomes a harness
//! [`ResponseView`], a harness validator judges it, and a broken rule becomes
//! `set_failure`. So a 200 or 302 with a wrong body or header is a failure in
//! goose's numbers, never a success.

use std::time::Duration;

use goose::goose::goose_method_from_method;
use goose::metrics::GooseRequestMetric;
use goose::prelude::*;
use shortlink_harness::apikey::under_api;
use shortlink_harness::target::random_alnum;
use shortlink_harness::{validate, Auth, Endpoint, Failure, Request, ResponseView};

use crate::session::{Session, Shared};

/// Sends `req`, a call of `endpoint`, and validates the answer. Goose names
/// the request by the endpoint's template and prefixes the method, so every
/// report reads [`Endpoint::name`] (`GET /{code}`). `expect` is the status
/// goose counts as success; the validator then decides whether it stands.
pub async fn send<T>(
    user: &mut GooseUser,
    endpoint: Endpoint,
    req: Request,
    expect: u16,
    validator: impl FnOnce(&ResponseView) -> Result<T, Failure>,
) -> Result<T, Box<TransactionError>> {
    debug_assert_eq!(
        req.method, endpoint.method,
        "{endpoint} sent as {}",
        req.method
    );
    let route = endpoint.path;
    let method = reqwest::Method::from_bytes(req.method.as_bytes())
        .map_err(|e| custom(format!("bad method {:?}: {e}", req.method)))?;
    let goose_method = goose_method_from_method(method.clone())?;
    let url = user.build_url(&req.path)?;
    // A fresh X-Request-Id on every request, and its echo demanded, exactly as
    // the harness's own client does: the contract rule holds under load too.
    let request_id = format!("load-{}", random_alnum(12));
    let mut builder = user
        .client
        .request(method, url)
        .header("x-request-id", &request_id);
    if let Some(value) = authorization(user, &req) {
        // Sensitive: goose's request, debug and error logs print request
        // headers with `{:?}`, which shows a sensitive value as `Sensitive`.
        let mut value = reqwest::header::HeaderValue::from_str(&value)
            .map_err(|_| custom("the API key is not a valid header value".to_string()))?;
        value.set_sensitive(true);
        builder = builder.header(reqwest::header::AUTHORIZATION, value);
    }
    for (name, value) in &req.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = req.body {
        builder = builder.body(body);
    }
    let request = GooseRequest::builder()
        .method(goose_method)
        .path(req.path.as_str())
        .name(route)
        .expect_status_code(expect)
        .set_request_builder(builder)
        .build();
    let goose = user.request(request).await?;
    let mut metric = goose.request;
    let response = match goose.response {
        Ok(response) => response,
        // Goose has counted the transport error (refused, timed out) already.
        Err(e) => {
            note(user, &metric, &format!("no response: {e}"));
            return Err(Box::new(TransactionError::RequestFailed {
                raw_request: Box::new(metric),
            }));
        }
    };
    let status = response.status().as_u16();
    let header_map = response.headers().clone();
    let headers = header_map
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let verdict = match response.bytes().await {
        Ok(body) => {
            let view = ResponseView::new(status, headers, body.to_vec());
            let verdict =
                validate::request_id(&view, Some(&request_id)).and_then(|()| validator(&view));
            verdict.map_err(|f| (f, view))
        }
        Err(e) => Err((
            Failure::new("server sends a complete body", e.to_string()),
            ResponseView::new(status, headers, Vec::new()),
        )),
    };
    match verdict {
        Ok(value) => Ok(value),
        Err((failure, view)) => {
            // The tag is the rule alone, so goose's error table groups by rule;
            // the detail goes to the run's failure samples and the debug log.
            let tag = format!("{} {route}: {}", metric.raw.method_label(), failure.rule);
            note(user, &metric, &format!("{failure}; {}", view.summary()));
            let body = String::from_utf8_lossy(&view.body).into_owned();
            Err(failed(user.set_failure(
                &tag,
                &mut metric,
                Some(&header_map),
                Some(&body),
            )))
        }
    }
}

/// The `Authorization` value of `req`: by default the user's key under
/// `/api/v1` and nothing elsewhere (a redirect never carries a key).
fn authorization(user: &GooseUser, req: &Request) -> Option<String> {
    match &req.auth {
        Auth::Default if under_api(&req.path) => user
            .get_session_data::<Session>()
            .and_then(|s| s.key.as_ref())
            .map(|k| k.bearer()),
        Auth::Default | Auth::None => None,
        Auth::Key(k) => Some(k.bearer()),
        Auth::Raw(v) => Some(v.clone()),
    }
}

/// Keeps the detail of a failure for the end-of-run summary.
fn note(user: &GooseUser, metric: &GooseRequestMetric, detail: &str) {
    if let Some(session) = user.get_session_data::<Session>() {
        session.shared.record_failure(format!(
            "{} {}: {detail}",
            metric.raw.method_label(),
            metric.name
        ));
    }
}

/// `set_failure` always answers `Err`; this keeps that error (or makes one,
/// should a later goose answer `Ok`) so the transaction fails as well.
fn failed(result: TransactionResult) -> Box<TransactionError> {
    match result {
        Err(e) => e,
        Ok(()) => custom("validation failed".to_string()),
    }
}

pub fn custom(text: String) -> Box<TransactionError> {
    Box::new(TransactionError::Custom(text))
}

/// Gives the user a client that never follows redirects: the 302 and its
/// `Location` are what the contract specifies, and following it would send
/// traffic to the link's target (example.org), off this machine. Honours
/// goose's `--timeout` (seconds, default 60) and `--no-gzip`, and trusts the
/// run's `--ca-cert` besides the system's roots.
pub async fn use_non_following_client(user: &mut GooseUser, shared: &Shared) -> TransactionResult {
    let timeout = user
        .config
        .timeout
        .as_deref()
        .and_then(|t| t.parse::<f64>().ok())
        .filter(|t| t.is_finite() && *t > 0.0)
        .unwrap_or(60.0);
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs_f64(timeout))
        .gzip(!user.config.no_gzip)
        .user_agent(concat!("shortlink-load/", env!("CARGO_PKG_VERSION")));
    if !shared.access.ca_certs.is_empty() {
        builder = builder.tls_certs_merge(shared.access.ca_certs.clone());
    }
    user.set_client_builder(builder)
        .await
        .map_err(|e| custom(format!("cannot build the HTTP client: {e}")))?;
    Ok(())
}
