//! The envelope every answer shares: status, JSON content type, request id,
//! the error body, 204 and 405.

use serde_json::Value;

use crate::check::Failure;
use crate::ensure;
use crate::view::ResponseView;

/// The status is exactly `expected`.
pub fn status(view: &ResponseView, expected: u16) -> Result<(), Failure> {
    ensure!(
        view.status == expected,
        format!("status is {expected}"),
        "{}",
        view.summary()
    );
    Ok(())
}

/// `Content-Type` is `application/json` (parameters such as charset allowed).
pub fn json_content_type(view: &ResponseView) -> Result<(), Failure> {
    let ct = view.header("content-type").unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim();
    ensure!(
        essence.eq_ignore_ascii_case("application/json"),
        "Content-Type is application/json",
        "{}",
        view.summary()
    );
    Ok(())
}

/// Every response carries a non-empty `X-Request-Id`, equal to the one the
/// client sent (`sent`) when it sent a sane one.
pub fn request_id(view: &ResponseView, sent: Option<&str>) -> Result<(), Failure> {
    let got = view.header("x-request-id");
    ensure!(
        got.is_some_and(|v| !v.trim().is_empty()),
        "every response carries X-Request-Id",
        "missing on status {}",
        view.status
    );
    if let (Some(sent), Some(got)) = (sent, got) {
        ensure!(
            got == sent,
            "X-Request-Id echoes the client's sane value",
            "sent {sent:?}, got {got:?}"
        );
    }
    Ok(())
}

/// The contract's error body: status equal to the HTTP status, JSON content
/// type, `{"error":{"status","code","message"}}` with the expected `code`.
pub fn error(
    view: &ResponseView,
    expected_status: u16,
    expected_code: &str,
) -> Result<(), Failure> {
    status(view, expected_status)?;
    json_content_type(view)?;
    let body = view.json()?;
    let err = body.get("error").and_then(Value::as_object);
    ensure!(
        err.is_some(),
        "error body is {\"error\":{...}}",
        "{}",
        view.summary()
    );
    let err = err.expect("checked above");
    ensure!(
        err.get("status").and_then(Value::as_u64) == Some(u64::from(view.status)),
        "error.status equals the HTTP status",
        "HTTP {} but body {}",
        view.status,
        body
    );
    let code = err.get("code").and_then(Value::as_str).unwrap_or("");
    ensure!(
        !code.is_empty()
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "error.code is a snake_case word",
        "body {body}"
    );
    ensure!(
        code == expected_code,
        format!("error.code is {expected_code}"),
        "got {code:?} (status {})",
        view.status
    );
    ensure!(
        err.get("message")
            .and_then(Value::as_str)
            .is_some_and(|m| !m.trim().is_empty()),
        "error.message is a non-empty string",
        "body {body}"
    );
    Ok(())
}

/// A 204 with an empty body.
pub fn no_content(view: &ResponseView) -> Result<(), Failure> {
    status(view, 204)?;
    ensure!(
        view.body.is_empty(),
        "204 has an empty body",
        "got {} bytes",
        view.body.len()
    );
    Ok(())
}

/// A 405 error whose `Allow` header lists each of `methods`.
pub fn method_not_allowed(view: &ResponseView, methods: &[&str]) -> Result<(), Failure> {
    error(view, 405, "method_not_allowed")?;
    let allow: Vec<String> = view
        .header_all("allow")
        .iter()
        .flat_map(|v| v.split(','))
        .map(|m| m.trim().to_ascii_uppercase())
        .filter(|m| !m.is_empty())
        .collect();
    ensure!(
        !allow.is_empty(),
        "405 carries an Allow header",
        "no Allow header"
    );
    for m in methods {
        ensure!(
            allow.iter().any(|a| a == m),
            "Allow lists the methods the path supports",
            "want {m} in {allow:?}"
        );
    }
    Ok(())
}

/// A 200 JSON listing, `{"items":[...], ...}`: the whole body, and each item
/// as `item` reads it. `rule` names the listing's shape in a failure.
pub(crate) fn listing<T>(
    view: &ResponseView,
    rule: &'static str,
    item: impl Fn(&Value) -> Result<T, Failure>,
) -> Result<(Value, Vec<T>), Failure> {
    status(view, 200)?;
    json_content_type(view)?;
    let body = view.json()?;
    let items = body
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| Failure::new(rule, format!("body {body}")))?
        .iter()
        .map(item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((body, items))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::fixtures::*;

    #[test]
    fn error_body_rules() {
        let good = r#"{"error":{"status":404,"code":"not_found","message":"no such link"}}"#;
        assert!(error(&view(404, &[JSON_CT], good), 404, "not_found").is_ok());
        let html = view(404, &[("content-type", "text/html")], "<html></html>");
        assert_eq!(
            error(&html, 404, "not_found").unwrap_err().rule,
            "Content-Type is application/json"
        );
        let wrong_status = r#"{"error":{"status":500,"code":"not_found","message":"x"}}"#;
        assert_eq!(
            error(&view(404, &[JSON_CT], wrong_status), 404, "not_found")
                .unwrap_err()
                .rule,
            "error.status equals the HTTP status"
        );
        assert_eq!(
            error(&view(404, &[JSON_CT], good), 404, "gone")
                .unwrap_err()
                .rule,
            "error.code is gone"
        );
        assert_eq!(
            error(&view(500, &[JSON_CT], good), 404, "not_found")
                .unwrap_err()
                .rule,
            "status is 404"
        );
    }

    #[test]
    fn allow_and_request_id_rules() {
        let body = r#"{"error":{"status":405,"code":"method_not_allowed","message":"no"}}"#;
        let ok = view(405, &[JSON_CT, ("allow", "GET, POST")], body);
        assert!(method_not_allowed(&ok, &["GET", "POST"]).is_ok());
        let no_allow = view(405, &[JSON_CT], body);
        assert!(method_not_allowed(&no_allow, &["GET"]).is_err());
        assert!(request_id(&view(200, &[("x-request-id", "a")], ""), Some("a")).is_ok());
        assert!(request_id(&view(200, &[("x-request-id", "b")], ""), Some("a")).is_err());
        assert!(request_id(&view(200, &[], ""), None).is_err());
    }
}
