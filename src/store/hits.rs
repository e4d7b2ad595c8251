//! Counting many redirects' hits in one transaction: one read and one
//! `UPDATE` per distinct link, not per redirect. A hot link's redirects
//! arrive together; counted one by one, each waits for the previous one's
//! row lock (MySQL) or statement (SQLite's single writer); counted as
//! `hits = hits + n`, the whole group costs two statements and one commit.
//!
//! The caller runs [`count`] inside its write transaction and answers every
//! redirect of the group only after COMMIT, so a 302 still leaves only once
//! its hit is durable, and a group that rolls back counts nothing.

use std::collections::BTreeMap;

use crate::domain::{Code, TargetUrl};
use crate::store::sql_row::placeholders;
use crate::store::{Counted, Hit};

/// One redirect waiting for its hit: the link and the time it was asked.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub code: Code,
    pub now: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct TargetRow {
    pub code: String,
    pub url: String,
    pub expires_at: Option<i64>,
}

/// Reads the group's links (locking them, with MySQL's `FOR UPDATE` as
/// `lock`), counts the redirects of each live one in one `UPDATE`, and
/// returns each redirect's answer, in `pending`'s order.
pub(crate) async fn count<DB>(
    conn: &mut DB::Connection,
    pending: &[Pending],
    lock: &str,
) -> sqlx::Result<Vec<Hit>>
where
    DB: sqlx::Database,
    for<'q> <DB as sqlx::database::HasArguments<'q>>::Arguments: sqlx::IntoArguments<'q, DB>,
    for<'r> TargetRow: sqlx::FromRow<'r, DB::Row>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let mut codes: Vec<&str> = pending.iter().map(|p| p.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let marks = vec!["?"; codes.len()].join(", ");
    // Sorted codes lock rows in one order in every group: no deadlocks.
    let sql = format!(
        "SELECT code, url, expires_at FROM links WHERE code IN ({marks}) ORDER BY code{lock}"
    );
    let sql = placeholders::<DB>(&sql);
    let mut query = sqlx::query_as::<DB, TargetRow>(&sql);
    for code in &codes {
        query = query.bind(*code);
    }
    let targets: BTreeMap<String, TargetRow> = query
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|t| (t.code.clone(), t))
        .collect();

    let (answers, counted) = tally(pending, &targets);
    if !counted.is_empty() {
        add::<DB>(conn, &counted).await?;
    }
    Ok(answers)
}

/// At most this many links in one `UPDATE`: six binds each stays under
/// SQLite's 32,766 and MySQL's and PostgreSQL's 65,535 parameters.
const LINKS_PER_UPDATE: usize = 1000;

/// Hits counted outside the store (the buffered mode's flush), by code:
/// repeated codes summed, then in code order, so two instances flushing at
/// once lock rows in the same order. One `UPDATE` per [`LINKS_PER_UPDATE`].
pub(crate) fn by_code(hits: &[Counted]) -> Vec<BTreeMap<&str, (i64, i64)>> {
    let mut all: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for c in hits {
        let entry = all.entry(c.code.as_str()).or_insert((0, c.last));
        entry.0 += c.n;
        entry.1 = entry.1.max(c.last);
    }
    let mut batches = vec![BTreeMap::new()];
    for (code, v) in all {
        if batches.last().is_some_and(|b| b.len() == LINKS_PER_UPDATE) {
            batches.push(BTreeMap::new());
        }
        batches.last_mut().expect("one batch").insert(code, v);
    }
    batches.retain(|b| !b.is_empty());
    batches
}

/// `n` more hits on each code, the last at a time unless a later one is
/// stored, in one `UPDATE`: a statement per link made a group's time grow
/// with its links, one round trip each on MySQL, while the rest of the
/// service's redirects queued behind it.
pub(crate) async fn add<DB>(
    conn: &mut DB::Connection,
    counted: &BTreeMap<&str, (i64, i64)>,
) -> sqlx::Result<()>
where
    DB: sqlx::Database,
    for<'q> <DB as sqlx::database::HasArguments<'q>>::Arguments: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    // SQLite's two-argument MAX is MySQL's and PostgreSQL's GREATEST.
    let greatest = if DB::NAME == "SQLite" {
        "MAX"
    } else {
        "GREATEST"
    };
    let hits = " WHEN ? THEN ?".repeat(counted.len());
    let last =
        format!(" WHEN ? THEN {greatest}(COALESCE(last_hit_at, ?), ?)").repeat(counted.len());
    let marks = vec!["?"; counted.len()].join(", ");
    let sql = format!(
        "UPDATE links SET hits = hits + CASE code{hits} END, \
         last_hit_at = CASE code{last} END WHERE code IN ({marks})"
    );
    let sql = placeholders::<DB>(&sql);
    let mut query = sqlx::query::<DB>(&sql);
    for (code, (n, _)) in counted {
        query = query.bind(*code).bind(*n);
    }
    for (code, (_, at)) in counted {
        query = query.bind(*code).bind(*at).bind(*at);
    }
    for code in counted.keys() {
        query = query.bind(*code);
    }
    query.execute(&mut *conn).await.map(drop)
}

/// Each redirect's answer from its link as read, and per live link the
/// redirects to count and the latest time among them.
pub(crate) fn tally<'p>(
    pending: &'p [Pending],
    targets: &BTreeMap<String, TargetRow>,
) -> (Vec<Hit>, BTreeMap<&'p str, (i64, i64)>) {
    let mut answers = Vec::with_capacity(pending.len());
    let mut counted: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for p in pending {
        let answer = match targets.get(p.code.as_str()) {
            None => Hit::NotFound,
            Some(t) if t.expires_at.is_some_and(|at| at <= p.now) => Hit::Expired,
            Some(t) => {
                let entry = counted.entry(p.code.as_str()).or_insert((0, p.now));
                entry.0 += 1;
                entry.1 = entry.1.max(p.now);
                Hit::Redirect(TargetUrl::from_store(t.url.clone()))
            }
        };
        answers.push(answer);
    }
    (answers, counted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(code: &str, n: i64, last: i64) -> Counted {
        Counted {
            code: Code::parse(code).expect("a valid code"),
            n,
            last,
        }
    }

    #[test]
    fn repeated_codes_are_summed_and_sorted() {
        let hits = [
            counted("bbbbbb", 2, 10),
            counted("aaaaaa", 1, 5),
            counted("bbbbbb", 3, 7),
        ];
        let batches = by_code(&hits);
        assert_eq!(batches.len(), 1);
        let got: Vec<_> = batches[0].iter().map(|(c, v)| (*c, *v)).collect();
        assert_eq!(got, [("aaaaaa", (1, 5)), ("bbbbbb", (5, 10))]);
    }

    #[test]
    fn large_flushes_are_split_and_nothing_is_lost() {
        let hits: Vec<Counted> = (0..2500)
            .map(|i| counted(&format!("c{i:06}"), 1, i))
            .collect();
        let batches = by_code(&hits);
        assert_eq!(
            batches.iter().map(BTreeMap::len).collect::<Vec<_>>(),
            [1000, 1000, 500]
        );
        assert!(by_code(&[]).is_empty());
    }
}
