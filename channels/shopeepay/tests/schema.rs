//! The JSON Schema of the wire request and its rules agree: for each document, the rules'
//! verdict ([`Rules::check`](doku_pay_core::rules::Rules::check), what the client and the
//! simulator check) and a JSON Schema validator over the published schema say the same.
//! The create table is cut off after its first row and the refund table has no
//! cross-field rule, so every row is stated by both.

use doku_pay_shopeepay::wire;

use serde_json::{Value, json};

#[test]
fn the_request_schema_agrees_with_the_rules() {
    use doku_pay_testkit::schema::Verdict::{self, Invalid, Valid};
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
        // The table's cell is cut off before any length.
        (
            "invoice of 65 characters",
            with("/order/invoice_number", Some(json!("I".repeat(65)))),
            Valid,
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
            "amount of 13 digits (no visible limit)",
            with("/order/amount", Some(json!(1_000_000_000_000_u64))),
            Valid,
        ),
        ("no callback", with("/order/callback_url", None), Valid),
        (
            "callback as an app link",
            with("/order/callback_url", Some(json!("myapp://done"))),
            Valid,
        ),
        (
            "callback not text",
            with("/order/callback_url", Some(json!(7))),
            Invalid,
        ),
        (
            "an expiry",
            with("/order/expired_time", Some(json!(300))),
            Valid,
        ),
        (
            "an expiry with a fraction",
            with("/order/expired_time", Some(json!(1.5))),
            Invalid,
        ),
        (
            "the guide's sample",
            serde_json::from_str(include_str!("fixtures/guide-request.json")).expect("json"),
            Valid,
        ),
    ];
    doku_pay_testkit::schema::assert_verdicts(&wire::CREATE_RULES, rows);
}

#[test]
fn the_refund_schema_agrees_with_the_rules() {
    let schema = serde_json::to_value(wire::REFUND_RULES.schema("RefundRequest")).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let valid: Value =
        serde_json::from_str(include_str!("fixtures/guide-refund-request.json")).expect("json");
    let with = |pointer: &str, value: Option<Value>| {
        let mut doc = valid.clone();
        doku_pay_testkit::set(&mut doc, pointer, value);
        doc
    };
    let rows = [
        ("the guide's sample", valid.clone(), true),
        ("no invoice", with("/order/invoice_number", None), false),
        (
            "no identifiers",
            with("/shopeepay_payment/identifier", None),
            false,
        ),
        (
            "empty identifiers",
            with("/shopeepay_payment/identifier", Some(json!([]))),
            false,
        ),
        (
            "identifiers as a map",
            with("/shopeepay_payment/identifier", Some(json!({"A": "1"}))),
            false,
        ),
    ];
    for (name, doc, ok) in rows {
        assert_eq!(
            (
                validator.is_valid(&doc),
                wire::REFUND_RULES.check(&doc).is_ok()
            ),
            (ok, ok),
            "{name}"
        );
    }
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
        &doku_pay_shopeepay::wire::CREATE_RULES,
        &serde_json::from_str(include_str!("fixtures/request.json")).expect("fixture"),
    );
    doku_pay_testkit::rules_agree_with_schema(
        "refund",
        &doku_pay_shopeepay::wire::REFUND_RULES,
        &serde_json::from_str(include_str!("fixtures/guide-refund-request.json")).expect("fixture"),
    );
}
