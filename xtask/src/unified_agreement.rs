//! The unified models' schemas agree with their deserialisation: the only validation the
//! unified models carry themselves (whole-rupiah amounts, Request-Id limits, unknown fields
//! refused in requests). Channel rules live in each channel's wire schemas and are checked by
//! each channel's `tests/schema.rs`.

use doku_pay::{CancelRequest, PaymentRequest, RefundRequest};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Asserts that serde and the JSON Schema of `T` give the same verdict on `doc`.
fn agree<T: DeserializeOwned + schemars::JsonSchema>(doc: &Value, accepted: bool, what: &str) {
    let schema = serde_json::to_value(schemars::schema_for!(T)).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let by_serde = serde_json::from_value::<T>(doc.clone());
    let errors: Vec<String> = validator.iter_errors(doc).map(|e| e.to_string()).collect();
    assert_eq!(
        by_serde.is_ok(),
        accepted,
        "{what}: serde says {:?}",
        by_serde.err()
    );
    assert_eq!(
        errors.is_empty(),
        accepted,
        "{what}: schema says {errors:?}"
    );
}

fn set(base: &Value, key: &str, value: Option<Value>) -> Value {
    let mut doc = base.clone();
    let map = doc.as_object_mut().expect("object");
    match value {
        Some(v) => map.insert(key.to_owned(), v),
        None => map.remove(key),
    };
    doc
}

#[test]
fn payment_request_schema_agrees_with_deserialisation() {
    let base = json!({
        "request_id": "5b8e0f4e-6a43-4a48-9c1f-2a1f4e0a7c11",
        "invoice_number": "INV-1",
        "amount": 150000,
        "line_items": [{"name": "Tea", "price": 50000, "quantity": 3, "sku": "T-1"}],
        "callback_url": "https://merchant.example/return",
        "customer": {"name": "Budi", "phone": "6281234567890"}
    });
    let cases = [
        ("the full document", base.clone(), true),
        (
            "amount as a numeric string",
            set(&base, "amount", Some(json!("150000.00"))),
            true,
        ),
        ("without request_id", set(&base, "request_id", None), true),
        (
            "without invoice_number",
            set(&base, "invoice_number", None),
            false,
        ),
        ("without amount", set(&base, "amount", None), false),
        (
            "amount with a fraction",
            set(&base, "amount", Some(json!(1.5))),
            false,
        ),
        (
            "negative amount",
            set(&base, "amount", Some(json!(-1))),
            false,
        ),
        (
            "amount of 13 digits",
            set(&base, "amount", Some(json!(1_000_000_000_000_u64))),
            false,
        ),
        (
            "amount string with a fraction",
            set(&base, "amount", Some(json!("10.50"))),
            false,
        ),
        (
            "request_id of 129 characters",
            set(&base, "request_id", Some(json!("r".repeat(129)))),
            false,
        ),
        (
            "request_id with a space",
            set(&base, "request_id", Some(json!("a b"))),
            false,
        ),
        (
            "an unknown field",
            set(&base, "invoice", Some(json!("INV-1"))),
            false,
        ),
    ];
    for (what, doc, accepted) in &cases {
        agree::<PaymentRequest>(doc, *accepted, what);
    }
}

#[test]
fn cancel_and_refund_requests_agree_with_deserialisation() {
    let cancel = json!({"invoice_number": "INV-1", "merchant_reference": "INV-1"});
    agree::<CancelRequest>(&cancel, true, "cancel");
    agree::<CancelRequest>(
        &set(&cancel, "invoice_number", None),
        false,
        "cancel without invoice",
    );
    agree::<CancelRequest>(
        &set(&cancel, "extra", Some(json!(1))),
        false,
        "cancel with an unknown field",
    );
    let refund = json!({
        "invoice_number": "INV-1",
        "refund_reference": "RF-1",
        "amount": {"type": "full"}
    });
    agree::<RefundRequest>(&refund, true, "full refund");
    agree::<RefundRequest>(
        &set(
            &refund,
            "amount",
            Some(json!({"type": "partial", "amount": 1000})),
        ),
        true,
        "partial refund",
    );
    agree::<RefundRequest>(
        &set(
            &refund,
            "amount",
            Some(json!({"type": "partial", "amount": 1.5})),
        ),
        false,
        "partial refund with a fraction",
    );
    agree::<RefundRequest>(
        &set(&refund, "refund_reference", None),
        false,
        "refund without reference",
    );
}
