//! How a link looks on the wire, and the base its `short_url` is built on.

use rocket::request::{FromRequest, Outcome, Request};
use serde::Serialize;

use crate::domain::{rfc3339, Link};
use crate::http::App;

/// A link as the contract shows it.
#[derive(Debug, Serialize)]
pub struct LinkView {
    pub code: String,
    pub url: String,
    pub short_url: String,
    pub hits: i64,
    pub created_at: String,
    pub last_hit_at: Option<String>,
    pub expires_at: Option<String>,
}

impl LinkView {
    pub fn new(link: Link, base: &PublicBase) -> LinkView {
        LinkView {
            short_url: format!("{}/{}", base.0, link.code),
            code: link.code.to_string(),
            url: link.url.into_string(),
            hits: link.hits,
            created_at: rfc3339(link.created_at),
            last_hit_at: link.last_hit_at.map(rfc3339),
            expires_at: link.expires_at.map(rfc3339),
        }
    }
}

/// `scheme://host[:port]` without a trailing slash: the configured public URL,
/// else the Host the client used (through a proxy that keeps Host, the public one).
pub struct PublicBase(pub String);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for PublicBase {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        if let Some(url) = req
            .rocket()
            .state::<App>()
            .and_then(|a| a.settings.public_url.as_deref())
        {
            return Outcome::Success(PublicBase(url.trim_end_matches('/').to_owned()));
        }
        let host = req
            .host()
            .map(|h| h.to_string())
            .unwrap_or_else(|| req.rocket().config().address.to_string());
        Outcome::Success(PublicBase(format!("http://{host}")))
    }
}
