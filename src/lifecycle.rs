//! The server's life from ignition to exit: launch, stop when asked, leave as
//! soon as nothing is left to finish, and say with the exit status whether
//! every request did finish. `main.rs` only calls [`run`]; tests drive
//! [`Server`] in-process.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rocket::error::ErrorKind;
use rocket::{Build, Ignite, Rocket, Shutdown};

use crate::http::App;
use crate::telemetry::Metrics;

/// Ignites `rocket` and serves until it is stopped: the whole binary.
pub async fn run(rocket: Rocket<Build>) -> ExitCode {
    match Server::ignite(rocket).await {
        Ok(server) => server.serve().await,
        Err(code) => code,
    }
}

/// An ignited server: its store is open, its port is chosen, it does not
/// accept connections until [`Server::serve`].
pub struct Server {
    rocket: Rocket<Ignite>,
}

impl Server {
    /// Opens the store and checks the configuration; a failure has been logged
    /// in one line already and gives the exit status to leave with.
    pub async fn ignite(rocket: Rocket<Build>) -> Result<Server, ExitCode> {
        match rocket.ignite().await {
            Ok(rocket) => Ok(Server { rocket }),
            Err(e) => Err(after_error(e).await),
        }
    }

    /// The port the server will listen on.
    pub fn port(&self) -> u16 {
        self.rocket.config().port
    }

    /// A handle that stops the server as SIGTERM does.
    pub fn shutdown(&self) -> Shutdown {
        self.rocket.shutdown()
    }

    /// Serves until shutdown, then returns once every request has finished
    /// (success) or the grace period ran out with some still running (failure).
    pub async fn serve(self) -> ExitCode {
        let rocket = self.rocket;
        let app = rocket.state::<App>().cloned();
        let limit = drain_limit(rocket.config());
        let in_flight = rocket
            .state::<Metrics>()
            .map(Metrics::in_flight)
            .unwrap_or_default();
        let drained =
            crate::drain::drained(rocket.shutdown(), rocket.config().port, in_flight, limit);
        let launched = tokio::select! {
            launched = rocket.launch() => launched.map(drop),
            // Nothing left to finish: exit now, not when Rocket's grace runs out.
            () = drained => Ok(()),
        };
        if let Err(e) = launched {
            return after_error(e).await;
        }
        crate::startup::close(app.as_ref()).await;
        ExitCode::SUCCESS
    }
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
    crate::startup::close(rocket.state()).await;
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
