//! Time as the contract shows it: whole seconds, RFC 3339, UTC.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Seconds since the Unix epoch; the stores keep times in this unit.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

pub fn rfc3339(epoch_seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(epoch_seconds)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        // Only reachable for years outside 0000..=9999, which parsing never produces.
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

/// Parses an RFC 3339 instant, any offset, to epoch seconds (sub-seconds dropped).
/// Any instant `rfc3339` can render back (UTC years 0000..=9999) is accepted: an
/// expiry before 1970 is simply in the past, like any other past expiry.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    // Not `to_offset(UTC)`: it panics when the offset carries the instant out of
    // the representable years (`9999-12-31T20:00:00-05:00`), a 500 from a PATCH.
    let seconds = t.unix_timestamp();
    let year = OffsetDateTime::from_unix_timestamp(seconds).ok()?.year();
    (0..=9999).contains(&year).then_some(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_whole_seconds_in_utc() {
        assert_eq!(rfc3339(1_795_838_706), "2026-11-28T04:05:06Z");
    }

    #[test]
    fn parses_offsets_and_rejects_garbage() {
        assert_eq!(
            parse_rfc3339("2026-11-28T05:05:06+01:00"),
            Some(1_795_838_706)
        );
        assert_eq!(parse_rfc3339("2026-11-28"), None);
        // Found by schemathesis: a schema-valid date-time before 1970 was a 422.
        let early = parse_rfc3339("0366-09-27T11:15:49.567693Z").expect("a valid date-time");
        assert_eq!(rfc3339(early), "0366-09-27T11:15:49Z");
        assert_eq!(
            parse_rfc3339("9999-12-31T20:00:00-05:00"),
            None,
            "UTC year 10000"
        );
        assert_eq!(
            parse_rfc3339("0000-01-01T00:00:00+01:00"),
            None,
            "UTC year -1"
        );
        assert_eq!(parse_rfc3339("tomorrow"), None);
    }
}
