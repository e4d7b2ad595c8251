//! Logs (tracing, configured from the environment) and Prometheus metrics.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::{Level, Metadata};
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::store::{Backend, PoolStats};

/// Rocket's own launch report and per-request lines would repeat ours.
const DEFAULT_FILTER: &str = "info,rocket=warn,sqlx=warn";
const LAUNCH_BANNER_OFF: &str = "rocket::launch=error";

/// Installs the global subscriber: `SHORTLINK_LOG` is an EnvFilter directive
/// (default `info`, Rocket and sqlx at `warn`), `SHORTLINK_LOG_FORMAT=json` switches to one JSON object per line.
pub fn init_logging() {
    let mut filter =
        EnvFilter::try_from_env("SHORTLINK_LOG").unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // Rocket logs "Rocket has launched from …" at WARN on every start; our own
    // "shortlink listening" line says it at INFO. Named explicitly, it shows.
    if !std::env::var("SHORTLINK_LOG").is_ok_and(|f| f.contains("rocket::launch")) {
        filter = filter.add_directive(LAUNCH_BANNER_OFF.parse().expect("a valid directive"));
    }
    let json = std::env::var("SHORTLINK_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true);
    let no_dumps = filter_fn(|meta| !dumps_requests(meta));
    // A second init (tests that build several servers) keeps the first subscriber.
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .finish()
            .with(no_dumps)
            .try_init()
    } else {
        builder.finish().with(no_dumps).try_init()
    };
}

/// Rocket logs each request whole, its headers and so the `Authorization`
/// key among them, at DEBUG (`rocket::server`), and hyper its bytes below
/// that. Such events never pass, whatever `SHORTLINK_LOG` asks: a key must
/// not reach a log (`tests/binary/keys.rs` reads the log at `trace`).
fn dumps_requests(meta: &Metadata<'_>) -> bool {
    let target = meta.target();
    *meta.level() > Level::INFO
        && (target.starts_with("rocket::server") || target.starts_with("hyper"))
}

/// Bucket bounds in seconds. The low end resolves the memory backend's
/// tens-of-microseconds redirects; the high end the store timeout.
const BUCKETS: [f64; 17] = [
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
    2.5, 5.0, 10.0,
];

#[derive(Default)]
struct RouteSeries {
    by_status: BTreeMap<u16, u64>,
    /// Non-cumulative counts per bucket; the last slot is +Inf.
    buckets: [u64; BUCKETS.len() + 1],
    sum_seconds: f64,
    count: u64,
}

/// Request counters and latency histograms per (method, route), plus gauges.
#[derive(Default)]
pub struct Metrics {
    in_flight: InFlight,
    hits_served: AtomicU64,
    routes: Mutex<BTreeMap<(String, String), RouteSeries>>,
}

/// Requests being handled now; shared with the shutdown watch (`drain.rs`).
#[derive(Clone, Default)]
pub struct InFlight(Arc<AtomicI64>);

impl InFlight {
    pub fn now(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Metrics {
    pub fn in_flight(&self) -> InFlight {
        self.in_flight.clone()
    }

    pub fn request_started(&self) {
        self.in_flight.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn request_finished(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.in_flight.0.fetch_sub(1, Ordering::Relaxed);
        let secs = elapsed.as_secs_f64();
        let slot = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        let Ok(mut routes) = self.routes.lock() else {
            return;
        };
        let series = routes
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        *series.by_status.entry(status).or_default() += 1;
        series.buckets[slot] += 1;
        series.sum_seconds += secs;
        series.count += 1;
    }

    pub fn hit_served(&self) {
        self.hits_served.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition format, version 0.0.4.
    pub fn render(&self, pool: Option<PoolStats>, backend: Backend) -> String {
        let mut out = String::with_capacity(4096);
        let _ = self.write(&mut out, pool, backend);
        out
    }

    fn write(
        &self,
        out: &mut String,
        pool: Option<PoolStats>,
        backend: Backend,
    ) -> std::fmt::Result {
        writeln!(
            out,
            "# HELP shortlink_build_info Build and backend of this process."
        )?;
        writeln!(out, "# TYPE shortlink_build_info gauge")?;
        writeln!(
            out,
            "shortlink_build_info{{version=\"{}\",git_sha=\"{}\",backend=\"{backend}\"}} 1",
            env!("CARGO_PKG_VERSION"),
            env!("SHORTLINK_GIT_SHA")
        )?;
        writeln!(
            out,
            "# HELP shortlink_http_requests_in_flight Requests being handled now."
        )?;
        writeln!(out, "# TYPE shortlink_http_requests_in_flight gauge")?;
        writeln!(
            out,
            "shortlink_http_requests_in_flight {}",
            self.in_flight.now()
        )?;
        writeln!(
            out,
            "# HELP shortlink_hits_served_total Redirects served (hits counted)."
        )?;
        writeln!(out, "# TYPE shortlink_hits_served_total counter")?;
        writeln!(
            out,
            "shortlink_hits_served_total {}",
            self.hits_served.load(Ordering::Relaxed)
        )?;
        if let Some(p) = pool {
            writeln!(
                out,
                "# HELP shortlink_db_pool_connections Open database connections by state."
            )?;
            writeln!(out, "# TYPE shortlink_db_pool_connections gauge")?;
            let idle = p.idle as u64;
            writeln!(
                out,
                "shortlink_db_pool_connections{{state=\"idle\"}} {idle}"
            )?;
            writeln!(
                out,
                "shortlink_db_pool_connections{{state=\"busy\"}} {}",
                u64::from(p.size).saturating_sub(idle)
            )?;
            writeln!(
                out,
                "# HELP shortlink_db_pool_max_connections Configured pool size."
            )?;
            writeln!(out, "# TYPE shortlink_db_pool_max_connections gauge")?;
            writeln!(out, "shortlink_db_pool_max_connections {}", p.max)?;
        }
        if let Some(w) = pool.and_then(|p| p.write_groups) {
            writeln!(
                out,
                "# HELP shortlink_db_write_groups_total Transactions the SQLite writer committed."
            )?;
            writeln!(out, "# TYPE shortlink_db_write_groups_total counter")?;
            writeln!(out, "shortlink_db_write_groups_total {}", w.groups)?;
            writeln!(
                out,
                "# HELP shortlink_db_grouped_writes_total Writes those transactions carried."
            )?;
            writeln!(out, "# TYPE shortlink_db_grouped_writes_total counter")?;
            writeln!(out, "shortlink_db_grouped_writes_total {}", w.writes)?;
        }
        let Ok(routes) = self.routes.lock() else {
            return Ok(());
        };
        writeln!(
            out,
            "# HELP shortlink_http_requests_total Requests answered, by route and status."
        )?;
        writeln!(out, "# TYPE shortlink_http_requests_total counter")?;
        for ((method, route), s) in routes.iter() {
            for (status, n) in &s.by_status {
                writeln!(out, "shortlink_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}")?;
            }
        }
        writeln!(out, "# HELP shortlink_http_request_duration_seconds Time from request to response, by route.")?;
        writeln!(
            out,
            "# TYPE shortlink_http_request_duration_seconds histogram"
        )?;
        for ((method, route), s) in routes.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += s.buckets[i];
                writeln!(out, "shortlink_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}")?;
            }
            writeln!(
                out,
                "shortlink_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            )?;
            writeln!(
                out,
                "shortlink_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_seconds
            )?;
            writeln!(
                out,
                "shortlink_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative_and_counts_match() {
        let m = Metrics::default();
        m.request_started();
        m.request_finished("GET", "/{code}", 302, Duration::from_micros(80));
        m.request_started();
        m.request_finished("GET", "/{code}", 404, Duration::from_millis(3));
        let text = m.render(None, Backend::Memory);
        assert!(text.contains(
            "shortlink_http_requests_total{method=\"GET\",route=\"/{code}\",status=\"302\"} 1"
        ));
        assert!(text.contains("le=\"0.0001\"} 1"), "{text}");
        assert!(text.contains("le=\"0.005\"} 2"));
        assert!(text.contains("_count{method=\"GET\",route=\"/{code}\"} 2"));
        assert!(text.contains("shortlink_http_requests_in_flight 0"));
    }
}
