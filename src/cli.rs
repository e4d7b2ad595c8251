//! The binary's command line: no arguments serves (as `cargo run` always
//! has); `keys create|list|revoke` manages API keys on the store the Rocket
//! profile names, opened exactly as the server opens it (same figment, same
//! migrations), so a key created here is the one the server will see.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rocket::figment::Figment;

use crate::config::Settings;
use crate::domain::{now, rfc3339};
use crate::keys::{valid_name, ApiKey, KeyId, KeyRecord, Role, MAX_NAME};
use crate::store::{Backend, Store};

#[derive(Debug, Parser)]
#[command(name = "shortlink", version, about = "A small link shortener")]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage API keys on the backend of the current Rocket profile.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a key and print it once on stdout (only the key, for scripts).
    Create {
        /// A label for people: who or what holds the key.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: Role,
    },
    /// List keys: id, name, role, created, revoked. Never a secret or a hash.
    List,
    /// Revoke a key by its id (the 12 characters after `sl_`).
    Revoke { id: String },
    /// Print a new random key and store nothing: a bootstrap key for
    /// `admin_key_file` (the memory backend's only way to a first key).
    Generate,
}

/// The whole binary: parse the arguments, then serve or run a key command.
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    let figment = rocket::Config::figment();
    match cli.command {
        None => {
            // Held to the end: dropping it writes out the lines still queued.
            let _log_writer = crate::telemetry::init_logging();
            crate::lifecycle::run(crate::build(figment)).await
        }
        Some(Command::Keys(command)) => match keys(&figment, command).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("shortlink keys: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

async fn keys(figment: &Figment, command: KeysCommand) -> anyhow::Result<()> {
    if let KeysCommand::Generate = command {
        return generate();
    }
    let settings = Settings::from_figment(figment)?;
    if settings.backend == Backend::Memory {
        // The key would vanish with this process: nothing to manage.
        anyhow::bail!("the memory backend keeps no keys between processes");
    }
    let store = crate::startup::open(figment, &settings)
        .await
        .map_err(|e| {
            e.error
                .context(format!("{} at {}", settings.backend, e.url))
        })?;
    let result = run(store.as_ref(), command).await;
    store.close().await;
    result
}

async fn run(store: &dyn Store, command: KeysCommand) -> anyhow::Result<()> {
    let mut out = std::io::stdout();
    match command {
        KeysCommand::Create { name, role } => {
            let name = Some(name.trim()).filter(|n| valid_name(n)).ok_or_else(|| {
                anyhow::anyhow!("--name must be 1 to {MAX_NAME} printable characters")
            })?;
            let key = ApiKey::generate();
            store
                .create_key(&KeyRecord::new(&key, name, role, now()))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            writeln!(out, "{}", key.reveal())?;
            eprintln!(
                "created {role} key {} ({name}); it is shown only this once",
                key.id
            );
        }
        KeysCommand::List => {
            let keys = store
                .list_keys()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            writeln!(
                out,
                "{}",
                list_line("ID", "ROLE", "CREATED", "REVOKED", "NAME")
            )?;
            for k in keys {
                let revoked = k.revoked_at.map(rfc3339).unwrap_or_else(|| "-".into());
                let created = rfc3339(k.created_at);
                writeln!(
                    out,
                    "{}",
                    list_line(k.id.as_str(), k.role.as_str(), &created, &revoked, &k.name)
                )?;
            }
        }
        KeysCommand::Revoke { id } => {
            let id = KeyId::parse(&id)
                .ok_or_else(|| anyhow::anyhow!("{id:?} is not a key id (12 letters and digits)"))?;
            if !store
                .revoke_key(&id, now())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
            {
                anyhow::bail!("no live key with id {id}");
            }
            writeln!(out, "revoked {id}")?;
        }
        KeysCommand::Generate => generate()?,
    }
    Ok(())
}

/// A fresh key on stdout, alone; nothing stored anywhere.
fn generate() -> anyhow::Result<()> {
    writeln!(std::io::stdout(), "{}", ApiKey::generate().reveal())?;
    Ok(())
}

/// One tab-separated row, so `cut -f` and `awk -F'\t'` read it; the name
/// last, as it is the only column that may hold spaces.
fn list_line(id: &str, role: &str, created: &str, revoked: &str, name: &str) -> String {
    format!("{id}\t{role}\t{created}\t{revoked}\t{name}")
}
