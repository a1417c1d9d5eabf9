//! Akulaku in the local DOKU simulator (feature `sim`).
//!
//! [`AkulakuSim`] checks generate-order, cancel and refund bodies against Akulaku's guide,
//! written once below as data ([`GENERATE_ORDER_RULES`], [`CANCEL_RULES`], [`REFUND_RULES`]),
//! and not with this crate's [`wire`](crate::wire) validation: the simulator must refuse what
//! the guide forbids and accept what it allows, so that a client stricter (or laxer) than
//! DOKU is caught by the tests. It answers like the guide's samples (identifiers `ORDER_ID`
//! and `AKULAKU_UNIQUE_REFERENCE`); a cancel or refund that cannot be carried out is answered
//! 200 with `cancel.status` / `refund.status` `FAILED` (and `error.message`, as in the
//! guide's cancel sample). The guide documents no Akulaku notification fields, so
//! notifications and Check Status answers carry the documented envelope only. It registers
//! itself with the simulator through `inventory`.

use doku_core::ChannelDescriptor;
use doku_core::clock::format_timestamp;
use doku_sim::rules::{self, CrossRule, FieldRule, Rules, text_at, whole_at};
use doku_sim::{
    CancelOrder, NewOrder, OrderStatus, OrderView, RefundOrder, Rejection, SimChannel,
    SimRegistration, SimRequest,
};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::wire::{AKULAKU_UNIQUE_REFERENCE, ORDER_ID};

/// generate-order's request rules, as the guide's "Request Body Explanation" states them.
pub static GENERATE_ORDER_RULES: Rules = Rules {
    fields: &[
        // "Mandatory ... Max length: 64"
        FieldRule::text("order.invoice_number")
            .required()
            .max_chars(64),
        // "number, Mandatory, In IDR currency and without decimal, numeric, Max length: 12"
        FieldRule::whole_number("order.amount")
            .required()
            .max_digits(12),
        // Every line item field is mandatory and their total must match the amount: the
        // basket is mandatory.
        FieldRule::array("order.line_items").required(),
        FieldRule::text("order.line_items[].name")
            .required()
            .max_chars(255),
        FieldRule::whole_number("order.line_items[].price")
            .required()
            .max_digits(12),
        FieldRule::whole_number("order.line_items[].quantity")
            .required()
            .max_digits(4),
        FieldRule::text("order.line_items[].sku").required(),
        FieldRule::text("order.line_items[].category").required(),
        // "Mandatory ... Allowed chars: alphabetic, numeric, special chars": no URL rule.
        FieldRule::text("order.callback_url").required(),
        FieldRule::text("payment.merchant_unique_reference")
            .required()
            .max_chars(64),
        FieldRule::text("customer.id").required().max_chars(50),
        FieldRule::text("customer.name").required().max_chars(64),
        // "Format: {calling_code}{phone_number}. Example: 6281122334455; numeric; Max 16"
        FieldRule::digits("customer.phone")
            .required()
            .calling_code_first()
            .max_chars(16),
        FieldRule::text("customer.address").max_chars(400),
        // Optional, but "Please send the following object, even if the value is empty."
        FieldRule::text("customer.city").sent().max_chars(64),
        FieldRule::text("customer.state").sent().max_chars(64),
        // Typed "number", sample "120129": digits, as a string or a number.
        FieldRule::digits("customer.postcode").sent().max_chars(64),
    ],
    cross: &[CrossRule::SumEquals {
        items: "order.line_items",
        price: "price",
        quantity: "quantity",
        total: "order.amount",
    }],
};

/// Cancel's request rules. `order.invoice_number` has no Mandatory column in the guide's
/// table ("Same as the generate VA request"); it is required here because it names the order
/// (the sample always sends it). `payment.identifier` is optional, typed `object` while the
/// sample sends an array.
pub static CANCEL_RULES: Rules = Rules {
    fields: &[
        FieldRule::text("order.invoice_number").required(),
        FieldRule::text("payment.merchant_unique_reference").required(),
        FieldRule::array_or_object("payment.identifier"),
    ],
    cross: &[],
};

/// Refund's request rules: all four fields mandatory; `payment.identifier` is a mandatory
/// array (which identifiers it holds is not documented); the refund reference is "new".
/// No length limits are documented for refund.
pub static REFUND_RULES: Rules = Rules {
    fields: &[
        FieldRule::text("order.invoice_number").required(),
        FieldRule::text("payment.merchant_unique_reference").required(),
        FieldRule::array("payment.identifier").required(),
        FieldRule::text("refund.merchant_unique_reference").required(),
    ],
    cross: &[CrossRule::Differs {
        field: "refund.merchant_unique_reference",
        other: "payment.merchant_unique_reference",
        rule: "must be a new reference, not the payment's",
    }],
};

/// Akulaku's simulator plugin.
#[derive(Clone, Copy, Debug, Default)]
pub struct AkulakuSim;

doku_sim::inventory::submit! {
    SimRegistration::new(|| Box::new(AkulakuSim))
}

/// `payment.identifier[]` as the simulator answers it.
fn identifiers(o: &OrderView<'_>) -> Value {
    json!([
        {"name": ORDER_ID, "value": o.order_id.to_string()},
        {"name": AKULAKU_UNIQUE_REFERENCE,
         "value": format!("{}{}", o.client_id, o.merchant_reference.unwrap_or_default())},
    ])
}

fn order(o: &OrderView<'_>) -> Value {
    json!({"invoice_number": o.invoice_number, "amount": o.amount})
}

/// `order` of a failed cancel or refund: the order's when there is one, else the request's
/// invoice number (the amount is unknown).
fn order_or_request(o: Option<&OrderView<'_>>, invoice_number: &str) -> Value {
    o.map_or_else(|| json!({"invoice_number": invoice_number}), order)
}

/// `payment` of a failed cancel or refund: the order's state when there is one, else only
/// the reference the request named (there is no payment to report a status of).
fn payment_state(o: Option<&OrderView<'_>>, status: &str, reference: Option<&str>) -> Value {
    match o {
        Some(o) => json!({
            "status": status,
            // The guide's `payment.date`: the order's expiry (`yyyyMMddHHmmss`, UTC+7).
            "date": expiry_wib(o.created_at),
            "merchant_unique_reference": o.merchant_reference,
            "identifier": identifiers(o),
        }),
        None => json!({"merchant_unique_reference": reference}),
    }
}

fn now() -> String {
    format_timestamp(OffsetDateTime::now_utc())
}

fn owned(body: &Value, path: &str) -> String {
    text_at(body, path).unwrap_or_default().to_owned()
}

impl SimChannel for AkulakuSim {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &crate::DESCRIPTOR
    }

    fn samples(&self) -> Option<&'static dyn doku_sim::ChannelSamples> {
        Some(&crate::samples::AkulakuSamples)
    }

    fn decode_create(&self, request: &SimRequest<'_>) -> Result<NewOrder, Rejection> {
        let req = rules::check(request.body(), &GENERATE_ORDER_RULES)?;
        Ok(NewOrder {
            invoice_number: owned(&req, "order.invoice_number"),
            amount: whole_at(&req, "order.amount").unwrap_or_default(),
            merchant_reference: Some(owned(&req, "payment.merchant_unique_reference")),
            override_notification_url: None,
            synchronous: None,
        })
    }

    fn create_response(&self, o: &OrderView<'_>) -> Value {
        json!({
            "order": order(o),
            "payment": {
                "merchant_unique_reference": o.merchant_reference,
                "url": o.payment_url(),
                "status": "PENDING",
                "identifier": identifiers(o),
            }
        })
    }

    fn decode_cancel(&self, request: &SimRequest<'_>) -> Result<CancelOrder, Rejection> {
        let req = rules::check(request.body(), &CANCEL_RULES)?;
        Ok(CancelOrder {
            invoice_number: owned(&req, "order.invoice_number"),
            merchant_reference: Some(owned(&req, "payment.merchant_unique_reference")),
        })
    }

    fn cancel_response(&self, o: &OrderView<'_>) -> Value {
        let date = format_timestamp(o.updated_at);
        json!({
            "order": order(o),
            "payment": {
                // As in the guide's cancel sample.
                "status": "CANCELLED",
                // The guide's table: the order's expiry, `yyyyMMddHHmmss` in UTC+7.
                "date": expiry_wib(o.created_at),
                "merchant_unique_reference": o.merchant_reference,
                "identifier": identifiers(o),
            },
            "cancel": {"status": "SUCCESS", "date": date}
        })
    }

    /// `cancel.status` `FAILED` beside `error.message`, as the guide's cancel sample carries
    /// `error` beside `cancel`. `payment.status` is the order's: `PENDING`, `SUCCESS` (paid:
    /// "Akulaku approved"), `FAILED` (declined or expired), `CANCELLED` (already cancelled,
    /// the sample's word), `REFUNDED`; absent when there is no such order.
    fn cancel_failed(
        &self,
        request: &CancelOrder,
        o: Option<&OrderView<'_>>,
        message: &str,
    ) -> Value {
        let status = o.map_or("", |o| match o.status {
            OrderStatus::Pending => "PENDING",
            OrderStatus::Paid => "SUCCESS",
            OrderStatus::Failed | OrderStatus::Expired => "FAILED",
            OrderStatus::Cancelled => "CANCELLED",
            OrderStatus::Refunded => "REFUNDED",
        });
        json!({
            "order": order_or_request(o, &request.invoice_number),
            "payment": payment_state(o, status, request.merchant_reference.as_deref()),
            "cancel": {"status": "FAILED", "date": now()},
            "error": {"message": message},
        })
    }

    fn decode_refund(&self, request: &SimRequest<'_>) -> Result<RefundOrder, Rejection> {
        let req = rules::check(request.body(), &REFUND_RULES)?;
        Ok(RefundOrder {
            invoice_number: owned(&req, "order.invoice_number"),
            merchant_reference: Some(owned(&req, "payment.merchant_unique_reference")),
            refund_reference: owned(&req, "refund.merchant_unique_reference"),
        })
    }

    fn refund_response(&self, o: &OrderView<'_>) -> Value {
        let date = format_timestamp(o.updated_at);
        let refund_ref = o.refund_reference.unwrap_or_default();
        json!({
            "order": order(o),
            "payment": {
                "date": format_timestamp(o.created_at),
                "status": "REFUNDED",
                "merchant_unique_reference": o.merchant_reference,
                "identifier": identifiers(o),
            },
            "refund": {
                "date": date,
                "status": "SUCCESS",
                "merchant_unique_reference": refund_ref,
                "identifier": [{"name": AKULAKU_UNIQUE_REFERENCE,
                                "value": format!("REF-{}{}", o.client_id, refund_ref)}],
            }
        })
    }

    /// `refund.status` `FAILED` with `payment.status` from the guide's table: `PENDING`
    /// ("still pending"), `FAILED` ("already failed": declined or expired), `CANCELED`
    /// ("already canceled", the table's spelling), `REFUNDED` (refunded under another
    /// reference); absent when there is no such order (`error.message` `Order Not Found`).
    fn refund_failed(
        &self,
        request: &RefundOrder,
        o: Option<&OrderView<'_>>,
        message: &str,
    ) -> Value {
        let status = o.map_or("", |o| match o.status {
            OrderStatus::Pending => "PENDING",
            OrderStatus::Failed | OrderStatus::Expired => "FAILED",
            OrderStatus::Cancelled => "CANCELED",
            // A paid order is refunded, not refused: only `Refunded` gets here.
            OrderStatus::Paid | OrderStatus::Refunded => "REFUNDED",
        });
        let payment = payment_state(o, status, request.merchant_reference.as_deref());
        json!({
            "order": order_or_request(o, &request.invoice_number),
            "payment": payment,
            "refund": {
                "date": now(),
                "status": "FAILED",
                "merchant_unique_reference": request.refund_reference,
            },
            "error": {"message": message},
        })
    }
}

/// How long an Akulaku order lives in the simulator before it would expire. The guide states
/// no expiry; 24 hours is the simulator's [decision], only used for the cancel answer's
/// `payment.date`.
const ORDER_LIFETIME: time::Duration = time::Duration::hours(24);

/// The order's expiry as the guide's table gives `payment.date`: `yyyyMMddHHmmss`, UTC+7.
fn expiry_wib(created_at: OffsetDateTime) -> String {
    doku_core::clock::format_wib_compact(created_at + ORDER_LIFETIME)
}
