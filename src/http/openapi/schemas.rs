//! The schemas of the OpenAPI document, and the patterns that make its
//! strings exactly what the server's parsers accept.

use serde_json::{json, Value};

/// Exactly the strings `domain::TargetUrl::parse` accepts, with `maxLength`
/// 2048: the grammar in `src/domain/target_url.rs`, as a regular expression in
/// the common subset of ECMA 262, Python and Rust syntax, so every tool that
/// reads the spec generates and rejects what the server does (`tests/api/parsers.rs`
/// checks it both ways). No `format`: `uri` admits far more than a redirect target.
pub fn url_pattern() -> String {
    let dec_octet = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9][0-9]|[0-9])";
    let ipv4 = format!("{dec_octet}(?:\\.{dec_octet}){{3}}");
    let h16 = "[0-9A-Fa-f]{1,4}";
    let ls32 = format!("(?:{h16}:{h16}|{ipv4})");
    // RFC 3986's IPv6address, one alternative per number of pieces before `::`.
    let ipv6 = [
        format!("(?:{h16}:){{6}}{ls32}"),
        format!("::(?:{h16}:){{5}}{ls32}"),
        format!("(?:{h16})?::(?:{h16}:){{4}}{ls32}"),
        format!("(?:(?:{h16}:){{0,1}}{h16})?::(?:{h16}:){{3}}{ls32}"),
        format!("(?:(?:{h16}:){{0,2}}{h16})?::(?:{h16}:){{2}}{ls32}"),
        format!("(?:(?:{h16}:){{0,3}}{h16})?::{h16}:{ls32}"),
        format!("(?:(?:{h16}:){{0,4}}{h16})?::{ls32}"),
        format!("(?:(?:{h16}:){{0,5}}{h16})?::{h16}"),
        format!("(?:(?:{h16}:){{0,6}}{h16})?::"),
    ]
    .join("|");
    let name = "(?:[A-Za-z0-9_-]+\\.)*[A-Za-z][A-Za-z0-9_-]*\\.?";
    let port = "(?:[0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";
    format!(
        "^[Hh][Tt][Tt][Pp][Ss]?://(?:{name}|{ipv4}|\\[(?:{ipv6})\\])(?::{port})?(?:[/?#][!-~]*)?$"
    )
}

/// Exactly the strings `domain::Cursor::decode` accepts: two 16-digit lower-case
/// hex numbers, each at most `i64::MAX`.
pub const CURSOR_PATTERN: &str = "^[0-7][0-9a-f]{15}[0-7][0-9a-f]{15}$";

/// The `expires_at` a patch may set: with `format: date-time`, exactly what
/// `domain::parse_rfc3339` accepts. It narrows RFC 3339 to years 0001 to 9998
/// (so any offset keeps the instant within the years the service renders) and
/// to seconds 00 to 59 (no leap second).
pub const EXPIRES_AT_PATTERN: &str = "^(?:0(?:00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})|[1-8][0-9]{3}|9(?:[0-8][0-9]{2}|9[0-8][0-9]|99[0-8]))-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-5][0-9](?:\\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})$";

/// `url`, as in a create or a patch: plain JSON Schema that every tool reads.
fn url_schema() -> Value {
    json!({
        "type": "string",
        "maxLength": 2048,
        "pattern": url_pattern(),
        "description": "Absolute http or https URL: a host name, an IPv4 or a [bracketed] IPv6 address, an optional port, no user info; printable ASCII (percent-encode the rest), at most 2048 bytes"
    })
}

pub fn all() -> Value {
    let timestamp = json!({ "type": "string", "format": "date-time" });
    let nullable_timestamp = json!({ "type": "string", "format": "date-time", "nullable": true });
    json!({
        "Link": {
            "type": "object",
            "required": ["code", "url", "short_url", "hits", "created_at", "last_hit_at", "expires_at"],
            "additionalProperties": false,
            "properties": {
                "code": { "type": "string", "pattern": "^[A-Za-z0-9_-]{3,32}$" },
                "url": { "type": "string", "maxLength": 2048 },
                "short_url": { "type": "string" },
                "hits": { "type": "integer", "minimum": 0 },
                "created_at": timestamp,
                "last_hit_at": nullable_timestamp,
                "expires_at": nullable_timestamp
            }
        },
        "CreateLink": {
            "type": "object",
            "required": ["url"],
            "additionalProperties": false,
            "properties": {
                "url": url_schema(),
                "code": { "type": "string", "pattern": "^[A-Za-z0-9_-]{3,32}$" },
                "ttl_seconds": { "type": "integer", "minimum": 1, "maximum": 31536000 }
            }
        },
        "PatchLink": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "url": url_schema(),
                "expires_at": { "type": "string", "format": "date-time", "pattern": EXPIRES_AT_PATTERN, "nullable": true }
            }
        },
        "Page": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": { "type": "array", "items": { "$ref": "#/components/schemas/Link" } },
                "next_cursor": { "type": "string", "nullable": true }
            }
        },
        "Stats": {
            "type": "object",
            "required": ["links", "hits", "top"],
            "properties": {
                "links": { "type": "integer", "minimum": 0 },
                "hits": { "type": "integer", "minimum": 0 },
                "top": { "type": "array", "maxItems": 10, "items": { "$ref": "#/components/schemas/Link" } }
            }
        },
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["status", "code", "message"],
                    "properties": {
                        "status": { "type": "integer" },
                        "code": { "type": "string", "pattern": "^[a-z_]+$" },
                        "message": { "type": "string" }
                    }
                }
            }
        },
        "CreateKey": {
            "type": "object",
            "required": ["name", "role"],
            "additionalProperties": false,
            "properties": {
                "name": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]+$" },
                "role": { "type": "string", "enum": ["admin", "author"] }
            }
        },
        "Key": key_schema(false),
        "CreatedKey": key_schema(true),
        "KeyList": {
            "type": "object",
            "required": ["items"],
            "properties": { "items": { "type": "array", "items": { "$ref": "#/components/schemas/Key" } } }
        },
        "Health": { "type": "object", "required": ["status"], "properties": { "status": { "type": "string", "enum": ["ok"] } } },
        "Ready": {
            "type": "object",
            "required": ["status", "backend"],
            "properties": {
                "status": { "type": "string", "enum": ["ok", "unavailable"] },
                "backend": { "type": "string" },
                "error": { "type": "string" }
            }
        },
        "Version": {
            "type": "object",
            "required": ["name", "version", "git_sha", "backend"],
            "properties": {
                "name": { "type": "string" },
                "version": { "type": "string" },
                "git_sha": { "type": "string" },
                "backend": { "type": "string", "enum": ["memory", "sqlite", "mysql", "postgres"] }
            }
        }
    })
}

/// A key as listed, or, `with_secret`, as created (the one time it is shown).
fn key_schema(with_secret: bool) -> Value {
    let mut schema = json!({
        "type": "object",
        "required": ["id", "name", "role", "created_at", "revoked_at"],
        "additionalProperties": false,
        "properties": {
            "id": { "type": "string", "pattern": "^[0-9A-Za-z]{12}$" },
            "name": { "type": "string" },
            "role": { "type": "string", "enum": ["admin", "author"] },
            "created_at": { "type": "string", "format": "date-time" },
            "revoked_at": { "type": "string", "format": "date-time", "nullable": true }
        }
    });
    if with_secret {
        schema["required"] = json!(["id", "name", "role", "created_at", "revoked_at", "secret"]);
        schema["properties"]["secret"] =
            json!({ "type": "string", "pattern": "^sl_[0-9A-Za-z]{12}_[A-Za-z0-9_-]{43}$" });
    }
    schema
}
