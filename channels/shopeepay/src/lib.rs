//! ShopeePay, Non-SNAP (`shopeepay`, DOKU `channel.id` `EMONEY_SHOPEE_PAY`).
//!
//! # Flow
//!
//! ShopeePay is app-to-app: only customers on a mobile device can pay.
//!
//! 1. Set the "Payment Return URL" in DOKU's Back Office (Configuration → E-Money →
//!    ShopeePay): the customer comes back there after paying in the ShopeePay app.
//! 2. [`PaymentChannel::create`] maps the unified [`PaymentRequest`] to the wire body
//!    ([`wire::CREATE_RULES`]) and posts it to `POST /shopeepay-emoney/v2/order`.
//! 3. DOKU answers with where to send the customer (`shopeepay_payment.redirect_url_http`,
//!    else `shopeepay_payment.redirect_url_app`): the [`Payment`]'s
//!    [`NextAction::Redirect`](doku_pay_core::NextAction::Redirect), a `GET` that opens the app.
//! 4. The result arrives as an HTTP notification with `channel.id` `EMONEY_SHOPEE_PAY`; its
//!    `shopeepay_payment.identifier[]` (`PAYMENT_REFERENCE_ID`, `TRANSACTION_SN`) is in
//!    [`Notification::identifiers`](doku_pay_core::Notification::identifiers): keep it, the
//!    refund needs it.
//! 5. Refund (full only): `POST /shopeepay-emoney/v2/refund` with the invoice number and those
//!    identifiers ([`RefundRequest::identifiers`](doku_pay_core::RefundRequest::identifiers);
//!    [`RefundRequest::full_after`](doku_pay_core::RefundRequest::full_after) builds it from
//!    the payment and its notification).
//!
//! # Mapping
//!
//! | unified | wire |
//! | --- | --- |
//! | `invoice_number`, `amount`, `callback_url` | `order.invoice_number`, `order.amount`, `order.callback_url` |
//! | refund: `invoice_number`, `identifiers` | `order.invoice_number`, `shopeepay_payment.identifier` |
//!
//! Any other unified field is refused (`not offered by ShopeePay`). ShopeePay's refund has no
//! reference of the merchant's: a refund's `refund_reference` is kept in the [`Refund`] only,
//! and it has no amount, so a partial refund is refused unsent.
//!
//! # Rules
//!
//! DOKU's create table is cut off after its first row (`order.invoice_number`, mandatory); the
//! sample's other fields get their sample's types only, `order.amount` being required as in
//! every DOKU request. `order.expired_time` (in the sample, `300`) is not sent: its unit is
//! stated nowhere visible, so DOKU's default applies. The refund table is complete: both
//! fields mandatory.
//!
//! # Answers
//!
//! Not published beyond their start: read leniently from the paths [`wire::CREATE_ANSWER`]
//! and [`wire::REFUND_ANSWER`] list; a create answer with a redirect and no status is
//! pending; an echoed invoice number or amount must be the request's.

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "sim")]
pub mod sim;
pub mod wire;

use doku_pay_core::rules::checked_body;
use doku_pay_core::validate::{Violations, not_offered};
use doku_pay_core::{
    Amount, Call, Capabilities, ChannelDescriptor, ChannelKind, Endpoint, Error, Merchant,
    Operation, Payment, PaymentChannel, PaymentRequest, RedirectStyle, Refund, RefundAmount,
    RefundRequest, RefundSupport, answer,
};
use serde_json::{Value, json};

/// The path of the create endpoint.
pub const CREATE_PATH: &str = "/shopeepay-emoney/v2/order";
/// The path of the refund endpoint.
pub const REFUND_PATH: &str = "/shopeepay-emoney/v2/refund";

/// ShopeePay's identity, capabilities and endpoints.
pub static DESCRIPTOR: ChannelDescriptor = ChannelDescriptor {
    id: "shopeepay",
    display_name: "ShopeePay",
    channel_code: "EMONEY_SHOPEE_PAY",
    service_id: "EMONEY",
    acquirer_id: "SHOPEE_PAY",
    kind: ChannelKind::Emoney,
    capabilities: Capabilities {
        cancel: false,
        refund: RefundSupport::FullOnly,
        redirect: RedirectStyle::Url,
        min_amount: Amount::new_const(1),
        max_amount: Amount::MAX,
    },
    mapping: MAPPING,
    notes: NOTES,
    endpoints: &[
        Endpoint::post(Operation::Create, CREATE_PATH),
        Endpoint::post(Operation::Refund, REFUND_PATH),
    ],
};

/// The flow and each decision taken where DOKU's pages are silent: shown on the generated
/// page.
pub const NOTES: &[&str] = &[
    "App-to-app: only customers on a mobile device can pay. Set the Payment Return URL in DOKU's Back Office (Configuration, E-Money, ShopeePay); the customer returns there.",
    "`channel.id` `EMONEY_SHOPEE_PAY`, `acquirer.id` `SHOPEE_PAY`: DOKU Checkout's code for ShopeePay; the Non-SNAP page shows none.",
    "The redirect is read from `shopeepay_payment.redirect_url_http`, else `redirect_url_app`, else `payment.url` (DOKU's answer is not published beyond the order); without a status, an answer with a redirect is pending.",
    "The notification's `shopeepay_payment.identifier[]` (`PAYMENT_REFERENCE_ID`, `TRANSACTION_SN`) is `Notification::identifiers`: the refund sends them as `shopeepay_payment.identifier`.",
    "`order.expired_time` is not sent: its unit is not stated; DOKU's default applies.",
    "The refund has no amount (full only) and no merchant reference: `refund_reference` stays in the `Refund`.",
    "[decision] DOKU's pages do not show what the create answer's status describes: as LinkAja's (\"status of the create order request\"), a `SUCCESS` there is read as the order made, not paid: the payment stays pending, its redirect kept, until the notification or Check Status (read as paid, an unpaid order could ship; read as pending, a paid one only waits for its notification).",
    "[decision] The amount is at least 1 (a payment of nothing cannot be paid) and at most 12 digits (the framework's one amount type): DOKU's page states no limit.",
];

/// Unified field → wire field: a broken rule of the wire request names the unified field.
pub const MAPPING: &[(&str, &str)] = &[
    ("invoice_number", "order.invoice_number"),
    ("amount", "order.amount"),
    ("callback_url", "order.callback_url"),
    ("identifiers", "shopeepay_payment.identifier"),
];

/// The ShopeePay channel.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShopeePay;

doku_pay_core::register_channel!(DESCRIPTOR, || Box::new(ShopeePay));

impl ShopeePay {
    /// The create body for `req`, checked against [`wire::CREATE_RULES`].
    pub fn to_wire(req: &PaymentRequest) -> Result<Value, Violations> {
        let body = json!({
            "order": {
                "invoice_number": req.invoice_number,
                "amount": req.amount,
                "callback_url": req.callback_url,
            },
        });
        let refused = not_offered(req, &["callback_url"], DESCRIPTOR.display_name);
        checked_body(body, &wire::CREATE_RULES, refused, MAPPING)
    }

    /// The refund body for `req`, checked against [`wire::REFUND_RULES`]; a partial refund
    /// is [`Error::Unsupported`].
    pub fn refund_to_wire(req: &RefundRequest) -> Result<Value, Error> {
        if let RefundAmount::Partial(_) = req.amount {
            return Err(DESCRIPTOR.unsupported(Operation::PartialRefund));
        }
        let body = json!({
            "order": {"invoice_number": req.invoice_number},
            "shopeepay_payment": {"identifier": req.identifiers},
        });
        Ok(checked_body(
            body,
            &wire::REFUND_RULES,
            Vec::new(),
            MAPPING,
        )?)
    }
}

impl PaymentChannel for ShopeePay {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &DESCRIPTOR
    }

    fn create(&self, req: &PaymentRequest, _: &Merchant) -> Result<Call<Payment>, Error> {
        answer::create(&DESCRIPTOR, &wire::CREATE_ANSWER, req, Self::to_wire(req))
    }

    fn refund(&self, req: &RefundRequest, _: &Merchant) -> Result<Call<Refund>, Error> {
        let body = Self::refund_to_wire(req)?;
        answer::refund(&DESCRIPTOR, &wire::REFUND_ANSWER, req, body)
    }

    fn notification_identifiers(&self) -> &'static [&'static str] {
        &["shopeepay_payment.identifier"]
    }

    fn wire_models(&self) -> Option<&'static doku_pay_core::WireModels> {
        Some(&wire::WIRE)
    }
}
