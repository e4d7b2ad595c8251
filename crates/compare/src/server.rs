//! A fresh shortlink server per cell: the given binary on a free loopback
//! port, the backend picked by its Rocket profile of the given Rocket.toml
//! (or of Rocket's defaults), started in a scratch directory, stopped by its
//! PID. It starts with the run's bootstrap admin key, which it stores as an
//! admin key of its fresh database (or memory).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::Value;
use shortlink_testbed::Supervised;

use crate::admin_key::AdminKey;
use crate::database::CellDb;

pub struct Server {
    pub base_url: String,
    process: Supervised,
}

impl Server {
    /// Starts `binary` with `config` on `db` and `key` as its bootstrap
    /// admin key, and waits (up to 30 s) until `/readyz` is 200. Its stdout
    /// and stderr go to `log`.
    pub async fn start(
        binary: &Path,
        config: Option<&Path>,
        db: &CellDb,
        key: &AdminKey,
        cwd: &Path,
        log: &Path,
    ) -> anyhow::Result<Server> {
        let port = shortlink_testbed::free_port()?;
        let log_file =
            std::fs::File::create(log).with_context(|| format!("create {}", log.display()))?;
        let mut cmd = Command::new(binary);
        cmd.current_dir(cwd)
            .env("ROCKET_PROFILE", db.backend.store().name())
            .env("ROCKET_HITS", db.backend.hits())
            .env("ROCKET_ADDRESS", "127.0.0.1")
            .env("ROCKET_PORT", port.to_string())
            .env("ROCKET_CLI_COLORS", "false")
            // The level the systemd unit ships; the log file is removed
            // after the cell.
            .env("SHORTLINK_LOG", "info")
            // The environment, not the command line: `ps` shows arguments to
            // every user, a process's environment only to its owner.
            .env("ROCKET_ADMIN_KEY", key.expose())
            .env_remove("ROCKET_ADMIN_KEY_FILE")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        match config {
            Some(path) => cmd.env("ROCKET_CONFIG", path),
            // A path that does not exist: Rocket reads no file at all.
            None => cmd.env("ROCKET_CONFIG", "/nonexistent/Rocket.toml"),
        };
        match db.rocket_databases() {
            Some(dbs) => cmd.env("ROCKET_DATABASES", dbs),
            None => cmd.env_remove("ROCKET_DATABASES"),
        };
        let process = Supervised::spawn(cmd, "shortlink").map_err(|e| anyhow::anyhow!(e))?;
        let server = Server {
            base_url: format!("http://127.0.0.1:{port}"),
            process,
        };
        server.wait_ready(log).await?;
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    async fn wait_ready(&self, log: &Path) -> anyhow::Result<()> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = format!("{}/readyz", self.base_url);
        while Instant::now() < deadline {
            if self.process.has_exited() {
                bail!(
                    "shortlink exited during start-up; its log:\n{}",
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            }
            if let Ok(r) = client.get(&url).send().await {
                if r.status().as_u16() == 200 {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!(
            "shortlink not ready within 30 s; its log:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        )
    }

    /// `GET /version`: name, version, git sha and backend of what runs.
    pub async fn version(&self) -> anyhow::Result<Value> {
        let v = reqwest::get(format!("{}/version", self.base_url))
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(v)
    }

    /// The server's `/metrics`, as served.
    pub async fn metrics(&self) -> anyhow::Result<Metrics> {
        let text = reqwest::get(format!("{}/metrics", self.base_url))
            .await?
            .error_for_status()?
            .text()
            .await?;
        Ok(Metrics(text))
    }

    /// SIGTERM by PID; the server drains and exits (SIGKILL after 15 s).
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.process
            .stop(Duration::from_secs(15))
            .map_err(|e| anyhow::anyhow!(e))
    }
}

/// A `/metrics` page; only unlabelled samples are looked up.
pub struct Metrics(String);

impl Metrics {
    pub fn value(&self, name: &str) -> Option<f64> {
        self.0.lines().find_map(|l| {
            l.strip_prefix(name)?
                .strip_prefix(' ')
                .and_then(|v| v.trim().parse().ok())
        })
    }

    /// The database pool size (None for memory, which has no pool).
    pub fn pool_max_connections(&self) -> Option<u32> {
        self.value("shortlink_db_pool_max_connections")
            .map(|v| v as u32)
    }

    /// SQLite's committed (transactions, writes) so far; None elsewhere.
    pub fn write_groups(&self) -> Option<(f64, f64)> {
        self.value("shortlink_db_write_groups_total")
            .zip(self.value("shortlink_db_grouped_writes_total"))
    }
}

#[cfg(test)]
mod tests {
    use super::Metrics;

    #[test]
    fn reads_unlabelled_samples_by_exact_name() {
        let m = Metrics(
            "# HELP shortlink_db_write_groups_total x\n\
             shortlink_db_pool_max_connections 8\n\
             shortlink_db_write_groups_total 40\n\
             shortlink_db_grouped_writes_total 1000\n"
                .into(),
        );
        assert_eq!(m.pool_max_connections(), Some(8));
        assert_eq!(m.write_groups(), Some((40.0, 1000.0)));
        assert_eq!(m.value("shortlink_db_write_groups"), None);
        assert_eq!(Metrics(String::new()).write_groups(), None);
    }
}
