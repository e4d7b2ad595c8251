//! The quick comparison end to end, through `shortlink-compare`'s library,
//! on the debug server this test binary was built with: one level, one
//! repetition, every backend (PostgreSQL's two included), cut to the shortest run that still has every
//! endpoint of the mix answer on every backend. The files it writes hold
//! real numbers for every backend, no failed request, the tables, the
//! charts, a `summary.json` with the keys tools read, the pool sizes the
//! servers really ran with, and no absolute path of this machine. Every
//! server ran with the run's admin key and every request of the seeding and
//! the load runs presented it (the API answers nothing else), yet no file
//! of the report holds it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use shortlink_compare::admin_key::contains_key_shape;
use shortlink_compare::Options;
use shortlink_load::Mix;

/// Every backend, each SQL store in both hit modes, and the store it runs.
const BACKENDS: [(&str, &str); 7] = [
    ("memory", "memory"),
    ("sqlite", "sqlite"),
    ("sqlite-buffered", "sqlite"),
    ("mysql", "mysql"),
    ("mysql-buffered", "mysql"),
    ("postgres", "postgres"),
    ("postgres-buffered", "postgres"),
];

fn num(v: &Value, path: &str) -> f64 {
    let mut cur = v;
    for key in path.split('.') {
        cur = cur
            .get(key)
            .unwrap_or_else(|| panic!("missing key {path} in {v}"));
    }
    cur.as_f64()
        .unwrap_or_else(|| panic!("{path} is not a number: {cur}"))
}

/// Every file under `dir`, depth first.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// A quick comparison of every backend (both hit modes) writes report.md, report.html,
/// summary.json and one goose JSON per run, all with positive numbers for
/// every backend and no failed request.
#[test]
fn quick_comparison_reports_every_backend() {
    let out = tempfile::tempdir().expect("temporary directory");
    // Pool sizes neither Rocket's defaults nor the shipped Rocket.toml use:
    // seen in the report only if every server really ran with this file.
    let config = out.path().join("Rocket.toml");
    std::fs::write(
        &config,
        "[sqlite.databases.sqlite]\nmax_connections = 3\n\n\
         [mysql.databases.mysql]\nmax_connections = 5\n\n\
         [postgres.databases.postgres]\nmax_connections = 7\n",
    )
    .expect("write the test Rocket.toml");
    // The quick plan (8 users, 1 repetition) with its warm-up and data set at
    // their minimum: goose counts whole seconds, and a handful of seeded links
    // is enough for every persona to find some. Three seconds of run, not one:
    // with the other test binaries beside it (scripts/test), a persona's one
    // user, still in its on_start (a client, a key, seeded links), sometimes
    // made no call of an endpoint within the first second or two.
    let options = Options {
        run_time: Some(Duration::from_secs(3)),
        warmup: Some(Duration::from_secs(1)),
        seed_links: Some(10),
        server: Some(PathBuf::from(env!("CARGO_BIN_EXE_shortlink"))),
        config: Some(config),
        out: out.path().to_path_buf(),
        ..Options::quick()
    };
    let started = Instant::now();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let outcome = runtime
        .block_on(shortlink_compare::run(&options))
        .expect("the comparison starts");
    assert!(
        outcome.success(),
        "stopped: {:?}; failed requests: {}",
        outcome.stopped,
        outcome.failures
    );
    // A guard against a hung cell, not a speed claim: about 75–120 s here with
    // the other test binaries running beside it.
    assert!(
        started.elapsed() < Duration::from_secs(300),
        "the quick comparison took {:?}",
        started.elapsed()
    );
    let dir = outcome.dir;
    assert!(dir.starts_with(out.path()), "{}", dir.display());

    // The key: in no file of the report (the goose JSON of every run
    // included), neither this run's secret nor anything shaped like a key.
    let secret = outcome.admin_key.secret();
    let files = files_under(&dir);
    assert!(files.len() >= 6, "report files: {files:?}");
    for file in &files {
        let text =
            String::from_utf8_lossy(&std::fs::read(file).expect("read a report file")).into_owned();
        assert!(
            !text.contains(secret),
            "{} holds the run's admin key",
            file.display()
        );
        assert!(
            !contains_key_shape(&text),
            "{} holds something shaped like an API key",
            file.display()
        );
    }

    // summary.json: the keys, and positive numbers for every backend.
    let raw_summary = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    let summary: Value = serde_json::from_str(&raw_summary).expect("summary.json parses");
    assert_eq!(summary["schema"], "shortlink-compare/1");
    assert_eq!(summary["complete"], true, "{summary}");
    for key in [
        "started_at",
        "finished_at",
        "git_sha",
        "machine",
        "plan",
        "goose_args",
        "versions",
        "aggregates",
        "endpoints_busiest",
        "findings",
        "cells",
    ] {
        assert!(summary.get(key).is_some(), "summary.json lacks {key}");
    }
    assert!(num(&summary, "machine.cores") >= 1.0);
    assert!(num(&summary, "machine.mem_total_mib") > 0.0);
    assert_eq!(summary["plan"]["users"], serde_json::json!([8]));
    assert_eq!(summary["cells"].as_array().map(Vec::len), Some(7));
    // Paths as the report shows them: the config lies outside the current
    // directory (its file name), the server wherever the target dir is.
    assert_eq!(summary["plan"]["config"], "Rocket.toml");
    let server = summary["server_binary"].as_str().expect("server_binary");
    assert!(
        server.ends_with("shortlink") && !server.starts_with('/'),
        "server_binary {server}"
    );
    for (backend, store) in BACKENDS {
        let pool = match store {
            "sqlite" => 3.into(),
            "mysql" => 5.into(),
            "postgres" => 7.into(),
            _ => Value::Null,
        };
        let cell = summary["cells"]
            .as_array()
            .and_then(|cells| cells.iter().find(|c| c["backend"] == backend))
            .unwrap_or_else(|| panic!("no {backend} cell"));
        assert_eq!(cell["pool_max_connections"], pool, "{backend}'s pool size");
        // Only SQLite commits in groups; 8 users writing for a second must
        // have shared commits, or the measurement (or the grouping) is broken.
        let per_commit = cell["writes_per_commit"].as_f64();
        if backend == "sqlite" {
            assert!(
                per_commit.is_some_and(|n| n > 1.0),
                "SQLite writes per commit: {per_commit:?}"
            );
        } else if store == "sqlite" {
            // Buffered: redirects no longer write, the rest still groups.
            assert!(per_commit.is_some(), "{backend}: no write groups");
        } else {
            assert_eq!(per_commit, None, "{backend} has no write groups");
        }
    }
    let aggregates = summary["aggregates"].as_array().expect("aggregates");
    for (backend, store) in BACKENDS {
        assert_eq!(
            summary["versions"][backend]["backend"], store,
            "/version of the {backend} server"
        );
        let a = aggregates
            .iter()
            .find(|a| a["backend"] == backend)
            .unwrap_or_else(|| panic!("no aggregate for {backend}"));
        for metric in [
            "rps.median",
            "p50_ms.median",
            "p95_ms.median",
            "p99_ms.median",
            "server_cpu_ms_per_request.median",
            "server_peak_rss_mib.median",
        ] {
            assert!(num(a, metric) > 0.0, "{backend}: {metric} is not > 0: {a}");
        }
        assert_eq!(num(a, "error_rate_pct.median"), 0.0, "{backend}: errors");
        assert_eq!(a["failures"], 0, "{backend}: failed requests");
        assert_eq!(a["hits_reconciled"], true, "{backend}: hits");
        // Our own mariadbd's and PostgreSQL's CPU and memory are counted.
        let has_db = store == "mysql" || store == "postgres";
        assert_eq!(
            !a["db_cpu_ms_per_request"].is_null(),
            has_db,
            "{backend}: db CPU"
        );
        if has_db {
            assert!(num(a, "db_cpu_ms_per_request.median") > 0.0);
            assert!(num(a, "db_peak_rss_mib.median") > 0.0);
        }
        for name in Mix::Shortlink.endpoints().iter().map(|e| e.name()) {
            let e = summary["endpoints_busiest"]
                .as_array()
                .and_then(|eps| {
                    eps.iter()
                        .find(|e| e["backend"] == backend && e["endpoint"] == name)
                })
                .unwrap_or_else(|| panic!("{backend}: no endpoint row for {name}"));
            assert!(num(e, "rps.median") > 0.0, "{backend} {name}: rps");
        }
    }
    let findings = summary["findings"].as_array().expect("findings");
    assert!(findings.iter().any(|f| f
        .as_str()
        .is_some_and(|f| f.contains("sqlite serves") && f.contains("of memory's"))));
    assert!(
        findings.iter().any(|f| f
            .as_str()
            .is_some_and(|f| f.starts_with("PostgreSQL against MySQL at 8 users"))),
        "no finding compares PostgreSQL with MySQL: {findings:?}"
    );
    for store in ["sqlite", "mysql", "postgres"] {
        assert!(
            findings.iter().any(|f| f
                .as_str()
                .is_some_and(|f| f.starts_with(&format!("Hit modes on {store} at 8 users")))),
            "no finding compares {store}'s hit modes: {findings:?}"
        );
    }

    // runs/: goose's raw JSON report of each run.
    for cell in summary["cells"].as_array().expect("cells") {
        let file = dir.join(cell["goose_report"].as_str().expect("goose_report"));
        let raw: Value = serde_json::from_slice(
            &std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())),
        )
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()));
        assert!(raw.is_object() && !raw.as_object().is_some_and(|o| o.is_empty()));
    }

    // report.md: one row per backend with its req/s as a positive number.
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    for (backend, _) in BACKENDS {
        let row = md
            .lines()
            .find(|l| l.starts_with(&format!("| {backend} | 8 |")))
            .unwrap_or_else(|| panic!("report.md has no {backend} row:\n{md}"));
        let rps: f64 = row
            .split('|')
            .nth(3)
            .and_then(|c| c.trim().split(' ').next()?.parse().ok())
            .unwrap_or_else(|| panic!("no req/s in {row}"));
        assert!(rps > 0.0, "{row}");
        assert!(
            md.contains(&format!("| {backend} | `GET /{{code}}` |")),
            "report.md lacks {backend}'s per-endpoint rows"
        );
    }
    assert!(
        md.contains("database pool: sqlite 3, mysql 5, postgres 7 connections"),
        "report.md does not state the pool sizes the servers ran with"
    );
    assert!(
        md.contains("writes per commit at 8 user(s)"),
        "report.md does not explain SQLite's group commit with its measured size"
    );
    for heading in [
        "## Findings",
        "## By backend and concurrency",
        "## Per endpoint at 8 users",
        "## Plan, versions, machine",
    ] {
        assert!(md.contains(heading), "report.md lacks {heading}");
    }

    // report.html: the charts are inline SVG, one line per backend, bars for
    // the percentiles, and nothing is fetched from anywhere.
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    assert!(html.matches("<svg").count() >= 3, "three charts");
    assert_eq!(
        html.matches("<polyline").count(),
        2 * BACKENDS.len(),
        "one line per backend in two line charts"
    );
    for (backend, _) in BACKENDS {
        assert!(
            html.contains(&format!("<title>{backend} p99:")),
            "{backend}'s p99 bar"
        );
        assert!(
            html.contains(&format!("<td>{backend}</td><td class=n>8</td>")),
            "{backend}'s table row"
        );
    }
    for remote in ["<script src", "<link ", "@import", "src=\"http"] {
        assert!(
            !html.contains(remote),
            "report.html fetches something: {remote}"
        );
    }
    let here = env!("CARGO_MANIFEST_DIR");
    for (file, text) in [
        ("summary.json", &raw_summary),
        ("report.md", &md),
        ("report.html", &html),
    ] {
        assert!(!text.contains(here), "{file} names {here}");
    }

    // The agreement reads finished runs back: a run agrees with itself exactly.
    let verdict = shortlink_compare::compare_runs(&dir, &dir, 10.0).expect("compare the run");
    assert!(verdict.agree, "{}", verdict.markdown);
    for (backend, _) in BACKENDS {
        assert!(
            verdict.markdown.contains(&format!("| {backend} | 8 |")),
            "{}",
            verdict.markdown
        );
    }
    assert!(
        verdict.markdown.contains(&format!(
            "{n} of {n} medians within ±10% (largest change 0.0%).",
            n = BACKENDS.len()
        )),
        "{}",
        verdict.markdown
    );
}
