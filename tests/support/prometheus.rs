//! A throwaway Prometheus (Debian's `prometheus`) and node-exporter
//! (`prometheus-node-exporter`) on free loopback ports, scraping one test
//! server every second under the monitoring role's job names, so the load
//! test's `--prometheus` reads what it reads in a deployment. Both are
//! children of the test, stopped by their own PIDs on drop.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::binary::free_port;

/// The host name the targets are labelled with (`instance`), as the
/// monitoring role labels them with inventory names.
pub const HOST: &str = "testhost";

pub struct Prometheus {
    pub url: String,
    port: u16,
    app_port: u16,
    /// Prometheus first, then the node-exporter.
    children: Vec<Child>,
    dir: tempfile::TempDir,
}

fn spawn(binary: &str, package: &str, args: &[String], log: &Path) -> Child {
    if !Path::new(binary).is_file() {
        panic!("{binary} is missing: install it: apt-get install {package}");
    }
    let log = std::fs::File::create(log).expect("a log file");
    Command::new(binary)
        .args(args)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"))
}

/// The scrape config: the instance, and the node-exporter if `node_port`.
fn config(app_port: u16, node_port: Option<u16>) -> String {
    let mut config = format!(
        "global: {{scrape_interval: 1s, scrape_timeout: 1s}}\n\
         scrape_configs:\n\
         - job_name: shortlink\n  static_configs:\n  - targets: ['127.0.0.1:{app_port}']\n    labels: {{instance: '{HOST}:{app_port}'}}\n"
    );
    if let Some(node_port) = node_port {
        config += &format!(
            "- job_name: node\n  static_configs:\n  - targets: ['127.0.0.1:{node_port}']\n    labels: {{instance: '{HOST}'}}\n"
        );
    }
    config
}

impl Prometheus {
    /// Scrapes the shortlink instance on `app_port` (job `shortlink`,
    /// instance `testhost:PORT`) and a node-exporter (job `node`, instance
    /// `testhost`); returns once both targets were scraped up.
    pub async fn start(app_port: u16) -> Prometheus {
        let dir = tempfile::tempdir().expect("a temp dir for Prometheus");
        let (port, node_port) = (free_port(), free_port());
        let node = spawn(
            "/usr/bin/prometheus-node-exporter",
            "prometheus-node-exporter",
            &[format!("--web.listen-address=127.0.0.1:{node_port}")],
            &dir.path().join("node-exporter.log"),
        );
        let mut server = Prometheus {
            url: format!("http://127.0.0.1:{port}"),
            port,
            app_port,
            children: vec![node],
            dir,
        };
        server.run(config(app_port, Some(node_port))).await;
        server
    }

    /// Stops Prometheus and starts it again on the same data without the
    /// node-exporter, as a converge that replaces a config and restarts
    /// does: the node job's last `up` stays queryable for the lookback.
    pub async fn restart_without_node(&mut self) {
        let mut old = self.children.remove(0);
        let _ = old.kill();
        let _ = old.wait();
        self.run(config(self.app_port, None)).await;
    }

    /// Starts Prometheus on `config` (as the first child) and waits until
    /// every target it has is up.
    async fn run(&mut self, config: String) {
        let config_file = self.dir.path().join("prometheus.yml");
        std::fs::write(&config_file, config).expect("write prometheus.yml");
        let prometheus = spawn(
            "/usr/bin/prometheus",
            "prometheus",
            &[
                format!("--config.file={}", config_file.display()),
                format!(
                    "--storage.tsdb.path={}",
                    self.dir.path().join("data").display()
                ),
                format!("--web.listen-address=127.0.0.1:{}", self.port),
            ],
            &self.dir.path().join("prometheus.log"),
        );
        self.children.insert(0, prometheus);
        self.wait_targets_up().await;
    }

    /// Every active target's last scrape succeeded, within 30 s (Prometheus
    /// starts, then scrapes once a second).
    async fn wait_targets_up(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = String::new();
        while Instant::now() < deadline {
            let url = format!("{}/api/v1/targets?state=active", self.url);
            if let Ok(response) = client.get(url).send().await {
                last = response.text().await.unwrap_or_default();
                let up = last.matches("\"health\":\"up\"").count();
                if up > 0 && up == last.matches("\"health\":").count() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let log =
            std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default();
        panic!("Prometheus's targets not up within 30 s; last answer {last}\n{log}");
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
