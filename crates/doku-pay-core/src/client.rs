//! The entry point: a merchant's [`Api`] plus the channel registry, with capability checks.

use crate::channel::{Operation, PaymentChannel};
use crate::credentials::Credentials;
use crate::error::Error;
use crate::model::{
    CancelRequest, Cancellation, Notification, Payment, PaymentRequest, Refund, RefundAmount,
    RefundRequest, StatusResult,
};
use crate::notification::{NotificationError, VerifiedNotification};
use std::sync::Arc;

use crate::registry::Registry;
use crate::transport::Api;

/// One merchant's client: picks channels by id, checks capabilities before any request, and
/// routes verified notifications to their channel.
#[derive(Clone, Debug)]
pub struct Client {
    api: Api,
    registry: Arc<Registry>,
}

impl Client {
    /// A client for these credentials with the default transport and the global registry.
    pub fn new(credentials: Credentials) -> Result<Self, Error> {
        Ok(Self::from_api(Api::new(credentials)?))
    }

    /// A client over a configured [`Api`] and the global registry.
    pub fn from_api(api: Api) -> Self {
        Self {
            api,
            registry: Registry::shared(),
        }
    }

    /// Uses this registry instead of the global one: built by the program
    /// (`Registry::from_registrations`) and shared, no `'static` needed.
    pub fn with_registry(mut self, registry: impl Into<Arc<Registry>>) -> Self {
        self.registry = registry.into();
        self
    }

    /// The transport.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The channel with this id.
    pub fn channel(&self, id: &str) -> Result<&dyn PaymentChannel, Error> {
        self.registry.get(id)
    }

    /// Creates a payment on `channel`.
    pub async fn create(&self, channel: &str, req: &PaymentRequest) -> Result<Payment, Error> {
        let ch = self.channel(channel)?;
        ch.descriptor().require(Operation::Create)?;
        ch.descriptor().check_amount(req.amount)?;
        self.api.call(ch.create(req, self.api.merchant())?).await
    }

    /// Cancels a payment on `channel`; refused without a request if the channel lacks cancel.
    pub async fn cancel(&self, channel: &str, req: &CancelRequest) -> Result<Cancellation, Error> {
        let ch = self.channel(channel)?;
        ch.descriptor().require(Operation::Cancel)?;
        self.api.call(ch.cancel(req, self.api.merchant())?).await
    }

    /// Refunds a payment on `channel`; refused without a request if the channel lacks refunds
    /// or a partial refund is asked of a full-only channel.
    pub async fn refund(&self, channel: &str, req: &RefundRequest) -> Result<Refund, Error> {
        let ch = self.channel(channel)?;
        let op = match req.amount {
            RefundAmount::Full => Operation::Refund,
            RefundAmount::Partial(_) => Operation::PartialRefund,
        };
        ch.descriptor().require(op)?;
        self.api.call(ch.refund(req, self.api.merchant())?).await
    }

    /// Check Status for an invoice number or the Request-Id of a payment request.
    pub async fn check_status(&self, invoice_or_request_id: &str) -> Result<StatusResult, Error> {
        self.api.check_status(invoice_or_request_id).await
    }

    /// Routes a verified notification to its channel by `channel.id` and maps it.
    pub fn parse_notification(
        &self,
        n: &VerifiedNotification,
    ) -> Result<Notification, NotificationError> {
        route_notification(&self.registry, n)
    }
}

pub use crate::registry::route_notification;
