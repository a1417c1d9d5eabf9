//! An order's status and how the control API completes a pending payment: the vocabulary
//! the store, the errors and the plugins share.

use std::fmt;

use serde::Serialize;

/// An order's state. `Pending` until completed; then `Paid`, `Failed` or `Expired`; a pending
/// order can be `Cancelled`, a paid one `Refunded` (once).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Created, waiting for the customer.
    Pending,
    /// Paid (`SUCCESS`).
    Paid,
    /// Declined (`FAILED`).
    Failed,
    /// Not paid in time (`EXPIRED`).
    Expired,
    /// Cancelled while pending (`FAILED` in Check Status: see [`OrderStatus::doku_status`]).
    Cancelled,
    /// Refunded in full after being paid.
    Refunded,
}

impl OrderStatus {
    /// DOKU's `transaction.status` for this state, in Check Status answers and notifications:
    /// one of DOKU's documented statuses (`PENDING`, `SUCCESS`, `FAILED`, `EXPIRED`,
    /// `REFUNDED`, `TIMEOUT`, `REDIRECT`), never an invented one.
    ///
    /// A cancelled order shows `FAILED`. DOKU documents no `CANCELLED` transaction status;
    /// `FAILED` is the documented status of a payment that was not and will not be made
    /// ("generate new payment request"), which is what a cancelled order is to the merchant.
    /// `EXPIRED` would claim a timeout that did not happen, and `PENDING` would invite a wait
    /// for a payment that cannot come. (The cancel answer itself says `CANCELLED` in
    /// `payment.status`, as Akulaku's guide sample does; that is the channel's answer field,
    /// not a transaction status.)
    pub fn doku_status(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Paid => "SUCCESS",
            Self::Failed | Self::Cancelled => "FAILED",
            Self::Expired => "EXPIRED",
            Self::Refunded => "REFUNDED",
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
        })
    }
}

/// How the control API completes a pending payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The customer paid.
    Paid,
    /// The payment was declined.
    Failed,
    /// The payment expired.
    Expired,
}

impl Outcome {
    /// The order status it leads to.
    pub fn status(self) -> OrderStatus {
        match self {
            Self::Paid => OrderStatus::Paid,
            Self::Failed => OrderStatus::Failed,
            Self::Expired => OrderStatus::Expired,
        }
    }

    /// Parses `paid`, `failed` or `expired`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "paid" => Some(Self::Paid),
            "failed" => Some(Self::Failed),
            "expired" => Some(Self::Expired),
            _ => None,
        }
    }
}
