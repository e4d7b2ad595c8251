//! `LoadConfig`: the load test's own options, split off the command line
//! before the rest goes to goose untouched, so every standard goose option
//! (`--host`, `--users`, `--increase-rate`, `--run-time`, `--test-plan`,
//! `--report-file`, `--throttle-requests`, `--co-mitigation`, ...) works as
//! goose documents it.

use std::path::PathBuf;

use anyhow::{bail, Context};

use crate::thresholds::{Metric, Threshold};

/// Which traffic the users send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mix {
    /// The weighted mix of visitors, integrators and dashboards (the default).
    Shortlink,
    /// `GET /healthz` only: the loader's own ceiling, to compare with `wrk`.
    Healthz,
}

impl Mix {
    pub fn name(self) -> &'static str {
        match self {
            Mix::Shortlink => "shortlink",
            Mix::Healthz => "healthz",
        }
    }
}

/// One run's configuration.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    /// Standard goose options, handed to goose as they are.
    pub goose_args: Vec<String>,
    /// `--max-error-rate`, `--max-p95-ms`, `--max-p99-ms`.
    pub thresholds: Vec<Threshold>,
    /// Compare redirects with the hit increase; off with `--no-reconcile`
    /// (an instance that others use too cannot reconcile).
    pub reconcile: bool,
    pub mix: Mix,
    /// Hot links each user of the shortlink mix seeds (`--hot-links`).
    pub hot_links_per_user: usize,
    /// Where to write the [`LoadSummary`](crate::LoadSummary) as JSON.
    pub summary_json: Option<PathBuf>,
    /// Keep goose's telnet controller (loopback by default). Off unless
    /// asked: nobody should be able to steer a load test by accident.
    pub controller: bool,
}

/// The usage of the load test's own options; goose's follow in `--help`.
pub const USAGE: &str = "\
shortlink-load: goose load test of a shortlink instance, checked by the harness's validators.

Usage: shortlink-load --host URL [load test options] [goose options]

Load test options (taken off the command line before goose parses the rest):
      --max-error-rate [ENDPOINT=]PCT  fail when failed requests exceed PCT percent
                                       (e.g. 0.1% or 'GET /{code}=0'); repeatable
      --max-p95-ms [ENDPOINT=]MS       fail when the 95th percentile exceeds MS
                                       (e.g. 50 or 'GET /{code}=20'); repeatable
      --max-p99-ms [ENDPOINT=]MS       the same for the 99th percentile
      --no-reconcile                   do not compare successful redirects with the
                                       increase of /api/v1/stats hits (shared instances)
      --mix shortlink|healthz          the weighted mix (default), or GET /healthz only
      --hot-links N                    hot links each user seeds (default 10)
      --summary-json FILE              write the run's summary as JSON
      --controller                     keep goose's telnet controller (127.0.0.1:5116)

ENDPOINT is a request name as the reports print it: GET /{code}, POST /api/v1/links,
GET /api/v1/links/{code}, PATCH /api/v1/links/{code}, DELETE /api/v1/links/{code},
GET /api/v1/links, GET /api/v1/stats, GET /healthz.
Exit status: 0 pass; 1 a threshold breached or the hits did not reconcile; 2 the run
could not be made (bad options, host unreachable).
";

impl LoadConfig {
    /// The defaults against `host`, for callers that build a run in code.
    pub fn new(host: &str) -> Self {
        Self {
            goose_args: vec!["--host".to_string(), host.to_string()],
            thresholds: Vec::new(),
            reconcile: true,
            mix: Mix::Shortlink,
            hot_links_per_user: 10,
            summary_json: None,
            controller: false,
        }
    }

    /// Adds goose options (`["--users", "4", "--run-time", "5s"]`).
    pub fn goose<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.goose_args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Splits a command line (without the program name): the load test's own
    /// options are parsed here, everything else is kept for goose in order.
    pub fn from_args<I, S>(args: I) -> anyhow::Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut config = Self {
            goose_args: Vec::new(),
            ..Self::new("")
        };
        let mut args = args.into_iter().map(Into::into);
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag.to_string(), Some(value)),
                _ => (arg.clone(), None),
            };
            let mut value = |name: &str| -> anyhow::Result<String> {
                match inline {
                    Some(v) => Ok(v.to_string()),
                    None => args.next().with_context(|| format!("{name} needs a value")),
                }
            };
            match flag.as_str() {
                "--max-error-rate" => config
                    .thresholds
                    .push(Threshold::parse(Metric::ErrorRate, &value(&flag)?)?),
                "--max-p95-ms" => config
                    .thresholds
                    .push(Threshold::parse(Metric::P95, &value(&flag)?)?),
                "--max-p99-ms" => config
                    .thresholds
                    .push(Threshold::parse(Metric::P99, &value(&flag)?)?),
                "--no-reconcile" => config.reconcile = false,
                "--controller" => config.controller = true,
                "--mix" => {
                    config.mix = match value(&flag)?.as_str() {
                        "shortlink" => Mix::Shortlink,
                        "healthz" => Mix::Healthz,
                        other => bail!("--mix is shortlink or healthz, not {other:?}"),
                    }
                }
                "--hot-links" => {
                    let v = value(&flag)?;
                    config.hot_links_per_user =
                        v.parse()
                            .ok()
                            .filter(|n| (1..=1000).contains(n))
                            .with_context(|| format!("--hot-links is 1..=1000, not {v:?}"))?;
                }
                "--summary-json" => config.summary_json = Some(PathBuf::from(value(&flag)?)),
                _ => config.goose_args.push(arg),
            }
        }
        Ok(config)
    }

    /// Whether a goose option is on the command line (`--name` or `--name=`).
    pub(crate) fn has_goose_flag(&self, name: &str) -> bool {
        self.goose_args
            .iter()
            .any(|a| a == name || a.starts_with(&format!("{name}=")))
    }
}

#[cfg(test)]
mod tests {
    //! Own options come off the line; goose's stay, in order.
    use super::*;

    #[test]
    fn own_flags_are_split_off() {
        let c = LoadConfig::from_args([
            "--host",
            "http://127.0.0.1:8000",
            "--max-error-rate",
            "0.1%",
            "-u",
            "4",
            "--max-p95-ms=GET /{code}=20",
            "--no-reconcile",
            "--run-time",
            "5s",
            "--mix",
            "healthz",
            "--summary-json",
            "s.json",
        ])
        .unwrap();
        assert_eq!(
            c.goose_args,
            [
                "--host",
                "http://127.0.0.1:8000",
                "-u",
                "4",
                "--run-time",
                "5s"
            ]
        );
        assert_eq!(c.thresholds.len(), 2);
        assert_eq!(c.thresholds[1].endpoint.as_deref(), Some("GET /{code}"));
        assert!(!c.reconcile);
        assert_eq!(c.mix, Mix::Healthz);
        assert_eq!(c.summary_json, Some(PathBuf::from("s.json")));
        assert!(c.has_goose_flag("--run-time"));
        assert!(!c.has_goose_flag("--test-plan"));
    }

    #[test]
    fn bad_own_values_are_errors() {
        assert!(LoadConfig::from_args(["--max-p95-ms"]).is_err());
        assert!(LoadConfig::from_args(["--mix", "chaos"]).is_err());
        assert!(LoadConfig::from_args(["--hot-links", "0"]).is_err());
    }
}
