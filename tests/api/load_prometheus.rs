//! `shortlink-load --prometheus`: against a real server scraped by a real
//! Prometheus (and node-exporter), a short run's summary and reports carry
//! the server's side: per route exactly the requests goose made, their p99
//! from the server's histograms, and the host's CPU; a Prometheus that
//! cannot be read stops the run before it starts.

use crate::load_auth::GOOSE_RUNS;
use crate::support;

use shortlink_harness::ApiKey;
use shortlink_load::LoadConfig;
use support::prometheus::{Prometheus, HOST};
use support::{spawn_app, Backend};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_and_reports_carry_the_servers_side() {
    let _one_run = GOOSE_RUNS.lock().await;
    let app = spawn_app(Backend::Sqlite).await;
    let prometheus = Prometheus::start(app.port).await;
    let dir = tempfile::tempdir().expect("a report directory");
    let (html, md) = (dir.path().join("r.html"), dir.path().join("r.md"));
    let config = LoadConfig::new(&app.base_url)
        .api_key(ApiKey::new(&app.admin_key))
        .prometheus(&prometheus.url)
        .goose(["--users", "3", "--increase-rate", "100", "--run-time", "5s"])
        .goose(["--no-print-metrics", "--report-file"])
        .goose([html.display().to_string(), "--report-file".into()])
        .goose([md.display().to_string()]);
    let summary = shortlink_load::run(config)
        .await
        .unwrap_or_else(|e| panic!("the run could not be made: {e:#}"));
    let text = summary.render();
    assert!(summary.passed() && summary.failures == 0, "{text}");
    let server = summary
        .server_side
        .as_ref()
        .unwrap_or_else(|| panic!("no server side: {:?}\n{text}", summary.server_side_error));
    assert!(server.settled, "{text}");

    // Every request goose made, counted by the server between the marks:
    // exactly, since both marks wait for a scrape.
    for e in summary.endpoints.iter().filter(|e| e.requests > 0) {
        let route = server.routes.iter().find(|r| r.name == e.name);
        let route = route.unwrap_or_else(|| panic!("no server row for {}:\n{text}", e.name));
        assert_eq!(route.requests, e.requests, "{}:\n{text}", e.name);
        assert_eq!(route.errors, 0, "{text}");
        let p99 = route
            .p99_ms
            .unwrap_or_else(|| panic!("no p99 for {}", e.name));
        assert!(p99.is_finite() && p99 > 0.0, "{}: p99 {p99}", e.name);
    }
    // The integrators' keys are made outside goose: the server saw them.
    assert!(
        server.routes.iter().any(|r| r.name == "POST /api/v1/keys"),
        "{text}"
    );
    // The cleanup after the run (hot links deleted after the hits are
    // read) is not the run's.
    let deletes = summary.endpoint("DELETE /api/v1/links/{code}");
    let server_deletes = server
        .routes
        .iter()
        .find(|r| r.name == "DELETE /api/v1/links/{code}");
    assert_eq!(
        server_deletes.map(|r| r.requests),
        deletes.map(|e| e.requests).filter(|n| *n > 0),
        "{text}"
    );

    assert_eq!(server.hosts.len(), 1, "{text}");
    let host = &server.hosts[0];
    assert_eq!((host.instance.as_str(), host.role.as_str()), (HOST, "app"));
    assert!(host.cpu_pct > 0.0 && host.cpu_pct <= 100.0, "{text}");
    assert!(server.databases.is_empty(), "no mysqld-exporter: {text}");

    assert!(text.contains("server side (Prometheus"), "{text}");
    let html = std::fs::read_to_string(&html).expect("the HTML report");
    let at = html
        .find("shortlink-server-side")
        .expect("the HTML section");
    assert!(at < html.rfind("</body>").expect("</body>"));
    assert!(html[at..].contains("<td>GET /{code}</td>"));
    let md = std::fs::read_to_string(&md).expect("the Markdown report");
    assert!(md.contains("## server side (Prometheus") && md.contains("| GET /{code} |"));

    // The figures are in the summary JSON too.
    let json = serde_json::to_value(&summary).expect("summary as JSON");
    assert!(json["server_side"]["routes"]
        .as_array()
        .is_some_and(|r| !r.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_prometheus_stops_the_run_before_it_starts() {
    let _one_run = GOOSE_RUNS.lock().await;
    let app = spawn_app(Backend::Memory).await;
    let nobody = format!("http://127.0.0.1:{}", support::binary::free_port());
    let config = LoadConfig::new(&app.base_url)
        .api_key(ApiKey::new(&app.admin_key))
        .prometheus(&nobody)
        .goose(["--users", "1", "--iterations", "1", "--no-print-metrics"]);
    let err = shortlink_load::run(config)
        .await
        .expect_err("no Prometheus");
    assert!(format!("{err:#}").contains("did not answer"), "{err:#}");
    // Nothing ran: no link was made.
    let stats = app.stats().await;
    assert_eq!(stats["links"], 0, "{stats}");
}

/// Without a restart the counts are exact differences; an instance that
/// restarts in the window (its counters start again from zero) is reported
/// as a reset, and the counts become Prometheus's increase() estimates
/// instead of a negative or truncated difference.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_instance_is_a_reset_not_a_negative_count() {
    use shortlink_load::server_side::{self, prometheus::now};

    let app = spawn_app(Backend::Sqlite).await;
    let (port, key) = (app.port, app.admin_key.clone());
    let prometheus = Prometheus::start(port).await;
    let client = server_side::Prometheus::new(&prometheus.url).expect("a Prometheus URL");
    let redirects = |base: String, n: usize| async move {
        let http = support::client_with_key(None);
        for _ in 0..n {
            let r = http.get(format!("{base}/nosuchcode")).send().await.unwrap();
            assert_eq!(r.status(), 404);
        }
    };

    // Before the window: the counter stands at 50 at its start.
    redirects(app.base_url.clone(), 50).await;
    let start = server_side::mark(&client).await;
    redirects(app.base_url.clone(), 40).await;
    let first = server_side::gather(&client, start, now()).await.unwrap();
    let route = |s: &server_side::ServerSide| {
        s.routes
            .iter()
            .find(|r| r.name == "GET /{code}")
            .map(|r| r.requests)
    };
    assert_eq!(
        (first.counter_resets, route(&first)),
        (0, Some(40)),
        "{first:?}"
    );

    let db = app.stop().await;
    let figment = support::test_figment(&db)
        .merge(("port", port))
        .merge(("admin_key", key));
    let app = support::spawn_with(db, figment).await;
    redirects(app.base_url.clone(), 30).await;
    let second = server_side::gather(&client, start, now()).await.unwrap();
    assert!(second.counter_resets > 0, "{second:?}");
    let n = route(&second).unwrap_or(0);
    // Estimates: about the 70 of the window, never the difference of the
    // totals, 30 - 50 < 0.
    assert!((30..=140).contains(&n), "{second:?}");
}

/// A converge that replaces Prometheus's config and restarts it leaves the
/// old config's `up` series answering queries for the 5-minute lookback;
/// the marks wait for the config's own targets, so they do not wait on a
/// target nothing scrapes any more (and report a settled read).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_dropped_by_the_config_does_not_hold_up_the_marks() {
    use shortlink_load::server_side::{self, prometheus::now};

    let app = spawn_app(Backend::Memory).await;
    let mut prometheus = Prometheus::start(app.port).await;
    prometheus.restart_without_node().await;
    let client = server_side::Prometheus::new(&prometheus.url).expect("a Prometheus URL");
    let waited = std::time::Instant::now();
    let start = server_side::mark(&client).await;
    app.get("/healthz").await.expect("a health answer");
    let read = server_side::gather(&client, start, now()).await.unwrap();
    assert!(read.settled, "{read:?}");
    assert!(
        waited.elapsed() < std::time::Duration::from_secs(20),
        "the marks waited {:?}: for the dropped node job?",
        waited.elapsed()
    );
    let health = read.routes.iter().find(|r| r.name == "GET /healthz");
    assert_eq!(health.map(|r| r.requests), Some(1), "{read:?}");
}
