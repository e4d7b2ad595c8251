//! Property tests of the four parsers that stand between a client's bytes and
//! the store: the target-URL validator, the code validator, the cursor decoder
//! and the expiry parser. None may panic on any input, and each accepts exactly
//! what the contract (`docs/api.md`) and `/openapi.json` say it accepts: every
//! string the spec's `pattern` allows is accepted, and every string it forbids
//! is refused, so a tool that reads only the spec agrees with the server.

use proptest::prelude::*;
use proptest::string::string_regex;

use super::parser_edges::calendar_is_valid;
use serde_json::Value;
use shortlink::domain::{parse_rfc3339, Code, CodeError, Cursor, TargetUrl, UrlError};

const CASES: u32 = 1000;
const RESERVED: &[&str] = &[
    "api", "healthz", "readyz", "metrics", "version", "openapi", "docs", "static",
];
pub(super) const URL: &str = "/components/schemas/CreateLink/properties/url/pattern";
pub(super) const CODE: &str = "/components/schemas/CreateLink/properties/code/pattern";
pub(super) const CURSOR: &str = "/paths/~1api~1v1~1links/get/parameters/1/schema/pattern";
pub(super) const EXPIRES_AT: &str = "/components/schemas/PatchLink/properties/expires_at/pattern";

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        // Failures are reported with their minimal input; nothing is written to disk.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A pattern exactly as `/openapi.json` serves it, so the test follows the spec.
pub(super) fn spec_pattern(pointer: &str) -> String {
    let doc = shortlink::http::openapi::document();
    doc.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no pattern at {pointer} in /openapi.json"))
        .to_owned()
}

/// The `maxLength` beside a pattern.
pub(super) fn spec_max_length(pointer: &str) -> usize {
    let doc = shortlink::http::openapi::document();
    let schema = pointer.strip_suffix("/pattern").expect("a pattern pointer");
    doc.pointer(&format!("{schema}/maxLength"))
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("no maxLength at {schema}")) as usize
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

/// Characters that turn a valid value into a near miss, or a near miss into a valid value.
const NEAR: &[char] = &[
    ':', '.', '[', ']', '@', '/', '?', '#', '%', '-', '_', '+', '0', '1', '5', '9', 'a', 'F', 'g',
    'x', 'Z', 'z', 'T', 't', ' ', '\\', '\n', 'é',
];

/// A value from `base` with one to three characters inserted, replaced or removed.
fn near_misses(base: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    let edit = (
        any::<prop::sample::Index>(),
        0u8..3,
        prop::sample::select(NEAR),
    );
    (base, prop::collection::vec(edit, 1..4)).prop_map(|(s, edits)| {
        let mut chars: Vec<char> = s.chars().collect();
        for (at, op, c) in edits {
            let i = at.index(chars.len() + 1);
            match op {
                1 if i < chars.len() => chars[i] = c,
                2 if i < chars.len() => {
                    chars.remove(i);
                }
                _ => chars.insert(i, c),
            }
        }
        chars.into_iter().collect()
    })
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
        // Bracketed hosts: mostly broken IPv6, now and then a good one.
        "\\[[0-9a-fA-F:.]{0,24}\\](:[0-9]{0,6})?/?",
        "[0-9.]{1,16}(:[0-9]{0,6})?",
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

/// Any URL-ish input: spec URLs, their near misses, and the rest.
fn url_inputs() -> impl Strategy<Value = String> {
    prop_oneof![
        spec_strings(URL),
        near_misses(spec_strings(URL)),
        near_misses(url_like()),
        any_text(),
    ]
}

/// The host of a URL this service accepted: between `://` and the port or path.
pub(super) fn host_of(url: &str) -> &str {
    let rest = &url[url.find("://").expect("accepted, so absolute") + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    match authority.rfind(']') {
        Some(end) => &authority[..=end],
        None => authority.split(':').next().unwrap_or_default(),
    }
}

proptest! {
    #![proptest_config(config())]

    /// Whatever the URL validator accepts is safe to put in `Location` verbatim,
    /// and a browser (a WHATWG parser) goes to the host the validator saw.
    #[test]
    fn accepted_urls_are_absolute_http_printable_and_bounded(s in url_inputs()) {
        if let Ok(url) = TargetUrl::parse(&s) {
            prop_assert_eq!(url.as_str(), s.as_str(), "stored exactly as given");
            prop_assert!(s.len() <= 2048);
            prop_assert!(s.bytes().all(|b| b.is_ascii_graphic()), "{s:?}");
            let lower = s.to_ascii_lowercase();
            prop_assert!(lower.starts_with("http://") || lower.starts_with("https://"), "{s:?}");
            let host = host_of(&s).to_ascii_lowercase();
            // The grammar takes any `xn--` label; only IDNA knows which decode.
            if !host.split('.').any(|l| l.starts_with("xn--")) {
                let parsed = url::Url::parse(&s).expect("accepted, so it parses");
                prop_assert!(matches!(parsed.scheme(), "http" | "https"));
                if !host.starts_with('[') {
                    prop_assert_eq!(parsed.host_str(), Some(host.as_str()), "{:?}", s);
                }
            }
        }
    }

    /// The spec's `url` pattern and `maxLength` describe exactly what the
    /// validator accepts: a client that follows `/openapi.json` never gets a 422
    /// for a URL, and a tool sending what the spec forbids always does.
    #[test]
    fn url_pattern_and_validator_agree(s in url_inputs()) {
        let pattern = spec_pattern(URL);
        let allowed = s.chars().count() <= spec_max_length(URL) && pattern_matches(&pattern, &s);
        prop_assert_eq!(TargetUrl::parse(&s).is_ok(), allowed, "{:?}", s);
    }

    /// Every URL the spec's pattern describes is accepted as it was given.
    #[test]
    fn every_url_matching_the_spec_pattern_is_accepted(s in spec_strings(URL)) {
        prop_assert_eq!(TargetUrl::parse(&s).map(|u| u.into_string()), Ok(s.clone()));
    }

    /// One control, space or non-ASCII character anywhere rejects a URL that
    /// would otherwise be accepted.
    #[test]
    fn a_single_bad_character_anywhere_rejects(
        good in spec_strings(URL),
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

    /// The code validator accepts exactly the spec's `[A-Za-z0-9_-]{3,32}`.
    #[test]
    fn codes_are_accepted_iff_they_match_the_spec_pattern(
        s in prop_oneof![any_text(), spec_strings(CODE), near_misses(spec_strings(CODE))]
    ) {
        let want = pattern_matches(&spec_pattern(CODE), &s);
        prop_assert_eq!(Code::parse(&s).is_some(), want, "{:?}", s);
    }

    /// Every code the spec's pattern describes is accepted; creation refuses
    /// it only when it is a reserved word, in any case.
    #[test]
    fn valid_codes_are_accepted_and_only_reserved_words_refused(
        s in prop_oneof![
            spec_strings(CODE),
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
            spec_strings(CURSOR),
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
            spec_strings(CURSOR),
            near_misses(spec_strings(CURSOR)),
            "[0-9a-f]{32}",
            any_text(),
            // id 0: a position no link has, but a valid place to continue from.
            (0i64..).prop_map(|created_at| Cursor { created_at, id: 0 }.encode()),
        ]
    ) {
        let matches = pattern_matches(&spec_pattern(CURSOR), &s);
        prop_assert_eq!(Cursor::decode(&s).is_some(), matches, "{:?}", s);
    }

    /// `expires_at`: the spec's pattern with `format: date-time` (the calendar)
    /// describes exactly what the parser accepts.
    #[test]
    fn expires_at_pattern_and_parser_agree(
        s in prop_oneof![
            spec_strings(EXPIRES_AT),
            near_misses(spec_strings(EXPIRES_AT)),
            "(0000|0001|9998|9999|[0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-4]):[0-6][0-9]:[0-6][0-9](\\.[0-9]{1,12})?([Zz]|[+-](0[0-9]|1[0-9]|2[0-4]):[0-6][0-9])",
            any_text(),
        ]
    ) {
        let allowed = pattern_matches(&spec_pattern(EXPIRES_AT), &s) && calendar_is_valid(&s);
        prop_assert_eq!(parse_rfc3339(&s).is_some(), allowed, "{:?}", s);
    }
}

/// JSON Schema `pattern` semantics: the pattern matches somewhere in `s`. The
/// oracle is the `regex` crate, not the code under test; the spec's patterns
/// use only syntax on which it and ECMA 262 agree (ASCII classes, groups,
/// alternation, counted repetition, anchors).
pub(super) fn pattern_matches(pattern: &str, s: &str) -> bool {
    thread_local! {
        // Compiled once per pattern: the property tests ask thousands of times.
        static COMPILED: std::cell::RefCell<std::collections::HashMap<String, regex::Regex>> =
            Default::default();
    }
    COMPILED.with_borrow_mut(|compiled| {
        compiled
            .entry(pattern.to_owned())
            .or_insert_with(|| {
                regex::Regex::new(pattern).unwrap_or_else(|e| {
                    panic!("the spec's pattern {pattern} does not compile: {e}")
                })
            })
            .is_match(s)
    })
}
