//! Request metrics in the Prometheus text format (0.0.4), on the hot path
//! without a lock or an allocation: every series exists from start-up, one
//! per mounted route (and one for requests no route matched), made of
//! atomics. A request finds its series by a scan of the few routes, adds to
//! a handful of counters and leaves.
//!
//! Kept by hand rather than `prometheus-client`: that crate emits only the
//! OpenMetrics format, which would change what the harness, the comparison
//! and existing scrapes read, and its label families take a read lock and
//! a hash per lookup; the series here are known before the first request.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rocket::http::Method;
use rocket::Route;

use crate::store::{Backend, PoolStats};

/// Bucket bounds in seconds. The low end resolves the memory backend's
/// tens-of-microseconds redirects; the high end the store timeout.
const BUCKETS: [f64; 17] = [
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
    2.5, 5.0, 10.0,
];

/// Statuses are counted in one slot each from 100 to 599.
const FIRST_STATUS: u16 = 100;
const STATUSES: usize = 500;

/// The label of requests no route matched.
pub const UNMATCHED: &str = "unmatched";

/// One (method, route) series: statuses, latency buckets, sum and count.
struct Series {
    method: Method,
    /// The route's path as in OpenAPI (`/api/v1/links/{code}`).
    label: String,
    by_status: Box<[AtomicU64]>,
    /// Non-cumulative counts per bucket; the last slot is +Inf.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_nanos: AtomicU64,
    count: AtomicU64,
}

impl Series {
    fn new(method: Method, label: String) -> Series {
        Series {
            method,
            label,
            by_status: (0..STATUSES).map(|_| AtomicU64::new(0)).collect(),
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_nanos: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    fn observe(&self, status: u16, elapsed: Duration) {
        let slot = usize::from(status.saturating_sub(FIRST_STATUS)).min(STATUSES - 1);
        self.by_status[slot].fetch_add(1, Ordering::Relaxed);
        let secs = elapsed.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

/// `/api/v1/links/<code>` → `/api/v1/links/{code}`: the OpenAPI spelling.
fn route_label(rocket_path: &str) -> String {
    rocket_path.replace('<', "{").replace('>', "}")
}

/// Request counters and latency histograms per (method, route), plus gauges.
pub struct Metrics {
    in_flight: InFlight,
    hits_served: AtomicU64,
    /// One per mounted route, in mount order; then one per method for
    /// requests no route matched.
    series: Vec<Series>,
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
    /// The series of `routes` (as mounted at `/`), made before any request.
    pub fn for_routes(routes: &[Route]) -> Metrics {
        let mut series: Vec<Series> = routes
            .iter()
            .map(|r| Series::new(r.method, route_label(r.uri.path())))
            .collect();
        for method in [
            Method::Get,
            Method::Head,
            Method::Post,
            Method::Put,
            Method::Patch,
            Method::Delete,
            Method::Options,
            Method::Trace,
            Method::Connect,
        ] {
            series.push(Series::new(method, UNMATCHED.to_owned()));
        }
        Metrics {
            in_flight: InFlight::default(),
            hits_served: AtomicU64::new(0),
            series,
        }
    }

    pub fn in_flight(&self) -> InFlight {
        self.in_flight.clone()
    }

    pub fn request_started(&self) {
        self.in_flight.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a finished request; returns the route label it was counted
    /// under, for the access log. A request no route matched (`route` is
    /// `None`) counts as `unmatched`.
    pub fn request_finished(
        &self,
        method: Method,
        route: Option<&Route>,
        status: u16,
        elapsed: Duration,
    ) -> &str {
        self.in_flight.0.fetch_sub(1, Ordering::Relaxed);
        let series = self.series_of(method, route);
        series.observe(status, elapsed);
        &series.label
    }

    fn series_of(&self, method: Method, route: Option<&Route>) -> &Series {
        let found = route.and_then(|r| {
            let path: &str = r.uri.path();
            self.series
                .iter()
                .find(|s| s.method == r.method && same_path(&s.label, path))
        });
        found.unwrap_or_else(|| {
            let unmatched = |m: Method| {
                self.series
                    .iter()
                    .rev()
                    .find(|s| s.method == m && s.label == UNMATCHED)
            };
            unmatched(method)
                .or_else(|| unmatched(Method::Get))
                .expect("an unmatched series per method")
        })
    }

    pub fn hit_served(&self) {
        self.hits_served.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition format, version 0.0.4.
    pub fn render(&self, pool: Option<PoolStats>, backend: Backend) -> String {
        let mut out = String::with_capacity(8192);
        let _ = self.write(&mut out, pool, backend);
        out
    }

    fn write(
        &self,
        out: &mut String,
        pool: Option<PoolStats>,
        backend: Backend,
    ) -> std::fmt::Result {
        let sha = env!("SHORTLINK_GIT_SHA");
        let version = env!("CARGO_PKG_VERSION");
        header(
            out,
            "shortlink_build_info",
            "gauge",
            "Build and backend of this process.",
        )?;
        writeln!(out, "shortlink_build_info{{version=\"{version}\",git_sha=\"{sha}\",backend=\"{backend}\"}} 1")?;
        header(
            out,
            "shortlink_http_requests_in_flight",
            "gauge",
            "Requests being handled now.",
        )?;
        writeln!(
            out,
            "shortlink_http_requests_in_flight {}",
            self.in_flight.now()
        )?;
        header(
            out,
            "shortlink_hits_served_total",
            "counter",
            "Redirects served (hits counted).",
        )?;
        writeln!(
            out,
            "shortlink_hits_served_total {}",
            self.hits_served.load(Ordering::Relaxed)
        )?;
        if let Some(p) = pool {
            header(
                out,
                "shortlink_db_pool_connections",
                "gauge",
                "Open database connections by state.",
            )?;
            let idle = p.idle as u64;
            writeln!(
                out,
                "shortlink_db_pool_connections{{state=\"idle\"}} {idle}"
            )?;
            let busy = u64::from(p.size).saturating_sub(idle);
            writeln!(
                out,
                "shortlink_db_pool_connections{{state=\"busy\"}} {busy}"
            )?;
            header(
                out,
                "shortlink_db_pool_max_connections",
                "gauge",
                "Configured pool size.",
            )?;
            writeln!(out, "shortlink_db_pool_max_connections {}", p.max)?;
        }
        if let Some(w) = pool.and_then(|p| p.write_groups) {
            header(
                out,
                "shortlink_db_write_groups_total",
                "counter",
                "Transactions the SQLite writer committed.",
            )?;
            writeln!(out, "shortlink_db_write_groups_total {}", w.groups)?;
            header(
                out,
                "shortlink_db_grouped_writes_total",
                "counter",
                "Writes those transactions carried.",
            )?;
            writeln!(out, "shortlink_db_grouped_writes_total {}", w.writes)?;
        }
        // Only series that have seen a request, as before: an idle route
        // shows up with its first request.
        let seen: Vec<&Series> = self
            .series
            .iter()
            .filter(|s| s.count.load(Ordering::Relaxed) > 0)
            .collect();
        header(
            out,
            "shortlink_http_requests_total",
            "counter",
            "Requests answered, by route and status.",
        )?;
        for s in &seen {
            for (slot, n) in s.by_status.iter().enumerate() {
                let n = n.load(Ordering::Relaxed);
                if n > 0 {
                    let status = FIRST_STATUS as usize + slot;
                    writeln!(out, "shortlink_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}", s.method, s.label)?;
                }
            }
        }
        header(
            out,
            "shortlink_http_request_duration_seconds",
            "histogram",
            "Time from request to response, by route.",
        )?;
        for s in &seen {
            let labels = format!("method=\"{}\",route=\"{}\"", s.method, s.label);
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += s.buckets[i].load(Ordering::Relaxed);
                writeln!(out, "shortlink_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}")?;
            }
            cumulative += s.buckets[BUCKETS.len()].load(Ordering::Relaxed);
            writeln!(out, "shortlink_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {cumulative}")?;
            let sum = s.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
            writeln!(
                out,
                "shortlink_http_request_duration_seconds_sum{{{labels}}} {sum}"
            )?;
            writeln!(
                out,
                "shortlink_http_request_duration_seconds_count{{{labels}}} {cumulative}"
            )?;
        }
        Ok(())
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) -> std::fmt::Result {
    writeln!(out, "# HELP {name} {help}")?;
    writeln!(out, "# TYPE {name} {kind}")
}

/// Whether an OpenAPI-spelled label and a Rocket path name the same route.
fn same_path(label: &str, rocket_path: &str) -> bool {
    label.len() == rocket_path.len()
        && label
            .bytes()
            .zip(rocket_path.bytes())
            .all(|(a, b)| a == b || (a, b) == (b'{', b'<') || (a, b) == (b'}', b'>'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> Metrics {
        Metrics::for_routes(&crate::http::routes())
    }

    fn route(method: Method, path: &str) -> Route {
        crate::http::routes()
            .into_iter()
            .find(|r| r.method == method && r.uri.path() == path)
            .expect("a mounted route")
    }

    #[test]
    fn histogram_is_cumulative_and_counts_match() {
        let m = metrics();
        let follow = route(Method::Get, "/<code>");
        m.request_started();
        let label = m.request_finished(Method::Get, Some(&follow), 302, Duration::from_micros(80));
        assert_eq!(label, "/{code}");
        m.request_started();
        m.request_finished(Method::Get, Some(&follow), 404, Duration::from_millis(3));
        let text = m.render(None, Backend::Memory);
        assert!(text.contains(
            "shortlink_http_requests_total{method=\"GET\",route=\"/{code}\",status=\"302\"} 1"
        ));
        assert!(text.contains("le=\"0.0001\"} 1"), "{text}");
        assert!(text.contains("le=\"0.005\"} 2"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("_count{method=\"GET\",route=\"/{code}\"} 2"));
        assert!(text.contains("shortlink_http_requests_in_flight 0"));
        // Idle routes are not rendered.
        assert!(!text.contains("route=\"/healthz\""), "{text}");
    }

    #[test]
    fn unmatched_requests_have_their_own_series() {
        let m = metrics();
        m.request_started();
        let label = m.request_finished(Method::Post, None, 404, Duration::from_micros(5));
        assert_eq!(label, UNMATCHED);
        m.request_started();
        m.request_finished(Method::Trace, None, 405, Duration::from_micros(5));
        let text = m.render(None, Backend::Memory);
        assert!(
            text.contains("method=\"POST\",route=\"unmatched\",status=\"404\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("method=\"TRACE\",route=\"unmatched\",status=\"405\"} 1"),
            "{text}"
        );
    }

    #[test]
    fn routes_with_one_path_and_two_methods_are_apart() {
        let m = metrics();
        for method in [Method::Get, Method::Patch, Method::Delete] {
            let r = route(method, "/api/v1/links/<code>");
            m.request_started();
            m.request_finished(method, Some(&r), 200, Duration::from_micros(5));
        }
        let text = m.render(None, Backend::Memory);
        for method in ["GET", "PATCH", "DELETE"] {
            let line =
                format!("method=\"{method}\",route=\"/api/v1/links/{{code}}\",status=\"200\"}} 1");
            assert!(text.contains(&line), "{text}");
        }
    }
}
