//! k6-style pass/fail thresholds (`--max-error-rate 0.1%`, `--max-p95-ms 50`,
//! `--max-p95-ms 'GET /{code}=20'`): parsed before goose sees the command
//! line, judged on the finished run, and any breach makes the exit non-zero.

use std::fmt;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use crate::summary::EndpointStats;

/// Every request name the mixes produce, as reports print them.
pub const ENDPOINTS: &[&str] = &[
    "GET /{code}",
    "POST /api/v1/links",
    "GET /api/v1/links/{code}",
    "PATCH /api/v1/links/{code}",
    "DELETE /api/v1/links/{code}",
    "GET /api/v1/links",
    "GET /api/v1/stats",
    "GET /healthz",
];

/// What a threshold bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Metric {
    /// Failed requests as a percent of all requests.
    ErrorRate,
    /// The 95th percentile response time, in milliseconds.
    P95,
    /// The 99th percentile response time, in milliseconds.
    P99,
}

/// One upper bound, on all requests together or on one endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    pub metric: Metric,
    /// `None`: all requests together (goose's "Aggregated" row).
    pub endpoint: Option<String>,
    /// Percent for the error rate, milliseconds for percentiles; inclusive.
    pub limit: f64,
}

impl Threshold {
    /// Parses a flag's value: `LIMIT` or `ENDPOINT=LIMIT`, the limit a number
    /// (a trailing `%` allowed for the error rate, `ms` for percentiles).
    pub fn parse(metric: Metric, text: &str) -> anyhow::Result<Self> {
        let (endpoint, limit) = match text.rsplit_once('=') {
            Some((endpoint, limit)) => (Some(endpoint.trim().to_string()), limit.trim()),
            None => (None, text.trim()),
        };
        if let Some(endpoint) = &endpoint {
            if !ENDPOINTS.contains(&endpoint.as_str()) {
                bail!(
                    "unknown endpoint {endpoint:?} in threshold {text:?}; known: {}",
                    ENDPOINTS.join(", ")
                );
            }
        }
        let number = match metric {
            Metric::ErrorRate => limit.strip_suffix('%').unwrap_or(limit),
            Metric::P95 | Metric::P99 => limit.strip_suffix("ms").unwrap_or(limit),
        };
        let limit: f64 = number
            .trim()
            .parse()
            .with_context(|| format!("threshold {text:?}: {limit:?} is not a number"))?;
        if !limit.is_finite() || limit < 0.0 || (metric == Metric::ErrorRate && limit > 100.0) {
            bail!("threshold {text:?} is out of range");
        }
        Ok(Self {
            metric,
            endpoint,
            limit,
        })
    }

    /// What the run measured for this threshold, `None` without samples.
    pub fn observe(&self, overall: &EndpointStats, endpoints: &[EndpointStats]) -> Option<f64> {
        let stats = match &self.endpoint {
            None => overall,
            Some(name) => endpoints.iter().find(|e| &e.name == name)?,
        };
        if stats.requests == 0 {
            return None;
        }
        Some(match self.metric {
            Metric::ErrorRate => stats.error_rate_pct,
            Metric::P95 => stats.p95_ms,
            Metric::P99 => stats.p99_ms,
        })
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.metric {
            Metric::ErrorRate => write!(f, "error rate <= {}%", self.limit)?,
            Metric::P95 => write!(f, "p95 <= {} ms", self.limit)?,
            Metric::P99 => write!(f, "p99 <= {} ms", self.limit)?,
        }
        if let Some(endpoint) = &self.endpoint {
            write!(f, " for {endpoint}")?;
        }
        Ok(())
    }
}

/// A judged threshold.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Verdict {
    pub threshold: String,
    /// `None`: no samples, which fails (a bound on nothing proves nothing).
    pub observed: Option<f64>,
    pub passed: bool,
}

/// Judges every threshold against the run's statistics.
pub fn judge(
    thresholds: &[Threshold],
    overall: &EndpointStats,
    endpoints: &[EndpointStats],
) -> Vec<Verdict> {
    thresholds
        .iter()
        .map(|t| {
            let observed = t.observe(overall, endpoints);
            Verdict {
                threshold: t.to_string(),
                observed,
                passed: observed.is_some_and(|o| o <= t.limit),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! Flag values parse as documented, and a breach is judged as one.
    use super::*;

    fn stats(name: &str, requests: u64, p95: f64, error_rate: f64) -> EndpointStats {
        EndpointStats {
            name: name.to_string(),
            requests,
            failures: 0,
            error_rate_pct: error_rate,
            rps: 0.0,
            p50_ms: 0.0,
            p95_ms: p95,
            p99_ms: p95,
            max_ms: p95,
            mean_ms: 0.0,
        }
    }

    #[test]
    fn parses_limits_and_endpoints() {
        let t = Threshold::parse(Metric::ErrorRate, "0.1%").unwrap();
        assert_eq!((t.limit, t.endpoint), (0.1, None));
        let t = Threshold::parse(Metric::P95, "GET /{code}=20").unwrap();
        assert_eq!(t.endpoint.as_deref(), Some("GET /{code}"));
        assert_eq!(t.limit, 20.0);
        assert_eq!(Threshold::parse(Metric::P99, "15ms").unwrap().limit, 15.0);
        assert!(Threshold::parse(Metric::P95, "GET /nope=20").is_err());
        assert!(Threshold::parse(Metric::P95, "fast").is_err());
        assert!(Threshold::parse(Metric::ErrorRate, "101%").is_err());
    }

    #[test]
    fn breaches_and_missing_samples_fail() {
        let overall = stats("Aggregated", 100, 40.0, 0.0);
        let endpoints = vec![stats("GET /{code}", 90, 25.0, 2.0)];
        let rules = [
            Threshold::parse(Metric::P95, "50").unwrap(),
            Threshold::parse(Metric::P95, "GET /{code}=20").unwrap(),
            Threshold::parse(Metric::ErrorRate, "GET /{code}=1%").unwrap(),
            Threshold::parse(Metric::P95, "GET /api/v1/stats=20").unwrap(),
        ];
        let verdicts = judge(&rules, &overall, &endpoints);
        let passed: Vec<bool> = verdicts.iter().map(|v| v.passed).collect();
        assert_eq!(passed, [true, false, false, false]);
        assert_eq!(verdicts[3].observed, None);
        assert_eq!(verdicts[1].threshold, "p95 <= 20 ms for GET /{code}");
    }
}
