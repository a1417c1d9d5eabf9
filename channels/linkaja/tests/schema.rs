//! The generated JSON Schema of the wire request agrees with the rules the client and the
//! simulator check (one table makes both): one row per body.

doku_pay_testkit::fixtures!();
use doku_pay_linkaja::wire;
use doku_pay_testkit::set;
use serde_json::{Value, json};

/// (schema accepts, rules accept).
fn verdicts(body: &Value) -> (bool, bool) {
    let schema = serde_json::to_value(wire::CREATE_RULES.schema("T")).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    (
        validator.is_valid(body),
        wire::CREATE_RULES.check(body).is_ok(),
    )
}

#[test]
fn request_schema_agrees_with_the_rules() {
    assert_eq!(verdicts(&fixture("request.json")), (true, true));
    let rows: &[(&str, Option<Value>)] = &[
        ("/order", None),
        ("/order/invoice_number", None),
        ("/order/invoice_number", Some(json!(" "))),
        ("/order/amount", None),
        ("/order/amount", Some(json!("0.00"))),
        ("/order/amount", Some(json!("10000.50"))),
        ("/order/callback_url", None),
        ("/order/line_items", None),
        ("/order/line_items", Some(json!([]))),
        ("/order/line_items/0/name", Some(json!(""))),
        ("/order/line_items/0/price", None),
        ("/order/line_items/0/quantity", None),
        ("/customer/phone", Some(json!("+62 811"))),
        (
            "/additional_info/override_notification_url",
            Some(json!("ftp://n.example/n")),
        ),
        ("/additional_info/override_notification_url", Some(json!(7))),
    ];
    for (pointer, value) in rows {
        let mut body = fixture("request.json");
        set(&mut body, pointer, value.clone());
        let (schema_ok, validate_ok) = verdicts(&body);
        assert!(!validate_ok, "{pointer}: the rules must reject");
        assert_eq!(
            schema_ok, validate_ok,
            "{pointer}={value:?}: schema disagrees"
        );
    }
}

#[test]
fn optional_parts_may_be_absent() {
    for pointer in ["/customer", "/additional_info", "/customer/email"] {
        let mut body = fixture("request.json");
        set(&mut body, pointer, None);
        assert_eq!(verdicts(&body), (true, true), "{pointer}");
    }
}

/// Bodies the guide allows: the schema and the rules both accept them (each row was
/// refused by an invented rule before).
#[test]
fn what_the_guide_allows_is_accepted_by_schema_and_the_rules() {
    // The guide's own request sample (its callback_url is "").
    assert_eq!(verdicts(&fixture("guide-request.json")), (true, true));
    for url in ["", "myapp://done", "/return", "merchant.example/return"] {
        let mut body = fixture("request.json");
        set(&mut body, "/order/callback_url", Some(json!(url)));
        assert_eq!(verdicts(&body), (true, true), "callback_url {url:?}");
    }
}

/// Generated edits of the guide's request: the rules and the published schema agree.
#[test]
fn the_rules_and_the_schema_agree_on_generated_requests() {
    doku_pay_testkit::rules_agree_with_schema(
        "create",
        &doku_pay_linkaja::wire::CREATE_RULES,
        &serde_json::from_str(include_str!("fixtures/request.json")).expect("fixture"),
    );
}
