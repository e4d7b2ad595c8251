//! What a comparison is asked for ([`Options`]) and what that resolves to:
//! the [`Plan`] with its defaults (full or quick) and bounds, the server
//! binary and Rocket.toml as absolute paths, and the same paths as the
//! report shows them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::bail;

use crate::plan::{Backend, Plan};

/// A comparison's settings; `None` takes the default, which `quick` makes
/// small enough for CI (8 users, 1 repetition, 3 s measured, 1 s warm-up,
/// 50 links).
#[derive(Clone, Debug)]
pub struct Options {
    pub backends: Vec<Backend>,
    /// Concurrency levels [1, 8, 32, 128; quick: 8].
    pub users: Option<Vec<usize>>,
    /// Repetitions of every cell [3; quick: 1].
    pub reps: Option<usize>,
    /// Measured time per cell [10 s, so the default 84 cells take about 26
    /// minutes on 2 cores; quick: 3 s]. Goose counts whole seconds.
    pub run_time: Option<Duration>,
    /// Unmeasured warm-up per cell [3 s; quick: 1 s]; zero skips it.
    pub warmup: Option<Duration>,
    /// Links seeded into every fresh database [200; quick: 50].
    pub seed_links: Option<usize>,
    pub quick: bool,
    /// The shortlink server [target/release/shortlink, or the one beside
    /// this program when that is a release build].
    pub server: Option<PathBuf>,
    /// The Rocket.toml every server runs with; None: Rocket's built-in
    /// defaults.
    pub config: Option<PathBuf>,
    /// Where the `compare-<timestamp>` report directory is created.
    pub out: PathBuf,
    /// A MySQL/MariaDB admin URL to create and drop `shortlink_compare_*`
    /// databases on instead of a throwaway MariaDB; the caller vouches that
    /// this is allowed.
    pub mysql_url: Option<String>,
}

impl Default for Options {
    /// The full comparison, from the repository root.
    fn default() -> Options {
        Options {
            backends: Backend::ALL.to_vec(),
            users: None,
            reps: None,
            run_time: None,
            warmup: None,
            seed_links: None,
            quick: false,
            server: None,
            config: Some(PathBuf::from("Rocket.toml")),
            out: PathBuf::from("reports"),
            mysql_url: None,
        }
    }
}

impl Options {
    /// The quick comparison CI runs.
    pub fn quick() -> Options {
        Options {
            quick: true,
            ..Options::default()
        }
    }
}

/// Options checked and made concrete.
pub(crate) struct Resolved {
    pub plan: Plan,
    /// Absolute: the servers run in a scratch directory.
    pub server: PathBuf,
    pub config: Option<PathBuf>,
}

impl Options {
    pub(crate) fn resolve(&self) -> anyhow::Result<Resolved> {
        let config = self.config.as_deref().map(server_config).transpose()?;
        let plan = self.plan(config.as_deref().map(shown))?;
        Ok(Resolved {
            plan,
            server: server_binary(self.server.as_deref())?,
            config,
        })
    }

    fn plan(&self, config: Option<String>) -> anyhow::Result<Plan> {
        let q = self.quick;
        let pick = |v: Option<Duration>, full: u64, quick: u64| {
            v.unwrap_or(Duration::from_secs(if q { quick } else { full }))
        };
        let plan = Plan {
            backends: self.backends.clone(),
            users: self
                .users
                .clone()
                .unwrap_or_else(|| if q { vec![8] } else { vec![1, 8, 32, 128] }),
            reps: self.reps.unwrap_or(if q { 1 } else { 3 }),
            run_time: pick(self.run_time, 10, 3),
            warmup: pick(self.warmup, 3, 1),
            seed_links: self.seed_links.unwrap_or(if q { 50 } else { 200 }),
            quick: q,
            config,
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
}

fn server_binary(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let path = match given {
        Some(p) => p.to_path_buf(),
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

fn server_config(path: &Path) -> anyhow::Result<PathBuf> {
    if !path.is_file() {
        bail!(
            "no Rocket.toml at {}: run from the repository root, pass --config PATH, \
             or --config none for Rocket's built-in defaults",
            path.display()
        );
    }
    Ok(std::fs::canonicalize(path)?)
}

/// `path` as reports show it: relative to the current directory when it is
/// under it, else its file name. A report is committed and shared, and the
/// directories of the machine it ran on mean nothing to its readers.
pub fn shown(path: &Path) -> String {
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize);
    shown_from(path, cwd.as_deref().ok())
}

fn shown_from(path: &Path, cwd: Option<&Path>) -> String {
    if let Some(rel) = cwd.and_then(|c| path.strip_prefix(c).ok()) {
        if !rel.as_os_str().is_empty() {
            return rel.display().to_string();
        }
    }
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    //! Defaults, bounds, and paths as shown.
    use super::*;

    #[test]
    fn quick_defaults_and_bounds() {
        let plan = Options::quick().plan(None).unwrap();
        assert_eq!(plan.users, [8]);
        assert_eq!((plan.reps, plan.seed_links), (1, 50));
        assert_eq!(plan.run_time, Duration::from_secs(3));
        let full = Options::default().plan(None).unwrap();
        assert_eq!(full.users, [1, 8, 32, 128]);
        let too_short = Options {
            run_time: Some(Duration::from_millis(500)),
            ..Options::quick()
        };
        assert!(too_short.plan(None).is_err());
    }

    #[test]
    fn paths_under_the_current_directory_are_relative_others_a_file_name() {
        let cwd = Path::new("/srv/repo");
        let shown = |p: &str| shown_from(Path::new(p), Some(cwd));
        assert_eq!(
            shown("/srv/repo/target/release/shortlink"),
            "target/release/shortlink"
        );
        assert_eq!(shown("/srv/repo/Rocket.toml"), "Rocket.toml");
        assert_eq!(shown("/tmp/x/Rocket.toml"), "Rocket.toml");
        assert_eq!(shown("/srv/repository/Rocket.toml"), "Rocket.toml");
        assert_eq!(
            shown_from(Path::new("/usr/bin/shortlink"), None),
            "shortlink"
        );
    }
}
