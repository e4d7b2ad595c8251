//! The row shape both SQL backends select, and its conversion to a `Link`.

use crate::domain::{Code, Link, TargetUrl};

/// The columns `LinkRow` reads, in its order.
pub(crate) const COLUMNS: &str = "id, code, url, hits, created_at, last_hit_at, expires_at";

#[derive(sqlx::FromRow)]
pub(crate) struct LinkRow {
    id: i64,
    code: String,
    url: String,
    hits: i64,
    created_at: i64,
    last_hit_at: Option<i64>,
    expires_at: Option<i64>,
}

impl From<LinkRow> for Link {
    fn from(r: LinkRow) -> Link {
        Link {
            id: r.id,
            // Only parsed codes are ever written, so re-parsing cannot fail;
            // if the table was edited by hand the value is still shown as stored.
            code: Code::parse(&r.code).unwrap_or_else(|| Code::from_store(r.code)),
            url: TargetUrl::from_store(r.url),
            hits: r.hits,
            created_at: r.created_at,
            last_hit_at: r.last_hit_at,
            expires_at: r.expires_at,
        }
    }
}
