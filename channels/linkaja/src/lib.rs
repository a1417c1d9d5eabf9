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
//! | `line_items[].{name, price, quantity}` | `order.line_items[]` (`sku` and `category` are not sent) |
//! | `customer.{name, email, phone}` | `customer` (omitted when all three are absent) |
//! | `additional_info` | `additional_info`, passed through |
//! | `notification_url` | `additional_info.override_notification_url` |
//!
//! # Rules
//!
//! | field | rule |
//! | --- | --- |
//! | `order.invoice_number` | required |
//! | `order.amount` | required, at least 1 (at most 12 digits by type) |
//! | `order.callback_url` | required, absolute http(s) URL |
//! | `order.line_items` | required, at least one item: the guide marks it mandatory. The guide's own sample does not sum to its amount and no sum rule is documented, so none is checked |
//! | `order.line_items[i].name`, `.price`, `.quantity` | required |
//! | `customer.phone` | digits only |
//! | `additional_info.override_notification_url` | absolute http(s) URL; `notification_url` must not contradict it |
//!
//! The response's `order.amount` may be a JSON number or a string such as `"10000.00"`;
//! a fraction of a rupiah is refused.

#[cfg(feature = "sim")]
pub mod sim;
pub mod wire;

use async_trait::async_trait;
use doku_core::validate::{Violation, Violations};
use doku_core::{
    Amount, Api, Capabilities, ChannelDescriptor, ChannelKind, Endpoint, Error, Identifier,
    NextAction, Operation, Payment, PaymentChannel, PaymentRequest, PaymentStatus, RedirectStyle,
    RefundSupport,
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
    endpoints: &[Endpoint {
        operation: Operation::Create,
        method: "POST",
        path: CREATE_PATH,
    }],
};

/// The LinkAja channel.
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkAja;

doku_core::register_channel!(DESCRIPTOR, || Box::new(LinkAja));

mod form;
pub use form::{RedirectFormError, redirect_form_html};

impl LinkAja {
    /// Maps a unified request to the wire request and checks every rule; all broken rules
    /// are reported at once.
    pub fn to_wire(req: &PaymentRequest) -> Result<wire::PaymentRequest, Violations> {
        let mut extra = Vec::new();
        let c = &req.customer;
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
        match (wire.validate(), extra.is_empty()) {
            (Ok(()), true) => Ok(wire),
            (Ok(()), false) => Err(Violations(extra)),
            (Err(Violations(v)), _) => {
                extra.extend(v);
                Err(Violations(extra))
            }
        }
    }

    /// Maps DOKU's answer to the unified [`Payment`]; `req` fills what the answer omits.
    pub fn from_wire(
        req: &PaymentRequest,
        sent: doku_core::Sent<wire::PaymentResponse>,
    ) -> Payment {
        let raw = sent.raw_json();
        let body = sent.body;
        let ep = body.emoney_payment;
        let next_action = ep
            .redirect_url_http
            .filter(|u| !u.trim().is_empty())
            .map(|url| NextAction::Redirect {
                method: ep
                    .redirect_method_http
                    .map(|m| m.trim().to_ascii_uppercase())
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| "GET".to_owned()),
                url,
                form_fields: ep.redirect_parameter.into_iter().map(Into::into).collect(),
            });
        Payment {
            channel: DESCRIPTOR.id.to_owned(),
            request_id: sent.request_id,
            replayed: sent.replayed,
            invoice_number: body
                .order
                .invoice_number
                .unwrap_or_else(|| req.invoice_number.clone()),
            amount: body.order.amount.unwrap_or(req.amount),
            status: ep
                .status
                .as_deref()
                .map(PaymentStatus::from_doku)
                .unwrap_or_else(|| PaymentStatus::Unknown(String::new())),
            merchant_reference: None,
            next_action,
            identifiers: body
                .emoney_configuration
                .identifier
                .into_iter()
                .map(Identifier::from)
                .collect(),
            raw,
        }
    }
}

#[async_trait]
impl PaymentChannel for LinkAja {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &DESCRIPTOR
    }

    fn validate_create(&self, req: &PaymentRequest) -> Result<(), Error> {
        Self::to_wire(req).map(drop).map_err(Error::Validation)
    }

    async fn create(&self, api: &Api, req: &PaymentRequest) -> Result<Payment, Error> {
        let endpoint = DESCRIPTOR.require(Operation::Create)?;
        let wire = Self::to_wire(req)?;
        let sent = api
            .post(endpoint.path, &wire, req.request_id.as_ref())
            .await?;
        Ok(Self::from_wire(req, sent))
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
