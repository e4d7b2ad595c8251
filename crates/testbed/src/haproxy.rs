//! A throwaway HAProxy in front of a Galera cluster, as the standard
//! single-writer pattern has it: every connection goes to the first node
//! that passes its health check, the others are `backup`s, so concurrent
//! writes to one hot row never meet on two nodes (where Galera's
//! certification would fail one of them). A node that fails its checks has
//! its connections cut, and new ones go to the next node.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::mariadb::{state_root, wait_ready};
use crate::port::free_port;
use crate::supervise::Supervised;

pub const INSTALL_HINT: &str = "install HAProxy: `apt-get install haproxy`";

/// The user HAProxy's `mysql-check` logs in as (no password, no grants):
/// a check that only read the greeting would count as a failed connection
/// and get 127.0.0.1 blocked after `max_connect_errors`.
pub const CHECK_USER: &str = "haproxy_check";

#[derive(Debug)]
pub struct Proxy {
    dir: PathBuf,
    port: u16,
    running: Option<Supervised>,
}

impl Proxy {
    /// Starts HAProxy on a free loopback port in front of `nodes` (client
    /// ports on 127.0.0.1, in the order writes should go to them) and waits
    /// for it to accept connections. The cluster must have [`CHECK_USER`].
    pub fn start(name: &str, nodes: &[u16]) -> Result<Proxy, String> {
        let dir =
            state_root("shortlink-test-haproxy").join(format!("{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let servers: String = nodes
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let backup = if i == 0 { "" } else { " backup" };
                format!("    server node{i} 127.0.0.1:{p} check{backup}\n")
            })
            .collect();
        // Checks every 500 ms, down after 2 failures, up after 3 passes.
        let config = format!(
            "global\n    maxconn 4000\n\n\
             defaults\n    mode tcp\n    timeout connect 1s\n    timeout client 1h\n    timeout server 1h\n\n\
             listen galera_writer\n    bind 127.0.0.1:{port}\n    option redispatch\n    retries 2\n    option mysql-check user {CHECK_USER} post-41\n\
             \x20   default-server inter 500ms fall 2 rise 3 on-marked-down shutdown-sessions\n{servers}"
        );
        let path = dir.join("haproxy.cfg");
        std::fs::write(&path, config)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let mut cmd = Command::new("haproxy");
        // -db: in the foreground, so the supervisor owns the process itself.
        cmd.arg("-db")
            .arg("-f")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let running =
            Supervised::spawn(cmd, "haproxy").map_err(|e| format!("{e}; {INSTALL_HINT}"))?;
        let proxy = Proxy {
            dir,
            port,
            running: Some(running),
        };
        // Ready when a backend's greeting comes through, not merely when
        // HAProxy listens. Its output goes nowhere: no log to show.
        wait_ready(port, "haproxy", None)?;
        Ok(proxy)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `mysql://root@127.0.0.1:PORT`, no database, through the proxy.
    pub fn admin_url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}", self.port)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(mut running) = self.running.take() {
            let _ = running.stop(Duration::from_secs(10));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
