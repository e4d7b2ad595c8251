//! MySQL 8 / MariaDB 10.11 over TCP, through a sqlx pool.
//!
//! Neither server supports `UPDATE … RETURNING`, so writes that must answer
//! with the row read it back after the one atomic statement.

use sqlx::MySqlPool;

use super::{classify, Backend, Counted, Hit, LinkPatch, PoolStats, Store, StoreResult, Target};
use crate::domain::{Code, Cursor, Link, NewLink, Page, Stats, TargetUrl};
use crate::keys::{KeyId, KeyRecord, Scope};
use crate::store::hit_groups::GroupedHits;
use crate::store::hits;
use crate::store::keys_sql;
use crate::store::mysql_hits::MySqlGroups;
use crate::store::sql_row::{and_owner, bind_scope, where_owner, SharedReads};

pub struct MySqlStore {
    pool: MySqlPool,
    hits: GroupedHits,
}

impl MySqlStore {
    /// Applies the embedded migrations, then serves from the pool.
    pub async fn new(pool: MySqlPool) -> anyhow::Result<Self> {
        sqlx::migrate!("migrations/mysql").run(&pool).await?;
        let hits = GroupedHits::start(MySqlGroups(pool.clone()));
        Ok(MySqlStore { pool, hits })
    }
}

#[rocket::async_trait]
impl Store for MySqlStore {
    fn backend(&self) -> Backend {
        Backend::Mysql
    }

    async fn ping(&self) -> StoreResult<()> {
        SharedReads(&self.pool).ping().await.map_err(classify)
    }

    async fn insert(&self, code: Code, new: &NewLink) -> StoreResult<Link> {
        let done = sqlx::query(
            "INSERT INTO links (code, url, created_at, expires_at, owner_key_id) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(code.as_str())
        .bind(new.url.as_str())
        .bind(new.created_at)
        .bind(new.expires_at)
        .bind(new.owner.as_ref().map(KeyId::as_str))
        .execute(&self.pool)
        .await
        .map_err(classify)?;
        // The row is exactly what was inserted; reading it back would cost a round trip.
        Ok(new.stored(done.last_insert_id() as i64, code))
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
        // One statement, so a concurrent redirect's hit is never overwritten.
        let sql = format!(
            "UPDATE links SET url = COALESCE(?, url), \
             expires_at = CASE WHEN ? THEN ? ELSE expires_at END WHERE code = ?{}",
            and_owner(scope)
        );
        let query = sqlx::query(&sql)
            .bind(patch.url.as_ref().map(TargetUrl::as_str))
            .bind(patch.expires_at.is_some())
            .bind(patch.expires_at.flatten())
            .bind(code.as_str());
        bind_scope(query, scope)
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        // Affected rows cannot say "not found": MySQL counts an unchanged row as 0.
        // The owner never changes, so the read-back sees what the update could.
        self.get(code, scope).await
    }

    async fn delete(&self, code: &Code, scope: &Scope) -> StoreResult<bool> {
        let sql = format!("DELETE FROM links WHERE code = ?{}", and_owner(scope));
        let done = bind_scope(sqlx::query(&sql).bind(code.as_str()), scope)
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(done.rows_affected() > 0)
    }

    async fn hit(&self, code: &Code, now: i64) -> StoreResult<Hit> {
        self.hits.hit(code, now).await
    }

    async fn target(&self, code: &Code) -> StoreResult<Option<Target>> {
        SharedReads(&self.pool).target(code).await.map_err(classify)
    }

    async fn add_hits(&self, hits: &[Counted]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        for batch in hits::by_code(hits) {
            hits::add::<sqlx::MySql>(&mut tx, &batch)
                .await
                .map_err(classify)?;
        }
        tx.commit().await.map_err(classify)
    }

    async fn stats(&self, top: u32, scope: &Scope) -> StoreResult<Stats> {
        let sql = format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(hits), 0) AS SIGNED) FROM links{}",
            where_owner(scope)
        );
        let (links, hits): (i64, i64) = bind_scope(sqlx::query_as(&sql), scope)
            .fetch_one(&self.pool)
            .await
            .map_err(classify)?;
        let top = SharedReads(&self.pool)
            .top_by_hits(top, scope)
            .await
            .map_err(classify)?;
        Ok(Stats { links, hits, top })
    }

    async fn create_key(&self, key: &KeyRecord) -> StoreResult<()> {
        keys_sql::insert(&self.pool, key).await.map_err(classify)
    }

    async fn list_keys(&self) -> StoreResult<Vec<KeyRecord>> {
        SharedReads(&self.pool).list_keys().await
    }

    async fn find_key(&self, id: &KeyId) -> StoreResult<Option<KeyRecord>> {
        SharedReads(&self.pool).find_key(id).await
    }

    async fn revoke_key(&self, id: &KeyId, now: i64) -> StoreResult<bool> {
        let done = sqlx::query(keys_sql::REVOKE)
            .bind(now)
            .bind(id.as_str())
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(done.rows_affected() > 0)
    }

    fn pool_stats(&self) -> Option<PoolStats> {
        Some(PoolStats::of(&self.pool))
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
