//! DOKU's LinkAja e-money channel (`linkaja`, DOKU `channel.id` `EMONEY_LINKAJA`).
//!
//! # Flow
//!
//! 1. [`PaymentChannel::create`] maps the unified [`PaymentRequest`] to
//!    the wire body ([`wire::CREATE_RULES`]), checks every rule below (nothing is sent if one breaks; all
//!    broken rules are reported at once with their wire paths) and posts it to
//!    `POST /linkaja-emoney/v2/ServiceRequestPayment` through the core transport.
//! 2. DOKU answers with `emoney_payment.redirect_method_http`, `redirect_url_http` and the
//!    `redirect_parameter` form fields: the [`Payment`]'s [`NextAction::Redirect`](doku_pay_core::NextAction::Redirect). For a
//!    `POST` redirect, [`redirect_form_html`] renders a self-submitting HTML form, every value
//!    HTML-escaped.
//! 3. The customer pays in LinkAja and returns to `order.callback_url`; the result arrives as
//!    an HTTP notification with `channel.id` `EMONEY_LINKAJA`, mapped by the core envelope
//!    mapping (invoice, amount, status, original Request-Id, raw body).
//!
//! # Capabilities
//!
//! Create only. DOKU documents no cancel and no refund for LinkAja: the [`DESCRIPTOR`] says so
//! (`cancel: false`, `refund: None`) and [`PaymentChannel::cancel`] / [`PaymentChannel::refund`]
//! return [`Error::Unsupported`] without any request. Redirect style: form. Amounts: 1 to
//! [`Amount::MAX`] rupiah (the guide states no other limit).
//!
//! # Mapping
//!
//! | unified | wire |
//! | --- | --- |
//! | `invoice_number`, `amount`, `callback_url` | `order.invoice_number`, `order.amount`, `order.callback_url` |
//! | `line_items[].{name, price, quantity}` | `order.line_items[]` |
//! | `customer.{name, email, phone}` | `customer` (omitted when all three are absent) |
//! | `additional_info` | `additional_info`, passed through |
//! | `notification_url` | `additional_info.override_notification_url` |
//! | `line_items[].{sku, category}`, `customer.{id, address, city, state, postcode, wallet_account}`, `merchant_reference` | no LinkAja field: refused (`not offered by LinkAja`, naming the unified field) rather than silently dropped |
//!
//! # Rules
//!
//! Exactly the guide's table, except where a row says why it is stricter.
//!
//! | field | rule |
//! | --- | --- |
//! | `order.invoice_number` | required |
//! | `order.amount` | required. Stricter on purpose: at least 1 (a zero payment cannot be paid) and at most 12 digits (the framework's one amount type); the guide gives no limit |
//! | `order.callback_url` | required (present): any string, `""` as in the guide's own sample, an app deep link such as `myapp://done` included; the guide gives no format |
//! | `order.line_items` | required, at least one item: the guide marks it mandatory as the basket's names, prices and quantities, which an empty list does not give. The guide's own sample does not sum to its amount and no sum rule is documented, so none is checked |
//! | `order.line_items[i].name`, `.price`, `.quantity` | required: the three things the guide says the basket carries |
//! | `customer.phone` | digits only: the guide types it as a number |
//! | `additional_info.override_notification_url` | absolute http(s) URL (DOKU's notification rule, doku-api.md section 5, not LinkAja's table: DOKU POSTs there); `notification_url` must not contradict it |
//!
//! # Answers
//!
//! Read liberally: only `order.invoice_number`, `order.amount` and `emoney_payment.status`
//! carry the result and are required; every other field is optional, unknown fields are
//! ignored (the raw body is kept), and a minor field in an unexpected shape is read as empty.
//! In particular `emoney_configuration.identifier` and `emoney_payment.redirect_parameter`
//! (the table's `parameter`) are read as an array of `{name, value}` (the sample) or as a
//! string (the table's type; one entry named `TERMINAL_ID`, resp. `Message`, the names the
//! sample uses), and an entry without `value` (as in the guide's own sample) has an empty
//! value. `emoney_payment.status` is compared case-insensitively. It is the status "of the
//! create order request" (the guide: `PENDING` or `SUCCESS`), not of the payment: `SUCCESS`
//! says the order was made, so the payment is pending and the customer is still sent to pay
//! ([`StatusOf::Request`](doku_pay_core::answer::StatusOf::Request)); the notification or
//! Check Status says when it is paid.
//!
//! The response's `order.amount` may be a JSON number or a string such as `"10000.00"`;
//! a fraction of a rupiah is not an amount. An answer without the three result fields, such
//! as DOKU's `{"error": {...}}` or `{}`, is not taken for a payment: a 409 of that kind is
//! [`Error::Doku`] (status 409), anything else [`Error::Undecodable`]. The guide says the
//! answer's invoice number and amount are the request's: an answer naming another invoice or
//! amount is [`Error::Untrusted`] (outcome unknown: ask Check Status). Both errors keep the
//! raw body and the redirect it carries, if any ([`Error::next_action`]), so an order that
//! may exist at DOKU is not lost. Nothing missing from an answer is filled in from the
//! request.
//!
//! # Redirect method
//!
//! `redirect_method_http` is mandatory in the guide. When it is missing or blank, the redirect
//! is a `POST` form: the guide's only sample is `POST` and LinkAja's redirect carries form
//! fields (`redirect_parameter`). It never silently becomes `GET`. Any other value is kept,
//! upper-cased.

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "sim")]
pub mod samples;
#[cfg(feature = "sim")]
pub mod sim;
pub mod wire;

use doku_pay_core::rules::checked_body;
use doku_pay_core::validate::{Violation, Violations, not_offered};
use doku_pay_core::{
    Amount, Call, Capabilities, ChannelDescriptor, ChannelKind, Endpoint, Error, Merchant,
    Operation, Payment, PaymentChannel, PaymentRequest, RedirectStyle, RefundSupport, answer,
};
use serde_json::{Value, json};
use wire::{CREATE_ANSWER, OVERRIDE_NOTIFICATION_URL};

/// The path of LinkAja's create endpoint.
pub const CREATE_PATH: &str = "/linkaja-emoney/v2/ServiceRequestPayment";

/// LinkAja's identity, capabilities and endpoints.
pub static DESCRIPTOR: ChannelDescriptor = ChannelDescriptor {
    id: "linkaja",
    display_name: "LinkAja",
    channel_code: "EMONEY_LINKAJA",
    service_id: "EMONEY",
    acquirer_id: "LINKAJA",
    kind: ChannelKind::Emoney,
    capabilities: Capabilities {
        cancel: false,
        refund: RefundSupport::None,
        redirect: RedirectStyle::Form,
        min_amount: Amount::new_const(1),
        max_amount: Amount::MAX,
    },
    mapping: MAPPING,
    notes: NOTES,
    endpoints: &[Endpoint::post(Operation::Create, CREATE_PATH)],
};

/// The LinkAja channel.
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkAja;

doku_pay_core::register_channel!(DESCRIPTOR, || Box::new(LinkAja));

mod form;
pub use form::{RedirectFormError, redirect_form_html};

/// The flow and the decisions where DOKU's pages are silent, for the generated page.
pub const NOTES: &[&str] = &[
    "The customer is sent to `emoney_payment.redirect_url_http` with `redirect_method_http`; a POST carries `redirect_parameter` as form fields (`doku_pay_linkaja::redirect_form_html` writes the self-submitting form).",
    "A missing `redirect_method_http` is read as POST: the guide's only sample is POST and the redirect carries form parameters.",
    "No sum rule on the line items: the guide's own sample does not add up to its amount.",
    "`emoney_payment.status` is the create order request's status (the guide: `PENDING`, `SUCCESS`): `SUCCESS` means the order was made, so the payment is pending and the redirect kept; only the notification or Check Status says it is paid.",
    "[decision] The amount is at least 1 (a payment of nothing cannot be paid) and at most 12 digits (the framework's one amount type): the guide states no limit.",
];

/// Unified field → wire field: errors name the unified field.
pub const MAPPING: &[(&str, &str)] = &[
    ("invoice_number", "order.invoice_number"),
    ("amount", "order.amount"),
    ("callback_url", "order.callback_url"),
    ("line_items", "order.line_items"),
    ("customer", "customer"),
    ("additional_info", "additional_info"),
    (
        "notification_url",
        "additional_info.override_notification_url",
    ),
];

/// The unified fields LinkAja carries (any other is refused, never dropped).
const OFFERED: &[&str] = &[
    "callback_url",
    "line_items[].name",
    "line_items[].price",
    "line_items[].quantity",
    "customer.name",
    "customer.email",
    "customer.phone",
    "notification_url",
    "additional_info",
];

impl LinkAja {
    /// The wire body for `req`, checked against [`wire::CREATE_RULES`] (every broken rule at
    /// once, named as in the unified request).
    pub fn to_wire(req: &PaymentRequest) -> Result<Value, Violations> {
        let c = &req.customer;
        let mut refused = not_offered(req, OFFERED, "LinkAja");
        let mut info = req.additional_info.clone();
        if let Some(url) = &req.notification_url {
            match info.get(OVERRIDE_NOTIFICATION_URL) {
                Some(Value::String(given)) if given == url => {}
                Some(_) => refused.push(Violation {
                    field: "notification_url".into(),
                    rule: "conflicts with additional_info.override_notification_url".into(),
                }),
                None => {
                    info.insert(OVERRIDE_NOTIFICATION_URL.into(), json!(url));
                }
            }
        }
        let items: Vec<Value> = req
            .line_items
            .iter()
            .map(|i| json!({"name": i.name, "price": i.price, "quantity": i.quantity}))
            .collect();
        let body = json!({
            "order": {
                "invoice_number": req.invoice_number,
                "amount": req.amount,
                "callback_url": req.callback_url,
                "line_items": items,
            },
            "customer": {"name": c.name, "email": c.email, "phone": c.phone},
            "additional_info": info,
        });
        checked_body(body, &wire::CREATE_RULES, refused, MAPPING)
    }
}

impl PaymentChannel for LinkAja {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &DESCRIPTOR
    }

    fn create(&self, req: &PaymentRequest, _: &Merchant) -> Result<Call<Payment>, Error> {
        answer::create(&DESCRIPTOR, &CREATE_ANSWER, req, Self::to_wire(req))
    }

    fn wire_models(&self) -> Option<&'static doku_pay_core::WireModels> {
        Some(&wire::WIRE)
    }
}
