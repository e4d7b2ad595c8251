//! API keys and the answers about them: a key resource, a created key with
//! its secret, the list, and the 401 and 403 of the authentication rules.

use serde_json::Value;
use time::OffsetDateTime;

use super::fields::Fields;
use super::{error, json_content_type, listing, status, timestamp};
use crate::apikey::{self, ApiKey};
use crate::check::Failure;
use crate::endpoints::key_path;
use crate::ensure;
use crate::view::ResponseView;

/// The fields of a key resource; anything else (a hash, a secret in a
/// listing) is a leak.
const KEY_FIELDS: &[&str] = &["id", "name", "role", "created_at", "revoked_at"];

/// A key resource as `GET /api/v1/keys` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyItem {
    pub id: String,
    pub name: String,
    pub role: String,
    pub created_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

/// A key as `POST /api/v1/keys` made it: the resource and the whole key.
/// `Debug` shows the key's id only.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub id: String,
    pub name: String,
    pub role: String,
    pub created_at: OffsetDateTime,
    pub key: ApiKey,
}

/// A key resource: exactly the five fields, a 12-character base62 id, a
/// role of `admin` or `author`, RFC 3339 timestamps.
pub fn key_item(value: &Value) -> Result<KeyItem, Failure> {
    let obj = Fields::of("key", value)?;
    let string = |field: &str| obj.string(field);
    let id = string("id")?;
    ensure!(
        id.len() == apikey::ID_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric()),
        "key.id is 12 base62 characters",
        "got {id:?}"
    );
    let name = string("name")?;
    let role = string("role")?;
    ensure!(
        role == "admin" || role == "author",
        "key.role is admin or author",
        "got {role:?}"
    );
    let created_at = timestamp(
        "key.created_at",
        obj.get("created_at").unwrap_or(&Value::Null),
    )?;
    let revoked_at = match obj.get("revoked_at") {
        None => {
            return Err(Failure::new(
                "key has field revoked_at",
                "missing (null is allowed, absence is not)",
            ))
        }
        Some(Value::Null) => None,
        Some(v) => Some(timestamp("key.revoked_at", v)?),
    };
    Ok(KeyItem {
        id,
        name,
        role,
        created_at,
        revoked_at,
    })
}

/// A listed key has exactly the resource's fields: no secret, no hash.
fn listed_key(value: &Value) -> Result<KeyItem, Failure> {
    let item = key_item(value)?;
    let extra: Vec<&String> = value
        .as_object()
        .map(|o| {
            o.keys()
                .filter(|k| !KEY_FIELDS.contains(&k.as_str()))
                .collect()
        })
        .unwrap_or_default();
    ensure!(
        extra.is_empty(),
        "a listed key shows no secret and no hash, only id, name, role, created_at, revoked_at",
        "key {} has {extra:?}",
        item.id
    );
    Ok(item)
}

/// `POST /api/v1/keys`'s 201: the resource with the requested name and role,
/// not revoked, `Location: /api/v1/keys/{id}`, and `secret`, a whole key of
/// the contract's shape whose id is the resource's.
pub fn created_key(view: &ResponseView, name: &str, role: &str) -> Result<NewKey, Failure> {
    status(view, 201)?;
    json_content_type(view)?;
    let body = view.json()?;
    let item = key_item(&body)?;
    ensure!(
        item.name == name && item.role == role,
        "the created key has the requested name and role",
        "sent {name:?} {role:?}, got {:?} {:?}",
        item.name,
        item.role
    );
    ensure!(
        item.revoked_at.is_none(),
        "a new key is not revoked",
        "key {}",
        item.id
    );
    let want = key_path(&item.id);
    let location = view.header("location");
    ensure!(
        location.is_some_and(|l| l == want || (l.contains("://") && l.ends_with(&want))),
        "201 carries Location: /api/v1/keys/{id}",
        "want {want:?}, got {location:?}"
    );
    let secret = body.get("secret").and_then(Value::as_str).unwrap_or("");
    let key = ApiKey::new(secret);
    ensure!(
        key.is_well_formed(),
        "secret is a whole key, sl_ + 12 base62 + _ + 43 base64url",
        "key {}: secret of {} characters",
        item.id,
        secret.len()
    );
    ensure!(
        key.id() == Some(item.id.as_str()),
        "the secret carries the key's id",
        "key {}, secret of id {:?}",
        item.id,
        key.id()
    );
    Ok(NewKey {
        id: item.id,
        name: item.name,
        role: item.role,
        created_at: item.created_at,
        key,
    })
}

/// `GET /api/v1/keys`: 200 `{"items":[key...]}`, oldest first, no secrets.
pub fn key_list(view: &ResponseView) -> Result<Vec<KeyItem>, Failure> {
    let (_, items) = listing(view, "key list is {\"items\":[...]}", listed_key)?;
    for pair in items.windows(2) {
        ensure!(
            pair[0].created_at <= pair[1].created_at,
            "the key list is oldest first",
            "{} ({}) before {} ({})",
            pair[0].id,
            pair[0].created_at,
            pair[1].id,
            pair[1].created_at
        );
    }
    Ok(items)
}

/// A 401 of the contract: the `unauthorized` error and a Bearer challenge
/// (`WWW-Authenticate: Bearer realm=…`), naming `invalid_token` when a
/// Bearer credential was presented (RFC 6750 §3.1).
pub fn unauthorized(view: &ResponseView, presented: bool) -> Result<(), Failure> {
    error(view, 401, "unauthorized")?;
    let challenge = view.header("www-authenticate").unwrap_or("");
    let scheme = challenge.split_whitespace().next().unwrap_or("");
    ensure!(
        scheme.eq_ignore_ascii_case("bearer"),
        "401 carries WWW-Authenticate: Bearer",
        "got {challenge:?}"
    );
    if presented {
        ensure!(
            challenge.contains("error=\"invalid_token\""),
            "401 for a presented key says error=\"invalid_token\"",
            "got {challenge:?}"
        );
    }
    Ok(())
}

/// A 403 `forbidden`: an author on an admin-only operation.
pub fn forbidden(view: &ResponseView) -> Result<(), Failure> {
    error(view, 403, "forbidden")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::fixtures::*;
    use serde_json::json;

    const KEY: &str = "sl_4fTq9ZbX2kLm_3qVabcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01";

    fn item(extra: Value) -> Value {
        let mut v = json!({ "id": "4fTq9ZbX2kLm", "name": "ci", "role": "author",
            "created_at": "2026-12-02T04:05:06Z", "revoked_at": null });
        if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        v
    }

    #[test]
    fn created_key_rules() {
        let loc = ("location", "/api/v1/keys/4fTq9ZbX2kLm");
        let good = item(json!({ "secret": KEY })).to_string();
        let k = created_key(&view(201, &[JSON_CT, loc], &good), "ci", "author").unwrap();
        assert_eq!(k.key.expose(), KEY);
        let rule = |v: &ResponseView| created_key(v, "ci", "author").unwrap_err().rule;
        assert_eq!(
            rule(&view(201, &[JSON_CT], &good)),
            "201 carries Location: /api/v1/keys/{id}"
        );
        let other = item(json!({ "secret": KEY.replace("4fTq", "XXXX") })).to_string();
        assert_eq!(
            rule(&view(201, &[JSON_CT, loc], &other)),
            "the secret carries the key's id"
        );
        let short = item(json!({ "secret": "sl_x" })).to_string();
        assert!(rule(&view(201, &[JSON_CT, loc], &short)).starts_with("secret is a whole key"));
        let admin = item(json!({ "secret": KEY, "role": "admin" })).to_string();
        assert!(rule(&view(201, &[JSON_CT, loc], &admin)).contains("requested name and role"));
        // No failure text quotes the secret.
        let text = created_key(&view(201, &[JSON_CT], &other), "ci", "author")
            .unwrap_err()
            .to_string();
        assert!(!text.contains("3qVabc"), "{text}");
    }

    #[test]
    fn list_rules() {
        let list = |items: Value| {
            key_list(&view(
                200,
                &[JSON_CT],
                &json!({ "items": items }).to_string(),
            ))
        };
        assert_eq!(list(json!([item(json!({}))])).unwrap().len(), 1);
        assert!(list(json!([item(json!({ "secret": KEY }))]))
            .unwrap_err()
            .rule
            .contains("no secret"));
        assert!(list(json!([item(json!({ "hash": "ab" }))])).is_err());
        let newer = item(json!({ "created_at": "2027-01-01T00:00:00Z" }));
        assert_eq!(
            list(json!([newer, item(json!({}))])).unwrap_err().rule,
            "the key list is oldest first"
        );
        assert_eq!(
            list(json!([item(json!({ "role": "root" }))]))
                .unwrap_err()
                .rule,
            "key.role is admin or author"
        );
    }

    #[test]
    fn unauthorized_rules() {
        let body = r#"{"error":{"status":401,"code":"unauthorized","message":"no"}}"#;
        let plain = ("www-authenticate", r#"Bearer realm="shortlink""#);
        let invalid = (
            "www-authenticate",
            r#"Bearer realm="shortlink", error="invalid_token""#,
        );
        assert!(unauthorized(&view(401, &[JSON_CT, plain], body), false).is_ok());
        assert!(unauthorized(&view(401, &[JSON_CT, invalid], body), true).is_ok());
        assert!(unauthorized(&view(401, &[JSON_CT, plain], body), true).is_err());
        assert_eq!(
            unauthorized(&view(401, &[JSON_CT], body), false)
                .unwrap_err()
                .rule,
            "401 carries WWW-Authenticate: Bearer"
        );
        assert_eq!(
            unauthorized(&view(200, &[JSON_CT, plain], "{}"), false)
                .unwrap_err()
                .rule,
            "status is 401"
        );
    }
}
