//! The embedded default: one SQLite file in WAL mode. Reads go through a sqlx
//! pool; writes through one connection that commits them in groups
//! (`writer.rs`).
//!
//! Every statement here is read with `fetch_all`, never `fetch_one` or
//! `fetch_optional`: sqlx 0.7 drops a half-read SQLite statement without
//! resetting it, which keeps its implicit transaction open. An `INSERT …
//! RETURNING` then stays uncommitted and a `SELECT` pins a stale WAL snapshot
//! on its pooled connection, so another request misses a write it was told
//! succeeded (sqlx#2543, fixed only in 0.8). Reading to the end finishes it.

use sqlx::{ConnectOptions, SqlitePool};

mod writer;

use self::writer::{GroupCommit, Job};
use super::{
    classify, Backend, Counted, Hit, LinkPatch, PoolStats, Store, StoreError, StoreResult, Target,
};
use crate::domain::{Code, Cursor, Link, NewLink, Page, Stats};
use crate::keys::{KeyId, KeyRecord, Scope};
use crate::store::sql_row::{bind_scope, where_owner, SharedReads};

pub struct SqliteStore {
    /// Reads only: in WAL mode they never wait for the writer.
    pool: SqlitePool,
    writes: GroupCommit,
}

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
        // Same file and busy timeout as the read pool.
        let writer = pool.connect_options().connect().await?;
        Ok(SqliteStore {
            pool,
            writes: GroupCommit::start(writer),
        })
    }
}

#[rocket::async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> StoreResult<()> {
        if !self.writes.is_running() {
            return Err(StoreError::Unavailable(
                "the SQLite writer has stopped".into(),
            ));
        }
        SharedReads(&self.pool).ping().await.map_err(classify)
    }

    async fn insert(&self, code: Code, new: &NewLink) -> StoreResult<Link> {
        self.writes
            .write(|reply| Job::Insert(code, new.clone(), reply))
            .await?
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("INSERT … RETURNING returned no row")))
    }

    async fn get(&self, code: &Code, scope: &Scope) -> StoreResult<Option<Link>> {
        SharedReads(&self.pool)
            .get(code, scope)
            .await
            .map_err(classify)
    }

    async fn list(&self, after: Option<Cursor>, limit: u32, scope: &Scope) -> StoreResult<Page> {
        SharedReads(&self.pool)
            .page_after(after.unwrap_or(Cursor::START), limit, scope)
            .await
            .map_err(classify)
    }

    async fn update(
        &self,
        code: &Code,
        patch: &LinkPatch,
        scope: &Scope,
    ) -> StoreResult<Option<Link>> {
        self.writes
            .write(|reply| Job::Update(code.clone(), patch.clone(), scope.clone(), reply))
            .await
    }

    async fn delete(&self, code: &Code, scope: &Scope) -> StoreResult<bool> {
        self.writes
            .write(|reply| Job::Delete(code.clone(), scope.clone(), reply))
            .await
    }

    async fn hit(&self, code: &Code, now: i64) -> StoreResult<Hit> {
        self.writes
            .write(|reply| Job::Hit(code.clone(), now, reply))
            .await
    }

    async fn create_key(&self, key: &KeyRecord) -> StoreResult<()> {
        self.writes
            .write(|reply| Job::CreateKey(key.clone(), reply))
            .await
            .map(drop)
    }

    async fn list_keys(&self) -> StoreResult<Vec<KeyRecord>> {
        SharedReads(&self.pool).list_keys().await
    }

    async fn find_key(&self, id: &KeyId) -> StoreResult<Option<KeyRecord>> {
        SharedReads(&self.pool).find_key(id).await
    }

    async fn revoke_key(&self, id: &KeyId, now: i64) -> StoreResult<bool> {
        self.writes
            .write(|reply| Job::RevokeKey(id.clone(), now, reply))
            .await
    }

    async fn target(&self, code: &Code) -> StoreResult<Option<Target>> {
        SharedReads(&self.pool).target(code).await.map_err(classify)
    }

    async fn add_hits(&self, hits: &[Counted]) -> StoreResult<()> {
        self.writes
            .write(|reply| Job::AddHits(hits.to_vec(), reply))
            .await
            .map(drop)
    }

    async fn stats(&self, top: u32, scope: &Scope) -> StoreResult<Stats> {
        let sql = format!(
            "SELECT COUNT(*), COALESCE(SUM(hits), 0) FROM links{}",
            where_owner(scope)
        );
        let totals: Vec<(i64, i64)> = bind_scope(sqlx::query_as(&sql), scope)
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?;
        let (links, hits) = first(totals).unwrap_or_default();
        let top = SharedReads(&self.pool)
            .top_by_hits(top, scope)
            .await
            .map_err(classify)?;
        Ok(Stats { links, hits, top })
    }

    fn pool_stats(&self) -> Option<PoolStats> {
        Some(PoolStats {
            write_groups: Some(self.writes.stats()),
            writer_up: Some(self.writes.is_running()),
            ..PoolStats::of(&self.pool)
        })
    }

    async fn close(&self) {
        self.writes.close().await;
        self.pool.close().await;
    }
}

/// The first row of a result read to the end (see the module note).
pub(super) fn first<T>(rows: Vec<T>) -> Option<T> {
    rows.into_iter().next()
}

#[cfg(test)]
mod tests {
    use sqlx::sqlite::SqliteConnectOptions;

    use super::*;

    /// `/readyz` asks `ping`: a store whose writer died is not ready, even
    /// though its read pool still answers.
    #[tokio::test]
    async fn ping_fails_once_the_writer_has_died() {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("t.db"))
            .create_if_missing(true);
        let pool = SqlitePool::connect_with(options).await.unwrap();
        let store = SqliteStore::new(pool).await.unwrap();
        assert!(store.ping().await.is_ok());
        assert_eq!(store.pool_stats().and_then(|p| p.writer_up), Some(true));
        store.writes.kill();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let ping = store.ping().await;
        assert!(matches!(ping, Err(StoreError::Unavailable(_))), "{ping:?}");
        // `shortlink_db_writer_up` on /metrics reads this.
        assert_eq!(store.pool_stats().and_then(|p| p.writer_up), Some(false));
    }
}
