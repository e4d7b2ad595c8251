//! The report: everything measured and how, as `summary.json` (for tools),
//! `report.md` (for a design review) and `report.html` (the same with
//! charts, see [`crate::html`]). All three are written from one [`Report`].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use crate::cell::CellResult;
use crate::plan::Plan;
use crate::procfs::Machine;
use crate::stats::{self, Aggregate, EndpointAggregate, Spread, SPREAD_FLAG_PCT};

/// The machine-readable summary; `report.md` and `report.html` render it.
#[derive(Debug, Serialize)]
pub struct Report {
    /// `shortlink-compare/1`: bump when a key changes meaning.
    pub schema: &'static str,
    pub started_at: String,
    pub finished_at: String,
    /// False when Ctrl-C (or a failed cell) cut the run short; the numbers
    /// are then those of the cells that finished.
    pub complete: bool,
    pub stopped_because: Option<String>,
    pub wall_secs: f64,
    pub git_sha: String,
    /// What `/version` answered, per backend.
    pub versions: BTreeMap<String, serde_json::Value>,
    pub mariadb_version: Option<String>,
    pub machine: Machine,
    pub plan: Plan,
    /// The goose options every measured run got (`{users}` stands for the level).
    pub goose_args: Vec<String>,
    pub server_binary: String,
    pub cells_planned: usize,
    pub busiest_users: Option<usize>,
    pub aggregates: Vec<Aggregate>,
    pub endpoints_busiest: Vec<EndpointAggregate>,
    pub findings: Vec<String>,
    pub cells: Vec<CellResult>,
}

/// Everything a report is made from besides the cells.
pub struct RunInfo {
    pub started_at: String,
    pub git_sha: String,
    pub versions: BTreeMap<String, serde_json::Value>,
    pub mariadb_version: Option<String>,
    pub machine: Machine,
    pub plan: Plan,
    pub server_binary: String,
}

impl Report {
    pub fn build(
        ctx: &RunInfo,
        cells: &[CellResult],
        stopped_because: Option<String>,
        wall_secs: f64,
    ) -> Report {
        let plan = &ctx.plan;
        let levels: Vec<usize> = plan.users.clone();
        let aggregates = stats::aggregates(cells, &plan.backends, &levels);
        let busiest = levels
            .iter()
            .copied()
            .filter(|u| cells.iter().any(|c| c.users == *u))
            .max();
        let endpoints_busiest = busiest.map_or_else(Vec::new, |u| {
            stats::endpoint_aggregates(cells, &plan.backends, u)
        });
        let mut machine = ctx.machine.clone();
        machine.loadavg_end = crate::procfs::loadavg_text();
        let findings = stats::findings(
            &aggregates,
            &endpoints_busiest,
            &levels,
            &machine.loadavg_start,
        );
        let mut goose_args = plan.goose_args(0, plan.run_time);
        for a in goose_args.iter_mut().filter(|a| *a == "0") {
            *a = "{users}".to_string();
        }
        goose_args.extend(["--report-file".into(), "runs/{cell}.json".into()]);
        Report {
            schema: "shortlink-compare/1",
            started_at: ctx.started_at.clone(),
            finished_at: crate::now_rfc3339(),
            complete: stopped_because.is_none() && cells.len() == plan.cells().len(),
            stopped_because,
            wall_secs,
            git_sha: ctx.git_sha.clone(),
            versions: ctx.versions.clone(),
            mariadb_version: ctx.mariadb_version.clone(),
            machine,
            plan: plan.clone(),
            goose_args,
            server_binary: ctx.server_binary.clone(),
            cells_planned: plan.cells().len(),
            busiest_users: busiest,
            aggregates,
            endpoints_busiest,
            findings,
            cells: cells.to_vec(),
        }
    }

    /// Rebuilds a report from a `summary.json` this tool wrote, with the
    /// current findings and rendering; the measurements and the run's own
    /// times and load averages are kept as they were.
    pub fn rerender(dir: &Path) -> anyhow::Result<Report> {
        let path = dir.join("summary.json");
        let v: serde_json::Value = serde_json::from_slice(
            &std::fs::read(&path).with_context(|| format!("read {}", path.display()))?,
        )?;
        let field = |k: &str| -> anyhow::Result<serde_json::Value> {
            v.get(k)
                .cloned()
                .with_context(|| format!("summary.json lacks {k}"))
        };
        let machine: Machine = serde_json::from_value(field("machine")?)?;
        let info = RunInfo {
            started_at: serde_json::from_value(field("started_at")?)?,
            git_sha: serde_json::from_value(field("git_sha")?)?,
            versions: serde_json::from_value(field("versions")?)?,
            mariadb_version: serde_json::from_value(field("mariadb_version")?)?,
            machine: machine.clone(),
            plan: serde_json::from_value(field("plan")?)?,
            server_binary: serde_json::from_value(field("server_binary")?)?,
        };
        let cells: Vec<CellResult> = serde_json::from_value(field("cells")?)?;
        let mut report = Report::build(
            &info,
            &cells,
            serde_json::from_value(field("stopped_because")?)?,
            serde_json::from_value(field("wall_secs")?)?,
        );
        report.finished_at = serde_json::from_value(field("finished_at")?)?;
        report.machine = machine;
        report.findings = stats::findings(
            &report.aggregates,
            &report.endpoints_busiest,
            &report.plan.users,
            &report.machine.loadavg_start,
        );
        Ok(report)
    }

    /// Writes `summary.json`, `report.md` and `report.html` into `dir`.
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let json = serde_json::to_vec_pretty(self)?;
        std::fs::write(dir.join("summary.json"), json).context("write summary.json")?;
        std::fs::write(dir.join("report.md"), self.markdown()).context("write report.md")?;
        std::fs::write(dir.join("report.html"), crate::html::render(self))
            .context("write report.html")?;
        Ok(())
    }

    /// `sqlite 8, mysql 32 connections` as the servers reported it, per
    /// backend in plan order; a backend whose cells disagree shows each size.
    fn pool_sizes(&self) -> String {
        let sizes: Vec<String> = self
            .plan
            .backends
            .iter()
            .filter_map(|&b| {
                let mut seen: Vec<u32> = self
                    .cells
                    .iter()
                    .filter(|c| c.backend == b)
                    .filter_map(|c| c.pool_max_connections)
                    .collect();
                seen.sort_unstable();
                seen.dedup();
                let list: Vec<String> = seen.iter().map(u32::to_string).collect();
                (!list.is_empty()).then(|| format!("{b} {}", list.join("/")))
            })
            .collect();
        if sizes.is_empty() {
            "not recorded".into()
        } else {
            format!("{} connections (memory has none)", sizes.join(", "))
        }
    }

    pub fn markdown(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "# shortlink backend comparison\n");
        let _ = writeln!(
            o,
            "{} · git `{}` · {} of {} cells{} · {:.0} s wall\n",
            self.started_at,
            short(&self.git_sha),
            self.cells.len(),
            self.cells_planned,
            match (&self.complete, &self.stopped_because) {
                (true, _) => String::new(),
                (false, Some(why)) => format!(" · **partial: {why}**"),
                (false, None) => " · **partial**".to_string(),
            },
            self.wall_secs
        );
        let _ = writeln!(o, "## Findings\n");
        for f in &self.findings {
            let _ = writeln!(o, "- {f}");
        }
        let _ = writeln!(o, "\n## By backend and concurrency\n");
        let _ = writeln!(
            o,
            "Medians over the repetitions, min–max in brackets. ⚠ marks a req/s spread over {SPREAD_FLAG_PCT:.0}% of the median. CPU-ms/req is the server's (+ mariadbd's) CPU time over the measured run divided by the requests it served; RSS is the peak (VmHWM).\n"
        );
        let _ = writeln!(
            o,
            "| backend | users | req/s | p50 ms | p95 ms | p99 ms | errors % | CPU-ms/req | peak RSS MiB | reps |"
        );
        let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for a in &self.aggregates {
            let _ = writeln!(
                o,
                "| {} | {} | {}{} | {} | {} | {} | {:.3} | {} | {} | {} |",
                a.backend,
                a.users,
                spread(&a.rps, 0),
                if a.rps.flagged { " ⚠" } else { "" },
                spread(&a.p50_ms, 2),
                spread(&a.p95_ms, 2),
                spread(&a.p99_ms, 2),
                a.error_rate_pct.median,
                with_db(
                    a.server_cpu_ms_per_request.median,
                    a.db_cpu_ms_per_request.as_ref(),
                    3
                ),
                with_db(a.server_peak_rss_mib.median, a.db_peak_rss_mib.as_ref(), 0),
                a.reps
            );
        }
        if let Some(top) = self.busiest_users {
            let _ = writeln!(o, "\n## Per endpoint at {top} users\n");
            let _ = writeln!(
                o,
                "| backend | endpoint | req/s | p50 ms | p95 ms | p99 ms | errors % |"
            );
            let _ = writeln!(o, "|---|---|---:|---:|---:|---:|---:|");
            for e in &self.endpoints_busiest {
                let _ = writeln!(
                    o,
                    "| {} | `{}` | {:.1} | {:.2} | {:.2} | {:.2} | {:.3} |",
                    e.backend,
                    e.endpoint,
                    e.rps.median,
                    e.p50_ms.median,
                    e.p95_ms.median,
                    e.p99_ms.median,
                    e.error_rate_pct.median
                );
            }
        }
        let _ = writeln!(o, "\n## Every cell, in run order\n");
        let _ = writeln!(
            o,
            "| cell | req/s | p99 ms | failed | hits | server CPU-ms/req | server RSS MiB | mariadbd CPU-ms/req | load 1m |"
        );
        let _ = writeln!(o, "|---|---:|---:|---:|---|---:|---:|---:|---:|");
        for c in &self.cells {
            let _ = writeln!(
                o,
                "| {} | {:.0} | {:.2} | {} | {} | {:.3} | {:.0} | {} | {:.2} |",
                c.id,
                c.rps,
                c.overall.p99_ms,
                c.failures,
                match c.hits_reconciled {
                    Some(true) => "match",
                    Some(false) => "MISMATCH",
                    None => "-",
                },
                c.server_cpu_ms_per_request,
                c.server_peak_rss_mib,
                c.db_cpu_ms_per_request
                    .map_or("-".to_string(), |v| format!("{v:.3}")),
                c.loadavg_1m
            );
        }
        let _ = writeln!(o, "\n## Plan, versions, machine\n");
        let p = &self.plan;
        let _ = writeln!(
            o,
            "- Backends {}; users {:?}; {} repetition(s); order: for each repetition, for each level, every backend in turn.",
            p.backends.iter().map(|b| b.name()).collect::<Vec<_>>().join(", "),
            p.users,
            p.reps
        );
        let _ = writeln!(
            o,
            "- Each cell: a fresh database (memory: none; SQLite: a new file in a temp dir; MySQL: a new database on one throwaway MariaDB started for the whole run), a fresh server (`{}`), {} links seeded over HTTP (same codes and URLs for every backend), {:.0} s warm-up with the same plan, then the measured run.",
            self.server_binary, p.seed_links, p.warmup.as_secs_f64()
        );
        let _ = writeln!(
            o,
            "- Server configuration: {}; database pool: {}.",
            p.config.as_deref().map_or_else(
                || "Rocket's built-in defaults (no Rocket.toml)".to_string(),
                |c| format!("`{c}`, each backend's profile, the cell's database URL and port from the environment")
            ),
            self.pool_sizes()
        );
        let _ = writeln!(o, "- Goose options of every measured run: `{}` (shortlink-load's weighted mix, hit reconciliation on).", self.goose_args.join(" "));
        for (backend, v) in &self.versions {
            let _ = writeln!(o, "- `/version` on {backend}: `{v}`");
        }
        if let Some(v) = &self.mariadb_version {
            let _ = writeln!(o, "- MariaDB: {v}");
        }
        let m = &self.machine;
        let _ = writeln!(
            o,
            "- Machine: {} cores ({}), {} MiB memory, Linux {}; load average {} at the start, {} at the end. The load generator runs on the same cores as the servers.",
            m.cores, m.cpu_model, m.mem_total_mib, m.kernel, m.loadavg_start, m.loadavg_end
        );
        let _ = writeln!(
            o,
            "- Raw goose JSON of every run: `runs/<cell>.json`; all numbers: `summary.json`."
        );
        o
    }
}

/// `1234 (1200–1300)`, or the bare value for a single repetition.
pub fn spread(s: &Spread, decimals: usize) -> String {
    if s.n <= 1 {
        format!("{:.*}", decimals, s.median)
    } else {
        format!(
            "{:.*} ({:.*}–{:.*})",
            decimals, s.median, decimals, s.min, decimals, s.max
        )
    }
}

/// The server's number, then mariadbd's in brackets when there is one.
pub fn with_db(server: f64, db: Option<&Spread>, decimals: usize) -> String {
    match db {
        Some(d) => format!("{:.*} (+{:.*} db)", decimals, server, decimals, d.median),
        None => format!("{server:.decimals$}"),
    }
}

pub fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}
