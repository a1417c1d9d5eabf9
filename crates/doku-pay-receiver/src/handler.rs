//! The application's side: what the receiver calls with each new notification.

use std::future::Future;

use async_trait::async_trait;
use doku_pay_core::{Notification, VerifiedNotification};

/// The error a handler returns. Its text is logged, never sent to DOKU.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Handles each new, verified notification once: mapped by its channel's crate, or, for a
/// channel no linked crate registers, read from the envelope every DOKU notification shares
/// (`channel: None`; check `channel_code` before fulfilling such an order), unless a
/// [`FallbackHandler`] is set.
///
/// Return `Ok(())` only after the notification is durably recorded (order marked paid,
/// message queued, ...): the receiver answers DOKU 200 then and does not call the handler for
/// this notification again while the store remembers it. An `Err` answers 500 so that DOKU
/// retries, and the notification is not marked done.
///
/// # The handler must be idempotent per (invoice, status)
///
/// **Deduplication is a best effort, not a guarantee: make the handler itself idempotent
/// per (invoice number, status)**, e.g. "mark order paid" as a conditional update that does
/// nothing if it is already paid. The receiver deduplicates on `(Client-Id, Request-Id, body digest)`,
/// and:
///
/// * DOKU does not document whether a re-notification of the same payment keeps its
///   `Request-Id`; one with a new `Request-Id` reaches the handler again;
/// * a handled key is remembered only for the store's time to live (24 hours by default
///   for [`MemoryStore`](crate::MemoryStore)), and a store restarted or lost forgets it;
/// * if the claim is lost while the handler runs (the process stalled past the lease),
///   another delivery may run it concurrently; the receiver logs this as an error.
///
/// With a timestamp window, keep the store's time to live at least twice the window.
///
/// Implemented for async functions and closures `Fn(Notification) -> impl Future<Output =
/// Result<(), E>>` where `E` converts into [`BoxError`] (`String`, `&str`, any error type):
///
/// ```
/// use doku_pay_core::{Notification, PaymentStatus};
/// use doku_pay_receiver::NotificationHandler;
///
/// async fn on_notification(n: Notification) -> Result<(), std::io::Error> {
///     if n.status == PaymentStatus::Success {
///         // mark n.invoice_number paid in the database ...
///     }
///     Ok(())
/// }
/// fn assert_handler(_: impl NotificationHandler) {}
/// assert_handler(on_notification);
/// assert_handler(|n: Notification| async move { Ok::<_, String>(drop(n)) });
/// ```
#[async_trait]
pub trait NotificationHandler: Send + Sync + 'static {
    /// Handles one notification.
    async fn handle(&self, notification: Notification) -> Result<(), BoxError>;
}

#[async_trait]
impl<F, Fut, E> NotificationHandler for F
where
    F: Fn(Notification) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<BoxError> + 'static,
{
    async fn handle(&self, notification: Notification) -> Result<(), BoxError> {
        (self)(notification).await.map_err(Into::into)
    }
}

/// Receives verified notifications for a DOKU channel that no linked crate registers, as the
/// [`VerifiedNotification`] itself (headers, envelope, raw body), instead of the
/// [`NotificationHandler`].
///
/// The receiver acknowledges such notifications with 200 (so that DOKU stops retrying) after
/// this handler returns `Ok`; an `Err` answers 500 so that DOKU retries. Deduplicated like
/// [`NotificationHandler`]. Implemented for async functions and closures
/// `Fn(VerifiedNotification) -> impl Future<Output = Result<(), E>>`.
#[async_trait]
pub trait FallbackHandler: Send + Sync + 'static {
    /// Handles one notification of an unknown channel.
    async fn handle(&self, notification: VerifiedNotification) -> Result<(), BoxError>;
}

#[async_trait]
impl<F, Fut, E> FallbackHandler for F
where
    F: Fn(VerifiedNotification) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<BoxError> + 'static,
{
    async fn handle(&self, notification: VerifiedNotification) -> Result<(), BoxError> {
        (self)(notification).await.map_err(Into::into)
    }
}
