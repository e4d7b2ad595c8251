//! A throwaway PostgreSQL for the tests: its own data directory and port,
//! started once per test binary, gone when the test process ends. The server
//! itself is `shortlink_testbed::postgres::Instance`; this adds the tests'
//! shared instance and their fresh databases.
//!
//! `SHORTLINK_TEST_POSTGRES_URL=postgres://user:pass@host:port` points the
//! tests at an existing server instead; they then create `shortlink_test_*`
//! databases on it.

use std::sync::OnceLock;

use sqlx::Connection;

const INSTALL_HINT: &str = "the PostgreSQL-backend tests need PostgreSQL 15: install it with \
     `apt-get install postgresql`, or set SHORTLINK_TEST_POSTGRES_URL=postgres://user:pass@host:port";

/// The admin URL (no database) of the server the tests use.
pub fn admin_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| match std::env::var("SHORTLINK_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url.trim_end_matches('/').to_owned(),
        _ => start_throwaway().unwrap_or_else(|e| panic!("{e}\n{INSTALL_HINT}")),
    })
}

/// Creates a uniquely named, empty database and returns its URL.
pub async fn fresh_database() -> String {
    fresh_database_on(admin_url()).await
}

/// The same on a server of the test's own (`Instance::admin_url`).
pub async fn fresh_database_on(admin: &str) -> String {
    let name = shortlink_testbed::mariadb::database_name("shortlink_test");
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test PostgreSQL at {admin}: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
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

/// One PostgreSQL server of the tests' own, which a test may stop and start
/// again (outage and restart tests) on the same data directory and port.
pub struct Instance(shortlink_testbed::postgres::Instance);

impl Instance {
    pub fn create(name: &str) -> Result<Instance, String> {
        shortlink_testbed::postgres::Instance::create("shortlink-test-postgres", name).map(Instance)
    }

    pub fn admin_url(&self) -> String {
        self.0.admin_url()
    }

    pub fn start(&mut self) -> Result<(), String> {
        self.0.start()
    }

    /// A fast shutdown of the server this instance started, then a bounded wait.
    pub fn stop(&mut self) -> Result<(), String> {
        self.0.stop()
    }
}
