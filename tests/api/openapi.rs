//! The hand-written OpenAPI document and the mounted routes describe the same API.

use std::collections::BTreeSet;

use rocket::figment::Figment;

/// Every (method, path) in `/openapi.json` is a mounted route, and every mounted route is documented.
#[test]
fn openapi_paths_and_methods_are_exactly_the_routes() {
    let rocket = shortlink::build(Figment::from(rocket::Config::default()));
    let routes: BTreeSet<(String, String)> = rocket
        .routes()
        .map(|r| {
            let path = r.uri.path().replace('<', "{").replace('>', "}");
            (r.method.as_str().to_ascii_lowercase(), path)
        })
        .collect();

    let doc = shortlink::http::openapi::document();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths is an object") {
        for method in item.as_object().expect("path item is an object").keys() {
            if method != "parameters" {
                documented.insert((method.clone(), path.clone()));
            }
        }
    }
    assert_eq!(
        documented, routes,
        "openapi.json and the mounted routes differ"
    );
    assert_eq!(doc["openapi"], "3.0.3");
}

/// Every `$ref` in the document resolves to a schema it defines.
#[test]
fn openapi_references_resolve() {
    let doc = shortlink::http::openapi::document();
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = piece.split('"').next().unwrap_or_default();
        assert!(schemas.contains_key(name), "dangling $ref to {name}");
    }
}

/// The document is plain OpenAPI 3.0 that any tool reads as the server means it:
/// no `format` outside the ones the specifications define, and no `x-` extension
/// carrying meaning only the project's own tooling knows (`url` was once a custom
/// `http-url` format with an `x-generate-pattern`, and a stock schemathesis run
/// sent it values the server rejects).
#[test]
fn openapi_uses_only_standard_formats_and_no_extensions() {
    const STANDARD: &[&str] = &[
        "int32",
        "int64",
        "float",
        "double",
        "byte",
        "binary",
        "date",
        "date-time",
        "password",
        "email",
        "uri",
        "uuid",
        "hostname",
        "ipv4",
        "ipv6",
    ];
    fn walk(value: &serde_json::Value, at: &str) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, child) in map {
                    assert!(!key.starts_with("x-"), "extension {key} at {at}");
                    if key == "format" {
                        let format = child.as_str().unwrap_or_default();
                        assert!(STANDARD.contains(&format), "format {format} at {at}");
                    }
                    walk(child, &format!("{at}/{key}"));
                }
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{at}/{i}"));
                }
            }
            _ => {}
        }
    }
    walk(&shortlink::http::openapi::document(), "");
}
