//! DOKU e-Wallet in the local DOKU simulator (feature `sim`): the guide's request rules
//! ([`CREATE_RULES`], the table the client checks too) over the raw request,
//! and an answer shaped like DOKU's sample, pointing at the simulator's payment page.
//!
//! The simulator core does the rest (signatures, idempotency, order state, Check Status,
//! notifications with `channel.id` `EMONEY_DOKU`, faults). Registered through `inventory`, so
//! `doku_pay_sim::SimulatorBuilder::registered_channels` picks it up.

use doku_pay_core::ChannelDescriptor;
use doku_pay_sim::rules::{self, text_at, whole_at};
use doku_pay_sim::{
    ChannelSamples, CustomerAction, JsonSamples, NewOrder, OrderView, Rejection, SimChannel,
    SimRegistration, SimRequest,
};
use serde_json::{Value, json};

use crate::wire::CREATE_RULES;

/// DOKU e-Wallet's simulator plugin.
#[derive(Clone, Copy, Debug, Default)]
pub struct DokuWalletSim;

doku_pay_sim::inventory::submit! {
    SimRegistration::new(|| Box::new(DokuWalletSim))
}

impl SimChannel for DokuWalletSim {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &crate::DESCRIPTOR
    }

    fn samples(&self) -> Option<&'static dyn ChannelSamples> {
        Some(&SAMPLES)
    }

    fn decode_create(&self, request: &SimRequest<'_>) -> Result<NewOrder, Rejection> {
        let body = rules::check(request.body(), &CREATE_RULES)?;
        Ok(NewOrder {
            invoice_number: text_at(&body, "order.invoice_number")
                .unwrap_or_default()
                .to_owned(),
            amount: whole_at(&body, "order.amount").unwrap_or_default(),
            override_notification_url: text_at(&body, "order.notify_url").map(str::to_owned),
            ..NewOrder::default()
        })
    }

    fn create_response(&self, o: &OrderView<'_>) -> Value {
        // What DOKU's sample shows (the order echoed), then the page's `payment.url`; no
        // status, which the client reads as pending.
        json!({
            "order": {"invoice_number": o.invoice_number, "amount": o.amount},
            "payment": {
                "url": o.payment_url(),
                "identifier": [{"name": "ORDER_ID", "value": o.order_id.to_string()}]
            }
        })
    }
}

/// DOKU e-Wallet's sample for `doku demo` and the end-to-end suite: the crate's unified fixture
/// (its invoice number replaced per run);
/// the customer pays after the redirect. Write a `ChannelSamples` impl instead once the channel
/// offers cancel or refund.
pub static SAMPLES: JsonSamples = JsonSamples {
    payment: include_str!("../tests/fixtures/unified-request.json"),
    customer: CustomerAction::PaysAfterRedirect,
};
