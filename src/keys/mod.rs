//! API keys: generation, the `sl_<id>_<secret>` format, hashing and verification.
//!
//! A key is `sl_` + a 12-character base62 **id** + `_` + a 43-character
//! base64url (no padding) **secret**, e.g.
//! `sl_4fTq9ZbX2kLm_3q…` (59 characters in all). The id is public: it is
//! the primary key, shown by `keys list`, used by `keys revoke`, and lets the
//! server find a key's row with one indexed lookup instead of hashing against
//! every row. The secret is 32 bytes (256 bits) from the operating system's
//! RNG and is never stored: only its SHA-256 is.
//!
//! The HTTP layer enforces them (`http::auth`); a caller's [`Scope`] is what
//! the stores filter links by.

use std::fmt;

use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

#[cfg(test)]
mod tests;

/// The fixed start of every key, so a leaked key is recognisable (secret
/// scanners, log reviews) and a mistyped bearer value is rejected early.
pub const PREFIX: &str = "sl_";
/// Length of the public id: 62^12 ≈ 3·10^21, so random ids do not collide
/// in practice; a collision would only fail the insert, never mix up keys.
pub const ID_LEN: usize = 12;
/// Bytes of the secret: 256 bits.
pub const SECRET_BYTES: usize = 32;
/// 32 bytes in unpadded base64url.
const SECRET_LEN: usize = 43;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// What a key may do: `admin` everything, `author` only the links it created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    Admin,
    Author,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Author => "author",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "author" => Some(Role::Author),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The public part of a key: safe to print, log and store in clear.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

impl KeyId {
    fn generate() -> KeyId {
        let mut rng = OsRng;
        KeyId(
            (0..ID_LEN)
                .map(|_| BASE62[rng.gen_range(0..BASE62.len())] as char)
                .collect(),
        )
    }

    /// Exactly `ID_LEN` base62 characters, or nothing.
    pub fn parse(s: &str) -> Option<KeyId> {
        (s.len() == ID_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then(|| KeyId(s.to_owned()))
    }

    /// A value read back from the store, which only ever holds parsed ids.
    pub(crate) fn from_store(s: String) -> KeyId {
        KeyId(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The secret part of a key. Its `Debug` and `Display` print a placeholder,
/// so a key can sit in a struct that gets logged without leaking.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    fn generate() -> Secret {
        let mut bytes = [0u8; SECRET_BYTES];
        OsRng.fill_bytes(&mut bytes);
        Secret(base64url(&bytes))
    }

    /// SHA-256 of the secret, the only form that is ever stored.
    ///
    /// A fast hash is the right tool here, unlike for passwords: a slow KDF
    /// (bcrypt, scrypt, Argon2) exists to make guessing a *low-entropy*,
    /// human-chosen password expensive when the hash leaks. These secrets are
    /// 256 uniformly random bits, so there is no dictionary to try: finding a
    /// preimage of a leaked hash takes ~2^255 SHA-256 evaluations whatever the
    /// hash costs, and a KDF's extra 100 ms per guess buys nothing at that
    /// scale. It would, however, cost every authenticated request that much
    /// CPU. Salting is unnecessary for the same reason (no two secrets share a
    /// value, so there is nothing for a precomputed table to exploit).
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }

    /// The encoded secret; only for printing the full key once, at creation.
    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A full key as a client presents it: `sl_<id>_<secret>`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: KeyId,
    pub secret: Secret,
}

impl ApiKey {
    pub fn generate() -> ApiKey {
        ApiKey {
            id: KeyId::generate(),
            secret: Secret::generate(),
        }
    }

    /// Splits a presented key; `None` for anything not in the exact format.
    pub fn parse(raw: &str) -> Option<ApiKey> {
        let rest = raw.strip_prefix(PREFIX)?;
        let (id, secret) = rest.split_at_checked(ID_LEN)?;
        let secret = secret.strip_prefix('_')?;
        let valid_secret = secret.len() == SECRET_LEN
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        Some(ApiKey {
            id: KeyId::parse(id)?,
            secret: valid_secret.then(|| Secret(secret.to_owned()))?,
        })
    }

    /// The whole key, secret included: shown to the operator once, at
    /// creation, and never again. Deliberately not `Display`.
    pub fn reveal(&self) -> String {
        format!("{PREFIX}{}_{}", self.id, self.secret.expose())
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .field("secret", &self.secret)
            .finish()
    }
}

/// A key as stored: everything but the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub id: KeyId,
    pub name: String,
    pub role: Role,
    pub secret_sha256: [u8; 32],
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// Leaves the hash out too: it is useless to an attacker against a 256-bit
/// secret, but nothing reading logs needs it, so it never reaches them.
impl fmt::Debug for KeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRecord")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("created_at", &self.created_at)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

impl KeyRecord {
    /// The record to store for a freshly generated key.
    pub fn new(key: &ApiKey, name: &str, role: Role, now: i64) -> KeyRecord {
        KeyRecord {
            id: key.id.clone(),
            name: name.to_owned(),
            role,
            secret_sha256: key.secret.hash(),
            created_at: now,
            revoked_at: None,
        }
    }

    /// Whether `key` is this record's live key. The hash comparison is in
    /// constant time so response timing reveals nothing about how many bytes
    /// of a guessed secret's hash matched.
    pub fn accepts(&self, key: &ApiKey) -> bool {
        let hash_matches: bool = self.secret_sha256.ct_eq(&key.secret.hash()).into();
        hash_matches && self.id == key.id && self.revoked_at.is_none()
    }
}

/// Finds the role of a presented key, given the stored record for its id
/// (looked up by the caller): `None` when unknown, wrong or revoked.
pub fn verify(key: &ApiKey, record: Option<&KeyRecord>) -> Option<Role> {
    record.filter(|r| r.accepts(key)).map(|r| r.role)
}

/// The longest key name, in characters: the MySQL column's width.
pub const MAX_NAME: usize = 200;

/// Whether `name` is 1 to `MAX_NAME` characters, none of them a control
/// character (names end up in listings and logs). The `pattern` of
/// `CreateKey.name` in `/openapi.json` says the same.
pub fn valid_name(name: &str) -> bool {
    (1..=MAX_NAME).contains(&name.chars().count()) && !name.contains(char::is_control)
}

/// Whose links a request may reach. Stores filter by it in the statement
/// itself, so an author's read, update or delete of another key's link finds
/// nothing, whatever runs concurrently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// An admin: every link, including those from before keys existed.
    All,
    /// An author: only the links this key created.
    Owner(KeyId),
}

impl Scope {
    pub fn owner(&self) -> Option<&KeyId> {
        match self {
            Scope::All => None,
            Scope::Owner(id) => Some(id),
        }
    }

    /// Whether a link created by `owner` is in this scope.
    pub fn includes(&self, owner: Option<&KeyId>) -> bool {
        match self {
            Scope::All => true,
            Scope::Owner(id) => owner == Some(id),
        }
    }
}

/// Unpadded base64url (RFC 4648 §5); 32 bytes become 43 characters.
fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
