//! The throwaway PostgreSQL the `postgres` cells get their databases from,
//! started for the whole comparison like the MariaDB (`database.rs`), and
//! the statements run on it with `psql` (so this tool needs no PostgreSQL
//! driver of its own).

use std::process::{Command, Stdio};

use anyhow::{bail, Context};

pub struct PgServer(shortlink_testbed::postgres::Instance);

impl PgServer {
    /// Runs initdb into a temporary directory and starts it on a free port.
    pub fn throwaway() -> anyhow::Result<PgServer> {
        let mut instance =
            shortlink_testbed::postgres::Instance::create("shortlink-compare-postgres", "db")
                .map_err(|e| anyhow::anyhow!(e))?;
        instance.start().map_err(|e| anyhow::anyhow!(e))?;
        Ok(PgServer(instance))
    }

    pub fn admin_url(&self) -> String {
        self.0.admin_url()
    }

    /// The postmaster; its sessions and workers are its children.
    pub fn pid(&self) -> Option<u32> {
        self.0.pid()
    }

    pub fn version(&self) -> String {
        psql(&self.admin_url(), "SHOW server_version")
            .map_or_else(|e| format!("unknown ({e:#})"), |v| v.trim().to_string())
    }

    /// A fast shutdown of our own server, by PID (the testbed's stop).
    pub fn stop(&mut self) {
        let _ = self.0.stop();
    }
}

/// Runs one statement on the admin URL's default database.
pub(crate) fn psql(admin_url: &str, statement: &str) -> anyhow::Result<String> {
    let bin = shortlink_testbed::postgres::bin_dir().map_err(|e| anyhow::anyhow!(e))?;
    let out = Command::new(bin.join("psql"))
        .args([
            "--no-psqlrc",
            "--tuples-only",
            "--no-align",
            "-v",
            "ON_ERROR_STOP=1",
        ])
        .arg("--dbname")
        .arg(format!("{admin_url}/postgres"))
        .arg("--command")
        .arg(statement)
        .stdin(Stdio::null())
        .output()
        .context("run psql")?;
    if !out.status.success() {
        bail!(
            "psql {statement:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
