//! Reading one JSON object's fields for a validator: every failure names the
//! rule as `what.field`, so a link's and a key's read alike.

use serde_json::{Map, Value};

use crate::check::Failure;

pub(super) struct Fields<'a> {
    what: &'static str,
    value: &'a Value,
    obj: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// `value` as the object a `what` (`link`, `key`) must be.
    pub(super) fn of(what: &'static str, value: &'a Value) -> Result<Self, Failure> {
        let obj = value.as_object().ok_or_else(|| {
            Failure::new(format!("a {what} is a JSON object"), format!("got {value}"))
        })?;
        Ok(Self { what, value, obj })
    }

    pub(super) fn get(&self, field: &str) -> Option<&'a Value> {
        self.obj.get(field)
    }

    pub(super) fn string(&self, field: &str) -> Result<String, Failure> {
        let what = self.what;
        self.get(field)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                Failure::new(
                    format!("{what}.{field} is a string"),
                    format!("{what} {}", self.value),
                )
            })
    }
}
