//! The opaque pagination cursor: the sort key of the last link a page returned.

/// Keyset position in the newest-first order `(created_at DESC, id DESC)`:
/// the next page holds links strictly after it. `id` breaks ties within a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: i64,
    pub id: i64,
}

// Fixed-width hex keeps the cursor opaque to clients without a codec dependency,
// and makes every other string, of any length, a decode error rather than a guess.
const HALF: usize = 16;

impl Cursor {
    /// Before every link: where the first page starts.
    pub const START: Cursor = Cursor {
        created_at: i64::MAX,
        id: i64::MAX,
    };

    pub fn encode(&self) -> String {
        format!("{:016x}{:016x}", self.created_at as u64, self.id as u64)
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        if s.len() != 2 * HALF || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let part = |r: std::ops::Range<usize>| {
            let v = u64::from_str_radix(&s[r], 16).ok()?;
            i64::try_from(v).ok()
        };
        let created_at = part(0..HALF)?;
        // Any position in the key space is a valid place to continue from, issued
        // or not: the cursor carries no secret, so id 0 is no more forged than any other.
        let id = part(HALF..2 * HALF)?;
        Some(Cursor { created_at, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for (created_at, id) in [(0, 0), (0, 1), (1_795_838_706, 42), (i64::MAX, i64::MAX)] {
            let c = Cursor { created_at, id };
            assert_eq!(Cursor::decode(&c.encode()), Some(c));
        }
    }

    #[test]
    fn rejects_anything_else() {
        let ok = Cursor {
            created_at: 5,
            id: 7,
        }
        .encode();
        for bad in [
            "",
            "abc",
            &ok[1..],
            &format!("{ok}0"),
            &ok.to_uppercase().replace("0", "A"),
            "000000000000000500000000000000g7",
            "ffffffffffffffff0000000000000007",
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }
}
