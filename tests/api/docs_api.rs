//! `docs/api.md` and the served `/openapi.json` describe the same endpoints:
//! the same (method, path) pairs, each with the same set of statuses.

use std::collections::{BTreeMap, BTreeSet};

type Operations = BTreeMap<(String, String), BTreeSet<u16>>;

/// The endpoint table of docs/api.md: rows `| METHOD | `path` | success | errors |`,
/// every three-digit number in the last two columns a status.
fn documented_in_markdown() -> Operations {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/api.md"))
        .expect("docs/api.md is readable");
    let mut ops = Operations::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // A row is "", method, path, success, errors, "".
        let [_, method, path, success, errors, _] = cells.as_slice() else {
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
        let key = (
            method.to_ascii_lowercase(),
            path.trim_matches('`').to_string(),
        );
        assert!(ops.insert(key.clone(), statuses).is_none(), "{key:?} twice");
    }
    ops
}

fn documented_in_openapi() -> Operations {
    let doc = shortlink::http::openapi::document();
    let mut ops = Operations::new();
    for (path, item) in doc["paths"].as_object().expect("paths is an object") {
        for (method, op) in item.as_object().expect("a path item is an object") {
            if method == "parameters" {
                continue;
            }
            let statuses = op["responses"]
                .as_object()
                .expect("an operation has responses")
                .keys()
                .map(|s| s.parse().expect("a numeric status"))
                .collect();
            ops.insert((method.clone(), path.clone()), statuses);
        }
    }
    ops
}

/// A change to one of the two documents without the other fails here.
#[test]
fn docs_api_md_and_openapi_json_list_the_same_operations_and_statuses() {
    let markdown = documented_in_markdown();
    assert!(
        markdown.len() >= 10,
        "docs/api.md's endpoint table was not found"
    );
    assert_eq!(markdown, documented_in_openapi());
}
