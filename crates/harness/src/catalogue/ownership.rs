//! Ownership: an author reaches only the links it created (another's link is
//! a 404, as if it did not exist, and stays as it was), its list and stats
//! hold only its own links, and an admin reaches every link.

use std::collections::HashSet;

use serde_json::json;

use super::{LINK, LINKS, STATS};
use crate::check::{Check, Failure};
use crate::endpoints::link_path;
use crate::ensure;
use crate::target::{Ctx, Request};
use crate::validate::{self, Link, Stats};

/// Upper bound on the pages of one full walk (an admin's list on a shared
/// instance may be long; a walk stays bounded).
const MAX_PAGES: usize = 500;

pub fn checks() -> Vec<Check> {
    vec![
        Check::new(
            "ownership.author_cannot_read_another_authors_link",
            "GET",
            LINK,
            others_read,
        ),
        Check::new(
            "ownership.author_cannot_update_another_authors_link",
            "PATCH",
            LINK,
            others_update,
        ),
        Check::new(
            "ownership.author_cannot_delete_another_authors_link",
            "DELETE",
            LINK,
            others_delete,
        ),
        Check::new(
            "ownership.admin_manages_every_link",
            "PATCH",
            LINK,
            admin_manages,
        ),
        Check::new(
            "ownership.list_shows_an_author_only_its_links",
            "GET",
            LINKS,
            list_scoped,
        ),
        // Exclusive: the admin's exact deltas need no other writer.
        Check::new(
            "ownership.stats_count_an_author_only_its_links",
            "GET",
            STATS,
            stats_scoped,
        )
        .exclusive(),
    ]
}

/// Authors A and B, and a link of A's.
async fn two_authors(ctx: &Ctx) -> Result<(Ctx, Ctx, Link), Failure> {
    let (_, a) = ctx.author().await?;
    let (_, b) = ctx.author().await?;
    let link = a.create_fresh().await?;
    Ok((a, b, link))
}

/// A's link as A reads it now equals `before`: B's attempt changed nothing.
async fn still_as_it_was(a: &Ctx, before: &Link) -> Result<(), Failure> {
    let now = a
        .read(&before.code)
        .await
        .map_err(|f| f.context("the owner reads its link afterwards"))?;
    ensure!(
        now.raw == before.raw,
        "another author's request leaves the link unchanged",
        "before {}, after {}",
        before.raw,
        now.raw
    );
    Ok(())
}

async fn others_read(ctx: Ctx) -> Result<(), Failure> {
    let (a, b, link) = two_authors(&ctx).await?;
    let view = b.get_link(&link.code).await?;
    validate::error(&view, 404, "not_found").map_err(|f| f.context("B reads A's link"))?;
    still_as_it_was(&a, &link).await
}

async fn others_update(ctx: Ctx) -> Result<(), Failure> {
    let (a, b, link) = two_authors(&ctx).await?;
    let req = Request::new("PATCH", link_path(&link.code))
        .json(&json!({ "url": ctx.fresh_url(), "expires_at": "2099-01-01T00:00:00Z" }));
    let view = b.send(req).await?;
    validate::error(&view, 404, "not_found").map_err(|f| f.context("B patches A's link"))?;
    still_as_it_was(&a, &link).await
}

async fn others_delete(ctx: Ctx) -> Result<(), Failure> {
    let (a, b, link) = two_authors(&ctx).await?;
    let view = b.send(Request::delete(link_path(&link.code))).await?;
    validate::error(&view, 404, "not_found").map_err(|f| f.context("B deletes A's link"))?;
    still_as_it_was(&a, &link).await?;
    let view = ctx.redirect(&link.code).await?;
    validate::redirect(&view, &link.url).map_err(|f| f.context("A's link still redirects"))
}

/// The admin reads, patches and deletes an author's link; the author then
/// sees what the admin did.
async fn admin_manages(ctx: Ctx) -> Result<(), Failure> {
    let (_, a) = ctx.author().await?;
    let link = a.create_fresh().await?;
    let read = ctx
        .read(&link.code)
        .await
        .map_err(|f| f.context("admin reads"))?;
    ensure!(
        read.raw == link.raw,
        "an admin reads any author's link",
        "created {}, admin read {}",
        link.raw,
        read.raw
    );
    let url = ctx.fresh_url();
    let patched = super::update::patch(&ctx, &link.code, &json!({ "url": url })).await?;
    ensure!(
        patched.url == url,
        "an admin patches any link",
        "link {}",
        patched.raw
    );
    let seen = a.read(&link.code).await?;
    ensure!(
        seen.url == url,
        "the owner sees the admin's patch",
        "link {}",
        seen.raw
    );
    let view = ctx.send(Request::delete(link_path(&link.code))).await?;
    validate::no_content(&view).map_err(|f| f.context("admin deletes"))?;
    let view = a.get_link(&link.code).await?;
    validate::error(&view, 404, "not_found").map_err(|f| f.context("owner after admin delete"))
}

/// Every link `ctx`'s key lists, page by page (bounded), each page valid.
async fn list_all(ctx: &Ctx) -> Result<Vec<Link>, Failure> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let query = match &cursor {
            None => "?limit=100".to_string(),
            Some(c) => format!("?limit=100&cursor={}", super::list::encode_query(c)),
        };
        let view = ctx.send(Request::get(format!("{LINKS}{query}"))).await?;
        let page =
            validate::page(&view, 100).map_err(|f| f.context(&format!("GET {LINKS}{query}")))?;
        all.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(all),
        }
    }
    Err(Failure::new(
        "a list walk ends",
        format!("{MAX_PAGES} pages of 100 and still a next_cursor"),
    ))
}

fn codes(links: &[Link]) -> HashSet<String> {
    links.iter().map(|l| l.code.clone()).collect()
}

/// A lists exactly its three links, B exactly its one; the admin's list
/// holds all of them and the admin's own.
async fn list_scoped(ctx: Ctx) -> Result<(), Failure> {
    let (_, a) = ctx.author().await?;
    let (_, b) = ctx.author().await?;
    let mut mine = HashSet::new();
    for _ in 0..3 {
        mine.insert(a.create_fresh().await?.code);
    }
    let theirs: HashSet<String> = [b.create_fresh().await?.code].into();
    let admins = ctx.create_fresh().await?.code;
    for (who, author, want) in [("A", &a, &mine), ("B", &b, &theirs)] {
        let listed = codes(&list_all(author).await?);
        ensure!(
            &listed == want,
            "an author's list holds exactly its own links",
            "{who} created {want:?}, listed {listed:?}"
        );
    }
    let listed = codes(&list_all(&ctx).await?);
    let missing: Vec<&String> = mine
        .iter()
        .chain(&theirs)
        .chain([&admins])
        .filter(|c| !listed.contains(*c))
        .collect();
    ensure!(
        missing.is_empty(),
        "an admin's list holds every link",
        "missing {missing:?}"
    );
    Ok(())
}

async fn stats_of(ctx: &Ctx) -> Result<Stats, Failure> {
    let view = ctx.send(Request::get(STATS)).await?;
    validate::stats(&view)
}

/// Follows `code`'s redirect `n` times.
async fn hit(ctx: &Ctx, link: &Link, n: u64) -> Result<(), Failure> {
    for _ in 0..n {
        let view = ctx.redirect(&link.code).await?;
        validate::redirect(&view, &link.url)?;
    }
    Ok(())
}

/// A's two links (3 and 1 hits) and B's one (2 hits): A's stats are
/// exactly 2 links, 4 hits and those two in order; B's exactly its own; the
/// admin's grow by all three links and six hits.
async fn stats_scoped(ctx: Ctx) -> Result<(), Failure> {
    let before = stats_of(&ctx).await?;
    let (_, a) = ctx.author().await?;
    let (_, b) = ctx.author().await?;
    let a1 = a.create_fresh().await?;
    let a2 = a.create_fresh().await?;
    let b1 = b.create_fresh().await?;
    hit(&ctx, &a1, 3).await?;
    hit(&ctx, &a2, 1).await?;
    hit(&ctx, &b1, 2).await?;
    for (who, author, links, hits, top) in [
        ("A", &a, 2, 4, vec![(&a1.code, 3), (&a2.code, 1)]),
        ("B", &b, 1, 2, vec![(&b1.code, 2)]),
    ] {
        let s = stats_of(author).await?;
        let got: Vec<(&String, u64)> = s.top.iter().map(|l| (&l.code, l.hits)).collect();
        ensure!(
            s.links == links && s.hits == hits && got == top,
            "an author's stats count only its own links",
            "{who}: want {links} links, {hits} hits, top {top:?}; got {} links, {} hits, top {got:?}",
            s.links,
            s.hits
        );
    }
    let after = stats_of(&ctx).await?;
    ensure!(
        after.links == before.links + 3 && after.hits == before.hits + 6,
        "an admin's stats count every link",
        "before {} links {} hits; after the authors' 3 links and 6 hits: {} links {} hits",
        before.links,
        before.hits,
        after.links,
        after.hits
    );
    Ok(())
}
