//! A throwaway MariaDB server: its own datadir under the temp directory, its
//! own free loopback port, no grant tables, gone when its owner is.

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::port::free_port;
use crate::supervise::Supervised;

/// What to tell someone whose machine has no MariaDB.
pub const INSTALL_HINT: &str = "install a MariaDB server (`apt-get install mariadb-server`)";

/// One MariaDB server of our own, which may be stopped and started again
/// (outage tests) on the same datadir and port.
#[derive(Debug)]
pub struct Instance {
    dir: PathBuf,
    port: u16,
    running: Option<Supervised>,
}

impl Instance {
    /// Initialises a datadir `<tmp>/<group>/<pid>-<name>`. Datadirs in the same
    /// `group` whose creating process is gone are swept first, so a killed run
    /// leaves nothing behind for long.
    pub fn create(group: &str, name: &str) -> Result<Instance, String> {
        let dir = state_root(group).join(format!("{}-{name}", std::process::id()));
        let data = dir.join("data");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        install_db(&data)?;
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        Ok(Instance {
            dir,
            port,
            running: None,
        })
    }

    /// `mysql://root@127.0.0.1:PORT`, no database.
    pub fn admin_url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The running server's PID (for /proc sampling), if it runs.
    pub fn pid(&self) -> Option<u32> {
        self.running.as_ref().map(Supervised::pid)
    }

    /// The datadir root (datadir, socket, pid file, error log).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Starts the server and waits (up to 60 s) for its TCP greeting.
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
                // Every database on it is throwaway; any client may use any of them.
                "--skip-grant-tables",
                "--skip-name-resolve",
                "--max-connections=1000",
                "--innodb-buffer-pool-size=128M",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.running = Some(Supervised::spawn(cmd, "mariadbd")?);
        wait_ready(self.port, "mariadbd", Some(&self.dir.join("error.log")))
    }

    /// SIGTERM to the server this instance started, then waits (bounded) for it to exit.
    pub fn stop(&mut self) -> Result<(), String> {
        match self.running.take() {
            Some(mut server) => server.stop(Duration::from_secs(60)),
            None => Ok(()),
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A datadir for a server reached on 127.0.0.1 only, root without a
/// password.
pub(crate) fn install_db(data: &Path) -> Result<(), String> {
    let install = Command::new("mariadb-install-db")
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .args([
            "--skip-test-db",
            "--user=root",
            "--auth-root-authentication-method=normal",
            // Without it the script refuses a host whose name does not
            // resolve (a container without /etc/hosts); this server is
            // reached on 127.0.0.1 only, so host-name grants are moot.
            "--force",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run mariadb-install-db: {e}; {INSTALL_HINT}"))?;
    if install.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&install.stderr).to_string()
        + &String::from_utf8_lossy(&install.stdout);
    Err(format!(
        "mariadb-install-db failed ({}): {}",
        install.status,
        said.trim()
    ))
}

/// `<tmp>/<group>`, with the datadirs of dead processes removed.
pub(crate) fn state_root(group: &str) -> PathBuf {
    let root = std::env::temp_dir().join(group);
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

pub(crate) fn mariadbd_path() -> PathBuf {
    ["/usr/sbin/mariadbd", "/usr/sbin/mysqld"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("mariadbd"))
}

/// Ready when a MySQL handshake greeting arrives over TCP from `server`
/// (mariadbd, or a proxy once a backend answers through it). Plain std I/O:
/// callers may be inside an async runtime or not. `log`, the server's error
/// log when it writes one, is the first thing to read on a timeout.
pub(crate) fn wait_ready(port: u16, server: &str, log: Option<&Path>) -> Result<(), String> {
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
            let mut err = format!("{server} did not accept connections within 60 s");
            if let Some(log) = log {
                let text = std::fs::read_to_string(log).unwrap_or_default();
                err += &format!("; its log:\n{text}");
            }
            return Err(err);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A fresh database name, `<prefix>_<16 hex digits>`: safe to create on a
/// server others use, and never one somebody else made.
pub fn database_name(prefix: &str) -> String {
    use rand::Rng;
    format!("{prefix}_{:016x}", rand::thread_rng().gen::<u64>())
}
