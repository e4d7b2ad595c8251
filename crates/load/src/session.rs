//! What users know: the run-wide registry of hot links every visitor draws
//! from (with a Zipf-like skew), the run's admin access and the author keys
//! made with it, and each user's own session (its key, its hot links, the
//! churn links it creates, patches and deletes).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use rand::Rng;
use shortlink_harness::target::random_alnum;
use shortlink_harness::{ApiKey, Target};

/// How the run reaches the instance as its operator: the harness client
/// with the admin key (author keys, reconciliation, clean-up; outside
/// goose's numbers), and the CA every user's client trusts.
#[derive(Clone, Debug, Default)]
pub struct Access {
    pub admin: Option<Target>,
    pub ca_certs: Vec<reqwest::Certificate>,
}

impl Access {
    /// The admin key, if the run has one.
    pub fn admin_key(&self) -> Option<ApiKey> {
        self.admin.as_ref().and_then(|t| t.api_key().cloned())
    }
}

/// A link as the load test remembers it: the code to request and the URL a
/// redirect must point at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownLink {
    pub code: String,
    pub url: String,
}

/// State shared by every user of one run. Created per run (not a static) so
/// one process can run the load test more than once, as the tests do.
#[derive(Debug)]
pub struct Shared {
    /// Hot links in the order they were seeded; rank 0 is the hottest. They are
    /// never patched nor deleted while users run, so every redirect to one of
    /// them must be a 302 to the URL recorded here.
    hot: RwLock<Vec<KnownLink>>,
    /// How many hot links each user seeds in `on_start`.
    pub hot_links_per_user: usize,
    /// The first few broken rules with their details. Goose's error table
    /// groups by rule only (details would make every row unique), so the
    /// details a person needs to debug are kept here.
    failures: Mutex<Vec<String>>,
    /// Redirects answered 302 and passed the validator. Counted here, not
    /// read from goose's success count: `--co-mitigation` back-fills
    /// synthetic requests into that count, which the server never saw.
    redirects_ok: AtomicU64,
    pub access: Access,
    /// Author keys made for integrators, by id, and whether each has been
    /// revoked: what the run revokes at the end if a user's `on_stop` did not.
    author_keys: Mutex<Vec<(String, bool)>>,
    /// Marks this run's keys in `GET /api/v1/keys` on a shared instance.
    pub run_tag: String,
}

/// How many failure details a run keeps: enough to see a pattern, bounded so
/// a run where everything fails does not hold millions of strings.
const FAILURE_SAMPLES: usize = 20;

impl Shared {
    pub fn new(hot_links_per_user: usize, access: Access) -> Arc<Self> {
        Arc::new(Self {
            hot: RwLock::new(Vec::new()),
            hot_links_per_user,
            failures: Mutex::new(Vec::new()),
            redirects_ok: AtomicU64::new(0),
            access,
            author_keys: Mutex::new(Vec::new()),
            run_tag: random_alnum(6),
        })
    }

    /// Notes an author key the run created (before it is checked, so even a
    /// key whose answer failed validation is revoked in the end).
    pub fn add_author_key(&self, id: &str) {
        if let Ok(mut keys) = self.author_keys.lock() {
            if !keys.iter().any(|(k, _)| k == id) {
                keys.push((id.to_string(), false));
            }
        }
    }

    pub fn mark_revoked(&self, id: &str) {
        if let Ok(mut keys) = self.author_keys.lock() {
            for (k, revoked) in keys.iter_mut() {
                if k == id {
                    *revoked = true;
                }
            }
        }
    }

    /// (created, revoked) author keys so far.
    pub fn author_key_counts(&self) -> (u64, u64) {
        let keys = self
            .author_keys
            .lock()
            .map(|k| k.clone())
            .unwrap_or_default();
        let revoked = keys.iter().filter(|(_, r)| *r).count();
        (keys.len() as u64, revoked as u64)
    }

    /// Ids of the author keys not revoked yet.
    pub fn live_author_keys(&self) -> Vec<String> {
        let keys = self
            .author_keys
            .lock()
            .map(|k| k.clone())
            .unwrap_or_default();
        keys.into_iter()
            .filter(|(_, r)| !r)
            .map(|(id, _)| id)
            .collect()
    }

    /// `text` without any key the run holds or created (failure details may
    /// quote responses).
    pub fn redact(&self, text: &str) -> String {
        match &self.access.admin {
            Some(admin) => admin.redact(text),
            None => shortlink_harness::apikey::redact::<&str>(text, &[]),
        }
    }

    pub fn add_hot(&self, link: KnownLink) {
        if let Ok(mut hot) = self.hot.write() {
            hot.push(link);
        }
    }

    /// Every hot link seeded so far (for the cleanup after reconciliation).
    pub fn hot_links(&self) -> Vec<KnownLink> {
        self.hot.read().map(|h| h.clone()).unwrap_or_default()
    }

    /// A hot link drawn with a Zipf-like skew (s = 1): rank k is chosen with
    /// probability close to 1/(k+1) over the ranks seeded so far, so a few
    /// links take most clicks, as on a real shortener where a handful of
    /// links are shared widely. `None` before any link is seeded.
    pub fn pick_hot(&self) -> Option<KnownLink> {
        let hot = self.hot.read().ok()?;
        let rank = zipf_rank(hot.len(), &mut rand::thread_rng())?;
        hot.get(rank).cloned()
    }

    pub fn count_redirect(&self) {
        self.redirects_ok.fetch_add(1, Ordering::Relaxed);
    }

    pub fn redirects_ok(&self) -> u64 {
        self.redirects_ok.load(Ordering::Relaxed)
    }

    pub fn record_failure(&self, text: String) {
        if let Ok(mut failures) = self.failures.lock() {
            if failures.len() < FAILURE_SAMPLES {
                failures.push(self.redact(&text));
            }
        }
    }

    pub fn failure_samples(&self) -> Vec<String> {
        self.failures.lock().map(|f| f.clone()).unwrap_or_default()
    }
}

/// A rank in `0..n` with P(k) ∝ 1/(k+1), by inverting the continuous 1/x
/// density on `[1, n+1)`: O(1) per draw and no table to rebuild while users
/// are still seeding (the set grows during ramp-up).
pub fn zipf_rank(n: usize, rng: &mut impl Rng) -> Option<usize> {
    if n == 0 {
        return None;
    }
    let u: f64 = rng.gen();
    let x = (n as f64 + 1.0).powf(u);
    Some(((x.floor() as usize).saturating_sub(1)).min(n - 1))
}

/// One goose user's session data.
#[derive(Clone, Debug)]
pub struct Session {
    pub shared: Arc<Shared>,
    /// The hot links this user seeded (also in the shared registry).
    pub own_hot: Vec<KnownLink>,
    /// Links this user created during the run and may patch or delete. Never
    /// redirected to: a patch changes where they point and a delete removes
    /// them, and the redirect check must know the answer in advance.
    pub churn: VecDeque<KnownLink>,
    /// The key its `/api/v1` requests present (its `Debug` hides it).
    pub key: Option<ApiKey>,
    /// The id of the author key made for this user, revoked in `on_stop`.
    pub own_key_id: Option<String>,
}

impl Session {
    pub fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            own_hot: Vec::new(),
            churn: VecDeque::new(),
            key: None,
            own_key_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    //! The skew is what makes the mix realistic; these pin its shape.
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn zipf_ranks_stay_in_range_and_favour_low_ranks() {
        let mut rng = StdRng::seed_from_u64(7);
        assert_eq!(zipf_rank(0, &mut rng), None);
        assert_eq!(zipf_rank(1, &mut rng), Some(0));
        let n = 100;
        let mut counts = vec![0usize; n];
        for _ in 0..100_000 {
            let r = zipf_rank(n, &mut rng).expect("n > 0");
            counts[r] += 1;
        }
        // P(0) = ln 2 / ln 101 ≈ 15 %; the top 10 ranks take ≈ 52 %.
        let top: usize = counts[..10].iter().sum();
        assert!(
            (13_000..17_000).contains(&counts[0]),
            "rank 0: {}",
            counts[0]
        );
        assert!((48_000..56_000).contains(&top), "top 10: {top}");
        assert!(counts[0] > counts[1] && counts[1] > counts[5] && counts[5] > counts[50]);
        assert!(counts[n - 1] > 0, "the tail is still visited");
    }

    #[test]
    fn pick_hot_draws_only_seeded_links() {
        let shared = Shared::new(2, Access::default());
        assert_eq!(shared.pick_hot(), None);
        let link = KnownLink {
            code: "abc".into(),
            url: "https://example.org/a".into(),
        };
        shared.add_hot(link.clone());
        assert_eq!(shared.pick_hot(), Some(link));
    }
}
