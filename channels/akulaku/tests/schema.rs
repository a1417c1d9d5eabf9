//! The generated JSON Schemas of the wire requests agree with `validate()`: one row per body,
//! with what the schema and `validate()` each say about it.

doku_testkit::fixtures!();
use doku_akulaku::wire;
use doku_testkit::set;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// (schema accepts, validate() accepts) for `body` against `T`. A body that does not
/// deserialise counts as rejected by `validate()`.
fn verdicts<T: DeserializeOwned + schemars::JsonSchema>(
    body: &Value,
    validate: fn(&T) -> bool,
) -> (bool, bool) {
    let schema = serde_json::to_value(schemars::schema_for!(T)).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    let ok = serde_json::from_value::<T>(body.clone())
        .map(|t| validate(&t))
        .unwrap_or(false);
    (validator.is_valid(body), ok)
}

type Row = (&'static str, Option<Value>);

fn check<T: DeserializeOwned + schemars::JsonSchema>(
    base: &str,
    rows: &[Row],
    validate: fn(&T) -> bool,
) {
    let (schema_ok, validate_ok) = verdicts::<T>(&fixture(base), validate);
    assert!(schema_ok && validate_ok, "{base} must be valid for both");
    for (pointer, value) in rows {
        let mut body = fixture(base);
        set(&mut body, pointer, value.clone());
        let (schema_ok, validate_ok) = verdicts::<T>(&body, validate);
        assert!(!validate_ok, "{base} {pointer}: validate() must reject");
        assert_eq!(
            schema_ok, validate_ok,
            "{base} {pointer}={value:?}: schema disagrees"
        );
    }
}

fn s(n: usize) -> Option<Value> {
    Some(json!("x".repeat(n)))
}

fn d(n: usize) -> Option<Value> {
    Some(json!("1".repeat(n)))
}

#[test]
fn generate_order_schema_agrees_with_validate() {
    let rows: Vec<Row> = vec![
        ("/order", None),
        ("/payment", None),
        ("/customer", None),
        ("/order/invoice_number", None),
        ("/order/invoice_number", Some(json!(" "))),
        ("/order/invoice_number", s(65)),
        ("/order/amount", None),
        ("/order/amount", Some(json!(0))),
        ("/order/amount", Some(json!("0.00"))),
        ("/order/amount", Some(json!(1_000_000_000_000_u64))),
        ("/order/line_items", None),
        ("/order/line_items", Some(json!([]))),
        ("/order/line_items/1/name", Some(json!(""))),
        ("/order/line_items/1/name", s(256)),
        ("/order/line_items/1/price", None),
        ("/order/line_items/1/quantity", None),
        ("/order/line_items/1/quantity", Some(json!(10000))),
        ("/order/line_items/1/sku", None),
        ("/order/line_items/1/category", Some(json!(""))),
        ("/order/callback_url", None),
        (
            "/order/callback_url",
            Some(json!("merchant.com/return-url")),
        ),
        ("/payment/merchant_unique_reference", None),
        ("/payment/merchant_unique_reference", s(65)),
        ("/customer/id", None),
        ("/customer/id", s(51)),
        ("/customer/name", None),
        ("/customer/name", s(65)),
        ("/customer/phone", None),
        ("/customer/phone", Some(json!("+6285694566147"))),
        ("/customer/phone", d(17)),
        ("/customer/phone", Some(json!("085694566147"))),
        ("/order/line_items/1/quantity", Some(json!(0))),
        ("/order/line_items/1/price", Some(json!(0))),
        ("/order/line_items/1/price", Some(json!("0.00"))),
        ("/customer/address", s(401)),
        ("/customer/city", s(65)),
        ("/customer/state", s(65)),
        ("/customer/postcode", Some(json!("12O129"))),
        ("/customer/postcode", d(65)),
    ];
    check::<wire::GenerateOrderRequest>("generate-order-request.json", &rows, |r| {
        r.validate().is_ok()
    });
}

#[test]
fn line_item_sum_is_beyond_the_schema() {
    // JSON Schema cannot sum the basket: the one rule only validate() enforces.
    let mut body = fixture("generate-order-request.json");
    set(&mut body, "/order/amount", Some(json!(100000)));
    assert_eq!(
        verdicts::<wire::GenerateOrderRequest>(&body, |r| r.validate().is_ok()),
        (true, false)
    );
}

#[test]
fn cancel_schema_agrees_with_validate() {
    let rows: Vec<Row> = vec![
        ("/order", None),
        ("/order/invoice_number", Some(json!(""))),
        ("/order/invoice_number", s(65)),
        ("/payment/merchant_unique_reference", None),
        ("/payment/merchant_unique_reference", s(65)),
        ("/payment/identifier/0/value", None),
    ];
    check::<wire::CancelRequest>("cancel-request.json", &rows, |r| r.validate().is_ok());
    // identifiers are optional for cancel
    let mut body = fixture("cancel-request.json");
    set(&mut body, "/payment/identifier", None);
    assert_eq!(
        verdicts::<wire::CancelRequest>(&body, |r| r.validate().is_ok()),
        (true, true)
    );
}

#[test]
fn refund_schema_agrees_with_validate() {
    let rows: Vec<Row> = vec![
        ("/refund", None),
        ("/refund/merchant_unique_reference", Some(json!(""))),
        ("/refund/merchant_unique_reference", s(65)),
        ("/payment/identifier", None),
        ("/payment/identifier", Some(json!([]))),
        // ORDER_ID is the first identifier of the sample, AKULAKU_UNIQUE_REFERENCE the second.
        ("/payment/identifier/0", None),
        ("/payment/identifier/1", None),
        (
            "/payment/identifier/0/name",
            Some(json!("AKULAKU_UNIQUE_REFERENCE")),
        ),
        ("/payment/merchant_unique_reference", None),
        ("/order/invoice_number", None),
    ];
    check::<wire::RefundRequest>("refund-request.json", &rows, |r| r.validate().is_ok());
}
