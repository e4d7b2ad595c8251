//! The endpoint catalogue: every check, grouped by endpoint. One module per
//! endpoint (or family), plus the bad-input table, the error-routing checks,
//! and authentication (`auth`), ownership and key management (`keys`).

use crate::check::Check;

pub mod auth;
pub mod bad_input;
pub mod create;
pub mod delete;
pub mod errors;
pub mod keys;
pub mod list;
pub mod ops;
pub mod ownership;
pub mod read;
pub mod redirect;
pub mod stats;
pub mod update;

/// The path templates the checks use, from [`crate::endpoints`].
pub use crate::endpoints::{LINK, LINKS, REDIRECT, STATS};

/// Every check, in a stable order (endpoint by endpoint).
pub fn catalogue() -> Vec<Check> {
    let mut checks = Vec::new();
    checks.extend(create::checks());
    checks.extend(list::checks());
    checks.extend(read::checks());
    checks.extend(update::checks());
    checks.extend(delete::checks());
    checks.extend(redirect::checks());
    checks.extend(stats::checks());
    checks.extend(ops::checks());
    checks.extend(errors::checks());
    checks.extend(bad_input::checks());
    checks.extend(auth::checks());
    checks.extend(ownership::checks());
    checks.extend(keys::checks());
    checks
}

/// Checks whose name contains any of `filters` (all checks when empty).
pub fn filtered(filters: &[String]) -> Vec<Check> {
    catalogue()
        .into_iter()
        .filter(|c| filters.is_empty() || filters.iter().any(|f| c.name.contains(f.as_str())))
        .collect()
}

/// Whether some check covers `method path` (used by the coverage test
/// against `/openapi.json`).
pub fn covers(checks: &[Check], method: &str, path: &str) -> bool {
    checks
        .iter()
        .any(|c| c.method.eq_ignore_ascii_case(method) && c.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::CONTRACT_ENDPOINTS;
    use std::collections::HashSet;

    /// Names are the stable identity of checks: unique and dotted snake case.
    #[test]
    fn names_are_unique_and_well_formed() {
        let checks = catalogue();
        let mut seen = HashSet::new();
        for c in &checks {
            assert!(
                seen.insert(c.name.clone()),
                "duplicate check name {}",
                c.name
            );
            assert!(
                c.name.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'_'
                    || b == b'.'),
                "bad check name {}",
                c.name
            );
        }
    }

    /// Every endpoint of the written contract has at least one check.
    #[test]
    fn every_contract_endpoint_is_covered() {
        let checks = catalogue();
        for e in CONTRACT_ENDPOINTS {
            assert!(covers(&checks, e.method, e.path), "no check for {e}");
        }
    }

    /// The bad-input table holds at least the 30 rows the issue asks for.
    #[test]
    fn bad_input_table_is_large_enough() {
        assert!(bad_input::checks().len() >= 30);
    }
}
