//! LinkAja in the local DOKU simulator (feature `sim`).
//!
//! [`LinkAjaSim`] decodes and validates `POST /linkaja-emoney/v2/ServiceRequestPayment` with
//! this crate's [`wire`](crate::wire) model (so the simulator rejects a broken request even
//! when a client skipped its own validation), answers like the guide's sample (including the
//! amount as a decimal string, `"150000.00"`), and adds `emoney_payment` to notifications and
//! Check Status answers. It registers itself with the simulator through `inventory`.

use doku_core::ChannelDescriptor;
use doku_sim::{NewOrder, OrderView, Rejection, SimChannel, SimRegistration, decode_with};
use serde_json::{Map, Value, json};

use crate::wire::{OVERRIDE_NOTIFICATION_URL, PaymentRequest};

/// LinkAja's simulator plugin.
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkAjaSim;

doku_sim::inventory::submit! {
    SimRegistration::new(|| Box::new(LinkAjaSim))
}

/// The terminal id the simulator answers in `emoney_configuration.identifier`.
pub const SIM_TERMINAL_ID: &str = "dokusim";

impl SimChannel for LinkAjaSim {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &crate::DESCRIPTOR
    }

    fn decode_create(&self, body: &[u8]) -> Result<NewOrder, Rejection> {
        let req = decode_with(body, PaymentRequest::validate)?;
        Ok(NewOrder {
            invoice_number: req.order.invoice_number,
            amount: req.order.amount.map_or(0, |a| a.rupiah()),
            merchant_reference: None,
            override_notification_url: req
                .additional_info
                .as_ref()
                .and_then(|m| m.get(OVERRIDE_NOTIFICATION_URL))
                .and_then(Value::as_str)
                .map(str::to_owned),
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

    fn channel_objects(&self, o: &OrderView<'_>) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            "emoney_payment".into(),
            json!({"account_id": SIM_TERMINAL_ID, "approval_code": format!("SIM{}", o.order_id)}),
        );
        m
    }
}
