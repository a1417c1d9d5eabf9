//! Akulaku in the local DOKU simulator (feature `sim`).
//!
//! [`AkulakuSim`] decodes and validates generate-order, cancel and refund bodies with this
//! crate's [`wire`](crate::wire) model (so the simulator rejects a broken request even when a
//! client skipped its own validation), answers like the guide's samples (identifiers
//! `ORDER_ID` and `AKULAKU_UNIQUE_REFERENCE`), and adds `peer_to_peer_info` to notifications
//! and Check Status answers. It registers itself with the simulator through `inventory`.

use doku_core::ChannelDescriptor;
use doku_core::clock::format_timestamp;
use doku_sim::{
    CancelOrder, NewOrder, OrderView, RefundOrder, Rejection, SimChannel, SimRegistration,
    decode_with,
};
use serde_json::{Map, Value, json};

use crate::wire::{
    AKULAKU_UNIQUE_REFERENCE, CancelRequest, GenerateOrderRequest, ORDER_ID, RefundRequest,
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

impl SimChannel for AkulakuSim {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &crate::DESCRIPTOR
    }

    fn decode_create(&self, body: &[u8]) -> Result<NewOrder, Rejection> {
        let req = decode_with(body, GenerateOrderRequest::validate)?;
        Ok(NewOrder {
            invoice_number: req.order.invoice_number,
            amount: req.order.amount.map_or(0, |a| a.rupiah()),
            merchant_reference: Some(req.payment.merchant_unique_reference),
            override_notification_url: None,
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

    fn decode_cancel(&self, body: &[u8]) -> Result<CancelOrder, Rejection> {
        let req = decode_with(body, CancelRequest::validate)?;
        Ok(CancelOrder {
            invoice_number: req.order.invoice_number,
            merchant_reference: Some(req.payment.merchant_unique_reference),
        })
    }

    fn cancel_response(&self, o: &OrderView<'_>) -> Value {
        let date = format_timestamp(o.updated_at);
        json!({
            "order": order(o),
            "payment": {
                "status": "CANCELLED",
                "date": date,
                "merchant_unique_reference": o.merchant_reference,
                "identifier": identifiers(o),
            },
            "cancel": {"status": "SUCCESS", "date": date}
        })
    }

    fn decode_refund(&self, body: &[u8]) -> Result<RefundOrder, Rejection> {
        let req = decode_with(body, RefundRequest::validate)?;
        Ok(RefundOrder {
            invoice_number: req.order.invoice_number,
            merchant_reference: Some(req.payment.merchant_unique_reference),
            refund_reference: req.refund.merchant_unique_reference,
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

    fn channel_objects(&self, o: &OrderView<'_>) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            "peer_to_peer_info".into(),
            json!({
                "merchant_unique_reference": o.merchant_reference,
                "identifier": identifiers(o),
            }),
        );
        m
    }
}
