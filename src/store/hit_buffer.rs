//! The opt-in buffered hit mode (`hits = "buffered"`): a redirect is a read,
//! its hit is added to a map in memory, and the map is folded into the
//! store every `hits_flush_ms` in one transaction. The read itself is
//! served from memory for up to one window: targets read from the store are
//! remembered that long, and a PATCH or DELETE through this instance forgets
//! its link at once (one made through another instance sharing the database
//! reaches this one's redirects within a window). Redirects stop waiting
//! for a commit; in exchange a link's `hits` and the stats may lag by one
//! window (responses say so, `X-Hits-Lag-Max-Ms`), a SIGTERM flushes what is
//! held, and a SIGKILL loses at most the hits of the window in progress —
//! plus, while the database is down, the windows that could not be written
//! (they are kept and retried, never dropped while the process lives).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::domain::Code;
use crate::store::{Counted, Store, Target};

/// Hits counted since the last flush, and recently read targets.
pub struct HitBuffer {
    pending: Mutex<HashMap<Code, (i64, i64)>>,
    targets: RwLock<HashMap<Code, (Target, Instant)>>,
    /// Bumped by every `forget`: a target read before a change must not be
    /// remembered after it.
    changes: AtomicU64,
    window: Duration,
}

/// Targets remembered at most; past it, the oldest half is dropped.
const MAX_TARGETS: usize = 100_000;

impl HitBuffer {
    pub fn new(window: Duration) -> HitBuffer {
        HitBuffer {
            pending: Mutex::default(),
            targets: RwLock::default(),
            changes: AtomicU64::new(0),
            window,
        }
    }

    /// A target read less than one window ago, if any.
    pub fn cached(&self, code: &Code) -> Option<Target> {
        let targets = self.targets.read().unwrap_or_else(|e| e.into_inner());
        let (target, read_at) = targets.get(code)?;
        (read_at.elapsed() < self.window).then(|| target.clone())
    }

    /// Taken before reading a target from the store, for `remember`.
    pub fn changes(&self) -> u64 {
        self.changes.load(Ordering::SeqCst)
    }

    /// Remembers a target read from the store, unless some link changed
    /// through this instance since the read began (`changes_before`).
    pub fn remember(&self, code: &Code, target: &Target, changes_before: u64) {
        let mut targets = self.targets.write().unwrap_or_else(|e| e.into_inner());
        if self.changes.load(Ordering::SeqCst) != changes_before {
            return;
        }
        if targets.len() >= MAX_TARGETS {
            let window = self.window;
            targets.retain(|_, (_, at)| at.elapsed() < window);
        }
        targets.insert(code.clone(), (target.clone(), Instant::now()));
    }

    /// A link changed or deleted through this instance: read it again.
    pub fn forget(&self, code: &Code) {
        let mut targets = self.targets.write().unwrap_or_else(|e| e.into_inner());
        self.changes.fetch_add(1, Ordering::SeqCst);
        targets.remove(code);
    }

    /// Counts one served redirect of `code` at `now`.
    pub fn add(&self, code: &Code, now: i64) {
        // Poisoned only by a panic while holding it, and the map is always
        // consistent between statements: keep counting.
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        match pending.get_mut(code) {
            Some((n, last)) => {
                *n += 1;
                *last = (*last).max(now);
            }
            None => {
                pending.insert(code.clone(), (1, now));
            }
        }
    }

    fn take(&self) -> Vec<Counted> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *pending)
            .into_iter()
            .map(|(code, (n, last))| Counted { code, n, last })
            .collect()
    }

    /// Puts back hits whose write failed, to go with the next flush.
    fn restore(&self, counted: Vec<Counted>) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        for c in counted {
            let entry = pending.entry(c.code).or_insert((0, c.last));
            entry.0 += c.n;
            entry.1 = entry.1.max(c.last);
        }
    }

    /// Writes what is held now; on failure keeps it for the next flush.
    pub async fn flush(&self, store: &dyn Store) -> bool {
        let counted = self.take();
        if counted.is_empty() {
            return true;
        }
        match store.add_hits(&counted).await {
            Ok(()) => true,
            Err(e) => {
                let hits: i64 = counted.iter().map(|c| c.n).sum();
                tracing::warn!(error = %e, hits, "buffered hits not written; kept for the next flush");
                self.restore(counted);
                false
            }
        }
    }

    /// Flushes every `interval` on the current runtime until the store closes.
    pub fn start(self: &Arc<Self>, store: Arc<dyn Store>, interval: Duration) {
        let buffer = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                // The server dropped its buffer: the final flush was its own.
                let Some(buffer) = buffer.upgrade() else {
                    return;
                };
                // No timeout around it: a flush cut off after `take` would
                // drop its hits. The store's own timeouts bound it.
                buffer.flush(store.as_ref()).await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{NewLink, TargetUrl};
    use crate::keys::Scope;
    use crate::store::MemoryStore;

    #[tokio::test]
    async fn a_flush_adds_every_held_hit_once() {
        let store = MemoryStore::new();
        let new = NewLink {
            code: Code::parse("abc"),
            url: TargetUrl::from_store("https://example.org/".into()),
            created_at: 1,
            expires_at: None,
            owner: None,
        };
        crate::store::create(&store, &new).await.unwrap();
        let code = Code::parse("abc").unwrap();
        let gone = Code::parse("gone").unwrap();
        let buffer = HitBuffer::new(Duration::from_secs(1));
        for now in [10, 30, 20] {
            buffer.add(&code, now);
        }
        buffer.add(&gone, 5);
        assert!(buffer.flush(&store).await);
        assert!(buffer.flush(&store).await, "an empty flush");
        let link = store.get(&code, &Scope::All).await.unwrap().unwrap();
        assert_eq!((link.hits, link.last_hit_at), (3, Some(30)));
    }
}
