//! LinkAja: fixtures, rules, mapping, transport round trip, redirect form and notification.

doku_pay_testkit::fixtures!();
use doku_pay_core::answer;
use doku_pay_core::validate::unified_path;
use doku_pay_core::{
    Amount, CancelRequest, Error, Identifier, NextAction, Operation, PaymentChannel,
    PaymentRequest, PaymentStatus, RedirectStyle, RefundAmount, RefundRequest, RefundSupport,
    RequestId,
};
use doku_pay_linkaja::{
    CREATE_PATH, DESCRIPTOR, LinkAja, RedirectFormError, redirect_form_html, wire,
};
use doku_pay_testkit::{MockDoku, set, verified_notification};
use serde_json::{Value, json};

fn unified(doc: Value) -> PaymentRequest {
    serde_json::from_value(doc).expect("unified request")
}

// ------------------------------------------------------------------------------------------
// Every sample body deserialises into the wire models.

#[derive(Clone, Copy, Debug)]
enum Body {
    Request,
    Response,
}

/// Reads a fixture (a request must pass the guide's rules) and returns its invoice number
/// and amount as they are read from an answer.
fn decode(name: &str, kind: Body) -> (String, u64) {
    let body = fixture(name);
    if let Body::Request = kind {
        assert_eq!(wire::CREATE_RULES.check(&body), Ok(()), "{name}");
    }
    (
        answer::text(&body, "order.invoice_number").expect("invoice"),
        answer::amount(&body, "order.amount")
            .expect("amount")
            .rupiah(),
    )
}

#[test]
fn every_sample_body_deserialises() {
    let rows: &[(&str, Body, &str, u64)] = &[
        (
            "guide-request.json",
            Body::Request,
            "INV-20210124-0001",
            150_000,
        ),
        // The guide's response sends the amount as the string "10000.00".
        (
            "guide-response.json",
            Body::Response,
            "LINKAJA23052595",
            10_000,
        ),
        ("request.json", Body::Request, "INV-20210124-0001", 150_000),
        (
            "response-post.json",
            Body::Response,
            "INV-20210124-0001",
            150_000,
        ),
        (
            "response-get.json",
            Body::Response,
            "INV-20210124-0001",
            150_000,
        ),
    ];
    for (name, kind, invoice, amount) in rows {
        assert_eq!(
            decode(name, *kind),
            (invoice.to_string(), *amount),
            "{name}"
        );
    }
}

#[test]
fn guide_response_fields_are_read() {
    let raw = fixture_bytes("guide-response.json");
    let r: Value = serde_json::from_slice(&raw).expect("decodes");
    let ids = r["emoney_configuration"]["identifier"].clone();
    let ids = doku_pay_core::lenient::name_values_from(&ids, "TERMINAL_ID");
    assert_eq!(
        (ids[0].name.as_str(), ids[0].value.as_str()),
        ("TERMINAL_ID", "e2etest")
    );
    let method = answer::text(&r, "emoney_payment.redirect_method_http");
    assert_eq!(method.as_deref(), Some("POST"));
    let fields = r["emoney_payment"]["redirect_parameter"].clone();
    let fields = doku_pay_core::lenient::name_values_from(&fields, "Message");
    assert_eq!(fields[0].name, "Message");
    assert_eq!(
        answer::text(&r, "emoney_payment.status").as_deref(),
        Some("PENDING")
    );
}

#[test]
fn response_amount_forms() {
    let rows: &[(Value, Option<u64>)] = &[
        (json!(10000), Some(10_000)),
        (json!("10000.00"), Some(10_000)),
        (json!("10000"), Some(10_000)),
        (json!(10000.0), Some(10_000)),
        (json!("10000.50"), None),
        (json!(-1), None),
        (json!("abc"), None),
    ];
    for (amount, expected) in rows {
        let body = json!({"order": {"invoice_number": "X", "amount": amount}});
        let got = answer::amount(&body, "order.amount").map(Amount::rupiah);
        assert_eq!(got, *expected, "amount {amount}");
    }
}

// ------------------------------------------------------------------------------------------
// Mapping from the unified model.

#[test]
fn unified_request_maps_to_wire_body() {
    let wire = LinkAja::to_wire(&unified(fixture("unified-request.json"))).expect("valid");
    assert_eq!(
        serde_json::to_value(&wire).expect("serialises"),
        fixture("request.json")
    );
}

#[test]
fn customer_and_additional_info_are_omitted_when_empty() {
    let mut doc = fixture("unified-request.json");
    set(&mut doc, "/customer", None);
    set(&mut doc, "/notification_url", None);
    set(&mut doc, "/additional_info", None);
    let wire = LinkAja::to_wire(&unified(doc)).expect("valid");
    let body = serde_json::to_value(&wire).expect("serialises");
    assert_eq!(body.get("customer"), None);
    assert_eq!(body.get("additional_info"), None);
}

#[test]
fn guide_request_sample_is_valid() {
    // Its callback_url is "": the guide marks the field mandatory and gives no format.
    assert_eq!(
        wire::CREATE_RULES.check(&fixture("guide-request.json")),
        Ok(())
    );
}

// ------------------------------------------------------------------------------------------
// One row per rule: rejected with the right path, nothing sent.

/// Creates `req` against a server that counts requests; expects a validation error holding
/// `(field, rule)` and no request on the wire. `validate_create` must agree.
async fn assert_rejected(req: &PaymentRequest, field: &str, rule: &str) {
    let mock = MockDoku::start(&[(CREATE_PATH, fixture_bytes("response-post.json"))]).await;
    let err = mock
        .api()
        .create(&LinkAja, req)
        .await
        .expect_err("must be rejected");
    let v = err
        .violations()
        .unwrap_or_else(|| panic!("not a validation error: {err}"));
    assert!(
        v.iter()
            .any(|x| x.field == unified_path(doku_pay_linkaja::MAPPING, field) && x.rule == rule),
        "{field}: {rule} not in {v}"
    );
    assert_eq!(
        mock.hits(),
        0,
        "{field}: a rejected request reached the server"
    );
    let again = LinkAja
        .validate_create(req)
        .expect_err("validate_create agrees");
    assert_eq!(again.violations(), Some(v));
}

#[tokio::test]
async fn each_rule_rejects_before_sending() {
    let rows: &[(&str, Option<Value>, &str, &str)] = &[
        (
            "/invoice_number",
            Some(json!("")),
            "order.invoice_number",
            "required",
        ),
        (
            "/amount",
            Some(json!(0)),
            "order.amount",
            "must be at least 1 for linkaja",
        ),
        (
            "/line_items",
            Some(json!([])),
            "order.line_items",
            "required",
        ),
        (
            "/line_items/0/name",
            Some(json!(" ")),
            "order.line_items[0].name",
            "required",
        ),
        (
            "/customer/phone",
            Some(json!("+62 811")),
            "customer.phone",
            "digits only",
        ),
        (
            "/notification_url",
            Some(json!("ftp://notify.example/n")),
            "additional_info.override_notification_url",
            "absolute http(s) URL",
        ),
        (
            "/additional_info/override_notification_url",
            Some(json!("https://other.example/n")),
            "notification_url",
            "conflicts with additional_info.override_notification_url",
        ),
        // Unified fields LinkAja has no place for are refused, not dropped.
        (
            "/line_items/0/sku",
            Some(json!("1002")),
            "line_items[0].sku",
            "not offered by LinkAja",
        ),
        (
            "/line_items/0/category",
            Some(json!("Bread")),
            "line_items[0].category",
            "not offered by LinkAja",
        ),
        (
            "/customer/id",
            Some(json!("CUST-1")),
            "customer.id",
            "not offered by LinkAja",
        ),
        (
            "/customer/address",
            Some(json!("Jl. Sudirman 1")),
            "customer.address",
            "not offered by LinkAja",
        ),
        (
            "/customer/city",
            Some(json!("Jakarta")),
            "customer.city",
            "not offered by LinkAja",
        ),
        (
            "/customer/state",
            Some(json!("DKI Jakarta")),
            "customer.state",
            "not offered by LinkAja",
        ),
        (
            "/customer/postcode",
            Some(json!("12190")),
            "customer.postcode",
            "not offered by LinkAja",
        ),
        (
            "/merchant_reference",
            Some(json!("MUR-1")),
            "merchant_reference",
            "not offered by LinkAja",
        ),
    ];
    for (pointer, value, field, rule) in rows {
        let mut doc = fixture("unified-request.json");
        set(&mut doc, pointer, value.clone());
        assert_rejected(&unified(doc), field, rule).await;
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
        ("/order/invoice_number", "order.invoice_number", "required"),
        ("/order/callback_url", "order.callback_url", "required"),
        ("/order/line_items", "order.line_items", "required"),
    ];
    for (pointer, field, rule) in rows {
        let mut doc = fixture("request.json");
        set(&mut doc, pointer, None);
        let v = wire::CREATE_RULES.check(&doc).expect_err(field);
        assert!(
            v.iter().any(|x| x.field == *field && x.rule == *rule),
            "{field}: {rule} not in {v}"
        );
    }
}

#[test]
fn every_broken_rule_is_reported_at_once() {
    let v = wire::CREATE_RULES
        .check(&json!({
            "order": {"line_items": [{"name": ""}]},
            "customer": {"phone": "x"},
            "additional_info": {"override_notification_url": 1}
        }))
        .expect_err("invalid");
    let fields: Vec<&str> = v.iter().map(|x| x.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "order.invoice_number",
            "order.amount",
            "order.callback_url",
            "order.line_items[0].name",
            "order.line_items[0].price",
            "order.line_items[0].quantity",
            "customer.phone",
            "additional_info.override_notification_url",
        ]
    );
}

#[test]
fn valid_wire_fixture_passes() {
    assert_eq!(wire::CREATE_RULES.check(&fixture("request.json")), Ok(()));
}

// ------------------------------------------------------------------------------------------
// Round trip through the transport against a local signed server.

#[tokio::test]
async fn create_round_trip_with_post_redirect() {
    let mock = MockDoku::start(&[(CREATE_PATH, fixture_bytes("response-post.json"))]).await;
    let mut req = unified(fixture("unified-request.json"));
    let rid = RequestId::new("24bb5232-3fe6-47a5-b0b0-d0fc3c6b5fdb").expect("rid");
    req.request_id = Some(rid.clone());
    let payment = mock.api().create(&LinkAja, &req).await.expect("created");

    let received = mock.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].signature_ok, "request signature must verify");
    assert_eq!(received[0].path, CREATE_PATH);
    assert_eq!(received[0].request_id, rid.as_str());
    assert_eq!(received[0].body, fixture("request.json"));

    assert_eq!(payment.channel, "linkaja");
    assert_eq!(payment.request_id, rid);
    assert!(!payment.replayed);
    assert_eq!(payment.invoice_number, "INV-20210124-0001");
    assert_eq!(payment.amount.rupiah(), 150_000);
    assert_eq!(payment.status, PaymentStatus::Pending);
    assert_eq!(
        payment.next_action,
        Some(NextAction::Redirect {
            method: doku_pay_core::Method::POST,
            url: "https://linkaja.example/checkout".into(),
            form_fields: vec![Identifier::new("Message", "c2lnbmVkLW1lc3NhZ2U=")],
        })
    );
    assert_eq!(
        payment.identifiers,
        [Identifier::new("TERMINAL_ID", "e2etest")]
    );
    assert_eq!(payment.raw, fixture("response-post.json"));
}

#[tokio::test]
async fn create_with_get_redirect_gives_a_get_next_action() {
    let mock = MockDoku::start(&[(CREATE_PATH, fixture_bytes("response-get.json"))]).await;
    let payment = mock
        .api()
        .create(&LinkAja, &unified(fixture("unified-request.json")))
        .await
        .expect("created");
    let next = payment.next_action.expect("a next action");
    assert_eq!(
        next,
        NextAction::Redirect {
            method: doku_pay_core::Method::GET,
            url: "https://linkaja.example/checkout?ref=abc".into(),
            form_fields: vec![],
        }
    );
    let html = redirect_form_html(&next).expect("renders");
    assert!(
        html.contains(r#"<form method="get" action="https://linkaja.example/checkout?ref=abc">"#)
    );
}

#[tokio::test]
async fn guide_response_maps_without_a_redirect_target() {
    // The guide's sample has an empty redirect_url_http: no next action can be offered. Its
    // invoice and amount are not those of the guide's request, so the request here is the
    // one the sample answers.
    let mock = MockDoku::start(&[(CREATE_PATH, fixture_bytes("guide-response.json"))]).await;
    let mut doc = fixture("unified-request.json");
    set(&mut doc, "/invoice_number", Some(json!("LINKAJA23052595")));
    set(&mut doc, "/amount", Some(json!(10000)));
    let payment = mock
        .api()
        .create(&LinkAja, &unified(doc))
        .await
        .expect("created");
    assert_eq!(payment.amount.rupiah(), 10_000);
    assert_eq!(payment.invoice_number, "LINKAJA23052595");
    assert_eq!(payment.next_action, None);
}

/// What an answer must turn into.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// A payment (`replayed` for a 409).
    Payment,
    /// [`Error::Doku`] with status 409.
    Doku409,
    /// [`Error::Undecodable`].
    Undecodable,
    /// [`Error::Untrusted`]: the answer contradicts the request.
    Untrusted,
}

/// Creates the fixture request against a server answering `status` and `body`, and checks
/// the outcome.
async fn assert_answer(status: u16, body: &Value, expect: Expect) {
    let mock =
        MockDoku::start_with_status(&[(CREATE_PATH, status, body.to_string().into_bytes())]).await;
    let got = mock
        .api()
        .create(&LinkAja, &unified(fixture("unified-request.json")))
        .await;
    let case = format!("HTTP {status} {body}");
    match (expect, got) {
        (Expect::Payment, Ok(p)) => {
            assert_eq!(p.replayed, status == 409, "{case}");
            assert_eq!(
                (p.invoice_number.as_str(), p.amount.rupiah()),
                ("INV-20210124-0001", 150_000),
                "{case}"
            );
            assert_eq!(p.status, PaymentStatus::Pending, "{case}");
        }
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

#[tokio::test]
async fn only_a_success_answer_for_this_request_is_a_payment() {
    let ok = fixture("response-post.json");
    let without = |pointer: &str| {
        let mut v = ok.clone();
        set(&mut v, pointer, None);
        v
    };
    let with = |pointer: &str, value: Value| {
        let mut v = ok.clone();
        set(&mut v, pointer, Some(value));
        v
    };
    let doku_error =
        json!({"error": {"code": "invalid_request", "message": "Request-Id already used"}});
    let rows: Vec<(u16, Value, Expect)> = vec![
        (200, ok.clone(), Expect::Payment),
        // DOKU's stored answer to an identical earlier request.
        (409, ok.clone(), Expect::Payment),
        // DOKU's refusal of a replay, or any object without the success shape.
        (409, doku_error.clone(), Expect::Doku409),
        (409, json!({}), Expect::Doku409),
        (200, json!({}), Expect::Undecodable),
        (200, doku_error, Expect::Undecodable),
        (200, without("/order/invoice_number"), Expect::Undecodable),
        (
            200,
            with("/order/invoice_number", json!(" ")),
            Expect::Undecodable,
        ),
        (200, without("/order/amount"), Expect::Undecodable),
        (200, without("/emoney_payment/status"), Expect::Undecodable),
        (
            200,
            with("/emoney_payment/status", json!("")),
            Expect::Undecodable,
        ),
        // An answer about another payment: outcome unknown.
        (
            200,
            with("/order/invoice_number", json!("LINKAJA23052595")),
            Expect::Untrusted,
        ),
        (
            200,
            with("/order/amount", json!("10000.00")),
            Expect::Untrusted,
        ),
        (409, with("/order/amount", json!(150001)), Expect::Untrusted),
    ];
    for (status, body, expect) in rows {
        assert_answer(status, &body, expect).await;
    }
}

#[tokio::test]
async fn cancel_and_refund_are_unsupported_without_a_request() {
    let mock = MockDoku::start(&[]).await;
    let api = mock.api();
    let cancel = CancelRequest {
        request_id: None,
        invoice_number: "INV-1".into(),
        merchant_reference: None,
        identifiers: vec![],
    };
    let refund = RefundRequest {
        request_id: None,
        invoice_number: "INV-1".into(),
        merchant_reference: None,
        identifiers: vec![],
        refund_reference: "R-1".into(),
        amount: RefundAmount::Full,
    };
    let rows: Vec<(Error, Operation)> = vec![
        (
            api.cancel(&LinkAja, &cancel).await.expect_err("cancel"),
            Operation::Cancel,
        ),
        (
            api.refund(&LinkAja, &refund).await.expect_err("refund"),
            Operation::Refund,
        ),
    ];
    for (err, op) in rows {
        match err {
            Error::Unsupported { channel, operation } => {
                assert_eq!((channel.as_str(), operation), ("linkaja", op));
            }
            other => panic!("expected unsupported, got {other}"),
        }
    }
    assert_eq!(mock.hits(), 0);
}

#[test]
fn descriptor_states_the_capabilities() {
    let d = LinkAja.descriptor();
    assert_eq!(d, &DESCRIPTOR);
    assert_eq!(
        (d.id, d.channel_code, d.service_id, d.acquirer_id),
        ("linkaja", "EMONEY_LINKAJA", "EMONEY", "LINKAJA")
    );
    assert!(!d.capabilities.cancel);
    assert_eq!(d.capabilities.refund, RefundSupport::None);
    assert_eq!(d.capabilities.redirect, RedirectStyle::Form);
    assert_eq!(
        (d.capabilities.min_amount, d.capabilities.max_amount),
        (Amount::new_const(1), Amount::MAX)
    );
    assert!(d.supports(Operation::Create));
    assert!(!d.supports(Operation::Cancel));
    assert!(!d.supports(Operation::Refund));
    assert_eq!(
        d.endpoint(Operation::Create)
            .map(|e| (e.method.as_str(), e.path)),
        Some(("POST", "/linkaja-emoney/v2/ServiceRequestPayment"))
    );
}

#[test]
fn registered_in_the_global_registry() {
    let registry = doku_pay_core::Registry::global();
    assert_eq!(
        registry
            .by_channel_code("EMONEY_LINKAJA")
            .map(|c| c.descriptor().id)
            .ok(),
        Some("linkaja")
    );
}

// ------------------------------------------------------------------------------------------
// The self-submitting redirect form.

#[test]
fn redirect_form_escapes_every_value() {
    const HOSTILE: &str = r#""><script>alert(1)</script>"#;
    const ESCAPED: &str = "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;";
    let rows: &[(&str, &str, &str)] = &[
        // (url, field name, field value)
        ("https://pay.example/x", "Message", HOSTILE),
        ("https://pay.example/x", HOSTILE, "v"),
        (&*format!("https://pay.example/x?{HOSTILE}"), "Message", "v"),
        ("https://pay.example/x", "Message", "it's & <b>"),
    ];
    for (url, name, value) in rows {
        let html = redirect_form_html(&NextAction::Redirect {
            method: doku_pay_core::Method::POST,
            url: (*url).into(),
            form_fields: vec![Identifier::new(*name, *value)],
        })
        .expect("renders");
        assert_eq!(
            html.matches("<script").count(),
            1,
            "only our own script: {html}"
        );
        assert!(!html.contains("alert(1)</script>"), "{html}");
        if [url, name, value].iter().any(|s| s.contains(HOSTILE)) {
            assert!(html.contains(ESCAPED), "{html}");
        }
        assert!(
            !html.contains("it's"),
            "single quotes are escaped too: {html}"
        );
        assert!(!html.contains("<b>"), "{html}");
    }
}

#[test]
fn redirect_form_posts_the_fields() {
    let html = redirect_form_html(&NextAction::Redirect {
        method: doku_pay_core::Method::POST,
        url: "https://pay.example/x".into(),
        form_fields: vec![Identifier::new("Message", "abc"), Identifier::new("B", "2")],
    })
    .expect("renders");
    assert!(html.contains(r#"<form method="post" action="https://pay.example/x">"#));
    assert!(html.contains(r#"<input type="hidden" name="Message" value="abc">"#));
    assert!(html.contains(r#"<input type="hidden" name="B" value="2">"#));
    assert!(html.contains("document.forms[0].submit()"));
}

#[test]
fn redirect_form_refuses_non_http_targets() {
    for url in [
        "javascript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,hi",
        "https://",
        "https://pay.example/a b",
        "",
    ] {
        let got = redirect_form_html(&NextAction::Redirect {
            method: doku_pay_core::Method::POST,
            url: url.into(),
            form_fields: vec![],
        });
        assert_eq!(
            got,
            Err(RedirectFormError::UnsafeUrl(url.into())),
            "{url:?}"
        );
    }
}

// ------------------------------------------------------------------------------------------
// Notifications.

#[test]
fn notification_maps_to_the_unified_model() {
    let body = br#"{"service":{"id":"EMONEY"},"acquirer":{"id":"LINKAJA"},"channel":{"id":"EMONEY_LINKAJA"},"order":{"invoice_number":"INV-20210124-0001","amount":150000},"transaction":{"status":"SUCCESS","date":"2021-01-27T03:24:23Z","original_request_id":"15022aab-444f-4b04-afa8-ddfce89432ec"},"emoney_payment":{"account_id":"62811***"}}"#;
    let verified = verified_notification(body, "/payments/notifications");
    let n = LinkAja.parse_notification(&verified).expect("maps");
    assert_eq!(n.channel.as_deref(), Some("linkaja"));
    assert_eq!(n.channel_code, "EMONEY_LINKAJA");
    assert_eq!(n.invoice_number, "INV-20210124-0001");
    assert_eq!(n.amount.rupiah(), 150_000);
    assert_eq!(n.status, PaymentStatus::Success);
    assert_eq!(
        n.original_request_id.as_deref(),
        Some("15022aab-444f-4b04-afa8-ddfce89432ec")
    );
    assert_eq!(
        n.request_id.as_str(),
        "479b663f-5c9d-400d-8e80-3e548a8f7639"
    );
    assert_eq!(n.raw.as_bytes(), &body[..]);
    assert_eq!(
        n.date.map(|d| d.unix_timestamp()),
        Some(1_611_717_863),
        "2021-01-27T03:24:23Z"
    );
}

#[test]
fn notification_of_another_channel_is_refused() {
    let rows: &[(&str, bool)] = &[
        ("EMONEY_LINKAJA", true),
        ("PEER_TO_PEER_AKULAKU", false),
        ("EMONEY_OVO", false),
    ];
    for (channel_id, accepted) in rows {
        let body = format!(
            r#"{{"channel":{{"id":"{channel_id}"}},"order":{{"invoice_number":"INV-1","amount":150000}},"transaction":{{"status":"SUCCESS"}}}}"#
        );
        let verified = verified_notification(body.as_bytes(), "/payments/notifications");
        let got = LinkAja.parse_notification(&verified);
        assert_eq!(got.is_ok(), *accepted, "{channel_id}: {got:?}");
    }
}
