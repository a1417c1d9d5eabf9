//! An axum receiver for DOKU's HTTP notifications, with exactly-once hand-off to the
//! application.
//!
//! DOKU tells the merchant a payment's outcome by POSTing a signed notification, and retries
//! it (30 minutes, 6 hours and 12 hours later) until it gets a 2xx. This is where money is
//! most often lost (a notification acknowledged but never recorded) or faked (a forged one
//! acted upon). A [`Receiver`]:
//!
//! 1. reads at most the body limit of raw bytes;
//! 2. verifies the signature over those bytes and its own path in constant time, for the
//!    merchant named by `Client-Id` (several merchants per receiver), and the timestamp
//!    window if one is configured;
//! 3. routes the notification by `channel.id` through the channel registry to the channel
//!    crate, which maps it to the unified [`Notification`](doku_pay_core::Notification); a
//!    channel no linked crate registers is read from the envelope every notification shares
//!    (`channel: None`) and still reaches the handler: nothing authentic is acknowledged
//!    unless application code took it;
//! 4. deduplicates on what was delivered, `(Client-Id, Request-Id, body digest)`, through a
//!    [`DedupeStore`] (in memory by default; shared by replicas with `RedisStore`, feature
//!    `redis`, or `PostgresStore`, feature `postgres`, a transactional inbox whose handler
//!    writes in the same transaction; see `store::open`): an identical retry is a duplicate,
//!    a changed body under a reused Request-Id is a new event;
//! 5. calls the application's [`NotificationHandler`] and answers 200 only after it returns
//!    `Ok`; an error answers 500 so that DOKU retries, and the notification is not marked
//!    done.
//!
//! **The handler must be idempotent per (invoice, status).** Deduplication lasts only the
//! store's time to live (24 hours for `MemoryStore`, 48 for `RedisStore`, the inbox's
//! retention for `PostgresStore`), and DOKU does not document whether a re-notification of
//! the same payment keeps its `Request-Id`: the same payment outcome can reach the handler
//! more than once. Make "mark paid" a conditional update that does nothing the second time.
//! With a [timestamp window](ReceiverBuilder::timestamp_window), keep the store's time to
//! live at least twice the window.
//!
//! While the handler runs, the receiver renews its claim every third of the store's lease,
//! so a slow handler is not run a second time by a retry arriving meanwhile.
//!
//! Forged, tampered or malformed requests get a 4xx with a short reason, never a 5xx, and no
//! input makes it panic. A verified notification whose channel mapping panics (a channel
//! crate's bug) gets 500, so that DOKU retries once it is fixed. A verified notification of
//! a channel no linked crate registers goes to the handler like any other, with `channel:
//! None` (step 3), or, if one is set, to a [`FallbackHandler`] as the raw
//! [`VerifiedNotification`](doku_pay_core::VerifiedNotification); either way it is
//! acknowledged only when that code returns `Ok`.
//!
//! `serve::serve` (feature `serve`) serves it in production: read timeouts, a connection
//! limit and a bounded graceful shutdown on SIGTERM / SIGINT.
//!
//! [`expect_payment`] checks a notification against the merchant, invoice and amount of
//! the order it settles; [`reconcile()`] asks Check Status when a notification is missing or doubtful.
//!
//! ```
//! use std::sync::Arc;
//! use doku_pay_core::{Amount, ClientId, Notification, PaymentStatus, SecretKey};
//! use doku_pay_receiver::{MemoryStore, Receiver, expect_payment};
//!
//! # fn main() -> Result<(), doku_pay_core::Error> {
//! let store = Arc::new(MemoryStore::new());
//! let receiver = Receiver::builder("/payments/notifications", |n: Notification| async move {
//!     // Look up the order this notification's invoice number names (here: made up), then
//!     // check the notification is about it: its merchant, invoice and amount.
//!     let (merchant, invoice) = (ClientId::new("MCH-0001")?, "INV-1");
//!     let expected = Amount::new(150_000).expect("amount");
//!     if let Err(mismatch) = expect_payment(&n, &merchant, invoice, expected) {
//!         // Authentic, but not this order as made: keep it for review and acknowledge it
//!         // (an `Err` would answer 500, and DOKU's retries cannot change it).
//!         eprintln!("for review: {mismatch}");
//!         return Ok(());
//!     }
//!     if n.status == PaymentStatus::Success {
//!         // mark the order paid, durably, before returning Ok
//!     }
//!     Ok::<_, doku_pay_receiver::BoxError>(())
//! })
//! .merchant(ClientId::new("MCH-0001")?, SecretKey::new("SK-1")?)
//! .store(Arc::clone(&store))
//! .max_body_bytes(32 * 1024)
//! .build()?;
//! let app = axum::Router::new().merge(receiver.router());
//! # let _ = app;
//! # Ok(()) }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "postgres")]
mod batch;
pub mod handler;
#[cfg(feature = "postgres")]
pub mod postgres_store;
pub mod receiver;
pub mod reconcile;
#[cfg(feature = "redis")]
pub mod redis_store;
#[cfg(feature = "serve")]
pub mod serve;
pub mod store;

pub use handler::{BoxError, FallbackHandler, NotificationHandler};
#[cfg(feature = "postgres")]
pub use postgres_store::{InboxEntry, InboxFilter, InboxHandler, PostgresStore, inbox_handler};
pub use receiver::{Answer, NotificationService, Outcome, Receiver, ReceiverBuilder};
pub use reconcile::{CheckStatus, Mismatch, ReconcileOutcome, expect_payment, reconcile};
#[cfg(feature = "redis")]
pub use redis_store::RedisStore;
#[cfg(feature = "redis-tls")]
pub use redis_store::RedisTls;
pub use store::{
    ClaimToken, Claimed, DedupeKey, DedupeStore, Delivery, ManualClock, MemoryStore, StoreError,
};
