//! The plan: which backends, concurrency levels and repetitions, how long
//! each part of a cell lasts, and the interleaved order the cells run in.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What one column of the comparison runs: a store (its Rocket profile) and,
/// for the SQL stores, how hits are counted (`hits` in Rocket.toml).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    Memory,
    Sqlite,
    SqliteBuffered,
    Mysql,
    MysqlBuffered,
    Postgres,
    PostgresBuffered,
}

impl Backend {
    pub const ALL: [Backend; 7] = [
        Backend::Memory,
        Backend::Sqlite,
        Backend::SqliteBuffered,
        Backend::Mysql,
        Backend::MysqlBuffered,
        Backend::Postgres,
        Backend::PostgresBuffered,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Backend::Memory => "memory",
            Backend::Sqlite => "sqlite",
            Backend::SqliteBuffered => "sqlite-buffered",
            Backend::Mysql => "mysql",
            Backend::MysqlBuffered => "mysql-buffered",
            Backend::Postgres => "postgres",
            Backend::PostgresBuffered => "postgres-buffered",
        }
    }

    /// The store, whatever the hit mode: its Rocket profile and database.
    pub fn store(self) -> Backend {
        match self {
            Backend::SqliteBuffered => Backend::Sqlite,
            Backend::MysqlBuffered => Backend::Mysql,
            Backend::PostgresBuffered => Backend::Postgres,
            b => b,
        }
    }

    /// The server's `hits` setting. The memory store keeps its counters in
    /// the process either way, so it runs as shipped (durable).
    pub fn hits(self) -> &'static str {
        match self {
            Backend::SqliteBuffered | Backend::MysqlBuffered | Backend::PostgresBuffered => {
                "buffered"
            }
            _ => "durable",
        }
    }

    pub fn parse(s: &str) -> Result<Backend, String> {
        Backend::ALL
            .into_iter()
            .find(|b| b.name() == s.trim())
            .ok_or_else(|| {
                format!(
                    "unknown backend {s:?} (memory, sqlite, sqlite-buffered, mysql, \
                     mysql-buffered, postgres, postgres-buffered)"
                )
            })
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything that decides what is measured; written into the report as is.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    pub backends: Vec<Backend>,
    pub users: Vec<usize>,
    pub reps: usize,
    #[serde(serialize_with = "secs", deserialize_with = "from_secs")]
    pub run_time: Duration,
    #[serde(serialize_with = "secs", deserialize_with = "from_secs")]
    pub warmup: Duration,
    /// Links created over HTTP before the warm-up, identical for every
    /// backend (same codes, same URLs, same order).
    pub seed_links: usize,
    pub quick: bool,
    /// The Rocket.toml every server reads, its profile the backend's (the
    /// cell's database, address and port override it), as the report shows
    /// it (see [`crate::options::shown`]); None: Rocket's built-in defaults.
    #[serde(default)]
    pub config: Option<String>,
}

fn from_secs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let secs = f64::deserialize(d)?;
    Duration::try_from_secs_f64(secs).map_err(serde::de::Error::custom)
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// One cell: a backend at a concurrency level in a repetition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub backend: Backend,
    pub users: usize,
    /// 1-based.
    pub rep: usize,
}

impl Cell {
    /// `mysql-u032-r2`: the stem of the cell's files.
    pub fn id(&self) -> String {
        format!("{}-u{:03}-r{}", self.backend, self.users, self.rep)
    }
}

impl Plan {
    /// The cells in run order: repetition-major, then level, then backend,
    /// so drift of the machine over the run (other jobs, thermal limits,
    /// a growing MariaDB) hits every backend alike instead of one block.
    pub fn cells(&self) -> Vec<Cell> {
        let mut cells = Vec::new();
        for rep in 1..=self.reps {
            for &users in &self.users {
                for &backend in &self.backends {
                    cells.push(Cell {
                        backend,
                        users,
                        rep,
                    });
                }
            }
        }
        cells
    }

    /// The goose options of a measured run at `users`; every backend gets
    /// exactly these. All users start within a second (increase rate =
    /// users), so the ramp-up is a small, equal part of every run.
    pub fn goose_args(&self, users: usize, run_time: Duration) -> Vec<String> {
        vec![
            "--users".into(),
            users.to_string(),
            "--increase-rate".into(),
            users.to_string(),
            "--run-time".into(),
            format!("{}s", run_time.as_secs().max(1)),
            "--no-print-metrics".into(),
            "--quiet".into(),
        ]
    }

    /// Rough seconds one cell takes (start, seed, warm-up, run, stop), for
    /// the up-front estimate; the progress bar's ETA is measured.
    pub fn estimate_cell_secs(&self) -> f64 {
        4.0 + self.seed_links as f64 / 300.0
            + self.warmup.as_secs_f64()
            + 1.0
            + self.run_time.as_secs_f64()
    }
}

/// Parses `15s`, `2m`, `500ms` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((s, "s"), |i| (&s[..i], &s[i..]));
    let n: f64 = num
        .parse()
        .map_err(|_| format!("bad duration {s:?} (e.g. 15s, 2m, 500ms)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("bad duration unit in {s:?} (ms, s, m)")),
    };
    if !(0.0..=3600.0).contains(&secs) {
        return Err(format!("duration {s:?} out of range (0 to 1 h)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    //! Order and parsing.
    use super::*;

    #[test]
    fn cells_are_rep_major_and_interleaved() {
        let plan = Plan {
            backends: vec![Backend::Memory, Backend::Sqlite],
            users: vec![1, 8],
            reps: 2,
            run_time: Duration::from_secs(1),
            warmup: Duration::ZERO,
            seed_links: 0,
            quick: false,
            config: None,
        };
        let ids: Vec<String> = plan.cells().iter().map(Cell::id).collect();
        assert_eq!(
            ids,
            [
                "memory-u001-r1",
                "sqlite-u001-r1",
                "memory-u008-r1",
                "sqlite-u008-r1",
                "memory-u001-r2",
                "sqlite-u001-r2",
                "memory-u008-r2",
                "sqlite-u008-r2"
            ]
        );
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("15s"), Ok(Duration::from_secs(15)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("3h").is_err());
        assert!(parse_duration("x").is_err());
        assert!(Backend::parse("oracle").is_err());
        assert_eq!(Backend::parse(" mysql"), Ok(Backend::Mysql));
        let buffered = Backend::parse("mysql-buffered").unwrap();
        assert_eq!(
            (buffered.store(), buffered.hits()),
            (Backend::Mysql, "buffered")
        );
        assert_eq!(Backend::Sqlite.hits(), "durable");
    }
}
