//! The destination of a link: an absolute http(s) URL that is safe to put in a `Location` header.

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
}

impl UrlError {
    pub fn message(self) -> &'static str {
        match self {
            UrlError::Empty => "url must not be empty",
            UrlError::TooLong => "url must be at most 2048 bytes",
            UrlError::BadCharacter => {
                "url must be printable ASCII without spaces; percent-encode other characters"
            }
            UrlError::NotAbsolute => "url must be absolute",
            UrlError::Scheme => "url must use http or https",
            UrlError::NoHost => "url must have a host",
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
        // Checked on the raw string, before any parser normalises it away: what is
        // stored is exactly what goes into `Location`.
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(UrlError::BadCharacter);
        }
        let parsed = url::Url::parse(s).map_err(|e| match e {
            url::ParseError::RelativeUrlWithoutBase => UrlError::NotAbsolute,
            url::ParseError::EmptyHost => UrlError::NoHost,
            _ => UrlError::NotAbsolute,
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(UrlError::Scheme);
        }
        // The scheme must be spelled out as `http://` or `https://`: `http:example.org`
        // parses, but browsers resolve it relative to the current page.
        let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(UrlError::NotAbsolute);
        }
        match parsed.host_str() {
            Some(h) if !h.is_empty() => Ok(TargetUrl(s.to_owned())),
            _ => Err(UrlError::NoHost),
        }
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
            "https://example.org/%E4%BE%8B",
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
            ("http://", UrlError::NoHost),
        ];
        for (input, want) in cases {
            assert_eq!(TargetUrl::parse(input), Err(*want), "{input:?}");
        }
    }
}
