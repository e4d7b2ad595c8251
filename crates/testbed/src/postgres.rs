//! A throwaway PostgreSQL 15 server from Debian's package: `initdb` into its
//! own directory under the temp directory, its own free port, listening on
//! 127.0.0.1 only (its Unix socket in that directory too), trust
//! authentication, gone when its owner is. PostgreSQL refuses to run as
//! root, so as root it runs as the package's `postgres` user.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::port::free_port;
use crate::supervise::Supervised;

/// What to tell someone whose machine has no PostgreSQL.
pub const INSTALL_HINT: &str = "install PostgreSQL 15 (`apt-get install postgresql`)";

/// One PostgreSQL server of our own, which may be stopped and started again
/// (outage and restart tests) on the same data directory and port.
#[derive(Debug)]
pub struct Instance {
    dir: PathBuf,
    port: u16,
    user: Option<(u32, u32)>,
    running: Option<Supervised>,
}

impl Instance {
    /// Runs `initdb` into `<tmp>/<group>/<pid>-<name>`; directories in the
    /// same `group` left by dead processes are swept first.
    pub fn create(group: &str, name: &str) -> Result<Instance, String> {
        let bin = bin_dir()?;
        let dir = crate::mariadb::state_root(group).join(format!("{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let user = unprivileged_user()?;
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
                .map_err(|e| format!("cannot hand {} to postgres: {e}", dir.display()))?;
        }
        let mut initdb = Command::new(bin.join("initdb"));
        initdb
            .arg("--pgdata")
            .arg(dir.join("data"))
            // Every database on it is throwaway; any local client may use any of them.
            .args(["--username=postgres", "--auth=trust", "--encoding=UTF8"])
            .args(["--locale=C", "--no-instructions"])
            .stdin(Stdio::null());
        as_user(&mut initdb, user);
        let out = initdb
            .output()
            .map_err(|e| format!("cannot run initdb: {e}; {INSTALL_HINT}"))?;
        if !out.status.success() {
            let said = String::from_utf8_lossy(&out.stderr).to_string()
                + &String::from_utf8_lossy(&out.stdout);
            return Err(format!("initdb failed ({}): {}", out.status, said.trim()));
        }
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        Ok(Instance {
            dir,
            port,
            user,
            running: None,
        })
    }

    /// `postgres://postgres@127.0.0.1:PORT`: the superuser, its default database.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The postmaster's PID, if it runs. Its backends are its children.
    pub fn pid(&self) -> Option<u32> {
        self.running.as_ref().map(Supervised::pid)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Starts the server and waits (up to 60 s) until it accepts a session.
    pub fn start(&mut self) -> Result<(), String> {
        let log = std::fs::File::create(self.dir.join("server.log"))
            .map_err(|e| format!("cannot create the server log: {e}"))?;
        let mut cmd = Command::new(bin_dir()?.join("postgres"));
        cmd.arg("-D")
            .arg(self.dir.join("data"))
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", self.dir.display()))
            .args(["-c", "max_connections=300", "-c", "shared_buffers=128MB"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        as_user(&mut cmd, self.user);
        self.running = Some(Supervised::spawn(cmd, "postgres")?);
        wait_ready(self.port, &self.dir)
    }

    /// A fast shutdown (SIGINT: sessions are ended, as in an outage), then
    /// a bounded wait for the exit. SIGTERM would wait for every client.
    pub fn stop(&mut self) -> Result<(), String> {
        match self.running.take() {
            Some(mut server) => {
                if !server.has_exited() {
                    // The child is unreaped until `stop` returns: its PID is still ours.
                    unsafe { libc::kill(server.pid() as i32, libc::SIGINT) };
                }
                server.stop(Duration::from_secs(60))
            }
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

/// Debian's binaries of the newest installed major version (15 on bookworm).
pub fn bin_dir() -> Result<PathBuf, String> {
    let mut majors: Vec<u32> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| format!("no /usr/lib/postgresql; {INSTALL_HINT}"))?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    majors.sort_unstable();
    majors
        .iter()
        .rev()
        .map(|m| PathBuf::from(format!("/usr/lib/postgresql/{m}/bin")))
        .find(|b| b.join("postgres").exists() && b.join("initdb").exists())
        .ok_or_else(|| format!("no postgres and initdb under /usr/lib/postgresql; {INSTALL_HINT}"))
}

/// The `postgres` user's ids when we are root; `None` (run as ourselves) otherwise.
fn unprivileged_user() -> Result<Option<(u32, u32)>, String> {
    // SAFETY: getpwnam's result is read at once, before any other call could reuse it.
    unsafe {
        if libc::geteuid() != 0 {
            return Ok(None);
        }
        let pw = libc::getpwnam(c"postgres".as_ptr());
        if pw.is_null() {
            return Err(format!(
                "running as root and there is no `postgres` user; {INSTALL_HINT}"
            ));
        }
        Ok(Some(((*pw).pw_uid, (*pw).pw_gid)))
    }
}

fn as_user(cmd: &mut Command, user: Option<(u32, u32)>) {
    if let Some((uid, gid)) = user {
        // std drops root's supplementary groups (setgroups(0)) with the uid.
        cmd.uid(uid).gid(gid).env("HOME", "/tmp");
    }
}

/// Ready when a startup message is answered by authentication ('R'), not by
/// an error ('E': "the database system is starting up"). Plain std I/O:
/// callers may be inside an async runtime or not.
fn wait_ready(port: u16, dir: &Path) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if matches!(greeting(port), Ok(b'R')) {
            return Ok(());
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            return Err(format!(
                "postgres did not accept sessions within 60 s; its log:\n{log}"
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The first byte of the server's answer to a protocol 3.0 startup message.
fn greeting(port: u16) -> std::io::Result<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    let body = b"user\0postgres\0database\0postgres\0\0";
    let mut msg = Vec::with_capacity(8 + body.len());
    msg.extend_from_slice(&((8 + body.len()) as u32).to_be_bytes());
    msg.extend_from_slice(&196_608u32.to_be_bytes());
    msg.extend_from_slice(body);
    s.write_all(&msg)?;
    let mut first = [0u8; 1];
    s.read_exact(&mut first)?;
    Ok(first[0])
}
