//! `--prometheus URL`: the server's side of a run, read from the Prometheus
//! that scrapes the deployment (the monitoring role's), beside the client's
//! figures. Per route: the requests the instances answered during the run,
//! their rate, 5xx ratio and p99; per host: CPU; per database: queries/s.
//! Then a slow redirect shows where its time went: in the service (server
//! p99 high too), the database (its queries/s, its host's CPU) or the
//! network and proxy (server p99 low, client p99 high).
//!
//! Counts are exact, not extrapolated: each counter's value at the
//! settled end minus its value at the mark taken just before the run (a
//! PromQL `@` on both sides), so they can be laid beside goose's counts.
//! CPU and queries/s are Prometheus's `rate()` over the same window.
//! The job names are the monitoring role's: `shortlink` (each instance),
//! `node` (node-exporter on every host), `mysqld` (mysqld-exporter).

pub mod prometheus;
pub mod render;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use anyhow::bail;
use serde::{Deserialize, Serialize};

pub use prometheus::Prometheus;

/// The jobs whose latest scrape must follow the run before it is read.
const JOBS: &[&str] = &["shortlink", "node", "mysqld"];
/// How long to wait for that: well over the role's 15 s scrape interval.
const SETTLE_BOUND: Duration = Duration::from_secs(60);

/// One route as the instances counted it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ServerRoute {
    /// `METHOD /route`, as goose names requests.
    pub name: String,
    pub requests: u64,
    /// Answers with a 5xx status.
    pub errors: u64,
    /// Requests per second of the run's duration.
    pub rps: f64,
    pub error_ratio_pct: f64,
    /// From the instances' latency histograms; `None` without requests.
    pub p99_ms: Option<f64>,
}

/// One host's CPU over the window, from node-exporter.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct HostCpu {
    pub instance: String,
    /// `app` (runs instances), `db` (runs the database), both, or `other`
    /// (the monitoring or load host, for example).
    pub role: String,
    pub cpu_pct: f64,
}

/// One database server's statement rate, from mysqld-exporter.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DatabaseLoad {
    pub instance: String,
    pub queries_per_sec: f64,
}

/// What `--prometheus` adds to a run's summary.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ServerSide {
    pub prometheus: String,
    /// The run as the load test timed it (its counts' denominator).
    pub run_secs: f64,
    /// From the mark before the run to the instant queried: the run plus
    /// the wait for every target's first scrape after it.
    pub window_secs: f64,
    /// False when some target was not scraped within the bound after the
    /// run: its last requests may be missing.
    pub settled: bool,
    /// Counter resets in the window (an instance restarted): the counts are
    /// then Prometheus's `increase()` estimates, not exact differences.
    #[serde(default)]
    pub counter_resets: u64,
    pub routes: Vec<ServerRoute>,
    pub hosts: Vec<HostCpu>,
    pub databases: Vec<DatabaseLoad>,
}

/// Before the run: Prometheus answers and scrapes at least one instance,
/// or the figures asked for could not be given.
pub async fn check(prometheus: &Prometheus) -> anyhow::Result<()> {
    let up = prometheus.query("up{job=\"shortlink\"}").await?;
    if up.is_empty() {
        bail!(
            "Prometheus at {} scrapes no shortlink instance (no `up{{job=\"shortlink\"}}` series)",
            prometheus.url()
        );
    }
    Ok(())
}

/// Before the run: the instant after which every target was scraped once
/// more (so the samples at it hold all requests made until now).
pub async fn mark(prometheus: &Prometheus) -> f64 {
    let (at, _) = prometheus
        .settle(JOBS, prometheus::now(), SETTLE_BOUND)
        .await;
    // A scrape stamped just before `at` reads /metrics a moment later; the
    // run must not start inside that moment, or its first requests would
    // be counted as before it.
    tokio::time::sleep(Duration::from_millis(250)).await;
    at
}

/// After the run that went from `start` to `end` (epoch seconds): waits
/// for the scrapes that follow it, then reads the figures.
pub async fn gather(prometheus: &Prometheus, start: f64, end: f64) -> anyhow::Result<ServerSide> {
    let (at, settled) = prometheus.settle(JOBS, end, SETTLE_BOUND).await;
    let run_secs = (end - start).max(0.001);
    let window = Window { start, at };

    let resets = prometheus.query(&window.resets(REQUESTS)).await?;
    let counter_resets = resets.first().map_or(0, |s| s.value.round() as u64);
    let exact = counter_resets == 0;
    let requests = window.counted(REQUESTS, "method, route", exact);
    let requests = by_route(prometheus, &requests).await?;
    let errors = window.counted(ERRORS, "method, route", exact);
    let errors = by_route(prometheus, &errors).await?;
    let p99_expr = format!(
        "histogram_quantile(0.99, {})",
        window.counted(BUCKETS, "method, route, le", exact)
    );
    let p99s = by_route(prometheus, &p99_expr).await?;
    let routes = requests
        .iter()
        .filter(|(_, n)| **n > 0.0)
        .map(|(name, n)| {
            let requests = n.round() as u64;
            let errors = errors.get(name).map_or(0, |e| e.round() as u64);
            ServerRoute {
                name: name.clone(),
                requests,
                errors,
                rps: requests as f64 / run_secs,
                error_ratio_pct: errors as f64 * 100.0 / requests as f64,
                p99_ms: p99s.get(name).filter(|v| v.is_finite()).map(|s| s * 1000.0),
            }
        })
        .collect();

    let app = hosts_of(prometheus, "shortlink", at).await?;
    let db = hosts_of(prometheus, "mysqld", at).await?;
    let cpu = prometheus.query(&window.cpu()).await?;
    let hosts = cpu
        .iter()
        .map(|s| {
            let instance = s.label("instance").to_string();
            let role = match (app.contains(&instance), db.contains(&instance)) {
                (true, true) => "app, db",
                (true, false) => "app",
                (false, true) => "db",
                (false, false) => "other",
            };
            HostCpu {
                role: role.to_string(),
                cpu_pct: s.value * 100.0,
                instance,
            }
        })
        .collect();
    let databases = prometheus
        .query(&window.queries())
        .await?
        .iter()
        .map(|s| DatabaseLoad {
            instance: s.label("instance").to_string(),
            queries_per_sec: s.value,
        })
        .collect();
    Ok(ServerSide {
        prometheus: prometheus.url().to_string(),
        run_secs,
        window_secs: at - start,
        settled,
        counter_resets,
        routes,
        hosts,
        databases,
    })
}

const REQUESTS: &str = "shortlink_http_requests_total{job=\"shortlink\"}";
const ERRORS: &str = "shortlink_http_requests_total{job=\"shortlink\",status=~\"5..\"}";
const BUCKETS: &str = "shortlink_http_request_duration_seconds_bucket{job=\"shortlink\"}";

/// The run's window as PromQL: a mark before it and the instant read.
struct Window {
    start: f64,
    at: f64,
}

impl Window {
    /// The increase of `selector`'s sum by `by` from the mark to the
    /// instant, exactly (no extrapolation). A series born during the run
    /// has no value at the mark and counts from zero (the `or`).
    fn delta(&self, selector: &str, by: &str) -> String {
        let (start, at) = (self.start, self.at);
        let end = format!("sum by ({by}) ({selector} @ {at:.3})");
        format!("({end} - (sum by ({by}) ({selector} @ {start:.3}) or 0 * {end}))")
    }

    /// The exact [`Self::delta`], or, when an instance restarted (its
    /// counters began again from zero), Prometheus's `increase()`, which
    /// allows for the reset but extrapolates to the window's edges.
    fn counted(&self, selector: &str, by: &str, exact: bool) -> String {
        match exact {
            true => self.delta(selector, by),
            false => format!(
                "sum by ({by}) (increase({selector}[{}] @ {:.3}))",
                self.range(),
                self.at
            ),
        }
    }

    fn resets(&self, selector: &str) -> String {
        format!("sum(resets({selector}[{}] @ {:.3}))", self.range(), self.at)
    }

    /// A range selector's length covering the window, in whole ms (PromQL
    /// durations take no fractions).
    fn range(&self) -> String {
        format!(
            "{}ms",
            ((self.at - self.start) * 1000.0).ceil().max(1.0) as u64
        )
    }

    /// Busy share of each host's CPUs, as the hosts' recording rule has it.
    fn cpu(&self) -> String {
        format!(
            "1 - avg by (instance) (rate(node_cpu_seconds_total{{job=\"node\",mode=\"idle\"}}[{}] @ {:.3}))",
            self.range(),
            self.at
        )
    }

    fn queries(&self) -> String {
        format!(
            "sum by (instance) (rate(mysql_global_status_queries{{job=\"mysqld\"}}[{}] @ {:.3}))",
            self.range(),
            self.at
        )
    }
}

/// A per-route vector as `METHOD /route` → value.
async fn by_route(prometheus: &Prometheus, expr: &str) -> anyhow::Result<BTreeMap<String, f64>> {
    Ok(prometheus
        .query(expr)
        .await?
        .into_iter()
        .map(|s| {
            (
                format!("{} {}", s.label("method"), s.label("route")),
                s.value,
            )
        })
        .collect())
}

/// The hosts a job scrapes: its `instance` labels without a `:port`.
async fn hosts_of(prometheus: &Prometheus, job: &str, at: f64) -> anyhow::Result<BTreeSet<String>> {
    let expr = format!("count by (instance) (up{{job=\"{job}\"}} @ {at:.3})");
    Ok(prometheus
        .query(&expr)
        .await?
        .iter()
        .map(|s| {
            let instance = s.label("instance");
            match instance.rsplit_once(':') {
                Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
                _ => instance,
            }
            .to_string()
        })
        .collect())
}
