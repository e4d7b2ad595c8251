//! `GET /{code}`: the hot path. The hit is committed before the 302 leaves,
//! or, in the buffered mode, held for the next flush (`store::hit_buffer`).

use std::io::Cursor;

use rocket::http::Status;
use rocket::response::{self, Responder, Response};
use rocket::{Request, State};

use crate::domain::{now, Code, TargetUrl};
use crate::error::{ApiError, Result};
use crate::http::App;
use crate::store::Hit;
use crate::telemetry::Metrics;

/// A 302 to a stored URL. The URL is printable ASCII by construction, so it is
/// written into `Location` verbatim: no re-encoding that could change it.
pub struct Found(TargetUrl);

impl<'r> Responder<'r, 'static> for Found {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        Response::build()
            .status(Status::Found)
            .raw_header("Location", self.0.into_string())
            // Every redirect must reach the service to be counted.
            .raw_header("Cache-Control", "no-store")
            .sized_body(0, Cursor::new(Vec::new()))
            .ok()
    }
}

#[rocket::get("/<code>")]
pub async fn follow(app: &State<App>, metrics: &State<Metrics>, code: &str) -> Result<Found> {
    let code = Code::parse(code).ok_or_else(ApiError::not_found)?;
    let now = now();
    let hit = match &app.hit_buffer {
        None => app.call(app.store.hit(&code, now)).await?,
        Some(buffer) => {
            let target = match buffer.cached(&code) {
                Some(target) => Some(target),
                None => {
                    let changes = buffer.changes();
                    let read = app.call(app.store.target(&code)).await?;
                    if let Some(t) = &read {
                        buffer.remember(&code, t, changes);
                    }
                    read
                }
            };
            let hit = target.map_or(Hit::NotFound, |t| t.hit(now));
            if matches!(hit, Hit::Redirect(_)) {
                buffer.add(&code, now);
            }
            hit
        }
    };
    match hit {
        Hit::Redirect(url) => {
            metrics.hit_served();
            Ok(Found(url))
        }
        Hit::Expired => Err(ApiError::new(Status::Gone, "gone", "this link has expired")),
        Hit::NotFound => Err(ApiError::not_found()),
    }
}
