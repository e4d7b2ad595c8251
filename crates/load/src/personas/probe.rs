//! The probe: a health checker hammering `GET /healthz`. Alone it is the
//! `--mix healthz` benchmark of the loader itself (the cheapest endpoint, so
//! the numbers show the loader's ceiling, comparable with `wrk`).

use goose::prelude::*;
use shortlink_harness::endpoints::HEALTH;
use shortlink_harness::{validate, Request};

use crate::check;

/// GET /healthz: 200 `{"status":"ok"}` with the request id echoed.
pub async fn healthz(user: &mut GooseUser) -> TransactionResult {
    check::send(
        user,
        HEALTH,
        Request::get(HEALTH.path),
        200,
        validate::health,
    )
    .await
}
