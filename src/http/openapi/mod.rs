//! The OpenAPI 3 document of the contract, served at `/openapi.json`.
//!
//! Written by hand beside the routes; `tests/api/openapi.rs` proves that its paths
//! and methods are exactly the mounted routes, so the two cannot drift apart.

mod schemas;

use serde_json::{json, Value};

pub use schemas::{url_pattern, CURSOR_PATTERN, EXPIRES_AT_PATTERN};

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
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "shortlink",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A small link shortener. Every error is a JSON `Error`; every response carries `X-Request-Id`. Everything under /api/v1 needs `Authorization: Bearer <API key>`: an admin key reaches every link and manages keys, an author key only the links it created (another key's link is a 404)."
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
                    "summary": "Totals and the ten most-hit links, over the links the key reaches",
                    "responses": { "200": ok("Statistics", "Stats"), "503": error("Backend unavailable") }
                }
            },
            "/api/v1/keys": {
                "post": {
                    "operationId": "createKey",
                    "summary": "Create an API key (admin); the answer holds its secret, shown this once",
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CreateKey" } } } },
                    "responses": {
                        "201": {
                            "description": "Created",
                            "headers": { "Location": { "schema": { "type": "string" }, "description": "/api/v1/keys/{id}" } },
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CreatedKey" } } }
                        },
                        "400": error("Malformed JSON"),
                        "403": error("Not an admin key"),
                        "413": error("Body over 16 KiB"),
                        "415": error("Body is not JSON"),
                        "422": error("Invalid name, role or unknown field"),
                        "503": error("Backend unavailable")
                    }
                },
                "get": {
                    "operationId": "listKeys",
                    "summary": "Every key, oldest first, revoked ones included (admin)",
                    "responses": { "200": ok("The keys", "KeyList"), "403": error("Not an admin key"), "503": error("Backend unavailable") }
                }
            },
            "/api/v1/keys/{id}": {
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "delete": {
                    "operationId": "revokeKey",
                    "summary": "Revoke a key (admin); it is refused from the next request on",
                    "responses": {
                        "204": { "description": "Revoked" },
                        "403": error("Not an admin key"),
                        "404": error("No live key with that id"),
                        "503": error("Backend unavailable")
                    }
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
        "components": {
            "schemas": schemas::all(),
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "An API key, `sl_<id>_<secret>`" }
            }
        }
    });
    secure_api(&mut doc);
    doc
}

/// Every operation under `/api/v1` needs a key: its security requirement and
/// the 401 are added here, once, rather than written into each operation.
fn secure_api(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        if !path.starts_with("/api/v1/") {
            continue;
        }
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if method == "parameters" {
                continue;
            }
            op["security"] = json!([{ "bearer": [] }]);
            op["responses"]["401"] = json!({
                "description": "No API key, another scheme, a malformed, unknown or revoked key",
                "headers": { "WWW-Authenticate": { "schema": { "type": "string" }, "description": "Bearer realm=\"shortlink\"" } },
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
            });
        }
    }
}
