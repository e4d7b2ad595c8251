//! The one error type of the HTTP layer; it renders the contract's JSON error body.

use std::io::Cursor;

use rocket::http::{ContentType, Status};
use rocket::response::{self, Responder, Response};
use rocket::Request;
use serde_json::json;

use crate::store::StoreError;

/// An error a client sees: status, a stable snake_case `code`, a human message.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: Status,
    pub code: &'static str,
    pub message: String,
    /// Set on 405: the methods the path does accept.
    pub allow: Option<String>,
    /// Set on 401: the `WWW-Authenticate` challenge.
    pub challenge: Option<&'static str>,
}

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

impl ApiError {
    pub fn new(status: Status, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            allow: None,
            challenge: None,
        }
    }

    /// 401 with its `WWW-Authenticate` challenge (RFC 6750).
    pub fn unauthorized(message: &'static str, challenge: &'static str) -> ApiError {
        ApiError {
            challenge: Some(challenge),
            ..ApiError::new(Status::Unauthorized, "unauthorized", message)
        }
    }

    /// 400: the query string or body could not be read at all.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(Status::BadRequest, code, message)
    }

    /// 422: well-formed, but a value breaks the contract.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(Status::UnprocessableEntity, code, message)
    }

    pub fn not_found() -> ApiError {
        ApiError::new(Status::NotFound, "not_found", "no such link")
    }

    pub fn method_not_allowed(allow: String) -> ApiError {
        ApiError {
            allow: Some(allow),
            ..ApiError::new(
                Status::MethodNotAllowed,
                "method_not_allowed",
                "method not allowed on this path",
            )
        }
    }

    /// The error for a status that reached a catcher with no detail attached.
    pub fn from_status(status: Status) -> ApiError {
        let code = match status.code {
            400 => "bad_request",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not_found",
            413 => "payload_too_large",
            415 => "unsupported_media_type",
            422 => "invalid_body",
            503 => "backend_unavailable",
            c if c >= 500 => "internal",
            _ => "error",
        };
        ApiError::new(status, code, status.reason_lossy().to_ascii_lowercase())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::CodeTaken => ApiError::new(
                Status::Conflict,
                "code_taken",
                "that code is already in use",
            ),
            StoreError::Unavailable(why) => {
                tracing::warn!(error = %why, "backend unavailable");
                ApiError::new(
                    Status::ServiceUnavailable,
                    "backend_unavailable",
                    "the database is unavailable; retry later",
                )
            }
            StoreError::Other(e) => {
                // Logged in full, shown to nobody: database errors can leak schema or data.
                tracing::error!(error = %format!("{e:#}"), "internal error");
                ApiError::new(Status::InternalServerError, "internal", "internal error")
            }
        }
    }
}

impl<'r> Responder<'r, 'static> for ApiError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let body = json!({
            "error": { "status": self.status.code, "code": self.code, "message": self.message }
        })
        .to_string();
        let mut res = Response::build();
        res.status(self.status)
            .header(ContentType::JSON)
            .sized_body(body.len(), Cursor::new(body));
        if let Some(allow) = self.allow {
            res.raw_header("Allow", allow);
        }
        if let Some(challenge) = self.challenge {
            res.raw_header("WWW-Authenticate", challenge);
        }
        // The context fairing sets it too; this covers the requests Rocket
        // could not parse, which reach a catcher without passing any fairing.
        res.raw_header("X-Request-Id", crate::http::context::request_id(req));
        Ok(res.finalize())
    }
}
