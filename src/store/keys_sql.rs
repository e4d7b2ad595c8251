//! The API-key statements SQL backends share, and the row they read.
//! Every statement is read to the end (`fetch_all`), which SQLite needs
//! (`sqlite/mod.rs`).

use crate::keys::{KeyId, KeyRecord, Role};

pub(crate) const KEY_COLUMNS: &str = "id, name, role, secret_sha256, created_at, revoked_at";

#[derive(sqlx::FromRow)]
pub(crate) struct KeyRow {
    id: String,
    name: String,
    role: String,
    secret_sha256: Vec<u8>,
    created_at: i64,
    revoked_at: Option<i64>,
}

impl TryFrom<KeyRow> for KeyRecord {
    type Error = anyhow::Error;

    /// Fails on a row edited by hand into something no key can match.
    fn try_from(r: KeyRow) -> anyhow::Result<KeyRecord> {
        let role = Role::parse(&r.role)
            .ok_or_else(|| anyhow::anyhow!("api_keys {}: unknown role {:?}", r.id, r.role))?;
        let secret_sha256 = r
            .secret_sha256
            .try_into()
            .map_err(|_| anyhow::anyhow!("api_keys {}: hash is not 32 bytes", r.id))?;
        Ok(KeyRecord {
            id: KeyId::from_store(r.id),
            name: r.name,
            role,
            secret_sha256,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
        })
    }
}

pub(crate) fn records(rows: Vec<KeyRow>) -> crate::store::StoreResult<Vec<KeyRecord>> {
    rows.into_iter()
        .map(|r| KeyRecord::try_from(r).map_err(crate::store::StoreError::Other))
        .collect()
}

/// The statements, the same on every SQL backend; each backend binds them
/// (`id, name, role, secret_sha256, created_at` / `revoked_at, id`).
pub(crate) const INSERT: &str =
    "INSERT INTO api_keys (id, name, role, secret_sha256, created_at) VALUES (?, ?, ?, ?, ?)";
/// Only a live key is revoked, so the first revocation's time is kept.
pub(crate) const REVOKE: &str =
    "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";

pub(crate) fn list_sql() -> String {
    format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at, id")
}

pub(crate) fn find_sql() -> String {
    format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE id = ?")
}

/// The key reads, the same SQL on either pool (the writes differ: SQLite's go
/// through its group-commit writer).
impl<DB> crate::store::sql_row::SharedReads<'_, DB>
where
    DB: sqlx::Database,
    for<'q> <DB as sqlx::database::HasArguments<'q>>::Arguments: sqlx::IntoArguments<'q, DB>,
    for<'r> KeyRow: sqlx::FromRow<'r, DB::Row>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    pub(crate) async fn list_keys(&self) -> crate::store::StoreResult<Vec<KeyRecord>> {
        let rows: Vec<KeyRow> = sqlx::query_as(&list_sql())
            .fetch_all(self.0)
            .await
            .map_err(crate::store::classify)?;
        records(rows)
    }

    pub(crate) async fn find_key(
        &self,
        id: &KeyId,
    ) -> crate::store::StoreResult<Option<KeyRecord>> {
        let sql = find_sql();
        let rows: Vec<KeyRow> = sqlx::query_as(&crate::store::sql_row::placeholders::<DB>(&sql))
            .bind(id.as_str())
            .fetch_all(self.0)
            .await
            .map_err(crate::store::classify)?;
        Ok(records(rows)?.into_iter().next())
    }
}

/// Stores a new key, on a pool (MySQL, PostgreSQL) or on the SQLite writer's connection.
pub(crate) async fn insert<'c, E, DB>(executor: E, key: &KeyRecord) -> sqlx::Result<()>
where
    E: sqlx::Executor<'c, Database = DB>,
    DB: sqlx::Database,
    for<'q> <DB as sqlx::database::HasArguments<'q>>::Arguments: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q [u8]: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query(&crate::store::sql_row::placeholders::<DB>(INSERT))
        .bind(key.id.as_str())
        .bind(key.name.as_str())
        .bind(key.role.as_str())
        .bind(&key.secret_sha256[..])
        .bind(key.created_at)
        .execute(executor)
        .await
        .map(drop)
}
