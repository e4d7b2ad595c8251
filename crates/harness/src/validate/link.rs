//! Links and what is made of them: the link object, a created link, the
//! redirect, a page of the listing, the stats.

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::fields::Fields;
use super::{json_content_type, listing, status};
use crate::check::Failure;
use crate::endpoints::link_path;
use crate::ensure;
use crate::view::ResponseView;

/// A link as the contract shapes it; timestamps are kept parsed for
/// comparisons and as text for exact-echo assertions.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub code: String,
    pub url: String,
    pub short_url: String,
    pub hits: u64,
    pub created_at: OffsetDateTime,
    pub last_hit_at: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
    pub raw: Value,
}

/// One page of `GET /api/v1/links`.
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Link>,
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/stats`.
#[derive(Debug, Clone)]
pub struct Stats {
    pub links: u64,
    pub hits: u64,
    pub top: Vec<Link>,
}

/// An RFC 3339 UTC timestamp written with `Z`.
pub fn timestamp(field: &str, value: &Value) -> Result<OffsetDateTime, Failure> {
    let rule = format!("{field} is an RFC 3339 UTC timestamp ending in Z");
    let text = value
        .as_str()
        .ok_or_else(|| Failure::new(rule.clone(), format!("got {value}")))?;
    ensure!(text.ends_with('Z'), rule.clone(), "got {text:?}");
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| Failure::new(rule, format!("{text:?}: {e}")))
}

fn optional_timestamp(
    field: &str,
    value: Option<&Value>,
) -> Result<Option<OffsetDateTime>, Failure> {
    match value {
        None => Err(Failure::new(
            format!("link has field {field}"),
            "missing (null is allowed, absence is not)",
        )),
        Some(Value::Null) => Ok(None),
        Some(v) => timestamp(field, v).map(Some),
    }
}

/// A syntactically valid code: `[A-Za-z0-9_-]{3,32}`.
pub fn is_valid_code(code: &str) -> bool {
    (3..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The link object: all seven fields with the right types, a valid code,
/// `short_url` ending in `/{code}`, timestamps in RFC 3339 `Z` form.
pub fn link(value: &Value) -> Result<Link, Failure> {
    let obj = Fields::of("link", value)?;
    let string = |field: &str| obj.string(field);
    let code = string("code")?;
    ensure!(
        is_valid_code(&code),
        "link.code matches [A-Za-z0-9_-]{3,32}",
        "got {code:?}"
    );
    let url = string("url")?;
    let short_url = string("short_url")?;
    ensure!(
        (short_url.starts_with("http://") || short_url.starts_with("https://"))
            && short_url.ends_with(&format!("/{code}")),
        "link.short_url is an absolute URL ending in /{code}",
        "code {code:?}, short_url {short_url:?}"
    );
    let hits = obj.get("hits").and_then(Value::as_u64).ok_or_else(|| {
        Failure::new(
            "link.hits is a non-negative integer",
            format!("link {value}"),
        )
    })?;
    let created_at = timestamp(
        "link.created_at",
        obj.get("created_at").unwrap_or(&Value::Null),
    )?;
    let last_hit_at = optional_timestamp("last_hit_at", obj.get("last_hit_at"))?;
    let expires_at = optional_timestamp("expires_at", obj.get("expires_at"))?;
    ensure!(
        (hits == 0) == last_hit_at.is_none(),
        "link.last_hit_at is null exactly while hits is 0",
        "hits {hits}, last_hit_at {:?}",
        obj.get("last_hit_at")
    );
    Ok(Link {
        code,
        url,
        short_url,
        hits,
        created_at,
        last_hit_at,
        expires_at,
        raw: value.clone(),
    })
}

/// A response whose body is one link, with the given status and JSON type.
pub fn link_response(view: &ResponseView, expected_status: u16) -> Result<Link, Failure> {
    status(view, expected_status)?;
    json_content_type(view)?;
    link(&view.json()?)
}

/// A 201 from `POST /api/v1/links`: the link, and `Location:
/// /api/v1/links/{code}` (an absolute URL with that path is accepted too).
pub fn created_link(view: &ResponseView) -> Result<Link, Failure> {
    let link = link_response(view, 201)?;
    let want = link_path(&link.code);
    let location = view.header("location");
    ensure!(
        location.is_some_and(|l| l == want || (l.contains("://") && l.ends_with(&want))),
        "201 carries Location: /api/v1/links/{code}",
        "want {want:?}, got {location:?}"
    );
    Ok(link)
}

/// A 201 for the create request `body`: a valid created link that keeps the
/// submitted `url` and, when one was asked for, the `code`.
pub fn created_link_for(view: &ResponseView, body: &Value) -> Result<Link, Failure> {
    let link = created_link(view)?;
    if let Some(url) = body.get("url").and_then(Value::as_str) {
        ensure!(
            link.url == url,
            "created link keeps the submitted url",
            "sent {url:?}, got {:?}",
            link.url
        );
    }
    if let Some(code) = body.get("code").and_then(Value::as_str) {
        ensure!(
            link.code == code,
            "created link keeps the requested code",
            "sent {code:?}, got {:?}",
            link.code
        );
    }
    Ok(link)
}

/// A redirect: 302, `Location` equal to the link's URL, `Cache-Control:
/// no-store` (so a browser or proxy cache cannot swallow hits).
pub fn redirect(view: &ResponseView, url: &str) -> Result<(), Failure> {
    status(view, 302)?;
    let location = view.header("location");
    ensure!(
        location == Some(url),
        "redirect Location is the link's url",
        "want {url:?}, got {location:?}"
    );
    let cc = view.header("cache-control").unwrap_or("");
    ensure!(
        cc.split(',')
            .any(|d| d.trim().eq_ignore_ascii_case("no-store")),
        "redirect carries Cache-Control: no-store",
        "got {cc:?}"
    );
    Ok(())
}

/// One page: `{"items":[link...],"next_cursor":string|null}`, at most `limit`
/// items, newest first within the page.
pub fn page(view: &ResponseView, limit: usize) -> Result<Page, Failure> {
    let (body, items) = listing(view, "page has an items array", link)?;
    ensure!(
        items.len() <= limit,
        "a page holds at most `limit` items",
        "limit {limit}, got {}",
        items.len()
    );
    if let Some(w) = items.windows(2).find(|w| w[0].created_at < w[1].created_at) {
        return Err(Failure::new(
            "pages are newest first",
            format!(
                "{} (created_at {}) listed before newer {} (created_at {})",
                w[0].code, w[0].created_at, w[1].code, w[1].created_at
            ),
        ));
    }
    let next_cursor = match body.get("next_cursor") {
        Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        other => {
            return Err(Failure::new(
                "page.next_cursor is a non-empty string or null",
                format!("got {other:?}"),
            ))
        }
    };
    Ok(Page { items, next_cursor })
}

/// Stats: counts are integers, `top` has at most 10 links sorted by hits
/// descending (ties in any order).
pub fn stats(view: &ResponseView) -> Result<Stats, Failure> {
    status(view, 200)?;
    json_content_type(view)?;
    let body = view.json()?;
    let count = |field: &str| {
        body.get(field).and_then(Value::as_u64).ok_or_else(|| {
            Failure::new(
                format!("stats.{field} is a non-negative integer"),
                format!("body {body}"),
            )
        })
    };
    let links = count("links")?;
    let hits = count("hits")?;
    let top = body
        .get("top")
        .and_then(Value::as_array)
        .ok_or_else(|| Failure::new("stats.top is an array", format!("body {body}")))?;
    let top = top.iter().map(link).collect::<Result<Vec<_>, _>>()?;
    ensure!(
        top.len() <= 10,
        "stats.top holds at most 10 links",
        "got {}",
        top.len()
    );
    let hits_seq: Vec<u64> = top.iter().map(|l| l.hits).collect();
    ensure!(
        hits_seq.windows(2).all(|w| w[0] >= w[1]),
        "stats.top is sorted by hits descending",
        "hits in order {hits_seq:?}"
    );
    // No `top.len() <= links` rule: the contract does not promise that the
    // counters and `top` are one snapshot, and concurrent deletes split them.
    Ok(Stats { links, hits, top })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::fixtures::*;
    use serde_json::json;

    #[test]
    fn link_shape_rules() {
        assert!(link(&link_json("abc1234", 0)).is_ok());
        let mut missing = link_json("abc1234", 0);
        missing.as_object_mut().unwrap().remove("expires_at");
        assert_eq!(
            link(&missing).unwrap_err().rule,
            "link has field expires_at"
        );
        let mut offset = link_json("abc1234", 0);
        offset["created_at"] = json!("2026-11-28T04:05:06+01:00");
        assert!(link(&offset).unwrap_err().rule.contains("ending in Z"));
        let mut short = link_json("abc1234", 0);
        short["short_url"] = json!("http://h/other");
        assert!(link(&short).unwrap_err().rule.contains("short_url"));
        let mut bad_code = link_json("abc1234", 0);
        bad_code["code"] = json!("a!");
        assert!(link(&bad_code).unwrap_err().rule.contains("link.code"));
    }

    #[test]
    fn redirect_rules() {
        let url = "https://example.org/x";
        let ok = view(302, &[("location", url), ("cache-control", "no-store")], "");
        assert!(redirect(&ok, url).is_ok());
        let moved = view(301, &[("location", url), ("cache-control", "no-store")], "");
        assert_eq!(redirect(&moved, url).unwrap_err().rule, "status is 302");
        let cached = view(302, &[("location", url)], "");
        assert!(redirect(&cached, url)
            .unwrap_err()
            .rule
            .contains("no-store"));
        let elsewhere = view(
            302,
            &[
                ("location", "https://evil.example/"),
                ("cache-control", "no-store"),
            ],
            "",
        );
        assert!(redirect(&elsewhere, url).is_err());
    }

    #[test]
    fn created_needs_location() {
        let body = link_json("abc1234", 0).to_string();
        let ok = view(
            201,
            &[JSON_CT, ("location", "/api/v1/links/abc1234")],
            &body,
        );
        assert!(created_link(&ok).is_ok());
        let missing = view(201, &[JSON_CT], &body);
        assert!(created_link(&missing)
            .unwrap_err()
            .rule
            .contains("Location"));
    }

    #[test]
    fn page_and_stats_rules() {
        let items: Vec<Value> = (0..3).map(|i| link_json(&format!("abc{i}"), 0)).collect();
        let body = json!({ "items": items, "next_cursor": "c" }).to_string();
        assert!(page(&view(200, &[JSON_CT], &body), 3).is_ok());
        assert_eq!(
            page(&view(200, &[JSON_CT], &body), 2).unwrap_err().rule,
            "a page holds at most `limit` items"
        );
        let sorted =
            json!({ "links": 5, "hits": 9, "top": [link_json("aaa", 5), link_json("bbb", 4)] });
        assert!(stats(&view(200, &[JSON_CT], &sorted.to_string())).is_ok());
        let unsorted =
            json!({ "links": 5, "hits": 9, "top": [link_json("aaa", 4), link_json("bbb", 5)] });
        assert_eq!(
            stats(&view(200, &[JSON_CT], &unsorted.to_string()))
                .unwrap_err()
                .rule,
            "stats.top is sorted by hits descending"
        );
    }
}
