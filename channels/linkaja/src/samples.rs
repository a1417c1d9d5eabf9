//! LinkAja's sample requests (feature `sim`), which `doku demo` and the end-to-end suite run
//! against the simulator: a payment of one line item; the customer pays on LinkAja's page
//! (the simulator's control API). LinkAja offers no cancel or refund, so there are none.

use doku_core::PaymentRequest;
use doku_sim::{ChannelSamples, CustomerAction};
use serde_json::json;

/// LinkAja's samples.
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkAjaSamples;

impl ChannelSamples for LinkAjaSamples {
    fn payment_request(&self, invoice_number: &str) -> PaymentRequest {
        // Built from JSON, as an application receives it: unified fields only.
        serde_json::from_value(json!({
            "invoice_number": invoice_number,
            "amount": 150000,
            "line_items": [{"name": "Roti", "price": 50000, "quantity": 3}],
            "callback_url": "https://merchant.example/return-url",
            "customer": {"name": "Jessica Tessalonika", "phone": "081112345678"}
        }))
        .expect("LinkAja's sample is a unified PaymentRequest")
    }

    fn customer(&self) -> CustomerAction {
        CustomerAction::PaysAfterRedirect
    }
}
