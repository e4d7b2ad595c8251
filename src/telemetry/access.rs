//! The access log: one line per request, formatted here in one pass and
//! handed to the log writer thread, rather than built field by field by the
//! tracing formatter — the line every request pays for is the one to keep
//! cheap. Same shape as the other lines (JSON with `SHORTLINK_LOG_FORMAT=json`,
//! else text), same target and level, so `SHORTLINK_LOG` filters it as before.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::OnceLock;

use super::line_buffer::LineBuffer;
use rocket::http::Method;
use tracing::Level;

pub const TARGET: &str = "shortlink::access";

struct Sink {
    writer: LineBuffer,
    json: bool,
}

static SINK: OnceLock<Sink> = OnceLock::new();

/// Called once by `init_logging` with the writer the other lines use.
pub(super) fn install(writer: LineBuffer, json: bool) {
    let _ = SINK.set(Sink { writer, json });
}

/// Logs one finished request, if `SHORTLINK_LOG` lets INFO of the access
/// target through. Without `init_logging` (tests), through tracing.
pub fn request(id: &str, method: Method, route: &str, status: u16, latency_us: u64) {
    if !tracing::enabled!(target: TARGET, Level::INFO) {
        return;
    }
    let Some(sink) = SINK.get() else {
        tracing::info!(target: TARGET, request_id = %id, %method, route, status, latency_us, "request");
        return;
    };
    let mut line = String::with_capacity(240);
    let now = time::OffsetDateTime::now_utc();
    let ts = format_args!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.microsecond()
    );
    // Ids are checked to be plain (`context::is_sane`) and routes and
    // methods are the service's own: nothing here needs JSON escaping.
    let _ = if sink.json {
        writeln!(
            line,
            r#"{{"timestamp":"{ts}","level":"INFO","message":"request","request_id":"{id}","method":"{method}","route":"{route}","status":{status},"latency_us":{latency_us},"target":"{TARGET}"}}"#
        )
    } else {
        writeln!(
            line,
            "{ts}  INFO {TARGET}: request request_id={id} method={method} route={route} status={status} latency_us={latency_us}"
        )
    };
    let mut writer = sink.writer.clone();
    let _ = writer.write_all(line.as_bytes());
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_that_reach_the_line_need_no_escaping() {
        // The context fairing echoes only such ids; the JSON line relies on it.
        for c in ['"', '\\', '\n', ' '] {
            assert!(!crate::http::context::is_sane(&format!("a{c}b")));
        }
    }
}
