//! The spec's `url` and `expires_at` patterns against the server's parsers on
//! tables of edge cases, every combination: the property tests in `parsers.rs`
//! sample; these walk each boundary.

use shortlink::domain::{parse_rfc3339, TargetUrl};

use super::parsers::{pattern_matches, spec_pattern, EXPIRES_AT, URL};

/// Every host, port and start of path next to its edge cases, in every
/// combination: the pattern and the validator agree on each.
#[test]
fn url_pattern_and_validator_agree_on_every_boundary() {
    let hosts = [
        "example.org",
        "EXAMPLE.org.",
        "a",
        "a_b-c",
        "-",
        "1e100.net",
        "xn--bcher-kva.example",
        "example..org",
        ".example",
        "x.123",
        "x.1a",
        "0.0.0.0",
        "255.255.255.255",
        "256.1.1.1",
        "01.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "1.2.3.4.",
        "user@example.org",
        "@",
        "[::]",
        "[::1]",
        "[1:2:3:4:5:6:7:8]",
        "[1:2:3:4:5:6:7:8:9]",
        "[1:2:3:4:5:6:7::]",
        "[1:2:3:4:5:6::8]",
        "[1:2:3:4:5:6:7::8]",
        "[::1.2.3.4]",
        "[1:2:3:4:5:6:1.2.3.4]",
        "[1:2:3:4:5:6:7:1.2.3.4]",
        "[::ffff:1.2.3.04]",
        "[1.2.3.4::]",
        "[::1.2.3.4:5]",
        "[1:2:3:4:5:1.2.3.4:7]",
        "[12345::]",
        "[:::]",
        "[1::2::3]",
        "[v1.x]",
        "[::1",
        "",
    ];
    let ports = [
        "", ":", ":0", ":00", ":080", ":8080", ":65535", ":65536", ":99999", ":123456", ":8a",
    ];
    let tails = ["", "/", "?", "#", "/x?y#z", "\\x", "/%zz"];
    let pattern = spec_pattern(URL);
    for scheme in ["http://", "HTTPS://", "http:/", "ftp://"] {
        for host in hosts {
            for port in ports {
                for tail in tails {
                    let s = format!("{scheme}{host}{port}{tail}");
                    assert_eq!(
                        TargetUrl::parse(&s).is_ok(),
                        pattern_matches(&pattern, &s),
                        "{s:?}"
                    );
                }
            }
        }
    }
}

/// Expiries at the edges of the shape and the calendar.
#[test]
fn expires_at_pattern_and_parser_agree_on_every_boundary() {
    let pattern = spec_pattern(EXPIRES_AT);
    for s in [
        "0001-01-01T00:00:00Z",
        "0000-12-31T23:59:59Z",
        "9998-12-31T23:59:59-23:59",
        "9999-01-01T00:00:00Z",
        "2024-02-29T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2000-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "1998-12-31T23:59:60Z",
        "1998-12-31T15:59:60-08:00",
        "2026-01-01T23:59:59.Z",
        "2026-01-01T23:59:59.0000000000001z",
        "2026-01-01t24:00:00Z",
        "2026-01-01T00:60:00Z",
        "2026-01-01T00:00:00+23:59",
        "2026-01-01T00:00:00+24:00",
        "2026-01-01T00:00:00-00:60",
        "2026-01-01T00:00:00+0100",
        "2026-01-01T00:00:00",
        "2026-01-01 00:00:00Z",
        "2026-1-01T00:00:00Z",
        "+2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00Zx",
    ] {
        let allowed = pattern_matches(&pattern, s) && calendar_is_valid(s);
        assert_eq!(parse_rfc3339(s).is_some(), allowed, "{s:?}");
    }
}

/// What `format: date-time` adds to the pattern's shape (RFC 3339 section 5.7):
/// a real day of the month, hours to 23, minutes to 59, offsets to 23:59.
/// Only called on strings the pattern matched.
pub(super) fn calendar_is_valid(s: &str) -> bool {
    let n = |from: usize, to: usize| s[from..to].parse::<u32>().expect("the pattern gave digits");
    let (year, month, day) = (n(0, 4), n(5, 7), n(8, 10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    let offset_ok = match s.as_bytes()[s.len() - 1] {
        b'Z' | b'z' => true,
        _ => n(s.len() - 5, s.len() - 3) <= 23 && n(s.len() - 2, s.len()) <= 59,
    };
    (1..=days).contains(&day) && n(11, 13) <= 23 && n(14, 16) <= 59 && offset_ok
}
