//! The bootstrap admin key of one comparison: made fresh for every run,
//! handed to every server it starts (`ROCKET_ADMIN_KEY`), to the seeding and
//! to the load runs, and never written anywhere: its `Debug` is a
//! placeholder, so a struct holding it can be logged or put in an error
//! without leaking it. The key dies with the run: every server that knew it
//! is stopped and every database that stored it is dropped.

use std::fmt;

use shortlink_harness::target::random_alnum;

/// A key in the server's format: `sl_` + 12 base62 characters (the id) +
/// `_` + 43 characters of the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminKey(String);

impl AdminKey {
    /// A fresh key. The secret is 43 base62 characters from rand's
    /// `thread_rng` (a CSPRNG seeded from the operating system): 256 bits,
    /// as many as the server's own keys carry, and within the base64url
    /// alphabet the server accepts.
    pub fn generate() -> AdminKey {
        AdminKey(format!("sl_{}_{}", random_alnum(12), random_alnum(43)))
    }

    /// The whole key, for the server's environment and the `Authorization`
    /// header; never for output.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The secret part (after the id), the part that must never leak.
    pub fn secret(&self) -> &str {
        &self.0[self.0.len() - 43..]
    }

    /// `Bearer <key>`: the value of an `Authorization` header.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.0)
    }
}

impl fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminKey(***)")
    }
}

/// Whether `text` holds anything shaped like a shortlink key (`sl_`, 12
/// base62 characters, `_`, 43 base64url characters): what a report must
/// never contain, whichever key it would be.
pub fn contains_key_shape(text: &str) -> bool {
    let b = text.as_bytes();
    let url64 = |c: &u8| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_';
    (0..b.len()).any(|i| {
        b[i..].starts_with(b"sl_")
            && b.len() >= i + 3 + 12 + 1 + 43
            && b[i + 3..i + 15].iter().all(u8::is_ascii_alphanumeric)
            && b[i + 15] == b'_'
            && b[i + 16..i + 59].iter().all(url64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fresh_well_formed_and_never_debug_printed() {
        let a = AdminKey::generate();
        let b = AdminKey::generate();
        assert_ne!(a, b);
        let k = a.expose();
        assert_eq!(k.len(), 59);
        assert!(contains_key_shape(k), "{} is not key-shaped", k.len());
        assert!(k.ends_with(a.secret()) && a.secret().len() == 43);
        assert_eq!(a.bearer(), format!("Bearer {k}"));
        let shown = format!("{a:?} {:?}", Some(a.clone()));
        assert!(!shown.contains(a.secret()), "Debug shows the secret");
        assert!(!contains_key_shape(&shown));
    }

    #[test]
    fn key_shapes_are_found_anywhere_and_only_whole() {
        let key = AdminKey::generate();
        assert!(contains_key_shape(&format!("x\"{}\"y", key.expose())));
        // A cut key, or an id alone, is not a key.
        assert!(!contains_key_shape(&key.expose()[..58]));
        assert!(!contains_key_shape("sl_4fTq9ZbX2kLm"));
        assert!(!contains_key_shape(""));
    }
}
