//! A channel's static description: identity, capabilities and endpoints, as data (re-exported
//! from [`crate::channel`], where the rest of the framework and channel crates name it). Apart
//! from the `PaymentChannel` trait so that the answer readers, which take a descriptor, and the
//! trait, which hands out the answer tables, do not depend on each other.

use std::fmt;

use serde::Serialize;

use crate::call::Endpoint;
use crate::error::Error;
use crate::model::Operation;
use crate::notification::{NotificationError, VerifiedNotification};

/// Whether `path` is a plain absolute path that a router takes literally: visible ASCII, no
/// empty segment, no query or fragment, and none of the characters axum reads as a capture
/// or a wildcard (`{`, `}`, `*`, `:`; axum panics on some of them). What an endpoint's path
/// and a receiver's notification path must be.
///
/// ```
/// use doku_pay_core::channel::is_plain_path;
/// assert!(is_plain_path("/akulaku-peer-to-peer/v2/generate-order"));
/// for bad in ["payments", "/a?b=1", "/{id}", "/a/:id", "/a/*rest", "/a b", "/a//b", ""] {
///     assert!(!is_plain_path(bad), "{bad}");
/// }
/// ```
pub fn is_plain_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.contains("//")
        && path
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'?' | b'#' | b'{' | b'}' | b'*' | b':'))
}

/// E-money wallet or paylater (buy now, pay later).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChannelKind {
    /// An e-money wallet (LinkAja, OVO, ShopeePay, ...).
    Emoney,
    /// A paylater provider (Akulaku, Kredivo, Indodana, ...).
    Paylater,
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Emoney => "e-money",
            Self::Paylater => "paylater",
        })
    }
}

/// What refunds a channel offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RefundSupport {
    /// No refund through the API.
    None,
    /// Full amount only.
    FullOnly,
    /// Full or partial amounts.
    Partial,
}

/// How the customer is sent to pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RedirectStyle {
    /// A plain redirect (GET) to a URL DOKU returns.
    Url,
    /// A redirect whose method and form fields DOKU returns (often an auto-submitted POST).
    Form,
    /// No redirect: the customer approves in an app (push).
    None,
}

/// A channel's capabilities, checked before any request is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// Cancel is offered.
    pub cancel: bool,
    /// Which refunds are offered.
    pub refund: RefundSupport,
    /// How the customer is redirected.
    pub redirect: RedirectStyle,
    /// Smallest amount accepted.
    pub min_amount: crate::Amount,
    /// Largest amount accepted.
    pub max_amount: crate::Amount,
}

/// Everything static about a channel: identity, capabilities, endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ChannelDescriptor {
    /// This framework's id, lower case (`akulaku`).
    pub id: &'static str,
    /// Human name (`Akulaku PayLater`).
    pub display_name: &'static str,
    /// DOKU's `channel.id` in notifications (`PEER_TO_PEER_AKULAKU`).
    pub channel_code: &'static str,
    /// DOKU's `service.id` (`PEER_TO_PEER`, `EMONEY`).
    pub service_id: &'static str,
    /// DOKU's `acquirer.id` (`AKULAKU`).
    pub acquirer_id: &'static str,
    /// E-money or paylater.
    pub kind: ChannelKind,
    /// What it offers.
    pub capabilities: Capabilities,
    /// Its endpoints.
    pub endpoints: &'static [Endpoint],
    /// Unified field → wire field, as `(unified, wire)` pairs: how the unified request maps
    /// onto the wire (errors name the unified field through it, see
    /// [`crate::validate::finish_mapped`]; the generated page shows it).
    pub mapping: &'static [(&'static str, &'static str)],
    /// Notes for the channel's generated page: the flow and each decision taken where DOKU's
    /// pages are silent.
    pub notes: &'static [&'static str],
}

impl ChannelDescriptor {
    /// Whether the channel offers `op`.
    pub fn supports(&self, op: Operation) -> bool {
        match op {
            Operation::Create => self.endpoint(Operation::Create).is_some(),
            Operation::Cancel => self.capabilities.cancel,
            Operation::Refund => self.capabilities.refund != RefundSupport::None,
            Operation::PartialRefund => self.capabilities.refund == RefundSupport::Partial,
        }
    }

    /// The endpoint serving `op` (a partial refund uses the refund endpoint).
    pub fn endpoint(&self, op: Operation) -> Option<&'static Endpoint> {
        let op = if op == Operation::PartialRefund {
            Operation::Refund
        } else {
            op
        };
        self.endpoints.iter().find(|e| e.operation == op)
    }

    /// The endpoint serving `op`, or the typed unsupported error.
    pub fn require(&self, op: Operation) -> Result<&'static Endpoint, Error> {
        if !self.supports(op) {
            return Err(self.unsupported(op));
        }
        self.endpoint(op).ok_or_else(|| self.unsupported(op))
    }

    /// Checks a payment amount against the capabilities' limits (field `amount`): a
    /// [`Error::Validation`], nothing sent, when it is outside them.
    pub fn check_amount(&self, amount: crate::Amount) -> Result<(), Error> {
        crate::validate::finish_mapped(self.amount_violations(amount), Ok(()), &[])
            .map_err(Error::Validation)
    }

    /// The violations of the capabilities' amount limits (field `amount`), if any.
    pub fn amount_violations(&self, amount: crate::Amount) -> Vec<crate::validate::Violation> {
        let (min, max) = (self.capabilities.min_amount, self.capabilities.max_amount);
        let broken = |rule: String| crate::validate::Violation {
            field: "amount".to_owned(),
            rule,
        };
        let mut out = Vec::new();
        if amount < min {
            out.push(broken(format!("must be at least {min} for {}", self.id)));
        }
        if amount > max {
            out.push(broken(format!("must be at most {max} for {}", self.id)));
        }
        out
    }

    /// Refuses a notification whose `channel.id` is not this channel's code (a channel must
    /// never map another channel's notification as its own).
    pub fn check_notification(&self, n: &VerifiedNotification) -> Result<(), NotificationError> {
        match n.channel_code() {
            Some(code) if code == self.channel_code => Ok(()),
            other => Err(NotificationError::Malformed(format!(
                "channel.id {:?} is not {} ({})",
                other.unwrap_or(""),
                self.channel_code,
                self.id
            ))),
        }
    }

    /// The typed error for an operation this channel lacks.
    pub fn unsupported(&self, op: Operation) -> Error {
        Error::Unsupported {
            channel: self.id.to_owned(),
            operation: op,
        }
    }
}
