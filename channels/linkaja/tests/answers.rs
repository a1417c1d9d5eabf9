//! Liberal in what is accepted, exactly the guide in what is sent: the guide's sample answer
//! and every legitimate variant of it becomes a payment through the real transport, and
//! every request the guide allows is sent. One helper per direction, one row per variant.

doku_pay_testkit::fixtures!();
use doku_pay_core::{Error, Identifier, NextAction, PaymentRequest, PaymentStatus};
use doku_pay_linkaja::{CREATE_PATH, LinkAja};
use doku_pay_testkit::{MockDoku, set};
use serde_json::{Value, json};

/// The unified request the fixture answers (`response-post.json`) answer.
fn request() -> PaymentRequest {
    serde_json::from_value(fixture("unified-request.json")).expect("unified request")
}

/// What a payment says: status, identifiers and redirect.
#[derive(Debug, PartialEq)]
struct Seen {
    status: PaymentStatus,
    identifiers: Vec<Identifier>,
    next_action: Option<NextAction>,
}

async fn answer(req: &PaymentRequest, body: &Value) -> Result<Seen, Error> {
    let mock = MockDoku::start(&[(CREATE_PATH, body.to_string().into_bytes())]).await;
    let p = mock.api().create(&LinkAja, req).await?;
    Ok(Seen {
        status: p.status,
        identifiers: p.identifiers,
        next_action: p.next_action,
    })
}

fn edited(base: &Value, edits: &[(&str, Option<Value>)]) -> Value {
    let mut v = base.clone();
    for (pointer, value) in edits {
        set(&mut v, pointer, value.clone());
    }
    v
}

fn redirect(method: &str, fields: &[(&str, &str)]) -> Option<NextAction> {
    Some(NextAction::Redirect {
        method: method.parse().expect("an HTTP method"),
        url: "https://linkaja.example/checkout".into(),
        form_fields: fields
            .iter()
            .map(|(n, v)| Identifier::new(*n, *v))
            .collect(),
    })
}

#[tokio::test]
async fn every_sample_and_legitimate_variant_is_a_payment() {
    let ok = fixture("response-post.json");
    let terminal = vec![Identifier::new("TERMINAL_ID", "e2etest")];
    let message = [("Message", "c2lnbmVkLW1lc3NhZ2U=")];
    let seen = |identifiers: &[Identifier], next_action: Option<NextAction>| Seen {
        status: PaymentStatus::Pending,
        identifiers: identifiers.to_vec(),
        next_action,
    };
    // The guide's own sample answers another invoice and amount, and its redirect URL is "".
    let mut guide_req = request();
    guide_req.invoice_number = "LINKAJA23052595".into();
    guide_req.amount = doku_pay_core::Amount::new(10_000).expect("amount");
    let guide = fixture("guide-response.json");
    let req = request();
    let rows: Vec<(&str, &PaymentRequest, Value, Seen)> = vec![
        (
            "guide sample",
            &guide_req,
            guide.clone(),
            seen(&terminal, None),
        ),
        (
            "guide sample with a redirect URL (Message entry without value)",
            &guide_req,
            edited(
                &guide,
                &[(
                    "/emoney_payment/redirect_url_http",
                    Some(json!("https://linkaja.example/checkout")),
                )],
            ),
            seen(&terminal, redirect("POST", &[("Message", "")])),
        ),
        (
            "fixture",
            &req,
            ok.clone(),
            seen(&terminal, redirect("POST", &message)),
        ),
        // identifier and parameter as the guide's table types them: strings.
        (
            "identifier as a string",
            &req,
            edited(
                &ok,
                &[("/emoney_configuration/identifier", Some(json!("e2etest")))],
            ),
            seen(&terminal, redirect("POST", &message)),
        ),
        (
            "redirect_parameter as a string",
            &req,
            edited(
                &ok,
                &[(
                    "/emoney_payment/redirect_parameter",
                    Some(json!("c2lnbmVkLW1lc3NhZ2U=")),
                )],
            ),
            seen(&terminal, redirect("POST", &message)),
        ),
        (
            "the table's `parameter` as a string",
            &req,
            edited(
                &ok,
                &[
                    ("/emoney_payment/redirect_parameter", None),
                    (
                        "/emoney_payment/parameter",
                        Some(json!("c2lnbmVkLW1lc3NhZ2U=")),
                    ),
                ],
            ),
            seen(&terminal, redirect("POST", &message)),
        ),
        (
            "identifier entry without value, value as a number",
            &req,
            edited(
                &ok,
                &[(
                    "/emoney_configuration/identifier",
                    Some(json!([{"name": "TERMINAL_ID"}, {"name": "N", "value": 7}])),
                )],
            ),
            seen(
                &[
                    Identifier::new("TERMINAL_ID", ""),
                    Identifier::new("N", "7"),
                ],
                redirect("POST", &message),
            ),
        ),
        // The guide's `emoney_payment.status` is the create order request's ("PENDING,
        // SUCCESS"): SUCCESS says the order was made, not paid. Still pending, the customer
        // still sent to pay.
        (
            "SUCCESS: the create request succeeded",
            &req,
            edited(&ok, &[("/emoney_payment/status", Some(json!("SUCCESS")))]),
            seen(&terminal, redirect("POST", &message)),
        ),
        (
            "success in lower case",
            &req,
            edited(&ok, &[("/emoney_payment/status", Some(json!(" success ")))]),
            seen(&terminal, redirect("POST", &message)),
        ),
        // Status and method in lower case.
        (
            "status in lower case",
            &req,
            edited(&ok, &[("/emoney_payment/status", Some(json!("pending")))]),
            seen(&terminal, redirect("POST", &message)),
        ),
        (
            "method in lower case",
            &req,
            edited(
                &ok,
                &[("/emoney_payment/redirect_method_http", Some(json!("get")))],
            ),
            seen(&terminal, redirect("GET", &message)),
        ),
        (
            "method padded",
            &req,
            edited(
                &ok,
                &[("/emoney_payment/redirect_method_http", Some(json!(" get ")))],
            ),
            seen(&terminal, redirect("GET", &message)),
        ),
        // A method that is no HTTP token reads as the guide's POST (the raw answer keeps it).
        (
            "method not an HTTP token",
            &req,
            edited(
                &ok,
                &[("/emoney_payment/redirect_method_http", Some(json!("G E T")))],
            ),
            seen(&terminal, redirect("POST", &message)),
        ),
        // A missing method is POST (the guide's sample; a form carrying the parameters),
        // never a silent GET.
        (
            "method missing",
            &req,
            edited(&ok, &[("/emoney_payment/redirect_method_http", None)]),
            seen(&terminal, redirect("POST", &message)),
        ),
        // Optional parts missing or null, unknown fields added.
        (
            "no emoney_configuration, no redirect_parameter",
            &req,
            edited(
                &ok,
                &[
                    ("/emoney_configuration", None),
                    ("/emoney_payment/redirect_parameter", None),
                ],
            ),
            seen(&[], redirect("POST", &[])),
        ),
        (
            "emoney_configuration null",
            &req,
            edited(&ok, &[("/emoney_configuration", Some(Value::Null))]),
            seen(&[], redirect("POST", &message)),
        ),
        (
            "unknown fields",
            &req,
            edited(
                &ok,
                &[
                    ("/emoney_payment/expired_at", Some(json!(1700000000))),
                    ("/virtual_account_info", Some(json!({"x": [1, 2]}))),
                ],
            ),
            seen(&terminal, redirect("POST", &message)),
        ),
    ];
    let mut failures = Vec::new();
    for (case, req, body, want) in rows {
        match answer(req, &body).await {
            Ok(seen) if seen == want => {}
            got => failures.push(format!("{case}: expected {want:?}, got {got:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_numeric_error_code_is_kept_as_text() {
    let rows: &[(Value, Option<&str>)] = &[
        (
            json!({"error": {"code": 4001, "message": "x"}}),
            Some("4001"),
        ),
        (
            json!({"error": {"code": "invalid_request"}}),
            Some("invalid_request"),
        ),
        (json!({"message": ["amount is required"]}), None),
    ];
    for (body, code) in rows {
        let mock =
            MockDoku::start_with_status(&[(CREATE_PATH, 400, body.to_string().into_bytes())]).await;
        match mock.api().create(&LinkAja, &request()).await {
            Err(Error::Doku(e)) => assert_eq!(e.code.as_deref(), *code, "{body}"),
            other => panic!("{body}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn every_callback_url_the_guide_allows_is_sent() {
    // The guide marks callback_url mandatory, gives no format, and its sample sends "".
    for url in [
        "",
        "myapp://done",
        "https://merchant.example/return",
        "/return",
    ] {
        let mock = MockDoku::start(&[(CREATE_PATH, fixture_bytes("response-post.json"))]).await;
        let mut req = request();
        req.callback_url = Some(url.into());
        let got = mock.api().create(&LinkAja, &req).await;
        assert!(got.is_ok(), "{url:?}: {got:?}");
        assert_eq!(
            mock.received()[0].body["order"]["callback_url"],
            json!(url),
            "{url:?}"
        );
    }
}
