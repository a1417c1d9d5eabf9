//! Nothing DOKU said is lost: an untrusted or undecodable answer keeps its raw body and the
//! redirect it carries; the cancel answer's expiry is an expiry; a failed refund keeps its
//! message.

doku_pay_testkit::fixtures!();
use axum::http::HeaderMap;
use doku_pay_akulaku::{Akulaku, CANCEL_PATH, CREATE_PATH, REFUND_PATH};
use doku_pay_core::{
    Api, CancelRequest, Credentials, Delivery, Environment, Error, Identifier, NextAction,
    OperationStatus, PaymentRequest, PaymentStatus, RefundAmount, RefundRequest, RetryPolicy,
};
use doku_pay_testkit::{MockDoku, set};
use serde_json::{Value, json};

fn create_req() -> PaymentRequest {
    serde_json::from_value(fixture("unified-generate-order.json")).expect("unified request")
}

fn edited(name: &str, edits: &[(&str, Option<Value>)]) -> Value {
    let mut v = fixture(name);
    for (pointer, value) in edits {
        set(&mut v, pointer, value.clone());
    }
    v
}

fn utc(s: &str) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).expect(s)
}

/// A server answering every request with `body` under a signature that does not verify.
async fn badly_signed(body: Value) -> (Api, tokio::task::JoinHandle<()>) {
    let body = body.to_string();
    let app = axum::Router::new().fallback(move |headers: HeaderMap| {
        let body = body.clone();
        async move {
            let rid = headers
                .get("Request-Id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            (
                [
                    ("Client-Id", "MCH-0001-10791114622547".to_owned()),
                    ("Request-Id", rid),
                    ("Response-Timestamp", "2021-07-07T08:45:42Z".to_owned()),
                    (
                        "Signature",
                        "HMACSHA256=9UPUFzOqJc47aJzD9ESOTcWg6TMsg3mqSP+DnUO8ENE=".to_owned(),
                    ),
                ],
                body,
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let credentials = Credentials::new(
        "MCH-0001-10791114622547",
        "SK-NOT-THE-SERVERS",
        Environment::custom(url).expect("env"),
    )
    .expect("credentials");
    let api = Api::builder(credentials)
        .retry(RetryPolicy::NONE)
        .build()
        .expect("api");
    (api, task)
}

const PAY_URL: &str = "https://test-mall.akulaku.com/v2/openPay.html?appId=15006801&refNo=MCH%2D0022%2D2599139268305MUR%2D20210712%2D0010&sign=Gd4XpzDEaxse6aoMQzpFNIGCSednnBT5X2iF5P%2DkLswSJGFCndyCER8IfeWI7n3t4XrwNAEevO2x2wuwkN5sjw";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Untrusted,
    Undecodable,
}

#[tokio::test]
async fn an_unusable_create_answer_keeps_its_body_and_redirect() {
    let create = "generate-order-response.json";
    let redirect = Some(NextAction::Redirect {
        method: doku_pay_core::Method::GET,
        url: PAY_URL.into(),
        form_fields: vec![],
    });
    // (case, badly signed?, answer, kind, redirect kept)
    let rows: Vec<(&str, bool, Value, Kind, Option<NextAction>)> = vec![
        (
            "bad response signature",
            true,
            fixture(create),
            Kind::Untrusted,
            redirect.clone(),
        ),
        (
            "answer names another invoice",
            false,
            edited(create, &[("/order/invoice_number", Some(json!("OTHER")))]),
            Kind::Untrusted,
            redirect.clone(),
        ),
        (
            "answer names another amount",
            false,
            edited(create, &[("/order/amount", Some(json!(100000)))]),
            Kind::Untrusted,
            redirect.clone(),
        ),
        (
            "answer without status",
            false,
            edited(create, &[("/payment/status", None)]),
            Kind::Undecodable,
            redirect.clone(),
        ),
        (
            "answer with a fractional amount",
            false,
            edited(create, &[("/order/amount", Some(json!("90000.50")))]),
            Kind::Undecodable,
            redirect.clone(),
        ),
        (
            "not JSON",
            false,
            json!("<html>bad gateway</html>"),
            Kind::Undecodable,
            None,
        ),
        (
            "FAILED answer for another invoice: no redirect",
            false,
            edited(
                create,
                &[
                    ("/order/invoice_number", Some(json!("OTHER"))),
                    ("/payment/status", Some(json!("FAILED"))),
                ],
            ),
            Kind::Untrusted,
            None,
        ),
    ];
    for (case, bad_signature, body, kind, next) in rows {
        let (got, _task, _mock) = if bad_signature {
            let (api, task) = badly_signed(body.clone()).await;
            (api.create(&Akulaku, &create_req()).await, Some(task), None)
        } else {
            let mock = MockDoku::start(&[(CREATE_PATH, body.to_string().into_bytes())]).await;
            (
                mock.api().create(&Akulaku, &create_req()).await,
                None,
                Some(mock),
            )
        };
        let err = got.expect_err(case);
        let got_kind = match &err {
            Error::Untrusted { .. } => Kind::Untrusted,
            Error::Undecodable { .. } => Kind::Undecodable,
            other => panic!("{case}: {other:?}"),
        };
        assert_eq!(got_kind, kind, "{case}: {err}");
        assert_eq!(err.delivery(), Delivery::Unknown, "{case}");
        assert_eq!(err.raw(), Some(body.to_string().as_str()), "{case}");
        assert_eq!(err.next_action(), next.as_ref(), "{case}");
        match &err {
            Error::Untrusted {
                raw, next_action, ..
            }
            | Error::Undecodable {
                raw, next_action, ..
            } => {
                assert_eq!(raw, &body.to_string(), "{case}");
                assert_eq!(next_action.as_deref(), next.as_ref(), "{case}");
            }
            _ => unreachable!(),
        }
    }
}

fn cancel_req() -> CancelRequest {
    CancelRequest {
        request_id: None,
        invoice_number: "MINV20201231468".into(),
        merchant_reference: Some("ABC0001".into()),
        identifiers: vec![Identifier::new("ORDER_ID", "893102")],
    }
}

#[tokio::test]
async fn cancel_payment_date_is_the_orders_expiry_in_both_forms() {
    /// (payment.date, expiry, cancel.date, cancellation date)
    type Row<'a> = (
        Option<Value>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let rows: &[Row] = &[
        // The sample: ISO-8601 UTC.
        (
            Some(json!("2020-08-11T08:50:02Z")),
            Some("2020-08-11T08:50:02Z"),
            Some("2020-08-11T08:50:02Z"),
            Some("2020-08-11T08:50:02Z"),
        ),
        // The table: yyyyMMddHHmmss in UTC+7, as a string or a number; the cancellation date
        // is cancel.date, never payment.date.
        (
            Some(json!("20200812155002")),
            Some("2020-08-12T08:50:02Z"),
            Some("2020-08-11T08:50:02Z"),
            Some("2020-08-11T08:50:02Z"),
        ),
        (
            Some(json!(20200812155002_u64)),
            Some("2020-08-12T08:50:02Z"),
            None,
            None,
        ),
        (
            None,
            None,
            Some("2020-08-11T08:50:02Z"),
            Some("2020-08-11T08:50:02Z"),
        ),
        (Some(json!("next week")), None, None, None),
    ];
    for (payment_date, expiry, cancel_date, date) in rows {
        let body = edited(
            "cancel-response.json",
            &[
                ("/payment/date", payment_date.clone()),
                ("/cancel/date", cancel_date.map(|d| json!(d))),
            ],
        );
        let mock = MockDoku::start(&[(CANCEL_PATH, body.to_string().into_bytes())]).await;
        let c = mock
            .api()
            .cancel(&Akulaku, &cancel_req())
            .await
            .unwrap_or_else(|e| panic!("{payment_date:?}: {e}"));
        assert_eq!(
            (c.payment_expires_at, c.date),
            (expiry.map(utc), date.map(utc)),
            "{payment_date:?}"
        );
    }
}

#[tokio::test]
async fn a_failed_refund_is_a_result_with_its_message() {
    let body = edited(
        "refund-response.json",
        &[
            ("/payment/status", Some(json!("FAILED"))),
            ("/refund/status", Some(json!("failed"))),
            (
                "/error",
                Some(json!({"message": "Transaction already failed"})),
            ),
        ],
    );
    let mock = MockDoku::start(&[(REFUND_PATH, body.to_string().into_bytes())]).await;
    let req = RefundRequest {
        request_id: None,
        invoice_number: "invoice-00000101123".into(),
        merchant_reference: Some("REFUND-ABC-0001045".into()),
        identifiers: vec![Identifier::new("ORDER_ID", "1000043205")],
        refund_reference: "XYZ-006456".into(),
        amount: RefundAmount::Full,
    };
    let r = mock.api().refund(&Akulaku, &req).await.expect("a result");
    assert_eq!(
        (r.payment_status, r.refund_status, r.message.as_deref()),
        (
            PaymentStatus::Failed,
            OperationStatus::Failed,
            Some("Transaction already failed")
        )
    );
    assert_eq!(r.raw, body);
}
