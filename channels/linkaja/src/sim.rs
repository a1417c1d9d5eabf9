//! LinkAja in the local DOKU simulator (feature `sim`).
//!
//! [`LinkAjaSim`] checks `POST /linkaja-emoney/v2/ServiceRequestPayment` against LinkAja's
//! guide's table, the same data the client checks before sending ([`CREATE_RULES`]), over
//! the raw request. It answers like the guide's sample (including the amount as a decimal string,
//! `"150000.00"`). The guide documents no LinkAja notification fields, so notifications and
//! Check Status answers carry the documented envelope only (doku-api.md section 5). It
//! registers itself with the simulator through `inventory`.

use doku_pay_core::ChannelDescriptor;
use doku_pay_sim::rules::{self, text_at, whole_at};
use doku_pay_sim::{NewOrder, OrderView, Rejection, SimChannel, SimRegistration, SimRequest};
use serde_json::{Value, json};

use crate::wire::{CREATE_RULES, OVERRIDE_NOTIFICATION_URL};

/// LinkAja's simulator plugin.
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkAjaSim;

doku_pay_sim::inventory::submit! {
    SimRegistration::new(|| Box::new(LinkAjaSim))
}

/// The terminal id the simulator answers in `emoney_configuration.identifier`.
pub const SIM_TERMINAL_ID: &str = "dokusim";

impl SimChannel for LinkAjaSim {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &crate::DESCRIPTOR
    }

    fn samples(&self) -> Option<&'static dyn doku_pay_sim::ChannelSamples> {
        Some(&crate::samples::SAMPLES)
    }

    fn decode_create(&self, request: &SimRequest<'_>) -> Result<NewOrder, Rejection> {
        let req = rules::check(request.body(), &CREATE_RULES)?;
        Ok(NewOrder {
            invoice_number: text_at(&req, "order.invoice_number")
                .unwrap_or_default()
                .to_owned(),
            amount: whole_at(&req, "order.amount").unwrap_or_default(),
            merchant_reference: None,
            override_notification_url: req
                .get("additional_info")
                .and_then(|m| m.get(OVERRIDE_NOTIFICATION_URL))
                .and_then(Value::as_str)
                .map(str::to_owned),
            synchronous: None,
        })
    }

    fn create_response(&self, o: &OrderView<'_>) -> Value {
        json!({
            "order": {
                "invoice_number": o.invoice_number,
                "amount": format!("{}.00", o.amount),
            },
            "emoney_configuration": {
                "identifier": [{"name": "TERMINAL_ID", "value": SIM_TERMINAL_ID}]
            },
            "emoney_payment": {
                "redirect_method_http": "POST",
                "redirect_url_http": o.payment_url(),
                "redirect_parameter": [{"name": "Message", "value": format!("SIM{}", o.order_id)}],
                "status": "PENDING"
            }
        })
    }
}
