//! One comparison from start to report: the report directory, the MariaDB
//! for the whole run, the cells in plan order under a time budget each, the
//! report rewritten after every cell, and the way a stop request ends it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::admin_key::AdminKey;
use crate::cell::{self, CellResult, Env, Interrupted};
use crate::database::MysqlServer;
use crate::options::{shown, Options, Resolved};
use crate::pg_server::PgServer;
use crate::plan::{Backend, Plan};
use crate::procfs;
use crate::report::{Report, RunInfo};

/// Process-wide, because a signal handler is: no new cell starts once set.
static STOP: AtomicBool = AtomicBool::new(false);

/// What Ctrl-C does: the running cell's load test is cut short (goose's
/// killswitch), no other cell starts, and the report of the finished cells
/// is written. Returns whether a stop had already been asked.
pub fn interrupt() -> bool {
    let again = STOP.swap(true, Ordering::SeqCst);
    if !again {
        goose::trigger_killswitch("stop requested in shortlink-compare");
    }
    again
}

/// How a comparison ended.
pub struct Outcome {
    /// The `compare-<timestamp>` directory the report is in.
    pub dir: PathBuf,
    pub report: Report,
    /// Why it ended before the last cell, if it did.
    pub stopped: Option<String>,
    /// Failed requests over all cells.
    pub failures: u64,
    /// The run's admin key, dead now (its servers are stopped, its databases
    /// dropped); kept so a test can prove no file of the report holds it.
    /// Its `Debug` hides it.
    pub admin_key: AdminKey,
}

impl Outcome {
    /// Every planned cell ran and no request failed.
    pub fn success(&self) -> bool {
        self.stopped.is_none() && self.failures == 0
    }
}

/// Runs the comparison `opts` asks for and writes its report. An error is
/// a comparison that could not start (bad options, no server binary, no
/// MariaDB, an unwritable report directory); a failed or interrupted cell
/// is an [`Outcome`] that is not a success.
pub async fn run(opts: &Options) -> anyhow::Result<Outcome> {
    let Resolved {
        plan,
        server,
        config,
    } = opts.resolve()?;
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    let out_dir = opts.out.join(format!("compare-{stamp}"));
    std::fs::create_dir_all(out_dir.join("runs"))
        .with_context(|| format!("create {}", out_dir.display()))?;
    let scratch = std::env::temp_dir().join(format!("shortlink-compare-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;

    let cells = plan.cells();
    eprintln!(
        "shortlink-compare: {} cells ({} backends × {} levels × {} reps), about {:.1} min; report in {}",
        cells.len(),
        plan.backends.len(),
        plan.users.len(),
        plan.reps,
        cells.len() as f64 * plan.estimate_cell_secs() / 60.0,
        out_dir.display()
    );

    let mut mysql = match (
        &opts.mysql_url,
        plan.backends.iter().any(|b| b.store() == Backend::Mysql),
    ) {
        (_, false) => None,
        (Some(url), true) => Some(MysqlServer::External(url.clone())),
        (None, true) => Some(MysqlServer::throwaway().context("start a throwaway MariaDB")?),
    };
    let mut postgres = if plan.backends.iter().any(|b| b.store() == Backend::Postgres) {
        Some(PgServer::throwaway().context("start a throwaway PostgreSQL")?)
    } else {
        None
    };
    let mut info = RunInfo {
        started_at: now_rfc3339(),
        git_sha: git_sha(),
        versions: BTreeMap::new(),
        mariadb_version: mysql.as_ref().map(MysqlServer::version),
        postgres_version: postgres.as_ref().map(PgServer::version),
        machine: procfs::Machine::probe(),
        plan: plan.clone(),
        server_binary: shown(&server),
    };
    // One key for the whole run: every server of every cell starts with it.
    let admin_key = AdminKey::generate();
    let env = Env {
        plan: &plan,
        server_binary: &server,
        config: config.as_deref(),
        out_dir: &out_dir,
        scratch: &scratch,
        mysql: mysql.as_ref(),
        postgres: postgres.as_ref(),
        admin_key: &admin_key,
    };
    let (results, stopped, wall) = run_cells(&env, &mut info).await;
    if let Some(m) = mysql.as_mut() {
        m.stop();
    }
    if let Some(p) = postgres.as_mut() {
        p.stop();
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let report = Report::build(&info, &results, stopped.clone(), wall);
    report.write(&out_dir)?;
    eprintln!("{}", report.findings.join("\n"));
    eprintln!("shortlink-compare: report in {}", out_dir.display());
    Ok(Outcome {
        dir: out_dir,
        failures: results.iter().map(|c| c.failures).sum(),
        report,
        stopped,
        admin_key,
    })
}

/// Runs the cells in order until done, a stop request or a failed cell;
/// writes the report after every cell so even a hard kill leaves the
/// finished ones.
async fn run_cells(env: &Env<'_>, info: &mut RunInfo) -> (Vec<CellResult>, Option<String>, f64) {
    let plan: &Plan = env.plan;
    let cells = plan.cells();
    let started = Instant::now();
    let bar = ProgressBar::new(cells.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} cells · ETA {eta} · {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let stop = || STOP.load(Ordering::SeqCst);
    let mut results = Vec::new();
    let mut stopped = None;
    for cell in cells {
        if stop() {
            stopped = Some("interrupted by Ctrl-C".to_string());
            break;
        }
        bar.set_message(cell.id());
        let budget = cell::budget(plan);
        let outcome = tokio::time::timeout(budget, cell::run(env, cell, &stop)).await;
        match outcome {
            Ok(Ok((result, version))) => {
                bar.suspend(|| {
                    eprintln!(
                        "{:<16} {:>8.0} req/s  p99 {:>8.2} ms  failed {:>4}  server {:.3} CPU-ms/req  {:.0} MiB  ({:.0} s)",
                        result.id,
                        result.rps,
                        result.overall.p99_ms,
                        result.failures,
                        result.server_cpu_ms_per_request,
                        result.server_peak_rss_mib,
                        result.wall_secs
                    )
                });
                info.versions
                    .entry(cell.backend.name().to_string())
                    .or_insert(version);
                results.push(result);
            }
            Ok(Err(e)) if e.is::<Interrupted>() || stop() => {
                stopped = Some("interrupted by Ctrl-C".to_string());
                break;
            }
            Ok(Err(e)) => {
                stopped = Some(format!("{} failed: {e:#}", cell.id()));
                break;
            }
            Err(_) => {
                // The cell's future is dropped here: its server and database
                // are dropped with it, which stops the server by PID.
                stopped = Some(format!("{} took longer than {budget:?}", cell.id()));
                goose::trigger_killswitch("cell timed out");
                break;
            }
        }
        bar.inc(1);
        let partial = Report::build(
            info,
            &results,
            Some("in progress".into()),
            started.elapsed().as_secs_f64(),
        );
        if let Err(e) = partial.write(env.out_dir) {
            bar.suspend(|| eprintln!("shortlink-compare: cannot write the report so far: {e:#}"));
        }
    }
    bar.finish_and_clear();
    if let Some(why) = &stopped {
        eprintln!("shortlink-compare: stopped: {why}");
    }
    (results, stopped, started.elapsed().as_secs_f64())
}

pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn git_sha() -> String {
    std::process::Command::new("git")
        .args(["describe", "--always", "--dirty", "--abbrev=40"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "unknown".to_string(),
            |o| String::from_utf8_lossy(&o.stdout).trim().to_string(),
        )
}
