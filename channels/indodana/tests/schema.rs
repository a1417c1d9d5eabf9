//! The JSON Schema of the wire request and its rules agree: for each document, the rules'
//! verdict ([`Rules::check`](doku_pay_core::rules::Rules::check), what the client and the
//! simulator check) and a JSON Schema validator over the published schema say the same,
//! one row (at least) per rule of [`wire::CREATE_RULES`], from DOKU's sample
//! (`fixtures/request.json`). A rule JSON Schema cannot state is marked validation-only and
//! the schema must still accept it, so that moving the rule into the schema later is noticed.

use doku_pay_indodana::wire;
use serde_json::{Value, json};

/// 2^53: 16 digits, exact as a binary float as well.
const SIXTEEN_DIGITS: u64 = 9_007_199_254_740_992;

#[test]
fn the_request_schema_agrees_with_the_rules() {
    use doku_pay_testkit::schema::Verdict::{self, Invalid, Valid, ValidationOnly};
    let valid: Value =
        serde_json::from_str(include_str!("fixtures/request.json")).expect("fixture");
    let edit = |changes: &[(&str, Option<Value>)]| {
        let mut doc = valid.clone();
        for (pointer, value) in changes {
            doku_pay_testkit::set(&mut doc, pointer, value.clone());
        }
        doc
    };
    let with = |pointer: &str, value: Option<Value>| edit(&[(pointer, value)]);
    // One item of `price` x `quantity`, and the amount `amount`.
    let basket = |price: Value, quantity: Value, amount: Value| {
        edit(&[
            ("/order/line_items/0/price", Some(price)),
            ("/order/line_items/0/quantity", Some(quantity)),
            ("/order/amount", Some(amount)),
        ])
    };
    let s = |n: usize| Some(json!("x".repeat(n)));
    let rows: Vec<(&str, Value, Verdict)> = vec![
        ("DOKU's sample", valid.clone(), Valid),
        ("no order", with("/order", None), Invalid),
        // order.invoice_number: required, max 64.
        ("no invoice", with("/order/invoice_number", None), Invalid),
        (
            "blank invoice",
            with("/order/invoice_number", Some(json!(" "))),
            Invalid,
        ),
        (
            "invoice of 64 characters",
            with("/order/invoice_number", s(64)),
            Valid,
        ),
        (
            "invoice of 65 characters",
            with("/order/invoice_number", s(65)),
            Invalid,
        ),
        (
            "invoice a number",
            with("/order/invoice_number", Some(json!(7))),
            Invalid,
        ),
        // order.amount: required, whole, max 16 digits.
        ("no amount", with("/order/amount", None), Invalid),
        (
            "amount null",
            with("/order/amount", Some(Value::Null)),
            Invalid,
        ),
        (
            "amount as a numeric string",
            with("/order/amount", Some(json!("100000.00"))),
            Invalid,
        ),
        (
            "amount with a fraction",
            with("/order/amount", Some(json!(1.5))),
            Invalid,
        ),
        (
            "amount negative",
            with("/order/amount", Some(json!(-1))),
            Invalid,
        ),
        (
            "amount of 16 digits, items to match",
            basket(json!(SIXTEEN_DIGITS), json!(1), json!(SIXTEEN_DIGITS)),
            Valid,
        ),
        (
            "amount of 17 digits, items to match",
            basket(
                json!(SIXTEEN_DIGITS / 2),
                json!(20),
                json!(SIXTEEN_DIGITS * 10),
            ),
            Invalid,
        ),
        // order.line_items: required array.
        ("no line items", with("/order/line_items", None), Invalid),
        (
            "line items empty",
            with("/order/line_items", Some(json!([]))),
            Invalid,
        ),
        (
            "line items an object",
            with("/order/line_items", Some(json!({}))),
            Invalid,
        ),
        // name: required, max 128.
        (
            "item name missing",
            with("/order/line_items/0/name", None),
            Invalid,
        ),
        (
            "item name empty",
            with("/order/line_items/0/name", Some(json!(""))),
            Invalid,
        ),
        (
            "item name of 128 characters",
            with("/order/line_items/0/name", s(128)),
            Valid,
        ),
        (
            "item name of 129 characters",
            with("/order/line_items/0/name", s(129)),
            Invalid,
        ),
        // price: required, decimal "16.2".
        (
            "item price missing",
            with("/order/line_items/0/price", None),
            Invalid,
        ),
        (
            "item price a string",
            with("/order/line_items/0/price", Some(json!("50000"))),
            Invalid,
        ),
        (
            "item price negative",
            with("/order/line_items/0/price", Some(json!(-1))),
            Invalid,
        ),
        (
            "item price with 2 decimal places (the sum is not checked over fractions)",
            with("/order/line_items/0/price", Some(json!(50000.25))),
            Valid,
        ),
        // JSON Schema leaves the decimal places to the checker.
        (
            "item price with 3 decimal places",
            with("/order/line_items/0/price", Some(json!(50000.125))),
            ValidationOnly,
        ),
        (
            "item price of 16 digits, amount to match",
            basket(json!(SIXTEEN_DIGITS), json!(1), json!(SIXTEEN_DIGITS)),
            Valid,
        ),
        (
            "item price of 17 digits",
            with(
                "/order/line_items/0/price",
                Some(json!(SIXTEEN_DIGITS * 10)),
            ),
            Invalid,
        ),
        // quantity: required, whole, max 8 digits.
        (
            "item quantity missing",
            with("/order/line_items/0/quantity", None),
            Invalid,
        ),
        (
            "item quantity with a fraction",
            with("/order/line_items/0/quantity", Some(json!(1.5))),
            Invalid,
        ),
        (
            "item quantity of 8 digits, amount to match",
            basket(json!(1), json!(99_999_999), json!(99_999_999)),
            Valid,
        ),
        (
            "item quantity of 9 digits, amount to match",
            basket(json!(1), json!(100_000_000), json!(100_000_000)),
            Invalid,
        ),
        // id (row cut after its type) and category (no row): optional strings.
        ("no item id", with("/order/line_items/0/id", None), Valid),
        (
            "item id a number",
            with("/order/line_items/0/id", Some(json!(1002))),
            Invalid,
        ),
        (
            "no item category",
            with("/order/line_items/0/category", None),
            Valid,
        ),
        (
            "item category a number",
            with("/order/line_items/0/category", Some(json!(1))),
            Invalid,
        ),
        // Fields whose rows are not visible: optional, no rule invented.
        ("no callback", with("/order/callback_url", None), Valid),
        (
            "callback an app link",
            with("/order/callback_url", Some(json!("app://return"))),
            Valid,
        ),
        (
            "callback a number",
            with("/order/callback_url", Some(json!(7))),
            Invalid,
        ),
        ("no item url", with("/order/line_items/0/url", None), Valid),
        (
            "unknown fields (a customer object)",
            with("/customer", Some(json!({"first_name": "Budi"}))),
            Valid,
        ),
        // additional_info.override_notification_url: an absolute http(s) URL.
        (
            "notification override",
            with(
                "/additional_info",
                Some(json!({"override_notification_url": "https://m.example/n"})),
            ),
            Valid,
        ),
        (
            "notification override a path",
            with(
                "/additional_info",
                Some(json!({"override_notification_url": "/n"})),
            ),
            Invalid,
        ),
        // JSON Schema cannot relate one field to others.
        (
            "line items not summing to the amount",
            with("/order/amount", Some(json!(100_001))),
            ValidationOnly,
        ),
    ];
    doku_pay_testkit::schema::assert_verdicts(&wire::CREATE_RULES, rows);
}

#[test]
fn the_response_schema_accepts_the_fixture() {
    let schema =
        serde_json::to_value(wire::CREATE_ANSWER.schema("PaymentResponse")).expect("schema");
    let doc: Value = serde_json::from_str(include_str!("fixtures/response.json")).expect("fixture");
    assert!(jsonschema::is_valid(&schema, &doc));
}

/// Generated edits of the guide's request: the rules and the published schema agree.
#[test]
fn the_rules_and_the_schema_agree_on_generated_requests() {
    doku_pay_testkit::rules_agree_with_schema(
        "create",
        &doku_pay_indodana::wire::CREATE_RULES,
        &serde_json::from_str(include_str!("fixtures/request.json")).expect("fixture"),
    );
}
