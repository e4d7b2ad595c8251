//! What the stores keep and return: a link, a new link, a page of links, the totals.

use super::{Code, Cursor, TargetUrl};
use crate::keys::KeyId;

/// A stored link. Times are epoch seconds; the HTTP layer renders them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Store-assigned, strictly increasing: the keyset for "newest first" pages.
    pub id: i64,
    pub code: Code,
    pub url: TargetUrl,
    pub hits: i64,
    pub created_at: i64,
    pub last_hit_at: Option<i64>,
    pub expires_at: Option<i64>,
    /// The key that created it; `None` for links from before keys existed.
    pub owner: Option<KeyId>,
}

impl Link {
    /// This link's position in the newest-first order.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            created_at: self.created_at,
            id: self.id,
        }
    }

    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// A link about to be inserted. `code` is `None` when the store must generate one.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub code: Option<Code>,
    pub url: TargetUrl,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    /// The key creating it.
    pub owner: Option<KeyId>,
}

impl NewLink {
    /// The link as stored under `id` and `code`: no hits yet. Stores whose
    /// insert returns only the id build the row from what they wrote instead
    /// of reading it back.
    pub fn stored(&self, id: i64, code: Code) -> Link {
        Link {
            id,
            code,
            url: self.url.clone(),
            hits: 0,
            created_at: self.created_at,
            last_hit_at: None,
            expires_at: self.expires_at,
            owner: self.owner.clone(),
        }
    }
}

/// One page of the newest-first listing.
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Link>,
    pub next: Option<Cursor>,
}

impl Page {
    /// Stores fetch `limit + 1` links: the extra one only says another page exists.
    pub fn from_overfetch(mut items: Vec<Link>, limit: u32) -> Page {
        let limit = limit as usize;
        let next = (items.len() > limit).then(|| {
            items.truncate(limit);
            items[limit - 1].cursor()
        });
        Page { items, next }
    }
}

#[derive(Debug, Clone)]
pub struct Stats {
    pub links: i64,
    pub hits: i64,
    pub top: Vec<Link>,
}
