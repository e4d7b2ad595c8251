//! Parsed, trusted values of the contract: a value of these types is valid by construction.

mod code;
mod cursor;
mod link;
mod target_url;
mod timestamp;

pub use code::{Code, CodeError};
pub use cursor::Cursor;
pub use link::{Link, NewLink, Page, Stats};
pub use target_url::{TargetUrl, UrlError};
pub use timestamp::{now, parse_rfc3339, rfc3339};

/// Longest `ttl_seconds` a client may ask for: one year.
pub const MAX_TTL_SECONDS: i64 = 31_536_000;
