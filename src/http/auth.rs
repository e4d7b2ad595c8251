//! Who is calling: the `Authorization: Bearer <key>` of every `/api/v1`
//! request, checked against the store before the handler (and its body) runs.

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome};
use rocket::Request;

use crate::error::ApiError;
use crate::http::body::GuardError;
use crate::http::App;
use crate::keys::{self, ApiKey, KeyId, Role, Scope};

/// A verified key: its id and role. Handlers take it as a guard, so a route
/// without one cannot be reached by mistake without a key (and a test lists
/// the routes that need one, `tests/api/auth.rs`).
#[derive(Debug, Clone)]
pub struct Caller {
    pub key: KeyId,
    pub role: Role,
}

impl Caller {
    /// The links this caller reaches: all for an admin, its own for an author.
    pub fn scope(&self) -> Scope {
        match self.role {
            Role::Admin => Scope::All,
            Role::Author => Scope::Owner(self.key.clone()),
        }
    }

    /// 403 for an author on an admin-only operation.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Author => Err(ApiError::new(
                Status::Forbidden,
                "forbidden",
                "this operation needs an admin key",
            )),
        }
    }
}

/// Why a request has no caller. Each gets the same 401; the distinction only
/// chooses the RFC 6750 challenge (no `error` when no credentials were sent).
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    NoCredentials,
    InvalidKey,
}

impl Refusal {
    fn into_error(self) -> ApiError {
        match self {
            Refusal::NoCredentials => ApiError::unauthorized(
                "send Authorization: Bearer <api key>",
                r#"Bearer realm="shortlink""#,
            ),
            Refusal::InvalidKey => ApiError::unauthorized(
                "the API key is malformed, unknown or revoked",
                r#"Bearer realm="shortlink", error="invalid_token""#,
            ),
        }
    }
}

/// The key a header value presents, if it is a Bearer credential in the
/// key format. The scheme is case-insensitive (RFC 7235); the key is not.
fn presented_key(values: &[&str]) -> Result<ApiKey, Refusal> {
    let value = match values {
        [] => return Err(Refusal::NoCredentials),
        [one] => *one,
        // Two Authorization headers: which one would a proxy have checked?
        _ => return Err(Refusal::InvalidKey),
    };
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        // Another scheme carries no credentials this service understands.
        return Err(Refusal::NoCredentials);
    }
    ApiKey::parse(token.trim_start_matches(' ')).ok_or(Refusal::InvalidKey)
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Caller {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let values: Vec<&str> = req.headers().get("Authorization").collect();
        let result = match presented_key(&values) {
            Err(refusal) => Err(refusal.into_error()),
            Ok(key) => match req.rocket().state::<App>() {
                None => Err(ApiError::from_status(Status::InternalServerError)),
                Some(app) => authenticate(app, &key).await,
            },
        };
        match result {
            Ok(caller) => Outcome::Success(caller),
            Err(e) => {
                let status = e.status;
                req.local_cache(|| GuardError(Some(e.clone())));
                Outcome::Error((status, e))
            }
        }
    }
}

/// Looks the key's id up (one indexed read, never cached: a revocation holds
/// at once on every instance) and checks the secret in constant time.
async fn authenticate(app: &App, key: &ApiKey) -> Result<Caller, ApiError> {
    let record = app.call(app.store.find_key(&key.id)).await?;
    match keys::verify(key, record.as_ref()) {
        Some(role) => Ok(Caller {
            key: key.id.clone(),
            role,
        }),
        None => Err(Refusal::InvalidKey.into_error()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> String {
        ApiKey::generate().reveal()
    }

    #[test]
    fn reads_bearer_credentials_only() {
        let k = key();
        assert!(presented_key(&[&format!("Bearer {k}")]).is_ok());
        assert!(presented_key(&[&format!("bearer  {k}")]).is_ok());
        assert_eq!(presented_key(&[]), Err(Refusal::NoCredentials));
        assert_eq!(
            presented_key(&[&format!("Basic {k}")]),
            Err(Refusal::NoCredentials)
        );
        assert_eq!(presented_key(&["Bearer"]), Err(Refusal::InvalidKey));
        assert_eq!(presented_key(&["Bearer x"]), Err(Refusal::InvalidKey));
        assert_eq!(
            presented_key(&[&format!("Bearer {k} ")]),
            Err(Refusal::InvalidKey)
        );
        let two = format!("Bearer {k}");
        assert_eq!(
            presented_key(&[two.as_str(), two.as_str()]),
            Err(Refusal::InvalidKey)
        );
    }
}
