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

use tokio::sync::{mpsc, oneshot};

use crate::domain::{Code, TargetUrl};
use crate::store::{classify, Hit, StoreError, StoreResult};

/// One redirect waiting for its hit: the link and the time it was asked.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub code: Code,
    pub now: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct TargetRow {
    code: String,
    url: String,
    expires_at: Option<i64>,
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

    let mut answers = Vec::with_capacity(pending.len());
    // Per live link: redirects counted and the latest time among them.
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
    for (code, (n, last)) in counted {
        add::<DB>(conn, code, n, last).await?;
    }
    Ok(answers)
}

/// `n` more hits on `code`, the last at `last` unless a later one is stored.
pub(crate) async fn add<DB>(
    conn: &mut DB::Connection,
    code: &str,
    n: i64,
    last: i64,
) -> sqlx::Result<()>
where
    DB: sqlx::Database,
    for<'q> <DB as sqlx::database::HasArguments<'q>>::Arguments: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    sqlx::query::<DB>(
        "UPDATE links SET hits = hits + ?, \
         last_hit_at = CASE WHEN last_hit_at IS NULL OR last_hit_at < ? THEN ? ELSE last_hit_at END \
         WHERE code = ?",
    )
    .bind(n)
    .bind(last)
    .bind(last)
    .bind(code)
    .execute(&mut *conn)
    .await
    .map(drop)
}

/// Redirects waiting at most per MySQL group, as in SQLite's writer.
const MAX_GROUP: usize = 256;
/// Redirects queued beyond this wait to be queued.
const QUEUE: usize = 1024;

type Reply = oneshot::Sender<StoreResult<Hit>>;

/// MySQL's group commit of hits: one task takes every redirect waiting at
/// that moment and counts them in one transaction ([`count`], rows locked
/// `FOR UPDATE`), then answers them all after COMMIT. Without it each
/// redirect of a hot link committed alone and waited for the previous one's
/// row lock and fsync.
pub(crate) struct MySqlHits {
    queue: mpsc::Sender<(Pending, Reply)>,
}

impl MySqlHits {
    /// Starts the task on the current Tokio runtime; it ends with the pool.
    pub(crate) fn start(pool: sqlx::MySqlPool) -> MySqlHits {
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(run_mysql(pool, jobs));
        MySqlHits { queue }
    }

    pub(crate) async fn hit(&self, code: &Code, now: i64) -> StoreResult<Hit> {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Unavailable("the hit counter has stopped".into());
        let pending = Pending {
            code: code.clone(),
            now,
        };
        self.queue
            .send((pending, reply))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn run_mysql(pool: sqlx::MySqlPool, mut queue: mpsc::Receiver<(Pending, Reply)>) {
    let mut jobs = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut jobs, MAX_GROUP).await > 0 {
        // A caller that gave up (store timeout) before its group began is
        // not counted behind its back.
        jobs.retain(|(_, reply)| !reply.is_closed());
        if jobs.is_empty() {
            continue;
        }
        let (pending, replies): (Vec<Pending>, Vec<Reply>) = jobs.drain(..).unzip();
        let counted = async {
            let mut tx = pool.begin().await?;
            let hits = count::<sqlx::MySql>(&mut tx, &pending, " FOR UPDATE").await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(hits)
        }
        .await;
        match counted {
            Ok(hits) => {
                for (reply, hit) in replies.into_iter().zip(hits) {
                    let _ = reply.send(Ok(hit));
                }
            }
            Err(e) => {
                let e = classify(e);
                tracing::warn!(error = %e, redirects = replies.len(), "hit group rolled back");
                for reply in replies {
                    let _ = reply.send(Err(e.copy()));
                }
            }
        }
    }
}
