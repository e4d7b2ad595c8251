//! A throwaway MariaDB for the tests: its own datadir and port, started once
//! per test binary, gone when the test process ends.
//!
//! `SHORTLINK_TEST_MYSQL_URL=mysql://user:pass@host:port` points the tests at
//! an existing server instead; they then create `shortlink_test_*` databases on it.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

use rand::Rng;
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
    let name = format!("shortlink_test_{:016x}", rand::thread_rng().gen::<u64>());
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

/// The root of this process's datadirs; those of dead test processes are swept.
fn state_root() -> PathBuf {
    let root = std::env::temp_dir().join("shortlink-test-mariadb");
    let _ = std::fs::create_dir_all(&root);
    if let Ok(entries) = std::fs::read_dir(&root) {
        for e in entries.flatten() {
            let pid = e
                .file_name()
                .to_string_lossy()
                .split('-')
                .next()
                .and_then(|p| p.parse::<u32>().ok());
            if pid.is_some_and(|p| !Path::new(&format!("/proc/{p}")).exists()) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    root
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
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
pub struct Instance {
    dir: PathBuf,
    port: u16,
    running: Option<(u32, mpsc::Receiver<()>)>,
}

impl Instance {
    /// Initialises a datadir named `name` for this test process.
    pub fn create(name: &str) -> Result<Instance, String> {
        let dir = state_root().join(format!("{}-{name}", std::process::id()));
        let data = dir.join("data");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let install = Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args([
                "--skip-test-db",
                "--user=root",
                "--auth-root-authentication-method=normal",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| format!("cannot run mariadb-install-db: {e}"))?;
        if !install.success() {
            return Err(format!("mariadb-install-db failed ({install})"));
        }
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        Ok(Instance {
            dir,
            port,
            running: None,
        })
    }

    pub fn admin_url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}", self.port)
    }

    pub fn start(&mut self) -> Result<(), String> {
        let mut cmd = Command::new(mariadbd_path());
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", self.dir.join("data").display()))
            .arg(format!("--socket={}", self.dir.join("sock").display()))
            .arg(format!("--pid-file={}", self.dir.join("pid").display()))
            .arg(format!(
                "--log-error={}",
                self.dir.join("error.log").display()
            ))
            .arg(format!("--port={}", self.port))
            .args([
                "--bind-address=127.0.0.1",
                "--user=root",
                // Every test database is throwaway; any client may use any of them.
                "--skip-grant-tables",
                "--skip-name-resolve",
                "--max-connections=1000",
                "--innodb-buffer-pool-size=128M",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // The server must not outlive the tests, even when they panic or are
        // killed: the kernel sends it SIGTERM when the thread that forked it
        // ends, and that thread lives exactly as long as the server (see `supervise`).
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        self.running = Some(supervise(cmd)?);
        wait_ready(self.port, &self.dir)
    }

    /// SIGTERM to the server this instance started, then waits (bounded) for it to exit.
    pub fn stop(&mut self) -> Result<(), String> {
        let Some((pid, exited)) = self.running.take() else {
            return Ok(());
        };
        unsafe { libc::kill(pid as i32, libc::SIGTERM) };
        exited
            .recv_timeout(Duration::from_secs(60))
            .map_err(|_| format!("mariadbd {pid} still running 60 s after SIGTERM"))
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Spawns `cmd` on a thread that then waits for it: the thread's life is the
/// child's (PR_SET_PDEATHSIG watches the forking thread), and the child is
/// reaped. Returns its PID and a receiver that fires when it has exited.
fn supervise(mut cmd: Command) -> Result<(u32, mpsc::Receiver<()>), String> {
    let (started_tx, started_rx) = mpsc::channel();
    let (exited_tx, exited_rx) = mpsc::channel();
    std::thread::spawn(move || match cmd.spawn() {
        Ok(mut child) => {
            let _ = started_tx.send(Ok(child.id()));
            let _ = child.wait();
            let _ = exited_tx.send(());
        }
        Err(e) => {
            let _ = started_tx.send(Err(format!("cannot start mariadbd: {e}")));
        }
    });
    let pid = started_rx
        .recv()
        .map_err(|_| "mariadbd supervisor thread died".to_owned())??;
    Ok((pid, exited_rx))
}

fn mariadbd_path() -> PathBuf {
    ["/usr/sbin/mariadbd", "/usr/sbin/mysqld"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("mariadbd"))
}

/// Ready when the server sends its handshake greeting over TCP. Plain std I/O:
/// this runs inside whichever async test first asks for the server.
fn wait_ready(port: u16, dir: &Path) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let greeted = TcpStream::connect(("127.0.0.1", port)).and_then(|mut s| {
            s.set_read_timeout(Some(Duration::from_secs(2)))?;
            let mut buf = [0u8; 4];
            s.read(&mut buf)
        });
        if matches!(greeted, Ok(n) if n > 0) {
            return Ok(());
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
            return Err(format!(
                "mariadbd did not accept connections within 60 s; its log:\n{log}"
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
