//! The merge adds histograms, never percentiles: two hosts whose own p50s
//! are 10 µs and 100 µs have a merged p50 that is one of the recorded
//! times, not 55 µs. Times under 128 µs have buckets of their own in goose,
//! so the expected values are exact.
use goose::metrics::GooseRequestMetricAggregate;
use serde_json::json;

use super::*;
use crate::summary::tests::times;

const REDIRECT: &str = "GET /{code}";

/// A host's run from `start` to `end` (seconds after 10:00) whose redirects
/// took `samples`, `failed` of them failures.
fn part(label: &str, start: u32, end: u32, samples: &[(u64, usize)], failed: usize) -> Part {
    let history = json!([
        {"action": "Increasing", "timestamp": format!("2026-12-02T10:00:{start:02}Z"), "users": 0},
        {"action": "Finished", "timestamp": format!("2026-12-02T10:00:{end:02}Z"), "users": 0},
    ]);
    let mut metrics = GooseMetrics::default();
    metrics.history = serde_json::from_value(history).expect("goose's history");
    metrics.duration = (end - start) as usize;
    // Goose keeps the aggregate's constructor to itself; its JSON form is
    // what a report holds anyway.
    let raw = times(samples);
    let agg: GooseRequestMetricAggregate = serde_json::from_value(json!({
        "path": "/{code}", "method": "Get", "coordinated_omission_data": null,
        "status_code_counts": {}, "load_test_hash": 0,
        "success_count": raw.counter - failed, "fail_count": failed,
        "raw_data": serde_json::to_value(&raw).expect("goose's timing data"),
    }))
    .expect("goose's request aggregate");
    metrics.requests.insert(REDIRECT.to_string(), agg);
    let summary = json!({
        "host": "http://127.0.0.1:8000", "mix": "shortlink", "users": 4,
        "duration_secs": end - start, "requests": 0, "failures": failed,
        "transaction_failures": 0, "error_rate_pct": 0.0, "rps": 0.0,
        "redirects_ok": 100 - failed, "goose_redirects_ok": 100 - failed,
        "reconciliation": null,
        "overall": {"name": "Aggregated", "requests": 0, "failures": 0, "error_rate_pct": 0.0,
                    "rps": 0.0, "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0, "mean_ms": 0.0},
        "endpoints": [], "thresholds": [], "failure_samples": [], "links_cleaned_up": 0,
        "report_files": [], "goose_json_report": null,
        "merge_part": {"hits_before": 7, "hot_links": ["a", "b"]},
    });
    Part {
        label: label.to_string(),
        summary: serde_json::from_value(summary).expect("a load summary"),
        metrics,
    }
}

#[test]
fn percentiles_come_from_the_added_histograms() {
    let a = part("load1", 0, 10, &[(10, 90), (20, 10)], 0);
    let b = part("load2", 1, 12, &[(100, 100)], 2);
    let (report, host) = combine(&[a, b], None).expect("the merge");
    assert_eq!(host, "http://127.0.0.1:8000");
    assert_eq!(report.merged.host, host);
    let m = &report.merged;
    assert_eq!((m.requests, m.failures, m.users), (200, 2, 8));
    // 10:00:00 to 10:00:12: the window, not either host's own duration.
    assert_eq!(m.duration_secs, 12);
    assert!((m.rps - 200.0 / 12.0).abs() < 1e-9, "{}", m.rps);
    // Sorted: 90 × 10 µs, 10 × 20 µs, 100 × 100 µs. Rank 100 is 20 µs (the
    // hosts' own p50s, 10 and 100, averaged would say 55); rank 190, 100 µs.
    let redirect = m.endpoint(REDIRECT).expect("the redirect row");
    assert_eq!((redirect.p50_ms, redirect.p95_ms), (0.020, 0.100));
    assert_eq!((m.overall.p50_ms, m.overall.max_ms), (0.020, 0.100));
    assert_eq!(m.redirects_ok, 198);
    assert_eq!(report.parts.len(), 2);
    assert_eq!(report.parts[1].failures, 2);
}

#[test]
fn one_run_has_one_mix() {
    let a = part("load1", 0, 10, &[(10, 1)], 0);
    let mut b = part("load2", 0, 10, &[(10, 1)], 0);
    b.summary.mix = "healthz".to_string();
    let err = combine(&[a, b], None).expect_err("refused").to_string();
    assert!(err.contains("one mix"), "{err}");
    assert!(combine(&[], None).is_err());
}

/// Whose hits count is not the merge's to guess: parts that loaded different
/// URLs are refused until the instance is named, and the report then lists
/// each URL once, in order.
#[test]
fn parts_that_loaded_different_hosts_need_one_named() {
    let on = |label: &str, host: &str| {
        let mut p = part(label, 0, 10, &[(10, 1)], 0);
        p.summary.host = host.to_string();
        p
    };
    let parts = [
        on("load1", "http://b:8000"),
        on("load2", "http://a:8000"),
        on("load3", "http://b:8000"),
    ];
    let err = combine(&parts, None).expect_err("refused").to_string();
    assert!(
        err.contains("http://a:8000 and http://b:8000") && err.contains("--host"),
        "{err}"
    );
    let (report, host) = combine(&parts, Some("http://lb:8000")).expect("the merge");
    assert_eq!(host, "http://lb:8000");
    assert_eq!(report.merged.host, "http://a:8000, http://b:8000");
}
