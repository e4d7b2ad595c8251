//! The in-process baseline: no I/O and no persistence, so the comparison can
//! tell what the SQL backends cost.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use super::{Backend, Counted, Hit, LinkPatch, PoolStats, Store, StoreError, StoreResult, Target};
use crate::domain::{Code, Cursor, Link, NewLink, Page, Stats};
use crate::keys::{KeyId, KeyRecord, Scope};

#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    next_id: i64,
    /// Keyed by the listing order so that a page is a reverse range scan, like the SQL index.
    by_key: BTreeMap<(i64, i64), Link>,
    keys: HashMap<Code, (i64, i64)>,
    /// API keys by id; gone with the process like everything else here.
    api_keys: BTreeMap<KeyId, KeyRecord>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> StoreResult<T> {
        // A poisoned lock means a panic mid-update; refusing is safer than serving it.
        let mut state = self
            .state
            .lock()
            .map_err(|_| StoreError::Other(anyhow::anyhow!("memory store lock poisoned")))?;
        Ok(f(&mut state))
    }
}

impl State {
    fn link_mut(&mut self, code: &Code) -> Option<&mut Link> {
        let key = *self.keys.get(code)?;
        self.by_key.get_mut(&key)
    }

    /// The link, if `scope` reaches it.
    fn scoped_mut(&mut self, code: &Code, scope: &Scope) -> Option<&mut Link> {
        self.link_mut(code)
            .filter(|l| scope.includes(l.owner.as_ref()))
    }
}

#[rocket::async_trait]
impl Store for MemoryStore {
    fn backend(&self) -> Backend {
        Backend::Memory
    }

    async fn ping(&self) -> StoreResult<()> {
        self.with(|_| ())
    }

    async fn insert(&self, code: Code, new: &NewLink) -> StoreResult<Link> {
        self.with(|s| {
            if s.keys.contains_key(&code) {
                return Err(StoreError::CodeTaken);
            }
            s.next_id += 1;
            let link = new.stored(s.next_id, code.clone());
            let key = (link.created_at, link.id);
            s.keys.insert(code, key);
            s.by_key.insert(key, link.clone());
            Ok(link)
        })?
    }

    async fn get(&self, code: &Code, scope: &Scope) -> StoreResult<Option<Link>> {
        self.with(|s| s.scoped_mut(code, scope).map(|l| l.clone()))
    }

    async fn list(&self, after: Option<Cursor>, limit: u32, scope: &Scope) -> StoreResult<Page> {
        self.with(|s| {
            let after = after.unwrap_or(Cursor::START);
            let items = s
                .by_key
                .range(..(after.created_at, after.id))
                .rev()
                .filter(|(_, l)| scope.includes(l.owner.as_ref()))
                .take(limit as usize + 1)
                .map(|(_, l)| l.clone())
                .collect();
            Page::from_overfetch(items, limit)
        })
    }

    async fn update(
        &self,
        code: &Code,
        patch: &LinkPatch,
        scope: &Scope,
    ) -> StoreResult<Option<Link>> {
        self.with(|s| {
            let link = s.scoped_mut(code, scope)?;
            if let Some(url) = &patch.url {
                link.url = url.clone();
            }
            if let Some(expires_at) = patch.expires_at {
                link.expires_at = expires_at;
            }
            Some(link.clone())
        })
    }

    async fn delete(&self, code: &Code, scope: &Scope) -> StoreResult<bool> {
        self.with(|s| {
            if s.scoped_mut(code, scope).is_none() {
                return false;
            }
            match s.keys.remove(code) {
                Some(key) => s.by_key.remove(&key).is_some(),
                None => false,
            }
        })
    }

    async fn hit(&self, code: &Code, now: i64) -> StoreResult<Hit> {
        self.with(|s| match s.link_mut(code) {
            None => Hit::NotFound,
            Some(l) if l.is_expired(now) => Hit::Expired,
            Some(l) => {
                l.hits += 1;
                l.last_hit_at = Some(now);
                Hit::Redirect(l.url.clone())
            }
        })
    }

    async fn target(&self, code: &Code) -> StoreResult<Option<Target>> {
        self.with(|s| {
            s.link_mut(code).map(|l| Target {
                url: l.url.clone(),
                expires_at: l.expires_at,
            })
        })
    }

    async fn add_hits(&self, hits: &[Counted]) -> StoreResult<()> {
        self.with(|s| {
            for c in hits {
                if let Some(l) = s.link_mut(&c.code) {
                    l.hits += c.n;
                    l.last_hit_at = l.last_hit_at.max(Some(c.last));
                }
            }
        })
    }

    async fn stats(&self, top: u32, scope: &Scope) -> StoreResult<Stats> {
        self.with(|s| {
            let mut all: Vec<&Link> = s
                .by_key
                .values()
                .filter(|l| scope.includes(l.owner.as_ref()))
                .collect();
            let links = all.len() as i64;
            let hits = all.iter().map(|l| l.hits).sum();
            // Same order as the SQL backends: most hits first, newest first among equals.
            all.sort_by(|a, b| b.hits.cmp(&a.hits).then(b.id.cmp(&a.id)));
            Stats {
                links,
                hits,
                top: all.into_iter().take(top as usize).cloned().collect(),
            }
        })
    }

    async fn create_key(&self, key: &KeyRecord) -> StoreResult<()> {
        self.with(|s| {
            if s.api_keys.contains_key(&key.id) {
                return Err(StoreError::CodeTaken);
            }
            s.api_keys.insert(key.id.clone(), key.clone());
            Ok(())
        })?
    }

    async fn list_keys(&self) -> StoreResult<Vec<KeyRecord>> {
        self.with(|s| {
            let mut all: Vec<KeyRecord> = s.api_keys.values().cloned().collect();
            // The SQL backends' order: oldest first, ids break ties.
            all.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
            all
        })
    }

    async fn find_key(&self, id: &KeyId) -> StoreResult<Option<KeyRecord>> {
        self.with(|s| s.api_keys.get(id).cloned())
    }

    async fn revoke_key(&self, id: &KeyId, now: i64) -> StoreResult<bool> {
        self.with(|s| match s.api_keys.get_mut(id) {
            Some(k) if k.revoked_at.is_none() => {
                k.revoked_at = Some(now);
                true
            }
            _ => false,
        })
    }

    fn pool_stats(&self) -> Option<PoolStats> {
        None
    }

    async fn close(&self) {}
}
