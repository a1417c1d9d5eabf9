//! Akulaku's sample requests (feature `sim`), which `doku demo` and the end-to-end suite run
//! against the simulator: a generate-order of two line items, its cancel while pending, its
//! full refund once paid; the customer pays on Akulaku's page (the simulator's control API).

use doku_pay_sim::{CustomerAction, JsonSamples};

/// The guide's generate-order sample as a unified request (the invoice number is filled in
/// per call); cancel and refund are built from the payment.
pub static SAMPLES: JsonSamples = JsonSamples {
    payment: r#"{
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
    }"#,
    customer: CustomerAction::PaysAfterRedirect,
};
