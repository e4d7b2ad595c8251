//! SQLite's writes, committed in groups.
//!
//! With `synchronous = FULL` every commit waits for an fsync of the WAL, and a
//! redirect is a write (it counts a hit), so one transaction per request caps
//! the service at the disk's fsync rate and moves with it. Here one task owns
//! the only writing connection: it takes every write waiting at that moment,
//! runs them in one transaction and answers each caller after COMMIT returns.
//! N writers share one fsync, as InnoDB's group commit does for MySQL, and a
//! 201 or a counted 302 is still on disk before it is sent.
//!
//! A statement that breaks a constraint (a taken code) fails alone: SQLite
//! rolls back that statement, not the transaction. Any other failure (a lock
//! held by another process past the busy timeout, a full disk) rolls back the
//! whole group and every caller in it gets the error, so nothing is half
//! written and nobody is told a write succeeded that did not.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::error::ErrorKind;
use sqlx::{Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot, watch};

use self::statements::{add_hits, create_key, delete, insert, revoke_key, update};
use crate::domain::{Code, Link, NewLink, TargetUrl};
use crate::keys::{KeyId, KeyRecord, Scope};
use crate::store::hits::{self, Pending};
use crate::store::{classify, Counted, Hit, LinkPatch, StoreError, StoreResult, WriteGroups};

/// Writes per transaction at most, so one group's wait stays short.
const MAX_GROUP: usize = 256;
/// Writes waiting beyond this hold their caller until the writer catches up.
const QUEUE: usize = 1024;

type Reply<T> = oneshot::Sender<StoreResult<T>>;

/// A queued write and where its answer goes.
pub(super) enum Job {
    Insert(Code, NewLink, Reply<Option<Link>>),
    Update(Code, LinkPatch, Scope, Reply<Option<Link>>),
    Delete(Code, Scope, Reply<bool>),
    Hit(Code, i64, Reply<Hit>),
    /// Key management goes through the writer like every other write: the
    /// writer's connection is the only one that writes, so a second writer
    /// would only meet SQLITE_BUSY.
    CreateKey(KeyRecord, Reply<bool>),
    /// Buffered hits (`hit_buffer`), added in one go.
    AddHits(Vec<Counted>, Reply<bool>),
    RevokeKey(KeyId, i64, Reply<bool>),
}

/// A write whose statement has run, held until its group commits or rolls back.
enum Answer {
    Link(Reply<Option<Link>>, StoreResult<Option<Link>>),
    Done(Reply<bool>, StoreResult<bool>),
    Hit(Reply<Hit>, StoreResult<Hit>),
}

pub(super) struct GroupCommit {
    /// Closed once the writer task has ended (closed, or panicked): every
    /// write would then fail, so readiness asks this.
    queue: mpsc::Sender<Job>,
    /// Tells the task to stop after the group in progress.
    close: Mutex<Option<oneshot::Sender<()>>>,
    /// True once the task has ended and its connection is closed.
    ended: watch::Receiver<bool>,
    committed: Arc<Committed>,
    #[cfg(test)]
    task: tokio::task::AbortHandle,
}

/// What the writer has committed so far; their ratio is the mean group size.
#[derive(Default)]
struct Committed {
    groups: AtomicU64,
    writes: AtomicU64,
}

impl GroupCommit {
    /// Starts the writer task on the current Tokio runtime. It owns `conn`
    /// outright rather than borrowing it from a pool: sqlx's pool pings a
    /// connection on every acquire and again on every release, which on
    /// SQLite is two more hand-offs to its worker thread per group.
    pub(super) fn start(conn: SqliteConnection) -> GroupCommit {
        let (queue, jobs) = mpsc::channel(QUEUE);
        let (close, closing) = oneshot::channel();
        let (ended_tx, ended) = watch::channel(false);
        let committed = Arc::new(Committed::default());
        let task = tokio::spawn(run(conn, jobs, closing, committed.clone()));
        #[cfg(test)]
        let abort = task.abort_handle();
        // Nobody else awaits the task: without this a panic would go unlogged.
        tokio::spawn(async move {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "the SQLite writer stopped; writes fail until restart");
            }
            let _ = ended_tx.send(true);
        });
        GroupCommit {
            queue,
            close: Mutex::new(Some(close)),
            ended,
            committed,
            #[cfg(test)]
            task: abort,
        }
    }

    /// Whether writes can still be committed: false once the writer task ended.
    pub(super) fn is_running(&self) -> bool {
        !self.queue.is_closed()
    }

    /// Ends the writer task as a panic would.
    #[cfg(test)]
    pub(super) fn kill(&self) {
        self.task.abort();
    }

    pub(super) fn stats(&self) -> WriteGroups {
        WriteGroups {
            groups: self.committed.groups.load(Ordering::Relaxed),
            writes: self.committed.writes.load(Ordering::Relaxed),
        }
    }

    /// Queues the write `job` builds around its reply channel, then waits until
    /// its group is committed (or rolled back).
    pub(super) async fn write<T>(&self, job: impl FnOnce(Reply<T>) -> Job) -> StoreResult<T> {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Unavailable("the SQLite writer has stopped".into());
        self.queue.send(job(reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Waits for the group in progress, then refuses further writes and
    /// closes the connection (checkpointing the WAL).
    pub(super) async fn close(&self) {
        let close = self.close.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(close) = close {
            let _ = close.send(());
        }
        let mut ended = self.ended.clone();
        let _ = ended.wait_for(|ended| *ended).await;
    }
}

async fn run(
    mut conn: SqliteConnection,
    mut queue: mpsc::Receiver<Job>,
    mut closing: oneshot::Receiver<()>,
    committed: Arc<Committed>,
) {
    let mut jobs = Vec::with_capacity(MAX_GROUP);
    loop {
        tokio::select! {
            biased;
            _ = &mut closing => break,
            n = queue.recv_many(&mut jobs, MAX_GROUP) => if n == 0 { break },
        }
        // A caller that gave up (store timeout, client gone) before its group
        // began is not written behind its back. One whose timeout falls while
        // its group is already committing may still be written: a 503 says
        // "unknown", not "not written" (NOTES.md, failure modes).
        jobs.retain(|job| !job.abandoned());
        let (hits, others): (Vec<Job>, Vec<Job>) =
            std::mem::take(&mut jobs).into_iter().partition(Job::is_hit);
        jobs = others;
        let mut group = jobs.drain(..);
        let mut answers = Vec::with_capacity(group.len() + hits.len());
        match run_group(&mut conn, hits, &mut group, &mut answers).await {
            Ok(()) => {
                if !answers.is_empty() {
                    committed.groups.fetch_add(1, Ordering::Relaxed);
                    let writes = answers.len() as u64;
                    committed.writes.fetch_add(writes, Ordering::Relaxed);
                }
                answers.into_iter().for_each(Answer::send);
            }
            Err(e) => {
                tracing::warn!(error = %e, writes = answers.len() + group.len(), "SQLite write group rolled back");
                answers.into_iter().for_each(|a| a.fail(&e));
                group.for_each(|job| job.fail(&e));
            }
        }
    }
    // Writes still queued get "stopped" as their senders drop with `queue`.
    drop(queue);
    if let Err(e) = conn.close().await {
        tracing::warn!(error = %e, "closing the SQLite writer's connection");
    }
}

/// Runs the group's statements in one transaction: the redirects' hits
/// together first (`store::hits`), then every other write in turn, moving
/// each job into `answers` as it runs; on `Err` (rolled back) the jobs not
/// yet run are left in `group`. The writes of one group are concurrent
/// requests, none answered before COMMIT, so any order among them is one
/// their clients could have seen.
///
/// A group of redirects to one link (a hot link's) needs no transaction:
/// this connection is the only writer, so nothing changes between the
/// read of the link and the one `UPDATE` that counts them all, and that
/// statement commits (and syncs) by itself. Two hand-offs to SQLite's
/// worker thread instead of four.
async fn run_group(
    conn: &mut SqliteConnection,
    hits: Vec<Job>,
    group: &mut std::vec::Drain<'_, Job>,
    answers: &mut Vec<Answer>,
) -> StoreResult<()> {
    if group.len() == 0 && hits.is_empty() {
        return Ok(());
    }
    let (pending, replies): (Vec<Pending>, Vec<Reply<Hit>>) = hits
        .into_iter()
        .filter_map(|job| match job {
            Job::Hit(code, now, reply) => Some((Pending { code, now }, reply)),
            _ => None,
        })
        .unzip();
    if group.len() == 0 && pending.windows(2).all(|w| w[0].code == w[1].code) {
        // Live for the latest redirect, so for all of them: one statement.
        let latest = pending.iter().map(|p| p.now).max().unwrap_or_default();
        match statements::count_live(conn, &pending, latest).await {
            Ok(Some(url)) => {
                for reply in replies {
                    let hit = Hit::Redirect(TargetUrl::from_store(url.clone()));
                    answers.push(Answer::Hit(reply, Ok(hit)));
                }
                return Ok(());
            }
            // Missing, or expired for some of them: sort it out link by link.
            Ok(None) => return count_hits(conn, &pending, replies, answers).await,
            Err(e) => {
                let e = classify(e);
                for reply in replies {
                    answers.push(Answer::Hit(reply, Err(e.copy())));
                }
                return Err(e);
            }
        }
    }
    let mut tx = conn.begin().await.map_err(classify)?;
    if !pending.is_empty() {
        count_hits(&mut tx, &pending, replies, answers).await?;
    }
    for job in group.by_ref() {
        let (answer, group_failed) = job.run(&mut tx).await;
        answers.push(answer);
        if let Some(e) = group_failed {
            return Err(e);
        }
    }
    tx.commit().await.map_err(classify)
}

/// Counts the group's redirects and queues each one's answer; on failure
/// every one of them gets the error.
async fn count_hits(
    conn: &mut SqliteConnection,
    pending: &[Pending],
    replies: Vec<Reply<Hit>>,
    answers: &mut Vec<Answer>,
) -> StoreResult<()> {
    match hits::count::<sqlx::Sqlite>(conn, pending, "").await {
        Ok(results) => {
            for (reply, hit) in replies.into_iter().zip(results) {
                answers.push(Answer::Hit(reply, Ok(hit)));
            }
            Ok(())
        }
        Err(e) => {
            let e = classify(e);
            for reply in replies {
                answers.push(Answer::Hit(reply, Err(e.copy())));
            }
            Err(e)
        }
    }
}

/// Splits a statement's outcome into the caller's result and, when the group
/// must roll back, why: constraint violations undo only their statement.
fn settle<T>(ran: Result<T, sqlx::Error>) -> (StoreResult<T>, Option<StoreError>) {
    match ran {
        Ok(value) => (Ok(value), None),
        Err(e) => {
            let alone =
                matches!(&e, sqlx::Error::Database(db) if !matches!(db.kind(), ErrorKind::Other));
            let e = classify(e);
            let group = (!alone).then(|| e.copy());
            (Err(e), group)
        }
    }
}

impl Job {
    fn is_hit(&self) -> bool {
        matches!(self, Job::Hit(..))
    }

    fn abandoned(&self) -> bool {
        match self {
            Job::Insert(_, _, reply) | Job::Update(_, _, _, reply) => reply.is_closed(),
            Job::Delete(_, _, reply)
            | Job::CreateKey(_, reply)
            | Job::RevokeKey(_, _, reply)
            | Job::AddHits(_, reply) => reply.is_closed(),
            Job::Hit(_, _, reply) => reply.is_closed(),
        }
    }

    async fn run(self, conn: &mut SqliteConnection) -> (Answer, Option<StoreError>) {
        match self {
            Job::Insert(code, new, reply) => {
                let (result, failed) = settle(insert(conn, &code, &new).await);
                (Answer::Link(reply, result), failed)
            }
            Job::Update(code, patch, scope, reply) => {
                let (result, failed) = settle(update(conn, &code, &patch, &scope).await);
                (Answer::Link(reply, result), failed)
            }
            Job::Delete(code, scope, reply) => {
                let (result, failed) = settle(delete(conn, &code, &scope).await);
                (Answer::Done(reply, result), failed)
            }
            // `run_group` counts a group's hits together; alone, the same way.
            Job::Hit(code, now, reply) => {
                let one = [Pending { code, now }];
                let counted = hits::count::<sqlx::Sqlite>(conn, &one, "").await;
                let (result, failed) = settle(counted.map(|mut h| h.remove(0)));
                (Answer::Hit(reply, result), failed)
            }
            Job::CreateKey(key, reply) => {
                let (result, failed) = settle(create_key(conn, &key).await);
                (Answer::Done(reply, result), failed)
            }
            Job::AddHits(counted, reply) => {
                let (result, failed) = settle(add_hits(conn, &counted).await);
                (Answer::Done(reply, result), failed)
            }
            Job::RevokeKey(id, now, reply) => {
                let (result, failed) = settle(revoke_key(conn, &id, now).await);
                (Answer::Done(reply, result), failed)
            }
        }
    }

    fn fail(self, e: &StoreError) {
        match self {
            Job::Insert(_, _, reply) | Job::Update(_, _, _, reply) => {
                drop(reply.send(Err(e.copy())))
            }
            Job::Delete(_, _, reply)
            | Job::CreateKey(_, reply)
            | Job::RevokeKey(_, _, reply)
            | Job::AddHits(_, reply) => drop(reply.send(Err(e.copy()))),
            Job::Hit(_, _, reply) => drop(reply.send(Err(e.copy()))),
        }
    }
}

impl Answer {
    // A caller that has gone away no longer needs its answer.
    fn send(self) {
        match self {
            Answer::Link(reply, result) => drop(reply.send(result)),
            Answer::Done(reply, result) => drop(reply.send(result)),
            Answer::Hit(reply, result) => drop(reply.send(result)),
        }
    }

    /// The group rolled back, so whatever this statement did is undone.
    fn fail(self, e: &StoreError) {
        match self {
            Answer::Link(reply, _) => drop(reply.send(Err(e.copy()))),
            Answer::Done(reply, _) => drop(reply.send(Err(e.copy()))),
            Answer::Hit(reply, _) => drop(reply.send(Err(e.copy()))),
        }
    }
}

mod statements;
#[cfg(test)]
mod tests;
