//! DOKU's OVO Push Payment (`POST /ovo-emoney/v1/payment`): the customer approves a push in
//! the OVO app, and DOKU answers the merchant's request synchronously, after up to 70 s.
//!
//! # Flow
//! 1. The merchant sends the payment with the customer's OVO id (phone number);
//! 2. the customer approves it in the OVO app while the request waits (the endpoint's
//!    timeout is 90 s, past DOKU's 70 s);
//! 3. the answer carries the status (`SUCCESS`, `FAILED`, or `TIMEOUT`: ask Check Status);
//!    DOKU also sends an HTTP notification.
//!
//! No redirect, no return URL; no cancel or refund is documented.
//!
//! # Mapping
//! | unified | wire |
//! | --- | --- |
//! | `invoice_number` | `order.invoice_number` |
//! | `amount` | `order.amount` |
//! | `customer.wallet_account` | `ovo_info.ovo_id` |
//! | (the merchant's Client-Id) | `client.id` |
//! | (computed) | `security.check_sum` = SHA-256(amount + client id + invoice + OVO id + secret), hex |
//!
//! Any other unified field is refused (`not offered by OVO`): nothing is silently dropped.
//! Errors name the unified field (`customer.wallet_account: required`).
//!
//! # Decisions where DOKU's pages are silent
//! * The answer is not published: it is read leniently. The status is `ovo_payment.status`
//!   (as third-party integrations read it) or `transaction.status` (as in DOKU's
//!   notifications); without either the answer is undecodable (outcome unknown: ask Check
//!   Status). `order.invoice_number` and `order.amount`, when echoed, must match the request.
//! * The checksum is lowercase hex (DOKU's sample is 64 lowercase hex digits) and the amount
//!   is rendered as a plain integer, as in DOKU's worked example.
//! * The notification's `channel.id` is `EMONEY_OVO`, by DOKU's `EMONEY_<WALLET>` pattern.
//! * Amount at least 1 (the table states no minimum; a zero payment is never meant).

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "sim")]
pub mod sim;
pub mod wire;

use doku_pay_core::rules::checked_body;
use doku_pay_core::validate::{Violations, not_offered};
use doku_pay_core::{
    Amount, Call, Capabilities, ChannelDescriptor, ChannelKind, Endpoint, Error, Merchant,
    Operation, Payment, PaymentChannel, PaymentRequest, RedirectStyle, RefundSupport, answer,
};
use serde_json::{Value, json};

/// Path of the payment endpoint.
pub const PAYMENT_PATH: &str = "/ovo-emoney/v1/payment";

/// OVO Push Payment's descriptor: create only, answered synchronously (90 s timeout).
pub static DESCRIPTOR: ChannelDescriptor = ChannelDescriptor {
    id: "ovo",
    display_name: "OVO Push Payment",
    channel_code: "EMONEY_OVO",
    service_id: "EMONEY",
    acquirer_id: "OVO",
    kind: ChannelKind::Emoney,
    capabilities: Capabilities {
        cancel: false,
        refund: RefundSupport::None,
        redirect: RedirectStyle::None,
        min_amount: Amount::new_const(1),
        max_amount: Amount::MAX,
    },
    mapping: MAPPING,
    notes: NOTES,
    endpoints: &[Endpoint::post(Operation::Create, PAYMENT_PATH).timeout_secs(90)],
};

/// The flow and the decisions where DOKU's pages are silent, for the generated page.
pub const NOTES: &[&str] = &[
    "Push payment: the customer approves in the OVO app while the request waits; DOKU answers after up to 70 s, so the endpoint waits 90 s per attempt. A `TIMEOUT` status means: ask Check Status.",
    "The answer is not published: the status is read from `ovo_payment.status` or `transaction.status`; without either the answer is undecodable (outcome unknown). An echoed `order.invoice_number` or `order.amount` must match the request.",
    "`security.check_sum` is SHA-256 of amount + client id + invoice number + OVO id + secret key, in lowercase hex, the amount as a plain integer (DOKU's worked example; its sample value matches neither its example nor its body).",
    "The notification's `channel.id` is taken to be `EMONEY_OVO` (DOKU's `EMONEY_<WALLET>` pattern); amount at least 1 although the table states no minimum.",
];

/// Unified field → wire field, for error messages and the docs.
pub const MAPPING: &[(&str, &str)] = &[
    ("invoice_number", "order.invoice_number"),
    ("amount", "order.amount"),
    ("customer.wallet_account", "ovo_info.ovo_id"),
];

/// `security.check_sum` of the wire `body`: SHA-256 of amount + client id + invoice number + OVO id + the
/// merchant's secret, lowercase hex.
pub fn check_sum(m: &Merchant, body: &Value) -> String {
    let text = |path| answer::text(body, path).unwrap_or_default();
    let (amount, client) = (text("order.amount"), text("client.id"));
    let (order, ovo) = (text("order.invoice_number"), text("ovo_info.ovo_id"));
    m.sha256_hex_with_secret(&format!("{amount}{client}{order}{ovo}"))
}

/// The OVO Push Payment channel.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ovo;

doku_pay_core::register_channel!(DESCRIPTOR, || Box::new(Ovo));

impl Ovo {
    /// The wire body for `req` sent by `merchant` (its Client-Id and checksum), checked
    /// against [`wire::PAYMENT_RULES`] (every broken rule at once, named as in the unified
    /// request).
    pub fn to_wire(req: &PaymentRequest, merchant: &Merchant) -> Result<Value, Violations> {
        let refused = not_offered(req, &["customer.wallet_account"], "OVO");
        let mut body = json!({
            "client": {"id": merchant.client_id().as_str()},
            "order": {"invoice_number": req.invoice_number, "amount": req.amount},
            "ovo_info": {"ovo_id": req.customer.wallet_account.as_deref().unwrap_or_default()},
        });
        body["security"] = json!({"check_sum": check_sum(merchant, &body)});
        checked_body(body, &wire::PAYMENT_RULES, refused, MAPPING)
    }
}

impl PaymentChannel for Ovo {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &DESCRIPTOR
    }

    fn create(&self, req: &PaymentRequest, merchant: &Merchant) -> Result<Call<Payment>, Error> {
        let body = Self::to_wire(req, merchant);
        answer::create(&DESCRIPTOR, &wire::PAYMENT_ANSWER, req, body)
    }

    fn wire_models(&self) -> Option<&'static doku_pay_core::WireModels> {
        Some(&wire::WIRE)
    }
}
