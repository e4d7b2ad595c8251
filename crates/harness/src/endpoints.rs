//! The contract's routes, written once: every path template of `docs/api.md`
//! and every endpoint (method + template) with the name the kit reports it
//! under. The catalogue, the validators, the load test (its request names,
//! its traffic mixes, its `--threshold ... for NAME` rules) and the project's
//! tests take paths and names from here rather than spelling them again.

use std::fmt;

/// Path templates, as `docs/api.md` and `/openapi.json` write them.
pub const LINKS: &str = "/api/v1/links";
pub const LINK: &str = "/api/v1/links/{code}";
pub const REDIRECT: &str = "/{code}";
pub const STATS: &str = "/api/v1/stats";
pub const KEYS: &str = "/api/v1/keys";
pub const KEY: &str = "/api/v1/keys/{id}";
pub const HEALTHZ: &str = "/healthz";
pub const READYZ: &str = "/readyz";
pub const VERSION: &str = "/version";
pub const METRICS: &str = "/metrics";
pub const OPENAPI: &str = "/openapi.json";

/// One operation of the contract: a method and a path template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
}

impl Endpoint {
    pub const fn new(method: &'static str, path: &'static str) -> Self {
        Self { method, path }
    }

    /// `METHOD /template`, e.g. `GET /{code}`: the name goose's reports give
    /// the load test's requests (goose puts the method before the request's
    /// name, which is the template), the one a `--threshold` rule names after
    /// `for`, and the one the backend comparison's tables print.
    pub fn name(&self) -> String {
        self.to_string()
    }

    /// The concrete path, its parameter (`{code}` or `{id}`) filled in
    /// (templates without one unchanged).
    pub fn path_for(&self, param: &str) -> String {
        self.path.replace("{code}", param).replace("{id}", param)
    }

    /// Whether a call changes the store: every POST, PATCH and DELETE, and
    /// the redirect, which records a hit.
    pub fn writes(&self) -> bool {
        matches!(self.method, "POST" | "PATCH" | "DELETE") || *self == FOLLOW_LINK
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

pub const CREATE_LINK: Endpoint = Endpoint::new("POST", LINKS);
pub const LIST_LINKS: Endpoint = Endpoint::new("GET", LINKS);
pub const READ_LINK: Endpoint = Endpoint::new("GET", LINK);
pub const UPDATE_LINK: Endpoint = Endpoint::new("PATCH", LINK);
pub const DELETE_LINK: Endpoint = Endpoint::new("DELETE", LINK);
/// The short link itself: a 302 to the target, and a hit recorded.
pub const FOLLOW_LINK: Endpoint = Endpoint::new("GET", REDIRECT);
pub const GET_STATS: Endpoint = Endpoint::new("GET", STATS);
pub const CREATE_KEY: Endpoint = Endpoint::new("POST", KEYS);
pub const LIST_KEYS: Endpoint = Endpoint::new("GET", KEYS);
pub const REVOKE_KEY: Endpoint = Endpoint::new("DELETE", KEY);
pub const HEALTH: Endpoint = Endpoint::new("GET", HEALTHZ);
pub const READY: Endpoint = Endpoint::new("GET", READYZ);
pub const GET_VERSION: Endpoint = Endpoint::new("GET", VERSION);
pub const GET_METRICS: Endpoint = Endpoint::new("GET", METRICS);
pub const GET_OPENAPI: Endpoint = Endpoint::new("GET", OPENAPI);

/// Every operation the contract defines.
pub const CONTRACT: &[Endpoint] = &[
    CREATE_LINK,
    LIST_LINKS,
    READ_LINK,
    UPDATE_LINK,
    DELETE_LINK,
    FOLLOW_LINK,
    GET_STATS,
    CREATE_KEY,
    LIST_KEYS,
    REVOKE_KEY,
    HEALTH,
    READY,
    GET_VERSION,
    GET_METRICS,
    GET_OPENAPI,
];

/// The contract operation named `name` (`GET /{code}`), if there is one.
pub fn by_name(name: &str) -> Option<Endpoint> {
    CONTRACT.iter().copied().find(|e| e.to_string() == name)
}

/// Every operation that needs a key: those under `/api/v1`.
pub const KEYED: &[Endpoint] = &[
    CREATE_LINK,
    LIST_LINKS,
    READ_LINK,
    UPDATE_LINK,
    DELETE_LINK,
    GET_STATS,
    CREATE_KEY,
    LIST_KEYS,
    REVOKE_KEY,
];

/// `/api/v1/keys/{id}` for one key id.
pub fn key_path(id: &str) -> String {
    REVOKE_KEY.path_for(id)
}

/// `/api/v1/links/{code}` for one code.
pub fn link_path(code: &str) -> String {
    READ_LINK.path_for(code)
}

/// `/{code}` for one code: the short link.
pub fn redirect_path(code: &str) -> String {
    FOLLOW_LINK.path_for(code)
}

#[cfg(test)]
mod tests {
    //! Names read as goose prints them, and paths fill in.
    use super::*;

    #[test]
    fn names_and_paths() {
        assert_eq!(FOLLOW_LINK.name(), "GET /{code}");
        assert_eq!(UPDATE_LINK.to_string(), "PATCH /api/v1/links/{code}");
        assert_eq!(link_path("abc"), "/api/v1/links/abc");
        assert_eq!(redirect_path("abc"), "/abc");
        assert_eq!(HEALTH.path_for("x"), "/healthz");
        assert_eq!(key_path("4fTq9ZbX2kLm"), "/api/v1/keys/4fTq9ZbX2kLm");
        assert_eq!(by_name("DELETE /api/v1/links/{code}"), Some(DELETE_LINK));
        assert_eq!(by_name("GET /nope"), None);
    }

    #[test]
    fn writes_are_the_store_changing_calls() {
        let writes: Vec<String> = CONTRACT
            .iter()
            .filter(|e| e.writes())
            .map(Endpoint::name)
            .collect();
        assert_eq!(
            writes,
            [
                "POST /api/v1/links",
                "PATCH /api/v1/links/{code}",
                "DELETE /api/v1/links/{code}",
                "GET /{code}",
                "POST /api/v1/keys",
                "DELETE /api/v1/keys/{id}"
            ]
        );
    }
}
