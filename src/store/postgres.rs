//! PostgreSQL 15 over TCP, through a sqlx pool.
//!
//! Unlike MySQL, PostgreSQL has `RETURNING`: an insert answers with its id
//! and an update with its row, each in the one atomic statement. The reads
//! are the shared ones (`sql_row`), their `?` numbered for PostgreSQL.

use sqlx::PgPool;

use super::{classify, Backend, Counted, Hit, LinkPatch, PoolStats, Store, StoreResult, Target};
use crate::domain::{Code, Cursor, Link, NewLink, Page, Stats, TargetUrl};
use crate::keys::{KeyId, KeyRecord, Scope};
use crate::store::hit_groups::GroupedHits;
use crate::store::hits;
use crate::store::keys_sql;
use crate::store::postgres_hits::PgGroups;
use crate::store::sql_row::{
    and_owner, bind_scope, placeholders, where_owner, LinkRow, SharedReads, COLUMNS,
};

type Pg = sqlx::Postgres;

pub struct PostgresStore {
    pool: PgPool,
    hits: GroupedHits,
}

impl PostgresStore {
    /// Applies the embedded migrations, then serves from the pool.
    pub async fn new(pool: PgPool) -> anyhow::Result<Self> {
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        let hits = GroupedHits::start(PgGroups(pool.clone()));
        Ok(PostgresStore { pool, hits })
    }
}

#[rocket::async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ping(&self) -> StoreResult<()> {
        SharedReads(&self.pool).ping().await.map_err(classify)
    }

    async fn insert(&self, code: Code, new: &NewLink) -> StoreResult<Link> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO links (code, url, created_at, expires_at, owner_key_id) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(code.as_str())
        .bind(new.url.as_str())
        .bind(new.created_at)
        .bind(new.expires_at)
        .bind(new.owner.as_ref().map(KeyId::as_str))
        .fetch_one(&self.pool)
        .await
        .map_err(classify)?;
        Ok(new.stored(id, code))
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
        // One statement, so a concurrent redirect's hit is never overwritten,
        // and the row it answers with is the row it wrote.
        let sql = format!(
            "UPDATE links SET url = COALESCE(?, url), \
             expires_at = CASE WHEN ? THEN ? ELSE expires_at END WHERE code = ?{} \
             RETURNING {COLUMNS}",
            and_owner(scope)
        );
        let sql = placeholders::<Pg>(&sql);
        let query = sqlx::query_as(&sql)
            .bind(patch.url.as_ref().map(TargetUrl::as_str))
            .bind(patch.expires_at.is_some())
            .bind(patch.expires_at.flatten())
            .bind(code.as_str());
        let rows: Vec<LinkRow> = bind_scope(query, scope)
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?;
        Ok(rows.into_iter().next().map(Link::from))
    }

    async fn delete(&self, code: &Code, scope: &Scope) -> StoreResult<bool> {
        let sql = format!("DELETE FROM links WHERE code = ?{}", and_owner(scope));
        let sql = placeholders::<Pg>(&sql);
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
            hits::add::<Pg>(&mut tx, &batch).await.map_err(classify)?;
        }
        tx.commit().await.map_err(classify)
    }

    async fn stats(&self, top: u32, scope: &Scope) -> StoreResult<Stats> {
        // SUM of BIGINT is NUMERIC in PostgreSQL.
        let sql = format!(
            "SELECT COUNT(*), COALESCE(SUM(hits), 0)::BIGINT FROM links{}",
            where_owner(scope)
        );
        let sql = placeholders::<Pg>(&sql);
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
        let done = sqlx::query(&placeholders::<Pg>(keys_sql::REVOKE))
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
