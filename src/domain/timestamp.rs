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
/// Years 0001 to 9998 and seconds 00 to 59, the spec's `EXPIRES_AT_PATTERN`:
/// whatever the offset, the instant then lies in the UTC years 0000..=9999 that
/// `rfc3339` renders. An expiry before 1970 is simply in the past.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    if !has_published_shape(s.as_bytes()) {
        return None;
    }
    // The shape holds; `time` checks the calendar (month lengths, leap years,
    // hours, minutes, offsets) as the spec's `format: date-time` does.
    // Not `to_offset(UTC)`: it panics when the offset carries the instant out of
    // the representable years, a 500 from a PATCH.
    Some(OffsetDateTime::parse(s, &Rfc3339).ok()?.unix_timestamp())
}

/// `YYYY-MM-DD[Tt]hh:mm:ss[.f+]([Zz]|[+-]hh:mm)` with a year from 0001 to 9998 and
/// a second from 00 to 59. `time` alone takes any separator and leap seconds.
fn has_published_shape(s: &[u8]) -> bool {
    let digits = |from: usize, to: usize| {
        s.get(from..to)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, allowed: &[u8]| s.get(i).is_some_and(|b| allowed.contains(b));
    let fixed = digits(0, 4)
        && at(4, b"-")
        && digits(5, 7)
        && at(7, b"-")
        && digits(8, 10)
        && at(10, b"Tt")
        && digits(11, 13)
        && at(13, b":")
        && digits(14, 16)
        && at(16, b":")
        && at(17, b"012345")
        && digits(18, 19);
    if !fixed {
        return false;
    }
    let year: u32 = s[..4].iter().fold(0, |y, d| y * 10 + u32::from(d - b'0'));
    let mut rest = &s[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    let offset_ok = match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|b| b.is_ascii_digit()),
        _ => false,
    };
    (1..=9998).contains(&year) && offset_ok
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

    #[test]
    fn accepts_exactly_the_published_shape() {
        for ok in [
            "2026-11-28t04:05:06z",
            "2026-11-28T04:05:06.123456789123Z",
            "2024-02-29T23:59:59-00:00",
            "0001-01-01T00:00:00Z",
        ] {
            assert!(parse_rfc3339(ok).is_some(), "{ok}");
        }
        for bad in [
            "2026-11-28 04:05:06Z",
            "2026-11-28x04:05:06Z",
            "2026-12-31T23:59:60Z",
            "2026-11-28T04:05:06.Z",
            "2026-11-28T04:05:06+0100",
            "2026-11-28T04:05:06+24:00",
            "2026-11-28T04:05:06+01:60",
            "2023-02-29T00:00:00Z",
            "2026-11-28T24:00:00Z",
            "0000-06-01T00:00:00Z",
            "9999-06-01T00:00:00Z",
            "2026-11-28T04:05:06Z ",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        // The extremes of years and offsets still render as RFC 3339.
        let first = parse_rfc3339("0001-01-01T00:00:00+23:59").expect("year 1");
        assert_eq!(rfc3339(first), "0000-12-31T00:01:00Z");
        let last = parse_rfc3339("9998-12-31T23:59:59.999-23:59").expect("year 9998");
        assert_eq!(rfc3339(last), "9999-01-01T23:58:59Z");
    }
}
