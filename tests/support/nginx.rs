//! A real nginx in front of a test server (owned by the harness work): writes
//! a minimal reverse-proxy config on a free loopback port in a temp dir,
//! starts `nginx -g 'daemon off;'` as a child, and stops it by PID on drop.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running nginx; killed (by its own PID) and reaped on drop.
pub struct Nginx {
    pub base_url: String,
    child: Child,
    dir: tempfile::TempDir,
}

/// The nginx binary: `$PATH`, then the Debian location (root's PATH in some
/// shells lacks /usr/sbin).
fn nginx_binary() -> PathBuf {
    let candidates = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("nginx"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    candidates
        .into_iter()
        .chain([PathBuf::from("/usr/sbin/nginx")])
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("nginx is not installed: install it: apt-get install nginx"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// The config: one upstream with keepalive, bodies capped at 16k like the
/// app, Host and X-Request-Id passed on. nginx answers an over-size body
/// itself, so its 413 is rewritten into the contract's JSON error.
/// `master_process off` keeps nginx one process, so killing the child's PID
/// stops all of it and no worker switches to another user.
pub fn config(dir: &Path, listen_port: u16, upstream_port: u16) -> String {
    let d = dir.display();
    format!(
        r#"daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    map $http_x_request_id $shortlink_request_id {{
        default $http_x_request_id;
        ""      $request_id;
    }}
    upstream shortlink {{
        server 127.0.0.1:{upstream_port};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{listen_port};
        client_max_body_size 16k;
        client_body_buffer_size 32k;
        error_page 413 = @payload_too_large;
        location / {{
            proxy_pass http://shortlink;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Request-Id $shortlink_request_id;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
        location @payload_too_large {{
            default_type application/json;
            add_header X-Request-Id $shortlink_request_id always;
            return 413 '{{"error":{{"status":413,"code":"payload_too_large","message":"request body exceeds 16 KiB"}}}}';
        }}
    }}
}}
"#
    )
}

impl Nginx {
    /// Starts nginx in front of `127.0.0.1:upstream_port` and waits (at most
    /// 10 s) until it accepts connections.
    pub fn start(upstream_port: u16) -> Nginx {
        let binary = nginx_binary();
        let dir = tempfile::tempdir().expect("a temp dir for nginx");
        let port = free_port();
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config(dir.path(), port, upstream_port)).expect("write nginx.conf");
        let child = Command::new(&binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut nginx = Nginx {
            base_url: format!("http://127.0.0.1:{port}"),
            child,
            dir,
        };
        nginx.wait_ready();
        nginx
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log =
                    std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default();
                panic!("nginx exited at start-up ({status}):\n{log}");
            }
            if TcpStream::connect(self.base_url.trim_start_matches("http://")).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("nginx did not listen on {} within 10 s", self.base_url);
    }

    /// nginx's error log so far (for failure messages).
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // Our own child, by PID: kill, then reap so no zombie is left.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
