//! Akulaku: fixtures, rules, mapping, statuses, transport round trips and notification.

use axum::body::Bytes;
use doku_pay_core::validate::unified_path;
doku_pay_testkit::fixtures!();
use doku_pay_akulaku::{Akulaku, CANCEL_PATH, CREATE_PATH, DESCRIPTOR, REFUND_PATH, wire};
use doku_pay_core::answer;
use doku_pay_core::{
    Amount, CancelRequest, Cancellation, Error, Identifier, NextAction, Operation, OperationStatus,
    Payment, PaymentChannel, PaymentRequest, PaymentStatus, RedirectStyle, Refund, RefundAmount,
    RefundRequest, RefundSupport, RequestId, Sent,
};
use doku_pay_testkit::{MockDoku, set, verified_notification};
use serde_json::{Value, json};

fn unified(doc: Value) -> PaymentRequest {
    serde_json::from_value(doc).expect("unified request")
}

fn guide_payment_request() -> PaymentRequest {
    unified(fixture("unified-generate-order.json"))
}

fn utc(s: &str) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).expect(s)
}

// ------------------------------------------------------------------------------------------
// Every sample body of the guide deserialises into the wire models.

/// Reads a fixture as `kind` (a request passes the guide's rules) and returns its
/// `order.invoice_number`.
fn decode(name: &str, kind: &str) -> String {
    let b = fixture(name);
    let rules = match kind {
        "generate-order request" => Some(&wire::GENERATE_ORDER_RULES),
        "cancel request" => Some(&wire::CANCEL_RULES),
        "refund request" => Some(&wire::REFUND_RULES),
        _ => None,
    };
    if let Some(rules) = rules {
        assert_eq!(rules.check(&b), Ok(()), "{name} is valid");
    }
    answer::text(&b, "order.invoice_number").expect("invoice")
}

#[test]
fn every_sample_body_deserialises() {
    let rows: &[(&str, &str, &str)] = &[
        (
            "generate-order-request.json",
            "generate-order request",
            "INV-20210707-0001",
        ),
        (
            "generate-order-response.json",
            "generate-order response",
            "INV-20210707-0001",
        ),
        (
            "generate-order-response-failed.json",
            "generate-order response",
            "INV-20210707-0001",
        ),
        ("cancel-request.json", "cancel request", "MINV20201231468"),
        ("cancel-response.json", "cancel response", "MINV20201231468"),
        (
            "cancel-response-wib-date.json",
            "cancel response",
            "MINV20201231468",
        ),
        (
            "refund-request.json",
            "refund request",
            "invoice-00000101123",
        ),
        (
            "refund-response.json",
            "refund response",
            "invoice-00000101123",
        ),
    ];
    for (name, kind, invoice) in rows {
        assert_eq!(decode(name, kind), *invoice, "{name}");
    }
}

#[test]
fn cancel_response_carries_both_cancel_and_error() {
    let r = fixture("cancel-response.json");
    assert_eq!(
        answer::text(&r, "cancel.status").as_deref(),
        Some("SUCCESS")
    );
    assert_eq!(
        answer::message(&r, "error.message").as_deref(),
        Some("Order Not Found")
    );
    assert_eq!(r["payment"]["identifier"].as_array().map(Vec::len), Some(2));
}

#[test]
fn payment_date_accepts_iso_utc_and_wib_compact() {
    let rows: &[(&str, Option<&str>)] = &[
        ("2020-08-11T08:50:02Z", Some("2020-08-11T08:50:02Z")),
        ("20200811155002", Some("2020-08-11T08:50:02Z")),
        ("11/08/2020", None),
    ];
    for (date, expected) in rows {
        let p = json!({"payment": {"date": date}});
        assert_eq!(
            answer::date(&p, "payment.date"),
            expected.map(utc),
            "{date}"
        );
    }
}

#[test]
fn amount_over_twelve_digits_is_refused() {
    // `order.amount` and `line_items[].price`: max 12 digits.
    for (pointer, field) in [
        ("/order/amount", "order.amount"),
        ("/order/line_items/0/price", "order.line_items[0].price"),
    ] {
        let mut doc = fixture("generate-order-request.json");
        set(&mut doc, pointer, Some(json!(1_000_000_000_000_u64)));
        let err = wire::GENERATE_ORDER_RULES.check(&doc).expect_err(pointer);
        assert!(
            err.to_string().contains(&format!("{field}: max 12 digits")),
            "{pointer}: {err}"
        );
    }
}

// ------------------------------------------------------------------------------------------
// Mapping from the unified model.

#[test]
fn guide_request_is_produced_from_the_unified_request() {
    let wire = Akulaku::to_wire(&guide_payment_request()).expect("valid");
    assert_eq!(
        serde_json::to_value(&wire).expect("serialises"),
        fixture("generate-order-request.json")
    );
}

#[test]
fn empty_city_state_postcode_are_sent_as_empty_strings_and_reference_defaults_to_invoice() {
    let mut doc = fixture("unified-generate-order.json");
    for p in [
        "/customer/city",
        "/customer/state",
        "/customer/postcode",
        "/customer/address",
        "/merchant_reference",
    ] {
        set(&mut doc, p, None);
    }
    let body = serde_json::to_value(Akulaku::to_wire(&unified(doc)).expect("valid")).expect("json");
    assert_eq!(
        body["customer"],
        json!({
            "id": "CUST-0001",
            "name": "Anton Budiman",
            "phone": "6285694566147",
            "city": "",
            "state": "",
            "postcode": ""
        })
    );
    assert_eq!(
        body["payment"]["merchant_unique_reference"],
        json!("INV-20210707-0001")
    );
}

// ------------------------------------------------------------------------------------------
// One row per rule: rejected with the right path, nothing sent.

async fn assert_create_rejected(req: &PaymentRequest, field: &str, rule: &str) {
    let mock =
        MockDoku::start(&[(CREATE_PATH, fixture_bytes("generate-order-response.json"))]).await;
    let err = mock
        .api()
        .create(&Akulaku, req)
        .await
        .expect_err("must be rejected");
    let v = err
        .violations()
        .unwrap_or_else(|| panic!("not a validation error: {err}"));
    assert!(
        v.iter()
            .any(|x| x.field == unified_path(doku_pay_akulaku::MAPPING, field) && x.rule == rule),
        "{field}: {rule} not in {v}"
    );
    assert_eq!(
        mock.hits(),
        0,
        "{field}: a rejected request reached the server"
    );
    let again = Akulaku
        .validate_create(req)
        .expect_err("validate_create agrees");
    assert_eq!(again.violations(), Some(v));
}

#[tokio::test]
async fn each_generate_order_rule_rejects_before_sending() {
    let s = |n: usize| json!("x".repeat(n));
    let d = |n: usize| json!("1".repeat(n));
    let rows: Vec<(&str, Option<Value>, &str, &str)> = vec![
        (
            "/invoice_number",
            Some(json!("")),
            "order.invoice_number",
            "required",
        ),
        (
            "/invoice_number",
            Some(s(65)),
            "order.invoice_number",
            "max 64 characters",
        ),
        (
            "/amount",
            Some(json!(0)),
            "order.amount",
            "must be at least 1 for akulaku",
        ),
        (
            "/line_items",
            Some(json!([])),
            "order.line_items",
            "required",
        ),
        (
            "/amount",
            Some(json!(100000)),
            "order.line_items",
            "sum of line items 90000 != amount 100000",
        ),
        (
            "/line_items/1/name",
            Some(json!("")),
            "order.line_items[1].name",
            "required",
        ),
        (
            "/line_items/1/name",
            Some(s(256)),
            "order.line_items[1].name",
            "max 255 characters",
        ),
        (
            "/line_items/0/quantity",
            Some(json!(10000)),
            "order.line_items[0].quantity",
            "max 4 digits",
        ),
        (
            "/line_items/1/sku",
            None,
            "order.line_items[1].sku",
            "required",
        ),
        (
            "/line_items/1/category",
            None,
            "order.line_items[1].category",
            "required",
        ),
        (
            "/callback_url",
            Some(json!("")),
            "order.callback_url",
            "required",
        ),
        (
            "/merchant_reference",
            Some(s(65)),
            "payment.merchant_unique_reference",
            "max 64 characters",
        ),
        ("/customer/id", None, "customer.id", "required"),
        (
            "/customer/id",
            Some(s(51)),
            "customer.id",
            "max 50 characters",
        ),
        ("/customer/name", None, "customer.name", "required"),
        (
            "/customer/name",
            Some(s(65)),
            "customer.name",
            "max 64 characters",
        ),
        ("/customer/phone", None, "customer.phone", "required"),
        (
            "/customer/phone",
            Some(json!("+6285694566147")),
            "customer.phone",
            "digits only",
        ),
        (
            "/customer/phone",
            Some(d(17)),
            "customer.phone",
            "max 16 characters",
        ),
        (
            "/customer/phone",
            Some(json!("085694566147")),
            "customer.phone",
            "{calling_code}{number}, no leading 0",
        ),
        (
            "/customer/email",
            Some(json!("anton@example.com")),
            "customer.email",
            "not offered by Akulaku",
        ),
        (
            "/customer/address",
            Some(s(401)),
            "customer.address",
            "max 400 characters",
        ),
        (
            "/customer/city",
            Some(s(65)),
            "customer.city",
            "max 64 characters",
        ),
        (
            "/customer/state",
            Some(s(65)),
            "customer.state",
            "max 64 characters",
        ),
        (
            "/customer/postcode",
            Some(json!("12O129")),
            "customer.postcode",
            "digits only",
        ),
        (
            "/customer/postcode",
            Some(d(65)),
            "customer.postcode",
            "max 64 characters",
        ),
        (
            "/notification_url",
            Some(json!("https://n.example/n")),
            "notification_url",
            "not offered by Akulaku",
        ),
        (
            "/additional_info",
            Some(json!({"a": 1})),
            "additional_info.a",
            "not offered by Akulaku",
        ),
    ];
    for (pointer, value, field, rule) in rows {
        let mut doc = fixture("unified-generate-order.json");
        set(&mut doc, pointer, value);
        assert_create_rejected(&unified(doc), field, rule).await;
    }
}

#[test]
fn each_wire_only_rule_is_reported_with_its_path() {
    // Rules the unified model cannot break (its types require the value) but a wire body can.
    let rows: &[(&str, &str, &str)] = &[
        ("/order/amount", "order.amount", "required"),
        (
            "/order/line_items/0/price",
            "order.line_items[0].price",
            "required",
        ),
        (
            "/order/line_items/0/quantity",
            "order.line_items[0].quantity",
            "required",
        ),
        (
            "/payment/merchant_unique_reference",
            "payment.merchant_unique_reference",
            "required",
        ),
        ("/order/callback_url", "order.callback_url", "required"),
    ];
    for (pointer, field, rule) in rows {
        let mut doc = fixture("generate-order-request.json");
        set(&mut doc, pointer, None);
        let v = wire::GENERATE_ORDER_RULES.check(&doc).expect_err(field);
        assert!(
            v.iter().any(|x| x.field == *field && x.rule == *rule),
            "{field}: {rule} not in {v}"
        );
    }
}

#[test]
fn every_broken_rule_is_reported_at_once() {
    let v = wire::GENERATE_ORDER_RULES
        .check(&json!({}))
        .expect_err("empty");
    let got: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    assert_eq!(
        got,
        [
            "order.invoice_number: required",
            "order.amount: required",
            "order.line_items: required",
            "order.callback_url: required",
            "payment.merchant_unique_reference: required",
            "customer.id: required",
            "customer.name: required",
            "customer.phone: required",
            "customer.city: required",
            "customer.state: required",
            "customer.postcode: required",
        ]
    );
}

fn cancel_req() -> CancelRequest {
    CancelRequest {
        request_id: None,
        invoice_number: "MINV20201231468".into(),
        merchant_reference: Some("ABC0001".into()),
        identifiers: vec![
            Identifier::new("AKULAKU_UNIQUE_REFERENCE", "MCH-12345678ABC0001"),
            Identifier::new("ORDER_ID", "893102"),
        ],
    }
}

fn refund_req() -> RefundRequest {
    RefundRequest {
        request_id: None,
        invoice_number: "invoice-00000101123".into(),
        merchant_reference: Some("REFUND-ABC-0001045".into()),
        identifiers: vec![
            Identifier::new("ORDER_ID", "1000043205"),
            Identifier::new(
                "AKULAKU_UNIQUE_REFERENCE",
                "MCH-0001-10791114622547REFUND-ABC-0001045",
            ),
        ],
        refund_reference: "XYZ-006456".into(),
        amount: RefundAmount::Full,
    }
}

#[tokio::test]
async fn each_cancel_rule_rejects_before_sending() {
    type Edit = fn(&mut CancelRequest);
    let rows: &[(Edit, &str, &str)] = &[
        (
            |r| r.invoice_number.clear(),
            "order.invoice_number",
            "required",
        ),
        (
            |r| r.invoice_number = "x".repeat(65),
            "order.invoice_number",
            "max 64 characters",
        ),
        (
            |r| r.merchant_reference = Some(" ".into()),
            "payment.merchant_unique_reference",
            "required",
        ),
        // Mandatory for cancel: never defaulted to the invoice number.
        (
            |r| r.merchant_reference = None,
            "payment.merchant_unique_reference",
            "required",
        ),
        (
            |r| r.merchant_reference = Some("x".repeat(65)),
            "payment.merchant_unique_reference",
            "max 64 characters",
        ),
    ];
    for (edit, field, rule) in rows {
        let mock = MockDoku::start(&[(CANCEL_PATH, fixture_bytes("cancel-response.json"))]).await;
        let mut req = cancel_req();
        edit(&mut req);
        let err = mock.api().cancel(&Akulaku, &req).await.expect_err(field);
        let v = err.violations().unwrap_or_else(|| panic!("{field}: {err}"));
        assert!(
            v.iter().any(
                |x| x.field == unified_path(doku_pay_akulaku::MAPPING, field) && x.rule == *rule
            ),
            "{field}: {v}"
        );
        assert_eq!(mock.hits(), 0, "{field}");
    }
}

#[tokio::test]
async fn each_refund_rule_rejects_before_sending() {
    type Edit = fn(&mut RefundRequest);
    let rows: &[(Edit, &str, &str)] = &[
        (
            |r| r.invoice_number.clear(),
            "order.invoice_number",
            "required",
        ),
        (
            |r| r.merchant_reference = Some("x".repeat(65)),
            "payment.merchant_unique_reference",
            "max 64 characters",
        ),
        (|r| r.identifiers.clear(), "payment.identifier", "required"),
        // Mandatory for refund: never defaulted to the invoice number.
        (
            |r| r.merchant_reference = None,
            "payment.merchant_unique_reference",
            "required",
        ),
        (
            |r| r.refund_reference.clear(),
            "refund.merchant_unique_reference",
            "required",
        ),
        (
            |r| r.refund_reference = "REFUND-ABC-0001045".into(),
            "refund.merchant_unique_reference",
            "must be a new reference, not the payment's",
        ),
    ];
    for (edit, field, rule) in rows {
        let mock = MockDoku::start(&[(REFUND_PATH, fixture_bytes("refund-response.json"))]).await;
        let mut req = refund_req();
        edit(&mut req);
        let err = mock.api().refund(&Akulaku, &req).await.expect_err(field);
        let v = err.violations().unwrap_or_else(|| panic!("{field}: {err}"));
        assert!(
            v.iter().any(
                |x| x.field == unified_path(doku_pay_akulaku::MAPPING, field) && x.rule == *rule
            ),
            "{field}: {v}"
        );
        assert_eq!(mock.hits(), 0, "{field}");
    }
}

#[tokio::test]
async fn partial_refund_is_a_typed_not_sent_error() {
    let mock = MockDoku::start(&[(REFUND_PATH, fixture_bytes("refund-response.json"))]).await;
    let mut req = refund_req();
    req.amount = RefundAmount::Partial(Amount::new(10_000).expect("amount"));
    let err = mock
        .api()
        .refund(&Akulaku, &req)
        .await
        .expect_err("partial");
    assert_eq!(err.delivery(), doku_pay_core::Delivery::NotSent);
    match err {
        Error::Unsupported { channel, operation } => {
            assert_eq!(
                (channel.as_str(), operation),
                ("akulaku", Operation::PartialRefund)
            );
        }
        other => panic!("expected unsupported, got {other}"),
    }
    assert_eq!(mock.hits(), 0);
}

// ------------------------------------------------------------------------------------------
// Round trips through the transport against a local signed server.

/// A guide answer rewritten to answer the guide's generate-order request (the guide's cancel
/// and refund samples are about other orders).
fn echoing(name: &str) -> Value {
    let mut v = fixture(name);
    set(
        &mut v,
        "/order/invoice_number",
        Some(json!("INV-20210707-0001")),
    );
    set(
        &mut v,
        "/payment/merchant_unique_reference",
        Some(json!("MUR-20210707-0001")),
    );
    v
}

#[tokio::test]
async fn create_cancel_refund_round_trip() {
    let cancel_answer = echoing("cancel-response.json");
    let refund_answer = echoing("refund-response.json");
    let mock = MockDoku::start(&[
        (CREATE_PATH, fixture_bytes("generate-order-response.json")),
        (CANCEL_PATH, cancel_answer.to_string().into_bytes()),
        (REFUND_PATH, refund_answer.to_string().into_bytes()),
    ])
    .await;
    let api = mock.api();

    // create
    let mut req = guide_payment_request();
    let rid = RequestId::new("baec7d95-f30a-4b78-b711-6ebe0ccdf50b").expect("rid");
    req.request_id = Some(rid.clone());
    let payment = api.create(&Akulaku, &req).await.expect("created");
    assert_eq!(payment.channel, "akulaku");
    assert_eq!(payment.request_id, rid);
    assert_eq!(payment.invoice_number, "INV-20210707-0001");
    assert_eq!(payment.amount.rupiah(), 90_000);
    assert_eq!(payment.status, PaymentStatus::Pending);
    assert_eq!(
        payment.merchant_reference.as_deref(),
        Some("MUR-20210707-0001")
    );
    assert_eq!(payment.identifier(wire::ORDER_ID), Some("1000035148"));
    assert_eq!(
        payment.identifier(wire::AKULAKU_UNIQUE_REFERENCE),
        Some("MCH-0001-10791114622547MUR-20210707-0001")
    );
    match &payment.next_action {
        Some(NextAction::Redirect {
            method,
            url,
            form_fields,
        }) => {
            assert_eq!(method, "GET");
            assert!(url.starts_with("https://test-mall.akulaku.com/v2/openPay.html?"));
            assert!(form_fields.is_empty());
        }
        other => panic!("a PENDING order redirects to payment.url: {other:?}"),
    }
    assert_eq!(payment.raw, fixture("generate-order-response.json"));

    // cancel, built from what create returned
    let cancellation = api
        .cancel(&Akulaku, &CancelRequest::for_payment(&payment))
        .await
        .expect("cancelled");
    assert_eq!(cancellation.payment_status, PaymentStatus::Cancelled);
    assert_eq!(cancellation.cancel_status, OperationStatus::Success);
    assert_eq!(cancellation.message.as_deref(), Some("Order Not Found"));
    assert_eq!(cancellation.amount.map(Amount::rupiah), Some(100_000));
    assert_eq!(cancellation.date, Some(utc("2020-08-11T08:50:02Z")));
    assert_eq!(cancellation.identifiers.len(), 2);
    assert_eq!(cancellation.invoice_number, "INV-20210707-0001");
    assert_eq!(cancellation.raw, cancel_answer);

    // refund, built from what create returned
    let refund = api
        .refund(&Akulaku, &RefundRequest::full(&payment, "XYZ-006456"))
        .await
        .expect("refunded");
    assert_eq!(refund.payment_status, PaymentStatus::Refunded);
    assert_eq!(refund.refund_status, OperationStatus::Success);
    assert_eq!(refund.refund_reference.as_deref(), Some("XYZ-006456"));
    assert_eq!(refund.invoice_number, "INV-20210707-0001");
    assert_eq!(refund.amount.map(Amount::rupiah), Some(110_000));
    assert_eq!(refund.raw, refund_answer);
    assert_eq!(refund.date, Some(utc("2021-12-27T05:57:06Z")));
    assert_eq!(
        refund.identifiers,
        [Identifier::new(
            "AKULAKU_UNIQUE_REFERENCE",
            "REF-MCH-0001-10791114622547XYZ-006456"
        )]
    );

    // what the server received, signed, on the right paths
    let received = mock.received();
    assert_eq!(received.len(), 3);
    assert!(
        received.iter().all(|r| r.signature_ok),
        "signatures must verify"
    );
    assert_eq!(received[0].path, CREATE_PATH);
    assert_eq!(received[0].request_id, rid.as_str());
    assert_eq!(received[0].body, fixture("generate-order-request.json"));
    let ids = json!([
        {"name": "ORDER_ID", "value": "1000035148"},
        {"name": "AKULAKU_UNIQUE_REFERENCE", "value": "MCH-0001-10791114622547MUR-20210707-0001"}
    ]);
    assert_eq!(received[1].path, CANCEL_PATH);
    assert_eq!(
        received[1].body,
        json!({
            "order": {"invoice_number": "INV-20210707-0001"},
            "payment": {"merchant_unique_reference": "MUR-20210707-0001", "identifier": ids}
        })
    );
    assert_eq!(received[2].path, REFUND_PATH);
    assert_eq!(
        received[2].body,
        json!({
            "order": {"invoice_number": "INV-20210707-0001"},
            "payment": {"merchant_unique_reference": "MUR-20210707-0001", "identifier": ids},
            "refund": {"merchant_unique_reference": "XYZ-006456"}
        })
    );
    // each operation used its own Request-Id
    assert_ne!(received[1].request_id, received[0].request_id);
    assert_ne!(received[2].request_id, received[1].request_id);
}

#[tokio::test]
async fn guide_cancel_and_refund_requests_are_sent_as_in_the_guide() {
    let mock = MockDoku::start(&[
        (CANCEL_PATH, fixture_bytes("cancel-response.json")),
        (REFUND_PATH, fixture_bytes("refund-response.json")),
    ])
    .await;
    let api = mock.api();
    api.cancel(&Akulaku, &cancel_req()).await.expect("cancel");
    api.refund(&Akulaku, &refund_req()).await.expect("refund");
    let received = mock.received();
    assert_eq!(received[0].body, fixture("cancel-request.json"));
    assert_eq!(received[1].body, fixture("refund-request.json"));
}

// ------------------------------------------------------------------------------------------
// Only a success answer about this request is a result.

#[derive(Clone, Copy, Debug)]
enum Op {
    Create,
    Cancel,
    Refund,
}

/// What an answer must turn into.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// A result (`replayed` for a 409).
    Result,
    /// [`Error::Doku`] with status 409.
    Doku409,
    /// [`Error::Undecodable`].
    Undecodable,
    /// [`Error::Untrusted`]: the answer contradicts the request.
    Untrusted,
}

/// Sends `op` for the guide's requests to a server answering `status` and `body`, and checks
/// the outcome.
async fn assert_answer(op: Op, status: u16, body: &Value, expect: Expect) {
    let path = match op {
        Op::Create => CREATE_PATH,
        Op::Cancel => CANCEL_PATH,
        Op::Refund => REFUND_PATH,
    };
    let mock = MockDoku::start_with_status(&[(path, status, body.to_string().into_bytes())]).await;
    let api = mock.api();
    let got = match op {
        Op::Create => api
            .create(&Akulaku, &guide_payment_request())
            .await
            .map(|p| p.replayed),
        Op::Cancel => api
            .cancel(&Akulaku, &cancel_req())
            .await
            .map(|c| c.replayed),
        Op::Refund => api
            .refund(&Akulaku, &refund_req())
            .await
            .map(|r| r.replayed),
    };
    let case = format!("{op:?} HTTP {status} {body}");
    match (expect, got) {
        (Expect::Result, Ok(replayed)) => assert_eq!(replayed, status == 409, "{case}"),
        (Expect::Doku409, Err(Error::Doku(e))) => {
            assert_eq!(e.status, 409, "{case}");
            assert_eq!(e.raw, body.to_string(), "{case}");
        }
        (Expect::Undecodable, Err(Error::Undecodable { status: s, raw, .. })) => {
            assert_eq!((s, raw), (status, body.to_string()), "{case}");
        }
        (Expect::Untrusted, Err(e @ Error::Untrusted { .. })) => {
            assert!(
                e.to_string().contains("contradicts the request"),
                "{case}: {e}"
            );
            assert_eq!(e.delivery(), doku_pay_core::Delivery::Unknown, "{case}");
        }
        (expect, got) => panic!("{case}: expected {expect:?}, got {got:?}"),
    }
}

/// `fixture(name)` with each `(pointer, value)` set (`None` removes).
fn edited(name: &str, edits: &[(&str, Option<Value>)]) -> Value {
    let mut v = fixture(name);
    for (pointer, value) in edits {
        set(&mut v, pointer, value.clone());
    }
    v
}

#[tokio::test]
async fn only_a_success_answer_for_this_request_is_a_result() {
    let doku_error =
        json!({"error": {"code": "invalid_request", "message": "Request-Id already used"}});
    let not_found = json!({"error": {"message": "Order Not Found"}});
    let other = |p: &'static str| (p, Some(json!("OTHER-0001")));
    let gone = |p: &'static str| (p, None);
    let create = "generate-order-response.json";
    let cancel = "cancel-response.json";
    let refund = "refund-response.json";
    let rows: Vec<(Op, u16, Value, Expect)> = vec![
        (Op::Create, 200, fixture(create), Expect::Result),
        (Op::Create, 409, fixture(create), Expect::Result),
        // FAILED is data, not an error.
        (
            Op::Create,
            200,
            fixture("generate-order-response-failed.json"),
            Expect::Result,
        ),
        (Op::Create, 409, doku_error.clone(), Expect::Doku409),
        (Op::Create, 409, json!({}), Expect::Doku409),
        (Op::Create, 200, json!({}), Expect::Undecodable),
        (Op::Create, 200, doku_error.clone(), Expect::Undecodable),
        (
            Op::Create,
            200,
            edited(create, &[gone("/order/invoice_number")]),
            Expect::Undecodable,
        ),
        (
            Op::Create,
            200,
            edited(create, &[gone("/order/amount")]),
            Expect::Undecodable,
        ),
        (
            Op::Create,
            200,
            edited(create, &[gone("/payment/status")]),
            Expect::Undecodable,
        ),
        (
            Op::Create,
            200,
            edited(create, &[other("/order/invoice_number")]),
            Expect::Untrusted,
        ),
        (
            Op::Create,
            409,
            edited(create, &[other("/order/invoice_number")]),
            Expect::Untrusted,
        ),
        (
            Op::Create,
            200,
            edited(create, &[("/order/amount", Some(json!(100000)))]),
            Expect::Untrusted,
        ),
        (
            Op::Create,
            200,
            edited(create, &[other("/payment/merchant_unique_reference")]),
            Expect::Untrusted,
        ),
        // The guide's cancel answer carries `cancel` and `error` together: a cancel answer.
        (Op::Cancel, 200, fixture(cancel), Expect::Result),
        (Op::Cancel, 409, fixture(cancel), Expect::Result),
        (
            Op::Cancel,
            200,
            edited(cancel, &[gone("/cancel")]),
            Expect::Result,
        ),
        (
            Op::Cancel,
            200,
            edited(cancel, &[gone("/payment/status")]),
            Expect::Result,
        ),
        (
            Op::Cancel,
            200,
            edited(cancel, &[gone("/order/invoice_number")]),
            Expect::Result,
        ),
        (
            Op::Cancel,
            200,
            edited(cancel, &[gone("/cancel"), gone("/payment/status")]),
            Expect::Undecodable,
        ),
        (Op::Cancel, 200, not_found.clone(), Expect::Undecodable),
        (Op::Cancel, 200, json!({}), Expect::Undecodable),
        (Op::Cancel, 409, doku_error.clone(), Expect::Doku409),
        (Op::Cancel, 409, not_found, Expect::Doku409),
        (
            Op::Cancel,
            200,
            edited(cancel, &[other("/order/invoice_number")]),
            Expect::Untrusted,
        ),
        (
            Op::Cancel,
            200,
            edited(cancel, &[other("/payment/merchant_unique_reference")]),
            Expect::Untrusted,
        ),
        (Op::Refund, 200, fixture(refund), Expect::Result),
        (Op::Refund, 409, fixture(refund), Expect::Result),
        (
            Op::Refund,
            200,
            edited(refund, &[gone("/refund")]),
            Expect::Result,
        ),
        (
            Op::Refund,
            200,
            edited(refund, &[gone("/payment/status")]),
            Expect::Result,
        ),
        (
            Op::Refund,
            200,
            edited(refund, &[gone("/refund"), gone("/payment/status")]),
            Expect::Undecodable,
        ),
        (Op::Refund, 200, json!({}), Expect::Undecodable),
        (Op::Refund, 409, doku_error, Expect::Doku409),
        (
            Op::Refund,
            200,
            edited(refund, &[other("/order/invoice_number")]),
            Expect::Untrusted,
        ),
        (
            Op::Refund,
            200,
            edited(refund, &[other("/payment/merchant_unique_reference")]),
            Expect::Untrusted,
        ),
        (
            Op::Refund,
            200,
            edited(refund, &[other("/refund/merchant_unique_reference")]),
            Expect::Untrusted,
        ),
    ];
    for (op, status, body, expect) in rows {
        assert_answer(op, status, &body, expect).await;
    }
}

#[test]
fn cancel_and_refund_report_only_the_amount_doku_sent() {
    let rows: &[(&str, Option<u64>)] = &[("/order/amount", None)];
    for (pointer, expected) in rows {
        let cancel = edited("cancel-response.json", &[(pointer, None)]);
        let c = cancelled(cancel).expect("cancel");
        assert_eq!(c.amount.map(Amount::rupiah), *expected, "cancel {pointer}");
        let refund = edited("refund-response.json", &[(pointer, None)]);
        let r = refunded(refund).expect("refund");
        assert_eq!(r.amount.map(Amount::rupiah), *expected, "refund {pointer}");
    }
}

// ------------------------------------------------------------------------------------------
// Status mapping.

fn sent(raw: Value) -> Sent<Bytes> {
    let rid = RequestId::new("5f2c1b4e-7f0a-4d0e-9d1b-6a3f2e1c0b9a").expect("rid");
    Sent::answer(rid, 200, raw.to_string())
}

/// Reads `raw` as the answer to the guide's generate-order request.
fn created(raw: Value) -> Result<Payment, Error> {
    let req = guide_payment_request();
    let body = Akulaku::to_wire(&req).expect("valid");
    wire::CREATE_ANSWER.read(&DESCRIPTOR, &req, &body, sent(raw))
}

/// Reads `raw` as the answer to the guide's cancel request.
fn cancelled(raw: Value) -> Result<Cancellation, Error> {
    let req = cancel_req();
    let body = Akulaku::cancel_to_wire(&req).expect("valid");
    wire::CANCEL_ANSWER.cancellation(&DESCRIPTOR, &req, &body, sent(raw))
}

/// Reads `raw` as the answer to the guide's refund request.
fn refunded(raw: Value) -> Result<Refund, Error> {
    let req = refund_req();
    let body = Akulaku::refund_to_wire(&req).expect("valid");
    wire::REFUND_ANSWER.refund(&DESCRIPTOR, &req, &body, sent(raw))
}

#[test]
fn create_status_mapping() {
    let rows: &[(&str, PaymentStatus, bool)] = &[
        ("generate-order-response.json", PaymentStatus::Pending, true),
        (
            "generate-order-response-failed.json",
            PaymentStatus::Failed,
            false,
        ),
    ];
    for (name, status, redirects) in rows {
        let raw = fixture(name);
        let p = created(raw).expect(name);
        assert_eq!(&p.status, status, "{name}");
        assert_eq!(p.next_action.is_some(), *redirects, "{name}");
    }
}

#[test]
fn cancel_status_mapping() {
    // (answer, payment status, cancel status, cancel date, payment expiry)
    type Row<'a> = (
        Value,
        PaymentStatus,
        OperationStatus,
        Option<&'a str>,
        Option<&'a str>,
    );
    let rows: &[Row] = &[
        (
            fixture("cancel-response.json"),
            PaymentStatus::Cancelled,
            OperationStatus::Success,
            Some("2020-08-11T08:50:02Z"),
            Some("2020-08-11T08:50:02Z"),
        ),
        // No cancel.date: the cancellation date is unknown. payment.date (yyyyMMddHHmmss,
        // UTC+7) is the order's expiry, not the cancellation date.
        (
            fixture("cancel-response-wib-date.json"),
            PaymentStatus::Pending,
            OperationStatus::Failed,
            None,
            Some("2020-08-11T08:50:02Z"),
        ),
        (
            json!({"payment": {"status": "SUCCESS"}, "cancel": {"status": "FAILED"}}),
            PaymentStatus::Success,
            OperationStatus::Failed,
            None,
            None,
        ),
    ];
    for (raw, payment_status, cancel_status, date, expires) in rows {
        let c = cancelled(raw.clone()).unwrap_or_else(|e| panic!("{raw}: {e}"));
        assert_eq!(
            (
                &c.payment_status,
                &c.cancel_status,
                c.date,
                c.payment_expires_at
            ),
            (
                payment_status,
                cancel_status,
                date.map(utc),
                expires.map(utc)
            ),
            "{raw}"
        );
    }
}

#[test]
fn refund_status_mapping() {
    let rows: &[(&str, &str, PaymentStatus, OperationStatus)] = &[
        (
            "REFUNDED",
            "SUCCESS",
            PaymentStatus::Refunded,
            OperationStatus::Success,
        ),
        (
            "FAILED",
            "FAILED",
            PaymentStatus::Failed,
            OperationStatus::Failed,
        ),
        (
            "CANCELED",
            "FAILED",
            PaymentStatus::Cancelled,
            OperationStatus::Failed,
        ),
        (
            "PENDING",
            "FAILED",
            PaymentStatus::Pending,
            OperationStatus::Failed,
        ),
        (
            "REFUNDED",
            "ODD",
            PaymentStatus::Refunded,
            OperationStatus::Unknown("ODD".into()),
        ),
    ];
    for (payment, refund, payment_status, refund_status) in rows {
        let mut raw = fixture("refund-response.json");
        set(&mut raw, "/payment/status", Some(json!(payment)));
        set(&mut raw, "/refund/status", Some(json!(refund)));
        let r = refunded(raw.clone()).unwrap_or_else(|e| panic!("{raw}: {e}"));
        assert_eq!(
            (&r.payment_status, &r.refund_status),
            (payment_status, refund_status),
            "{payment}/{refund}"
        );
        assert_eq!(r.raw, raw);
    }
}

// ------------------------------------------------------------------------------------------
// Descriptor, registration and notification.

#[test]
fn descriptor_states_the_capabilities() {
    let d = Akulaku.descriptor();
    assert_eq!(d, &DESCRIPTOR);
    assert_eq!(
        (d.id, d.channel_code, d.service_id, d.acquirer_id),
        ("akulaku", "PEER_TO_PEER_AKULAKU", "PEER_TO_PEER", "AKULAKU")
    );
    assert!(d.capabilities.cancel);
    assert_eq!(d.capabilities.refund, RefundSupport::FullOnly);
    assert_eq!(d.capabilities.redirect, RedirectStyle::Url);
    assert!(d.supports(Operation::Refund));
    assert!(!d.supports(Operation::PartialRefund));
    let paths: Vec<(Operation, &str, &str)> = d
        .endpoints
        .iter()
        .map(|e| (e.operation, e.method.as_str(), e.path))
        .collect();
    assert_eq!(
        paths,
        [
            (
                Operation::Create,
                "POST",
                "/akulaku-peer-to-peer/v2/generate-order"
            ),
            (Operation::Cancel, "POST", "/akulaku-peer-to-peer/v2/cancel"),
            (Operation::Refund, "POST", "/akulaku-peer-to-peer/v2/refund"),
        ]
    );
}

#[test]
fn registered_in_the_global_registry() {
    let registry = doku_pay_core::Registry::global();
    assert_eq!(
        registry
            .by_channel_code("PEER_TO_PEER_AKULAKU")
            .map(|c| c.descriptor().id)
            .ok(),
        Some("akulaku")
    );
}

#[test]
fn notification_maps_to_the_unified_model() {
    let body = br#"{"service":{"id":"PEER_TO_PEER"},"acquirer":{"id":"AKULAKU"},"channel":{"id":"PEER_TO_PEER_AKULAKU"},"order":{"invoice_number":"INV-20210707-0001","amount":"90000.00"},"transaction":{"status":"SUCCESS","date":"20210707160000","original_request_id":"baec7d95-f30a-4b78-b711-6ebe0ccdf50b"},"peer_to_peer_info":{"merchant_unique_reference":"MUR-20210707-0001","identifier":[{"name":"AKULAKU_UNIQUE_REFERENCE","value":"MCH-0001MUR-20210707-0001"},{"name":"ORDER_ID","value":"1000043205"}]},"payment":{"merchant_unique_reference":"MUR-20210707-0001"}}"#;
    let verified = verified_notification(body, "/payments/notifications");
    let n = Akulaku.parse_notification(&verified).expect("maps");
    assert_eq!(n.channel.as_deref(), Some("akulaku"));
    assert_eq!(n.channel_code, "PEER_TO_PEER_AKULAKU");
    assert_eq!(n.invoice_number, "INV-20210707-0001");
    assert_eq!(n.amount.rupiah(), 90_000);
    assert_eq!(n.status, PaymentStatus::Success);
    assert_eq!(
        n.original_request_id.as_deref(),
        Some("baec7d95-f30a-4b78-b711-6ebe0ccdf50b")
    );
    assert_eq!(n.date, Some(utc("2021-07-07T09:00:00Z")));
    // What cancel and refund need, from DOKU's paylater notification sample.
    let ids: Vec<(&str, &str)> = n
        .identifiers
        .iter()
        .map(|i| (i.name.as_str(), i.value.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("AKULAKU_UNIQUE_REFERENCE", "MCH-0001MUR-20210707-0001"),
            ("ORDER_ID", "1000043205")
        ]
    );
    assert_eq!(n.raw.as_bytes(), &body[..]);
}

#[test]
fn notification_of_another_channel_is_refused() {
    let rows: &[(&str, bool)] = &[
        ("PEER_TO_PEER_AKULAKU", true),
        ("EMONEY_LINKAJA", false),
        ("PEER_TO_PEER_KREDIVO", false),
    ];
    for (channel_id, accepted) in rows {
        let body = format!(
            r#"{{"channel":{{"id":"{channel_id}"}},"order":{{"invoice_number":"INV-1","amount":90000}},"transaction":{{"status":"SUCCESS"}}}}"#
        );
        let verified = verified_notification(body.as_bytes(), "/payments/notifications");
        let got = Akulaku.parse_notification(&verified);
        assert_eq!(got.is_ok(), *accepted, "{channel_id}: {got:?}");
    }
}
