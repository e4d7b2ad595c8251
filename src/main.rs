//! The `shortlink` server binary: configuration comes from Rocket.toml and `ROCKET_*`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rocket::error::ErrorKind;
use shortlink::http::App;
use shortlink::telemetry::Metrics;

#[rocket::main]
async fn main() -> ExitCode {
    shortlink::telemetry::init_logging();
    let rocket = match shortlink::build(rocket::Config::figment()).ignite().await {
        Ok(rocket) => rocket,
        Err(e) => return after_error(e).await,
    };
    let app = rocket.state::<App>().cloned();
    let limit = drain_limit(rocket.config());
    let in_flight = rocket
        .state::<Metrics>()
        .map(Metrics::in_flight)
        .unwrap_or_default();
    let drained =
        shortlink::drain::drained(rocket.shutdown(), rocket.config().port, in_flight, limit);
    let launched = tokio::select! {
        launched = rocket.launch() => launched.map(drop),
        // Nothing left to finish: exit now, not when Rocket's grace runs out.
        () = drained => Ok(()),
    };
    if let Err(e) = launched {
        return after_error(e).await;
    }
    shortlink::startup::close(app.as_ref()).await;
    ExitCode::SUCCESS
}

async fn after_error(err: rocket::Error) -> ExitCode {
    // Inspecting the kind marks the error handled; an unhandled rocket::Error panics on drop.
    let unfinished = match err.kind() {
        // The failing fairing has already logged the one line that explains it.
        ErrorKind::FailedFairings(_) => None,
        // Rocket 0.5 can see its server end before it sees the shutdown signal,
        // and then reports requests still in flight as a failed shutdown without
        // waiting its grace period. Those requests are still running: wait for them.
        ErrorKind::Shutdown(rocket, None) => Some(Arc::clone(rocket)),
        kind => {
            tracing::error!(error = %kind, "cannot start");
            None
        }
    };
    drop(err);
    let Some(rocket) = unfinished else {
        return ExitCode::FAILURE;
    };
    let limit = drain_limit(rocket.config());
    let started = Instant::now();
    // In-flight requests hold the other references to the Rocket.
    while Arc::strong_count(&rocket) > 1 && started.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    shortlink::startup::close(rocket.state()).await;
    if Arc::strong_count(&rocket) > 1 {
        tracing::warn!(
            after_secs = limit.as_secs(),
            "requests still running at the end of the grace period"
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The longest a stop may take to finish in-flight requests: Rocket's grace and mercy.
fn drain_limit(config: &rocket::Config) -> Duration {
    Duration::from_secs(u64::from(config.shutdown.grace) + u64::from(config.shutdown.mercy))
}
