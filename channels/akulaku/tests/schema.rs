//! The generated JSON Schemas of the wire requests agree with the rules the client and the
//! simulator check (one table makes both): one row per body, with what the schema and the
//! rules each say about it.

doku_pay_testkit::fixtures!();
use doku_pay_akulaku::wire::{CANCEL_RULES, GENERATE_ORDER_RULES, REFUND_RULES};
use doku_pay_core::rules::Rules;
use doku_pay_testkit::set;
use serde_json::{Value, json};

/// (schema accepts, rules accept) for `body`.
fn verdicts(rules: &Rules, body: &Value) -> (bool, bool) {
    let schema = serde_json::to_value(rules.schema("T")).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    (validator.is_valid(body), rules.check(body).is_ok())
}

type Row = (&'static str, Option<Value>);

fn check(rules: &Rules, base: &str, rows: &[Row]) {
    let (schema_ok, validate_ok) = verdicts(rules, &fixture(base));
    assert!(schema_ok && validate_ok, "{base} must be valid for both");
    for (pointer, value) in rows {
        let mut body = fixture(base);
        set(&mut body, pointer, value.clone());
        let (schema_ok, validate_ok) = verdicts(rules, &body);
        assert!(!validate_ok, "{base} {pointer}: the rules must reject");
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
fn generate_order_schema_agrees_with_the_rules() {
    let rows: Vec<Row> = vec![
        ("/order", None),
        ("/payment", None),
        ("/customer", None),
        ("/order/invoice_number", None),
        ("/order/invoice_number", Some(json!(" "))),
        ("/order/invoice_number", s(65)),
        ("/order/amount", None),
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
        ("/order/callback_url", Some(json!(" "))),
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
        ("/order/line_items/1/price", Some(json!(-1))),
        ("/order/line_items/1/price", Some(json!("1.50"))),
        ("/customer/address", s(401)),
        ("/customer/city", s(65)),
        ("/customer/state", s(65)),
        ("/customer/postcode", Some(json!("12O129"))),
        ("/customer/postcode", d(65)),
    ];
    check(&GENERATE_ORDER_RULES, "generate-order-request.json", &rows);
}

#[test]
fn line_item_sum_is_beyond_the_schema() {
    // JSON Schema cannot sum the basket: the one rule only the checker enforces.
    let mut body = fixture("generate-order-request.json");
    set(&mut body, "/order/amount", Some(json!(100000)));
    assert_eq!(verdicts(&GENERATE_ORDER_RULES, &body), (true, false));
}

#[test]
fn cancel_schema_agrees_with_the_rules() {
    let rows: Vec<Row> = vec![
        ("/order", None),
        ("/order/invoice_number", Some(json!(""))),
        ("/order/invoice_number", s(65)),
        ("/payment/merchant_unique_reference", None),
        ("/payment/merchant_unique_reference", s(65)),
    ];
    check(&CANCEL_RULES, "cancel-request.json", &rows);
    // identifiers are optional for cancel
    let mut body = fixture("cancel-request.json");
    set(&mut body, "/payment/identifier", None);
    assert_eq!(verdicts(&CANCEL_RULES, &body), (true, true));
}

#[test]
fn refund_schema_agrees_with_the_rules() {
    let rows: Vec<Row> = vec![
        ("/refund", None),
        ("/refund/merchant_unique_reference", Some(json!(""))),
        ("/payment/identifier", None),
        ("/payment/identifier", Some(json!([]))),
        ("/payment/merchant_unique_reference", None),
        ("/order/invoice_number", None),
    ];
    check(&REFUND_RULES, "refund-request.json", &rows);
}

/// Bodies the guide allows: the schema and the rules both accept them (each row was
/// refused by an invented rule before).
#[test]
fn what_the_guide_allows_is_accepted_by_schema_and_rules() {
    type Accept = fn(&Value) -> (bool, bool);
    let generate: Accept = |b| verdicts(&GENERATE_ORDER_RULES, b);
    let refund: Accept = |b| verdicts(&REFUND_RULES, b);
    let rows: Vec<(&str, Accept, &str, Option<Value>)> = vec![
        // No format for callback_url in the guide: an app deep link is a callback URL.
        (
            "generate-order-request.json",
            generate,
            "/order/callback_url",
            Some(json!("myapp://done")),
        ),
        // No minimum for a line's price or quantity (the sum still matches: 2 x 30000 + 0).
        (
            "generate-order-request.json",
            generate,
            "/order/line_items/1/price",
            Some(json!(0)),
        ),
        (
            "generate-order-request.json",
            generate,
            "/order/line_items/1/quantity",
            Some(json!(0)),
        ),
        // payment.identifier is a mandatory array; no entry is named: ORDER_ID alone is fine.
        (
            "refund-request.json",
            refund,
            "/payment/identifier",
            Some(json!([{"name": "ORDER_ID", "value": "1000043205"}])),
        ),
        // No length limit on the refund reference.
        (
            "refund-request.json",
            refund,
            "/refund/merchant_unique_reference",
            s(65),
        ),
    ];
    for (base, verdict, pointer, value) in rows {
        let mut body = fixture(base);
        set(&mut body, pointer, value.clone());
        if pointer.starts_with("/order/line_items/1/") {
            // keep the basket summing to the amount: the second line no longer counts
            set(&mut body, "/order/amount", Some(json!(60000)));
        }
        assert_eq!(verdict(&body), (true, true), "{base} {pointer}={value:?}");
    }
}

/// Generated edits of the guide's request: the rules and the published schema agree.
#[test]
fn the_rules_and_the_schema_agree_on_generated_requests() {
    doku_pay_testkit::rules_agree_with_schema(
        "generate-order",
        &doku_pay_akulaku::wire::GENERATE_ORDER_RULES,
        &serde_json::from_str(include_str!("fixtures/generate-order-request.json"))
            .expect("fixture"),
    );
    doku_pay_testkit::rules_agree_with_schema(
        "cancel",
        &doku_pay_akulaku::wire::CANCEL_RULES,
        &serde_json::from_str(include_str!("fixtures/cancel-request.json")).expect("fixture"),
    );
    doku_pay_testkit::rules_agree_with_schema(
        "refund",
        &doku_pay_akulaku::wire::REFUND_RULES,
        &serde_json::from_str(include_str!("fixtures/refund-request.json")).expect("fixture"),
    );
}
