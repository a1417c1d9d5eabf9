//! Akulaku's sample requests (feature `sim`), which `doku demo` and the end-to-end suite run
//! against the simulator: a generate-order of two line items, its cancel while pending, its
//! full refund once paid; the customer pays on Akulaku's page (the simulator's control API).

use doku_core::{CancelRequest, Payment, PaymentRequest, RefundRequest};
use doku_sim::{ChannelSamples, CustomerAction};
use serde_json::json;

/// Akulaku's samples.
#[derive(Clone, Copy, Debug, Default)]
pub struct AkulakuSamples;

impl ChannelSamples for AkulakuSamples {
    fn payment_request(&self, invoice_number: &str) -> PaymentRequest {
        // Built from JSON, as an application receives it: unified fields only.
        serde_json::from_value(json!({
            "invoice_number": invoice_number,
            "amount": 90000,
            "line_items": [
                {"name": "T-Shirt Red", "price": 30000, "quantity": 2, "sku": "1002", "category": "Shirt"},
                {"name": "Polo Navy", "price": 30000, "quantity": 1, "sku": "1001", "category": "Shirt"}
            ],
            "callback_url": "https://merchant.example/return-url",
            "customer": {
                "id": "CUST-0001", "name": "Anton Budiman", "phone": "6285694566147",
                "address": "Menara Mulia Lantai 8", "city": "Jakarta Selatan",
                "state": "DKI Jakarta", "postcode": "120129"
            }
        }))
        .expect("Akulaku's sample is a unified PaymentRequest")
    }

    fn cancel_request(&self, payment: &Payment) -> Option<CancelRequest> {
        Some(crate::cancel_request(payment))
    }

    fn refund_request(&self, payment: &Payment, refund_reference: &str) -> Option<RefundRequest> {
        Some(crate::refund_request(payment, refund_reference))
    }

    fn customer(&self) -> CustomerAction {
        CustomerAction::PaysAfterRedirect
    }
}
