//! Validators: one public function per contract rule, reading only a
//! [`ResponseView`] (or parsed JSON), so any HTTP client can feed them.
//! Every `Failure` names the rule it enforces. Each validator's unit tests
//! show it rejecting a response that breaks its rule, naming that rule: the
//! harness's own discrimination at unit level (the faulty-proxy tests prove
//! it end to end).

mod fields;
mod key;
mod link;
mod ops;
mod response;

pub use key::{created_key, forbidden, key_item, key_list, unauthorized, KeyItem, NewKey};
pub use link::{
    created_link, created_link_for, is_valid_code, link, link_response, page, redirect, stats,
    timestamp, Link, Page, Stats,
};
pub use ops::{health, openapi, openapi_operations, prometheus_text};
use response::listing;
pub use response::{error, json_content_type, method_not_allowed, no_content, request_id, status};

/// The reserved codes of the contract; case-insensitive.
pub const RESERVED_CODES: &[&str] = &[
    "api", "healthz", "readyz", "metrics", "version", "openapi", "docs", "static",
];

/// Every operation the contract defines: [`crate::endpoints::CONTRACT`].
pub use crate::endpoints::CONTRACT as CONTRACT_ENDPOINTS;

/// Hand-made responses and links for the validators' unit tests.
#[cfg(test)]
mod fixtures {
    use serde_json::{json, Value};

    use crate::view::ResponseView;

    pub fn view(status: u16, headers: &[(&str, &str)], body: &str) -> ResponseView {
        ResponseView::new(
            status,
            headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body.as_bytes().to_vec(),
        )
    }

    pub const JSON_CT: (&str, &str) = ("Content-Type", "application/json");

    pub fn link_json(code: &str, hits: u64) -> Value {
        json!({
            "code": code, "url": "https://example.org/x", "short_url": format!("http://h/{code}"),
            "hits": hits, "created_at": "2026-11-28T04:05:06Z",
            "last_hit_at": if hits > 0 { json!("2026-11-28T05:00:00Z") } else { Value::Null },
            "expires_at": null,
        })
    }
}
