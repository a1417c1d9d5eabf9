//! The bounded in-memory store: orders by invoice number and by Request-Id, answered requests
//! for idempotent replay, and notification deliveries.

use std::collections::HashMap;
use std::mem::size_of;
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use serde::Serialize;
use time::OffsetDateTime;

use crate::error::SimError;
use crate::status::OrderStatus;

/// Locks the store, recovering it from a poisoned lock (every change keeps it consistent).
pub(crate) fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|e| e.into_inner())
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

    /// The bytes this order holds, with its invoice-number index entry: the struct, every
    /// string (the invoice number twice: order and index key) and its deliveries.
    pub(crate) fn bytes(&self) -> usize {
        let s = |o: &Option<Box<str>>| o.as_ref().map_or(0, |s| s.len());
        size_of::<Order>()
            + INDEX_ENTRY_BYTES
            + 2 * self.invoice.len()
            + self.request_id.len()
            + s(&self.reference)
            + s(&self.refund_reference)
            + s(&self.override_url)
            + self.deliveries.iter().map(Delivery::bytes).sum::<usize>()
    }
}

/// One entry of an invoice-number index (bucket plus control byte), key excluded.
const INDEX_ENTRY_BYTES: usize = size_of::<(Box<str>, u32)>() + 1;
/// One entry of an answered-request table (bucket plus control byte), key and body excluded.
const ANSWER_ENTRY_BYTES: usize = size_of::<(Box<str>, Answered)>() + 1;

/// The bytes an answered request holds: its table entry, its Request-Id and its body.
pub(crate) fn answered_bytes(request_id: &str, body: &[u8]) -> usize {
    ANSWER_ENTRY_BYTES + request_id.len() + body.len()
}

/// The bytes one delivery note holds.
pub(crate) fn note_bytes(note: &str) -> usize {
    size_of::<String>() + note.len()
}

/// One notification (one Request-Id) and its delivery attempts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
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
    /// The bytes this delivery holds: the struct, its strings, notes and attempts.
    pub(crate) fn bytes(&self) -> usize {
        size_of::<Delivery>()
            + self.request_id.len()
            + self.url.as_ref().map_or(0, String::len)
            + self.transaction_status.len()
            + self.notes.iter().map(|n| note_bytes(n)).sum::<usize>()
            + self.attempts.iter().map(Attempt::bytes).sum::<usize>()
    }

    /// Whether some attempt got a 2xx answer.
    pub fn delivered(&self) -> bool {
        self.attempts.iter().any(Attempt::succeeded)
    }
}

/// One HTTP attempt to deliver a notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
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
    /// The bytes this attempt holds.
    pub(crate) fn bytes(&self) -> usize {
        size_of::<Attempt>() + self.error.as_ref().map_or(0, String::len)
    }

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
    /// Bytes held, kept up to date by every insert and change (see [`Order::bytes`],
    /// [`answered_bytes`]).
    pub(crate) bytes: usize,
    /// The byte budget.
    pub(crate) max_bytes: usize,
    /// Bumped by every reset, so late notification results of a previous generation are
    /// not recorded on a new order with the same index.
    pub(crate) generation: u64,
}

/// Sizes of what is stored.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct StoreStats {
    /// Orders stored.
    pub orders: usize,
    /// The order bound.
    pub max_orders: usize,
    /// Answered requests kept for replay.
    pub requests: usize,
    /// The answered-request bound.
    pub max_requests: usize,
    /// Estimated bytes held by the store: struct sizes, string lengths, answer bodies,
    /// deliveries and hash table entries (allocator overhead and spare capacity excluded).
    /// Kept up to date on every change; the byte budget applies to it.
    pub estimated_bytes: usize,
    /// The byte budget ([`crate::SimConfig::max_store_bytes`]).
    pub max_bytes: usize,
    /// `estimated_bytes / orders` (0 without orders): each order with its create answer.
    pub bytes_per_order: usize,
}

impl Store {
    pub(crate) fn new(
        merchants: usize,
        max_orders: usize,
        max_requests: usize,
        max_bytes: usize,
    ) -> Self {
        Self {
            orders: Vec::new(),
            merchants: (0..merchants).map(|_| MerchantIndex::default()).collect(),
            requests: 0,
            max_orders,
            max_requests,
            bytes: 0,
            max_bytes,
            generation: 0,
        }
    }

    pub(crate) fn clear(&mut self) {
        let n = self.merchants.len();
        let generation = self.generation + 1;
        *self = Self::new(n, self.max_orders, self.max_requests, self.max_bytes);
        self.generation = generation;
    }

    /// Whether `more` bytes fit in the budget.
    pub(crate) fn fits(&self, more: usize) -> bool {
        self.bytes
            .checked_add(more)
            .is_some_and(|b| b <= self.max_bytes)
    }

    /// Stores a new order (the next index) and indexes it.
    pub(crate) fn insert_order(&mut self, order: Order) -> u32 {
        let idx = self.orders.len() as u32;
        self.bytes += order.bytes();
        let client = usize::from(order.client);
        let invoice = order.invoice.clone();
        self.orders.push(order);
        if let Some(m) = self.merchants.get_mut(client) {
            m.by_invoice.insert(invoice, idx);
        }
        idx
    }

    /// Forgets the order just inserted (`idx` must be the last one).
    pub(crate) fn remove_last_order(&mut self, idx: u32) {
        if self.orders.len().checked_sub(1) != Some(idx as usize) {
            return;
        }
        if let Some(o) = self.orders.pop() {
            self.bytes = self.bytes.saturating_sub(o.bytes());
            if let Some(m) = self.merchants.get_mut(usize::from(o.client)) {
                m.by_invoice.remove(&o.invoice);
            }
        }
    }

    /// Replaces the body kept for replay of an answered request (a synchronous create's
    /// final answer replaces its pending one), keeping the byte count right. Nothing happens
    /// when the request is not kept (it did not fit, or the store was reset meanwhile).
    pub(crate) fn replace_answer_body(&mut self, client: u16, request_id: &str, body: Bytes) {
        let Some(m) = self.merchants.get_mut(usize::from(client)) else {
            return;
        };
        let Some(kept) = m.requests.get_mut(request_id) else {
            return;
        };
        let old = answered_bytes(request_id, &kept.body);
        let new = answered_bytes(request_id, &body);
        kept.body = body;
        self.bytes = self.bytes.saturating_sub(old).saturating_add(new);
    }

    /// Keeps an answered request for replay.
    pub(crate) fn insert_answer(&mut self, client: u16, request_id: &str, answered: Answered) {
        let Some(m) = self.merchants.get_mut(usize::from(client)) else {
            return;
        };
        let added = answered_bytes(request_id, &answered.body);
        if let Some(old) = m.requests.insert(request_id.into(), answered) {
            self.bytes = self
                .bytes
                .saturating_sub(answered_bytes(request_id, &old.body));
        } else {
            self.requests += 1;
        }
        self.bytes += added;
    }

    /// Adds a delivery to an order; its index among the order's deliveries.
    pub(crate) fn push_delivery(&mut self, idx: u32, delivery: Delivery) -> Option<usize> {
        let added = delivery.bytes();
        let o = self.orders.get_mut(idx as usize)?;
        o.deliveries.push(delivery);
        self.bytes += added;
        Some(o.deliveries.len() - 1)
    }

    /// The delivery `delivery` of order `idx`.
    pub(crate) fn delivery_mut(&mut self, idx: u32, delivery: usize) -> Option<&mut Delivery> {
        self.orders
            .get_mut(idx as usize)
            .and_then(|o| o.deliveries.get_mut(delivery))
    }

    /// Records an attempt of a delivery (a duplicate repeats the last attempt's number).
    pub(crate) fn push_attempt(&mut self, idx: u32, delivery: usize, mut attempt: Attempt) {
        let added = attempt.bytes();
        if let Some(d) = self.delivery_mut(idx, delivery) {
            if attempt.duplicate {
                attempt.number = d.attempts.last().map_or(attempt.number, |a| a.number);
            }
            d.attempts.push(attempt);
            self.bytes += added;
        }
    }

    /// Adds a note to a delivery.
    pub(crate) fn push_note(&mut self, idx: u32, delivery: usize, note: String) {
        let added = note_bytes(&note);
        if let Some(d) = self.delivery_mut(idx, delivery) {
            d.notes.push(note);
            self.bytes += added;
        }
    }

    /// Sets (or clears) an order's refund reference.
    pub(crate) fn set_refund_reference(&mut self, idx: u32, reference: Option<Box<str>>) {
        if let Some(o) = self.orders.get_mut(idx as usize) {
            let old = o.refund_reference.as_ref().map_or(0, |r| r.len());
            let new = reference.as_ref().map_or(0, |r| r.len());
            o.refund_reference = reference;
            self.bytes = self.bytes.saturating_sub(old) + new;
        }
    }

    /// Every byte counted again, from scratch (O(n)): what [`Store::bytes`] must equal.
    #[cfg(test)]
    pub(crate) fn recount(&self) -> usize {
        let orders = self.orders.iter().map(Order::bytes).sum::<usize>();
        let answers = self
            .merchants
            .iter()
            .flat_map(|m| m.requests.iter())
            .map(|(k, a)| answered_bytes(k, &a.body))
            .sum::<usize>();
        orders + answers
    }

    pub(crate) fn stats(&self) -> StoreStats {
        StoreStats {
            orders: self.orders.len(),
            max_orders: self.max_orders,
            requests: self.requests,
            max_requests: self.max_requests,
            estimated_bytes: self.bytes,
            max_bytes: self.max_bytes,
            bytes_per_order: self.bytes.checked_div(self.orders.len()).unwrap_or(0),
        }
    }

    /// Finds an order by invoice number, for one merchant or (when `client` is `None`) for the
    /// only merchant that has it.
    pub(crate) fn find(&self, client: Option<u16>, invoice: &str) -> Result<u32, SimError> {
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
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

#[cfg(test)]
mod tests {
    use super::*;

    fn order(invoice: &str, client: u16) -> Order {
        Order {
            invoice: invoice.into(),
            request_id: "rid-0001".into(),
            reference: Some("MUR-1".into()),
            refund_reference: None,
            override_url: Some("http://127.0.0.1:9/payments/notifications".into()),
            amount: 1,
            created: 0,
            updated: 0,
            status: OrderStatus::Pending,
            client,
            channel: 0,
            route: 0,
            deliveries: Vec::new(),
        }
    }

    fn answered(body: &'static [u8]) -> Answered {
        Answered {
            digest: [b'x'; 44],
            path_route: 0,
            body: Bytes::from_static(body),
            order: None,
        }
    }

    #[test]
    fn byte_accounting_matches_a_recount() {
        let mut s = Store::new(2, 10, 10, 1 << 20);
        let check = |s: &Store, what: &str| assert_eq!(s.bytes, s.recount(), "{what}");
        let big = "9".repeat(10_000);
        let a = s.insert_order(order(&big, 0));
        check(&s, "order");
        // The invoice number counts twice (order and index key), the override URL once.
        assert!(s.bytes >= 2 * big.len() + 40, "{}", s.bytes);
        s.insert_answer(0, "rid-0001", answered(b"{\"order\":{}}"));
        check(&s, "answer");
        s.insert_answer(0, "rid-0001", answered(b"{}"));
        check(&s, "answer replaced");
        assert_eq!(s.requests, 1);
        let d = s
            .push_delivery(
                a,
                Delivery {
                    request_id: "n-1".into(),
                    url: Some("http://127.0.0.1:9/payments/notifications".into()),
                    transaction_status: "SUCCESS".into(),
                    notes: vec!["a note".into()],
                    attempts: Vec::new(),
                    finished: false,
                },
            )
            .unwrap();
        check(&s, "delivery");
        s.push_attempt(
            a,
            d,
            Attempt {
                number: 1,
                schedule_secs: 0,
                elapsed_ms: 0,
                status: None,
                error: Some("connection refused".into()),
                duplicate: false,
            },
        );
        s.push_note(a, d, "another note".into());
        check(&s, "attempt and note");
        s.set_refund_reference(a, Some("RF-1".into()));
        check(&s, "refund reference");
        let b = s.insert_order(order("INV-B", 1));
        check(&s, "second order");
        let before = s.bytes;
        let c = s.insert_order(order("INV-C", 1));
        s.remove_last_order(b);
        assert_eq!(s.orders.len(), 3, "only the last order can be taken back");
        s.remove_last_order(c);
        check(&s, "taken back");
        assert_eq!(s.bytes, before);
        assert!(!s.merchants[1].by_invoice.contains_key("INV-C"));
        assert!(s.fits(s.max_bytes - s.bytes) && !s.fits(s.max_bytes - s.bytes + 1));
        assert!(!s.fits(usize::MAX));
        s.clear();
        assert_eq!((s.bytes, s.recount()), (0, 0));
    }
}
