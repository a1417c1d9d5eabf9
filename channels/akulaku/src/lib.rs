//! DOKU's Akulaku paylater channel (`akulaku`, DOKU `channel.id` `PEER_TO_PEER_AKULAKU`).
//!
//! # Flow
//!
//! 1. [`PaymentChannel::create`] maps the unified [`PaymentRequest`] to
//!    [`wire::GenerateOrderRequest`], checks every rule below (nothing is sent if one breaks;
//!    all broken rules are reported at once with their wire paths) and posts it to
//!    `POST /akulaku-peer-to-peer/v2/generate-order`.
//! 2. DOKU answers `PENDING` with `payment.url` (the [`Payment`]'s
//!    [`NextAction::Redirect`], a plain `GET`) or `FAILED` (retry with a new invoice number and
//!    reference). The [`Payment`] carries the identifiers DOKU returned (`ORDER_ID`,
//!    `AKULAKU_UNIQUE_REFERENCE`) and the merchant reference, so a [`CancelRequest`] or
//!    [`RefundRequest`] built from it ([`cancel_request`], [`refund_request`]) has what cancel
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

#[cfg(feature = "sim")]
pub mod samples;
#[cfg(feature = "sim")]
pub mod sim;
pub mod wire;

use doku_core::model::identifier;
use doku_core::validate::{self, Violation, Violations};
use doku_core::{
    Amount, Call, CancelRequest, Cancellation, Capabilities, ChannelDescriptor, ChannelKind,
    Endpoint, Error, Merchant, NextAction, Operation, OperationStatus, Payment, PaymentChannel,
    PaymentRequest, PaymentStatus, RedirectStyle, Refund, RefundAmount, RefundRequest,
    RefundSupport, Sent, lenient,
};

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
        min_amount: 1,
        max_amount: Amount::MAX.rupiah(),
    },
    mapping: MAPPING,
    notes: NOTES,
    endpoints: &[
        Endpoint::post(Operation::Create, CREATE_PATH),
        Endpoint::post(Operation::Cancel, CANCEL_PATH),
        Endpoint::post(Operation::Refund, REFUND_PATH),
    ],
};

/// The Akulaku channel.
#[derive(Clone, Copy, Debug, Default)]
pub struct Akulaku;

doku_core::register_channel!(DESCRIPTOR, || Box::new(Akulaku));

/// A cancel request for a payment create returned (its invoice number, merchant reference and
/// identifiers), with a fresh Request-Id generated at send time.
pub fn cancel_request(payment: &Payment) -> CancelRequest {
    CancelRequest {
        request_id: None,
        invoice_number: payment.invoice_number.clone(),
        merchant_reference: payment.merchant_reference.clone(),
        identifiers: payment.identifiers.clone(),
    }
}

/// A full refund request for a payment create returned, under a new refund reference.
pub fn refund_request(payment: &Payment, refund_reference: impl Into<String>) -> RefundRequest {
    RefundRequest {
        request_id: None,
        invoice_number: payment.invoice_number.clone(),
        merchant_reference: payment.merchant_reference.clone(),
        identifiers: payment.identifiers.clone(),
        refund_reference: refund_reference.into(),
        amount: RefundAmount::Full,
    }
}

fn not_offered(field: &str) -> Violation {
    Violation {
        field: field.to_owned(),
        rule: "not offered by Akulaku".to_owned(),
    }
}

/// Merges unified-level violations with the wire model's.
fn merged<T>(
    wire: T,
    extra: Vec<Violation>,
    checked: Result<(), Violations>,
) -> Result<T, Violations> {
    validate::finish_mapped(extra, checked, MAPPING).map(|()| wire)
}

/// The flow and the decisions where DOKU's pages are silent, for the generated page.
pub const NOTES: &[&str] = &[
    "The customer is redirected to `payment.url`; a `FAILED` generate-order is a declined payment, not an error (retry with a new invoice number and merchant reference).",
    "Cancel and refund need the payment's `merchant_unique_reference` and identifiers from the create answer (`cancel_request` / `refund_request` build them from the `Payment`).",
    "`payment.date` in the cancel answer is the order's expiry (`yyyyMMddHHmmss`, UTC+7), exposed as `Cancellation::payment_expires_at`; the ISO form of the guide's sample is read too.",
];

/// Unified field → wire field, for every operation: errors name the unified field.
pub const MAPPING: &[(&str, &str)] = &[
    ("invoice_number", "order.invoice_number"),
    ("amount", "order.amount"),
    ("line_items", "order.line_items"),
    ("callback_url", "order.callback_url"),
    ("merchant_reference", "payment.merchant_unique_reference"),
    ("identifiers", "payment.identifier"),
    ("refund_reference", "refund.merchant_unique_reference"),
];

/// A payment status compared case-insensitively; `Unknown("")` when absent.
fn status_of(s: Option<&str>) -> PaymentStatus {
    s.map(lenient::payment_status)
        .unwrap_or_else(|| PaymentStatus::Unknown(String::new()))
}

/// An operation status compared case-insensitively; `Unknown("")` when absent.
fn op_status_of(s: Option<&str>) -> OperationStatus {
    s.map(lenient::operation_status)
        .unwrap_or_else(|| OperationStatus::Unknown(String::new()))
}

/// The redirect of a generate-order `payment`: `payment.url` unless the status says the order
/// failed. A trusted answer redirects only when `PENDING` (checked by the caller).
fn redirect_of(payment: &wire::GenerateOrderPayment) -> Option<NextAction> {
    if payment.status.as_deref().map(lenient::payment_status) == Some(PaymentStatus::Failed) {
        return None;
    }
    let url = payment.url.as_deref().filter(|u| !u.trim().is_empty())?;
    Some(NextAction::Redirect {
        method: "GET".to_owned(),
        url: url.to_owned(),
        form_fields: Vec::new(),
    })
}

impl Akulaku {
    /// Maps a unified create request to generate-order and checks every rule; all broken
    /// rules are reported at once.
    pub fn to_wire(req: &PaymentRequest) -> Result<wire::GenerateOrderRequest, Violations> {
        let mut extra = Vec::new();
        if req.notification_url.is_some() {
            extra.push(not_offered("notification_url"));
        }
        if !req.additional_info.is_empty() {
            extra.push(not_offered("additional_info"));
        }
        let c = &req.customer;
        if c.email.is_some() {
            extra.push(not_offered("customer.email"));
        }
        if c.wallet_account.is_some() {
            extra.push(not_offered("customer.wallet_account"));
        }
        let wire = wire::GenerateOrderRequest {
            order: wire::Order {
                invoice_number: req.invoice_number.clone(),
                amount: Some(req.amount),
                line_items: req
                    .line_items
                    .iter()
                    .map(|i| wire::LineItem {
                        name: i.name.clone(),
                        price: Some(i.price),
                        quantity: Some(u64::from(i.quantity)),
                        sku: i.sku.clone().unwrap_or_default(),
                        category: i.category.clone().unwrap_or_default(),
                    })
                    .collect(),
                callback_url: req.callback_url.clone().unwrap_or_default(),
            },
            payment: wire::OrderPayment {
                merchant_unique_reference: req
                    .merchant_reference
                    .clone()
                    .unwrap_or_else(|| req.invoice_number.clone()),
            },
            customer: wire::Customer {
                id: c.id.clone().unwrap_or_default(),
                name: c.name.clone().unwrap_or_default(),
                phone: c.phone.clone().unwrap_or_default(),
                address: c.address.clone(),
                city: c.city.clone().unwrap_or_default(),
                state: c.state.clone().unwrap_or_default(),
                postcode: c.postcode.clone().unwrap_or_default(),
            },
        };
        let checked = wire.validate();
        merged(wire, extra, checked)
    }

    /// Maps a unified cancel request to the wire request and checks it.
    pub fn cancel_to_wire(req: &CancelRequest) -> Result<wire::CancelRequest, Violations> {
        let wire = wire::CancelRequest {
            order: wire::OrderRef {
                invoice_number: req.invoice_number.clone(),
            },
            payment: wire::PaymentRef {
                // Mandatory for cancel and refund: no default (the payment's reference is in
                // the `Payment` create returned; see `cancel_request` / `refund_request`).
                merchant_unique_reference: req.merchant_reference.clone().unwrap_or_default(),
                identifier: req.identifiers.clone(),
            },
        };
        let checked = wire.validate();
        merged(wire, Vec::new(), checked)
    }

    /// Maps a unified refund request to the wire request and checks it. A partial refund is
    /// [`Error::Unsupported`]: Akulaku refunds the full amount only.
    pub fn refund_to_wire(req: &RefundRequest) -> Result<wire::RefundRequest, Error> {
        if let RefundAmount::Partial(_) = req.amount {
            return Err(DESCRIPTOR.unsupported(Operation::PartialRefund));
        }
        let wire = wire::RefundRequest {
            order: wire::OrderRef {
                invoice_number: req.invoice_number.clone(),
            },
            payment: wire::RefundPaymentRef {
                // Mandatory for cancel and refund: no default (the payment's reference is in
                // the `Payment` create returned; see `cancel_request` / `refund_request`).
                merchant_unique_reference: req.merchant_reference.clone().unwrap_or_default(),
                identifier: req.identifiers.clone(),
            },
            refund: wire::RefundRef {
                merchant_unique_reference: req.refund_reference.clone(),
            },
        };
        let checked = wire.validate();
        merged(wire, Vec::new(), checked).map_err(Error::Validation)
    }

    /// The merchant reference generate-order sends for `req` (the invoice number by default).
    fn merchant_reference_of(req: &PaymentRequest) -> String {
        req.merchant_reference
            .clone()
            .unwrap_or_else(|| req.invoice_number.clone())
    }

    /// Maps the generate-order answer to the unified [`Payment`] after checking it:
    /// `order.invoice_number`, `order.amount` and `payment.status` must be present
    /// ([`Sent::not_an_answer`] otherwise); the invoice number, amount and
    /// `payment.merchant_unique_reference` (when present) must be the request's
    /// ([`Sent::contradicts`] otherwise).
    pub fn from_wire(
        req: &PaymentRequest,
        sent: Sent<wire::GenerateOrderResponse>,
    ) -> Result<Payment, Error> {
        let body = &sent.body;
        let invoice = present(body.order.invoice_number.as_deref());
        let status = present(body.payment.status.as_deref());
        let (invoice_number, amount, status) = match (invoice, body.order.amount, status) {
            (Some(i), Some(a), Some(s)) => (i.to_owned(), a, lenient::payment_status(s)),
            (i, a, s) => {
                return Err(not_a_generate_order_answer(
                    &sent,
                    &[
                        ("order.invoice_number", i.is_some()),
                        ("order.amount", a.is_some()),
                        ("payment.status", s.is_some()),
                    ],
                ));
            }
        };
        let merchant_reference = Self::merchant_reference_of(req);
        sent.check_echo(
            (Some(&invoice_number), Some(amount)),
            (&req.invoice_number, req.amount),
        )?;
        check_same(
            &sent,
            "payment.merchant_unique_reference",
            body.payment.merchant_unique_reference.as_deref(),
            &merchant_reference,
        )?;
        let raw = sent.raw_json();
        let payment = sent.body.payment;
        let next_action = match status {
            PaymentStatus::Pending => redirect_of(&payment),
            _ => None,
        };
        Ok(Payment {
            channel: DESCRIPTOR.id.to_owned(),
            request_id: sent.request_id,
            replayed: sent.replayed,
            invoice_number,
            amount,
            status,
            // What was sent, and (when the answer has it) what DOKU confirmed.
            merchant_reference: Some(merchant_reference),
            next_action,
            identifiers: payment.identifier,
            raw,
        })
    }

    /// The redirect a generate-order answer's raw body carries (`payment.url`, unless
    /// `payment.status` is `FAILED`), read liberally whatever the rest of the body holds:
    /// what an [`Error::Untrusted`] or [`Error::Undecodable`] create answer keeps for the
    /// caller.
    pub fn redirect_in(raw: &str) -> Option<NextAction> {
        let body: serde_json::Value = serde_json::from_str(raw).ok()?;
        let payment: wire::GenerateOrderPayment =
            serde_json::from_value(body.get("payment")?.clone()).ok()?;
        redirect_of(&payment)
    }

    /// Maps the cancel answer to the unified [`Cancellation`] after checking it: `cancel.status`
    /// or `payment.status` must be present ([`Sent::not_an_answer`] otherwise; an `error`
    /// beside them is kept as the message); `order.invoice_number` and
    /// `payment.merchant_unique_reference`, when present, must be the request's
    /// ([`Sent::contradicts`] otherwise). `amount` is what DOKU said, if anything; a missing
    /// invoice number is the request's. `date` is `cancel.date`; `payment.date`, documented
    /// as the order's expiry, is `payment_expires_at`. A `FAILED` cancel is a result.
    pub fn cancellation_from_wire(
        req: &CancelRequest,
        sent: Sent<wire::CancelResponse>,
    ) -> Result<Cancellation, Error> {
        let body = &sent.body;
        let cancel_status = present(body.cancel.as_ref().and_then(|c| c.status.as_deref()));
        let payment_status = present(body.payment.status.as_deref());
        if cancel_status.is_none() && payment_status.is_none() {
            return Err(sent.not_an_answer(
                "not an Akulaku cancel answer: no cancel.status or payment.status",
            ));
        }
        check_refs(
            &sent,
            &body.order,
            &body.payment,
            &req.invoice_number,
            req.merchant_reference.as_deref(),
        )?;
        let raw = sent.raw_json();
        let body = sent.body;
        let cancel = body.cancel.unwrap_or_default();
        Ok(Cancellation {
            channel: DESCRIPTOR.id.to_owned(),
            request_id: sent.request_id,
            replayed: sent.replayed,
            invoice_number: body
                .order
                .invoice_number
                .unwrap_or_else(|| req.invoice_number.clone()),
            amount: body.order.amount,
            payment_status: status_of(body.payment.status.as_deref()),
            cancel_status: op_status_of(cancel.status.as_deref()),
            date: cancel
                .date
                .as_deref()
                .and_then(doku_core::clock::parse_doku_datetime),
            payment_expires_at: body.payment.parsed_date(),
            message: body.error.and_then(|e| e.message),
            identifiers: body.payment.identifier,
            raw,
        })
    }

    /// Maps the refund answer to the unified [`Refund`] after checking it: `refund.status` or
    /// `payment.status` must be present ([`Sent::not_an_answer`] otherwise);
    /// `order.invoice_number`, `payment.merchant_unique_reference` and
    /// `refund.merchant_unique_reference`, when present, must be the request's
    /// ([`Sent::contradicts`] otherwise). `amount` is what DOKU said, if anything; a missing
    /// invoice number or refund reference (optional in the guide, "same as the request") is
    /// the request's.
    pub fn refund_from_wire(
        req: &RefundRequest,
        sent: Sent<wire::RefundResponse>,
    ) -> Result<Refund, Error> {
        let body = &sent.body;
        let refund_status = present(body.refund.as_ref().and_then(|r| r.status.as_deref()));
        let payment_status = present(body.payment.status.as_deref());
        if refund_status.is_none() && payment_status.is_none() {
            return Err(sent.not_an_answer(
                "not an Akulaku refund answer: no refund.status or payment.status",
            ));
        }
        check_refs(
            &sent,
            &body.order,
            &body.payment,
            &req.invoice_number,
            req.merchant_reference.as_deref(),
        )?;
        check_same(
            &sent,
            "refund.merchant_unique_reference",
            body.refund
                .as_ref()
                .and_then(|r| r.merchant_unique_reference.as_deref()),
            &req.refund_reference,
        )?;
        let raw = sent.raw_json();
        let body = sent.body;
        let refund = body.refund.unwrap_or_default();
        Ok(Refund {
            channel: DESCRIPTOR.id.to_owned(),
            request_id: sent.request_id,
            replayed: sent.replayed,
            invoice_number: body
                .order
                .invoice_number
                .unwrap_or_else(|| req.invoice_number.clone()),
            amount: body.order.amount,
            payment_status: status_of(body.payment.status.as_deref()),
            refund_status: op_status_of(refund.status.as_deref()),
            refund_reference: refund
                .merchant_unique_reference
                .or_else(|| Some(req.refund_reference.clone())),
            date: refund
                .date
                .as_deref()
                .and_then(doku_core::clock::parse_doku_datetime)
                .or_else(|| body.payment.parsed_date()),
            message: body.error.and_then(|e| e.message),
            identifiers: refund.identifier,
            raw,
        })
    }
}

/// A value that is present and not blank.
fn present(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.trim().is_empty())
}

/// The error for a generate-order answer without its success shape: `fields` lists what was
/// looked for and whether it was there.
fn not_a_generate_order_answer<T>(sent: &Sent<T>, fields: &[(&str, bool)]) -> Error {
    let missing: Vec<&str> = fields
        .iter()
        .filter(|(_, there)| !there)
        .map(|(field, _)| *field)
        .collect();
    sent.not_an_answer(format!(
        "not an Akulaku generate-order answer: no {}",
        missing.join(", ")
    ))
}

/// [`Sent::contradicts`] when the answer's `field` is present and differs from `requested`.
fn check_same<T>(
    sent: &Sent<T>,
    field: &str,
    answered: Option<&str>,
    requested: &str,
) -> Result<(), Error> {
    match answered {
        Some(a) if a != requested => {
            Err(sent.contradicts(format!("{field} `{a}` != requested `{requested}`")))
        }
        _ => Ok(()),
    }
}

/// The invoice number and payment reference of a cancel or refund answer, when present, are
/// the request's.
fn check_refs<T>(
    sent: &Sent<T>,
    order: &wire::ResponseOrder,
    payment: &wire::PaymentState,
    invoice_number: &str,
    merchant_reference: Option<&str>,
) -> Result<(), Error> {
    check_same(
        sent,
        "order.invoice_number",
        order.invoice_number.as_deref(),
        invoice_number,
    )?;
    if let Some(reference) = merchant_reference {
        check_same(
            sent,
            "payment.merchant_unique_reference",
            payment.merchant_unique_reference.as_deref(),
            reference,
        )?;
    }
    Ok(())
}

/// The identifier `name` of a payment, such as [`wire::ORDER_ID`].
pub fn payment_identifier<'a>(payment: &'a Payment, name: &str) -> Option<&'a str> {
    identifier(&payment.identifiers, name)
}

impl PaymentChannel for Akulaku {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &DESCRIPTOR
    }

    fn create(&self, req: &PaymentRequest, _: &Merchant) -> Result<Call<Payment>, Error> {
        let wire = Self::to_wire(req)?;
        let asked = req.clone();
        let call = Call::new(
            DESCRIPTOR.require(Operation::Create)?,
            req.request_id.as_ref(),
            &wire,
            move |sent| Self::from_wire(&asked, sent.decode()?),
        )?;
        Ok(call.salvage_redirect(Self::redirect_in))
    }

    fn cancel(&self, req: &CancelRequest, _: &Merchant) -> Result<Call<Cancellation>, Error> {
        let wire = Self::cancel_to_wire(req)?;
        let asked = req.clone();
        Call::new(
            DESCRIPTOR.require(Operation::Cancel)?,
            req.request_id.as_ref(),
            &wire,
            move |sent| Self::cancellation_from_wire(&asked, sent.decode()?),
        )
    }

    fn refund(&self, req: &RefundRequest, _: &Merchant) -> Result<Call<Refund>, Error> {
        let wire = Self::refund_to_wire(req)?;
        let asked = req.clone();
        Call::new(
            DESCRIPTOR.require(Operation::Refund)?,
            req.request_id.as_ref(),
            &wire,
            move |sent| Self::refund_from_wire(&asked, sent.decode()?),
        )
    }

    fn wire_schemas(&self) -> Vec<(&'static str, schemars::Schema)> {
        vec![
            (
                "GenerateOrderRequest",
                schemars::schema_for!(wire::GenerateOrderRequest),
            ),
            (
                "GenerateOrderResponse",
                schemars::schema_for!(wire::GenerateOrderResponse),
            ),
            ("CancelRequest", schemars::schema_for!(wire::CancelRequest)),
            (
                "CancelResponse",
                schemars::schema_for!(wire::CancelResponse),
            ),
            ("RefundRequest", schemars::schema_for!(wire::RefundRequest)),
            (
                "RefundResponse",
                schemars::schema_for!(wire::RefundResponse),
            ),
        ]
    }
}
