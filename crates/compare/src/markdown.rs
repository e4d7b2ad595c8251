//! `report.md`: the findings, the report's tables (see [`crate::tables`])
//! and the plan section, which `report.html` shows verbatim too.

use std::fmt::Write as _;

use crate::plan::Backend;
use crate::report::{short, Report};
use crate::tables;

impl Report {
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
        let tables = [
            Some(tables::by_backend(self)),
            tables::per_endpoint(self),
            Some(tables::cells(self)),
        ];
        for t in tables.iter().flatten() {
            let _ = write!(o, "\n{}", t.markdown());
        }
        let _ = write!(o, "\n## {PLAN_HEADING}\n\n{}", self.plan_section());
        o
    }

    /// The bullets of the plan, versions and machine section.
    pub fn plan_section(&self) -> String {
        let mut o = String::new();
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
        if let Some(v) = &self.postgres_version {
            let _ = writeln!(o, "- PostgreSQL: {v}");
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

    /// `sqlite 8, mysql 32 connections` as the servers reported it, per
    /// store (both hit modes together) in plan order; a store whose cells
    /// disagree shows each size.
    fn pool_sizes(&self) -> String {
        let mut stores: Vec<Backend> = self.plan.backends.iter().map(|b| b.store()).collect();
        stores.dedup();
        let sizes: Vec<String> = stores
            .iter()
            .filter_map(|&b| {
                let mut seen: Vec<u32> = self
                    .cells
                    .iter()
                    .filter(|c| c.backend.store() == b)
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
}

pub const PLAN_HEADING: &str = "Plan, versions, machine";
