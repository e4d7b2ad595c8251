//! Property tests of the four parsers that stand between a client's bytes and
//! the store: the target-URL validator, the code validator, the cursor decoder
//! and the expiry parser. None may panic on any input, and each accepts exactly
//! what the contract (`docs/api.md`) and `/openapi.json` say it accepts: every
//! string the spec's `pattern` allows is accepted, and every string it forbids
//! is refused, so a tool that reads only the spec agrees with the server.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::string::string_regex;
use serde_json::Value;
use shortlink::domain::{parse_rfc3339, Code, CodeError, Cursor, TargetUrl, UrlError};

const CASES: u32 = 1000;
const RESERVED: &[&str] = &[
    "api", "healthz", "readyz", "metrics", "version", "openapi", "docs", "static",
];
const URL: &str = "/components/schemas/CreateLink/properties/url/pattern";
const CODE: &str = "/components/schemas/CreateLink/properties/code/pattern";
const CURSOR: &str = "/paths/~1api~1v1~1links/get/parameters/1/schema/pattern";
const EXPIRES_AT: &str = "/components/schemas/PatchLink/properties/expires_at/pattern";

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

/// The `maxLength` beside a pattern.
fn spec_max_length(pointer: &str) -> usize {
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
fn host_of(url: &str) -> &str {
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
fn calendar_is_valid(s: &str) -> bool {
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

// --- an independent reading of the spec's patterns -------------------------
//
// The test crate has no regex engine, and the oracle must not be the code
// under test, so here is a small one: the ECMA 262 subset the spec's patterns
// use (literals, `\` escapes of punctuation, classes with ranges, `(?:…)`,
// `|`, `?`, `*`, `+`, `{n}`, `{n,m}`, `^`, `$`), matched over sets of
// positions, so it cannot backtrack exponentially. Any other syntax panics.

#[derive(Debug)]
enum Node {
    Char(char),
    Class(Vec<(char, char)>),
    Start,
    End,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, usize, Option<usize>),
}

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
}

impl Parser<'_> {
    fn alt(&mut self) -> Node {
        let mut branches = vec![self.concat()];
        while self.chars.next_if_eq(&'|').is_some() {
            branches.push(self.concat());
        }
        Node::Alt(branches)
    }

    fn concat(&mut self) -> Node {
        let mut items = Vec::new();
        while let Some(&c) = self.chars.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom();
            items.push(self.quantified(atom));
        }
        Node::Concat(items)
    }

    fn literal(&mut self) -> char {
        match self.chars.next().expect("pattern ends early") {
            '\\' => {
                let c = self.chars.next().expect("escape at the end");
                assert!(c.is_ascii_punctuation(), "unsupported escape \\{c}");
                c
            }
            c => c,
        }
    }

    fn atom(&mut self) -> Node {
        match self.chars.peek().copied().expect("pattern ends early") {
            '^' => {
                self.chars.next();
                Node::Start
            }
            '$' => {
                self.chars.next();
                Node::End
            }
            '(' => {
                self.chars.next();
                assert!(
                    self.chars.next() == Some('?') && self.chars.next() == Some(':'),
                    "only (?:…) groups"
                );
                let inner = self.alt();
                assert_eq!(self.chars.next(), Some(')'), "unclosed group");
                inner
            }
            '[' => {
                self.chars.next();
                assert!(self.chars.peek() != Some(&'^'), "no negated classes");
                let mut ranges = Vec::new();
                while self.chars.next_if_eq(&']').is_none() {
                    let low = self.literal();
                    let mut lookahead = self.chars.clone();
                    let high = if lookahead.next() == Some('-') && lookahead.next() != Some(']') {
                        self.chars.next();
                        self.literal()
                    } else {
                        low
                    };
                    ranges.push((low, high));
                }
                Node::Class(ranges)
            }
            '.' | '*' | '+' | '?' | '{' => panic!("unsupported pattern syntax"),
            _ => Node::Char(self.literal()),
        }
    }

    fn number(&mut self) -> Option<usize> {
        let mut digits = String::new();
        while let Some(d) = self.chars.next_if(char::is_ascii_digit) {
            digits.push(d);
        }
        digits.parse().ok()
    }

    fn quantified(&mut self, atom: Node) -> Node {
        let (min, max) = match self.chars.peek() {
            Some('?') => (0, Some(1)),
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('{') => {
                self.chars.next();
                let min = self.number().expect("{n…}");
                let max = match self.chars.next() {
                    Some('}') => return Node::Repeat(Box::new(atom), min, Some(min)),
                    Some(',') => self.number(),
                    _ => panic!("bad quantifier"),
                };
                assert_eq!(self.chars.next(), Some('}'));
                return Node::Repeat(Box::new(atom), min, max);
            }
            _ => return atom,
        };
        self.chars.next();
        Node::Repeat(Box::new(atom), min, max)
    }
}

/// Every end position of `node` matched from any of `from`.
fn step(node: &Node, s: &[char], from: &BTreeSet<usize>) -> BTreeSet<usize> {
    match node {
        Node::Char(c) => from
            .iter()
            .filter(|&&i| s.get(i) == Some(c))
            .map(|i| i + 1)
            .collect(),
        Node::Class(ranges) => from
            .iter()
            .filter(|&&i| {
                s.get(i)
                    .is_some_and(|c| ranges.iter().any(|(lo, hi)| (lo..=hi).contains(&c)))
            })
            .map(|i| i + 1)
            .collect(),
        Node::Start => from.iter().copied().filter(|&i| i == 0).collect(),
        Node::End => from.iter().copied().filter(|&i| i == s.len()).collect(),
        Node::Concat(items) => items
            .iter()
            .fold(from.clone(), |at, item| step(item, s, &at)),
        Node::Alt(branches) => branches.iter().flat_map(|b| step(b, s, from)).collect(),
        Node::Repeat(inner, min, max) => {
            let mut at = from.clone();
            for _ in 0..*min {
                at = step(inner, s, &at);
            }
            // A position reached again after more repetitions leads nowhere new.
            let mut all = at.clone();
            let mut frontier = at;
            let mut count = *min;
            while !frontier.is_empty() && max.is_none_or(|m| count < m) {
                frontier = step(inner, s, &frontier)
                    .difference(&all)
                    .copied()
                    .collect();
                all.extend(frontier.iter().copied());
                count += 1;
            }
            all
        }
    }
}

/// JSON Schema `pattern` semantics: the pattern matches somewhere in `s`.
fn pattern_matches(pattern: &str, s: &str) -> bool {
    let mut parser = Parser {
        chars: pattern.chars().peekable(),
    };
    let node = parser.alt();
    assert!(parser.chars.next().is_none(), "unbalanced ) in {pattern}");
    let s: Vec<char> = s.chars().collect();
    let starts = (0..=s.len()).collect();
    !step(&node, &s, &starts).is_empty()
}

#[test]
fn the_pattern_reader_reads_patterns_as_ecma_262_does() {
    let cases: &[(&str, &str, bool)] = &[
        ("^a$", "a", true),
        ("^a$", "ab", false),
        ("a", "xax", true),
        ("^(?:ab|c)+$", "abcab", true),
        ("^(?:ab|c)+$", "abca", false),
        ("^[0-9A-Fa-f]{1,4}$", "fFf0", true),
        ("^[0-9A-Fa-f]{1,4}$", "fFf0f", false),
        ("^[A-Za-z0-9_-]{3}$", "a-_", true),
        ("^[!-~]*$", "a b", false),
        ("^x{2,}\\.$", "xxx.", true),
        ("^x{2,}\\.$", "x.", false),
        ("^\\[a?\\]$", "[]", true),
    ];
    for (pattern, s, want) in cases {
        assert_eq!(pattern_matches(pattern, s), *want, "{pattern} on {s:?}");
    }
}
