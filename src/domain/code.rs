//! Link codes: the syntax of the contract, the reserved words, and random generation.

use rand::Rng;

/// Paths the service owns at the root; a link under one of these names would shadow them.
const RESERVED: &[&str] = &[
    "api", "healthz", "readyz", "metrics", "version", "openapi", "docs", "static",
];

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const GENERATED_LEN: usize = 7;

/// A code matching `[A-Za-z0-9_-]{3,32}`. Codes are case-sensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Code(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    /// Wrong length or a character outside the alphabet.
    Invalid,
    /// Well-formed, but one of the service's own path names.
    Reserved,
}

impl Code {
    /// Parses a client-chosen code for creation: syntax first, then the reserved list.
    pub fn parse_custom(s: &str) -> Result<Code, CodeError> {
        let code = Code::parse(s).ok_or(CodeError::Invalid)?;
        if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s)) {
            return Err(CodeError::Reserved);
        }
        Ok(code)
    }

    /// Parses a code that is only looked up: a reserved word simply will not be found.
    pub fn parse(s: &str) -> Option<Code> {
        let ok = (3..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        ok.then(|| Code(s.to_owned()))
    }

    /// A fresh 7-character base62 code. Collisions are the store's to retry.
    pub fn generate() -> Code {
        let mut rng = rand::thread_rng();
        let s = (0..GENERATED_LEN)
            .map(|_| BASE62[rng.gen_range(0..BASE62.len())] as char)
            .collect();
        Code(s)
    }

    /// Wraps a value read back from the store, which only ever holds parsed codes.
    pub fn from_store(s: String) -> Code {
        Code(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_alphabet_and_length_bounds() {
        assert!(Code::parse("abc").is_some());
        assert!(Code::parse("A-z_09").is_some());
        assert!(Code::parse(&"x".repeat(32)).is_some());
        assert!(Code::parse("ab").is_none());
        assert!(Code::parse(&"x".repeat(33)).is_none());
        assert!(Code::parse("abc!").is_none());
        assert!(Code::parse("abc d").is_none());
        assert!(Code::parse("åbcd").is_none());
    }

    #[test]
    fn reserved_words_are_refused_in_any_case() {
        assert_eq!(Code::parse_custom("HealthZ"), Err(CodeError::Reserved));
        assert_eq!(Code::parse_custom("api"), Err(CodeError::Reserved));
        assert_eq!(Code::parse_custom("a"), Err(CodeError::Invalid));
        assert!(Code::parse_custom("apis").is_ok());
    }

    #[test]
    fn generated_codes_are_valid_and_not_reserved() {
        for _ in 0..1000 {
            let c = Code::generate();
            assert_eq!(c.as_str().len(), 7);
            assert!(Code::parse_custom(c.as_str()).is_ok());
        }
    }
}
