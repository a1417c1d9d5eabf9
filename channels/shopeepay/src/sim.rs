//! ShopeePay in the local DOKU simulator (feature `sim`): the create and refund tables
//! ([`CREATE_RULES`], [`REFUND_RULES`], the tables the client checks too) over the raw
//! request, a create answer carrying the app redirect, notifications carrying
//! `shopeepay_payment.identifier[]` (`PAYMENT_REFERENCE_ID` `REF-{invoice}`, `TRANSACTION_SN`
//! the order id on 15 digits), and a refund that must name the payment's
//! `PAYMENT_REFERENCE_ID` (another one is "Order Not Found").
//!
//! The simulator core does the rest (signatures, idempotency, order state, Check Status,
//! notifications with `channel.id` `EMONEY_SHOPEE_PAY`, faults). Registered through
//! `inventory`.

use doku_pay_core::ChannelDescriptor;
use doku_pay_core::lenient::name_values_from;
use doku_pay_core::model::identifier;
use doku_pay_sim::rules::{self, text_at, whole_at};
use doku_pay_sim::{
    ChannelSamples, CustomerAction, JsonSamples, NewOrder, OrderView, RefundOrder, Rejection,
    SimChannel, SimRegistration, SimRequest,
};
use serde_json::{Map, Value, json};

use crate::wire::{CREATE_RULES, PAYMENT_REFERENCE_ID, REFUND_RULES, TRANSACTION_SN};

/// ShopeePay's simulator plugin.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShopeePaySim;

doku_pay_sim::inventory::submit! {
    SimRegistration::new(|| Box::new(ShopeePaySim))
}

fn order(o: &OrderView<'_>) -> Value {
    json!({"invoice_number": o.invoice_number, "amount": o.amount})
}

impl SimChannel for ShopeePaySim {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &crate::DESCRIPTOR
    }

    fn samples(&self) -> Option<&'static dyn ChannelSamples> {
        Some(&SAMPLES)
    }

    fn decode_create(&self, request: &SimRequest<'_>) -> Result<NewOrder, Rejection> {
        let body = rules::check(request.body(), &CREATE_RULES)?;
        let invoice = text_at(&body, "order.invoice_number").unwrap_or_default();
        Ok(NewOrder {
            invoice_number: invoice.to_owned(),
            amount: whole_at(&body, "order.amount").unwrap_or_default(),
            merchant_reference: Some(format!("REF-{invoice}")),
            ..NewOrder::default()
        })
    }

    fn create_response(&self, o: &OrderView<'_>) -> Value {
        let url = o.payment_url();
        json!({
            "order": order(o),
            "shopeepay_payment": {"redirect_url_http": url, "redirect_url_app": url}
        })
    }

    fn decode_refund(&self, request: &SimRequest<'_>) -> Result<RefundOrder, Rejection> {
        let body = rules::check(request.body(), &REFUND_RULES)?;
        let ids = body
            .pointer("/shopeepay_payment/identifier")
            .map(|v| name_values_from(v, ""))
            .unwrap_or_default();
        let reference = identifier(&ids, PAYMENT_REFERENCE_ID).unwrap_or_default();
        Ok(RefundOrder {
            invoice_number: text_at(&body, "order.invoice_number")
                .unwrap_or_default()
                .to_owned(),
            merchant_reference: Some(reference.to_owned()),
            refund_reference: identifier(&ids, TRANSACTION_SN)
                .unwrap_or_default()
                .to_owned(),
        })
    }

    fn refund_response(&self, o: &OrderView<'_>) -> Value {
        json!({
            "order": order(o),
            "payment": {"status": "REFUNDED"},
            "refund": {"status": "SUCCESS"}
        })
    }

    fn channel_objects(&self, o: &OrderView<'_>) -> Map<String, Value> {
        let ids = json!([
            {"name": PAYMENT_REFERENCE_ID, "value": o.merchant_reference},
            {"name": TRANSACTION_SN, "value": format!("{:015}", o.order_id)},
        ]);
        let mut objects = Map::new();
        objects.insert("shopeepay_payment".into(), json!({"identifier": ids}));
        objects
    }
}

/// ShopeePay's sample for `doku demo` and the end-to-end suite; the refund is built from the
/// notification's identifiers (the samples' default).
pub static SAMPLES: JsonSamples = JsonSamples {
    payment: include_str!("../tests/fixtures/unified-request.json"),
    customer: CustomerAction::PaysAfterRedirect,
};
