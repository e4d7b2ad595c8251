//! Key management over HTTP, for admins: create (the secret shown once),
//! list, revoke. The same operations as `shortlink keys …` on the server.

use rocket::http::Status;
use rocket::response::status::{Created, NoContent};
use rocket::serde::json::Json;
use rocket::State;
use serde::Serialize;

use crate::domain::{now, rfc3339};
use crate::error::{ApiError, Result};
use crate::http::auth::Caller;
use crate::http::body::JsonObject;
use crate::http::App;
use crate::keys::{valid_name, ApiKey, KeyId, KeyRecord, Role, MAX_NAME};

/// A key as listed: never its secret, never its hash.
#[derive(Serialize)]
pub struct KeyView {
    id: String,
    name: String,
    role: &'static str,
    created_at: String,
    revoked_at: Option<String>,
}

impl From<KeyRecord> for KeyView {
    fn from(k: KeyRecord) -> KeyView {
        KeyView {
            id: k.id.to_string(),
            name: k.name,
            role: k.role.as_str(),
            created_at: rfc3339(k.created_at),
            revoked_at: k.revoked_at.map(rfc3339),
        }
    }
}

/// The answer to a create: the view plus the whole key, this once.
#[derive(Serialize)]
pub struct CreatedKey {
    #[serde(flatten)]
    key: KeyView,
    secret: String,
}

#[derive(Serialize)]
pub struct KeyList {
    items: Vec<KeyView>,
}

#[rocket::post("/api/v1/keys", data = "<body>")]
pub async fn create(
    app: &State<App>,
    caller: Caller,
    body: JsonObject,
) -> Result<Created<Json<CreatedKey>>> {
    caller.require_admin()?;
    body.only(&["name", "role"])?;
    let name = body
        .opt_str("name")?
        .filter(|n| valid_name(n))
        .ok_or_else(|| {
            ApiError::invalid(
                "invalid_name",
                format!("name must be 1 to {MAX_NAME} printable characters"),
            )
        })?
        .to_owned();
    let role = body
        .opt_str("role")?
        .and_then(Role::parse)
        .ok_or_else(|| ApiError::invalid("invalid_role", "role must be \"admin\" or \"author\""))?;
    let key = ApiKey::generate();
    let record = KeyRecord::new(&key, &name, role, now());
    app.call(app.store.create_key(&record)).await?;
    tracing::info!(key_id = %key.id, %role, by = %caller.key, "API key created");
    let location = format!("/api/v1/keys/{}", key.id);
    Ok(Created::new(location).body(Json(CreatedKey {
        key: record.into(),
        secret: key.reveal(),
    })))
}

#[rocket::get("/api/v1/keys")]
pub async fn list(app: &State<App>, caller: Caller) -> Result<Json<KeyList>> {
    caller.require_admin()?;
    let keys = app.call(app.store.list_keys()).await?;
    Ok(Json(KeyList {
        items: keys.into_iter().map(KeyView::from).collect(),
    }))
}

#[rocket::delete("/api/v1/keys/<id>")]
pub async fn revoke(app: &State<App>, caller: Caller, id: &str) -> Result<NoContent> {
    caller.require_admin()?;
    let no_such_key = || ApiError::new(Status::NotFound, "not_found", "no live key with that id");
    let id = KeyId::parse(id).ok_or_else(no_such_key)?;
    if app.call(app.store.revoke_key(&id, now())).await? {
        tracing::info!(key_id = %id, by = %caller.key, "API key revoked");
        Ok(NoContent)
    } else {
        Err(no_such_key())
    }
}
