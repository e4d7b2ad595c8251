//! API keys on the client side: the key a run is given ([`ApiKey`], whose
//! `Debug` and `Display` never show it), which credentials one request
//! carries ([`Auth`]), and [`redact`], which takes every key out of text
//! before it reaches a report, a console or a log.
//!
//! The contract (`docs/api.md`, "Authentication and ownership"): a key is
//! `sl_`, a 12-character base62 id, `_`, and a 43-character base64url secret;
//! every request under `/api/v1` carries `Authorization: Bearer <key>`, and
//! nothing else needs one.

use std::fmt;

use rand::Rng;

use crate::target::random_alnum;

/// What every key starts with.
pub const PREFIX: &str = "sl_";
/// Length of the public id after [`PREFIX`].
pub const ID_LEN: usize = 12;
/// Length of the secret after the id and its `_`.
pub const SECRET_LEN: usize = 43;

/// The environment variable the harness and the load test read the admin
/// key from when `--api-key` is not given.
pub const ENV_VAR: &str = "SHORTLINK_API_KEY";

/// What to say when a run needs an admin key and has none.
pub const MISSING: &str =
    "no admin API key: pass --api-key KEY or set SHORTLINK_API_KEY (an admin key, see INSTRUCTIONS.md)";

/// An API key. Holds the whole key; shows only its id (or nothing, for a
/// string that is not a key), so a key in a struct that derives `Debug`,
/// a clap error or a panic message is never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Any string: a malformed key is still a key to send (the server says
    /// 401); refusing it here would put it into an error message.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The whole key, for the `Authorization` header and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `Bearer <key>`, the header value.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.0)
    }

    /// Whether the key has the contract's shape (`sl_<12>_<43>`).
    pub fn is_well_formed(&self) -> bool {
        well_formed(&self.0)
    }

    /// The public id of a well-formed key.
    pub fn id(&self) -> Option<&str> {
        self.is_well_formed()
            .then(|| &self.0[PREFIX.len()..PREFIX.len() + ID_LEN])
    }

    /// A well-formed key that no server made: random id, random secret.
    pub fn unknown() -> Self {
        let secret: String = (0..SECRET_LEN)
            .map(|_| {
                const B64URL: &[u8] =
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
                B64URL[rand::thread_rng().gen_range(0..B64URL.len())] as char
            })
            .collect();
        Self(format!("{PREFIX}{}_{secret}", random_alnum(ID_LEN)))
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.id() {
            Some(id) => write!(f, "ApiKey({PREFIX}{id}_<redacted>)"),
            None => f.write_str("ApiKey(<redacted>)"),
        }
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// clap's value parser: never fails, so clap never quotes the value back.
impl std::str::FromStr for ApiKey {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(s.trim()))
    }
}

fn is_b64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Whether `s` is exactly `sl_` + 12 base62 + `_` + 43 base64url.
pub fn well_formed(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == PREFIX.len() + ID_LEN + 1 + SECRET_LEN
        && s.starts_with(PREFIX)
        && b[PREFIX.len()..PREFIX.len() + ID_LEN]
            .iter()
            .all(u8::is_ascii_alphanumeric)
        && b[PREFIX.len() + ID_LEN] == b'_'
        && b[PREFIX.len() + ID_LEN + 1..].iter().all(|&c| is_b64url(c))
}

/// The credentials one request carries.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Auth {
    /// The run's key (or the acting key of a check) under `/api/v1`, none
    /// elsewhere: what a well-behaved client sends.
    #[default]
    Default,
    /// No `Authorization` header, wherever the request goes.
    None,
    /// `Bearer <this key>`.
    Key(ApiKey),
    /// This exact header value (another scheme, a malformed credential).
    Raw(String),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Default => f.write_str("Default"),
            Auth::None => f.write_str("None"),
            Auth::Key(k) => write!(f, "Key({k:?})"),
            Auth::Raw(_) => f.write_str("Raw(<redacted>)"),
        }
    }
}

/// Whether `path` (with or without a query) is under `/api/v1`, where the
/// contract wants a key.
pub fn under_api(path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or("");
    path == "/api/v1" || path.starts_with("/api/v1/")
}

/// `text` with every key taken out: each of `known` (the run's own keys,
/// whatever their shape) replaced, then anything that starts like a key
/// (`sl_` + 12 base62 + `_`) loses whatever base64url follows, so a
/// secret cut short by a truncated body quote goes too. The public id stays:
/// it names the key in listings and is no secret.
pub fn redact<S: AsRef<str>>(text: &str, known: &[S]) -> String {
    let mut out = text.to_string();
    for k in known {
        let k = k.as_ref();
        // A short string would blank out ordinary words; real keys are 59
        // characters and well-formed ones are caught below anyway.
        if k.len() >= 8 && out.contains(k) {
            out = out.replace(k, "<redacted key>");
        }
    }
    redact_shaped(&out)
}

fn redact_shaped(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while let Some(pos) = text[i..].find(PREFIX) {
        let start = i + pos;
        let id_end = start + PREFIX.len() + ID_LEN;
        let id_ok = b.len() > id_end
            && b[start + PREFIX.len()..id_end]
                .iter()
                .all(u8::is_ascii_alphanumeric)
            && b[id_end] == b'_';
        if !id_ok {
            i = start + PREFIX.len();
            continue;
        }
        let mut end = id_end + 1;
        while end < b.len() && is_b64url(b[end]) {
            end += 1;
        }
        if end == id_end + 1 {
            // Nothing secret follows (already redacted, or a bare id).
            i = end;
            continue;
        }
        out.push_str(&text[copied..=id_end]);
        out.push_str("<redacted>");
        copied = end;
        i = end;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sl_4fTq9ZbX2kLm_3qVabcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01";

    #[test]
    fn shape_and_id() {
        assert!(well_formed(KEY), "{}", KEY.len());
        let k = ApiKey::new(KEY);
        assert_eq!(k.id(), Some("4fTq9ZbX2kLm"));
        assert!(!well_formed("sl_short_x"));
        assert!(!well_formed(&KEY.replace("_3qV", "!3qV")));
        assert!(!well_formed(&format!("{KEY}x")));
        let u = ApiKey::unknown();
        assert!(u.is_well_formed() && u != ApiKey::unknown());
    }

    /// Neither `Debug`, `Display` nor `Auth`'s `Debug` shows a secret.
    #[test]
    fn formatting_hides_the_secret() {
        let k = ApiKey::new(KEY);
        for text in [
            format!("{k:?}"),
            format!("{k}"),
            format!("{:?}", Auth::Key(k.clone())),
            format!("{:?}", Auth::Raw(format!("Basic {KEY}"))),
        ] {
            assert!(!text.contains("3qVabc"), "{text}");
        }
        assert_eq!(format!("{k:?}"), "ApiKey(sl_4fTq9ZbX2kLm_<redacted>)");
        assert!(!format!("{:?}", ApiKey::new("hunter2-hunter2")).contains("hunter2"));
    }

    #[test]
    fn redact_takes_out_known_and_shaped_keys() {
        let text = format!(
            "body {{\"secret\":\"{KEY}\"}} cut sl_AAAAAAAAAAAA_abc… odd hunter2-hunter2 sl_notakey"
        );
        let out = redact(&text, &["hunter2-hunter2"]);
        assert!(!out.contains("3qVabc") && !out.contains("hunter2"), "{out}");
        assert!(!out.contains("_abc"), "{out}");
        assert!(out.contains("sl_4fTq9ZbX2kLm_<redacted>\"}"), "{out}");
        assert!(out.contains("sl_notakey"), "{out}");
        assert_eq!(redact::<&str>("plain", &[]), "plain");
        assert_eq!(redact::<&str>(&out, &[]), out, "redaction is idempotent");
    }

    #[test]
    fn api_paths() {
        assert!(under_api("/api/v1/links"));
        assert!(under_api("/api/v1/links?limit=1"));
        assert!(under_api("/api/v1/keys/abc"));
        assert!(!under_api("/api/v2/links"));
        assert!(!under_api("/api/v1x"));
        assert!(!under_api("/abc"));
        assert!(!under_api("/healthz"));
    }
}
