//! Kredivo from fixtures, offline: the unified request on the wire, DOKU's answer read
//! leniently, every rule named by its unified field, the capabilities, the endpoint's policy
//! and the registration.
//!
//! `fixtures/request.json` is DOKU's visible sample (invoice `Test-Devex-002-jesj123`, the
//! line item `AyamA` with `id`, `type` and `url`), completed where the copy is cut:
//! `order.amount` (the items' sum) and `order.callback_url` (placeholder values, as is the
//! item's `url`). `fixtures/response.json` is by analogy with Akulaku's answer: Kredivo's is
//! not published.

use doku_pay_core::NextAction;
use doku_pay_core::{
    Call, Error, Operation, Payment, PaymentChannel, PaymentRequest, PaymentStatus, RedirectStyle,
    Sent,
};
use doku_pay_kredivo::{CREATE_PATH, DESCRIPTOR, Kredivo};
use doku_pay_testkit::channel::{self, merchant};
use serde_json::{Value, json};

const INVOICE: &str = "Test-Devex-002-jesj123";

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn unified() -> PaymentRequest {
    serde_json::from_str(&fixture("unified-request.json")).expect("unified request fixture")
}

fn create(req: &PaymentRequest) -> Result<Call<Payment>, Error> {
    Kredivo.create(req, &merchant())
}

/// The "field: rule" of every violation `validate_create` reports.
fn violations(req: &PaymentRequest) -> Vec<String> {
    channel::violations(&Kredivo, req)
}

#[test]
fn maps_the_unified_request_to_dokus_sample() {
    let call = create(&unified()).expect("valid");
    let sent: Value = serde_json::from_slice(call.body()).expect("json");
    let mut expected: Value = serde_json::from_str(&fixture("request.json")).expect("fixture");
    // The unified line item has no URL: the sample's `url` is not sent.
    let item = expected["order"]["line_items"][0]
        .as_object_mut()
        .expect("item");
    item.remove("url");
    assert_eq!(sent, expected);
    assert_eq!(call.endpoint().path, CREATE_PATH);
    assert_eq!(call.endpoint().timeout_secs, None);
}

#[test]
fn sends_the_notification_override_when_given() {
    let mut req = unified();
    req.notification_url = Some("https://merchant.example/payments/notifications".into());
    req.callback_url = None;
    let call = create(&req).expect("valid");
    let sent: Value = serde_json::from_slice(call.body()).expect("json");
    assert_eq!(
        sent["additional_info"],
        json!({"override_notification_url": "https://merchant.example/payments/notifications"})
    );
    assert_eq!(
        sent["order"].get("callback_url"),
        None,
        "optional: not sent"
    );
}

#[test]
fn maps_the_response_fixture_to_a_payment() {
    let call = create(&unified()).expect("valid");
    let request_id = call.request_id().clone();
    let raw = fixture("response.json");
    let payment = call
        .read(Sent::answer(request_id.clone(), 200, raw.clone()))
        .expect("a payment");
    assert_eq!(payment.channel, "kredivo");
    assert_eq!(payment.request_id, request_id);
    assert_eq!(payment.invoice_number, INVOICE);
    assert_eq!(payment.amount.rupiah(), 30_000);
    assert_eq!(payment.status, PaymentStatus::Pending);
    assert_eq!(
        payment.next_action,
        Some(NextAction::Redirect {
            method: doku_pay_core::Method::GET,
            url: "https://pay.example/kredivo/checkout/8472".into(),
            form_fields: vec![],
        })
    );
    assert_eq!(payment.identifiers.len(), 1);
    assert_eq!(
        payment.raw,
        serde_json::from_str::<Value>(&raw).expect("json")
    );
}

#[test]
fn answers_are_read_leniently() {
    // DOKU's answer, what the caller gets, and whether a redirect is offered or kept.
    let rows: Vec<(&str, Value, &str, bool)> = vec![
        (
            "only a status and the URL",
            json!({"payment": {"status": "PENDING", "url": "https://pay.example/k/1"}}),
            "PENDING",
            true,
        ),
        // A create answer's SUCCESS is the order made, not paid (a [decision]: DOKU's page
        // does not say, LinkAja's says so): pending, the redirect kept.
        (
            "SUCCESS: the order made",
            json!({"payment": {"status": "SUCCESS", "url": "https://pay.example/k/1"}}),
            "PENDING",
            true,
        ),
        (
            "status in lower case, amount as a string, unknown fields",
            json!({"order": {"invoice_number": INVOICE, "amount": "30000.00"},
                   "payment": {"status": "pending", "url": "https://pay.example/k/1", "x": 1},
                   "y": [1]}),
            "PENDING",
            true,
        ),
        (
            "fields in unexpected shapes",
            json!({"order": 7, "payment": {"status": "FAILED", "identifier": "abc"}}),
            "FAILED",
            false,
        ),
        (
            "no status: the URL is kept",
            json!({"order": {"invoice_number": INVOICE},
                   "payment": {"url": "https://pay.example/k/1"}}),
            "undecodable",
            true,
        ),
        (
            "DOKU's error body",
            json!({"error": {"message": "bad"}}),
            "undecodable",
            false,
        ),
        (
            "another invoice",
            json!({"order": {"invoice_number": "INV-OTHER"}, "payment": {"status": "PENDING"}}),
            "untrusted",
            false,
        ),
        (
            "another amount",
            json!({"order": {"amount": 1}, "payment": {"status": "PENDING"}}),
            "untrusted",
            false,
        ),
    ];
    for (name, answer, want, redirect) in rows {
        let got = channel::create_reads(create(&unified()).expect("valid"), &answer);
        assert_eq!(got, (want.to_owned(), redirect), "{name}");
    }
}

#[test]
fn every_broken_rule_is_reported_by_its_unified_field() {
    let with = |change: Value| channel::with(&unified(), change);
    let item = |change: Value| -> Value {
        let mut i = json!({"name": "AyamA", "price": 30000, "quantity": 1, "sku": "1008",
                           "category": "ELECTRONIC"});
        for (k, v) in change.as_object().expect("object") {
            i[k] = v.clone();
        }
        json!({ "line_items": [i] })
    };
    let refused = |field: &str| channel::refused(&DESCRIPTOR, field);
    let rows: Vec<(&str, PaymentRequest, Vec<String>)> = vec![
        ("the fixture", unified(), vec![]),
        (
            "invoice of 64 characters",
            with(json!({"invoice_number": "I".repeat(64)})),
            vec![],
        ),
        (
            "invoice of 65 characters",
            with(json!({"invoice_number": "I".repeat(65)})),
            vec!["invoice_number: max 64 characters".into()],
        ),
        (
            "blank invoice",
            with(json!({"invoice_number": " "})),
            vec!["invoice_number: required".into()],
        ),
        (
            "zero amount",
            with(json!({"amount": 0})),
            vec![
                "amount: must be at least 1 for kredivo".into(),
                "line_items: sum of line items 30000 != amount 0".into(),
            ],
        ),
        (
            "no line items",
            with(json!({"line_items": []})),
            vec!["line_items: required".into()],
        ),
        (
            "item name blank",
            with(item(json!({"name": " "}))),
            vec!["line_items[0].name: required".into()],
        ),
        (
            "item name of 255 characters",
            with(item(json!({"name": "n".repeat(255)}))),
            vec![],
        ),
        (
            "item name of 256 characters",
            with(item(json!({"name": "n".repeat(256)}))),
            vec!["line_items[0].name: max 255 characters".into()],
        ),
        (
            "price of 12 digits, amount to match",
            with(json!({"amount": 999_999_999_999_u64,
                        "line_items": item(json!({"price": 999_999_999_999_u64}))["line_items"]})),
            vec![],
        ),
        (
            "no sku (the wire's id)",
            with(item(json!({"sku": null}))),
            vec!["line_items[0].sku: required".into()],
        ),
        (
            "blank category (the wire's type)",
            with(item(json!({"category": ""}))),
            vec!["line_items[0].category: required".into()],
        ),
        (
            "line items not summing to the amount",
            with(item(json!({"quantity": 2}))),
            vec!["line_items: sum of line items 60000 != amount 30000".into()],
        ),
        (
            "no callback URL: optional",
            with(json!({"callback_url": null})),
            vec![],
        ),
        (
            "callback an app link: no format stated",
            with(json!({"callback_url": "merchantapp://orders/return"})),
            vec![],
        ),
        (
            "notification URL not absolute",
            with(json!({"notification_url": "/payments/notifications"})),
            vec!["notification_url: absolute http(s) URL".into()],
        ),
        (
            "fields Kredivo has no place for",
            with(json!({
                "merchant_reference": "REF-1",
                "customer": {"name": "Budi", "phone": "6281234567890"},
                "additional_info": {"x": 1}
            })),
            vec![
                refused("additional_info.x"),
                refused("customer.name"),
                refused("customer.phone"),
                refused("merchant_reference"),
            ],
        ),
    ];
    for (name, req, want) in rows {
        assert_eq!(violations(&req), want, "{name}");
    }
}

#[test]
fn declares_what_it_offers_and_refuses_the_rest() {
    channel::assert_offers_only(&Kredivo, &[Operation::Create]);
    assert_eq!(DESCRIPTOR.capabilities.redirect, RedirectStyle::Url);
}

#[test]
fn is_registered_under_its_id_and_channel_code() {
    channel::assert_registered(
        &DESCRIPTOR,
        "kredivo",
        "PEER_TO_PEER_KREDIVO",
        &["PaymentRequest", "PaymentResponse"],
    );
}
