//! JSON bodies for the errors Rocket raises before or instead of a handler.

use rocket::http::{Method, Status};
use rocket::{Catcher, Request};

use crate::error::ApiError;
use crate::http::body::GuardError;
use crate::http::context;

pub fn catchers() -> Vec<Catcher> {
    rocket::catchers![default]
}

#[rocket::catch(default)]
fn default(status: Status, req: &Request<'_>) -> ApiError {
    // A data guard that failed left the precise error behind.
    if let Some(e) = &req.local_cache(|| GuardError(None)).0 {
        return e.clone();
    }
    // A method Rocket does not know (`QUERY`, `FOO`) reaches here as a salvaged
    // 400 that no fairing saw; on a path the service serves, the contract's answer
    // to a method it does not accept is 405 with `Allow`.
    if status == Status::BadRequest && !context::was_preprocessed(req) {
        if let Some(allow) = allowed_methods(req) {
            return ApiError::method_not_allowed(allow);
        }
    }
    if status == Status::NotFound {
        // Rocket answers a known path with the wrong method as 404; the contract wants 405.
        if let Some(allow) = allowed_methods(req) {
            return ApiError::method_not_allowed(allow);
        }
        return ApiError::new(
            Status::NotFound,
            "not_found",
            format!("no route for {} {}", req.method(), req.uri().path()),
        );
    }
    ApiError::from_status(status)
}

/// The methods of the mounted routes whose path pattern matches this request's
/// path, as an `Allow` value; `None` when no route has this path at all.
fn allowed_methods(req: &Request<'_>) -> Option<String> {
    let path = req.uri().path().as_str();
    let mut methods: Vec<Method> = req
        .rocket()
        .routes()
        .filter(|r| path_matches(r.uri.path(), path))
        .map(|r| r.method)
        .collect();
    if methods.is_empty() {
        return None;
    }
    if methods.contains(&Method::Get) {
        methods.push(Method::Head);
    }
    methods.sort_by_key(|m| m.as_str());
    methods.dedup();
    Some(
        methods
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// Segment-wise match of a Rocket route path (`/api/v1/links/<code>`) against a request path.
fn path_matches(pattern: &str, path: &str) -> bool {
    let mut want = pattern.trim_start_matches('/').split('/');
    let mut got = path.trim_start_matches('/').split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return true,
            (Some(w), Some(_)) if w.starts_with('<') && w.ends_with("..>") => return true,
            (Some(w), Some(g)) if w.starts_with('<') => {
                if g.is_empty() {
                    return false;
                }
            }
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn matches_static_and_dynamic_segments() {
        assert!(path_matches("/api/v1/links/<code>", "/api/v1/links/abc"));
        assert!(path_matches("/<code>", "/abc"));
        assert!(path_matches("/healthz", "/healthz"));
        assert!(!path_matches("/<code>", "/"));
        assert!(!path_matches("/<code>", "/a/b"));
        assert!(!path_matches("/api/v1/links", "/api/v1/links/abc"));
    }
}
