//! `LoadConfig`: one clap command line. Goose's [`GooseConfiguration`]
//! derives clap's `Args`, so it is flattened in beside the load test's own
//! options: `--help` lists both, and every goose option (`--host`, `--users`,
//! `--run-time`, `--test-plan`, `--report-file`, `--threshold`, ...) is
//! parsed and documented by goose itself. `--max-error-rate`, `--max-p95-ms`
//! and `--max-p99-ms` stay as shorthands that become goose `--threshold`
//! rules.

use std::path::PathBuf;

use anyhow::{anyhow, bail};
use clap::builder::RangedU64ValueParser;
use clap::{ArgAction, CommandFactory, FromArgMatches, Parser, ValueEnum};
use goose::config::GooseConfiguration;
use goose::threshold::Threshold;
use goose::GooseError;
use shortlink_harness::endpoints::{self, Endpoint};
use shortlink_harness::{apikey, ApiKey};

/// Which traffic the users send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
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

    /// Every endpoint the mix's users call: the request names of its reports.
    pub fn endpoints(self) -> &'static [Endpoint] {
        match self {
            Mix::Shortlink => &[
                endpoints::FOLLOW_LINK,
                endpoints::CREATE_LINK,
                endpoints::READ_LINK,
                endpoints::UPDATE_LINK,
                endpoints::DELETE_LINK,
                endpoints::LIST_LINKS,
                endpoints::GET_STATS,
            ],
            Mix::Healthz => &[endpoints::HEALTH],
        }
    }
}

const BIN: &str = "shortlink-load";
const OWN: &str = "shortlink-load";
const SHORTHANDS: &str = "Threshold shorthands (each becomes a goose --threshold rule)";

/// One run's configuration: the load test's options and goose's.
#[derive(Parser, Clone, Debug)]
#[command(
    name = BIN,
    about = "shortlink-load: goose load test of a shortlink instance, checked by the harness's validators",
    long_about = None,
    after_help = after_help(),
    // As goose's own command line: a repeated option keeps its last value,
    // and a negative number is a value (goose refuses it with a reason).
    args_override_self = true,
    allow_negative_numbers = true
)]
pub struct LoadConfig {
    /// Do not compare successful redirects with the increase of /api/v1/stats
    /// hits (an instance that others use too cannot reconcile)
    #[arg(long = "no-reconcile", action = ArgAction::SetFalse, help_heading = OWN)]
    pub reconcile: bool,
    /// One of several load hosts of one run, reconciled together by
    /// shortlink-load-merge: read the hits before the start, keep the hot
    /// links (their hits count until every host is done) and write both into
    /// --summary-json instead of reconciling; needs a goose JSON --report-file
    #[arg(long = "merge-part", help_heading = OWN)]
    pub merge_part: bool,
    /// Start the users at this Unix time (seconds), once the set-up is done:
    /// load hosts given the same time start together (their clocks in sync)
    #[arg(long = "start-at", value_name = "UNIX_SECONDS", help_heading = OWN)]
    pub start_at: Option<u64>,
    /// The weighted mix, or GET /healthz only (to measure the loader)
    #[arg(long, value_enum, value_name = "MIX", default_value_t = Mix::Shortlink, help_heading = OWN)]
    pub mix: Mix,
    /// Hot links each user of the shortlink mix seeds for the redirects
    #[arg(long = "hot-links", value_name = "N", default_value_t = 10, help_heading = OWN,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=1000))]
    pub hot_links_per_user: usize,
    /// Write the run's summary as JSON
    #[arg(long, value_name = "FILE", help_heading = OWN)]
    pub summary_json: Option<PathBuf>,
    /// Keep goose's telnet controller, on 127.0.0.1:5116 (off by default:
    /// nobody should steer a load test by accident)
    #[arg(long, help_heading = OWN)]
    pub controller: bool,
    /// An admin API key: dashboards present it, each integrator gets an
    /// author key made with it (revoked at the end), the hits are read with
    /// it. Redirects carry no key. Never printed.
    #[arg(long, value_name = "KEY", env = apikey::ENV_VAR, hide_env_values = true,
          help_heading = OWN)]
    pub api_key: Option<ApiKey>,
    /// A PEM CA certificate to trust for an https:// host (added to the
    /// system's roots; certificates are always verified)
    #[arg(long, value_name = "PATH", help_heading = OWN)]
    pub ca_cert: Option<PathBuf>,
    /// The Prometheus that scrapes the target (the monitoring role's, e.g.
    /// http://127.0.0.1:9090 on the monitoring host): adds the server's
    /// requests, 5xx ratio and p99 per route, the hosts' CPU and the
    /// database's queries/s over the run to the summary and the reports
    #[arg(long, value_name = "URL", help_heading = OWN)]
    pub prometheus: Option<String>,
    /// --threshold "error-rate<=PCT[ for ENDPOINT]", e.g. 0.1% or 'GET /{code}=0'
    #[arg(long, value_name = "[ENDPOINT=]PCT", help_heading = SHORTHANDS,
          value_parser = |v: &str| shorthand("error-rate", "%", v))]
    max_error_rate: Vec<String>,
    /// --threshold "p95<=MSms[ for ENDPOINT]", e.g. 50 or 'GET /{code}=20'
    #[arg(long = "max-p95-ms", value_name = "[ENDPOINT=]MS", help_heading = SHORTHANDS,
          value_parser = |v: &str| shorthand("p95", "ms", v))]
    max_p95_ms: Vec<String>,
    /// --threshold "p99<=MSms[ for ENDPOINT]"
    #[arg(long = "max-p99-ms", value_name = "[ENDPOINT=]MS", help_heading = SHORTHANDS,
          value_parser = |v: &str| shorthand("p99", "ms", v))]
    max_p99_ms: Vec<String>,
    /// Goose's options, goose's thresholds among them.
    #[command(flatten)]
    pub goose: GooseConfiguration,
    /// The command line this was parsed from, plus what [`Self::goose`] added.
    #[arg(skip)]
    args: Vec<String>,
    /// Whether `--test-plan` was given: goose keeps the plan crate-private
    /// (`pub(crate) test_plan`, goose 0.19 src/config.rs line 190).
    #[arg(skip)]
    test_plan: bool,
    /// Why the options added with [`Self::goose`] do not parse; [`crate::run`]
    /// reports it.
    #[arg(skip)]
    invalid: Option<String>,
}

fn after_help() -> String {
    let names: Vec<String> = [Mix::Shortlink, Mix::Healthz]
        .iter()
        .flat_map(|m| m.endpoints())
        .map(Endpoint::name)
        .collect();
    format!(
        "Thresholds are goose's: --threshold 'p95<=20ms for GET /{{code}}' --threshold 'error-rate<=0.1%'. \
         A failing rule stops the run unless --no-threshold-abort; a rule for a request without samples \
         fails. Request names (ENDPOINT): {}.\n\n\
         Exit status: 0 pass; 1 a threshold failed or the hits did not reconcile; 2 the run could not \
         be made (bad options, host unreachable).",
        names.join(", ")
    )
}

/// The command line without `--api-key KEY` (or `--api-key=KEY`): what is
/// kept to re-parse goose's options holds no key, so neither does the
/// configuration's `Debug`. The key itself is in [`LoadConfig::api_key`].
fn without_key(args: Vec<String>) -> Vec<String> {
    let mut kept = Vec::with_capacity(args.len());
    let mut skip_value = false;
    for arg in args {
        if std::mem::take(&mut skip_value) {
            continue;
        }
        if arg == "--api-key" {
            skip_value = true;
        } else if !arg.starts_with("--api-key=") {
            kept.push(arg);
        }
    }
    kept
}

/// A shorthand's value, `LIMIT` or `ENDPOINT=LIMIT` (a `%` or `ms` unit
/// optional), as the goose rule `METRIC<=LIMIT[ for ENDPOINT]`.
fn shorthand(metric: &str, unit: &str, value: &str) -> Result<String, String> {
    let (endpoint, limit) = match value.rsplit_once('=') {
        Some((endpoint, limit)) => (Some(endpoint.trim()), limit),
        None => (None, value),
    };
    let limit = limit.trim();
    let number = limit.strip_suffix(unit).unwrap_or(limit).trim();
    let mut rule = format!("{metric}<={number}{unit}");
    if let Some(endpoint) = endpoint {
        rule = format!("{rule} for {endpoint}");
    }
    rule.parse::<Threshold>().map_err(goose_detail)?;
    Ok(rule)
}

/// What a goose error says: for an option, its `detail`, which its
/// `Display` leaves out.
pub(crate) fn goose_detail(e: GooseError) -> String {
    match e {
        GooseError::InvalidOption { detail, .. } => detail,
        e => e.to_string(),
    }
}

impl LoadConfig {
    /// The defaults against `host`, for callers that build a run in code.
    pub fn new(host: &str) -> Self {
        let empty = Self {
            reconcile: true,
            merge_part: false,
            start_at: None,
            mix: Mix::Shortlink,
            hot_links_per_user: 10,
            summary_json: None,
            controller: false,
            api_key: None,
            ca_cert: None,
            prometheus: None,
            max_error_rate: Vec::new(),
            max_p95_ms: Vec::new(),
            max_p99_ms: Vec::new(),
            goose: GooseConfiguration::default(),
            args: Vec::new(),
            test_plan: false,
            invalid: None,
        };
        empty.goose([format!("--host={host}")])
    }

    /// Adds goose options (`["--users", "4", "--run-time", "5s"]`): goose's
    /// part of the configuration is parsed again from every option given so
    /// far, so set `goose` fields in code after the last call. Options that
    /// do not parse make [`crate::run`] fail. Own options are not read here
    /// (an `--api-key` is dropped unseen): set them with their methods.
    pub fn goose<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self.args = without_key(std::mem::take(&mut self.args));
        match Self::from_args(self.args.clone()) {
            Ok(parsed) => {
                self.goose = parsed.goose;
                self.test_plan = parsed.test_plan;
                self.invalid = None;
            }
            Err(e) => self.invalid = Some(e.to_string()),
        }
        self
    }

    /// Presents `key` (an admin key), as `--api-key` does.
    pub fn api_key(mut self, key: ApiKey) -> Self {
        self.api_key = Some(key);
        self
    }

    /// Reads the server's side from the Prometheus at `url`, as
    /// `--prometheus` does.
    pub fn prometheus(mut self, url: &str) -> Self {
        self.prometheus = Some(url.to_string());
        self
    }

    /// Trusts the CA in `path`, as `--ca-cert` does.
    pub fn ca_cert(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_cert = Some(path.into());
        self
    }

    /// Makes this run one part of a merged run, as `--merge-part` does.
    pub fn merge_part(mut self) -> Self {
        self.merge_part = true;
        self
    }

    /// Whether the run calls `/api/v1`: the shortlink mix does, and so does
    /// the hit reconciliation (`/api/v1/stats`), here or in the merge.
    pub fn needs_key(&self) -> bool {
        self.mix == Mix::Shortlink || self.reconcile || self.merge_part
    }

    /// Whether the hits are read before the run: to reconcile them here or
    /// in the merge.
    pub(crate) fn reads_hits(&self) -> bool {
        self.reconcile || self.merge_part
    }

    /// Parses a command line (without the program name). `--help` is an
    /// `Err` too: `e.exit()` prints it and exits 0, any other error exits 2.
    pub fn from_args<I, S>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let args: Vec<String> = args.into_iter().map(Into::into).collect();
        let argv = std::iter::once(BIN.to_string()).chain(args.iter().cloned());
        let matches = Self::command().try_get_matches_from(argv)?;
        let mut config = Self::from_arg_matches(&matches)?;
        let shorthands = [
            std::mem::take(&mut config.max_error_rate),
            std::mem::take(&mut config.max_p95_ms),
            std::mem::take(&mut config.max_p99_ms),
        ];
        config
            .goose
            .threshold
            .extend(shorthands.into_iter().flatten());
        config.test_plan = matches.contains_id("test_plan");
        config.args = without_key(args);
        Ok(config)
    }

    /// Whether goose runs a `--test-plan` (which never resets its metrics).
    pub(crate) fn uses_test_plan(&self) -> bool {
        self.test_plan
    }

    /// Refuses, before any request, options that do not parse and threshold
    /// rules goose would refuse or that name a request the mix never makes
    /// (goose only warns about those once the run is over).
    pub(crate) fn check(&self) -> anyhow::Result<()> {
        if let Some(invalid) = &self.invalid {
            bail!("{invalid}");
        }

        let known = self.mix.endpoints();
        for rule in &self.goose.threshold {
            rule.parse::<Threshold>()
                .map_err(|e| anyhow!(goose_detail(e)))?;
            // Goose reads the request after the first " for ".
            let Some((_, request)) = rule.split_once(" for ") else {
                continue;
            };
            let request = request.trim();
            if !known.iter().any(|e| e.name() == request) {
                let names: Vec<String> = known.iter().map(Endpoint::name).collect();
                bail!(
                    "threshold {rule:?}: the {} mix makes no request named {request:?}; it makes {}",
                    self.mix.name(),
                    names.join(", ")
                );
            }
        }
        if self.merge_part {
            if self.summary_json.is_none() {
                bail!("--merge-part writes what the merge needs into --summary-json FILE: add it");
            }
            if !self.goose.report_file.iter().any(|f| f.ends_with(".json")) {
                bail!("--merge-part: the merge reads goose's JSON report (its latency histograms): add --report-file FILE.json");
            }
        }
        if self.needs_key() && self.api_key.is_none() {
            bail!(
                "{} (only --mix healthz --no-reconcile runs without one)",
                apikey::MISSING
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
