//! The writer's statements, one function per kind of write.
//!
//! Every statement is read to the end with `fetch_all`; see `sqlite/mod.rs`.

use sqlx::SqliteConnection;

use crate::domain::{Code, Link, NewLink, TargetUrl};
use crate::keys::{KeyId, KeyRecord, Scope};
use crate::store::hits;
use crate::store::keys_sql;
use crate::store::sql_row::{and_owner, bind_scope, LinkRow, COLUMNS};
use crate::store::sqlite::first;
use crate::store::{Counted, LinkPatch};

pub(super) async fn insert(
    conn: &mut SqliteConnection,
    code: &Code,
    new: &NewLink,
) -> sqlx::Result<Option<Link>> {
    let rows: Vec<LinkRow> = sqlx::query_as(&format!(
        "INSERT INTO links (code, url, created_at, expires_at, owner_key_id) \
         VALUES (?, ?, ?, ?, ?) RETURNING {COLUMNS}"
    ))
    .bind(code.as_str())
    .bind(new.url.as_str())
    .bind(new.created_at)
    .bind(new.expires_at)
    .bind(new.owner.as_ref().map(KeyId::as_str))
    .fetch_all(conn)
    .await?;
    Ok(first(rows).map(Link::from))
}

pub(super) async fn update(
    conn: &mut SqliteConnection,
    code: &Code,
    patch: &LinkPatch,
    scope: &Scope,
) -> sqlx::Result<Option<Link>> {
    // One statement, so a hit counted earlier in the group is kept.
    let sql = format!(
        "UPDATE links SET url = COALESCE(?, url), \
         expires_at = CASE WHEN ? THEN ? ELSE expires_at END \
         WHERE code = ?{} RETURNING {COLUMNS}",
        and_owner(scope)
    );
    let query = sqlx::query_as(&sql)
        .bind(patch.url.as_ref().map(TargetUrl::as_str))
        .bind(patch.expires_at.is_some())
        .bind(patch.expires_at.flatten())
        .bind(code.as_str());
    let rows: Vec<LinkRow> = bind_scope(query, scope).fetch_all(conn).await?;
    Ok(first(rows).map(Link::from))
}

pub(super) async fn delete(
    conn: &mut SqliteConnection,
    code: &Code,
    scope: &Scope,
) -> sqlx::Result<bool> {
    let sql = format!("DELETE FROM links WHERE code = ?{}", and_owner(scope));
    let done = bind_scope(sqlx::query(&sql).bind(code.as_str()), scope)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn add_hits(
    conn: &mut SqliteConnection,
    counted: &[Counted],
) -> sqlx::Result<bool> {
    for batch in hits::by_code(counted) {
        hits::add::<sqlx::Sqlite>(conn, &batch).await?;
    }
    Ok(true)
}

pub(super) async fn create_key(conn: &mut SqliteConnection, key: &KeyRecord) -> sqlx::Result<bool> {
    keys_sql::insert(conn, key).await.map(|()| true)
}

pub(super) async fn revoke_key(
    conn: &mut SqliteConnection,
    id: &KeyId,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(keys_sql::REVOKE)
        .bind(now)
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A hot link's redirects (`pending`, all to one link) counted in one
/// statement if the link exists and is live at `latest`, the latest time
/// among them: its URL, or `None` with nothing written.
pub(super) async fn count_live(
    conn: &mut SqliteConnection,
    pending: &[hits::Pending],
    latest: i64,
) -> sqlx::Result<Option<String>> {
    let Some(hot) = pending.first() else {
        return Ok(None);
    };
    let urls: Vec<(String,)> = sqlx::query_as(
        "UPDATE links SET hits = hits + ?, last_hit_at = MAX(COALESCE(last_hit_at, ?), ?) \
         WHERE code = ? AND (expires_at IS NULL OR expires_at > ?) RETURNING url",
    )
    .bind(pending.len() as i64)
    .bind(latest)
    .bind(latest)
    .bind(hot.code.as_str())
    .bind(latest)
    .fetch_all(conn)
    .await?;
    Ok(first(urls).map(|(url,)| url))
}
