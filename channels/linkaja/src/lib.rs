//! DOKU's LinkAja e-money channel (`linkaja`, DOKU `channel.id` `EMONEY_LINKAJA`).
//!
//! # Flow
//!
//! 1. [`PaymentChannel::create`] maps the unified [`PaymentRequest`] to
//!    [`wire::PaymentRequest`], checks every rule below (nothing is sent if one breaks; all
//!    broken rules are reported at once with their wire paths) and posts it to
//!    `POST /linkaja-emoney/v2/ServiceRequestPayment` through the core transport.
//! 2. DOKU answers with `emoney_payment.redirect_method_http`, `redirect_url_http` and the
//!    `redirect_parameter` form fields: the [`Payment`]'s [`NextAction::Redirect`]. For a
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
//! value. `emoney_payment.status` is compared case-insensitively.
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

#[cfg(feature = "sim")]
pub mod samples;
#[cfg(feature = "sim")]
pub mod sim;
pub mod wire;

use doku_core::validate::{self, Violation, Violations};
use doku_core::{
    Amount, Call, Capabilities, ChannelDescriptor, ChannelKind, Endpoint, Error, Merchant,
    NextAction, Operation, Payment, PaymentChannel, PaymentRequest, RedirectStyle, RefundSupport,
    Sent, lenient,
};
use serde_json::Value;

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
        min_amount: 1,
        max_amount: Amount::MAX.rupiah(),
    },
    mapping: MAPPING,
    notes: NOTES,
    endpoints: &[Endpoint::post(Operation::Create, CREATE_PATH)],
};

/// The LinkAja channel.
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkAja;

doku_core::register_channel!(DESCRIPTOR, || Box::new(LinkAja));

mod form;
pub use form::{RedirectFormError, redirect_form_html};

/// The flow and the decisions where DOKU's pages are silent, for the generated page.
pub const NOTES: &[&str] = &[
    "The customer is sent to `emoney_payment.redirect_url_http` with `redirect_method_http`; a POST carries `redirect_parameter` as form fields (`doku_linkaja::redirect_form_html` writes the self-submitting form).",
    "A missing `redirect_method_http` is read as POST: the guide's only sample is POST and the redirect carries form parameters.",
    "No sum rule on the line items: the guide's own sample does not add up to its amount.",
];

/// Unified field → wire field: errors name the unified field.
pub const MAPPING: &[(&str, &str)] = &[
    ("invoice_number", "order.invoice_number"),
    ("amount", "order.amount"),
    ("callback_url", "order.callback_url"),
    ("line_items", "order.line_items"),
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
    /// Maps a unified request to the wire request and checks every rule; all broken rules
    /// are reported at once.
    pub fn to_wire(req: &PaymentRequest) -> Result<wire::PaymentRequest, Violations> {
        let c = &req.customer;
        let mut extra = validate::not_offered(req, OFFERED, "LinkAja");
        let customer =
            (c.name.is_some() || c.email.is_some() || c.phone.is_some()).then(|| wire::Customer {
                name: c.name.clone(),
                email: c.email.clone(),
                phone: c.phone.clone(),
            });
        let mut info = req.additional_info.clone();
        if let Some(url) = &req.notification_url {
            match info.get(wire::OVERRIDE_NOTIFICATION_URL) {
                Some(Value::String(given)) if given == url => {}
                Some(_) => extra.push(Violation {
                    field: "notification_url".into(),
                    rule: "conflicts with additional_info.override_notification_url".into(),
                }),
                None => {
                    info.insert(
                        wire::OVERRIDE_NOTIFICATION_URL.to_owned(),
                        Value::String(url.clone()),
                    );
                }
            }
        }
        let wire = wire::PaymentRequest {
            order: wire::Order {
                invoice_number: req.invoice_number.clone(),
                amount: Some(req.amount),
                callback_url: req.callback_url.clone(),
                line_items: req
                    .line_items
                    .iter()
                    .map(|i| wire::LineItem {
                        name: i.name.clone(),
                        price: Some(i.price),
                        quantity: Some(u64::from(i.quantity)),
                    })
                    .collect(),
            },
            customer,
            additional_info: (!info.is_empty()).then_some(info),
        };
        validate::finish_mapped(extra, wire.validate(), MAPPING).map(|()| wire)
    }

    /// Maps DOKU's answer to the unified [`Payment`] after checking it: `order.invoice_number`,
    /// `order.amount` and `emoney_payment.status` must be present ([`Sent::not_an_answer`]
    /// otherwise) and the invoice number and amount must be the request's
    /// ([`Sent::contradicts`] otherwise).
    pub fn from_wire(
        req: &PaymentRequest,
        sent: Sent<wire::PaymentResponse>,
    ) -> Result<Payment, Error> {
        let order = &sent.body.order;
        let status = sent
            .body
            .emoney_payment
            .status
            .as_deref()
            .filter(|s| !s.trim().is_empty());
        let (invoice_number, amount, status) = match (&order.invoice_number, order.amount, status) {
            (Some(invoice), Some(amount), Some(status)) if !invoice.trim().is_empty() => {
                (invoice.clone(), amount, lenient::payment_status(status))
            }
            (invoice, amount, status) => {
                let missing: Vec<&str> = [
                    (
                        "order.invoice_number",
                        invoice.as_deref().is_some_and(|i| !i.trim().is_empty()),
                    ),
                    ("order.amount", amount.is_some()),
                    ("emoney_payment.status", status.is_some()),
                ]
                .into_iter()
                .filter(|(_, present)| !present)
                .map(|(field, _)| field)
                .collect();
                return Err(sent.not_an_answer(format!(
                    "not a LinkAja payment answer: no {}",
                    missing.join(", ")
                )));
            }
        };
        sent.check_echo(
            (Some(&invoice_number), Some(amount)),
            (&req.invoice_number, req.amount),
        )?;
        let raw = sent.raw_json();
        let body = sent.body;
        let next_action = next_action_of(body.emoney_payment);
        Ok(Payment {
            channel: DESCRIPTOR.id.to_owned(),
            request_id: sent.request_id,
            replayed: sent.replayed,
            invoice_number,
            amount,
            status,
            merchant_reference: None,
            next_action,
            identifiers: body.emoney_configuration.identifier,
            raw,
        })
    }

    /// The redirect an answer's raw body carries (`emoney_payment`), read liberally whatever
    /// the rest of the body holds: what an [`Error::Untrusted`] or [`Error::Undecodable`]
    /// create answer keeps for the caller.
    pub fn redirect_in(raw: &str) -> Option<NextAction> {
        let body: Value = serde_json::from_str(raw).ok()?;
        let ep: wire::EmoneyPayment =
            serde_json::from_value(body.get("emoney_payment")?.clone()).ok()?;
        next_action_of(ep)
    }
}

/// The redirect of `emoney_payment`: none without a `redirect_url_http`. A missing or blank
/// `redirect_method_http` is `POST` (the guide's only sample, and LinkAja's redirect is a
/// form carrying `redirect_parameter`); it never silently becomes `GET`.
fn next_action_of(ep: wire::EmoneyPayment) -> Option<NextAction> {
    let url = ep.redirect_url_http.filter(|u| !u.trim().is_empty())?;
    Some(NextAction::Redirect {
        method: ep
            .redirect_method_http
            .map(|m| m.trim().to_ascii_uppercase())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "POST".to_owned()),
        url,
        form_fields: ep.redirect_parameter,
    })
}

impl PaymentChannel for LinkAja {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &DESCRIPTOR
    }

    fn create(&self, req: &PaymentRequest, _: &Merchant) -> Result<Call<Payment>, Error> {
        let wire = Self::to_wire(req)?;
        let endpoint = DESCRIPTOR.require(Operation::Create)?;
        let asked = req.clone();
        Call::new(endpoint, req.request_id.as_ref(), &wire, move |sent| {
            Self::from_wire(&asked, sent.decode()?)
        })
        .map(|call| call.salvage_redirect(Self::redirect_in))
    }

    fn wire_schemas(&self) -> Vec<(&'static str, schemars::Schema)> {
        vec![
            (
                "PaymentRequest",
                schemars::schema_for!(wire::PaymentRequest),
            ),
            (
                "PaymentResponse",
                schemars::schema_for!(wire::PaymentResponse),
            ),
        ]
    }
}
