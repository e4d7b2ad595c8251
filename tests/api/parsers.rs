//! Property tests of the three parsers that stand between a client's bytes and
//! the store: the target-URL validator, the code validator and the cursor
//! decoder. None may panic on any input, and each accepts exactly what the
//! contract (`docs/api.md`) and `/openapi.json` say it accepts.

use proptest::prelude::*;
use proptest::string::string_regex;
use serde_json::Value;
use shortlink::domain::{Code, CodeError, Cursor, TargetUrl, UrlError};

const CASES: u32 = 1000;
const RESERVED: &[&str] = &[
    "api", "healthz", "readyz", "metrics", "version", "openapi", "docs", "static",
];

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        // Failures are reported with their minimal input; nothing is written to disk.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A pattern exactly as `/openapi.json` serves it, so the test follows the spec.
fn spec_pattern(pointer: &str) -> String {
    let doc = shortlink::http::openapi::document();
    doc.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no pattern at {pointer} in /openapi.json"))
        .to_owned()
}

/// Strings matching a spec pattern. The spec anchors every pattern at both
/// ends (JSON Schema patterns are not anchored otherwise); the generator makes
/// whole matches, so it takes the pattern without its anchors.
fn spec_strings(pointer: &str) -> impl Strategy<Value = String> {
    let pattern = spec_pattern(pointer);
    let inner = pattern
        .strip_prefix('^')
        .and_then(|p| p.strip_suffix('$'))
        .unwrap_or_else(|| panic!("spec pattern {pattern} is not anchored at both ends"));
    string_regex(inner).unwrap_or_else(|e| panic!("{pattern}: {e}"))
}

/// Inputs near the interesting boundary: real URLs, schemes, hosts, and bytes
/// a header splitter would use, mixed with arbitrary Unicode.
fn url_like() -> impl Strategy<Value = String> {
    let scheme = prop_oneof![
        Just("http://"),
        Just("https://"),
        Just("HTTPS://"),
        Just("http:"),
        Just("https:/"),
        Just("//"),
        Just("javascript:"),
        Just("data:"),
        Just("ftp://"),
        Just(""),
    ];
    let tail = prop_oneof![
        "[a-z0-9.:@\\[\\]/?#%-]{0,40}",
        "[!-~]{0,60}",
        "[\\x00-\\x7f]{0,30}",
        any::<String>(),
        Just("example.org/\r\nSet-Cookie: a=b".to_owned()),
        Just("example.org/\u{2028}x".to_owned()),
        Just("example.org/%0d%0aSet-Cookie:%20a=b".to_owned()),
    ];
    (scheme, tail).prop_map(|(s, t)| format!("{s}{t}"))
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[\\x00-\\x7f]{0,40}", url_like()]
}

proptest! {
    #![proptest_config(config())]

    /// Whatever the URL validator accepts is safe to put in `Location` verbatim.
    #[test]
    fn accepted_urls_are_absolute_http_printable_and_bounded(s in any_text()) {
        if let Ok(url) = TargetUrl::parse(&s) {
            prop_assert_eq!(url.as_str(), s.as_str(), "stored exactly as given");
            prop_assert!(s.len() <= 2048);
            prop_assert!(s.bytes().all(|b| b.is_ascii_graphic()), "{s:?}");
            let lower = s.to_ascii_lowercase();
            prop_assert!(lower.starts_with("http://") || lower.starts_with("https://"), "{s:?}");
            let parsed = url::Url::parse(&s).expect("accepted, so it parses");
            prop_assert!(matches!(parsed.scheme(), "http" | "https"));
            prop_assert!(parsed.host_str().is_some_and(|h| !h.is_empty()), "{s:?}");
        }
    }

    /// Every URL the spec's `url` pattern describes is accepted: a client that
    /// follows `/openapi.json` never gets a 422 for a URL.
    #[test]
    fn every_url_matching_the_spec_pattern_is_accepted(
        s in spec_strings("/components/schemas/CreateLink/properties/url/x-generate-pattern")
    ) {
        prop_assert_eq!(TargetUrl::parse(&s).map(|u| u.into_string()), Ok(s.clone()));
    }

    /// One control, space or non-ASCII character anywhere rejects a URL that
    /// would otherwise be accepted.
    #[test]
    fn a_single_bad_character_anywhere_rejects(
        good in spec_strings("/components/schemas/CreateLink/properties/url/x-generate-pattern"),
        bad in prop_oneof![
            (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap()),
            Just(' '), Just('\u{7f}'), Just('\u{85}'), Just('\u{a0}'),
            Just('\u{2028}'), Just('\u{202e}'), Just('\u{ff0f}'), Just('é'),
        ],
        at in any::<prop::sample::Index>(),
    ) {
        let cut = at.index(good.len() + 1);
        let s = format!("{}{bad}{}", &good[..cut], &good[cut..]);
        prop_assert_eq!(TargetUrl::parse(&s), Err(UrlError::BadCharacter), "{:?}", s);
    }

    /// Any scheme but http(s) is refused, however the rest looks.
    #[test]
    fn other_schemes_are_rejected(
        scheme in "[a-zA-Z][a-zA-Z0-9+.-]{0,10}",
        rest in "[a-z]{1,10}\\.[a-z]{2,5}/[!-~]{0,20}",
    ) {
        let lower = scheme.to_ascii_lowercase();
        prop_assume!(lower != "http" && lower != "https");
        let with_slashes = format!("{scheme}://{rest}");
        let without = format!("{scheme}:{rest}");
        prop_assert!(TargetUrl::parse(&with_slashes).is_err(), "{:?}", with_slashes);
        prop_assert!(TargetUrl::parse(&without).is_err(), "{:?}", without);
    }

    /// Over 2048 bytes is refused, whatever else is right.
    #[test]
    fn urls_over_the_limit_are_rejected(pad in 2049usize..4096) {
        let prefix = "https://example.org/";
        let s = format!("{prefix}{}", "a".repeat(pad - prefix.len()));
        prop_assert_eq!(TargetUrl::parse(&s), Err(UrlError::TooLong));
    }

    /// The code validator accepts exactly `[A-Za-z0-9_-]{3,32}`.
    #[test]
    fn codes_are_accepted_iff_they_match_the_alphabet_and_length(s in any_text()) {
        let want = (3..=32).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        prop_assert_eq!(Code::parse(&s).is_some(), want, "{:?}", s);
    }

    /// Every code the spec's pattern describes is accepted; creation refuses
    /// it only when it is a reserved word, in any case.
    #[test]
    fn valid_codes_are_accepted_and_only_reserved_words_refused(
        s in prop_oneof![
            spec_strings("/components/schemas/CreateLink/properties/code/pattern"),
            prop::sample::select(RESERVED).prop_map(str::to_owned),
            prop::sample::select(RESERVED).prop_map(|r| r.to_ascii_uppercase()),
        ]
    ) {
        prop_assert_eq!(Code::parse(&s).map(|c| c.as_str().to_owned()), Some(s.clone()));
        let reserved = RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&s));
        match Code::parse_custom(&s) {
            Ok(c) => prop_assert!(!reserved && c.as_str() == s),
            Err(e) => prop_assert!(reserved && e == CodeError::Reserved, "{:?}: {:?}", s, e),
        }
    }

    /// A valid code with one character from outside the alphabet is rejected.
    #[test]
    fn one_foreign_character_rejects_a_code(
        good in "[A-Za-z0-9_-]{3,31}",
        bad in any::<char>().prop_filter("outside the alphabet", |c| {
            !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        }),
        at in any::<prop::sample::Index>(),
    ) {
        let cut = at.index(good.len() + 1);
        let s = format!("{}{bad}{}", &good[..cut], &good[cut..]);
        prop_assert!(Code::parse(&s).is_none(), "{:?}", s);
        prop_assert_eq!(Code::parse_custom(&s).err(), Some(CodeError::Invalid));
    }

    /// Every position in the key space survives encode → decode.
    #[test]
    fn cursors_round_trip(created_at in 0i64.., id in 0i64..) {
        let c = Cursor { created_at, id };
        let s = c.encode();
        prop_assert_eq!(s.len(), 32);
        prop_assert_eq!(Cursor::decode(&s), Some(c));
    }

    /// The decoder accepts a string only if it is a cursor the encoder would
    /// write, byte for byte, and everything else is a decode error, not a guess.
    #[test]
    fn cursor_decoder_accepts_only_canonical_encodings(
        s in prop_oneof![
            any::<String>(),
            "[0-9a-fA-F]{30,34}",
            "[0-9a-f]{32}",
            spec_strings("/paths/~1api~1v1~1links/get/parameters/1/schema/pattern"),
        ]
    ) {
        if let Some(c) = Cursor::decode(&s) {
            prop_assert_eq!(c.encode(), s);
            prop_assert!(c.created_at >= 0 && c.id >= 0);
        }
    }

    /// The spec's cursor pattern describes exactly what the decoder accepts.
    #[test]
    fn cursor_pattern_and_decoder_agree(
        s in prop_oneof![
            spec_strings("/paths/~1api~1v1~1links/get/parameters/1/schema/pattern"),
            "[0-9a-f]{32}",
            // id 0: a position no link has, but a valid place to continue from.
            (0i64..).prop_map(|created_at| Cursor { created_at, id: 0 }.encode()),
        ]
    ) {
        let pattern = spec_pattern("/paths/~1api~1v1~1links/get/parameters/1/schema/pattern");
        let matches = regex_lite_match(&pattern, &s);
        prop_assert_eq!(Cursor::decode(&s).is_some(), matches, "{:?}", s);
    }
}

/// The cursor pattern is simple enough to check by hand: `^[0-7][0-9a-f]{15}`
/// twice. Kept tied to the served pattern by the assertion below.
fn regex_lite_match(pattern: &str, s: &str) -> bool {
    assert_eq!(pattern, "^[0-7][0-9a-f]{15}[0-7][0-9a-f]{15}$");
    let half = |h: &[u8]| {
        h.len() == 16
            && matches!(h[0], b'0'..=b'7')
            && h.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    s.len() == 32 && half(&s.as_bytes()[..16]) && half(&s.as_bytes()[16..])
}
