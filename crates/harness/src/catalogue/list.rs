//! Checks of `GET /api/v1/links`: page shape, limit, and keyset walks (no
//! repeats, no gaps, newest first), also while links are being created.

use std::collections::HashSet;
use std::time::Duration;

use super::LINKS;
use crate::check::{Check, Failure};
use crate::ensure;
use crate::target::{Ctx, Request};
use crate::validate::{self, Link};

/// Upper bound on pages fetched by one walk: a shared instance may hold many
/// links newer than ours, but a walk must stay bounded.
const MAX_PAGES: usize = 500;

pub fn checks() -> Vec<Check> {
    vec![
        Check::new("links.list.default_page", "GET", LINKS, default_page),
        Check::new("links.list.limit_honoured", "GET", LINKS, limit_honoured),
        Check::new(
            "links.list.walk_newest_first_no_gaps",
            "GET",
            LINKS,
            walk_plain,
        ),
        Check::new(
            "links.list.walk_during_concurrent_creates",
            "GET",
            LINKS,
            walk_concurrent,
        ),
    ]
}

async fn get_page(ctx: &Ctx, query: &str, limit: usize) -> Result<validate::Page, Failure> {
    let view = ctx.send(Request::get(format!("{LINKS}{query}"))).await?;
    validate::page(&view, limit).map_err(|f| f.context(&format!("GET {LINKS}{query}")))
}

/// No query: a valid page of at most the default 20 items.
async fn default_page(ctx: Ctx) -> Result<(), Failure> {
    ctx.create_fresh().await?;
    let page = get_page(&ctx, "", 20).await?;
    ensure!(
        !page.items.is_empty(),
        "the list shows existing links",
        "empty first page right after creating a link"
    );
    get_page(&ctx, "?limit=100", 100).await.map(drop)
}

/// With more than `limit` links existing, the first page has exactly
/// `limit` items and a cursor to the rest.
async fn limit_honoured(ctx: Ctx) -> Result<(), Failure> {
    for _ in 0..4 {
        ctx.create_fresh().await?;
    }
    for limit in [1usize, 3] {
        let page = get_page(&ctx, &format!("?limit={limit}"), limit).await?;
        ensure!(
            page.items.len() == limit,
            "limit sets the page size",
            "limit {limit} with ≥4 links existing, got {} items",
            page.items.len()
        );
        ensure!(
            page.next_cursor.is_some(),
            "a full page that is not the last has a next_cursor",
            "limit {limit}, more links exist, next_cursor null"
        );
    }
    Ok(())
}

/// Walks pages of `limit` from the newest until every code in `mine` was
/// seen. Checks no repeats and global newest-first order across pages;
/// returns the links seen, in order. Fails on a gap: the walk ending (or
/// hitting the page bound) before all of `mine` showed up.
async fn walk(
    ctx: &Ctx,
    limit: usize,
    mine: &[String],
    pause: Duration,
) -> Result<Vec<Link>, Failure> {
    let wanted: HashSet<&str> = mine.iter().map(String::as_str).collect();
    let mut seen_codes = HashSet::new();
    let mut seen = Vec::new();
    let mut found = 0usize;
    let mut cursor: Option<String> = None;
    for page_no in 0..MAX_PAGES {
        let query = match &cursor {
            None => format!("?limit={limit}"),
            Some(c) => format!("?limit={limit}&cursor={}", encode_query(c)),
        };
        let page = get_page(ctx, &query, limit).await?;
        if page_no == 0 {
            ensure!(
                page.items.len() == limit,
                "limit sets the page size",
                "first page of limit {limit} has {} items while ≥{} links exist",
                page.items.len(),
                mine.len()
            );
        }
        for link in page.items {
            ensure!(
                seen_codes.insert(link.code.clone()),
                "a page walk never repeats a link",
                "{} seen twice (page {page_no})",
                link.code
            );
            if let Some(prev) = seen.last() {
                let prev: &Link = prev;
                ensure!(
                    prev.created_at >= link.created_at,
                    "the list is newest first across pages",
                    "{} ({}) before {} ({})",
                    prev.code,
                    prev.created_at,
                    link.code,
                    link.created_at
                );
            }
            if wanted.contains(link.code.as_str()) {
                found += 1;
            }
            seen.push(link);
        }
        if found == wanted.len() {
            return Ok(seen);
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
        tokio::time::sleep(pause).await;
    }
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|c| !seen_codes.contains(*c))
        .collect();
    Err(Failure::new(
        "a page walk never skips a link",
        format!("walked {} links, never saw {missing:?}", seen.len()),
    ))
}

pub(crate) fn encode_query(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Six links in three batches a second apart (timestamps are whole seconds,
/// so the batches have distinct `created_at`), walked two per page.
async fn walk_plain(ctx: Ctx) -> Result<(), Failure> {
    let mut mine = Vec::new();
    for batch in 0..3 {
        if batch > 0 {
            tokio::time::sleep(Duration::from_millis(1050)).await;
        }
        for _ in 0..2 {
            mine.push(ctx.create_fresh().await?.code);
        }
    }
    let seen = walk(&ctx, 2, &mine, Duration::ZERO).await?;
    let order: Vec<&str> = seen
        .iter()
        .map(|l| l.code.as_str())
        .filter(|c| mine.iter().any(|m| m == c))
        .collect();
    // Newest batch first: each of the last batch precedes each of the first.
    let pos = |code: &str| order.iter().position(|c| *c == code).unwrap_or(usize::MAX);
    ensure!(
        pos(&mine[4]).max(pos(&mine[5])) < pos(&mine[0]).min(pos(&mine[1])),
        "the list is newest first",
        "created {mine:?}, listed {order:?}"
    );
    Ok(())
}

/// Links that existed for the whole walk are each seen exactly once even
/// while another task keeps creating links.
async fn walk_concurrent(ctx: Ctx) -> Result<(), Failure> {
    let mut mine = Vec::new();
    for _ in 0..8 {
        mine.push(ctx.create_fresh().await?.code);
    }
    let creator = {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            for _ in 0..10 {
                ctx.create_fresh().await?;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Ok::<(), Failure>(())
        })
    };
    let walked = walk(&ctx, 3, &mine, Duration::from_millis(25)).await;
    let created = creator
        .await
        .map_err(|e| Failure::new("creator task completes", e.to_string()))?;
    walked?;
    created.map_err(|f| f.context("concurrent creates"))
}
