//! The dashboard: a link owner browsing the service, listing links page by
//! page, looking at popular links and at the totals.

use goose::prelude::*;
use rand::Rng;
use shortlink_harness::endpoints::{GET_STATS, LIST_LINKS};
use shortlink_harness::{validate, Request};

use super::{read, session};
use crate::check;

/// Page size of the list requests: the API's default, what a UI would ask for.
const PAGE: usize = 20;

/// GET /api/v1/links?limit=20, and a third of the time the next page too (one
/// page more at most: every loop is bounded). Validated as pages: at most
/// `limit` valid links, newest first, a cursor or null.
pub async fn list_links(user: &mut GooseUser) -> TransactionResult {
    let first = format!("{}?limit={PAGE}", LIST_LINKS.path);
    let page = check::send(user, LIST_LINKS, Request::get(&first), 200, |view| {
        validate::page(view, PAGE)
    })
    .await?;
    let follow = rand::thread_rng().gen_bool(1.0 / 3.0);
    if let (true, Some(cursor)) = (follow, page.next_cursor) {
        let req = Request::get(format!("{first}&cursor={}", query_escape(&cursor)));
        check::send(user, LIST_LINKS, req, 200, |view| {
            validate::page(view, PAGE)
        })
        .await?;
    }
    Ok(())
}

/// GET /api/v1/stats: counts and the top ten, validated.
pub async fn stats(user: &mut GooseUser) -> TransactionResult {
    let req = Request::get(GET_STATS.path);
    check::send(user, GET_STATS, req, 200, validate::stats)
        .await
        .map(|_| ())
}

/// GET /api/v1/links/{code} of a popular link (drawn like a visitor's click):
/// owners look at the links that get traffic.
pub async fn read_popular(user: &mut GooseUser) -> TransactionResult {
    let Some(link) = session(user)?.shared.pick_hot() else {
        return Ok(());
    };
    read(user, &link).await
}

/// Percent-encodes everything but RFC 3986 unreserved characters: the cursor
/// is opaque and may hold `+`, `/` or `=`.
fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! A cursor must reach the server byte for byte.
    use super::query_escape;

    #[test]
    fn cursor_is_escaped() {
        assert_eq!(query_escape("aZ09-_.~"), "aZ09-_.~");
        assert_eq!(query_escape("a+b/c="), "a%2Bb%2Fc%3D");
    }
}
