//! The report: everything measured and how, as `summary.json` (for tools),
//! `report.md` (for a design review) and `report.html` (the same with
//! charts, see [`crate::html`]). All three are written from one [`Report`];
//! the Markdown is [`crate::markdown`]'s.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use crate::cell::CellResult;
use crate::findings;
use crate::plan::Plan;
use crate::procfs::Machine;
use crate::stats::{self, Aggregate, EndpointAggregate, Spread};

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
    pub postgres_version: Option<String>,
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
    pub postgres_version: Option<String>,
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
        let findings = findings::findings(
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
            finished_at: crate::run::now_rfc3339(),
            complete: stopped_because.is_none() && cells.len() == plan.cells().len(),
            stopped_because,
            wall_secs,
            git_sha: ctx.git_sha.clone(),
            versions: ctx.versions.clone(),
            mariadb_version: ctx.mariadb_version.clone(),
            postgres_version: ctx.postgres_version.clone(),
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
            postgres_version: v
                .get("postgres_version")
                .and_then(|p| serde_json::from_value(p.clone()).ok())
                .flatten(),
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
        report.findings = findings::findings(
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
