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
}

impl Failure {
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Self {
            code: BAD_INPUT,
            message: message.into(),
        }
    }

    pub(crate) fn refused(message: impl Into<String>) -> Self {
        Self {
            code: REFUSED,
            message: message.into(),
        }
    }

    pub(crate) fn unknown(message: impl Into<String>) -> Self {
        Self {
            code: UNKNOWN,
            message: message.into(),
        }
    }

    pub(crate) fn print(&self) {
        eprintln!("error: {}", self.message);
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
        Self { code, message }
    }
}
