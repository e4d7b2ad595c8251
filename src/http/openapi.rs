//! The OpenAPI 3 document of the contract, served at `/openapi.json`.
//!
//! Written by hand beside the routes; `tests/api/openapi.rs` proves that its paths
//! and methods are exactly the mounted routes, so the two cannot drift apart.

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

fn error(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn ok(description: &str, schema: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn code_param() -> Value {
    json!({ "name": "code", "in": "path", "required": true, "schema": { "type": "string" } })
}

pub fn document() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "shortlink",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A small link shortener. Every error is a JSON `Error`; every response carries `X-Request-Id`."
        },
        "paths": {
            "/api/v1/links": {
                "post": {
                    "operationId": "createLink",
                    "summary": "Create a link, with a generated or a custom code",
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CreateLink" } } } },
                    "responses": {
                        "201": {
                            "description": "Created",
                            "headers": { "Location": { "schema": { "type": "string" }, "description": "/api/v1/links/{code}" } },
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Link" } } }
                        },
                        "400": error("Malformed JSON"),
                        "409": error("Custom code taken or reserved"),
                        "413": error("Body over 16 KiB"),
                        "415": error("Body is not JSON"),
                        "422": error("Invalid url, code, ttl_seconds or unknown field"),
                        "503": error("Backend unavailable")
                    }
                },
                "get": {
                    "operationId": "listLinks",
                    "summary": "List links, newest first, with keyset pagination",
                    "parameters": [
                        { "name": "limit", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 100, "default": 20 } },
                        { "name": "cursor", "in": "query", "required": false, "schema": { "type": "string", "pattern": CURSOR_PATTERN }, "description": "next_cursor of the previous page" }
                    ],
                    "responses": {
                        "200": ok("A page of links", "Page"),
                        "400": error("Bad limit or cursor"),
                        "503": error("Backend unavailable")
                    }
                }
            },
            "/api/v1/links/{code}": {
                "parameters": [code_param()],
                "get": {
                    "operationId": "getLink",
                    "summary": "Read one link (expired links included)",
                    "responses": { "200": ok("The link", "Link"), "404": error("No such link"), "503": error("Backend unavailable") }
                },
                "patch": {
                    "operationId": "updateLink",
                    "summary": "Change a link's url or expiry",
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PatchLink" } } } },
                    "responses": {
                        "200": ok("The updated link", "Link"),
                        "400": error("Malformed JSON"),
                        "404": error("No such link"),
                        "413": error("Body over 16 KiB"),
                        "415": error("Body is not JSON"),
                        "422": error("Invalid url, expires_at or unknown field"),
                        "503": error("Backend unavailable")
                    }
                },
                "delete": {
                    "operationId": "deleteLink",
                    "summary": "Delete a link; its code may be created again",
                    "responses": { "204": { "description": "Deleted" }, "404": error("No such link"), "503": error("Backend unavailable") }
                }
            },
            "/{code}": {
                "parameters": [code_param()],
                "get": {
                    "operationId": "followLink",
                    "summary": "Redirect to the link's url, counting one hit",
                    "responses": {
                        "302": { "description": "Redirect", "headers": { "Location": { "schema": { "type": "string" } } } },
                        "404": error("No such link"),
                        "410": error("Link expired"),
                        "503": error("Backend unavailable")
                    }
                }
            },
            "/api/v1/stats": {
                "get": {
                    "operationId": "stats",
                    "summary": "Totals and the ten most-hit links",
                    "responses": { "200": ok("Statistics", "Stats"), "503": error("Backend unavailable") }
                }
            },
            "/healthz": {
                "get": { "operationId": "healthz", "summary": "Liveness", "responses": { "200": ok("The process runs", "Health") } }
            },
            "/readyz": {
                "get": {
                    "operationId": "readyz",
                    "summary": "Readiness: the backend answers a ping",
                    "responses": { "200": ok("Ready", "Ready"), "503": ok("Backend unavailable", "Ready") }
                }
            },
            "/version": {
                "get": { "operationId": "version", "summary": "Build and backend", "responses": { "200": ok("Version", "Version") } }
            },
            "/metrics": {
                "get": {
                    "operationId": "metrics",
                    "summary": "Prometheus metrics",
                    "responses": { "200": { "description": "Prometheus text format", "content": { "text/plain": { "schema": { "type": "string" } } } } }
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": { "200": { "description": "OpenAPI 3 document", "content": { "application/json": { "schema": { "type": "object" } } } } }
                }
            }
        },
        "components": { "schemas": schemas() }
    })
}

fn schemas() -> Value {
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
                "backend": { "type": "string", "enum": ["memory", "sqlite", "mysql"] }
            }
        }
    })
}
