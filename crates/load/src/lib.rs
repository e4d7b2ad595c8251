//! shortlink-load: a goose load test whose transactions are the harness's
//! requests and validators, so a 200 or 302 with a wrong body or header is a
//! failure, not a success; plus a check that every successful redirect added
//! exactly one hit. Pass/fail rules are goose's own `--threshold`s.
//!
//! Layout, in reading order:
//! - [`scenarios`]: the weighted mix (personas and transaction weights), the
//!   counterpart of goose umami's `main.rs`.
//! - [`personas`]: the transactions, small async fns grouped by persona
//!   (visitor, integrator, dashboard, probe).
//! - [`check`]: the one shared check, goose response → harness
//!   `ResponseView` → harness validator → `set_failure`.
//! - [`session`]: the run's hot-link registry (Zipf-like picks), its admin
//!   access, and each user's own key and links.
//! - [`keys`]: the integrators' author keys, made and revoked with the
//!   admin key outside goose's numbers.
//! - [`config`]: one clap command line, own options beside goose's
//!   flattened `GooseConfiguration`; the threshold shorthands.
//! - [`reconcile`], [`summary`]: hits before/after, and the run's
//!   [`LoadSummary`].
//! - [`start`], [`merge`]: load from several hosts — started together
//!   (`--start-at`), each a `--merge-part`, merged into one report with one
//!   reconciliation (`shortlink-load-merge`).
//! - [`server_side`]: with `--prometheus`, the server's figures for the
//!   run's window, beside the client's.
//!
//! Library use (the backend comparison): `run(LoadConfig::new(host).goose([...]))`
//! in-process, or the binary's `--summary-json FILE`; both give a
//! [`LoadSummary`].

pub mod check;
pub mod config;
pub mod keys;
pub mod merge;
pub mod personas;
pub mod reconcile;
pub mod scenarios;
pub mod server_side;
pub mod session;
pub mod start;
pub mod summary;

use anyhow::{anyhow, bail, Context};
use goose::prelude::*;
use shortlink_harness::endpoints;

pub use config::{LoadConfig, Mix};
pub use goose::threshold::ThresholdResult;
pub use summary::{EndpointStats, LoadSummary, MergePart, Reconciliation};

use crate::config::goose_detail;
use crate::session::{Access, Shared};

/// Runs one load test to the end and returns what it measured. Goose prints
/// its own tables (and writes any `--report-file`) as usual; the caller
/// prints [`LoadSummary::render`] and decides on [`LoadSummary::passed`].
///
/// `Err` only when the run could not be made or judged (bad options,
/// `/api/v1/stats` unreachable or invalid); failed thresholds and a hit
/// mismatch are results, in the summary. Goose keeps process-wide state (its
/// ctrl-c switch), so runs in one process must not overlap.
pub async fn run(config: LoadConfig) -> anyhow::Result<LoadSummary> {
    config.check()?;
    let goose_config = config.goose.clone();
    let host = goose_config
        .host
        .clone()
        .filter(|h| !h.trim().is_empty())
        .context("--host URL is required (the instance to load, e.g. http://127.0.0.1:8000)")?;
    if config.reconcile && goose_config.no_metrics {
        bail!("--no-metrics leaves no redirects to reconcile with the hits; add --no-reconcile");
    }
    let report_files = goose_config.report_file.clone();
    let target = reconcile::target(&host, config.api_key.as_ref(), config.ca_cert.as_deref())?;
    if config.needs_key() {
        target.check_admin_key().await.map_err(|e| anyhow!(e))?;
    }
    let access = Access {
        admin: config.api_key.is_some().then(|| target.clone()),
        ca_certs: match &config.ca_cert {
            Some(path) => shortlink_harness::target::load_ca_cert(path)?,
            None => Vec::new(),
        },
    };
    let hits_before = match config.reads_hits() {
        true => Some(reconcile::total_hits(&target).await?),
        false => None,
    };

    let prometheus = match &config.prometheus {
        Some(url) => {
            let prometheus = server_side::Prometheus::new(url)?;
            server_side::check(&prometheus).await?;
            Some(prometheus)
        }
        None => None,
    };

    let shared = Shared::new(config.hot_links_per_user, access);
    let mut attack = GooseAttack::initialize_with_config(goose_config).map_err(goose_error)?;
    if !config.controller {
        attack = *attack
            .set_default(GooseDefault::NoTelnet, true)
            .map_err(goose_error)?;
    }
    // Goose resets its metrics once all users run; the redirects made during
    // ramp-up would then be missing from goose's counts, which the summary
    // reports beside the hits. A test plan or --iterations never resets (and
    // refuses the flag).
    if !config.uses_test_plan() && config.goose.iterations.is_none() {
        attack = *attack
            .set_default(GooseDefault::NoResetMetrics, true)
            .map_err(goose_error)?;
    }
    let attack = scenarios::register(attack, config.mix, &shared).map_err(goose_error)?;
    // The mark: every instance scraped after the set-up's requests (the
    // hits read, the key check), so the counts at it hold those and none of
    // the run's. Costs up to one scrape interval before the run.
    let started = match &prometheus {
        Some(p) => server_side::mark(p).await,
        None => server_side::prometheus::now(),
    };
    if let Some(start_at) = config.start_at {
        start::wait_until(start_at).await?;
    }
    let metrics = match attack.execute().await {
        Ok(metrics) => metrics,
        // A --threshold failed: goose has written its reports, and the
        // metrics, `metrics.thresholds` among them, come with the error.
        Err(GooseError::ThresholdsFailed { metrics, .. }) => *metrics.0,
        Err(e) => return Err(goose_error(e)),
    };

    let ended = server_side::prometheus::now();
    // Read before the reconciliation and the clean-up, whose requests are
    // not the run's (the wait for the scrapes also covers the hits' lag).
    let server_side = match &prometheus {
        Some(p) => Some(server_side::gather(p, started, ended).await),
        None => None,
    };

    let reconciliation = match hits_before {
        Some(_) if config.merge_part => None,
        Some(before) => {
            let after = reconcile::settled_hits(&target).await?;
            let redirects_ok = shared.redirects_ok();
            let delta = after as i64 - before as i64;
            Some(Reconciliation {
                redirects_ok,
                hits_before: before,
                hits_after: after,
                hits_delta: delta,
                matched: delta == redirects_ok as i64,
            })
        }
        None => None,
    };
    // A part of a merged run keeps its hot links: their hits are in the
    // total the merge reads once every host is done, and it deletes them.
    let hot_codes = shared.hot_links().into_iter().map(|l| l.code).collect();
    let (links_cleaned_up, merge_part) = match (config.merge_part, hits_before) {
        (true, Some(hits_before)) => (
            0,
            Some(MergePart {
                hits_before,
                hot_links: hot_codes,
            }),
        ),
        _ => (reconcile::delete_links(&target, &hot_codes).await.0, None),
    };
    keys::revoke_leftovers(&shared).await;
    let (author_keys_created, author_keys_revoked) = shared.author_key_counts();

    let duration_secs = metrics.duration as u64;
    let (endpoints, overall) = summary::endpoint_stats(&metrics, duration_secs);
    let transaction_failures = metrics
        .transactions
        .iter()
        .flatten()
        .map(|t| t.fail_count as u64)
        .sum();
    let summary = LoadSummary {
        host,
        mix: config.mix.name().to_string(),
        users: metrics.maximum_users,
        duration_secs,
        requests: overall.requests,
        failures: overall.failures,
        transaction_failures,
        error_rate_pct: overall.error_rate_pct,
        rps: overall.rps,
        redirects_ok: shared.redirects_ok(),
        goose_redirects_ok: goose_redirects_ok(&metrics),
        reconciliation,
        overall,
        endpoints,
        thresholds: metrics.thresholds.clone(),
        failure_samples: shared.failure_samples(),
        links_cleaned_up,
        author_keys_created,
        author_keys_revoked,
        goose_json_report: report_files.iter().find(|f| f.ends_with(".json")).cloned(),
        server_side_error: match &server_side {
            Some(Err(e)) => Some(format!("{e:#}")),
            _ => None,
        },
        server_side: server_side.and_then(Result::ok),
        merge_part,
        report_files,
    };
    if let Some(server) = &summary.server_side {
        server_side::render::append_to_reports(&summary.report_files, server, &summary.endpoints)?;
    }
    if let Some(path) = &config.summary_json {
        let json = serde_json::to_vec_pretty(&summary)?;
        std::fs::write(path, json).with_context(|| format!("write {}", path.display()))?;
    }
    Ok(summary)
}

/// Goose's success count for `GET /{code}`: 302s that passed the redirect
/// validator (`set_failure` turned the others into failures), plus, with
/// `--co-mitigation`, the synthetic requests goose back-fills.
fn goose_redirects_ok(metrics: &GooseMetrics) -> u64 {
    metrics
        .requests
        .get(&endpoints::FOLLOW_LINK.name())
        .map_or(0, |r| r.success_count as u64)
}

/// A goose error as the run's error, with the reason goose gives for an
/// option (its `Display` says only "invalid option or value specified").
fn goose_error(e: GooseError) -> anyhow::Error {
    anyhow!(goose_detail(e))
}
