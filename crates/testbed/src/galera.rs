//! A throwaway MariaDB Galera cluster on loopback: nodes of Debian's
//! `galera-4` provider, each a mariadbd with its own datadir and four free
//! ports (clients, group communication, incremental and full state
//! transfer), full state transfer by mariadb-backup. The first node
//! bootstraps the cluster; the others join one at a time, as the standard
//! procedure has it (a joiner needs a synced donor). A node can be killed,
//! as a crash, and started again: it rejoins by IST, or SST when its state
//! is too old.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::mariadb::{install_db, mariadbd_path, state_root, wait_ready};
use crate::port::free_port;
use crate::supervise::Supervised;

/// What to tell someone whose machine lacks a part of the cluster.
pub const INSTALL_HINT: &str =
    "install Galera: `apt-get install galera-4 mariadb-backup socat mariadb-server mariadb-client`";

const PROVIDER: &str = "/usr/lib/galera/libgalera_smm.so";
/// How long a node may take to be synced: a full state transfer of an
/// almost empty datadir takes ~10 s here.
const SYNC_WITHIN: Duration = Duration::from_secs(120);

#[derive(Debug)]
struct Node {
    dir: PathBuf,
    client: u16,
    running: Option<Supervised>,
}

/// The cluster's nodes, numbered from 0; node 0 bootstrapped it.
#[derive(Debug)]
pub struct Cluster {
    dir: PathBuf,
    nodes: Vec<Node>,
}

impl Cluster {
    /// Datadirs and configuration for `size` nodes under
    /// `<tmp>/shortlink-test-galera/<pid>-<name>`; nothing runs yet.
    pub fn create(name: &str, size: usize) -> Result<Cluster, String> {
        for needed in [PROVIDER, "/usr/bin/mariadb-backup", "/usr/bin/socat"] {
            if !Path::new(needed).exists() {
                return Err(format!("{needed} is missing: {INSTALL_HINT}"));
            }
        }
        let dir =
            state_root("shortlink-test-galera").join(format!("{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let port = || free_port().map_err(|e| format!("no free port: {e}"));
        let mut nodes = Vec::new();
        let mut ports = Vec::new();
        for i in 0..size {
            let node = dir.join(format!("node{i}"));
            std::fs::create_dir_all(&node)
                .map_err(|e| format!("cannot create {}: {e}", node.display()))?;
            install_db(&node.join("data"))?;
            ports.push([port()?, port()?, port()?, port()?]);
            nodes.push(Node {
                dir: node,
                client: ports[i][0],
                running: None,
            });
        }
        let members: Vec<String> = ports
            .iter()
            .map(|p| format!("127.0.0.1:{}", p[1]))
            .collect();
        for (node, [client, gcomm, ist, sst]) in nodes.iter().zip(&ports) {
            let d = node.dir.display();
            let config = format!(
                "[mysqld]\n\
                 datadir={d}/data\nsocket={d}/sock\npid-file={d}/pid\nlog-error={d}/error.log\n\
                 port={client}\nbind-address=127.0.0.1\nuser=root\nskip-name-resolve\n\
                 max-connections=1000\ninnodb-buffer-pool-size=64M\n\
                 # What Galera requires of every node.\n\
                 binlog_format=ROW\ndefault_storage_engine=InnoDB\ninnodb_autoinc_lock_mode=2\n\
                 wsrep_on=ON\nwsrep_provider={PROVIDER}\nwsrep_cluster_name=shortlink-test\n\
                 wsrep_cluster_address=gcomm://{}\n\
                 wsrep_node_address=127.0.0.1:{gcomm}\n\
                 wsrep_provider_options=\"gmcast.listen_addr=tcp://127.0.0.1:{gcomm};ist.recv_addr=127.0.0.1:{ist};gcache.size=64M\"\n\
                 wsrep_sst_receive_address=127.0.0.1:{sst}\n\
                 wsrep_sst_method=mariabackup\nwsrep_sst_auth=root:\n",
                members.join(",")
            );
            let path = node.dir.join("my.cnf");
            std::fs::write(&path, config)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Ok(Cluster { dir, nodes })
    }

    /// Bootstraps node 0, then joins the others one at a time, each synced
    /// before the next starts.
    pub fn start(&mut self) -> Result<(), String> {
        for i in 0..self.nodes.len() {
            self.start_node(i, i == 0)?;
        }
        Ok(())
    }

    /// Starts a node that was killed, to rejoin the running cluster.
    pub fn restart(&mut self, i: usize) -> Result<(), String> {
        self.start_node(i, false)
    }

    /// SIGKILL to node `i`: a crash, with no goodbye to the cluster.
    pub fn kill(&mut self, i: usize) -> Result<(), String> {
        match self.nodes[i].running.take() {
            Some(mut node) => node.kill(),
            None => Ok(()),
        }
    }

    pub fn size(&self) -> usize {
        self.nodes.len()
    }

    /// Node `i`'s client port on 127.0.0.1.
    pub fn port(&self, i: usize) -> u16 {
        self.nodes[i].client
    }

    /// `mysql://root@127.0.0.1:PORT` of node `i`, no database.
    pub fn admin_url(&self, i: usize) -> String {
        format!("mysql://root@127.0.0.1:{}", self.nodes[i].client)
    }

    /// A `SHOW STATUS` value of node `i` (e.g. `wsrep_cluster_size`).
    pub fn status(&self, i: usize, name: &str) -> Result<String, String> {
        let text = self.execute(i, &format!("SHOW STATUS LIKE '{name}'"))?;
        Ok(text
            .split('\t')
            .nth(1)
            .unwrap_or_default()
            .trim()
            .to_string())
    }

    /// Runs `sql` on node `i` through the mariadb client; its tab-separated
    /// output.
    pub fn execute(&self, i: usize, sql: &str) -> Result<String, String> {
        let out = Command::new("mariadb")
            .args(["--no-defaults", "-h127.0.0.1", "-uroot", "-N", "-B"])
            .arg(format!("-P{}", self.nodes[i].client))
            .arg("-e")
            .arg(sql)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run mariadb: {e}; {INSTALL_HINT}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn start_node(&mut self, i: usize, bootstrap: bool) -> Result<(), String> {
        let node = &self.nodes[i];
        let mut cmd = Command::new(mariadbd_path());
        cmd.arg(format!(
            "--defaults-file={}",
            node.dir.join("my.cnf").display()
        ));
        if bootstrap {
            cmd.arg("--wsrep-new-cluster");
        }
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        let running = Supervised::spawn(cmd, &format!("galera node {i}"))?;
        self.nodes[i].running = Some(running);
        let node = &self.nodes[i];
        // A joiner opens its client port once its state transfer is done.
        wait_ready(node.client, "mariadbd", Some(&node.dir.join("error.log")))
            .map_err(|e| format!("node {i}: {e}"))?;
        self.wait_synced(i)
    }

    /// Waits until node `i` says `Synced`.
    pub fn wait_synced(&self, i: usize) -> Result<(), String> {
        let deadline = Instant::now() + SYNC_WITHIN;
        loop {
            let state = self.status(i, "wsrep_local_state_comment");
            if matches!(&state, Ok(s) if s == "Synced") {
                return Ok(());
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(self.nodes[i].dir.join("error.log"))
                    .unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(30).collect();
                return Err(format!(
                    "galera node {i} not synced within {SYNC_WITHIN:?} ({state:?}); its log ends:\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Some(mut running) = node.running.take() {
                let _ = running.stop(Duration::from_secs(30));
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
