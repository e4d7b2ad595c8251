//! Output formats: one line per check, the closing `N passed, N failed`
//! line, and JUnit XML for CI systems.

use crate::runner::Outcome;

/// `ok   name (12 ms)` or `FAIL name: rule (detail)`.
pub fn line(outcome: &Outcome) -> String {
    match &outcome.result {
        Ok(()) => format!("ok   {} ({} ms)", outcome.name, outcome.elapsed.as_millis()),
        Err(f) => format!("FAIL {}: {f}", outcome.name),
    }
}

/// The closing line, exactly `N passed, N failed`.
pub fn summary(outcomes: &[Outcome]) -> String {
    let passed = outcomes.iter().filter(|o| o.passed()).count();
    format!("{passed} passed, {} failed", outcomes.len() - passed)
}

/// A JUnit XML document: one `<testsuite>`, one `<testcase>` per check,
/// classname = the endpoint (`GET /{code}`), `<failure>` carrying the rule.
pub fn junit_xml(suite: &str, outcomes: &[Outcome]) -> String {
    let failures = outcomes.iter().filter(|o| !o.passed()).count();
    let total: f64 = outcomes.iter().map(|o| o.elapsed.as_secs_f64()).sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites tests=\"{}\" failures=\"{failures}\" time=\"{total:.3}\">\n",
        outcomes.len()
    ));
    xml.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{total:.3}\">\n",
        escape(suite),
        outcomes.len()
    ));
    for o in outcomes {
        xml.push_str(&format!(
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
            escape(&o.name),
            escape(&format!("{} {}", o.method, o.path)),
            o.elapsed.as_secs_f64()
        ));
        match &o.result {
            Ok(()) => xml.push_str("/>\n"),
            Err(f) => xml.push_str(&format!(
                ">\n      <failure message=\"{}\" type=\"contract\">{}</failure>\n    </testcase>\n",
                escape(&f.rule),
                escape(&f.to_string())
            )),
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

/// XML-escapes text and drops characters XML 1.0 cannot carry (responses
/// quoted in failure details may hold control characters).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Failure;
    use std::time::Duration;

    fn outcome(name: &str, result: Result<(), Failure>) -> Outcome {
        Outcome {
            name: name.into(),
            method: "GET",
            path: "/{code}",
            result,
            elapsed: Duration::from_millis(12),
        }
    }

    /// The summary line is exactly the format CI reads.
    #[test]
    fn summary_counts() {
        let o = [
            outcome("a", Ok(())),
            outcome("b", Err(Failure::new("rule", "detail"))),
            outcome("c", Ok(())),
        ];
        assert_eq!(summary(&o), "2 passed, 1 failed");
        assert_eq!(line(&o[0]), "ok   a (12 ms)");
        assert_eq!(line(&o[1]), "FAIL b: rule (detail)");
    }

    /// Failure text with markup and control characters still yields XML
    /// that keeps the rule and escapes the rest.
    #[test]
    fn junit_escapes() {
        let o = [outcome(
            "x<y",
            Err(Failure::new("status is 302", "body \"<html>\u{7}\"")),
        )];
        let xml = junit_xml("shortlink", &o);
        assert!(xml.contains("name=\"x&lt;y\""));
        assert!(xml.contains("message=\"status is 302\""));
        assert!(xml.contains("&lt;html&gt;\u{FFFD}"));
        assert!(xml.contains("failures=\"1\""));
        assert!(!xml.contains('\u{7}'));
    }
}
