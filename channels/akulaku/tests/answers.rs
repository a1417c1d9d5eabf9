//! Liberal in what is accepted, exactly the guide in what is sent: every sample answer of the
//! guide and every legitimate variant of it becomes a result through the real transport, and
//! every request the guide allows is sent. One helper per direction, one row per variant.

doku_pay_testkit::fixtures!();
use doku_pay_akulaku::{Akulaku, CANCEL_PATH, CREATE_PATH, REFUND_PATH};
use doku_pay_core::{
    CancelRequest, Error, Identifier, PaymentRequest, RefundAmount, RefundRequest,
};
use doku_pay_testkit::{MockDoku, set};
use serde_json::{Value, json};

fn create_req() -> PaymentRequest {
    serde_json::from_value(fixture("unified-generate-order.json")).expect("unified request")
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

#[derive(Clone, Copy, Debug)]
enum Op {
    Create,
    Cancel,
    Refund,
}

/// What a result says, whatever the operation: the payment's status, the cancel / refund
/// status, the message, the identifiers and the redirect URL.
#[derive(Debug, PartialEq)]
struct Seen {
    status: String,
    op_status: Option<String>,
    message: Option<String>,
    identifiers: Vec<(String, String)>,
    redirect: Option<String>,
}

fn ids(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

fn pairs(ids: &[Identifier]) -> Vec<(String, String)> {
    ids.iter()
        .map(|i| (i.name.clone(), i.value.clone()))
        .collect()
}

/// Sends `op` for the guide's request to a server answering HTTP 200 with `body`.
async fn answer(op: Op, body: &Value) -> Result<Seen, Error> {
    let path = match op {
        Op::Create => CREATE_PATH,
        Op::Cancel => CANCEL_PATH,
        Op::Refund => REFUND_PATH,
    };
    let mock = MockDoku::start(&[(path, body.to_string().into_bytes())]).await;
    let api = mock.api();
    Ok(match op {
        Op::Create => {
            let p = api.create(&Akulaku, &create_req()).await?;
            Seen {
                status: p.status.to_string(),
                op_status: None,
                message: None,
                identifiers: pairs(&p.identifiers),
                redirect: p
                    .next_action
                    .and_then(|n| n.redirect_url().map(str::to_owned)),
            }
        }
        Op::Cancel => {
            let c = api.cancel(&Akulaku, &cancel_req()).await?;
            Seen {
                status: c.payment_status.to_string(),
                op_status: Some(c.cancel_status.to_string()),
                message: c.message,
                identifiers: pairs(&c.identifiers),
                redirect: None,
            }
        }
        Op::Refund => {
            let r = api.refund(&Akulaku, &refund_req()).await?;
            Seen {
                status: r.payment_status.to_string(),
                op_status: Some(r.refund_status.to_string()),
                message: None,
                identifiers: pairs(&r.identifiers),
                redirect: None,
            }
        }
    })
}

/// `fixture(name)` with each `(pointer, value)` set (`None` removes).
fn edited(name: &str, edits: &[(&str, Option<Value>)]) -> Value {
    let mut v = fixture(name);
    for (pointer, value) in edits {
        set(&mut v, pointer, value.clone());
    }
    v
}

const PAY_URL: &str = "https://test-mall.akulaku.com/v2/openPay.html?appId=15006801&refNo=MCH%2D0022%2D2599139268305MUR%2D20210712%2D0010&sign=Gd4XpzDEaxse6aoMQzpFNIGCSednnBT5X2iF5P%2DkLswSJGFCndyCER8IfeWI7n3t4XrwNAEevO2x2wuwkN5sjw";

#[tokio::test]
async fn every_sample_and_legitimate_variant_is_a_result() {
    let create = "generate-order-response.json";
    let cancel = "cancel-response.json";
    let refund = "refund-response.json";
    let create_ids = ids(&[
        ("ORDER_ID", "1000035148"),
        (
            "AKULAKU_UNIQUE_REFERENCE",
            "MCH-0001-10791114622547MUR-20210707-0001",
        ),
    ]);
    let pending = |identifiers: Vec<(String, String)>| Seen {
        status: "PENDING".into(),
        op_status: None,
        message: None,
        identifiers,
        redirect: Some(PAY_URL.into()),
    };
    let cancel_ids = ids(&[
        ("AKULAKU_UNIQUE_REFERENCE", "MCH-12345678ABC0001"),
        ("ORDER_ID", "893102"),
    ]);
    let cancelled = |status: &str, op: &str, message: Option<&str>| Seen {
        status: status.into(),
        op_status: Some(op.into()),
        message: message.map(Into::into),
        identifiers: cancel_ids.clone(),
        redirect: None,
    };
    let refund_ids = ids(&[(
        "AKULAKU_UNIQUE_REFERENCE",
        "REF-MCH-0001-10791114622547XYZ-006456",
    )]);
    let refunded = |status: &str, op: &str, identifiers: Vec<(String, String)>| Seen {
        status: status.into(),
        op_status: Some(op.into()),
        message: None,
        identifiers,
        redirect: None,
    };
    let rows: Vec<(&str, Op, Value, Seen)> = vec![
        // The guide's samples.
        (
            "create sample",
            Op::Create,
            fixture(create),
            pending(create_ids.clone()),
        ),
        (
            "create FAILED",
            Op::Create,
            fixture("generate-order-response-failed.json"),
            Seen {
                status: "FAILED".into(),
                op_status: None,
                message: None,
                identifiers: vec![],
                redirect: None,
            },
        ),
        (
            "cancel sample (cancel and error together)",
            Op::Cancel,
            fixture(cancel),
            cancelled("CANCELLED", "SUCCESS", Some("Order Not Found")),
        ),
        (
            "refund sample",
            Op::Refund,
            fixture(refund),
            refunded("REFUNDED", "SUCCESS", refund_ids.clone()),
        ),
        // An identifier entry without value (LinkAja's own sample has one).
        (
            "create identifier entry without value",
            Op::Create,
            edited(create, &[("/payment/identifier/0/value", None)]),
            pending(ids(&[
                ("ORDER_ID", ""),
                (
                    "AKULAKU_UNIQUE_REFERENCE",
                    "MCH-0001-10791114622547MUR-20210707-0001",
                ),
            ])),
        ),
        (
            "create identifier value as a number",
            Op::Create,
            edited(
                create,
                &[("/payment/identifier/0/value", Some(json!(1000035148)))],
            ),
            pending(create_ids.clone()),
        ),
        // identifier as the cancel table describes it: an object of key / value.
        (
            "create identifier as an object map",
            Op::Create,
            edited(
                create,
                &[(
                    "/payment/identifier",
                    Some(json!({
                        "ORDER_ID": "1000035148",
                        "AKULAKU_UNIQUE_REFERENCE": "MCH-0001-10791114622547MUR-20210707-0001"
                    })),
                )],
            ),
            // in key order
            pending(ids(&[
                (
                    "AKULAKU_UNIQUE_REFERENCE",
                    "MCH-0001-10791114622547MUR-20210707-0001",
                ),
                ("ORDER_ID", "1000035148"),
            ])),
        ),
        (
            "create identifier as a string",
            Op::Create,
            edited(
                create,
                &[("/payment/identifier", Some(json!("1000035148")))],
            ),
            pending(ids(&[("", "1000035148")])),
        ),
        (
            "create identifier null",
            Op::Create,
            edited(create, &[("/payment/identifier", Some(Value::Null))]),
            pending(vec![]),
        ),
        // Statuses in lower case.
        (
            "create status lower case",
            Op::Create,
            edited(create, &[("/payment/status", Some(json!("pending")))]),
            pending(create_ids.clone()),
        ),
        (
            "cancel statuses lower case",
            Op::Cancel,
            edited(
                cancel,
                &[
                    ("/payment/status", Some(json!("cancelled"))),
                    ("/cancel/status", Some(json!("success"))),
                ],
            ),
            cancelled("CANCELLED", "SUCCESS", Some("Order Not Found")),
        ),
        (
            "refund statuses lower case",
            Op::Refund,
            edited(
                refund,
                &[
                    ("/payment/status", Some(json!("Refunded"))),
                    ("/refund/status", Some(json!("success"))),
                ],
            ),
            refunded("REFUNDED", "SUCCESS", refund_ids.clone()),
        ),
        // Optional fields missing, unknown fields added.
        (
            "create without optional fields",
            Op::Create,
            edited(
                create,
                &[
                    ("/payment/identifier", None),
                    ("/payment/merchant_unique_reference", None),
                ],
            ),
            pending(vec![]),
        ),
        (
            "create with unknown fields",
            Op::Create,
            edited(
                create,
                &[
                    ("/payment/expired_date", Some(json!(20210707160000_u64))),
                    ("/additional_info", Some(json!({"a": [1, {"b": null}]}))),
                ],
            ),
            pending(create_ids.clone()),
        ),
        (
            "cancel without date, identifier, amount, error",
            Op::Cancel,
            edited(
                cancel,
                &[
                    ("/payment/date", None),
                    ("/payment/identifier", None),
                    ("/order/amount", None),
                    ("/cancel/date", None),
                    ("/error", None),
                ],
            ),
            Seen {
                identifiers: vec![],
                ..cancelled("CANCELLED", "SUCCESS", None)
            },
        ),
        // Number where the table says string (payment.date in yyyyMMddHHmmss form).
        (
            "cancel payment.date as a number",
            Op::Cancel,
            edited(
                cancel,
                &[("/payment/date", Some(json!(20200811155002_u64)))],
            ),
            cancelled("CANCELLED", "SUCCESS", Some("Order Not Found")),
        ),
        // A FAILED cancel is a 200 answer: a result with its message.
        (
            "cancel FAILED with error.message",
            Op::Cancel,
            edited(
                cancel,
                &[
                    ("/payment/status", Some(json!("PENDING"))),
                    ("/cancel/status", Some(json!("FAILED"))),
                ],
            ),
            cancelled("PENDING", "FAILED", Some("Order Not Found")),
        ),
        (
            "cancel error.message as a list",
            Op::Cancel,
            edited(
                cancel,
                &[("/error/message", Some(json!(["Order Not Found"])))],
            ),
            cancelled("CANCELLED", "SUCCESS", Some("Order Not Found")),
        ),
        (
            "refund FAILED",
            Op::Refund,
            edited(
                refund,
                &[
                    ("/payment/status", Some(json!("FAILED"))),
                    ("/refund/status", Some(json!("FAILED"))),
                    (
                        "/error",
                        Some(json!({"message": "Transaction already failed"})),
                    ),
                ],
            ),
            refunded("FAILED", "FAILED", refund_ids.clone()),
        ),
        (
            "refund identifier entry without value",
            Op::Refund,
            edited(refund, &[("/refund/identifier/0/value", None)]),
            refunded(
                "REFUNDED",
                "SUCCESS",
                ids(&[("AKULAKU_UNIQUE_REFERENCE", "")]),
            ),
        ),
    ];
    let mut failures = Vec::new();
    for (case, op, body, want) in rows {
        match answer(op, &body).await {
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
        (json!({"error": {"message": "Order Not Found"}}), None),
    ];
    for (body, code) in rows {
        let mock =
            MockDoku::start_with_status(&[(CREATE_PATH, 400, body.to_string().into_bytes())]).await;
        match mock.api().create(&Akulaku, &create_req()).await {
            Err(Error::Doku(e)) => assert_eq!(e.code.as_deref(), *code, "{body}"),
            other => panic!("{body}: {other:?}"),
        }
    }
}

/// What to send, and how to change the guide's request first.
enum Send {
    Create(fn(&mut PaymentRequest)),
    Cancel(fn(&mut CancelRequest)),
    Refund(fn(&mut RefundRequest)),
}

#[tokio::test]
async fn every_request_the_guide_allows_is_sent() {
    let rows: Vec<(&str, Send)> = vec![
        ("guide's generate-order", Send::Create(|_| {})),
        ("guide's cancel", Send::Cancel(|_| {})),
        ("guide's refund", Send::Refund(|_| {})),
        // payment.identifier is a mandatory array; the guide names no entry.
        (
            "refund naming only ORDER_ID",
            Send::Refund(|r| r.identifiers.retain(|i| i.name == "ORDER_ID")),
        ),
        (
            "refund naming only AKULAKU_UNIQUE_REFERENCE",
            Send::Refund(|r| r.identifiers.retain(|i| i.name != "ORDER_ID")),
        ),
        // No length limit on refund.merchant_unique_reference in the guide.
        (
            "refund reference of 65 characters",
            Send::Refund(|r| r.refund_reference = "R".repeat(65)),
        ),
        (
            "refund reference of 200 characters",
            Send::Refund(|r| r.refund_reference = "R".repeat(200)),
        ),
        // Identifiers are sent as create returned them, even an entry without value.
        (
            "cancel with an identifier entry without value",
            Send::Cancel(|r| r.identifiers[1].value.clear()),
        ),
        (
            "refund with an identifier entry without value",
            Send::Refund(|r| r.identifiers[0].value.clear()),
        ),
        // No format for callback_url in the guide.
        (
            "create with an app deep link as callback_url",
            Send::Create(|r| r.callback_url = Some("myapp://done".into())),
        ),
        // No minimum price or quantity for a line (the basket still sums to the amount).
        (
            "create with a free line",
            Send::Create(|r| {
                r.line_items[1].price = doku_pay_core::Amount::ZERO;
                r.amount = doku_pay_core::Amount::new(60_000).expect("amount");
            }),
        ),
        (
            "create with a line of quantity 0",
            Send::Create(|r| {
                r.line_items[1].quantity = 0;
                r.amount = doku_pay_core::Amount::new(60_000).expect("amount");
            }),
        ),
    ];
    let mut failures = Vec::new();
    for (case, send) in rows {
        let mock = MockDoku::start(&[
            (CREATE_PATH, fixture_bytes("generate-order-response.json")),
            (CANCEL_PATH, fixture_bytes("cancel-response.json")),
            (REFUND_PATH, fixture_bytes("refund-response.json")),
        ])
        .await;
        let api = mock.api();
        let got = match send {
            Send::Create(edit) => {
                let mut r = create_req();
                edit(&mut r);
                r.invoice_number = "INV-20210707-0001".into();
                api.create(&Akulaku, &r).await.map(drop)
            }
            Send::Cancel(edit) => {
                let mut r = cancel_req();
                edit(&mut r);
                api.cancel(&Akulaku, &r).await.map(drop)
            }
            Send::Refund(edit) => {
                let mut r = refund_req();
                edit(&mut r);
                api.refund(&Akulaku, &r).await.map(drop)
            }
        };
        // A create answer's amount is the guide's (90 000): an edited amount is an answer
        // that contradicts the request, which still proves the request was sent.
        let sent = mock.hits() == 1;
        match got {
            Ok(()) | Err(Error::Untrusted { .. }) if sent => {}
            other => failures.push(format!("{case}: sent {sent}, {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
