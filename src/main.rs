//! The `shortlink` server binary: configuration comes from Rocket.toml and `ROCKET_*`.

use std::process::ExitCode;

#[rocket::main]
async fn main() -> ExitCode {
    shortlink::telemetry::init_logging();
    match shortlink::build(rocket::Config::figment()).launch().await {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            // Inspecting the kind marks the error handled; an unhandled rocket::Error panics on drop.
            match e.kind() {
                // The failing fairing has already logged the one line that explains it.
                rocket::error::ErrorKind::FailedFairings(_) => {}
                kind => tracing::error!(error = %kind, "cannot start"),
            }
            ExitCode::FAILURE
        }
    }
}
