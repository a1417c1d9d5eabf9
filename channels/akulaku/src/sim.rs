//! Akulaku in the local DOKU simulator (feature `sim`).
//!
//! [`AkulakuSim`] checks generate-order, cancel and refund bodies against Akulaku's guide
//! tables, the same data the client checks before sending ([`GENERATE_ORDER_RULES`],
//! [`CANCEL_RULES`], [`REFUND_RULES`]), over the raw request: a body no client of this
//! library would build is refused for the guide's reasons. It answers like the guide's samples (identifiers `ORDER_ID`
//! and `AKULAKU_UNIQUE_REFERENCE`); a cancel or refund that cannot be carried out is answered
//! 200 with `cancel.status` / `refund.status` `FAILED` (and `error.message`, as in the
//! guide's cancel sample). Notifications and Check Status answers carry the envelope and
//! what DOKU's paylater notification sample adds (`payment`, `peer_to_peer_info`). It
//! registers itself with the simulator through `inventory`.

use doku_pay_core::ChannelDescriptor;
use doku_pay_core::clock::format_timestamp;
use doku_pay_sim::rules::{self, text_at, whole_at};
use doku_pay_sim::{
    CancelOrder, NewOrder, OrderStatus, OrderView, RefundOrder, Rejection, SimChannel,
    SimRegistration, SimRequest,
};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::wire::{
    AKULAKU_UNIQUE_REFERENCE, CANCEL_RULES, GENERATE_ORDER_RULES, ORDER_ID, REFUND_RULES,
};

/// Akulaku's simulator plugin.
#[derive(Clone, Copy, Debug, Default)]
pub struct AkulakuSim;

doku_pay_sim::inventory::submit! {
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

/// The order's `payment.status` in a failed cancel or refund answer: the guide's words, which
/// differ between the two tables for a paid and a cancelled order; `""` without an order.
fn status_word(
    o: Option<&OrderView<'_>>,
    paid: &'static str,
    cancelled: &'static str,
) -> &'static str {
    o.map_or("", |o| match o.status {
        OrderStatus::Pending => "PENDING",
        OrderStatus::Paid => paid,
        OrderStatus::Failed | OrderStatus::Expired => "FAILED",
        OrderStatus::Cancelled => cancelled,
        OrderStatus::Refunded => "REFUNDED",
    })
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

    fn samples(&self) -> Option<&'static dyn doku_pay_sim::ChannelSamples> {
        Some(&crate::samples::SAMPLES)
    }

    /// DOKU's paylater notification sample (doku-channels.md, S-AKN): `payment`'s
    /// `merchant_unique_reference` (mandatory in its table) and `peer_to_peer_info` (in the
    /// sample, with no rows): its `merchant_unique_reference`, `identifier[]` as the create
    /// answer gave them, `created_date` and `expired_date` (`yyyyMMddHHmmss`, UTC+7 as
    /// Akulaku's other dates). The sample's `virtual_account_number` and `status` are left
    /// out: nothing says what they hold.
    fn channel_objects(&self, o: &OrderView<'_>) -> Map<String, Value> {
        let mut objects = Map::new();
        objects.insert(
            "payment".into(),
            json!({"merchant_unique_reference": o.merchant_reference}),
        );
        objects.insert(
            "peer_to_peer_info".into(),
            json!({
                "merchant_unique_reference": o.merchant_reference,
                "identifier": identifiers(o),
                "created_date": doku_pay_core::clock::format_wib_compact(o.created_at),
                "expired_date": expiry_wib(o.created_at),
            }),
        );
        objects
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
        json!({
            "order": order(o),
            // `CANCELLED` as in the guide's cancel sample.
            "payment": payment_state(Some(o), "CANCELLED", None),
            "cancel": {"status": "SUCCESS", "date": format_timestamp(o.updated_at)}
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
        let status = status_word(o, "SUCCESS", "CANCELLED");
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
            "payment": payment_state(Some(o), "REFUNDED", None),
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
        // A paid order is refunded, not refused: only `Refunded` gets here.
        let status = status_word(o, "REFUNDED", "CANCELED");
        json!({
            "order": order_or_request(o, &request.invoice_number),
            "payment": payment_state(o, status, request.merchant_reference.as_deref()),
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
/// no expiry; 24 hours is the simulator's [decision], only used for the dates it reports (the
/// cancel answer's `payment.date`, the notification's `peer_to_peer_info.expired_date`).
const ORDER_LIFETIME: time::Duration = time::Duration::hours(24);

/// The order's expiry as the guide's table gives `payment.date`: `yyyyMMddHHmmss`, UTC+7.
fn expiry_wib(created_at: OffsetDateTime) -> String {
    doku_pay_core::clock::format_wib_compact(created_at + ORDER_LIFETIME)
}
