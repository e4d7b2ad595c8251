//! shortlink-compare: load-tests every backend on fresh databases, the same
//! way, interleaved, and writes a report of how they compare.
//!
//! Layout, in reading order:
//! - [`plan`]: backends × levels × repetitions, the cell order, goose options.
//! - [`cell`]: one cell, start to finish, and its [`cell::CellResult`].
//! - [`database`], [`server`], [`seed`]: the fresh database, the fresh
//!   release server, the identical data set.
//! - [`procfs`]: CPU time and peak RSS from /proc, the machine.
//! - [`stats`]: medians, spread, per-endpoint numbers, findings.
//! - [`report`]: `summary.json`, and the one [`report::Report`] every file
//!   renders; [`table`] and [`tables`]: the tables, built once for
//!   `report.md` ([`markdown`]) and `report.html` ([`html`], [`charts`]).
//! - [`agreement`]: whether two runs' medians agree (`--agreement`).

mod agreement;
mod cell;
mod charts;
mod database;
mod html;
mod markdown;
mod plan;
mod procfs;
mod report;
mod seed;
mod server;
mod stats;
mod table;
mod tables;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cell::{CellResult, Env, Interrupted};
use crate::database::MysqlServer;
use crate::plan::{parse_duration, Backend, Plan};
use crate::report::{Report, RunInfo};

/// Set by the first Ctrl-C: no new cell starts, the running one is stopped.
static STOP: AtomicBool = AtomicBool::new(false);

#[derive(Parser, Debug)]
#[command(
    name = "shortlink-compare",
    about = "Load-test every shortlink backend on fresh databases and report how they compare",
    after_help = "Output: OUT/compare-<timestamp>/{report.md,report.html,summary.json,runs/*.json}.\n\
Ctrl-C stops after killing the servers it started, and writes the report of the finished cells.\n\
Exit status: 0 all cells ran without failed requests; 1 failures, a cell failed or interrupted; 2 bad options.\n\
With --agreement RUN_1 RUN_2 (report directories): 0 every median within --tolerance, 1 not."
)]
struct Cli {
    /// Backends to compare, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "memory,sqlite,mysql")]
    backends: Vec<String>,
    /// Concurrency levels (goose users), comma-separated [default: 1,8,32,128; --quick: 8].
    #[arg(long, value_delimiter = ',')]
    users: Option<Vec<usize>>,
    /// Repetitions of every cell [default: 3; --quick: 1].
    #[arg(long)]
    reps: Option<usize>,
    /// Measured seconds per cell [default: 10s, so the default 36 cells fit in 15 minutes on 2 cores; --quick: 3s].
    #[arg(long)]
    run_time: Option<String>,
    /// Unmeasured warm-up per cell with the same plan [default: 3s; --quick: 1s].
    #[arg(long)]
    warmup: Option<String>,
    /// Links seeded over HTTP into every fresh database [default: 200; --quick: 50].
    #[arg(long)]
    seed_links: Option<usize>,
    /// The shortlink server binary [default: target/release/shortlink].
    #[arg(long)]
    server: Option<PathBuf>,
    /// The Rocket.toml every server runs with, as shipped: pool sizes and
    /// timeouts of each backend's profile; `none` for Rocket's built-in defaults.
    #[arg(long, value_name = "PATH|none", default_value = "Rocket.toml")]
    config: String,
    /// Directory the report directory is created in.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// One level, one repetition, a few seconds per backend (for CI).
    #[arg(long)]
    quick: bool,
    /// An existing MySQL/MariaDB server (admin URL, no database) instead of a
    /// throwaway one; needs --i-own-this-database.
    #[arg(long)]
    mysql_url: Option<String>,
    /// Allows creating and dropping shortlink_compare_* databases on --mysql-url.
    #[arg(long)]
    i_own_this_database: bool,
    /// Measure nothing: rewrite DIR's report.md, report.html and summary.json
    /// from its summary.json with this build's findings and rendering.
    #[arg(long, value_name = "DIR")]
    rerender: Option<PathBuf>,
    /// Measure nothing: compare two finished runs' median req/s per backend
    /// and level; exit 0 only if every one is within --tolerance.
    #[arg(long, num_args = 2, value_names = ["RUN_1", "RUN_2"])]
    agreement: Option<Vec<PathBuf>>,
    /// How far (percent) a median may move between runs for --agreement.
    #[arg(long, default_value_t = 10.0)]
    tolerance: f64,
}

fn main() {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("shortlink-compare: cannot start the async runtime: {e}");
            std::process::exit(2);
        }
    };
    let code = match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("shortlink-compare: {e:#}");
            2
        }
    };
    std::process::exit(code);
}

fn plan_from(cli: &Cli) -> anyhow::Result<Plan> {
    let backends = cli
        .backends
        .iter()
        .map(|b| Backend::parse(b))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let q = cli.quick;
    let users = cli
        .users
        .clone()
        .unwrap_or_else(|| if q { vec![8] } else { vec![1, 8, 32, 128] });
    let dur = |v: &Option<String>, full: &str, quick: &str| {
        parse_duration(v.as_deref().unwrap_or(if q { quick } else { full }))
            .map_err(anyhow::Error::msg)
    };
    let plan = Plan {
        backends,
        users,
        reps: cli.reps.unwrap_or(if q { 1 } else { 3 }),
        run_time: dur(&cli.run_time, "10s", "3s")?,
        warmup: dur(&cli.warmup, "3s", "1s")?,
        seed_links: cli.seed_links.unwrap_or(if q { 50 } else { 200 }),
        quick: q,
        config: server_config(&cli.config)?,
    };
    if plan.backends.is_empty() || plan.users.is_empty() {
        bail!("--backends and --users need at least one value each");
    }
    if plan.users.iter().any(|u| !(1..=1000).contains(u)) {
        bail!("--users values are 1..=1000");
    }
    if !(1..=20).contains(&plan.reps) {
        bail!("--reps is 1..=20");
    }
    if plan.run_time < Duration::from_secs(1) {
        bail!("--run-time is at least 1s");
    }
    if plan.seed_links > 100_000 {
        bail!("--seed-links is at most 100000");
    }
    Ok(plan)
}

fn server_binary(cli: &Cli) -> anyhow::Result<PathBuf> {
    let path = match &cli.server {
        Some(p) => p.clone(),
        None => {
            let local = PathBuf::from("target/release/shortlink");
            // Beside our own binary when we are a release build elsewhere.
            let beside = std::env::current_exe()
                .ok()
                .and_then(|e| e.parent().map(|d| d.join("shortlink")))
                .filter(|p| p.parent().is_some_and(|d| d.ends_with("release")));
            match beside {
                Some(b) if !local.exists() && b.exists() => b,
                _ => local,
            }
        }
    };
    if !path.is_file() {
        bail!(
            "no server binary at {} (build it: cargo build --release -p shortlink, or pass --server)",
            path.display()
        );
    }
    Ok(std::fs::canonicalize(&path)?)
}

/// `--config`, made absolute (the servers run in a scratch directory).
fn server_config(arg: &str) -> anyhow::Result<Option<String>> {
    if arg == "none" {
        return Ok(None);
    }
    let path = Path::new(arg);
    if !path.is_file() {
        bail!(
            "no Rocket.toml at {arg}: run from the repository root, pass --config PATH, \
             or --config none for Rocket's built-in defaults"
        );
    }
    Ok(Some(std::fs::canonicalize(path)?.display().to_string()))
}

pub fn now_rfc3339() -> String {
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

async fn run(cli: Cli) -> anyhow::Result<i32> {
    if let Some(runs) = &cli.agreement {
        let throughput = |dir: &PathBuf| -> anyhow::Result<_> {
            Ok(agreement::throughput(&Report::rerender(dir)?.aggregates))
        };
        let rows = agreement::rows(
            &throughput(&runs[0])?,
            &throughput(&runs[1])?,
            cli.tolerance,
        );
        if rows.is_empty() {
            bail!("the two runs have no backend × level in common");
        }
        print!("{}", agreement::markdown(&rows, cli.tolerance));
        return Ok(if rows.iter().all(|r| r.within) { 0 } else { 1 });
    }
    if let Some(dir) = &cli.rerender {
        Report::rerender(dir)?.write(dir)?;
        eprintln!("shortlink-compare: rewrote the report in {}", dir.display());
        return Ok(0);
    }
    let plan = plan_from(&cli)?;
    let binary = server_binary(&cli)?;
    if cli.mysql_url.is_some() && !cli.i_own_this_database {
        bail!("--mysql-url writes to a server this tool did not start: add --i-own-this-database to allow creating and dropping shortlink_compare_* databases there");
    }
    // Ours before goose's: goose then keeps this one (ctrlc allows one
    // handler), and its killswitch is still how a running load test stops.
    ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            // Second Ctrl-C: leave now. Every child dies with us
            // (PR_SET_PDEATHSIG), so nothing is left running.
            eprintln!("shortlink-compare: second Ctrl-C, exiting now");
            std::process::exit(130);
        }
        eprintln!("shortlink-compare: Ctrl-C, stopping (again to exit at once)");
        goose::trigger_killswitch("Ctrl-C in shortlink-compare");
    })
    .context("install the Ctrl-C handler")?;

    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    let out_dir = cli.out.join(format!("compare-{stamp}"));
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

    let mut mysql = match (&cli.mysql_url, plan.backends.contains(&Backend::Mysql)) {
        (_, false) => None,
        (Some(url), true) => Some(MysqlServer::External(url.clone())),
        (None, true) => Some(MysqlServer::throwaway().context("start a throwaway MariaDB")?),
    };
    let mut info = RunInfo {
        started_at: now_rfc3339(),
        git_sha: git_sha(),
        versions: BTreeMap::new(),
        mariadb_version: mysql.as_ref().map(MysqlServer::version),
        machine: procfs::Machine::probe(),
        plan: plan.clone(),
        server_binary: binary.display().to_string(),
    };

    let outcome = run_cells(
        &plan,
        &binary,
        &out_dir,
        &scratch,
        mysql.as_ref(),
        &mut info,
    )
    .await;
    if let Some(m) = mysql.as_mut() {
        m.stop();
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let (results, stopped, wall) = outcome;
    let report = Report::build(&info, &results, stopped.clone(), wall);
    report.write(&out_dir)?;
    eprintln!("{}", report.findings.join("\n"));
    eprintln!("shortlink-compare: report in {}", out_dir.display());
    let failures: u64 = results.iter().map(|c| c.failures).sum();
    Ok(if stopped.is_none() && failures == 0 {
        0
    } else {
        1
    })
}

/// Runs the cells in order until done, Ctrl-C or a failed cell; writes the
/// report after every cell so even a hard kill leaves the finished ones.
async fn run_cells(
    plan: &Plan,
    binary: &Path,
    out_dir: &Path,
    scratch: &Path,
    mysql: Option<&MysqlServer>,
    info: &mut RunInfo,
) -> (Vec<CellResult>, Option<String>, f64) {
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
    let env = Env {
        plan,
        server_binary: binary,
        out_dir,
        scratch,
        mysql,
    };
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
        let outcome = tokio::time::timeout(budget, cell::run(&env, cell, &stop)).await;
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
        if let Err(e) = partial.write(out_dir) {
            bar.suspend(|| eprintln!("shortlink-compare: cannot write the report so far: {e:#}"));
        }
    }
    bar.finish_and_clear();
    if let Some(why) = &stopped {
        eprintln!("shortlink-compare: stopped: {why}");
    }
    (results, stopped, started.elapsed().as_secs_f64())
}
