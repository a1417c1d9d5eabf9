//! ShopeePay from fixtures, offline: the unified request on the wire, DOKU's answer read
//! leniently, every rule named by its unified field, the capabilities, the endpoint's policy
//! and the registration.

use doku_pay_core::NextAction;
use doku_pay_core::{
    Amount, Call, Error, Identifier, Operation, Payment, PaymentChannel, PaymentRequest,
    PaymentStatus, RedirectStyle, RefundAmount, RefundRequest, Sent,
};
use doku_pay_shopeepay::{CREATE_PATH, DESCRIPTOR, ShopeePay};
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
    ShopeePay.create(req, &merchant())
}

/// The "field: rule" of every violation `validate_create` reports.
fn violations(req: &PaymentRequest) -> Vec<String> {
    channel::violations(&ShopeePay, req)
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
    assert_eq!(payment.channel, "shopeepay");
    assert_eq!(payment.request_id, request_id);
    assert_eq!(payment.invoice_number, "INV-20260101-0001");
    assert_eq!(payment.amount.rupiah(), 150_000);
    assert_eq!(payment.status, PaymentStatus::Pending);
    assert_eq!(
        payment.next_action,
        Some(NextAction::Redirect {
            method: doku_pay_core::Method::GET,
            url: "https://pay.example/shopeepay/checkout/8472".into(),
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
            "fields in unexpected shapes",
            json!({"order": 7, "payment": {"status": "FAILED", "identifier": "abc"}}),
            "FAILED",
        ),
        (
            "no status",
            json!({"order": {"invoice_number": "INV-20260101-0001"}}),
            "undecodable",
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
            // The table's cell is cut off before any length: none is enforced.
            vec![],
        ),
        (
            "zero amount",
            with(json!({"amount": 0})),
            vec!["amount: must be at least 1 for shopeepay".into()],
        ),
        // No visible rule on the return URL: absent or any text, it is sent as given.
        (
            "no callback URL",
            with(json!({"callback_url": null})),
            vec![],
        ),
        (
            "fields ShopeePay has no place for",
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
    channel::assert_offers_only(&ShopeePay, &[Operation::Create, Operation::Refund]);
    assert_eq!(DESCRIPTOR.capabilities.redirect, RedirectStyle::Url);
    let mut partial = refund_request(&guide_identifiers());
    partial.amount = RefundAmount::Partial(Amount::new(1).expect("amount"));
    assert!(matches!(
        ShopeePay.refund(&partial, &merchant()),
        Err(Error::Unsupported { .. })
    ));
}

/// The identifiers of DOKU's refund sample, as a notification carries them.
fn guide_identifiers() -> Vec<Identifier> {
    vec![
        Identifier::new("PAYMENT_REFERENCE_ID", "REF-12345678"),
        Identifier::new("TRANSACTION_SN", "000000012345678"),
    ]
}

fn refund_request(identifiers: &[Identifier]) -> RefundRequest {
    RefundRequest {
        request_id: None,
        invoice_number: "MINV20201231468".into(),
        merchant_reference: None,
        identifiers: identifiers.to_vec(),
        refund_reference: "RF-1".into(),
        amount: RefundAmount::Full,
    }
}

#[test]
fn the_refund_is_the_guides_sample_and_needs_the_identifiers() {
    let call = ShopeePay
        .refund(&refund_request(&guide_identifiers()), &merchant())
        .expect("valid");
    let sent: Value = serde_json::from_slice(call.body()).expect("json");
    let sample: Value = serde_json::from_str(&fixture("guide-refund-request.json")).expect("json");
    assert_eq!(sent, sample);
    assert_eq!(call.endpoint().path, doku_pay_shopeepay::REFUND_PATH);
    let err = ShopeePay
        .refund(&refund_request(&[]), &merchant())
        .expect_err("no identifiers");
    assert!(err.to_string().contains("identifiers: required"), "{err}");
}

#[test]
fn refund_answers_are_read_leniently() {
    let rows: Vec<(&str, Value, &str)> = vec![
        (
            "refunded",
            json!({"refund": {"status": "success"}, "payment": {"status": "REFUNDED"}}),
            "SUCCESS REFUNDED",
        ),
        (
            "only the transaction's status",
            json!({"transaction": {"status": "REFUNDED"}}),
            " REFUNDED",
        ),
        (
            "DOKU's error body",
            json!({"error": {"message": "x"}}),
            "undecodable",
        ),
        (
            "another invoice",
            json!({"order": {"invoice_number": "X"}, "refund": {"status": "SUCCESS"}}),
            "untrusted",
        ),
    ];
    for (name, answer, want) in rows {
        let call = ShopeePay
            .refund(&refund_request(&guide_identifiers()), &merchant())
            .expect("valid");
        let rid = call.request_id().clone();
        let got = match call.read(Sent::answer(rid, 200, answer.to_string())) {
            Ok(r) => format!("{} {}", r.refund_status.as_str(), r.payment_status.as_str()),
            Err(Error::Undecodable { .. }) => "undecodable".into(),
            Err(Error::Untrusted { .. }) => "untrusted".into(),
            Err(e) => panic!("{name}: {e}"),
        };
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn the_guides_samples_pass_the_rules() {
    for (name, rules) in [
        (
            "guide-request.json",
            &doku_pay_shopeepay::wire::CREATE_RULES,
        ),
        (
            "guide-refund-request.json",
            &doku_pay_shopeepay::wire::REFUND_RULES,
        ),
    ] {
        let sample: Value = serde_json::from_str(&fixture(name)).expect("json");
        assert_eq!(rules.check(&sample), Ok(()), "{name}");
    }
}

#[test]
fn is_registered_under_its_id_and_channel_code() {
    channel::assert_registered(
        &DESCRIPTOR,
        "shopeepay",
        "EMONEY_SHOPEE_PAY",
        &[
            "OrderRequest",
            "OrderResponse",
            "RefundRequest",
            "RefundResponse",
        ],
    );
}

#[test]
fn the_notification_carries_what_the_refund_needs() {
    let body = json!({
        "service": {"id": "EMONEY"}, "acquirer": {"id": "SHOPEE_PAY"},
        "channel": {"id": "EMONEY_SHOPEE_PAY"},
        "order": {"invoice_number": "MINV20201231468", "amount": 150000},
        "transaction": {"status": "SUCCESS", "date": "2021-01-27T03:24:23Z",
                        "original_request_id": "15022aab-444f-4b04-afa8-ddfce89432ec"},
        "shopeepay_payment": {"identifier": [
            {"name": "PAYMENT_REFERENCE_ID", "value": "REF-12345678"},
            {"name": "TRANSACTION_SN", "value": "000000012345678"}
        ]}
    });
    let verified = doku_pay_testkit::verified_notification(body.to_string().as_bytes(), "/notify");
    let n = ShopeePay.parse_notification(&verified).expect("maps");
    assert_eq!(n.identifiers, guide_identifiers());
    let mut req = RefundRequest::full(&payment_of(&n), "RF-1");
    req.identifiers.clone_from(&n.identifiers);
    let call = ShopeePay.refund(&req, &merchant()).expect("valid");
    let sent: Value = serde_json::from_slice(call.body()).expect("json");
    let sample: Value = serde_json::from_str(&fixture("guide-refund-request.json")).expect("json");
    assert_eq!(sent, sample);
}

/// The payment a notification is about, as the merchant kept it.
fn payment_of(n: &doku_pay_core::Notification) -> Payment {
    Payment {
        channel: "shopeepay".into(),
        request_id: n.request_id.clone(),
        replayed: false,
        invoice_number: n.invoice_number.clone(),
        amount: n.amount,
        status: n.status.clone(),
        merchant_reference: None,
        next_action: None,
        identifiers: Vec::new(),
        raw: Value::Null,
    }
}
