//! The bounded in-memory store: orders by invoice number and by Request-Id, answered requests
//! for idempotent replay, and notification deliveries.

use std::collections::HashMap;
use std::fmt;
use std::mem::size_of;

use bytes::Bytes;
use serde::Serialize;
use time::OffsetDateTime;

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
    /// Cancelled while pending.
    Cancelled,
    /// Refunded in full after being paid.
    Refunded,
}

impl OrderStatus {
    /// DOKU's `transaction.status` for this state.
    pub fn doku_status(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Paid => "SUCCESS",
            Self::Failed => "FAILED",
            Self::Expired => "EXPIRED",
            Self::Cancelled => "CANCELLED",
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

/// One stored order, kept compact: strings as `Box<str>`, amounts as `u64`, times as Unix
/// seconds.
#[derive(Debug)]
pub(crate) struct Order {
    pub(crate) invoice: Box<str>,
    pub(crate) request_id: Box<str>,
    pub(crate) reference: Option<Box<str>>,
    pub(crate) refund_reference: Option<Box<str>>,
    pub(crate) override_url: Option<Box<str>>,
    pub(crate) amount: u64,
    pub(crate) created: i64,
    pub(crate) updated: i64,
    pub(crate) status: OrderStatus,
    pub(crate) client: u16,
    pub(crate) channel: u16,
    /// The route the order was created through (its faults apply to its notifications).
    pub(crate) route: u16,
    pub(crate) deliveries: Vec<Delivery>,
}

impl Order {
    pub(crate) fn order_id(idx: u32) -> u64 {
        1_000_000_000 + u64::from(idx)
    }

    fn heap_bytes(&self) -> usize {
        let s = |o: &Option<Box<str>>| o.as_ref().map_or(0, |s| s.len());
        self.invoice.len()
            + self.request_id.len()
            + s(&self.reference)
            + s(&self.refund_reference)
            + s(&self.override_url)
            + self.deliveries.capacity() * size_of::<Delivery>()
            + self
                .deliveries
                .iter()
                .map(Delivery::heap_bytes)
                .sum::<usize>()
    }
}

/// One notification (one Request-Id) and its delivery attempts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// The notification's own Request-Id (the same on every attempt and duplicate).
    pub request_id: String,
    /// Where it was sent (`None` when the merchant has no notification URL).
    pub url: Option<String>,
    /// The `transaction.status` it carried.
    pub transaction_status: String,
    /// Remarks, such as an ignored override URL.
    pub notes: Vec<String>,
    /// The attempts made so far.
    pub attempts: Vec<Attempt>,
    /// Whether the schedule is over (delivered, or every retry used).
    pub finished: bool,
}

impl Delivery {
    fn heap_bytes(&self) -> usize {
        self.request_id.capacity()
            + self.url.as_ref().map_or(0, String::capacity)
            + self.transaction_status.capacity()
            + self.notes.iter().map(String::capacity).sum::<usize>()
            + self.attempts.capacity() * size_of::<Attempt>()
    }

    /// Whether some attempt got a 2xx answer.
    pub fn delivered(&self) -> bool {
        self.attempts.iter().any(Attempt::succeeded)
    }
}

/// One HTTP attempt to deliver a notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// 1 for the first attempt, then 2, 3, 4 (a duplicate delivery repeats the number).
    pub number: u32,
    /// The scheduled offset from the first attempt in (unscaled) DOKU time, in seconds:
    /// 0, 1800, 21600, 43200.
    pub schedule_secs: u64,
    /// The actual offset from the first attempt, in milliseconds.
    pub elapsed_ms: u64,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// The transport error, when it did not.
    pub error: Option<String>,
    /// Whether this was a duplicate delivery (fault injection).
    pub duplicate: bool,
}

impl Attempt {
    /// Whether the receiver answered 2xx.
    pub fn succeeded(&self) -> bool {
        matches!(self.status, Some(200..=299))
    }
}

/// An answered request kept for idempotent replay.
#[derive(Debug)]
pub(crate) struct Answered {
    /// base64 SHA-256 of the request body (the signature's digest), 44 bytes.
    pub(crate) digest: [u8; 44],
    pub(crate) path_route: u16,
    pub(crate) body: Bytes,
    /// The order a create made (Check Status by Request-Id).
    pub(crate) order: Option<u32>,
}

/// One merchant's indexes.
#[derive(Debug, Default)]
pub(crate) struct MerchantIndex {
    pub(crate) by_invoice: HashMap<Box<str>, u32>,
    pub(crate) requests: HashMap<Box<str>, Answered>,
}

/// Everything stored, behind one lock.
#[derive(Debug)]
pub(crate) struct Store {
    pub(crate) orders: Vec<Order>,
    pub(crate) merchants: Vec<MerchantIndex>,
    pub(crate) requests: usize,
    pub(crate) max_orders: usize,
    pub(crate) max_requests: usize,
    /// Bumped by every reset, so late notification results of a previous generation are
    /// not recorded on a new order with the same index.
    pub(crate) generation: u64,
}

/// Sizes of what is stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoreStats {
    /// Orders stored.
    pub orders: usize,
    /// The order bound.
    pub max_orders: usize,
    /// Answered requests kept for replay.
    pub requests: usize,
    /// The answered-request bound.
    pub max_requests: usize,
    /// Estimated bytes held by the store: struct sizes, string lengths, answer bodies and hash
    /// table buckets (allocator overhead excluded).
    pub estimated_bytes: usize,
    /// `estimated_bytes / orders` (0 without orders): each order with its create answer.
    pub bytes_per_order: usize,
}

impl Store {
    pub(crate) fn new(merchants: usize, max_orders: usize, max_requests: usize) -> Self {
        Self {
            orders: Vec::new(),
            merchants: (0..merchants).map(|_| MerchantIndex::default()).collect(),
            requests: 0,
            max_orders,
            max_requests,
            generation: 0,
        }
    }

    pub(crate) fn clear(&mut self) {
        let n = self.merchants.len();
        let generation = self.generation + 1;
        *self = Self::new(n, self.max_orders, self.max_requests);
        self.generation = generation;
    }

    pub(crate) fn stats(&self) -> StoreStats {
        let mut bytes = self.orders.capacity() * size_of::<Order>()
            + self.orders.iter().map(Order::heap_bytes).sum::<usize>();
        for m in &self.merchants {
            // Bucket arrays: one entry plus one control byte per bucket.
            bytes += m.by_invoice.capacity() * (size_of::<(Box<str>, u32)>() + 1);
            bytes += m.by_invoice.keys().map(|k| k.len()).sum::<usize>();
            bytes += m.requests.capacity() * (size_of::<(Box<str>, Answered)>() + 1);
            bytes += m
                .requests
                .iter()
                .map(|(k, a)| k.len() + a.body.len())
                .sum::<usize>();
        }
        StoreStats {
            orders: self.orders.len(),
            max_orders: self.max_orders,
            requests: self.requests,
            max_requests: self.max_requests,
            estimated_bytes: bytes,
            bytes_per_order: bytes.checked_div(self.orders.len()).unwrap_or(0),
        }
    }

    /// Finds an order by invoice number, for one merchant or (when `client` is `None`) for the
    /// only merchant that has it.
    pub(crate) fn find(
        &self,
        client: Option<u16>,
        invoice: &str,
    ) -> Result<u32, crate::error::SimError> {
        use crate::error::SimError;
        match client {
            Some(c) => self
                .merchants
                .get(usize::from(c))
                .and_then(|m| m.by_invoice.get(invoice).copied())
                .ok_or_else(|| SimError::NotFound(invoice.to_owned())),
            None => {
                let mut found = self
                    .merchants
                    .iter()
                    .filter_map(|m| m.by_invoice.get(invoice).copied());
                match (found.next(), found.next()) {
                    (Some(idx), None) => Ok(idx),
                    (Some(_), Some(_)) => Err(SimError::Ambiguous(invoice.to_owned())),
                    _ => Err(SimError::NotFound(invoice.to_owned())),
                }
            }
        }
    }

    pub(crate) fn order(&self, idx: u32) -> Option<&Order> {
        self.orders.get(idx as usize)
    }

    pub(crate) fn order_mut(&mut self, idx: u32) -> Option<&mut Order> {
        self.orders.get_mut(idx as usize)
    }
}

/// A snapshot of one order, as the control API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrderSnapshot {
    /// The merchant's Client-Id.
    pub client_id: String,
    /// The channel's id (`descriptor().id`).
    pub channel: String,
    /// `order.invoice_number`.
    pub invoice_number: String,
    /// Amount in whole rupiah.
    pub amount: u64,
    /// Current state.
    pub status: OrderStatus,
    /// The create request's Request-Id.
    pub request_id: String,
    /// The merchant's payment reference.
    pub merchant_reference: Option<String>,
    /// The refund reference, once refunded.
    pub refund_reference: Option<String>,
    /// The simulator's numeric order id.
    pub order_id: u64,
    /// Notifications sent for this order.
    pub deliveries: Vec<Delivery>,
}

pub(crate) fn unix_to_datetime(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
