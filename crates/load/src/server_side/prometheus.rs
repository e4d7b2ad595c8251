//! The little of Prometheus's HTTP API the server-side figures need, on
//! prometheus-http-query (built on the reqwest goose uses): instant queries
//! and "has every target been scraped since T" (the targets API). Every expression pins
//! its own instants with `@` (fractions of a second), so queries are
//! evaluated at Prometheus's "now" and the crate's whole-second `at` is not
//! needed.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use prometheus_http_query::response::ActiveTarget;
use prometheus_http_query::TargetState;

/// One series of an instant vector: its labels and value.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Sample {
    pub fn label(&self, name: &str) -> &str {
        self.labels.get(name).map_or("", String::as_str)
    }
}

/// A Prometheus server, by its base URL (`http://127.0.0.1:9090`).
#[derive(Clone)]
pub struct Prometheus {
    base: String,
    client: prometheus_http_query::Client,
}

/// Seconds since the epoch, as Prometheus's API takes times.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Prometheus {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let base = base.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("--prometheus {base}: an http:// or https:// URL is required");
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        let client = prometheus_http_query::Client::from(http, &base)
            .with_context(|| format!("--prometheus {base}"))?;
        Ok(Self { base, client })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    /// An instant query (POSTed: the expressions are long): the vector's
    /// series. Any other result type is an error, as is a failed query.
    pub async fn query(&self, expr: &str) -> anyhow::Result<Vec<Sample>> {
        let answer = self
            .client
            .query(expr)
            .post()
            .await
            .with_context(|| format!("Prometheus at {} did not answer `{expr}`", self.base))?;
        let Some(vector) = answer.data().as_vector() else {
            bail!("`{expr}` did not give a vector");
        };
        Ok(vector
            .iter()
            .map(|v| Sample {
                labels: v.metric().clone().into_iter().collect(),
                value: v.sample().value(),
            })
            .collect())
    }

    /// Waits until every active target of `jobs` (the config's targets, from
    /// the targets API: a restart on a new config leaves the old one's `up`
    /// series answering queries for minutes) was scraped after `after`, and
    /// successfully (a failed scrape leaves the counters stale), so the
    /// latest samples hold everything done before it; returns the instant to
    /// query those samples at and whether that happened within `bound`. The
    /// instant is taken after Prometheus answered, so it is not before the
    /// scrapes the answer saw (Prometheus and this host share a clock: the
    /// role puts both on host 2).
    pub async fn settle(&self, jobs: &[&str], after: f64, bound: Duration) -> (f64, bool) {
        let started = Instant::now();
        loop {
            let seen = self.client.targets(Some(TargetState::Active)).await;
            let at = now();
            let settled = seen.is_ok_and(|targets| {
                let mut ours = targets
                    .active()
                    .iter()
                    .filter(|t| jobs.contains(&t.labels().get("job").map_or("", String::as_str)));
                let scraped = |t: &ActiveTarget| {
                    t.health().is_up()
                        && t.last_scrape().unix_timestamp_nanos() as f64 / 1e9 > after
                };
                ours.clone().count() > 0 && ours.all(scraped)
            });
            if settled || started.elapsed() >= bound {
                return (at, settled);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}
