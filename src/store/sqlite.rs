//! The embedded default: one SQLite file in WAL mode, through a sqlx pool.
//!
//! Every statement here is read with `fetch_all`, never `fetch_one` or
//! `fetch_optional`: sqlx 0.7 drops a half-read SQLite statement without
//! resetting it, which keeps its implicit transaction open. An `INSERT …
//! RETURNING` then stays uncommitted and a `SELECT` pins a stale WAL snapshot
//! on its pooled connection, so another request misses a write it was told
//! succeeded (sqlx#2543, fixed only in 0.8). Reading to the end finishes it.

use sqlx::SqlitePool;

use super::{classify, Backend, Hit, LinkPatch, PoolStats, Store, StoreError, StoreResult};
use crate::domain::{Code, Cursor, Link, NewLink, Page, Stats, TargetUrl};
use crate::store::sql_row::LinkRow;

pub struct SqliteStore {
    pool: SqlitePool,
}

const COLUMNS: &str = "id, code, url, hits, created_at, last_hit_at, expires_at";

impl SqliteStore {
    /// Switches the file to WAL, applies the embedded migrations, then serves from the pool.
    pub async fn new(pool: SqlitePool) -> anyhow::Result<Self> {
        // WAL lets readers run beside the one writer. The mode is stored in the
        // file, so setting it once here covers every pooled connection, which
        // rocket_db_pools opens with sqlx's defaults (journal mode untouched).
        let modes: Vec<String> = sqlx::query_scalar("PRAGMA journal_mode = WAL")
            .fetch_all(&pool)
            .await?;
        let mode = first(modes).unwrap_or_default();
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(journal_mode = %mode, "SQLite did not switch to WAL");
        }
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }
}

#[rocket::async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn insert(&self, code: Code, new: &NewLink) -> StoreResult<Link> {
        let rows: Vec<LinkRow> = sqlx::query_as(&format!(
            "INSERT INTO links (code, url, created_at, expires_at) VALUES (?, ?, ?, ?) RETURNING {COLUMNS}"
        ))
        .bind(code.as_str())
        .bind(new.url.as_str())
        .bind(new.created_at)
        .bind(new.expires_at)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?;
        first(rows)
            .map(Link::from)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("INSERT … RETURNING returned no row")))
    }

    async fn get(&self, code: &Code) -> StoreResult<Option<Link>> {
        let rows: Vec<LinkRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM links WHERE code = ?"))
                .bind(code.as_str())
                .fetch_all(&self.pool)
                .await
                .map_err(classify)?;
        Ok(first(rows).map(Link::from))
    }

    async fn list(&self, after: Option<Cursor>, limit: u32) -> StoreResult<Page> {
        let after = after.unwrap_or(Cursor::START);
        let rows: Vec<LinkRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM links WHERE created_at < ? OR (created_at = ? AND id < ?) \
             ORDER BY created_at DESC, id DESC LIMIT ?"
        ))
        .bind(after.created_at)
        .bind(after.created_at)
        .bind(after.id)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?;
        Ok(Page::from_overfetch(
            rows.into_iter().map(Link::from).collect(),
            limit,
        ))
    }

    async fn update(&self, code: &Code, patch: &LinkPatch) -> StoreResult<Option<Link>> {
        // One statement, so a concurrent redirect's hit is never overwritten.
        let rows: Vec<LinkRow> = sqlx::query_as(&format!(
            "UPDATE links SET url = COALESCE(?, url), \
             expires_at = CASE WHEN ? THEN ? ELSE expires_at END \
             WHERE code = ? RETURNING {COLUMNS}"
        ))
        .bind(patch.url.as_ref().map(TargetUrl::as_str))
        .bind(patch.expires_at.is_some())
        .bind(patch.expires_at.flatten())
        .bind(code.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?;
        Ok(first(rows).map(Link::from))
    }

    async fn delete(&self, code: &Code) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM links WHERE code = ?")
            .bind(code.as_str())
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(done.rows_affected() > 0)
    }

    async fn hit(&self, code: &Code, now: i64) -> StoreResult<Hit> {
        let urls: Vec<String> = sqlx::query_scalar(
            "UPDATE links SET hits = hits + 1, last_hit_at = ? \
             WHERE code = ? AND (expires_at IS NULL OR expires_at > ?) RETURNING url",
        )
        .bind(now)
        .bind(code.as_str())
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?;
        if let Some(url) = first(urls) {
            return Ok(Hit::Redirect(TargetUrl::from_store(url)));
        }
        let exists: Vec<i64> = sqlx::query_scalar("SELECT id FROM links WHERE code = ?")
            .bind(code.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?;
        Ok(if !exists.is_empty() {
            Hit::Expired
        } else {
            Hit::NotFound
        })
    }

    async fn stats(&self, top: u32) -> StoreResult<Stats> {
        let totals: Vec<(i64, i64)> =
            sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(hits), 0) FROM links")
                .fetch_all(&self.pool)
                .await
                .map_err(classify)?;
        let (links, hits) = first(totals).unwrap_or_default();
        let rows: Vec<LinkRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM links ORDER BY hits DESC, id DESC LIMIT ?"
        ))
        .bind(i64::from(top))
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?;
        Ok(Stats {
            links,
            hits,
            top: rows.into_iter().map(Link::from).collect(),
        })
    }

    fn pool_stats(&self) -> Option<PoolStats> {
        Some(PoolStats::of(&self.pool))
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

/// The first row of a result read to the end (see the module note).
fn first<T>(rows: Vec<T>) -> Option<T> {
    rows.into_iter().next()
}
