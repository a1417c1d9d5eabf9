//! LinkAja's sample requests (feature `sim`), which `doku demo` and the end-to-end suite run
//! against the simulator: a payment of one line item; the customer pays on LinkAja's page
//! (the simulator's control API). LinkAja offers no cancel or refund, so there are none.

use doku_pay_sim::{CustomerAction, JsonSamples};

/// LinkAja's samples.
pub static SAMPLES: JsonSamples = JsonSamples {
    payment: r#"{
        "amount": 150000,
        "line_items": [{"name": "Roti", "price": 50000, "quantity": 3}],
        "callback_url": "https://merchant.example/return-url",
        "customer": {"name": "Jessica Tessalonika", "phone": "081112345678"}
    }"#,
    customer: CustomerAction::PaysAfterRedirect,
};
