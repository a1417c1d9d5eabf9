//! Nothing DOKU said is lost: an untrusted or undecodable answer keeps its raw body and the
//! redirect it carries, so the caller can decide.

doku_pay_testkit::fixtures!();
use axum::http::HeaderMap;
use doku_pay_core::{
    Api, Credentials, Delivery, Environment, Error, Identifier, NextAction, PaymentRequest,
    RetryPolicy,
};
use doku_pay_linkaja::{CREATE_PATH, LinkAja};
use doku_pay_testkit::{MockDoku, set};
use serde_json::{Value, json};

fn request() -> PaymentRequest {
    serde_json::from_value(fixture("unified-request.json")).expect("unified request")
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
                    ("Response-Timestamp", "2021-07-09T02:05:14Z".to_owned()),
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

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Untrusted,
    Undecodable,
}

#[tokio::test]
async fn an_unusable_create_answer_keeps_its_body_and_redirect() {
    let ok = fixture("response-post.json");
    let with = |edits: &[(&str, Option<Value>)]| {
        let mut v = ok.clone();
        for (pointer, value) in edits {
            set(&mut v, pointer, value.clone());
        }
        v
    };
    let redirect = Some(NextAction::Redirect {
        method: doku_pay_core::Method::POST,
        url: "https://linkaja.example/checkout".into(),
        form_fields: vec![Identifier::new("Message", "c2lnbmVkLW1lc3NhZ2U=")],
    });
    // (case, badly signed?, answer, kind, redirect kept)
    let rows: Vec<(&str, bool, Value, Kind, Option<NextAction>)> = vec![
        (
            "bad response signature",
            true,
            ok.clone(),
            Kind::Untrusted,
            redirect.clone(),
        ),
        (
            "answer names another invoice",
            false,
            with(&[("/order/invoice_number", Some(json!("LINKAJA23052595")))]),
            Kind::Untrusted,
            redirect.clone(),
        ),
        (
            "answer names another amount",
            false,
            with(&[("/order/amount", Some(json!("10000.00")))]),
            Kind::Untrusted,
            redirect.clone(),
        ),
        (
            "answer without status",
            false,
            with(&[("/emoney_payment/status", None)]),
            Kind::Undecodable,
            redirect.clone(),
        ),
        (
            "answer with a fractional amount and the parameter as a string",
            false,
            with(&[
                ("/order/amount", Some(json!("150000.50"))),
                (
                    "/emoney_payment/redirect_parameter",
                    Some(json!("c2lnbmVkLW1lc3NhZ2U=")),
                ),
            ]),
            Kind::Undecodable,
            redirect.clone(),
        ),
        (
            "no redirect in the answer",
            false,
            json!({"error": {"message": "x"}}),
            Kind::Undecodable,
            None,
        ),
    ];
    for (case, bad_signature, body, kind, next) in rows {
        let (got, _task, _mock) = if bad_signature {
            let (api, task) = badly_signed(body.clone()).await;
            (api.create(&LinkAja, &request()).await, Some(task), None)
        } else {
            let mock = MockDoku::start(&[(CREATE_PATH, body.to_string().into_bytes())]).await;
            (
                mock.api().create(&LinkAja, &request()).await,
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
        // What the error says never carries the secret or the body.
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("SK-"), "{case}: {shown}");
    }
}
