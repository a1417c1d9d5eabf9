//! DOKU e-Wallet from fixtures, offline: the unified request on the wire, DOKU's answer read
//! leniently, every rule named by its unified field, the capabilities, the endpoint's policy
//! and the registration.

use doku_pay_core::NextAction;
use doku_pay_core::{
    Call, Error, Operation, Payment, PaymentChannel, PaymentRequest, PaymentStatus, RedirectStyle,
    Sent,
};
use doku_pay_dokuwallet::{CREATE_PATH, DESCRIPTOR, DokuWallet};
use doku_pay_testkit::channel::{self, merchant};
use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn unified() -> PaymentRequest {
    serde_json::from_str(&fixture("unified-request.json")).expect("unified request fixture")
}

fn create(req: &PaymentRequest) -> Result<Call<Payment>, Error> {
    DokuWallet.create(req, &merchant())
}

/// The "field: rule" of every violation `validate_create` reports.
fn violations(req: &PaymentRequest) -> Vec<String> {
    channel::violations(&DokuWallet, req)
}

#[test]
fn the_guides_sample_request_passes_the_rules() {
    let sample: Value = serde_json::from_str(&fixture("guide-request.json")).expect("json");
    assert_eq!(
        doku_pay_dokuwallet::wire::CREATE_RULES.check(&sample),
        Ok(())
    );
}

#[test]
fn the_notification_url_and_additional_info_are_sent() {
    let mut req = unified();
    req.notification_url = Some("https://merchant.example/hooks/doku".into());
    req.additional_info.insert(
        "integration".into(),
        json!({"name": "shop", "version": "1"}),
    );
    let call = create(&req).expect("valid");
    let sent: Value = serde_json::from_slice(call.body()).expect("json");
    assert_eq!(
        sent["order"]["notify_url"],
        "https://merchant.example/hooks/doku"
    );
    assert_eq!(sent["additional_info"]["integration"]["name"], "shop");
}

#[test]
fn maps_the_unified_request_to_the_wire_fixture() {
    let call = create(&unified()).expect("valid");
    let sent: Value = serde_json::from_slice(call.body()).expect("json");
    let expected: Value = serde_json::from_str(&fixture("request.json")).expect("fixture");
    assert_eq!(sent, expected);
    assert_eq!(call.endpoint().path, CREATE_PATH);
    assert_eq!(call.endpoint().timeout_secs, None);
}

#[test]
fn maps_the_response_fixture_to_a_payment() {
    let call = create(&unified()).expect("valid");
    let request_id = call.request_id().clone();
    let raw = fixture("response.json");
    let payment = call
        .read(Sent::answer(request_id.clone(), 200, raw.clone()))
        .expect("a payment");
    assert_eq!(payment.channel, "dokuwallet");
    assert_eq!(payment.request_id, request_id);
    assert_eq!(payment.invoice_number, "INV-20260101-0001");
    assert_eq!(payment.amount.rupiah(), 150_000);
    assert_eq!(payment.status, PaymentStatus::Pending);
    assert_eq!(
        payment.next_action,
        Some(NextAction::Redirect {
            method: doku_pay_core::Method::GET,
            url: "https://pay.example/dokuwallet/checkout/8472".into(),
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
    // DOKU's answer, and what the caller gets.
    let rows: Vec<(&str, Value, &str)> = vec![
        // A create answer's SUCCESS is the order made, not paid (a [decision]: DOKU's page
        // does not say, LinkAja's says so): pending until the notification.
        (
            "status in lower case, amount as a string, unknown fields",
            json!({"order": {"invoice_number": "INV-20260101-0001", "amount": "150000.00"},
                   "payment": {"status": "success", "x": 1}, "y": [1]}),
            "PENDING",
        ),
        (
            "pending",
            json!({"order": {"invoice_number": "INV-20260101-0001"},
                   "payment": {"status": "PENDING", "url": "https://pay.example/p/1"}}),
            "PENDING",
        ),
        (
            "fields in unexpected shapes",
            json!({"order": 7, "payment": {"status": "FAILED", "identifier": "abc"}}),
            "FAILED",
        ),
        (
            "no status, no redirect",
            json!({"order": {"invoice_number": "INV-20260101-0001"}}),
            "undecodable",
        ),
        (
            "no status but the payment page: pending",
            json!({"order": {"invoice_number": "INV-20260101-0001"},
                   "payment": {"url": "https://pay.example/p/1"}}),
            "PENDING",
        ),
        (
            "the page where merchants' code reads it",
            json!({"doku_wallet_payment_page": {"url": "https://pay.example/p/1"}}),
            "PENDING",
        ),
        (
            "DOKU's error body",
            json!({"error": {"message": "bad"}}),
            "undecodable",
        ),
        (
            "another invoice",
            json!({"order": {"invoice_number": "INV-OTHER"}, "payment": {"status": "SUCCESS"}}),
            "untrusted",
        ),
        (
            "another amount",
            json!({"order": {"amount": 1}, "payment": {"status": "SUCCESS"}}),
            "untrusted",
        ),
    ];
    for (name, answer, want) in rows {
        let (got, _) = channel::create_reads(create(&unified()).expect("valid"), &answer);
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn every_broken_rule_is_reported_by_its_unified_field() {
    let with = |change: Value| channel::with(&unified(), change);
    let refused = |field: &str| channel::refused(&DESCRIPTOR, field);
    let rows: Vec<(&str, PaymentRequest, Vec<String>)> = vec![
        ("the fixture", unified(), vec![]),
        (
            "invoice of 65 characters",
            with(json!({"invoice_number": "I".repeat(65)})),
            vec!["invoice_number: max 64 characters".into()],
        ),
        (
            "zero amount",
            with(json!({"amount": 0})),
            vec![
                "amount: must be at least 1 for dokuwallet".into(),
                "line_items: sum of line items 150000 != amount 0".into(),
            ],
        ),
        // No visible rule on the return URL: absent or any text, it is sent as given.
        (
            "no callback URL",
            with(json!({"callback_url": null})),
            vec![],
        ),
        (
            "an app deep link",
            with(json!({"callback_url": "myapp://done"})),
            vec![],
        ),
        // Line items are conditional: none is fine.
        ("no line items", with(json!({"line_items": []})), vec![]),
        (
            "an item without a name",
            with(json!({"line_items": [{"name": " ", "price": 150000, "quantity": 1}]})),
            vec!["line_items[0].name: required".into()],
        ),
        (
            "line items not summing to the amount",
            with(json!({"line_items": [{"name": "Teh Botol", "price": 50000, "quantity": 2}]})),
            vec!["line_items: sum of line items 100000 != amount 150000".into()],
        ),
        (
            "fields DOKU e-Wallet has no place for",
            with(json!({
                "merchant_reference": "REF-1",
                "customer": {"name": "Budi", "wallet_account": "081211111111"}
            })),
            vec![
                refused("customer.name"),
                refused("customer.wallet_account"),
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
    channel::assert_offers_only(&DokuWallet, &[Operation::Create]);
    assert_eq!(DESCRIPTOR.capabilities.redirect, RedirectStyle::Url);
}

#[test]
fn is_registered_under_its_id_and_channel_code() {
    channel::assert_registered(
        &DESCRIPTOR,
        "dokuwallet",
        "EMONEY_DOKU",
        &["PaymentRequest", "PaymentResponse"],
    );
}
