//! Persistence behind one trait: the handlers never know which backend runs.

pub mod hit_buffer;
mod hit_groups;
mod hits;
mod keys_sql;
mod memory;
mod mysql;
mod mysql_hits;
mod postgres;
mod postgres_hits;
mod sql_row;
mod sqlite;

use std::fmt;

use crate::domain::{Code, Cursor, Link, NewLink, Page, Stats, TargetUrl};
use crate::keys::{KeyId, KeyRecord, Scope};

pub use memory::MemoryStore;
pub use mysql::MySqlStore;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Which storage runs; read once from the Rocket profile's `backend` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Memory,
    Sqlite,
    Mysql,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Memory => "memory",
            Backend::Sqlite => "sqlite",
            Backend::Mysql => "mysql",
            Backend::Postgres => "postgres",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug)]
pub enum StoreError {
    /// The custom code (or, rarely, a generated one) already exists.
    CodeTaken,
    /// The database cannot answer now (down, locked, read-only, pool exhausted).
    /// The client gets 503 and may retry; the service recovers on its own.
    Unavailable(String),
    /// Anything else is a bug or a schema problem: a 500, logged in full.
    Other(anyhow::Error),
}

impl StoreError {
    /// The same error again, for each caller of a group that failed
    /// together (`StoreError` is not `Clone`: `anyhow::Error` is not).
    pub(crate) fn copy(&self) -> StoreError {
        match self {
            StoreError::CodeTaken => StoreError::CodeTaken,
            StoreError::Unavailable(why) => StoreError::Unavailable(why.clone()),
            StoreError::Other(e) => StoreError::Other(anyhow::anyhow!("{e:#}")),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::CodeTaken => f.write_str("code already exists"),
            StoreError::Unavailable(why) => write!(f, "backend unavailable: {why}"),
            StoreError::Other(e) => write!(f, "{e:#}"),
        }
    }
}

/// The fields a PATCH may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct LinkPatch {
    pub url: Option<TargetUrl>,
    /// `Some(None)` clears the expiry.
    pub expires_at: Option<Option<i64>>,
}

/// What a redirect found, after counting the hit when there was one to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hit {
    Redirect(TargetUrl),
    Expired,
    NotFound,
}

/// A link's redirect target and expiry, as the buffered mode reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: TargetUrl,
    pub expires_at: Option<i64>,
}

impl Target {
    /// The redirect's answer at `now`.
    pub fn hit(&self, now: i64) -> Hit {
        match self.expires_at {
            Some(at) if at <= now => Hit::Expired,
            _ => Hit::Redirect(self.url.clone()),
        }
    }
}

/// Hits counted outside the store, to be added to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub code: Code,
    pub n: i64,
    pub last: i64,
}

/// Connection pool occupancy, for `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    pub size: u32,
    pub idle: usize,
    pub max: u32,
    /// Only SQLite commits writes in groups.
    pub write_groups: Option<WriteGroups>,
    /// Only SQLite: whether its writer task still runs (it ends only by panicking).
    pub writer_up: Option<bool>,
}

/// Transactions committed by a group-committing writer, and the writes in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteGroups {
    pub groups: u64,
    pub writes: u64,
}

impl PoolStats {
    pub fn of<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> PoolStats {
        PoolStats {
            size: pool.size(),
            idle: pool.num_idle(),
            max: pool.options().get_max_connections(),
            write_groups: None,
            writer_up: None,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[rocket::async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;
    async fn ping(&self) -> StoreResult<()>;
    /// Inserts with exactly this code; `CodeTaken` when it exists.
    async fn insert(&self, code: Code, new: &NewLink) -> StoreResult<Link>;
    /// The link, if it exists and `scope` reaches it. Every link operation
    /// takes the caller's scope and applies it in the same statement, so a
    /// link outside it is indistinguishable from one that does not exist.
    async fn get(&self, code: &Code, scope: &Scope) -> StoreResult<Option<Link>>;
    /// Newest first, strictly after `after` when given.
    async fn list(&self, after: Option<Cursor>, limit: u32, scope: &Scope) -> StoreResult<Page>;
    async fn update(
        &self,
        code: &Code,
        patch: &LinkPatch,
        scope: &Scope,
    ) -> StoreResult<Option<Link>>;
    async fn delete(&self, code: &Code, scope: &Scope) -> StoreResult<bool>;
    /// Counts one hit atomically unless the link is missing or expired at
    /// `now`. Redirects are public: no scope.
    async fn hit(&self, code: &Code, now: i64) -> StoreResult<Hit>;
    /// Where a redirect of `code` goes, counting nothing: the read of the
    /// buffered mode (`hit_buffer`), whose hits arrive later by `add_hits`.
    async fn target(&self, code: &Code) -> StoreResult<Option<Target>>;
    /// Adds hits counted elsewhere, in one transaction: `n` more hits and a
    /// last hit at `last` per code. Codes deleted since are skipped.
    async fn add_hits(&self, hits: &[Counted]) -> StoreResult<()>;
    /// Totals and the most-hit links within `scope`.
    async fn stats(&self, top: u32, scope: &Scope) -> StoreResult<Stats>;
    /// Stores a new API key (its hash, never its secret); `CodeTaken` if the
    /// id exists, which 62^12 random ids make a practical impossibility.
    async fn create_key(&self, key: &KeyRecord) -> StoreResult<()>;
    /// Every key, revoked ones included, oldest first.
    async fn list_keys(&self) -> StoreResult<Vec<KeyRecord>>;
    /// The record a presented key is verified against (`keys::verify`).
    /// Read from the database on every call, never cached, so a revocation
    /// is seen at once by every instance sharing the database.
    async fn find_key(&self, id: &KeyId) -> StoreResult<Option<KeyRecord>>;
    /// Revokes a live key at `now`; false when no live key has that id.
    async fn revoke_key(&self, id: &KeyId, now: i64) -> StoreResult<bool>;
    fn pool_stats(&self) -> Option<PoolStats>;
    async fn close(&self);
}

/// How many fresh codes to try before a create gives up; with 62^7 codes a
/// second collision in a row means something other than chance.
const GENERATE_ATTEMPTS: usize = 8;

/// Creates a link, generating a code when the client gave none and retrying
/// collisions so they never reach the client.
pub async fn create(store: &dyn Store, new: &NewLink) -> StoreResult<Link> {
    if let Some(code) = &new.code {
        return store.insert(code.clone(), new).await;
    }
    for _ in 0..GENERATE_ATTEMPTS {
        match store.insert(Code::generate(), new).await {
            Err(StoreError::CodeTaken) => continue,
            other => return other,
        }
    }
    Err(StoreError::Other(anyhow::anyhow!(
        "{GENERATE_ATTEMPTS} generated codes in a row collided"
    )))
}

/// Sorts a sqlx error into what the client should be told.
pub(crate) fn classify(e: sqlx::Error) -> StoreError {
    use sqlx::Error as E;
    match &e {
        E::Io(_)
        | E::Tls(_)
        | E::PoolTimedOut
        | E::PoolClosed
        | E::WorkerCrashed
        | E::Protocol(_) => StoreError::Unavailable(e.to_string()),
        E::Database(db) if db.is_unique_violation() => StoreError::CodeTaken,
        E::Database(db) if is_transient(db.as_ref()) => StoreError::Unavailable(e.to_string()),
        _ => StoreError::Other(e.into()),
    }
}

/// Database errors that describe the server's state, not the statement:
/// busy/locked/read-only/full SQLite files, MySQL going away or read-only,
/// PostgreSQL shutting down, full, or aborting a transaction to be retried.
fn is_transient(db: &dyn sqlx::error::DatabaseError) -> bool {
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return pg_transient(pg.code());
    }
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        // 1040 too many connections, 1047 a Galera node not ready (not in
        // the primary component, or still joining), 1053 shutdown in
        // progress, 1205 lock wait timeout, 1213 deadlock (Galera's
        // certification failures too), 1290 read-only, 1927 connection
        // killed, 2006/2013 server gone away / lost connection.
        return matches!(
            my.number(),
            1040 | 1047 | 1053 | 1205 | 1213 | 1290 | 1927 | 2006 | 2013
        );
    }
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // Primary result codes (low byte of the extended code): BUSY, LOCKED,
        // READONLY, IOERR, FULL, CANTOPEN.
        let primary = db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .map(|c| c & 0xff);
        return matches!(primary, Some(5 | 6 | 8 | 10 | 13 | 14));
    }
    false
}

/// Whether the database rolled the whole transaction back for meeting
/// another one (a deadlock, a Galera certification failure, a PostgreSQL
/// serialization failure): it changed nothing, so running it again is safe.
pub(crate) fn is_conflict(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = e else {
        return false;
    };
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return my.number() == 1213;
    }
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return matches!(pg.code(), "40001" | "40P01");
    }
    false
}

/// SQLSTATEs of a server that cannot answer now, not of a wrong statement.
fn pg_transient(sqlstate: &str) -> bool {
    matches!(
        sqlstate,
        // serialization_failure, deadlock_detected
        "40001" | "40P01"
        // read_only_sql_transaction (a standby), lock_not_available
        | "25006" | "55P03"
        // insufficient_resources, disk_full, out_of_memory, too_many_connections
        | "53000" | "53100" | "53200" | "53300"
        // admin_shutdown, crash_shutdown, cannot_connect_now
        | "57P01" | "57P02" | "57P03"
    ) || sqlstate.starts_with("08") // connection_exception and its subclasses
}

/// A URL with its password replaced, fit for a log line.
pub fn mask_password(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{mask_password, pg_transient};

    #[test]
    fn postgres_retryable_states_are_transient() {
        for state in ["40001", "40P01", "57P01", "08006", "53300"] {
            assert!(pg_transient(state), "{state}");
        }
        // unique_violation (a 409) and syntax_error (a 500) are not.
        for state in ["23505", "42601"] {
            assert!(!pg_transient(state), "{state}");
        }
    }

    #[test]
    fn masks_only_the_password() {
        assert_eq!(
            mask_password("mysql://app:s3cret@db:3306/shortlink"),
            "mysql://app:***@db:3306/shortlink"
        );
        assert_eq!(
            mask_password("sqlite://data/x.db?mode=rwc"),
            "sqlite://data/x.db?mode=rwc"
        );
    }
}
