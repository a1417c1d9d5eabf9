//! Failures of a command: a message for stderr and an exit code.

use doku_pay::{Delivery, Error};

/// Exit code: DOKU answered with an error or answered `FAILED`, or a check failed.
pub(crate) const REFUSED: u8 = 1;
/// Exit code: bad input or usage; nothing was sent.
pub(crate) const BAD_INPUT: u8 = 2;
/// Exit code: the outcome is unknown (no answer, or an answer that leaves it open).
pub(crate) const UNKNOWN: u8 = 3;

/// A command's failure.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
    /// What `--json` adds to the message: the library error's parts (Request-Id to retry
    /// with, broken rules, DOKU's status, code and body).
    pub(crate) detail: serde_json::Map<String, serde_json::Value>,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            detail: serde_json::Map::new(),
        }
    }

    pub(crate) fn input(message: impl Into<String>) -> Self {
        Self::new(BAD_INPUT, message)
    }

    pub(crate) fn refused(message: impl Into<String>) -> Self {
        Self::new(REFUSED, message)
    }

    pub(crate) fn unknown(message: impl Into<String>) -> Self {
        Self::new(UNKNOWN, message)
    }

    /// Prints the failure on stderr: a line of text, or under `--json` one JSON object
    /// (`{"error": {"exit_code", "message", ...detail}}`).
    pub(crate) fn print(&self, json: bool) {
        if json {
            let mut error = serde_json::Map::new();
            error.insert("exit_code".into(), self.code.into());
            error.insert("message".into(), self.message.clone().into());
            error.extend(self.detail.clone());
            eprintln!("{}", serde_json::json!({ "error": error }));
        } else {
            eprintln!("error: {}", self.message);
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let code = match e.delivery() {
            Delivery::NotSent => BAD_INPUT,
            Delivery::Unknown => UNKNOWN,
            Delivery::Answered => REFUSED,
        };
        let mut message = match &e {
            Error::Validation(v) => {
                let mut m = String::from("not sent: invalid request:");
                for violation in v.iter() {
                    m.push_str(&format!("\n  {}: {}", violation.field, violation.rule));
                }
                m
            }
            other => other.to_string(),
        };
        if let Error::Doku(d) = &e
            && !d.raw.is_empty()
        {
            message.push_str(&format!("\n  body: {}", d.raw));
        }
        let mut detail = serde_json::Map::new();
        if let Some(id) = e.request_id() {
            detail.insert("request_id".into(), id.as_str().into());
        }
        if let Some(id) = e.retry_with() {
            detail.insert("retry_with".into(), id.as_str().into());
        }
        if let Some(v) = e.violations() {
            detail.insert(
                "violations".into(),
                serde_json::to_value(v).unwrap_or_default(),
            );
        }
        if let Error::Doku(d) = &e {
            detail.insert(
                "doku".into(),
                serde_json::json!({
                    "status": d.status,
                    "kind": d.kind,
                    "code": d.code,
                    "message": d.message,
                }),
            );
        }
        if let Some(raw) = e.raw() {
            detail.insert("raw".into(), raw.into());
        }
        Self {
            code,
            message,
            detail,
        }
    }
}
