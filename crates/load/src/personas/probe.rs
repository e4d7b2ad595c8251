//! The probe: a health checker hammering `GET /healthz`. Alone it is the
//! `--mix healthz` benchmark of the loader itself (the cheapest endpoint, so
//! the numbers show the loader's ceiling, comparable with `wrk`).

use goose::prelude::*;
use shortlink_harness::{validate, Request};

use super::HEALTHZ;
use crate::check;

/// GET /healthz: 200 `{"status":"ok"}` with the request id echoed.
pub async fn healthz(user: &mut GooseUser) -> TransactionResult {
    check::send(user, Request::get(HEALTHZ), HEALTHZ, 200, validate::health).await
}
