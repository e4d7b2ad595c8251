//! `shortlink keys create|list|revoke` through the real binary, on the
//! SQLite file its profile names, and what the keys it makes do to a running
//! server: they work at once, a revocation holds at the next request, and no
//! secret reaches the server's log at any level.

use std::path::Path;
use std::process::Output;

use crate::binary::{self, command, free_port, on_sqlite, reap, signal, wait_healthy};

fn keys(db: &Path, args: &[&str]) -> Output {
    on_sqlite(db, free_port())
        .arg("keys")
        .args(args)
        .output()
        .expect("run shortlink keys")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The printed key: one line, `sl_` + 12-character id + `_` + 43-character secret.
fn created(db: &Path, name: &str, role: &str) -> String {
    let out = stdout(&keys(db, &["create", "--name", name, "--role", role]));
    let key = out.strip_suffix('\n').expect("one line");
    assert!(!key.contains('\n'), "only the key on stdout: {out:?}");
    assert!(key.starts_with("sl_") && key.len() == 59, "{key:?}");
    key.to_owned()
}

fn id_of(key: &str) -> &str {
    &key[3..15]
}

fn secret_of(key: &str) -> &str {
    &key[16..]
}

#[test]
fn keys_create_list_revoke_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let author = created(&db, "blog bot", "author");
    let admin = created(&db, "ops", "admin");
    assert_ne!(id_of(&author), id_of(&admin));

    let list = stdout(&keys(&db, &["list"]));
    let rows: Vec<Vec<&str>> = list.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows[0], ["ID", "ROLE", "CREATED", "REVOKED", "NAME"]);
    assert_eq!(rows.len(), 3, "{list}");
    let row = |id: &str| rows.iter().find(|r| r[0] == id).cloned().unwrap();
    let a = row(id_of(&author));
    assert_eq!((a[1], a[3], a[4]), ("author", "-", "blog bot"));
    assert!(a[2].ends_with('Z'), "created is RFC 3339: {a:?}");
    for key in [&author, &admin] {
        assert!(
            !list.contains(secret_of(key)),
            "list shows a secret: {list}"
        );
    }

    assert_eq!(
        stdout(&keys(&db, &["revoke", id_of(&author)])),
        format!("revoked {}\n", id_of(&author))
    );
    let again = keys(&db, &["revoke", id_of(&author)]);
    assert!(!again.status.success(), "a second revoke is an error");
    let list = stdout(&keys(&db, &["list"]));
    let revoked = list
        .lines()
        .find(|l| l.starts_with(id_of(&author)))
        .unwrap();
    assert_ne!(revoked.split('\t').nth(3), Some("-"), "{revoked}");
    let live = list.lines().find(|l| l.starts_with(id_of(&admin))).unwrap();
    assert_eq!(live.split('\t').nth(3), Some("-"), "{live}");
}

#[test]
fn keys_rejects_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    for args in [
        &["create", "--name", "x", "--role", "boss"][..],
        &["create", "--role", "admin"],
        &["create", "--name", "", "--role", "admin"],
        &["revoke", "not-an-id"],
        &["revoke", "000000000000"],
    ] {
        let out = keys(&db, args);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(out.stdout.is_empty(), "{args:?} printed {:?}", out.stdout);
    }
    // The memory backend would forget the key at once: refused, not faked.
    let out = command(dir.path())
        .env("ROCKET_PROFILE", "memory")
        .args(["keys", "create", "--name", "x", "--role", "admin"])
        .output()
        .unwrap();
    assert!(!out.status.success() && out.stdout.is_empty());
}

#[test]
fn the_sqlite_file_holds_no_raw_secret() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let keys: Vec<String> = (0..3)
        .map(|i| created(&db, &format!("k{i}"), "author"))
        .collect();
    let mut files = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        files += 1;
        for key in &keys {
            assert!(!text.contains(secret_of(key)), "a raw secret is on disk");
        }
    }
    // The ids are stored in clear, so the scan did read the rows.
    let all: String = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| String::from_utf8_lossy(&std::fs::read(e.unwrap().path()).unwrap()).into_owned())
        .collect();
    assert!(keys.iter().all(|k| all.contains(id_of(k))), "{files} files");
}

/// Without arguments the binary still serves, on the same file the keys
/// commands wrote (migrated once, by whichever ran first).
/// A key made by the command works on the server at once, a revocation by
/// the command holds on the server's next request, and the server's log, at
/// its most verbose, holds no secret of the keys the requests carried.
#[tokio::test]
async fn keys_from_the_command_work_on_the_server_and_never_reach_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let admin = created(&db, "ops", "admin");
    let author = created(&db, "bot", "author");
    let port = free_port();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = on_sqlite(&db, port)
        .env("SHORTLINK_LOG", "trace")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    wait_healthy(port).await;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let call = |key: &str, path: &str| {
        http.get(format!("{base}{path}"))
            .header("Authorization", format!("Bearer {key}"))
            .send()
    };
    assert_eq!(call(&admin, "/api/v1/keys").await.unwrap().status(), 200);
    assert_eq!(call(&author, "/api/v1/links").await.unwrap().status(), 200);
    assert_eq!(call(&author, "/api/v1/keys").await.unwrap().status(), 403);
    stdout(&keys(&db, &["revoke", id_of(&author)]));
    assert_eq!(call(&author, "/api/v1/links").await.unwrap().status(), 401);
    // A wrong secret for a real id: refused, and not logged either.
    let wrong = format!("sl_{}_{}", id_of(&admin), "A".repeat(43));
    assert_eq!(call(&wrong, "/api/v1/links").await.unwrap().status(), 401);

    signal(&child, libc::SIGTERM);
    assert!(reap(&mut child, std::time::Duration::from_secs(15)).is_some());
    let logged = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logged.contains("request"),
        "the log was not captured: {logged}"
    );
    for key in [&admin, &author, &wrong, binary::admin_key()] {
        assert!(!logged.contains(secret_of(key)), "a secret in the log");
    }
}

/// `keys generate` prints a key and stores nothing; as the memory backend's
/// `admin_key_file` it is that server's admin key.
#[tokio::test]
async fn a_generated_key_bootstraps_the_memory_backend() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .args(["keys", "generate"])
        .env("ROCKET_PROFILE", "memory")
        .output()
        .unwrap();
    let key = stdout(&out).trim_end().to_owned();
    assert!(key.starts_with("sl_") && key.len() == 59, "{key:?}");
    let file = dir.path().join("admin.key");
    std::fs::write(&file, format!("{key}\n")).unwrap();
    let port = free_port();
    let mut child = command(dir.path())
        .env("ROCKET_PROFILE", "memory")
        .env("ROCKET_PORT", port.to_string())
        .env_remove("ROCKET_ADMIN_KEY")
        .env("ROCKET_ADMIN_KEY_FILE", &file)
        .env("SHORTLINK_LOG", "off")
        .spawn()
        .unwrap();
    wait_healthy(port).await;
    let res = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/v1/keys"))
        .header("Authorization", format!("Bearer {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("\"bootstrap\"") && body.contains(id_of(&key)),
        "{body}"
    );
    signal(&child, libc::SIGTERM);
    assert!(reap(&mut child, std::time::Duration::from_secs(15)).is_some());
}
