//! `Check` (a named, endpoint-tagged async body) and `Failure` (the broken
//! contract rule plus what was observed).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::target::Ctx;

/// Why a check failed: `rule` names the contract rule that was broken (e.g.
/// "redirect status is 302"), `detail` says what the server did instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub rule: String,
    pub detail: String,
}

impl Failure {
    pub fn new(rule: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            rule: rule.into(),
            detail: detail.into(),
        }
    }

    /// Prefixes the rule with context (e.g. which step of a flow), keeping the
    /// rule itself intact so the report still names it.
    pub fn context(mut self, step: &str) -> Self {
        self.rule = format!("{step}: {}", self.rule);
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.rule, self.detail)
    }
}

impl std::error::Error for Failure {}

/// Returns early with a [`Failure`] naming `rule` when `cond` is false.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $rule:expr, $($arg:tt)+) => {
        if !$cond {
            return Err($crate::check::Failure::new($rule, format!($($arg)+)));
        }
    };
}

/// The boxed future a check body returns.
pub type CheckFuture = Pin<Box<dyn Future<Output = Result<(), Failure>> + Send>>;
type CheckFn = Arc<dyn Fn(Ctx) -> CheckFuture + Send + Sync>;

/// One entry of the catalogue.
#[derive(Clone)]
pub struct Check {
    /// Stable dotted name (`links.create.rejects_javascript_url`); filters,
    /// JUnit test names and the load test key on it, so never rename lightly.
    pub name: String,
    /// HTTP method of the endpoint this check covers.
    pub method: &'static str,
    /// OpenAPI path template of that endpoint (`/api/v1/links/{code}`).
    pub path: &'static str,
    /// Exclusive checks assert exact global counters (stats deltas), so the
    /// runner gives them the instance to themselves after the others finish.
    pub exclusive: bool,
    body: CheckFn,
}

impl Check {
    pub fn new<F, Fut>(
        name: impl Into<String>,
        method: &'static str,
        path: &'static str,
        body: F,
    ) -> Self
    where
        F: Fn(Ctx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Failure>> + Send + 'static,
    {
        Self {
            name: name.into(),
            method,
            path,
            exclusive: false,
            body: Arc::new(move |ctx| Box::pin(body(ctx))),
        }
    }

    /// Marks the check as needing the instance to itself (see [`Check::exclusive`]).
    pub fn exclusive(mut self) -> Self {
        self.exclusive = true;
        self
    }

    /// Runs only the body; the runner owns timing, timeouts and clean-up.
    pub fn start(&self, ctx: Ctx) -> CheckFuture {
        (self.body)(ctx)
    }
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Check")
            .field("name", &self.name)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("exclusive", &self.exclusive)
            .finish()
    }
}
