//! A channel's sample requests, for `doku demo` and the end-to-end suite.
//!
//! Each channel crate supplies, behind its `sim` feature, a [`ChannelSamples`] value through
//! [`SimChannel::samples`](crate::SimChannel::samples): a valid unified create request for
//! any invoice number, the cancel and refund of a payment it created (where the channel
//! offers them), and what the customer does between the create and the notification. The
//! demo and the end-to-end tests iterate the registered plugins and run every operation each
//! descriptor offers with these samples, so they name no channel and count nothing by hand:
//! a new channel crate is demonstrated and tested end to end by being linked.

use doku_pay_core::{CancelRequest, Notification, Payment, PaymentRequest, RefundRequest};

/// What the customer does after the create answer, in the simulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomerAction {
    /// A redirect flow: the create answer is pending and carries where to send the customer;
    /// the customer pays there, which the simulator's control API stands for
    /// (`POST /_sim/orders/{invoice}/paid`, [`SimHandle::complete`](crate::SimHandle::complete)).
    PaysAfterRedirect,
    /// A push payment: the customer approved in the wallet's app before the create was
    /// answered ([`Synchronous`](crate::Synchronous)), so the create answer is already final
    /// (`SUCCESS`) and there is nothing left to do.
    Nothing,
}

/// Sample requests of one channel, valid by its guide's rules.
pub trait ChannelSamples: Send + Sync + 'static {
    /// A create request for `invoice_number` (any invoice number the demo or a test picks:
    /// letters, digits and `-`, at most 40 characters), within the channel's amount limits.
    fn payment_request(&self, invoice_number: &str) -> PaymentRequest;

    /// The cancel of `payment` (created from [`ChannelSamples::payment_request`], still
    /// pending); asked only when the channel's descriptor offers cancel. The default is
    /// [`CancelRequest::for_payment`]; `None` when the samples have no cancel.
    fn cancel_request(&self, payment: &Payment) -> Option<CancelRequest> {
        Some(CancelRequest::for_payment(payment))
    }

    /// The full refund of `payment` (created from [`ChannelSamples::payment_request`], paid,
    /// its payment `notification` received), under the new `refund_reference`; asked only
    /// when the channel's descriptor offers refunds. The default is
    /// [`RefundRequest::full_after`]: the notification's identifiers when it carries any
    /// (what a channel such as ShopeePay refunds with), else the create answer's; `None` when
    /// the samples have no refund.
    fn refund_request(
        &self,
        payment: &Payment,
        notification: &Notification,
        refund_reference: &str,
    ) -> Option<RefundRequest> {
        Some(RefundRequest::full_after(
            payment,
            notification,
            refund_reference,
        ))
    }

    /// What the customer does after the create answer.
    fn customer(&self) -> CustomerAction;
}

/// Samples written as data: the create request's unified JSON without its invoice number
/// (filled in per call), and what the customer does; cancel and refund as the defaults build
/// them from the payment. Enough for most channels.
///
/// # Panics
///
/// [`payment_request`](ChannelSamples::payment_request) panics, naming the rule, when
/// `payment` is not a JSON object or not a unified [`PaymentRequest`] once the invoice
/// number is in: a channel crate's constant, not input, which its own simulator tests and
/// `doku demo` (every linked channel) read.
///
/// ```
/// use doku_pay_sim::{ChannelSamples, CustomerAction, JsonSamples};
/// static SAMPLES: JsonSamples = JsonSamples {
///     payment: r#"{"amount": 10000, "customer": {"wallet_account": "081211111111"}}"#,
///     customer: CustomerAction::Nothing,
/// };
/// let req = SAMPLES.payment_request("INV-1");
/// assert_eq!((req.invoice_number.as_str(), req.amount.rupiah()), ("INV-1", 10_000));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct JsonSamples {
    /// The unified create request as JSON, without `invoice_number`.
    pub payment: &'static str,
    /// What the customer does after the create answer.
    pub customer: CustomerAction,
}

impl ChannelSamples for JsonSamples {
    fn payment_request(&self, invoice_number: &str) -> PaymentRequest {
        let mut value: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(self.payment)
                .unwrap_or_else(|e| panic!("a channel's sample is not a JSON object: {e}"));
        value.insert("invoice_number".into(), invoice_number.into());
        serde_json::from_value(serde_json::Value::Object(value))
            .unwrap_or_else(|e| panic!("a channel's sample is not a unified PaymentRequest: {e}"))
    }

    fn customer(&self) -> CustomerAction {
        self.customer
    }
}
