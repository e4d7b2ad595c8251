//! The row shape both SQL backends select, its conversion to a `Link`, and
//! the reads whose SQL the two share.

use crate::domain::{Code, Cursor, Link, Page, TargetUrl};

/// The columns `LinkRow` reads, in its order.
pub(crate) const COLUMNS: &str = "id, code, url, hits, created_at, last_hit_at, expires_at";

#[derive(sqlx::FromRow)]
pub(crate) struct LinkRow {
    id: i64,
    code: String,
    url: String,
    hits: i64,
    created_at: i64,
    last_hit_at: Option<i64>,
    expires_at: Option<i64>,
}

impl From<LinkRow> for Link {
    fn from(r: LinkRow) -> Link {
        Link {
            id: r.id,
            // Only parsed codes are ever written, so re-parsing cannot fail;
            // if the table was edited by hand the value is still shown as stored.
            code: Code::parse(&r.code).unwrap_or_else(|| Code::from_store(r.code)),
            url: TargetUrl::from_store(r.url),
            hits: r.hits,
            created_at: r.created_at,
            last_hit_at: r.last_hit_at,
            expires_at: r.expires_at,
        }
    }
}

/// The reads whose SQL is the same on SQLite and MySQL, on either pool.
/// Every statement is read to the end (`fetch_all`), which SQLite needs
/// (`sqlite/mod.rs`).
pub(crate) struct SharedReads<'p, DB: sqlx::Database>(pub &'p sqlx::Pool<DB>);

impl<DB> SharedReads<'_, DB>
where
    DB: sqlx::Database,
    for<'q> <DB as sqlx::database::HasArguments<'q>>::Arguments: sqlx::IntoArguments<'q, DB>,
    for<'r> LinkRow: sqlx::FromRow<'r, DB::Row>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    /// The cheapest round trip: does the database answer at all?
    pub(crate) async fn ping(&self) -> sqlx::Result<()> {
        sqlx::query("SELECT 1").execute(self.0).await.map(drop)
    }

    /// One keyset page, newest first; one row more than `limit` is read so
    /// the page can tell whether another follows.
    pub(crate) async fn page_after(&self, after: Cursor, limit: u32) -> sqlx::Result<Page> {
        let sql = format!(
            "SELECT {COLUMNS} FROM links WHERE created_at < ? OR (created_at = ? AND id < ?) \
             ORDER BY created_at DESC, id DESC LIMIT ?"
        );
        let rows: Vec<LinkRow> = sqlx::query_as(&sql)
            .bind(after.created_at)
            .bind(after.created_at)
            .bind(after.id)
            .bind(i64::from(limit) + 1)
            .fetch_all(self.0)
            .await?;
        Ok(Page::from_overfetch(
            rows.into_iter().map(Link::from).collect(),
            limit,
        ))
    }

    /// The `top` links by hits, most first.
    pub(crate) async fn top_by_hits(&self, top: u32) -> sqlx::Result<Vec<Link>> {
        let sql = format!("SELECT {COLUMNS} FROM links ORDER BY hits DESC, id DESC LIMIT ?");
        let rows: Vec<LinkRow> = sqlx::query_as(&sql)
            .bind(i64::from(top))
            .fetch_all(self.0)
            .await?;
        Ok(rows.into_iter().map(Link::from).collect())
    }
}
