//! `GET /api/v1/stats`: totals and the most-hit links, over the caller's links.

use rocket::serde::json::Json;
use rocket::State;
use serde::Serialize;

use crate::error::Result;
use crate::http::auth::Caller;
use crate::http::view::{LinkView, PublicBase};
use crate::http::App;

const TOP: u32 = 10;

#[derive(Serialize)]
pub struct StatsView {
    links: i64,
    hits: i64,
    top: Vec<LinkView>,
}

#[rocket::get("/api/v1/stats")]
pub async fn stats(app: &State<App>, caller: Caller, base: PublicBase) -> Result<Json<StatsView>> {
    let s = app.call(app.store.stats(TOP, &caller.scope())).await?;
    Ok(Json(StatsView {
        links: s.links,
        hits: s.hits,
        top: s.top.into_iter().map(|l| LinkView::new(l, &base)).collect(),
    }))
}
