//! The row shape the SQL backends select, its conversion to a `Link`, and
//! the reads whose SQL they share.

use std::borrow::Cow;

use crate::domain::{Code, Cursor, Link, Page, TargetUrl};
use crate::keys::{KeyId, Scope};

/// The columns `LinkRow` reads, in its order.
pub(crate) const COLUMNS: &str =
    "id, code, url, hits, created_at, last_hit_at, expires_at, owner_key_id";

/// The SQL as `DB` spells it. The shared statements are written with `?`
/// placeholders (SQLite, MySQL); PostgreSQL numbers its own (`$1`, `$2`, …).
/// No shared statement has a `?` anywhere but in a placeholder.
pub(crate) fn placeholders<DB: sqlx::Database>(sql: &str) -> Cow<'_, str> {
    if DB::NAME != "PostgreSQL" {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The condition a scope adds after a `WHERE …`; its one placeholder, when
/// there is one, is bound last (`bind_scope`).
pub(crate) fn and_owner(scope: &Scope) -> &'static str {
    match scope {
        Scope::All => "",
        Scope::Owner(_) => " AND owner_key_id = ?",
    }
}

/// The `WHERE` a scope needs on a statement that has none of its own.
pub(crate) fn where_owner(scope: &Scope) -> &'static str {
    match scope {
        Scope::All => "",
        Scope::Owner(_) => " WHERE owner_key_id = ?",
    }
}

/// Binds the owner placeholder of `and_owner`/`where_owner`, if there is one.
pub(crate) fn bind_scope<'q, DB, O>(query: O, scope: &'q Scope) -> O
where
    DB: sqlx::Database,
    O: BindOne<'q, DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    match scope.owner() {
        Some(id) => query.bind_one(id.as_str()),
        None => query,
    }
}

/// `bind` on both of sqlx's query types, so `bind_scope` serves either.
pub(crate) trait BindOne<'q, DB: sqlx::Database> {
    fn bind_one(self, value: &'q str) -> Self;
}

impl<'q, DB> BindOne<'q, DB>
    for sqlx::query::Query<'q, DB, <DB as sqlx::database::HasArguments<'q>>::Arguments>
where
    DB: sqlx::Database,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    fn bind_one(self, value: &'q str) -> Self {
        self.bind(value)
    }
}

impl<'q, DB, O> BindOne<'q, DB>
    for sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::database::HasArguments<'q>>::Arguments>
where
    DB: sqlx::Database,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    fn bind_one(self, value: &'q str) -> Self {
        self.bind(value)
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LinkRow {
    id: i64,
    code: String,
    url: String,
    hits: i64,
    created_at: i64,
    last_hit_at: Option<i64>,
    expires_at: Option<i64>,
    owner_key_id: Option<String>,
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
            owner: r.owner_key_id.map(KeyId::from_store),
        }
    }
}

/// The reads whose SQL is the same on every SQL backend, on any pool.
/// Every statement is read to the end (`fetch_all`), which SQLite needs
/// (`sqlite/mod.rs`).
pub(crate) struct SharedReads<'p, DB: sqlx::Database>(pub &'p sqlx::Pool<DB>);

impl<DB> SharedReads<'_, DB>
where
    DB: sqlx::Database,
    for<'q> <DB as sqlx::database::HasArguments<'q>>::Arguments: sqlx::IntoArguments<'q, DB>,
    for<'r> LinkRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, Option<i64>): sqlx::FromRow<'r, DB::Row>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    /// The cheapest round trip: does the database answer at all?
    pub(crate) async fn ping(&self) -> sqlx::Result<()> {
        sqlx::query::<DB>("SELECT 1")
            .execute(self.0)
            .await
            .map(drop)
    }

    /// One keyset page, newest first; one row more than `limit` is read so
    /// the page can tell whether another follows.
    pub(crate) async fn page_after(
        &self,
        after: Cursor,
        limit: u32,
        scope: &Scope,
    ) -> sqlx::Result<Page> {
        let sql = format!(
            "SELECT {COLUMNS} FROM links \
             WHERE (created_at < ? OR (created_at = ? AND id < ?)){} \
             ORDER BY created_at DESC, id DESC LIMIT ?",
            and_owner(scope)
        );
        let sql = placeholders::<DB>(&sql);
        let query = sqlx::query_as(&sql)
            .bind(after.created_at)
            .bind(after.created_at)
            .bind(after.id);
        let rows: Vec<LinkRow> = bind_scope(query, scope)
            .bind(i64::from(limit) + 1)
            .fetch_all(self.0)
            .await?;
        Ok(Page::from_overfetch(
            rows.into_iter().map(Link::from).collect(),
            limit,
        ))
    }

    /// The link with this code, if the scope reaches it.
    pub(crate) async fn get(&self, code: &Code, scope: &Scope) -> sqlx::Result<Option<Link>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM links WHERE code = ?{}",
            and_owner(scope)
        );
        let sql = placeholders::<DB>(&sql);
        let rows: Vec<LinkRow> = bind_scope(sqlx::query_as(&sql).bind(code.as_str()), scope)
            .fetch_all(self.0)
            .await?;
        Ok(rows.into_iter().next().map(Link::from))
    }

    /// Where a redirect of `code` goes, counting nothing.
    pub(crate) async fn target(&self, code: &Code) -> sqlx::Result<Option<crate::store::Target>> {
        let rows: Vec<(String, Option<i64>)> = sqlx::query_as(&placeholders::<DB>(
            "SELECT url, expires_at FROM links WHERE code = ?",
        ))
        .bind(code.as_str())
        .fetch_all(self.0)
        .await?;
        Ok(rows
            .into_iter()
            .next()
            .map(|(url, expires_at)| crate::store::Target {
                url: TargetUrl::from_store(url),
                expires_at,
            }))
    }

    /// The `top` links by hits in the scope, most first.
    pub(crate) async fn top_by_hits(&self, top: u32, scope: &Scope) -> sqlx::Result<Vec<Link>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM links{} ORDER BY hits DESC, id DESC LIMIT ?",
            where_owner(scope)
        );
        let sql = placeholders::<DB>(&sql);
        let rows: Vec<LinkRow> = bind_scope(sqlx::query_as(&sql), scope)
            .bind(i64::from(top))
            .fetch_all(self.0)
            .await?;
        Ok(rows.into_iter().map(Link::from).collect())
    }
}
