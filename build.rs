//! Stamps the git commit into the binary for `GET /version`.

use std::process::Command;

fn main() {
    let sha = std::env::var("SHORTLINK_GIT_SHA").ok().or_else(|| {
        let out = Command::new("git")
            .args(["rev-parse", "--short=12", "HEAD"])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    });
    println!(
        "cargo:rustc-env=SHORTLINK_GIT_SHA={}",
        sha.unwrap_or_else(|| "unknown".into())
    );
    println!("cargo:rerun-if-env-changed=SHORTLINK_GIT_SHA");
    // HEAD and the branch it names, where git keeps them: not `.git/...`,
    // which in a worktree is a file (a path that does not exist makes cargo
    // rerun this on every build: a rebuild and a "changed" deploy each
    // time), and not all of refs/heads, which other branches' commits touch.
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    let watched = [Some("HEAD".to_owned()), branch]
        .into_iter()
        .flatten()
        .filter_map(|name| git(&["rev-parse", "--path-format=absolute", "--git-path", &name]))
        .filter(|path| std::path::Path::new(path).exists())
        .collect::<Vec<_>>();
    if watched.is_empty() {
        println!("cargo:rerun-if-changed=.git/HEAD");
    }
    for path in watched {
        println!("cargo:rerun-if-changed={path}");
    }
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
