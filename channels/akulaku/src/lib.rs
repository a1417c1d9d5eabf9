//! DOKU's Akulaku paylater channel (`akulaku`, DOKU `channel.id` `PEER_TO_PEER_AKULAKU`).
//!
//! # Flow
//!
//! 1. [`PaymentChannel::create`] maps the unified [`PaymentRequest`] to
//!    the wire body ([`wire::GENERATE_ORDER_RULES`]), checks every rule below (nothing is sent if one breaks;
//!    all broken rules are reported at once with their wire paths) and posts it to
//!    `POST /akulaku-peer-to-peer/v2/generate-order`.
//! 2. DOKU answers `PENDING` with `payment.url` (the [`Payment`]'s
//!    [`NextAction::Redirect`](doku_pay_core::NextAction::Redirect), a plain `GET`) or `FAILED` (retry with a new invoice number and
//!    reference). The [`Payment`] carries the identifiers DOKU returned (`ORDER_ID`,
//!    `AKULAKU_UNIQUE_REFERENCE`) and the merchant reference, so a [`CancelRequest`] or
//!    [`RefundRequest`] built from it ([`CancelRequest::for_payment`], [`RefundRequest::full`]) has what cancel
//!    and refund need.
//! 3. The customer pays on Akulaku's page and returns to `order.callback_url`; the result
//!    arrives as an HTTP notification with `channel.id` `PEER_TO_PEER_AKULAKU`, mapped by the
//!    core envelope mapping (invoice, amount, status, original Request-Id, raw body).
//!
//! # Capabilities
//!
//! Create, cancel (`POST /akulaku-peer-to-peer/v2/cancel`) and full refund
//! (`POST /akulaku-peer-to-peer/v2/refund`). A partial refund is refused with
//! [`Error::Unsupported`] (operation `PartialRefund`) before anything is sent. Redirect style:
//! URL. Amounts: 1 to [`Amount::MAX`] rupiah (12 digits).
//!
//! # Mapping
//!
//! | unified | wire |
//! | --- | --- |
//! | `invoice_number`, `amount`, `callback_url` | `order.invoice_number`, `order.amount`, `order.callback_url` |
//! | `line_items[]` | `order.line_items[]` (`sku` and `category` mandatory) |
//! | `merchant_reference` (default: the invoice number) | `payment.merchant_unique_reference` |
//! | `customer.{id, name, phone, address}` | `customer.*` (`address` omitted when absent) |
//! | `customer.{city, state, postcode}` | `customer.*`, sent as `""` when absent, never omitted |
//! | `customer.email`, `notification_url`, `additional_info` | not offered by Akulaku's generate-order: refused (`not offered by Akulaku`, naming the unified field) rather than silently dropped |
//! | cancel / refund `merchant_reference` (required: no default) | `payment.merchant_unique_reference` |
//!
//! # Rules (`akulaku-guide.txt`; `doku-api.md` section 4.2, Akulaku)
//!
//! Exactly the guide's tables, except where a row says why it is stricter.
//!
//! | field | rule |
//! | --- | --- |
//! | `order.invoice_number` | required, max 64 characters |
//! | `order.amount` | required, max 12 digits. At least 1: stricter on purpose (a zero order cannot be paid; the descriptor's minimum) |
//! | `order.line_items` | required; price x quantity must sum to `order.amount` |
//! | `order.line_items[i].name` | required, max 255 characters |
//! | `order.line_items[i].price` | required, max 12 digits (no minimum in the guide) |
//! | `order.line_items[i].quantity` | required, max 4 digits (no minimum in the guide) |
//! | `order.line_items[i].sku`, `.category` | required |
//! | `order.callback_url` | required (any non-blank string: the guide gives no format, so an app deep link is accepted) |
//! | `payment.merchant_unique_reference` | required, max 64 characters |
//! | `customer.id` | required, max 50 characters |
//! | `customer.name` | required, max 64 characters |
//! | `customer.phone` | required, digits only, max 16 characters, `{calling_code}{number}`: no leading `0`, since no calling code starts with one (a leading `0` is a local number, which the format excludes) |
//! | `customer.address` | max 400 characters |
//! | `customer.city`, `customer.state` | max 64 characters, `""` when empty |
//! | `customer.postcode` | digits only, max 64 characters, a string, `""` when empty |
//! | cancel: `order.invoice_number`, `payment.merchant_unique_reference` | required, max 64 characters: the cancel table gives no length (and leaves the invoice number's mandatory column blank) but says they are generate-order's values, limited to 64 |
//! | cancel: `payment.identifier` | optional, sent as given |
//! | refund: `order.invoice_number`, `payment.merchant_unique_reference` | required, max 64 characters (generate-order's values, as for cancel) |
//! | refund: `payment.identifier` | required: the guide's "mandatory array" (at least one entry; an empty array would not be sent). No entry is required by name; entries are sent as given |
//! | refund: `refund.merchant_unique_reference` | required, no length limit (the guide gives none); not the payment's reference, since the guide calls it new |
//!
//! # Statuses
//!
//! Create: `payment.status` `PENDING` / `FAILED`. Cancel: `payment.status` (such as
//! `CANCELLED`) and `cancel.status` `SUCCESS` / `FAILED`, plus `error.message` when DOKU sends
//! one. Refund: `payment.status` `REFUNDED` / `FAILED` / `CANCELED` / `PENDING` and
//! `refund.status` `SUCCESS` / `FAILED`, plus `error.message` when sent. Every status is
//! compared case-insensitively. A failed cancel or refund is a 200 answer with a `FAILED`
//! status: a [`Cancellation`] / [`Refund`] carrying it and the message, not an error.
//!
//! Dates are read as ISO-8601 or as `yyyyMMddHHmmss` in UTC+7. The cancel answer's
//! `payment.date` is documented as the order's **expiry** (`yyyyMMddHHmmss`, UTC+7; the sample
//! shows ISO-8601 UTC): it is [`Cancellation::payment_expires_at`], while
//! [`Cancellation::date`] is `cancel.date`, the cancellation's own date.
//!
//! # Answers
//!
//! Every field of an answer is read liberally (optional, unknown fields ignored and kept in the
//! raw body, a minor field in an unexpected shape read as empty; `identifier[]` entries
//! without `value` have an empty value, `identifier` as an object map or a string is read),
//! so each operation checks the success shape before mapping: generate-order needs `order.invoice_number`, `order.amount` and
//! `payment.status` (mandatory in the guide); cancel needs `cancel.status` or
//! `payment.status`; refund needs `refund.status` or `payment.status` (the guide's cancel
//! sample carries `cancel` and `error` together, which is a cancel answer). Any other body,
//! such as DOKU's `{"error": {...}}` or `{}`, is not a result: a 409 of that kind is
//! [`Error::Doku`] (status 409), anything else [`Error::Undecodable`]. The guide says the
//! answer's `order.invoice_number`, `order.amount`, `payment.merchant_unique_reference` and
//! `refund.merchant_unique_reference` are the request's: one that differs makes the answer
//! [`Error::Untrusted`] (outcome unknown: ask Check Status). An untrusted or undecodable
//! generate-order answer keeps its raw body and the redirect it carries
//! ([`Error::next_action`]: `payment.url` unless the status is `FAILED`). Nothing DOKU must confirm is
//! filled in from the request: cancel and refund report `order.amount` only when DOKU sent
//! it; their invoice number and refund reference, which the guide only ever echoes, fall
//! back to the request's when absent.

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "sim")]
pub mod samples;
#[cfg(feature = "sim")]
pub mod sim;
pub mod wire;

use doku_pay_core::rules::checked_body;
use doku_pay_core::validate::{Violations, not_offered};
use doku_pay_core::{
    Amount, Call, CancelRequest, Cancellation, Capabilities, ChannelDescriptor, ChannelKind,
    Endpoint, Error, Merchant, Operation, Payment, PaymentChannel, PaymentRequest, RedirectStyle,
    Refund, RefundAmount, RefundRequest, RefundSupport, answer,
};
use serde_json::{Value, json};
use wire::{CANCEL_ANSWER, CREATE_ANSWER, REFUND_ANSWER};

/// Path of generate-order.
pub const CREATE_PATH: &str = "/akulaku-peer-to-peer/v2/generate-order";
/// Path of cancel.
pub const CANCEL_PATH: &str = "/akulaku-peer-to-peer/v2/cancel";
/// Path of refund.
pub const REFUND_PATH: &str = "/akulaku-peer-to-peer/v2/refund";

/// Akulaku's identity, capabilities and endpoints.
pub static DESCRIPTOR: ChannelDescriptor = ChannelDescriptor {
    id: "akulaku",
    display_name: "Akulaku PayLater",
    channel_code: "PEER_TO_PEER_AKULAKU",
    service_id: "PEER_TO_PEER",
    acquirer_id: "AKULAKU",
    kind: ChannelKind::Paylater,
    capabilities: Capabilities {
        cancel: true,
        refund: RefundSupport::FullOnly,
        redirect: RedirectStyle::Url,
        min_amount: Amount::new_const(1),
        max_amount: Amount::MAX,
    },
    mapping: MAPPING,
    notes: NOTES,
    endpoints: &[
        Endpoint::post(Operation::Create, CREATE_PATH),
        Endpoint::post(Operation::Cancel, CANCEL_PATH),
        Endpoint::post(Operation::Refund, REFUND_PATH),
    ],
};

/// The Akulaku channel (stateless; all configuration lives in the client).
#[derive(Clone, Copy, Debug, Default)]
pub struct Akulaku;

doku_pay_core::register_channel!(DESCRIPTOR, || Box::new(Akulaku));

/// What the generated page says beside the tables.
pub const NOTES: &[&str] = &[
    "The customer is redirected to `payment.url`; a `FAILED` generate-order is a declined payment, not an error (retry with a new invoice number and merchant reference).",
    "Cancel and refund need the payment's `merchant_unique_reference` and identifiers from the create answer (`CancelRequest::for_payment` / `RefundRequest::full` build them from the `Payment`).",
    "`payment.date` in the cancel answer is the order's expiry (`yyyyMMddHHmmss`, UTC+7), exposed as `Cancellation::payment_expires_at`; the ISO form of the guide's sample is read too.",
    "[decision] The amount is at least 1 (a payment of nothing cannot be paid); its 12-digit limit is the guide's.",
    "The notification's `peer_to_peer_info.identifier[]` (`AKULAKU_UNIQUE_REFERENCE`, `ORDER_ID`; DOKU's paylater notification sample) is `Notification::identifiers`: cancel and refund take them where the create answer gave none.",
];

/// Unified field → wire path, for the generated page and for naming violations.
pub const MAPPING: &[(&str, &str)] = &[
    ("invoice_number", "order.invoice_number"),
    ("amount", "order.amount"),
    ("line_items", "order.line_items"),
    ("callback_url", "order.callback_url"),
    ("customer", "customer"),
    ("merchant_reference", "payment.merchant_unique_reference"),
    ("identifiers", "payment.identifier"),
    ("refund_reference", "refund.merchant_unique_reference"),
];

/// The unified fields generate-order carries (the rest is refused, never dropped).
const OFFERED: &[&str] = &[
    "callback_url",
    "merchant_reference",
    "line_items[]",
    "customer.id",
    "customer.name",
    "customer.phone",
    "customer.address",
    "customer.city",
    "customer.state",
    "customer.postcode",
];

impl Akulaku {
    /// Generate-order's wire body for `req`, checked against [`wire::GENERATE_ORDER_RULES`]
    /// (every broken rule at once, named as in the unified request).
    pub fn to_wire(req: &PaymentRequest) -> Result<Value, Violations> {
        let c = &req.customer;
        let or_empty = |v: &Option<String>| v.clone().unwrap_or_default();
        let items: Vec<Value> = req
            .line_items
            .iter()
            .map(|i| {
                json!({"name": i.name, "price": i.price, "quantity": i.quantity,
                       "sku": i.sku, "category": i.category})
            })
            .collect();
        let body = json!({
            "order": {
                "invoice_number": req.invoice_number,
                "amount": req.amount,
                "line_items": items,
                "callback_url": req.callback_url,
            },
            "payment": {"merchant_unique_reference": Self::merchant_reference(req)},
            "customer": {
                "id": c.id, "name": c.name, "phone": c.phone, "address": c.address,
                "city": or_empty(&c.city), "state": or_empty(&c.state),
                "postcode": or_empty(&c.postcode),
            },
        });
        let refused = not_offered(req, OFFERED, "Akulaku");
        checked_body(body, &wire::GENERATE_ORDER_RULES, refused, MAPPING)
    }

    /// The merchant reference sent: the request's, or its invoice number.
    fn merchant_reference(req: &PaymentRequest) -> &str {
        req.merchant_reference
            .as_deref()
            .unwrap_or(&req.invoice_number)
    }

    /// Cancel's wire body for `req`, checked against [`wire::CANCEL_RULES`].
    pub fn cancel_to_wire(req: &CancelRequest) -> Result<Value, Violations> {
        let body = json!({
            "order": {"invoice_number": req.invoice_number},
            "payment": {
                "merchant_unique_reference": req.merchant_reference,
                "identifier": (!req.identifiers.is_empty()).then_some(&req.identifiers),
            },
        });
        checked_body(body, &wire::CANCEL_RULES, Vec::new(), MAPPING)
    }

    /// Refund's wire body for `req`, checked against [`wire::REFUND_RULES`]; a partial
    /// refund is [`Error::Unsupported`].
    pub fn refund_to_wire(req: &RefundRequest) -> Result<Value, Error> {
        if let RefundAmount::Partial(_) = req.amount {
            return Err(DESCRIPTOR.unsupported(Operation::PartialRefund));
        }
        let body = json!({
            "order": {"invoice_number": req.invoice_number},
            "payment": {
                "merchant_unique_reference": req.merchant_reference,
                "identifier": req.identifiers,
            },
            "refund": {"merchant_unique_reference": req.refund_reference},
        });
        Ok(checked_body(
            body,
            &wire::REFUND_RULES,
            Vec::new(),
            MAPPING,
        )?)
    }
}

impl PaymentChannel for Akulaku {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &DESCRIPTOR
    }

    fn notification_identifiers(&self) -> &'static [&'static str] {
        &["peer_to_peer_info.identifier"]
    }

    fn create(&self, req: &PaymentRequest, _: &Merchant) -> Result<Call<Payment>, Error> {
        answer::create(&DESCRIPTOR, &CREATE_ANSWER, req, Self::to_wire(req))
    }

    fn cancel(&self, req: &CancelRequest, _: &Merchant) -> Result<Call<Cancellation>, Error> {
        answer::cancel(&DESCRIPTOR, &CANCEL_ANSWER, req, Self::cancel_to_wire(req)?)
    }

    fn refund(&self, req: &RefundRequest, _: &Merchant) -> Result<Call<Refund>, Error> {
        answer::refund(&DESCRIPTOR, &REFUND_ANSWER, req, Self::refund_to_wire(req)?)
    }

    fn wire_models(&self) -> Option<&'static doku_pay_core::WireModels> {
        Some(&wire::WIRE)
    }
}
