//! `ResponseView`: the plain response (status, headers, body bytes) that all
//! validators read, independent of the HTTP client that produced it.

use crate::check::Failure;

/// A finished HTTP response, reduced to what the contract talks about.
///
/// Header names are stored lower-cased so lookups need no client-specific
/// header map; repeated headers stay as separate entries.
#[derive(Debug, Clone, Default)]
pub struct ResponseView {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl ResponseView {
    /// Builds a view; header names are lower-cased here once.
    pub fn new(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Self {
        let headers = headers
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        Self {
            status,
            headers,
            body,
        }
    }

    /// First value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header (a header may be sent more than once).
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The body parsed as JSON; a failure here breaks the "bodies are JSON" rule.
    pub fn json(&self) -> Result<serde_json::Value, Failure> {
        serde_json::from_slice(&self.body)
            .map_err(|e| Failure::new("body is JSON", format!("{e}; {}", self.summary())))
    }

    /// A short description for failure messages: status, content type and the
    /// start of the body (long bodies would drown the report).
    pub fn summary(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let mut snippet: String = text.chars().take(160).collect();
        if text.chars().count() > 160 {
            snippet.push('…');
        }
        format!(
            "got status {} content-type {:?} body {:?}",
            self.status,
            self.header("content-type").unwrap_or(""),
            snippet
        )
    }
}
