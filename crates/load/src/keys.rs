//! The integrators' author keys: each integrator makes its own with the
//! run's admin key when it starts and revokes it when it stops, and the run
//! revokes whatever is left once the users are done. Made with the harness
//! client and validators, outside goose's numbers: key management is the
//! operator's set-up, not the traffic under test.

use serde_json::{json, Value};
use shortlink_harness::endpoints::{key_path, KEYS};
use shortlink_harness::{apikey, validate, ApiKey, Request};

use crate::session::Shared;

/// POST /api/v1/keys `{"name", "role": "author"}` with the admin key; the
/// new key, or why not (never quoting a key).
pub async fn create_author(shared: &Shared, user: usize) -> Result<(String, ApiKey), String> {
    let admin = shared.access.admin.as_ref().ok_or(apikey::MISSING)?;
    let name = format!("shortlink-load {} integrator {user}", shared.run_tag);
    let req = Request::new("POST", KEYS).json(&json!({ "name": name, "role": "author" }));
    let view = admin
        .send(req)
        .await
        .map_err(|f| shared.redact(&f.to_string()))?;
    // Noted before validating: a key whose answer breaks a rule still exists.
    if let Ok(body) = view.json() {
        if let Some(secret) = body.get("secret").and_then(Value::as_str) {
            admin.remember_secret(secret);
        }
        if let (true, Some(id)) = (
            view.status / 100 == 2,
            body.get("id").and_then(Value::as_str),
        ) {
            shared.add_author_key(id);
        }
    }
    let key = validate::created_key(&view, &name, "author")
        .map_err(|f| shared.redact(&format!("POST {KEYS}: {f}")))?;
    Ok((key.id, key.key))
}

/// DELETE /api/v1/keys/{id} with the admin key: 204, or 404 when it was
/// revoked already, both count as revoked.
pub async fn revoke(shared: &Shared, id: &str) -> Result<(), String> {
    let admin = shared.access.admin.as_ref().ok_or(apikey::MISSING)?;
    let view = admin
        .send(Request::delete(key_path(id)))
        .await
        .map_err(|f| shared.redact(&f.to_string()))?;
    match view.status {
        204 | 404 => {
            shared.mark_revoked(id);
            Ok(())
        }
        _ => Err(shared.redact(&format!("DELETE {}: {}", key_path(id), view.summary()))),
    }
}

/// Revokes every author key no `on_stop` revoked (a user that failed, a run
/// cut short). Bounded: one request per key.
pub async fn revoke_leftovers(shared: &Shared) {
    for id in shared.live_author_keys() {
        if let Err(e) = revoke(shared, &id).await {
            shared.record_failure(format!("revoking author key {id} after the run: {e}"));
        }
    }
}
