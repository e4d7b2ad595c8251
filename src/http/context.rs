//! Per-request context as one fairing: the request id, the access log line and
//! the request metrics, so no handler has to remember any of them.

use std::time::Instant;

use rand::Rng;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Data, Request, Response};

use crate::telemetry::Metrics;

/// The id every response carries in `X-Request-Id`, and when the request began.
pub struct RequestContext {
    pub id: String,
    started: Instant,
}

pub struct Context;

/// Set by `on_request`. Rocket hands a request it cannot parse (an unknown
/// method such as `QUERY`) straight to the catchers, past every fairing, as a
/// salvaged `GET`; its absence is how a catcher tells such a request apart.
struct Preprocessed(bool);

/// Whether this request went through the fairing, i.e. Rocket could parse it.
pub fn was_preprocessed(req: &Request<'_>) -> bool {
    req.local_cache(|| Preprocessed(false)).0
}

/// This request's id; chosen now for a request the fairing never saw.
pub fn request_id(req: &Request<'_>) -> String {
    req.local_cache(|| RequestContext {
        id: choose_id(req),
        started: Instant::now(),
    })
    .id
    .clone()
}

/// The client's id when it is sane, else a fresh one.
fn choose_id(req: &Request<'_>) -> String {
    req.headers()
        .get_one("X-Request-Id")
        .filter(|v| is_sane(v))
        .map(str::to_owned)
        .unwrap_or_else(generate_id)
}

/// A client's id is echoed only if it is short and plain: it lands in logs.
fn is_sane(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn generate_id() -> String {
    format!("{:032x}", rand::thread_rng().gen::<u128>())
}

#[rocket::async_trait]
impl Fairing for Context {
    fn info(&self) -> Info {
        Info {
            name: "request context",
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        let id = choose_id(req);
        req.local_cache(|| RequestContext {
            id,
            started: Instant::now(),
        });
        req.local_cache(|| Preprocessed(true));
        if let Some(m) = req.rocket().state::<Metrics>() {
            m.request_started();
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let ctx = req.local_cache(|| RequestContext {
            id: generate_id(),
            started: Instant::now(),
        });
        res.set_raw_header("X-Request-Id", ctx.id.clone());
        let elapsed = ctx.started.elapsed();
        let status = res.status().code;
        let route = match req.rocket().state::<Metrics>() {
            Some(m) => m.request_finished(req.method(), req.route(), status, elapsed),
            None => crate::telemetry::UNMATCHED,
        };
        if shows_hits(route) {
            if let Some(lag) = buffered_lag_ms(req) {
                res.set_raw_header("X-Hits-Lag-Max-Ms", lag.to_string());
            }
        }
        tracing::info!(
            target: "shortlink::access",
            request_id = %ctx.id,
            method = %req.method(),
            route = %route,
            status,
            latency_us = elapsed.as_micros() as u64,
            "request"
        );
    }
}

/// The routes whose answers carry hit counts.
fn shows_hits(route: &str) -> bool {
    route.starts_with("/api/v1/links") || route == "/api/v1/stats"
}

/// In the buffered hit mode, how far behind the counts may be: one window.
fn buffered_lag_ms(req: &Request<'_>) -> Option<u64> {
    let app = req.rocket().state::<crate::http::App>()?;
    app.hit_buffer.as_ref()?;
    Some(app.settings.hits_flush().as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoes_only_plain_ids() {
        assert!(is_sane("abc-123_x.y:z"));
        assert!(!is_sane(""));
        assert!(!is_sane("has space"));
        assert!(!is_sane(&"a".repeat(129)));
        assert_eq!(generate_id().len(), 32);
    }
}
