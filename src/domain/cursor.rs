//! The opaque pagination cursor: the internal id of the last link a page returned.

/// Keyset position: pages continue with links whose id is strictly below this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor(pub i64);

// Fixed-width hex keeps the cursor opaque to clients without a codec dependency,
// and makes every other string, of any length, a decode error rather than a guess.
const WIDTH: usize = 16;

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{:016x}", self.0 as u64)
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        if s.len() != WIDTH || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let id = u64::from_str_radix(s, 16).ok()?;
        i64::try_from(id).ok().filter(|id| *id > 0).map(Cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for id in [1, 42, i64::MAX] {
            assert_eq!(Cursor::decode(&Cursor(id).encode()), Some(Cursor(id)));
        }
    }

    #[test]
    fn rejects_anything_else() {
        for bad in [
            "",
            "abc",
            "000000000000000g",
            "000000000000000A",
            "0000000000000000",
            "ffffffffffffffff",
            "00000000000000001",
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }
}
