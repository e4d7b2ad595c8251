//! Reading a JSON request body with the contract's statuses: 415, 413, 400, 422.

use rocket::data::{self, Data, FromData, ToByteUnit};
use rocket::http::Status;
use rocket::Request;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// The largest request body the service reads.
pub const MAX_BODY_BYTES: u64 = 16 * 1024;

/// A request body that is a JSON object. Field-level parsing is the handler's,
/// so each field can get its own error code.
pub struct JsonObject(pub Map<String, Value>);

/// Where a data guard leaves its error for the catcher: Rocket hands catchers
/// only the status, and the contract wants the specific code and message.
pub struct GuardError(pub Option<ApiError>);

fn fail<'r>(req: &'r Request<'_>, e: ApiError) -> data::Outcome<'r, JsonObject> {
    let status = e.status;
    req.local_cache(|| GuardError(Some(e.clone())));
    data::Outcome::Error((status, e))
}

#[rocket::async_trait]
impl<'r> FromData<'r> for JsonObject {
    type Error = ApiError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let is_json = req
            .content_type()
            .is_some_and(|ct| ct.is_json() || ct.sub().as_str().ends_with("+json"));
        if !is_json {
            return fail(
                req,
                ApiError::new(
                    Status::UnsupportedMediaType,
                    "unsupported_media_type",
                    "send the body as application/json",
                ),
            );
        }
        let too_large = || {
            ApiError::new(
                Status::PayloadTooLarge,
                "payload_too_large",
                "request body is over 16 KiB",
            )
        };
        let declared = req
            .headers()
            .get_one("Content-Length")
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
            return fail(req, too_large());
        }
        let bytes = match data.open(MAX_BODY_BYTES.bytes()).into_bytes().await {
            Ok(b) if b.is_complete() => b.into_inner(),
            Ok(_) => return fail(req, too_large()),
            Err(e) => {
                return fail(
                    req,
                    ApiError::bad_request("malformed_json", format!("could not read body: {e}")),
                )
            }
        };
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => data::Outcome::Success(JsonObject(map)),
            Ok(_) => fail(
                req,
                ApiError::invalid("invalid_body", "body must be a JSON object"),
            ),
            Err(e) => fail(
                req,
                ApiError::bad_request("malformed_json", format!("body is not valid JSON: {e}")),
            ),
        }
    }
}

impl JsonObject {
    /// Refuses fields the contract does not define: a typo must not be dropped silently.
    pub fn only(&self, allowed: &[&str]) -> Result<(), ApiError> {
        match self.0.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(ApiError::invalid(
                "invalid_body",
                format!("unknown field `{k}`"),
            )),
            None => Ok(()),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// An optional string field: absent → None; present but not a string → 422.
    pub fn opt_str(&self, key: &str) -> Result<Option<&str>, ApiError> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ApiError::invalid(
                "invalid_body",
                format!("`{key}` must be a string"),
            )),
        }
    }
}
