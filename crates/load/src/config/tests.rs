//! Own options, goose's options and the shorthands share one command line.
use super::*;

#[test]
fn own_and_goose_options_parse_together() {
    let c = LoadConfig::from_args([
        "--host",
        "http://127.0.0.1:8000",
        "--max-error-rate",
        "0.1%",
        "-u",
        "4",
        "--max-p95-ms=GET /{code}=20",
        "--no-reconcile",
        "--run-time",
        "5s",
        "--threshold",
        "p99<2s",
        "--mix",
        "healthz",
        "--summary-json",
        "s.json",
        "--api-key",
        "sl_4fTq9ZbX2kLm_3qVabcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01",
        "--ca-cert",
        "ca.pem",
    ])
    .unwrap();
    assert_eq!(
        c.api_key.as_ref().map(ApiKey::expose),
        Some("sl_4fTq9ZbX2kLm_3qVabcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01")
    );
    assert_eq!(c.ca_cert, Some(PathBuf::from("ca.pem")));
    assert!(!format!("{c:?}").contains("3qVabc"), "Debug shows the key");
    let c = c.goose(["--api-key=sl_4fTq9ZbX2kLm_3qVabcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_XX"]);
    assert!(!format!("{c:?}").contains("3qVabc"), "Debug shows the key");
    assert_eq!(c.goose.host.as_deref(), Some("http://127.0.0.1:8000"));
    assert_eq!(c.goose.users, Some(4));
    assert_eq!(c.goose.run_time.as_deref(), Some("5s"));
    assert_eq!(
        c.goose.threshold,
        ["p99<2s", "error-rate<=0.1%", "p95<=20ms for GET /{code}"]
    );
    assert!(!c.reconcile);
    assert_eq!(c.mix, Mix::Healthz);
    assert_eq!(c.summary_json, Some(PathBuf::from("s.json")));
    assert!(!c.uses_test_plan());
    // The healthz mix never makes GET /{code}: refused before the run.
    let err = c.check().unwrap_err().to_string();
    assert!(
        err.contains("makes no request named \"GET /{code}\""),
        "{err}"
    );
}

#[test]
fn bad_values_are_errors() {
    assert!(LoadConfig::from_args(["--max-p95-ms"]).is_err());
    assert!(LoadConfig::from_args(["--mix", "chaos"]).is_err());
    assert!(LoadConfig::from_args(["--hot-links", "0"]).is_err());
    assert!(LoadConfig::from_args(["--max-error-rate", "101%"]).is_err());
    assert!(LoadConfig::from_args(["--max-p95-ms", "fast"]).is_err());
    assert!(LoadConfig::from_args(["--no-such-option"]).is_err());
    let c = LoadConfig::from_args(["--threshold", "p100<1s"]).unwrap();
    assert!(c.check().unwrap_err().to_string().contains("percentile"));
}

#[test]
fn builder_adds_goose_options_and_keeps_own_fields() {
    let mut c = LoadConfig::new("http://h:1")
        .api_key(ApiKey::new("k"))
        .goose(["--users", "3", "--test-plan", "3,1s"]);
    c.reconcile = false;
    let c = c.goose(["--threshold", "error-rate<=0 for GET /api/v1/stats"]);
    assert_eq!(c.goose.host.as_deref(), Some("http://h:1"));
    assert_eq!(c.goose.users, Some(3));
    assert!(c.uses_test_plan());
    assert!(!c.reconcile);
    assert!(c.api_key.is_some(), "goose options keep the key");
    assert!(c.check().is_ok());
    let bad = LoadConfig::new("http://h:1").goose(["--users", "many"]);
    assert!(bad.check().is_err());
}

/// Without a key only the loader benchmark without reconciliation runs;
/// otherwise the run is refused before any request, naming the option.
#[test]
fn a_key_is_required_unless_nothing_calls_the_api() {
    let err = LoadConfig::new("http://h:1")
        .check()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("--api-key") && err.contains("SHORTLINK_API_KEY"),
        "{err}"
    );
    let mut healthz = LoadConfig::new("http://h:1");
    healthz.mix = Mix::Healthz;
    assert!(
        healthz.check().is_err(),
        "reconciliation reads /api/v1/stats"
    );
    healthz.reconcile = false;
    assert!(healthz.check().is_ok());
}

/// `--help` names the options but never a key read from the environment.
#[test]
fn help_hides_the_keys_environment_value() {
    let help = LoadConfig::command().render_long_help().to_string();
    assert!(help.contains("--api-key") && help.contains("--ca-cert"));
    let hidden = LoadConfig::command()
        .get_arguments()
        .find(|a| a.get_id() == "api_key")
        .is_some_and(|a| a.is_hide_env_values_set());
    assert!(hidden);
}
