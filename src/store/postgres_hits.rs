//! How PostgreSQL counts a group of redirects (`hit_groups`). A hot link's
//! group is one `UPDATE … RETURNING` in autocommit: it counts every redirect
//! only if the link is live at the group's latest time, and answers them all
//! from the row it counted on, so no read can race the count. When it
//! matches nothing (the link is missing, or expired at some redirect's
//! time), the group is counted redirect by redirect in a transaction, as
//! any group of several links is.
//!
//! READ COMMITTED suffices: an `UPDATE` that waited for a concurrent one
//! re-reads the row before applying `hits + n`, so no hit is lost, and the
//! transaction's `FOR UPDATE` locks rows in code order, so groups never
//! deadlock with each other.

use sqlx::{Connection, PgConnection, PgPool};

use crate::domain::TargetUrl;
use crate::store::hit_groups::{one_link, CountGroup};
use crate::store::hits::{self, Pending};
use crate::store::Hit;

pub(crate) struct PgGroups(pub PgPool);

#[rocket::async_trait]
impl CountGroup for PgGroups {
    async fn count_group(&self, pending: &[Pending]) -> sqlx::Result<Vec<Hit>> {
        let mut conn = self.0.acquire().await?;
        if one_link(pending) {
            if let Some(hits) = count_one_link(&mut conn, pending).await? {
                return Ok(hits);
            }
        }
        let mut tx = conn.begin().await?;
        let hits = hits::count::<sqlx::Postgres>(&mut tx, pending, " FOR UPDATE").await?;
        tx.commit().await?;
        Ok(hits)
    }
}

/// `None`: nothing was counted, the caller decides redirect by redirect.
async fn count_one_link(
    conn: &mut PgConnection,
    pending: &[Pending],
) -> sqlx::Result<Option<Vec<Hit>>> {
    let Some(first) = pending.first() else {
        return Ok(Some(Vec::new()));
    };
    let latest = pending.iter().map(|p| p.now).max().unwrap_or(first.now);
    let rows: Vec<(String,)> = sqlx::query_as(
        "UPDATE links SET hits = hits + $1, \
         last_hit_at = GREATEST(COALESCE(last_hit_at, $2), $2) \
         WHERE code = $3 AND (expires_at IS NULL OR expires_at > $2) \
         RETURNING url",
    )
    .bind(pending.len() as i64)
    .bind(latest)
    .bind(first.code.as_str())
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().next().map(|(url,)| {
        let url = TargetUrl::from_store(url);
        vec![Hit::Redirect(url); pending.len()]
    }))
}
