//! Checks of `GET /api/v1/stats`: shape and ordering, and counters that move
//! exactly as this check's own creates, hits and deletes dictate.

use serde_json::json;

use super::STATS;
use crate::check::{Check, Failure};
use crate::endpoints::link_path;
use crate::ensure;
use crate::target::{Ctx, Request};
use crate::validate::{self, Stats};

pub fn checks() -> Vec<Check> {
    vec![
        Check::new("stats.shape_and_order", "GET", STATS, shape),
        // Exclusive: exact deltas need no other writer from this run.
        Check::new("stats.counters_move_exactly", "GET", STATS, counters).exclusive(),
    ]
}

async fn get_stats(ctx: &Ctx) -> Result<Stats, Failure> {
    let view = ctx.send(Request::get(STATS)).await?;
    validate::stats(&view)
}

async fn shape(ctx: Ctx) -> Result<(), Failure> {
    get_stats(&ctx).await.map(drop)
}

/// Three links hit 3, 2 and 1 times: `links` grows by 3, `hits` by 6, and the
/// busiest of them is in `top` unless ten links have at least as many hits.
/// Deleting one link lowers `links` by one. Never assumes an empty database.
async fn counters(ctx: Ctx) -> Result<(), Failure> {
    let before = get_stats(&ctx).await?;
    let mut links = Vec::new();
    for hits in [3u64, 2, 1] {
        let url = ctx.fresh_url();
        let link = ctx.create(json!({ "url": url })).await?;
        for _ in 0..hits {
            let view = ctx.redirect(&link.code).await?;
            validate::redirect(&view, &url)?;
        }
        links.push((link.code, hits));
    }
    let after = get_stats(&ctx).await?;
    ensure!(
        after.links == before.links + 3,
        "stats.links counts created links",
        "before {}, after creating 3: {}",
        before.links,
        after.links
    );
    ensure!(
        after.hits == before.hits + 6,
        "stats.hits counts redirects",
        "before {}, after 6 redirects: {}",
        before.hits,
        after.hits
    );
    for (code, hits) in &links {
        let listed = after.top.iter().find(|l| &l.code == code);
        let crowded_out = after.top.len() == 10 && after.top.iter().all(|l| l.hits >= *hits);
        ensure!(
            listed.is_some() || crowded_out,
            "stats.top lists the busiest links",
            "{code} has {hits} hits but top is {:?}",
            after
                .top
                .iter()
                .map(|l| (&l.code, l.hits))
                .collect::<Vec<_>>()
        );
        if let Some(l) = listed {
            ensure!(
                l.hits == *hits,
                "stats.top shows current hit counts",
                "{code}: want {hits}, got {}",
                l.hits
            );
        }
    }
    let (gone, _) = &links[2];
    let view = ctx.send(Request::delete(link_path(gone))).await?;
    validate::no_content(&view)?;
    let last = get_stats(&ctx).await?;
    ensure!(
        last.links == after.links - 1,
        "stats.links drops when a link is deleted",
        "before delete {}, after {}",
        after.links,
        last.links
    );
    Ok(())
}
