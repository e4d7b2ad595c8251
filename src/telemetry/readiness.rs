//! Readiness as gauges on `/metrics`: Prometheus scrapes every instance
//! anyway, so the alerts on a backend outage or a dead SQLite writer need no
//! separate prober of `/readyz`.

use std::fmt::Write;

/// Appends `shortlink_store_up` (the answer `/readyz` would give now) and,
/// for SQLite, `shortlink_db_writer_up` to a 0.0.4 exposition.
pub fn render(out: &mut String, store_up: bool, writer_up: Option<bool>) {
    gauge(
        out,
        "shortlink_store_up",
        "1 while the store answers the check /readyz makes.",
        store_up,
    );
    if let Some(up) = writer_up {
        gauge(
            out,
            "shortlink_db_writer_up",
            "1 while the SQLite group-commit writer runs.",
            up,
        );
    }
}

fn gauge(out: &mut String, name: &str, help: &str, up: bool) {
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}",
        u8::from(up)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writer_gauge_appears_only_where_there_is_a_writer() {
        let mut out = String::new();
        render(&mut out, false, None);
        assert!(out.contains("\nshortlink_store_up 0\n"), "{out}");
        assert!(!out.contains("writer"), "{out}");
        let mut out = String::new();
        render(&mut out, true, Some(false));
        assert!(out.contains("\nshortlink_store_up 1\n"), "{out}");
        assert!(out.contains("\nshortlink_db_writer_up 0\n"), "{out}");
    }
}
