//! Logs (tracing, configured from the environment) and Prometheus metrics
//! (`metrics`).

pub mod access;
mod line_buffer;
mod metrics;
pub mod readiness;

pub use metrics::{InFlight, Metrics, UNMATCHED};

use std::io::IsTerminal;

use tracing::{Level, Metadata};
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// Quieter levels for crates whose INFO lines would repeat ours, added to
/// whatever `SHORTLINK_LOG` says unless it names the crate itself: Rocket
/// logs four lines of its own per request at INFO (which the access line
/// says in one), and its "Rocket has launched" banner at WARN (our
/// "shortlink listening" line says it at INFO).
const QUIETER: [(&str, &str); 3] = [
    ("rocket::launch", "rocket::launch=error"),
    ("rocket", "rocket=warn"),
    ("sqlx", "sqlx=warn"),
];

/// Installs the global subscriber: `SHORTLINK_LOG` is an EnvFilter directive
/// (default `info`, Rocket and sqlx at `warn`), `SHORTLINK_LOG_FORMAT=json` switches to one JSON object per line.
///
/// Lines are formatted on the request's thread and written by one writer
/// thread in batches (`line_buffer`): the access log no longer costs a
/// `write(2)` per request, nor a wake-up of another thread. Not lossy: when
/// the buffer is full, requests wait rather than lose lines. The returned
/// guard writes what is buffered when dropped; a SIGKILL loses at most the
/// lines of the last 20 ms.
pub fn init_logging() -> line_buffer::Guard {
    let asked = std::env::var("SHORTLINK_LOG").unwrap_or_else(|_| "info".to_owned());
    let filter = log_filter(&asked);
    let json = std::env::var("SHORTLINK_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let (writer, guard) = line_buffer::LineBuffer::start(std::io::stdout());
    access::install(writer.clone(), json);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::stdout().is_terminal())
        .with_target(true);
    let no_dumps = filter_fn(|meta| !dumps_requests(meta));
    // A second init (tests that build several servers) keeps the first subscriber.
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .finish()
            .with(no_dumps)
            .try_init()
    } else {
        builder.finish().with(no_dumps).try_init()
    };
    guard
}

/// `asked` (an EnvFilter directive list, e.g. `info` or `debug,sqlx=info`)
/// with the `QUIETER` levels it does not override; an invalid one falls back
/// to `info` and says so.
fn log_filter(asked: &str) -> EnvFilter {
    let mut directives = asked.to_owned();
    for (target, quieter) in QUIETER {
        if !asked.contains(target) {
            directives.push(',');
            directives.push_str(quieter);
        }
    }
    EnvFilter::try_new(&directives).unwrap_or_else(|e| {
        eprintln!("SHORTLINK_LOG={asked:?} is not a valid filter ({e}); using info");
        log_filter("info")
    })
}

/// Rocket logs each request whole, its headers and so the `Authorization`
/// key among them, at DEBUG (`rocket::server`), and hyper its bytes below
/// that. Such events never pass, whatever `SHORTLINK_LOG` asks: a key must
/// not reach a log (`tests/binary/keys.rs` reads the log at `trace`).
fn dumps_requests(meta: &Metadata<'_>) -> bool {
    let target = meta.target();
    *meta.level() > Level::INFO
        && (target.starts_with("rocket::server") || target.starts_with("hyper"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rocket_and_sqlx_stay_quiet_unless_named() {
        let shipped = log_filter("info").to_string();
        for quieter in ["rocket=warn", "sqlx=warn", "rocket::launch=error"] {
            assert!(shipped.contains(quieter), "{shipped}");
        }
        let named = log_filter("debug,rocket=info").to_string();
        assert!(!named.contains("rocket=warn"), "{named}");
        assert!(named.contains("sqlx=warn"), "{named}");
        assert!(log_filter("not a [filter")
            .to_string()
            .contains("rocket=warn"));
    }
}
