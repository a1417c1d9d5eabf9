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
//! | `notification_url`, `additional_info` | not offered by Akulaku's generate-order: refused (`not offered by Akulaku`) rather than silently dropped |
//!
//! # Rules (doku-api.md 4.2)
//!
//! | field | rule |
//! | --- | --- |
//! | `order.invoice_number` | required, max 64 characters |
//! | `order.amount` | required, at least 1, max 12 digits |
//! | `order.line_items` | required; price x quantity must sum to `order.amount` |
//! | `order.line_items[i].name` | required, max 255 characters |
//! | `order.line_items[i].price` | required, max 12 digits |
//! | `order.line_items[i].quantity` | required, max 4 digits |
//! | `order.line_items[i].sku`, `.category` | required |
//! | `order.callback_url` | required, absolute http(s) URL |
//! | `payment.merchant_unique_reference` | required, max 64 characters |
//! | `customer.id` | required, max 50 characters |
//! | `customer.name` | required, max 64 characters |
//! | `customer.phone` | required, digits only, max 16 characters |
//! | `customer.address` | max 400 characters |
//! | `customer.city`, `customer.state` | max 64 characters, `""` when empty |
//! | `customer.postcode` | digits only, max 64 characters, a string, `""` when empty |
//! | cancel: `order.invoice_number`, `payment.merchant_unique_reference` | required, max 64 characters |
//! | refund: the same, `payment.identifier` | required (what create returned) |
//! | refund: `refund.merchant_unique_reference` | required, max 64, a new reference (not the payment's) |
//!
//! # Statuses
//!
//! Create: `payment.status` `PENDING` / `FAILED`. Cancel: `payment.status` (such as
//! `CANCELLED`) and `cancel.status` `SUCCESS` / `FAILED`, plus `error.message` when DOKU sends
//! one. Refund: `payment.status` `REFUNDED` / `FAILED` / `CANCELED` / `PENDING` and
//! `refund.status` `SUCCESS` / `FAILED`. Dates (`payment.date`, `cancel.date`, `refund.date`)
//! are read as ISO-8601 or as `yyyyMMddHHmmss` in UTC+7.

#[cfg(feature = "sim")]
pub mod sim;
pub mod wire;

use async_trait::async_trait;
use doku_core::model::identifier;
use doku_core::validate::{Violation, Violations};
use doku_core::{
    Amount, Api, CancelRequest, Cancellation, Capabilities, ChannelDescriptor, ChannelKind,
    Endpoint, Error, NextAction, Operation, OperationStatus, Payment, PaymentChannel,
    PaymentRequest, PaymentStatus, RedirectStyle, Refund, RefundAmount, RefundRequest,
    RefundSupport, Sent,
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
    endpoints: &[
        Endpoint {
            operation: Operation::Create,
            method: "POST",
            path: CREATE_PATH,
        },
        Endpoint {
            operation: Operation::Cancel,
            method: "POST",
            path: CANCEL_PATH,
        },
        Endpoint {
            operation: Operation::Refund,
            method: "POST",
            path: REFUND_PATH,
        },
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
    mut extra: Vec<Violation>,
    checked: Result<(), Violations>,
) -> Result<T, Violations> {
    if let Err(Violations(v)) = checked {
        extra.extend(v);
    }
    if extra.is_empty() {
        Ok(wire)
    } else {
        Err(Violations(extra))
    }
}

fn status_of(s: Option<&str>) -> PaymentStatus {
    s.map(PaymentStatus::from_doku)
        .unwrap_or_else(|| PaymentStatus::Unknown(String::new()))
}

fn op_status_of(s: Option<&str>) -> OperationStatus {
    s.map(OperationStatus::from_doku)
        .unwrap_or_else(|| OperationStatus::Unknown(String::new()))
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
                callback_url: req.callback_url.clone(),
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
                merchant_unique_reference: req
                    .merchant_reference
                    .clone()
                    .unwrap_or_else(|| req.invoice_number.clone()),
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
                merchant_unique_reference: req
                    .merchant_reference
                    .clone()
                    .unwrap_or_else(|| req.invoice_number.clone()),
                identifier: req.identifiers.clone(),
            },
            refund: wire::RefundRef {
                merchant_unique_reference: req.refund_reference.clone(),
            },
        };
        let checked = wire.validate();
        merged(wire, Vec::new(), checked).map_err(Error::Validation)
    }

    /// Maps the generate-order answer to the unified [`Payment`].
    pub fn from_wire(req: &PaymentRequest, sent: Sent<wire::GenerateOrderResponse>) -> Payment {
        let raw = sent.raw_json();
        let wire::GenerateOrderResponse { order, payment } = sent.body;
        let status = status_of(payment.status.as_deref());
        let next_action = match (&status, payment.url) {
            (PaymentStatus::Pending, Some(url)) if !url.trim().is_empty() => {
                Some(NextAction::Redirect {
                    method: "GET".to_owned(),
                    url,
                    form_fields: Vec::new(),
                })
            }
            _ => None,
        };
        Payment {
            channel: DESCRIPTOR.id.to_owned(),
            request_id: sent.request_id,
            replayed: sent.replayed,
            invoice_number: order
                .invoice_number
                .unwrap_or_else(|| req.invoice_number.clone()),
            amount: order.amount.unwrap_or(req.amount),
            status,
            merchant_reference: Some(payment.merchant_unique_reference.unwrap_or_else(|| {
                req.merchant_reference
                    .clone()
                    .unwrap_or_else(|| req.invoice_number.clone())
            })),
            next_action,
            identifiers: payment.identifier,
            raw,
        }
    }

    /// Maps the cancel answer to the unified [`Cancellation`].
    pub fn cancellation_from_wire(
        req: &CancelRequest,
        sent: Sent<wire::CancelResponse>,
    ) -> Cancellation {
        let raw = sent.raw_json();
        let body = sent.body;
        let cancel = body.cancel.unwrap_or_default();
        Cancellation {
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
                .and_then(doku_core::clock::parse_doku_datetime)
                .or_else(|| body.payment.parsed_date()),
            message: body.error.and_then(|e| e.message),
            identifiers: body.payment.identifier,
            raw,
        }
    }

    /// Maps the refund answer to the unified [`Refund`].
    pub fn refund_from_wire(req: &RefundRequest, sent: Sent<wire::RefundResponse>) -> Refund {
        let raw = sent.raw_json();
        let body = sent.body;
        let refund = body.refund.unwrap_or_default();
        Refund {
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
            identifiers: refund.identifier,
            raw,
        }
    }
}

/// The identifier `name` of a payment, such as [`wire::ORDER_ID`].
pub fn payment_identifier<'a>(payment: &'a Payment, name: &str) -> Option<&'a str> {
    identifier(&payment.identifiers, name)
}

#[async_trait]
impl PaymentChannel for Akulaku {
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

    async fn cancel(&self, api: &Api, req: &CancelRequest) -> Result<Cancellation, Error> {
        let endpoint = DESCRIPTOR.require(Operation::Cancel)?;
        let wire = Self::cancel_to_wire(req)?;
        let sent = api
            .post(endpoint.path, &wire, req.request_id.as_ref())
            .await?;
        Ok(Self::cancellation_from_wire(req, sent))
    }

    async fn refund(&self, api: &Api, req: &RefundRequest) -> Result<Refund, Error> {
        let endpoint = DESCRIPTOR.require(Operation::Refund)?;
        let wire = Self::refund_to_wire(req)?;
        let sent = api
            .post(endpoint.path, &wire, req.request_id.as_ref())
            .await?;
        Ok(Self::refund_from_wire(req, sent))
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
