//! The destination of a link: an absolute http(s) URL that is safe to put in a `Location` header.
//!
//! The accepted language is a plain grammar, checked here by hand and published
//! in `/openapi.json` as the `url` property's `pattern` (`http::openapi::URL_PATTERN`),
//! so any tool that reads the spec agrees with the server both ways;
//! `tests/api/parsers.rs` holds the two to each other. ASCII only, case-insensitive
//! scheme, no user info:
//!
//! ```text
//! url      = ("http" / "https") "://" host [":" port] [("/" / "?" / "#") *%x21-7E]
//! host     = name / IPv4address / "[" IPv6address "]"       ; the last two as in RFC 3986
//! name     = *(label ".") final ["."]
//! label    = 1*(ALPHA / DIGIT / "-" / "_")
//! final    = ALPHA *(ALPHA / DIGIT / "-" / "_")             ; never a number, so never a bad IPv4
//! port     = 0..65535 without leading zeros
//! ```

/// The contract's upper bound on a stored URL, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

/// A URL that can be redirected to as it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetUrl(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    Empty,
    TooLong,
    /// Whitespace, control bytes or non-ASCII: anything that could split or
    /// disguise a header. Clients percent-encode such characters.
    BadCharacter,
    NotAbsolute,
    Scheme,
    NoHost,
    /// Not a DNS-style name, an IPv4 or a bracketed IPv6 address, or it carries user info.
    Host,
    Port,
}

impl UrlError {
    pub fn message(self) -> &'static str {
        match self {
            UrlError::Empty => "url must not be empty",
            UrlError::TooLong => "url must be at most 2048 bytes",
            UrlError::BadCharacter => {
                "url must be printable ASCII without spaces; percent-encode other characters"
            }
            UrlError::NotAbsolute => "url must be absolute, starting http:// or https://",
            UrlError::Scheme => "url must use http or https",
            UrlError::NoHost => "url must have a host",
            UrlError::Host => {
                "url host must be a name, an IPv4 address or a [bracketed] IPv6 address, without user info"
            }
            UrlError::Port => "url port must be a number from 0 to 65535",
        }
    }
}

impl TargetUrl {
    pub fn parse(s: &str) -> Result<TargetUrl, UrlError> {
        if s.is_empty() {
            return Err(UrlError::Empty);
        }
        if s.len() > MAX_URL_BYTES {
            return Err(UrlError::TooLong);
        }
        // What is stored is exactly what goes into `Location`: every byte printable ASCII.
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(UrlError::BadCharacter);
        }
        let rest = strip_scheme(s)?;
        // The authority runs to the first `/`, `?` or `#`; the rest is any printable ASCII.
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        check_authority(&rest[..end])?;
        Ok(TargetUrl(s.to_owned()))
    }

    /// Wraps a value read back from the store, which only ever holds parsed URLs.
    pub fn from_store(s: String) -> TargetUrl {
        TargetUrl(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// What follows `http://` or `https://` (any case). `http:example.org` is refused:
/// browsers resolve it relative to the current page.
fn strip_scheme(s: &str) -> Result<&str, UrlError> {
    for prefix in ["http://", "https://"] {
        if s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix) {
            return Ok(&s[prefix.len()..]);
        }
    }
    // Tell another scheme (`javascript:`, `ftp://`) from no scheme at all.
    let scheme = s.split(':').next().unwrap_or_default();
    let is_scheme = s.contains(':')
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if is_scheme && !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        Err(UrlError::Scheme)
    } else {
        Err(UrlError::NotAbsolute)
    }
}

fn check_authority(authority: &str) -> Result<(), UrlError> {
    if authority.is_empty() {
        return Err(UrlError::NoHost);
    }
    // No host or port takes `@`; checked first only so user info gets its own message.
    if authority.contains('@') {
        return Err(UrlError::Host);
    }
    let (host_ok, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (address, after) = inner.split_once(']').ok_or(UrlError::Host)?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(UrlError::Host)?),
        };
        (is_ipv6(address), port)
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        if host.is_empty() {
            return Err(UrlError::NoHost);
        }
        (is_name(host) || is_ipv4(host), port)
    };
    if !host_ok {
        return Err(UrlError::Host);
    }
    match port {
        Some(p) if !is_port(p) => Err(UrlError::Port),
        _ => Ok(()),
    }
}

fn is_label_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// `*(label ".") final ["."]`, the final label starting with a letter.
fn is_name(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let mut labels = host.split('.');
    let last = labels.next_back().unwrap_or_default();
    last.starts_with(|c: char| c.is_ascii_alphabetic())
        && last.bytes().all(is_label_byte)
        && labels.all(|l| !l.is_empty() && l.bytes().all(is_label_byte))
}

/// RFC 3986 `dec-octet`: 0 to 255, no leading zero.
fn is_dec_octet(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 3
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'))
        && s.parse::<u16>().is_ok_and(|n| n <= 255)
}

fn is_ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4 && parts.iter().all(|p| is_dec_octet(p))
}

fn is_h16(s: &str) -> bool {
    (1..=4).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// RFC 3986 `IPv6address`: eight 16-bit pieces, an IPv4 address counting for
/// the last two, or fewer around a single `::` that stands for at least one.
fn is_ipv6(s: &str) -> bool {
    // Pieces of one side of `::`; an IPv4 address is allowed only at the very end.
    fn pieces(side: &str, ipv4_last: bool) -> Option<usize> {
        if side.is_empty() {
            return Some(0);
        }
        let groups: Vec<&str> = side.split(':').collect();
        let mut count = 0;
        for (i, g) in groups.iter().enumerate() {
            if is_h16(g) {
                count += 1;
            } else if ipv4_last && i == groups.len() - 1 && is_ipv4(g) {
                count += 2;
            } else {
                return None;
            }
        }
        Some(count)
    }
    match s.split_once("::") {
        None => pieces(s, true) == Some(8),
        Some((left, right)) => match (pieces(left, false), pieces(right, true)) {
            (Some(l), Some(r)) => l + r <= 7,
            _ => false,
        },
    }
}

/// 0 to 65535, no leading zero, not empty.
fn is_port(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 5
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'))
        && s.parse::<u32>().is_ok_and(|n| n <= 65535)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_absolute_http_and_https() {
        for ok in [
            "http://example.org",
            "https://example.org/some/long/path?q=1#frag",
            "HTTPS://EXAMPLE.ORG/",
            "http://127.0.0.1:8080/x",
            "http://[::1]/",
            "http://[2001:db8::7]:443/",
            "http://[::ffff:192.0.2.1]/",
            "http://[1:2:3:4:5:6:7:8]",
            "https://example.org/%E4%BE%8B",
            "https://xn--bcher-kva.example./?a=b",
            "http://localhost:0",
            "http://my_host-1.example:65535?",
            "http://a#",
        ] {
            assert!(TargetUrl::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_what_the_contract_rejects() {
        let long = format!("https://example.org/{}", "a".repeat(2048));
        let cases: &[(&str, UrlError)] = &[
            ("", UrlError::Empty),
            (&long, UrlError::TooLong),
            (" https://example.org", UrlError::BadCharacter),
            ("https://example.org/a b", UrlError::BadCharacter),
            (
                "https://example.org/\r\nSet-Cookie:x",
                UrlError::BadCharacter,
            ),
            ("https://example.org/\u{202e}", UrlError::BadCharacter),
            ("https://exämple.org/", UrlError::BadCharacter),
            ("javascript:alert(1)", UrlError::Scheme),
            ("data:text/html,hi", UrlError::Scheme),
            ("ftp://example.org/", UrlError::Scheme),
            ("/relative/path", UrlError::NotAbsolute),
            ("example.org", UrlError::NotAbsolute),
            ("http:example.org", UrlError::NotAbsolute),
            ("https:/example.org", UrlError::NotAbsolute),
            ("http:\\\\example.org", UrlError::NotAbsolute),
            ("http://", UrlError::NoHost),
            ("http:///path", UrlError::NoHost),
            ("http://:80/", UrlError::NoHost),
            ("HTTPS://|", UrlError::Host),
            ("htTPs://1Y:;=", UrlError::Host),
            ("http://user:pw@example.org/", UrlError::Host),
            ("http://example.org\\@evil.example/", UrlError::Host),
            ("http://1.2.3.256/", UrlError::Host),
            ("http://01.2.3.4/", UrlError::Host),
            ("http://example.123/", UrlError::Host),
            ("http://a..b/", UrlError::Host),
            ("http://[::1/", UrlError::Host),
            ("http://[1::2::3]/", UrlError::Host),
            ("http://[1:2:3:4:5:6:7:8:9]/", UrlError::Host),
            ("http://[1:2:3:4:5:6:7::8]/", UrlError::Host),
            ("http://[::1.2.3.4:5]/", UrlError::Host),
            ("http://[::1]x/", UrlError::Host),
            ("http://example.org:/", UrlError::Port),
            ("http://example.org:65536/", UrlError::Port),
            ("http://example.org:080/", UrlError::Port),
            ("http://example.org:8:8/", UrlError::Port),
        ];
        for (input, want) in cases {
            assert_eq!(TargetUrl::parse(input), Err(*want), "{input:?}");
        }
    }
}
