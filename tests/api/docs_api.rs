//! `docs/api.md` and the served `/openapi.json` describe the same endpoints:
//! the same (method, path) pairs, each with the same set of statuses and the
//! same key requirement.

use std::collections::{BTreeMap, BTreeSet};

/// What a key an operation needs: none, any key, an admin key.
#[derive(Debug, PartialEq, Eq)]
enum Key {
    None,
    Any,
    Admin,
}

type Operations = BTreeMap<(String, String), (BTreeSet<u16>, Key)>;

/// The endpoint table of docs/api.md: rows
/// `| METHOD | `path` | key | success | errors |`, every three-digit number in
/// the last two columns a status.
fn documented_in_markdown() -> Operations {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/api.md"))
        .expect("docs/api.md is readable");
    let mut ops = Operations::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // A row is "", method, path, key, success, errors, "".
        let [_, method, path, key, success, errors, _] = cells.as_slice() else {
            continue;
        };
        if !["GET", "POST", "PATCH", "PUT", "DELETE"].contains(method) {
            continue;
        }
        let statuses = format!("{success} {errors}")
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|word| word.len() == 3)
            .filter_map(|word| word.parse::<u16>().ok())
            .collect();
        let key_needed = match key.split_whitespace().next() {
            Some("none") => Key::None,
            Some("any") => Key::Any,
            Some("admin") => Key::Admin,
            other => panic!("{method} {path}: key column {other:?}"),
        };
        let op = (
            method.to_ascii_lowercase(),
            path.trim_matches('`').to_string(),
        );
        assert!(
            ops.insert(op.clone(), (statuses, key_needed)).is_none(),
            "{op:?} twice"
        );
    }
    ops
}

/// The same from the OpenAPI document: a `security` requirement means a key,
/// and a documented 403 an admin key.
fn documented_in_openapi() -> Operations {
    let doc = shortlink::http::openapi::document();
    let mut ops = Operations::new();
    for (path, item) in doc["paths"].as_object().expect("paths is an object") {
        for (method, op) in item.as_object().expect("a path item is an object") {
            if method == "parameters" {
                continue;
            }
            let statuses: BTreeSet<u16> = op["responses"]
                .as_object()
                .expect("an operation has responses")
                .keys()
                .map(|s| s.parse().expect("a numeric status"))
                .collect();
            let key_needed = match (op.get("security"), statuses.contains(&403)) {
                (None, _) => Key::None,
                (Some(_), false) => Key::Any,
                (Some(_), true) => Key::Admin,
            };
            ops.insert((method.clone(), path.clone()), (statuses, key_needed));
        }
    }
    ops
}

/// A change to one of the two documents without the other fails here.
#[test]
fn docs_api_md_and_openapi_json_list_the_same_operations_and_statuses() {
    let markdown = documented_in_markdown();
    assert!(
        markdown.len() >= 13,
        "docs/api.md's endpoint table was not found"
    );
    assert_eq!(markdown, documented_in_openapi());
}
