//! The `shortlink` server binary: configuration comes from Rocket.toml and
//! `ROCKET_*`; everything else is library code (`lifecycle::run`).

use std::process::ExitCode;

#[rocket::main]
async fn main() -> ExitCode {
    shortlink::telemetry::init_logging();
    shortlink::lifecycle::run(shortlink::build(rocket::Config::figment())).await
}
