//! The `shortlink` server binary: configuration comes from Rocket.toml and
//! `ROCKET_*`; everything else is library code (`cli::main`: serve, or
//! `shortlink keys …`).

use std::process::ExitCode;

#[rocket::main]
async fn main() -> ExitCode {
    shortlink::cli::main().await
}
