//! The group commit of hits for the server databases (MySQL, PostgreSQL):
//! one task takes every redirect waiting at that moment and counts them
//! together (`store::hits`), then answers them all after COMMIT. Without it
//! each redirect of a hot link committed alone and waited for the previous
//! one's row lock and fsync. How a group is counted is the backend's
//! (`mysql_hits`, `postgres_hits`); the queue and the answers are shared.

use tokio::sync::{mpsc, oneshot};

use crate::domain::Code;
use crate::store::hits::Pending;
use crate::store::{classify, is_conflict, Hit, StoreError, StoreResult};

/// Redirects waiting at most per group, as in SQLite's writer.
const MAX_GROUP: usize = 256;
/// Redirects queued beyond this wait to be queued.
const QUEUE: usize = 1024;
/// Times a group the database rolled back for a conflict is counted again
/// before its redirects get a 503. Conflicts are rare on one writer; on a
/// Galera cluster written through several nodes, a hot link's row meets
/// itself on every node (NOTES.md has the measurement).
const CONFLICT_RETRIES: usize = 3;

type Reply = oneshot::Sender<StoreResult<Hit>>;

/// Counts one group of redirects durably: every hit it answers for is
/// committed when it returns.
#[rocket::async_trait]
pub(crate) trait CountGroup: Send + Sync + 'static {
    async fn count_group(&self, pending: &[Pending]) -> sqlx::Result<Vec<Hit>>;
}

pub(crate) struct GroupedHits {
    queue: mpsc::Sender<(Pending, Reply)>,
}

impl GroupedHits {
    /// Starts the task on the current Tokio runtime; it ends with the store.
    pub(crate) fn start(counter: impl CountGroup) -> GroupedHits {
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(run(counter, jobs));
        GroupedHits { queue }
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

async fn run(counter: impl CountGroup, mut queue: mpsc::Receiver<(Pending, Reply)>) {
    let mut jobs = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut jobs, MAX_GROUP).await > 0 {
        // A caller that gave up (store timeout) before its group began is
        // not counted behind its back.
        jobs.retain(|(_, reply)| !reply.is_closed());
        if jobs.is_empty() {
            continue;
        }
        let (pending, replies): (Vec<Pending>, Vec<Reply>) = jobs.drain(..).unzip();
        match count_retrying(&counter, &pending).await {
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

/// Counts a group, again when the database rolled it back for a conflict:
/// a rolled-back group counted nothing, so no hit is counted twice. Any
/// other error (a connection lost during COMMIT leaves the outcome unknown)
/// is the group's answer.
async fn count_retrying(counter: &impl CountGroup, pending: &[Pending]) -> sqlx::Result<Vec<Hit>> {
    let mut conflicts = 0;
    loop {
        match counter.count_group(pending).await {
            Err(e) if is_conflict(&e) && conflicts < CONFLICT_RETRIES => {
                conflicts += 1;
                tracing::debug!(error = %e, conflicts, "hit group rolled back for a conflict; counting it again");
            }
            other => return other,
        }
    }
}

/// True when every redirect of the group is for one link: the hot-link case
/// each backend counts without a transaction.
pub(crate) fn one_link(pending: &[Pending]) -> bool {
    pending.windows(2).all(|w| w[0].code == w[1].code)
}
