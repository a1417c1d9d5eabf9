//! The JSON Schema of the wire request and its rules agree: for each document, the rules'
//! verdict ([`Rules::check`](doku_pay_core::rules::Rules::check), what the client and the
//! simulator check) and a JSON Schema validator over the published schema say the same,
//! one row (at least) per rule of [`wire::CREATE_RULES`], from DOKU's sample
//! (`fixtures/request.json`). A rule JSON Schema cannot state is marked validation-only and
//! the schema must still accept it, so that moving the rule into the schema later is noticed.

use doku_pay_kredivo::wire;
use serde_json::{Value, json};

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
        // order.amount: required, whole; no limit stated.
        ("no amount", with("/order/amount", None), Invalid),
        (
            "amount null",
            with("/order/amount", Some(Value::Null)),
            Invalid,
        ),
        (
            "amount as a numeric string",
            with("/order/amount", Some(json!("30000.00"))),
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
            "amount of 13 digits, items to match: no limit stated",
            edit(&[
                ("/order/amount", Some(json!(9_999_999_999_990_u64))),
                (
                    "/order/line_items/0/price",
                    Some(json!(999_999_999_999_u64)),
                ),
                ("/order/line_items/0/quantity", Some(json!(10))),
            ]),
            Valid,
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
        // name: required, max 255.
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
            "item name of 255 characters",
            with("/order/line_items/0/name", s(255)),
            Valid,
        ),
        (
            "item name of 256 characters",
            with("/order/line_items/0/name", s(256)),
            Invalid,
        ),
        // price: required, whole, max 12 digits.
        (
            "item price missing",
            with("/order/line_items/0/price", None),
            Invalid,
        ),
        (
            "item price a string",
            with("/order/line_items/0/price", Some(json!("30000"))),
            Invalid,
        ),
        (
            "item price with a fraction",
            with("/order/line_items/0/price", Some(json!(0.5))),
            Invalid,
        ),
        (
            "item price of 12 digits, amount to match",
            edit(&[
                ("/order/amount", Some(json!(999_999_999_999_u64))),
                (
                    "/order/line_items/0/price",
                    Some(json!(999_999_999_999_u64)),
                ),
            ]),
            Valid,
        ),
        (
            "item price of 13 digits, amount to match",
            edit(&[
                ("/order/amount", Some(json!(1_000_000_000_000_u64))),
                (
                    "/order/line_items/0/price",
                    Some(json!(1_000_000_000_000_u64)),
                ),
            ]),
            Invalid,
        ),
        // quantity: required, whole; no limit stated.
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
            "item quantity of 9 digits, amount to match: no limit stated",
            edit(&[
                ("/order/amount", Some(json!(3_000_000_000_000_u64))),
                ("/order/line_items/0/quantity", Some(json!(100_000_000))),
            ]),
            Valid,
        ),
        // id and type: required strings.
        (
            "item id missing",
            with("/order/line_items/0/id", None),
            Invalid,
        ),
        (
            "item id blank",
            with("/order/line_items/0/id", Some(json!(""))),
            Invalid,
        ),
        (
            "item id a number",
            with("/order/line_items/0/id", Some(json!(1008))),
            Invalid,
        ),
        (
            "item type missing",
            with("/order/line_items/0/type", None),
            Invalid,
        ),
        (
            "item type blank",
            with("/order/line_items/0/type", Some(json!(" "))),
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
            with("/order/amount", Some(json!(30_001))),
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
        &doku_pay_kredivo::wire::CREATE_RULES,
        &serde_json::from_str(include_str!("fixtures/request.json")).expect("fixture"),
    );
}
