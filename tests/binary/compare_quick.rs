//! `shortlink-compare --quick` end to end on the debug server: one level,
//! one repetition, every backend; the files it writes hold real numbers for
//! every backend, no failed request, the tables, the charts, and a
//! `summary.json` with the keys tools read.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BACKENDS: [&str; 3] = ["memory", "sqlite", "mysql"];

/// Every request name the load test's mix makes.
const MIX_ENDPOINTS: [&str; 7] = [
    "GET /{code}",
    "POST /api/v1/links",
    "GET /api/v1/links/{code}",
    "PATCH /api/v1/links/{code}",
    "DELETE /api/v1/links/{code}",
    "GET /api/v1/links",
    "GET /api/v1/stats",
];

/// The comparison's binary, built by cargo: it lives in its own package, so
/// cargo gives this test no `CARGO_BIN_EXE_` for it.
fn compare_binary() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "-p",
            "shortlink-compare",
            "--bin",
            "shortlink-compare",
            "--message-format=json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo build -p shortlink-compare");
    assert!(
        out.status.success(),
        "cargo build -p shortlink-compare failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|m| m.get("executable")?.as_str().map(PathBuf::from))
        .find(|p| p.file_name().is_some_and(|n| n == "shortlink-compare"))
        .expect("cargo reported the shortlink-compare executable")
}

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

/// The one report directory the run made under `out`.
fn report_dir(out: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(out)
        .expect("read the output directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("compare-"))
        })
        .collect();
    assert_eq!(dirs.len(), 1, "one compare-<timestamp> directory: {dirs:?}");
    dirs[0].clone()
}

/// A quick comparison of all three backends writes report.md, report.html,
/// summary.json and one goose JSON per run, all with positive numbers for
/// every backend and no failed request.
#[test]
fn quick_comparison_reports_every_backend() {
    let compare = compare_binary();
    let out = tempfile::tempdir().expect("temporary directory");
    // Pool sizes neither Rocket's defaults nor the shipped Rocket.toml use:
    // seen in the report only if every server really ran with this file.
    let config = out.path().join("Rocket.toml");
    std::fs::write(
        &config,
        "[sqlite.databases.sqlite]\nmax_connections = 3\n\n\
         [mysql.databases.mysql]\nmax_connections = 5\n",
    )
    .expect("write the test Rocket.toml");
    let started = std::time::Instant::now();
    let run = Command::new(&compare)
        .args([
            "--quick",
            "--server",
            env!("CARGO_BIN_EXE_shortlink"),
            "--out",
        ])
        .arg(out.path())
        .arg("--config")
        .arg(&config)
        .output()
        .expect("run shortlink-compare");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "shortlink-compare --quick failed:\n{stderr}"
    );
    assert!(
        started.elapsed().as_secs() < 120,
        "--quick took {:?}",
        started.elapsed()
    );
    let dir = report_dir(out.path());

    // summary.json: the keys, and positive numbers for every backend.
    let summary: Value = serde_json::from_slice(
        &std::fs::read(dir.join("summary.json")).expect("summary.json exists"),
    )
    .expect("summary.json parses");
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
    assert_eq!(summary["cells"].as_array().map(Vec::len), Some(3));
    let canonical = std::fs::canonicalize(&config).expect("config path");
    assert_eq!(summary["plan"]["config"], canonical.display().to_string());
    for (backend, pool) in [
        ("memory", Value::Null),
        ("sqlite", 3.into()),
        ("mysql", 5.into()),
    ] {
        let cell = summary["cells"]
            .as_array()
            .and_then(|cells| cells.iter().find(|c| c["backend"] == backend))
            .unwrap_or_else(|| panic!("no {backend} cell"));
        assert_eq!(cell["pool_max_connections"], pool, "{backend}'s pool size");
        // Only SQLite commits in groups; 8 users writing for seconds must
        // have shared commits, or the measurement (or the grouping) is broken.
        let per_commit = cell["writes_per_commit"].as_f64();
        if backend == "sqlite" {
            assert!(
                per_commit.is_some_and(|n| n > 1.0),
                "SQLite writes per commit: {per_commit:?}"
            );
        } else {
            assert_eq!(per_commit, None, "{backend} has no write groups");
        }
    }
    let aggregates = summary["aggregates"].as_array().expect("aggregates");
    for backend in BACKENDS {
        assert_eq!(
            summary["versions"][backend]["backend"], backend,
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
        let has_db = backend == "mysql";
        assert_eq!(
            !a["db_cpu_ms_per_request"].is_null(),
            has_db,
            "{backend}: db CPU"
        );
        if has_db {
            assert!(num(a, "db_cpu_ms_per_request.median") > 0.0);
            assert!(num(a, "db_peak_rss_mib.median") > 0.0);
        }
        for name in MIX_ENDPOINTS {
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
    for backend in BACKENDS {
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
        md.contains("database pool: sqlite 3, mysql 5 connections"),
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
        6,
        "one line per backend in two line charts"
    );
    for backend in BACKENDS {
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

    // --agreement reads finished runs back: a run agrees with itself exactly.
    let agree = Command::new(&compare)
        .arg("--agreement")
        .args([&dir, &dir])
        .output()
        .expect("run shortlink-compare --agreement");
    let table = String::from_utf8_lossy(&agree.stdout);
    assert!(
        agree.status.success(),
        "{table}{}",
        String::from_utf8_lossy(&agree.stderr)
    );
    for backend in BACKENDS {
        assert!(table.contains(&format!("| {backend} | 8 |")), "{table}");
    }
    assert!(
        table.contains("3 of 3 medians within ±10% (largest change 0.0%)."),
        "{table}"
    );
}
