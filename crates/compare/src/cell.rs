//! One cell, start to finish: fresh database, fresh server, seed, warm-up,
//! the measured goose run, /proc samples around it, stop. What it measured
//! is a [`CellResult`].

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use shortlink_harness::ApiKey;
use shortlink_load::{EndpointStats, LoadConfig};

use crate::admin_key::AdminKey;
use crate::database::{CellDb, MysqlServer};
use crate::pg_server::PgServer;
use crate::plan::{Backend, Cell, Plan};
use crate::procfs;
use crate::server::Server;

/// What one cell measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CellResult {
    pub id: String,
    pub backend: Backend,
    pub users: usize,
    pub rep: usize,
    /// The 1-minute load average just before the measured run.
    pub loadavg_1m: f64,
    pub duration_secs: u64,
    pub requests: u64,
    pub failures: u64,
    pub transaction_failures: u64,
    pub error_rate_pct: f64,
    pub rps: f64,
    /// Whether every successful redirect added exactly one hit.
    pub hits_reconciled: Option<bool>,
    pub overall: EndpointStats,
    pub endpoints: Vec<EndpointStats>,
    /// Every request the server answered between the two CPU samples: the
    /// load test's, plus its two `/api/v1/stats` reads, its clean-up
    /// deletes after the run, and the integrators' author keys made and
    /// revoked (outside goose's numbers, inside the sample window).
    pub served_requests: u64,
    pub server_cpu_ms: f64,
    pub server_cpu_ms_per_request: f64,
    /// The server's VmHWM: a fresh process per cell, so the cell's peak.
    pub server_peak_rss_mib: f64,
    /// mariadbd's, or the PostgreSQL server's (its postmaster and every
    /// child: sessions, writers), when it is ours (None for memory/SQLite
    /// cells). PostgreSQL's RSS is the summed PSS at the end of the run,
    /// while its sessions are still open: a tree has no VmHWM.
    pub db_cpu_ms: Option<f64>,
    pub db_cpu_ms_per_request: Option<f64>,
    pub db_peak_rss_mib: Option<f64>,
    /// The server's database pool size, from its `/metrics`.
    #[serde(default)]
    pub pool_max_connections: Option<u32>,
    /// SQLite: writes per committed transaction over the measured run, from
    /// the server's group-commit counters (None on other backends).
    #[serde(default)]
    pub writes_per_commit: Option<f64>,
    /// Goose's raw JSON report, relative to the report directory.
    pub goose_report: String,
    pub wall_secs: f64,
}

/// What a cell needs from the run around it.
pub(crate) struct Env<'a> {
    pub plan: &'a Plan,
    pub server_binary: &'a Path,
    /// The Rocket.toml, absolute; None: Rocket's built-in defaults.
    pub config: Option<&'a Path>,
    pub out_dir: &'a Path,
    pub scratch: &'a Path,
    pub mysql: Option<&'a MysqlServer>,
    pub postgres: Option<&'a PgServer>,
    /// Every server's bootstrap admin key, which the seeding and the load
    /// runs present.
    pub admin_key: &'a AdminKey,
}

/// The cell was cut short by Ctrl-C; its numbers are not kept.
#[derive(Debug)]
pub(crate) struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for Interrupted {}

/// Runs `cell`; also returns the server's `/version` answer.
pub(crate) async fn run(
    env: &Env<'_>,
    cell: Cell,
    stop: &dyn Fn() -> bool,
) -> anyhow::Result<(CellResult, serde_json::Value)> {
    let started = Instant::now();
    let id = cell.id();
    let db_pid = match cell.backend.store() {
        Backend::Mysql => env.mysql.and_then(MysqlServer::pid).map(DbProcess::One),
        Backend::Postgres => env.postgres.and_then(PgServer::pid).map(DbProcess::Tree),
        _ => None,
    };
    let db = CellDb::fresh(cell.backend, env.scratch, env.mysql, env.postgres)?;
    if let Some(DbProcess::One(pid)) = db_pid {
        procfs::reset_peak_rss(pid);
    }
    let log = env.scratch.join(format!("{id}.server.log"));
    let server = Server::start(
        env.server_binary,
        env.config,
        &db,
        env.admin_key,
        env.scratch,
        &log,
    )
    .await?;
    let result = measure(env, cell, &server, db_pid, stop).await;
    let stopped = server.stop();
    drop(db);
    let (mut result, version) = result?;
    stopped.with_context(|| format!("{id}: stopping the server"))?;
    let _ = std::fs::remove_file(&log);
    result.wall_secs = started.elapsed().as_secs_f64();
    Ok((result, version))
}

async fn measure(
    env: &Env<'_>,
    cell: Cell,
    server: &Server,
    db_pid: Option<DbProcess>,
    stop: &dyn Fn() -> bool,
) -> anyhow::Result<(CellResult, serde_json::Value)> {
    let id = cell.id();
    let plan = env.plan;
    let version = server.version().await.context("GET /version")?;
    crate::seed::seed(&server.base_url, env.admin_key, plan.seed_links)
        .await
        .with_context(|| format!("{id}: seeding"))?;
    if stop() {
        bail!(Interrupted);
    }
    if !plan.warmup.is_zero() {
        // The same plan, unmeasured: connection pools, SQLite's page cache
        // and InnoDB's buffer pool are warm before the numbers count.
        let mut warm = LoadConfig::new(&server.base_url)
            .goose(plan.goose_args(cell.users, plan.warmup))
            .api_key(load_key(env.admin_key));
        warm.reconcile = false;
        shortlink_load::run(warm)
            .await
            .with_context(|| format!("{id}: warm-up"))?;
        if stop() {
            bail!(Interrupted);
        }
    }

    let report: PathBuf = env.out_dir.join("runs").join(format!("{id}.json"));
    let config = LoadConfig::new(&server.base_url)
        .goose(plan.goose_args(cell.users, plan.run_time))
        .goose(["--report-file".to_string(), report.display().to_string()])
        .api_key(load_key(env.admin_key));
    // One scrape, before the CPU samples so it is not counted against the run.
    let before = server.metrics().await.context("GET /metrics")?;
    let pool_max_connections = before.pool_max_connections();
    let groups0 = before.write_groups();
    let loadavg_1m = procfs::loadavg_1m();
    let server_cpu0 = procfs::cpu_ms(server.pid()).context("server CPU before the run")?;
    let db_cpu0 = db_pid.and_then(DbProcess::cpu_ms);
    let summary = shortlink_load::run(config)
        .await
        .with_context(|| format!("{id}: load run"))?;
    let server_cpu1 = procfs::cpu_ms(server.pid()).context("server CPU after the run")?;
    let db_cpu1 = db_pid.and_then(DbProcess::cpu_ms);
    let groups1 = server
        .metrics()
        .await
        .context("GET /metrics")?
        .write_groups();
    let writes_per_commit = groups0
        .zip(groups1)
        .map(|((g0, w0), (g1, w1))| (w1 - w0) / (g1 - g0).max(1.0));
    if stop() {
        bail!(Interrupted);
    }
    let server_rss = procfs::peak_rss_kib(server.pid()).unwrap_or(0) as f64 / 1024.0;
    let db_rss = db_pid
        .and_then(DbProcess::rss_kib)
        .map(|k| k as f64 / 1024.0);

    let served = summary.requests
        + summary.links_cleaned_up
        + 2
        + summary.author_keys_created
        + summary.author_keys_revoked;
    let per_request = |ms: f64| ms / served.max(1) as f64;
    let server_cpu_ms = server_cpu1 - server_cpu0;
    let db_cpu_ms = db_cpu0.zip(db_cpu1).map(|(a, b)| b - a);
    let result = CellResult {
        id: id.clone(),
        backend: cell.backend,
        users: cell.users,
        rep: cell.rep,
        loadavg_1m,
        duration_secs: summary.duration_secs,
        requests: summary.requests,
        failures: summary.failures,
        transaction_failures: summary.transaction_failures,
        error_rate_pct: summary.error_rate_pct,
        rps: summary.rps,
        hits_reconciled: summary.reconciliation.as_ref().map(|r| r.matched),
        overall: summary.overall.clone(),
        endpoints: summary.endpoints.clone(),
        served_requests: served,
        server_cpu_ms,
        server_cpu_ms_per_request: per_request(server_cpu_ms),
        server_peak_rss_mib: server_rss,
        db_cpu_ms,
        db_cpu_ms_per_request: db_cpu_ms.map(per_request),
        db_peak_rss_mib: db_rss,
        pool_max_connections,
        writes_per_commit,
        goose_report: format!("runs/{id}.json"),
        wall_secs: 0.0,
    };
    Ok((result, version))
}

/// The database server a cell's CPU and memory are read from.
#[derive(Clone, Copy)]
enum DbProcess {
    /// mariadbd: one process, threads inside.
    One(u32),
    /// PostgreSQL: a postmaster and a process per session.
    Tree(u32),
}

impl DbProcess {
    fn cpu_ms(self) -> Option<f64> {
        match self {
            DbProcess::One(pid) => procfs::cpu_ms(pid),
            DbProcess::Tree(pid) => procfs::tree_cpu_ms(pid),
        }
    }

    fn rss_kib(self) -> Option<u64> {
        match self {
            DbProcess::One(pid) => procfs::peak_rss_kib(pid),
            DbProcess::Tree(pid) => procfs::tree_pss_kib(pid),
        }
    }
}

/// The run's admin key as the load test takes it: set in code, never as a
/// command-line option, so it is in no argument list goose keeps or reports.
fn load_key(key: &AdminKey) -> ApiKey {
    ApiKey::new(key.expose())
}

/// How long a cell may take before something is clearly wrong.
pub(crate) fn budget(plan: &Plan) -> Duration {
    Duration::from_secs_f64(plan.estimate_cell_secs() * 3.0 + 60.0)
}
