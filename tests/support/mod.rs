//! Test support: a real server per test on the backend of choice, each on a
//! fresh database, plus the throwaway MariaDB and PostgreSQL servers the
//! MySQL and PostgreSQL backends run against.
#![allow(dead_code)]

pub mod auth_proxy;
pub mod binary;
pub mod faulty_proxy;
pub mod mariadb;
pub mod nginx;
pub mod postgres;
pub mod prometheus;
pub mod proxy_http;

use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::Shutdown;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use shortlink::store::Backend;

pub const ALL_BACKENDS: [Backend; 4] = [
    Backend::Memory,
    Backend::Sqlite,
    Backend::Mysql,
    Backend::Postgres,
];

/// A database a server can be started on, and started on again.
pub struct TestDb {
    pub backend: Backend,
    /// The URL the server is given; empty for the memory backend.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A new, empty database: a temporary SQLite file, or a uniquely named
    /// database on the test MariaDB or PostgreSQL server.
    pub async fn fresh(backend: Backend) -> TestDb {
        match backend {
            Backend::Memory => TestDb {
                backend,
                url: String::new(),
                _dir: None,
            },
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("create a temporary directory");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDb {
                    backend,
                    url,
                    _dir: Some(dir),
                }
            }
            Backend::Mysql => TestDb {
                backend,
                url: mariadb::fresh_database().await,
                _dir: None,
            },
            Backend::Postgres => TestDb {
                backend,
                url: postgres::fresh_database().await,
                _dir: None,
            },
        }
    }
}

impl TestDb {
    /// A database that exists already, at `url`.
    pub fn at(backend: Backend, url: String) -> TestDb {
        TestDb {
            backend,
            url,
            _dir: None,
        }
    }
}

/// A running server and what it needs to be stopped and started again.
pub struct TestApp {
    pub base_url: String,
    pub backend: Backend,
    pub port: u16,
    /// Never follows redirects: the 302 and its `Location` are what tests
    /// look at. Presents `admin_key` on every request.
    pub http: reqwest::Client,
    /// The server's bootstrap admin key.
    pub admin_key: String,
    shutdown: Shutdown,
    task: JoinHandle<()>,
    db: TestDb,
}

/// The figment a test server runs with: the backend's profile from Rocket.toml,
/// a free port, no signal handlers, no logs, the test database.
pub fn test_figment(db: &TestDb) -> Figment {
    let mut figment = rocket::Config::figment()
        .select(db.backend.name())
        .merge(("address", "127.0.0.1"))
        .merge(("port", 0))
        .merge(("log_level", "off"))
        .merge(("shutdown.ctrlc", false))
        .merge(("shutdown.signals", Vec::<String>::new()))
        .merge(("shutdown.grace", 2))
        .merge(("shutdown.mercy", 1));
    if db.backend != Backend::Memory {
        figment = figment.merge((
            format!("databases.{}.url", db.backend.name()),
            db.url.clone(),
        ));
    }
    figment
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_on(TestDb::fresh(backend).await).await
}

pub async fn spawn_on(db: TestDb) -> TestApp {
    let figment = test_figment(&db);
    spawn_with(db, figment).await
}

/// Test servers log nowhere unless `SHORTLINK_TEST_LOG` asks (an EnvFilter
/// directive, e.g. `info`). Installing this subscriber first also keeps Rocket
/// from installing its own logger, whose global level every new Rocket resets.
fn init_test_logging() {
    let filter = std::env::var("SHORTLINK_TEST_LOG").unwrap_or_else(|_| "off".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_test_writer()
        .try_init();
}

/// Starts the server with `figment` and waits until it listens. The server
/// gets a fresh bootstrap admin key unless `figment` names one.
pub async fn spawn_with(db: TestDb, figment: Figment) -> TestApp {
    init_test_logging();
    let admin_key = figment
        .extract_inner::<String>("admin_key")
        .unwrap_or_else(|_| shortlink::keys::ApiKey::generate().reveal());
    let figment = figment.merge(("admin_key", admin_key.clone()));
    // Server, pools and hundreds of concurrent clients share this process.
    shortlink_testbed::raise_fd_limit();
    let (tx, rx) = oneshot::channel();
    let tx = std::sync::Mutex::new(Some(tx));
    let rocket = shortlink::build(figment).attach(AdHoc::on_liftoff("test port", move |r| {
        let port = r.config().port;
        if let Some(tx) = tx.lock().ok().and_then(|mut t| t.take()) {
            let _ = tx.send(port);
        }
        Box::pin(async {})
    }));
    let server = shortlink::lifecycle::Server::ignite(rocket)
        .await
        .unwrap_or_else(|code| panic!("server failed to ignite on {}: {code:?}", db.backend));
    let shutdown = server.shutdown();
    let task = tokio::spawn(async move {
        let code = server.serve().await;
        if code != std::process::ExitCode::SUCCESS {
            eprintln!("test server stopped with {code:?}");
        }
    });
    let port = tokio::time::timeout(std::time::Duration::from_secs(30), rx)
        .await
        .expect("server did not lift off within 30 s")
        .expect("server task ended before lift-off");
    let http = client_with_key(Some(&admin_key));
    TestApp {
        base_url: format!("http://127.0.0.1:{port}"),
        backend: db.backend,
        port,
        http,
        admin_key,
        shutdown,
        task,
        db,
    }
}

/// A test client (no redirects followed, 30 s timeout) presenting `key`.
pub fn client_with_key(key: Option<&str>) -> reqwest::Client {
    binary::client_presenting(key)
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("build the test HTTP client")
}

impl TestApp {
    /// Creates a key with `role` through the API; returns the whole key.
    pub async fn new_key(&self, name: &str, role: &str) -> String {
        let res = self
            .http
            .post(self.url("/api/v1/keys"))
            .json(&serde_json::json!({ "name": name, "role": role }))
            .send()
            .await
            .expect("POST /api/v1/keys");
        assert_eq!(res.status(), 201, "creating a {role} key");
        let body: serde_json::Value = res.json().await.expect("a key body");
        body["secret"]
            .as_str()
            .expect("the key's secret")
            .to_owned()
    }

    /// Graceful shutdown; gives back the database so a new server can reopen it.
    pub async fn stop(self) -> TestDb {
        // Closing our keep-alive connections first lets the drain finish at once.
        drop(self.http);
        self.shutdown.notify();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), self.task).await;
        self.db
    }

    /// The database URL this server runs on (empty for memory).
    pub fn db_url(&self) -> &str {
        &self.db.url
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn get(&self, path: &str) -> reqwest::Result<reqwest::Response> {
        self.http.get(self.url(path)).send().await
    }

    pub async fn create(&self, body: serde_json::Value) -> reqwest::Result<reqwest::Response> {
        self.http
            .post(self.url("/api/v1/links"))
            .json(&body)
            .send()
            .await
    }

    /// `GET /api/v1/links/{code}` as JSON; panics on a transport error.
    pub async fn link(&self, code: &str) -> serde_json::Value {
        let res = self
            .get(&format!("/api/v1/links/{code}"))
            .await
            .expect("GET link");
        res.json().await.expect("link body is JSON")
    }

    /// `GET /api/v1/stats` as JSON, on the admin key.
    pub async fn stats(&self) -> serde_json::Value {
        let res = self.get("/api/v1/stats").await.expect("GET stats");
        res.json().await.expect("stats body is JSON")
    }
}
