//! A throwaway MariaDB for the tests: its own datadir and port, started once
//! per test binary, gone when the test process ends. The server itself is
//! `shortlink_testbed::Instance`; this adds the tests' shared instance and
//! their fresh databases.
//!
//! `SHORTLINK_TEST_MYSQL_URL=mysql://user:pass@host:port` points the tests at
//! an existing server instead; they then create `shortlink_test_*` databases on it.

use std::sync::OnceLock;

use sqlx::Connection;

const INSTALL_HINT: &str = "the MySQL-backend tests need a MariaDB server: install one with \
     `apt-get install mariadb-server`, or set SHORTLINK_TEST_MYSQL_URL=mysql://user:pass@host:port";

/// The admin URL (no database) of the server the tests use.
pub fn admin_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| match std::env::var("SHORTLINK_TEST_MYSQL_URL") {
        Ok(url) if !url.is_empty() => url.trim_end_matches('/').to_owned(),
        _ => start_throwaway().unwrap_or_else(|e| panic!("{e}\n{INSTALL_HINT}")),
    })
}

/// Creates a uniquely named, empty database and returns its URL.
pub async fn fresh_database() -> String {
    let admin = admin_url();
    let name = shortlink_testbed::mariadb::database_name("shortlink_test");
    let mut conn = sqlx::MySqlConnection::connect(admin)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test MariaDB at {admin}: {e}"));
    sqlx::query(&format!("CREATE DATABASE `{name}`"))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    let _ = conn.close().await;
    format!("{admin}/{name}")
}

fn start_throwaway() -> Result<String, String> {
    let mut server = Instance::create("shared")?;
    server.start()?;
    let url = server.admin_url();
    // The shared server lives until the test process exits (PR_SET_PDEATHSIG).
    std::mem::forget(server);
    Ok(url)
}

/// One MariaDB server of the tests' own, which a test may stop and start
/// again (outage tests) on the same datadir and port.
pub struct Instance(shortlink_testbed::Instance);

impl Instance {
    /// Initialises a datadir named `name` for this test process.
    pub fn create(name: &str) -> Result<Instance, String> {
        shortlink_testbed::Instance::create("shortlink-test-mariadb", name).map(Instance)
    }

    pub fn admin_url(&self) -> String {
        self.0.admin_url()
    }

    pub fn start(&mut self) -> Result<(), String> {
        self.0.start()
    }

    /// SIGTERM to the server this instance started, then waits (bounded) for it to exit.
    pub fn stop(&mut self) -> Result<(), String> {
        self.0.stop()
    }
}
