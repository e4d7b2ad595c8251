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
