//! The JSON Schema of the wire request and its rules agree: for each document, the rules'
//! verdict ([`Rules::check`](doku_pay_core::rules::Rules::check), what the client and the
//! simulator check) and a JSON Schema validator over the published schema say the same.
//! A rule JSON Schema cannot state is marked validation-only and the schema must still
//! accept it, so that moving the rule into the schema later is noticed.

use doku_pay_dokuwallet::wire;
use serde_json::{Value, json};

#[test]
fn the_request_schema_agrees_with_the_rules() {
    use doku_pay_testkit::schema::Verdict::{self, Invalid, Valid, ValidationOnly};
    let valid: Value =
        serde_json::from_str(include_str!("fixtures/request.json")).expect("fixture");
    let with = |pointer: &str, value| doku_pay_testkit::schema::edited(&valid, pointer, value);
    let rows: Vec<(&str, Value, Verdict)> = vec![
        ("the fixture", valid.clone(), Valid),
        (
            "amount as a numeric string",
            with("/order/amount", Some(json!("150000.00"))),
            Invalid,
        ),
        (
            "invoice of 64 characters",
            with("/order/invoice_number", Some(json!("I".repeat(64)))),
            Valid,
        ),
        ("no order", with("/order", None), Invalid),
        ("no invoice", with("/order/invoice_number", None), Invalid),
        (
            "blank invoice",
            with("/order/invoice_number", Some(json!(" "))),
            Invalid,
        ),
        (
            "invoice of 65 characters",
            with("/order/invoice_number", Some(json!("I".repeat(65)))),
            Invalid,
        ),
        ("no amount", with("/order/amount", None), Invalid),
        (
            "amount null",
            with("/order/amount", Some(Value::Null)),
            Invalid,
        ),
        (
            "amount with a fraction",
            with("/order/amount", Some(json!(1.5))),
            Invalid,
        ),
        (
            "amount of 13 digits",
            with("/order/amount", Some(json!(1_000_000_000_000_u64))),
            Invalid,
        ),
        ("no line items", with("/order/line_items", None), Valid),
        ("no return URLs", with("/order/success_url", None), Valid),
        (
            "an app deep link to return to",
            with("/order/failed_url", Some(json!("myapp://failed"))),
            Valid,
        ),
        (
            "a notification URL",
            with("/order/notify_url", Some(json!("https://m.example/n"))),
            Valid,
        ),
        (
            "a return URL that is not text",
            with("/order/success_url", Some(json!(7))),
            Invalid,
        ),
        (
            "item name empty",
            with("/order/line_items/0/name", Some(json!(""))),
            Invalid,
        ),
        (
            "item name of 256 characters",
            with("/order/line_items/0/name", Some(json!("x".repeat(256)))),
            Invalid,
        ),
        (
            "item price missing",
            with("/order/line_items/0/price", None),
            Invalid,
        ),
        (
            "item quantity missing",
            with("/order/line_items/0/quantity", None),
            Invalid,
        ),
        // DOKU's own sample request.
        (
            "the guide's sample",
            serde_json::from_str(include_str!("fixtures/guide-request.json")).expect("json"),
            Valid,
        ),
        // JSON Schema cannot relate one field to others.
        (
            "line items not summing to the amount",
            with("/order/amount", Some(json!(150_001))),
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
        &doku_pay_dokuwallet::wire::CREATE_RULES,
        &serde_json::from_str(include_str!("fixtures/request.json")).expect("fixture"),
    );
}
