//! Indodana in the local DOKU simulator (feature `sim`): the request rules
//! ([`CREATE_RULES`], the table the client checks too) over the raw request, and an answer
//! shaped like Akulaku's generate-order answer (Indodana's is not published), pointing at the
//! simulator's payment page.
//!
//! The simulator core does the rest (signatures, idempotency, order state, Check Status,
//! notifications with `channel.id` `PEER_TO_PEER_INDODANA`, faults). Registered through
//! `inventory`, so `doku_pay_sim::SimulatorBuilder::registered_channels` picks it up.

use doku_pay_core::ChannelDescriptor;
use doku_pay_sim::rules::{self, text_at, whole_at};
use doku_pay_sim::{
    ChannelSamples, CustomerAction, JsonSamples, NewOrder, OrderView, Rejection, SimChannel,
    SimRegistration, SimRequest,
};
use serde_json::{Value, json};

use crate::wire::CREATE_RULES;

/// Indodana's simulator plugin.
#[derive(Clone, Copy, Debug, Default)]
pub struct IndodanaSim;

doku_pay_sim::inventory::submit! {
    SimRegistration::new(|| Box::new(IndodanaSim))
}

impl SimChannel for IndodanaSim {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &crate::DESCRIPTOR
    }

    fn samples(&self) -> Option<&'static dyn ChannelSamples> {
        Some(&SAMPLES)
    }

    fn decode_create(&self, request: &SimRequest<'_>) -> Result<NewOrder, Rejection> {
        let body = rules::check(request.body(), &CREATE_RULES)?;
        let text = |path| text_at(&body, path).map(str::to_owned);
        Ok(NewOrder {
            invoice_number: text("order.invoice_number").unwrap_or_default(),
            amount: whole_at(&body, "order.amount").unwrap_or_default(),
            override_notification_url: text("additional_info.override_notification_url"),
            ..NewOrder::default()
        })
    }

    fn create_response(&self, o: &OrderView<'_>) -> Value {
        json!({
            "order": {"invoice_number": o.invoice_number, "amount": o.amount},
            "payment": {
                "status": "PENDING",
                "url": o.payment_url(),
                "identifier": [{"name": "ORDER_ID", "value": o.order_id.to_string()}]
            }
        })
    }
}

/// Indodana's sample for `doku demo` and the end-to-end suite: the crate's unified fixture,
/// DOKU's sample line item (its invoice number replaced per run); the customer pays after the
/// redirect.
pub static SAMPLES: JsonSamples = JsonSamples {
    payment: include_str!("../tests/fixtures/unified-request.json"),
    customer: CustomerAction::PaysAfterRedirect,
};
