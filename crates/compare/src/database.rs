//! Fresh databases per cell: nothing for memory, a new file in a temporary
//! directory for SQLite, a new database on a MariaDB server for MySQL and on
//! a PostgreSQL server (`pg_server`) for PostgreSQL. The
//! MariaDB is a throwaway one started for the whole comparison, unless the
//! user names a server and says (`--i-own-this-database`) that we may create
//! and drop `shortlink_compare_*` databases on it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

use crate::pg_server::{psql, PgServer};
use crate::plan::Backend;

/// Where MySQL-backend cells get their databases.
pub enum MysqlServer {
    /// Started by us; its PID is sampled like the server's.
    Throwaway(shortlink_testbed::Instance),
    /// Someone else's, at this admin URL (no database); not sampled.
    External(String),
}

impl MysqlServer {
    /// Starts a MariaDB on a temporary datadir and a free port.
    pub fn throwaway() -> anyhow::Result<MysqlServer> {
        let mut instance = shortlink_testbed::Instance::create("shortlink-compare-mariadb", "db")
            .map_err(|e| anyhow::anyhow!(e))?;
        instance.start().map_err(|e| anyhow::anyhow!(e))?;
        Ok(MysqlServer::Throwaway(instance))
    }

    pub fn admin_url(&self) -> String {
        match self {
            MysqlServer::Throwaway(i) => i.admin_url(),
            MysqlServer::External(url) => url.trim_end_matches('/').to_string(),
        }
    }

    /// The mariadbd PID when it is ours (and so on this machine).
    pub fn pid(&self) -> Option<u32> {
        match self {
            MysqlServer::Throwaway(i) => i.pid(),
            MysqlServer::External(_) => None,
        }
    }

    /// `mariadbd --version` of our own server, or what the external one says.
    pub fn version(&self) -> String {
        sql(&self.admin_url(), "SELECT VERSION()")
            .map_or_else(|e| format!("unknown ({e:#})"), |v| v.trim().to_string())
    }

    /// SIGTERM to our own server, by PID (the testbed's stop).
    pub fn stop(&mut self) {
        if let MysqlServer::Throwaway(i) = self {
            let _ = i.stop();
        }
    }
}

/// One cell's database, removed when dropped.
pub struct CellDb {
    pub backend: Backend,
    /// What the server gets as its database URL; empty for memory.
    pub url: String,
    /// The MySQL database to drop afterwards, on this admin URL.
    mysql: Option<(String, String)>,
    /// The same on PostgreSQL.
    postgres: Option<(String, String)>,
    /// The SQLite file's directory, removed afterwards.
    dir: Option<PathBuf>,
}

impl CellDb {
    pub fn fresh(
        backend: Backend,
        scratch: &Path,
        mysql: Option<&MysqlServer>,
        postgres: Option<&PgServer>,
    ) -> anyhow::Result<CellDb> {
        match backend.store() {
            Backend::Memory => Ok(CellDb {
                backend,
                url: String::new(),
                mysql: None,
                postgres: None,
                dir: None,
            }),
            Backend::Sqlite => {
                let dir = scratch.join(shortlink_testbed::mariadb::database_name("sqlite"));
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("create {}", dir.display()))?;
                Ok(CellDb {
                    backend,
                    url: format!("sqlite://{}", dir.join("shortlink.db").display()),
                    mysql: None,
                    postgres: None,
                    dir: Some(dir),
                })
            }
            Backend::Postgres => {
                let server = postgres.context("the postgres backend needs a PostgreSQL server")?;
                let admin = server.admin_url();
                let name = shortlink_testbed::mariadb::database_name("shortlink_compare");
                psql(&admin, &format!("CREATE DATABASE {name}"))?;
                Ok(CellDb {
                    backend,
                    url: format!("{admin}/{name}"),
                    mysql: None,
                    postgres: Some((admin, name)),
                    dir: None,
                })
            }
            _ => {
                let server = mysql.context("the mysql backend needs a MariaDB server")?;
                let admin = server.admin_url();
                let name = shortlink_testbed::mariadb::database_name("shortlink_compare");
                sql(&admin, &format!("CREATE DATABASE `{name}`"))?;
                Ok(CellDb {
                    backend,
                    url: format!("{admin}/{name}"),
                    mysql: Some((admin, name)),
                    postgres: None,
                    dir: None,
                })
            }
        }
    }

    /// The `ROCKET_DATABASES` value for this database, if it needs one.
    pub fn rocket_databases(&self) -> Option<String> {
        match self.backend.store() {
            Backend::Memory => None,
            b => Some(format!("{{{}={{url=\"{}\"}}}}", b.name(), self.url)),
        }
    }
}

impl Drop for CellDb {
    fn drop(&mut self) {
        // Only what this cell created: its own database, its own directory.
        if let Some((admin, name)) = self.mysql.take() {
            let _ = sql(&admin, &format!("DROP DATABASE IF EXISTS `{name}`"));
        }
        if let Some((admin, name)) = self.postgres.take() {
            // FORCE: the server of the cell may not have closed its sessions yet.
            let _ = psql(
                &admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
        if let Some(dir) = self.dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Runs one statement with the `mariadb` command-line client (so this tool
/// needs no MySQL driver of its own) against `mysql://user[:pass]@host:port`.
/// The password goes through the environment, not the argument list.
fn sql(admin_url: &str, statement: &str) -> anyhow::Result<String> {
    let rest = admin_url
        .strip_prefix("mysql://")
        .context("a MySQL URL starts with mysql://")?;
    let (auth, hostport) = rest.rsplit_once('@').unwrap_or(("root", rest));
    let hostport = hostport.split('/').next().unwrap_or(hostport);
    let (user, pass) = auth.split_once(':').unwrap_or((auth, ""));
    let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, "3306"));
    let client = ["mariadb", "mysql"]
        .into_iter()
        .find(|c| which(c))
        .context("no `mariadb` or `mysql` client on PATH")?;
    let out = Command::new(client)
        .args(["--protocol=tcp", "--batch", "--skip-column-names"])
        .arg(format!("--host={host}"))
        .arg(format!("--port={port}"))
        .arg(format!("--user={user}"))
        .arg("--connect-timeout=10")
        .arg("--execute")
        .arg(statement)
        .env("MYSQL_PWD", pass)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("run {client}"))?;
    if !out.status.success() {
        bail!(
            "{client} {statement:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}
