//! The transport against a real HTTP server on 127.0.0.1 (ephemeral port) that checks every
//! request's signature and answers from a script. Each case states what the caller sees and
//! how many requests the server received, all with one Request-Id and identical bytes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Response, Uri};
use doku_pay_core::clock::format_timestamp;
use doku_pay_core::signature::Components;
use doku_pay_core::{
    Api, Credentials, Environment, Error, RequestId, RetryPolicy, SecretKey, Sent,
};
use serde::Deserialize;

const CLIENT: &str = "MCH-0001-10791114622547";
const SECRET: &str = "SK-TESTVECTOR-0001";
const OK_BODY: &str = r#"{"order":{"invoice_number":"INV-1","amount":150000}}"#;

#[derive(Clone, Debug)]
enum Reply {
    /// Correctly signed answer.
    Signed(u16, &'static str),
    /// No signature headers at all.
    Unsigned(u16, &'static str),
    /// Signed with another secret.
    BadSignature(u16, &'static str),
    /// Signed, but echoing another Request-Id.
    OtherRequestId(u16, &'static str),
    /// Answers only after this long.
    Slow(Duration),
    /// Closes the connection without an answer.
    Drop,
}

#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    path: String,
    request_id: String,
    body: Bytes,
    signature_ok: bool,
    content_type: Option<String>,
    traceparent: Option<String>,
    client_ids: usize,
}

#[derive(Clone)]
struct Shared {
    script: Arc<Mutex<Vec<Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

struct Server {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

async fn serve(script: Vec<Reply>) -> Server {
    let shared = Shared {
        script: Arc::new(Mutex::new(script)),
        seen: Arc::new(Mutex::new(Vec::new())),
    };
    let seen = shared.seen.clone();
    let app = Router::new().fallback(handler).with_state(shared);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server {
        base: format!("http://{addr}"),
        seen,
    }
}

async fn handler(
    State(s): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (rid, path) = (h("Request-Id"), uri.path().to_owned());
    let digest_body = (method != Method::GET).then_some(body.as_ref());
    let ts = h("Request-Timestamp");
    let secret = SecretKey::new(SECRET).unwrap();
    let signature_ok = h("Client-Id") == CLIENT
        && doku_pay_core::clock::parse_timestamp(&ts).is_some()
        && Components::request(CLIENT, &rid, &ts, &path, digest_body)
            .verify(&secret, &h("Signature"))
            .is_ok();
    s.seen.lock().unwrap().push(Seen {
        method,
        path: path.clone(),
        request_id: rid.clone(),
        body,
        signature_ok,
        content_type: headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned()),
        traceparent: headers
            .get("traceparent")
            .map(|v| v.to_str().unwrap().to_owned()),
        client_ids: headers.get_all("client-id").iter().count(),
    });
    let reply = {
        let mut script = s.script.lock().unwrap();
        if script.len() > 1 {
            script.remove(0)
        } else {
            script[0].clone()
        }
    };
    let signed = |status: u16, body: &'static str, key: &str, echo: &str| {
        let ts = format_timestamp(time::OffsetDateTime::now_utc());
        let sig = Components::response(CLIENT, echo, &ts, &path, body.as_bytes())
            .sign(&SecretKey::new(key).unwrap());
        Response::builder()
            .status(status)
            .header("Client-Id", CLIENT)
            .header("Request-Id", echo)
            .header("Response-Timestamp", ts)
            .header("Signature", sig)
            .header("Content-Type", "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    match reply {
        Reply::Signed(st, b) => signed(st, b, SECRET, &rid),
        Reply::BadSignature(st, b) => signed(st, b, "SK-NOT-THE-SECRET", &rid),
        Reply::OtherRequestId(st, b) => signed(st, b, SECRET, "another-request-id"),
        Reply::Unsigned(st, b) => Response::builder().status(st).body(Body::from(b)).unwrap(),
        Reply::Slow(d) => {
            tokio::time::sleep(d).await;
            signed(200, OK_BODY, SECRET, &rid)
        }
        Reply::Drop => {
            let err = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("dropped on purpose"))
            });
            Response::builder()
                .status(200)
                .body(Body::from_stream(err))
                .unwrap()
        }
    }
}

#[derive(Debug, Deserialize)]
struct Answer {
    order: AnswerOrder,
}

#[derive(Debug, Deserialize)]
struct AnswerOrder {
    invoice_number: String,
}

fn api(base: &str, verify: bool) -> Api {
    let creds = Credentials::new(CLIENT, SECRET, Environment::custom(base).unwrap()).unwrap();
    Api::builder(creds)
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
        })
        .verify_response_signature(verify)
        .build()
        .unwrap()
}

/// Renders what the caller sees as one line, so cases compare as data.
fn outcome(r: &Result<Sent<Answer>, Error>) -> String {
    match r {
        Ok(s) => format!(
            "ok {} replayed={} attempts={}",
            s.body.order.invoice_number, s.replayed, s.attempts
        ),
        Err(error @ Error::Doku(e)) => format!(
            "doku {} {:?} {:?} code={} message={}",
            e.status,
            e.kind,
            error.delivery(),
            e.code.as_deref().unwrap_or("-"),
            e.message.as_deref().unwrap_or("-")
        ),
        Err(Error::OutcomeUnknown { .. }) => "outcome unknown".into(),
        Err(Error::Untrusted { reason, .. }) => format!("untrusted: {reason}"),
        Err(Error::Undecodable { status, .. }) => format!("undecodable {status}"),
        Err(Error::Unreachable { .. }) => "unreachable".into(),
        Err(e) => format!("other: {e}"),
    }
}

struct Case {
    name: &'static str,
    script: Vec<Reply>,
    verify: bool,
    expect: &'static str,
    requests: usize,
}

#[tokio::test]
async fn post_cases() {
    use Reply::*;
    let d = || Duration::from_millis(0);
    let _ = d;
    let cases = vec![
        Case {
            name: "signed success",
            script: vec![Signed(200, OK_BODY)],
            verify: true,
            expect: "ok INV-1 replayed=false attempts=1",
            requests: 1,
        },
        Case {
            name: "409 replay with the original signed answer",
            script: vec![Signed(409, OK_BODY)],
            verify: true,
            expect: "ok INV-1 replayed=true attempts=1",
            requests: 1,
        },
        Case {
            name: "5xx then success",
            script: vec![Unsigned(503, "busy"), Signed(200, OK_BODY)],
            verify: true,
            expect: "ok INV-1 replayed=false attempts=2",
            requests: 2,
        },
        Case {
            name: "429 then success",
            script: vec![Unsigned(429, "slow down"), Signed(200, OK_BODY)],
            verify: true,
            expect: "ok INV-1 replayed=false attempts=2",
            requests: 2,
        },
        Case {
            name: "5xx then replay",
            script: vec![Unsigned(500, ""), Signed(409, OK_BODY)],
            verify: true,
            expect: "ok INV-1 replayed=true attempts=2",
            requests: 2,
        },
        Case {
            name: "5xx until retries run out",
            script: vec![Unsigned(502, r#"{"error":{"message":"bad gateway"}}"#)],
            verify: true,
            expect: "doku 502 Server Unknown code=- message=bad gateway",
            requests: 3,
        },
        Case {
            name: "slow answer past the timeout",
            script: vec![Slow(Duration::from_secs(2))],
            verify: true,
            expect: "outcome unknown",
            requests: 1,
        },
        Case {
            name: "connection dropped after the request",
            script: vec![Drop],
            verify: true,
            expect: "outcome unknown",
            requests: 1,
        },
        Case {
            name: "bad response signature",
            script: vec![BadSignature(200, OK_BODY)],
            verify: true,
            expect: "untrusted: response signature does not match",
            requests: 1,
        },
        Case {
            name: "unsigned success",
            script: vec![Unsigned(200, OK_BODY)],
            verify: true,
            expect: "untrusted: no Response-Timestamp header",
            requests: 1,
        },
        Case {
            name: "unsigned success, verification off",
            script: vec![Unsigned(200, OK_BODY)],
            verify: false,
            expect: "ok INV-1 replayed=false attempts=1",
            requests: 1,
        },
        Case {
            name: "answer for another Request-Id",
            script: vec![OtherRequestId(200, OK_BODY)],
            verify: true,
            expect: "untrusted: answer echoes Request-Id `another-request-id`, not `fixed-request-id-0001`",
            requests: 1,
        },
        Case {
            name: "DOKU error body",
            script: vec![Signed(
                400,
                r#"{"error":{"code":"invalid_parameter","message":"order.amount is invalid","type":"validation"}}"#,
            )],
            verify: true,
            expect: "doku 400 InvalidRequest Answered code=invalid_parameter message=order.amount is invalid",
            requests: 1,
        },
        Case {
            name: "unsigned 401 with a message list",
            script: vec![Unsigned(401, r#"{"message":["Invalid Header Signature"]}"#)],
            verify: true,
            expect: "doku 401 Unauthorized Answered code=- message=Invalid Header Signature",
            requests: 1,
        },
        Case {
            name: "error with a bad signature is not trusted",
            script: vec![BadSignature(
                404,
                r#"{"error":{"message":"Order Not Found"}}"#,
            )],
            verify: true,
            expect: "untrusted: response signature does not match",
            requests: 1,
        },
        Case {
            name: "409 that is not the original answer",
            script: vec![Unsigned(
                409,
                r#"{"error":{"code":"conflict","message":"Request-Id reused with another body"}}"#,
            )],
            verify: true,
            expect: "doku 409 Conflict Unknown code=conflict message=Request-Id reused with another body",
            requests: 1,
        },
        // The original answer replayed without a signature: not trusted as the payment,
        // and not a refusal either. DOKU has the Request-Id; how it ended is unknown.
        Case {
            name: "409 with the original answer, unsigned",
            script: vec![Unsigned(409, OK_BODY)],
            verify: true,
            expect: "doku 409 Conflict Unknown code=- message=-",
            requests: 1,
        },
        Case {
            name: "signed answer of the wrong shape",
            script: vec![Signed(200, r#"{"unexpected":true}"#)],
            verify: true,
            expect: "undecodable 200",
            requests: 1,
        },
        Case {
            name: "non-JSON error page",
            script: vec![Unsigned(404, "<html>not found</html>")],
            verify: true,
            expect: "doku 404 NotFound Answered code=- message=-",
            requests: 1,
        },
    ];
    for c in cases {
        let server = serve(c.script).await;
        let api = api(&server.base, c.verify);
        let rid = RequestId::new("fixed-request-id-0001").unwrap();
        let body = serde_json::json!({"order": {"invoice_number": "INV-1", "amount": 150000}});
        let got = api
            .post::<_, Answer>(
                "/linkaja-emoney/v2/ServiceRequestPayment",
                &body,
                Some(&rid),
            )
            .await;
        assert_eq!(outcome(&got), c.expect, "{}", c.name);
        let seen = server.seen.lock().unwrap().clone();
        assert_eq!(seen.len(), c.requests, "{}: requests received", c.name);
        let first = &seen[0];
        for s in &seen {
            assert!(
                s.signature_ok,
                "{}: request signature verified on the server",
                c.name
            );
            assert_eq!(
                s.request_id, "fixed-request-id-0001",
                "{}: same Request-Id",
                c.name
            );
            assert_eq!(
                s.body, first.body,
                "{}: same bytes on every attempt",
                c.name
            );
            assert_eq!(s.method, Method::POST);
            assert_eq!(s.path, "/linkaja-emoney/v2/ServiceRequestPayment");
            assert_eq!(s.content_type.as_deref(), Some("application/json"));
        }
        assert_eq!(
            first.body.as_ref(),
            serde_json::to_vec(&body).unwrap().as_slice()
        );
        if let Err(e) = &got {
            assert_eq!(
                e.request_id().map(|r| r.as_str()),
                Some("fixed-request-id-0001")
            );
        }
    }
}

#[tokio::test]
async fn generated_request_ids_are_uuid_v4_and_reused_across_retries() {
    let server = serve(vec![Reply::Unsigned(503, ""), Reply::Signed(200, OK_BODY)]).await;
    let sent: Sent<Answer> = api(&server.base, true)
        .post("/x", &serde_json::json!({}), None)
        .await
        .unwrap();
    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].request_id, seen[1].request_id);
    assert_eq!(seen[0].request_id, sent.request_id.as_str());
    let uuid = uuid::Uuid::parse_str(&seen[0].request_id).unwrap();
    assert_eq!(uuid.get_version_num(), 4);
}

/// Posts to `base`, which must fail before anything is sent; answers the error.
async fn unreachable_post(base: &str) -> Error {
    let got = api(base, true)
        .post::<_, Answer>("/x", &serde_json::json!({}), None)
        .await;
    assert_eq!(outcome(&got), "unreachable");
    let err = got.unwrap_err();
    assert_eq!(err.delivery(), doku_pay_core::Delivery::NotSent);
    err
}

#[tokio::test]
async fn connection_refused_is_not_sent() {
    // Bind then drop a listener to get a port nothing listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = unreachable_post(&format!("http://127.0.0.1:{port}")).await;
    // The HTTP client's own error is kept, for downcasting, without the URL.
    let http = err
        .underlying()
        .expect("the underlying error")
        .downcast_ref::<reqwest::Error>()
        .expect("the HTTP client's error");
    assert!(http.is_connect());
    assert!(http.url().is_none(), "the URL is removed");
    // Its text is in the message, and only there: a report that walks `source()` (anyhow's
    // `{:#}`, eyre, tracing-error) shows it once.
    let mut report = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(e) = source {
        report.push_str(": ");
        report.push_str(&e.to_string());
        source = e.source();
    }
    let cause = "tcp connect error";
    assert_eq!(report.matches(cause).count(), 1, "{report}");
}

/// A TLS server on 127.0.0.1 with a self-signed certificate for that address, valid
/// 2000-2126 (`fixtures/tls`, written by its `make.py`; the key protects nothing), answering
/// every connection's handshake until the test ends.
fn self_signed_tls_server() -> u16 {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls");
    let cert = CertificateDer::from_pem_file(format!("{dir}/cert.pem")).unwrap();
    let key = PrivateKeyDer::from_pem_file(format!("{dir}/key.pem")).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = std::sync::Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(mut tcp) = tcp else { return };
            let mut tls = rustls::ServerConnection::new(std::sync::Arc::clone(&config)).unwrap();
            // Runs until the client gives up (it refuses the certificate).
            while tls.complete_io(&mut tcp).is_ok() && tls.is_handshaking() {}
        }
    });
    port
}

#[tokio::test]
async fn https_checks_the_certificate_against_mozillas_roots() {
    // The default client speaks TLS through its own rustls-on-ring configuration (it would
    // panic without a crypto provider) and refuses a certificate no trusted root signed:
    // nothing is sent.
    let port = self_signed_tls_server();
    let err = unreachable_post(&format!("https://127.0.0.1:{port}")).await;
    let mut chain = Vec::new();
    let mut source = err
        .underlying()
        .map(|e| e as &(dyn std::error::Error + 'static));
    while let Some(e) = source {
        chain.push(e.to_string());
        source = e.source();
    }
    assert!(
        chain
            .iter()
            .any(|e| e.contains("invalid peer certificate: UnknownIssuer")),
        "{chain:#?}"
    );
}

#[tokio::test]
async fn check_status_is_a_signed_get_without_digest() {
    const STATUS: &str = r#"{"order":{"invoice_number":"INV 1/2","amount":90000},"transaction":{"status":"SUCCESS","date":"2021-07-07T09:00:00Z","original_request_id":"baec7d95-f30a-4b78-b711-6ebe0ccdf50b"},"service":{"id":"PEER_TO_PEER"},"acquirer":{"id":"AKULAKU"},"channel":{"id":"PEER_TO_PEER_AKULAKU"}}"#;
    let server = serve(vec![Reply::Signed(200, STATUS)]).await;
    let status = api(&server.base, true)
        .check_status("INV 1/2")
        .await
        .unwrap();
    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].signature_ok, "GET form: no Digest line");
    assert_eq!(seen[0].method, Method::GET);
    assert_eq!(seen[0].path, "/orders/v1/status/INV%201%2F2");
    assert!(seen[0].body.is_empty());
    assert_eq!(status.invoice_number.as_deref(), Some("INV 1/2"));
    assert_eq!(status.amount.map(|a| a.rupiah()), Some(90_000));
    assert_eq!(status.status, doku_pay_core::PaymentStatus::Success);
    assert_eq!(status.channel_code.as_deref(), Some("PEER_TO_PEER_AKULAKU"));
    assert_eq!(
        status.original_request_id.as_deref(),
        Some("baec7d95-f30a-4b78-b711-6ebe0ccdf50b")
    );
}

#[tokio::test]
async fn check_status_refuses_bad_ids_before_sending() {
    let server = serve(vec![Reply::Signed(200, OK_BODY)]).await;
    let api = api(&server.base, true);
    for id in ["", &"x".repeat(129), ".", ".."] {
        let err = api.check_status(id).await.unwrap_err();
        assert!(matches!(err, Error::Validation(_)), "{err}");
    }
    assert!(server.seen.lock().unwrap().is_empty());
}

/// A channel's endpoint declares its policy; the transport applies it to that call only.
#[tokio::test]
async fn endpoint_policy_overrides_the_transport_for_its_calls() {
    use Reply::*;
    use doku_pay_core::call::Call;
    use doku_pay_core::channel::{Endpoint, Operation};
    static PATIENT: Endpoint =
        Endpoint::post(Operation::Create, "/sync/v1/payment").timeout_secs(3);
    static ONCE: Endpoint = Endpoint::post(Operation::Create, "/once/v1/payment").never_retry();
    static DEFAULT: Endpoint = Endpoint::post(Operation::Create, "/default/v1/payment");
    let call = |endpoint: &'static Endpoint| {
        Call::new(endpoint, None, &serde_json::json!({"x": 1}), |sent| {
            Ok(sent.decode::<Answer>()?.body.order.invoice_number)
        })
        .unwrap()
    };
    // Name, endpoint, script, what the caller sees, requests the server got.
    let rows: Vec<(&str, &'static Endpoint, Vec<Reply>, &str, usize)> = vec![
        (
            "an answer after 1 s: past the transport's 300 ms, within the endpoint's 3 s",
            &PATIENT,
            vec![Slow(Duration::from_secs(1))],
            "ok INV-1",
            1,
        ),
        (
            "the same answer on an endpoint without its own timeout",
            &DEFAULT,
            vec![Slow(Duration::from_secs(1))],
            "outcome unknown",
            1,
        ),
        (
            "a 503 on an endpoint that is never retried",
            &ONCE,
            vec![Unsigned(503, "busy"), Signed(200, OK_BODY)],
            "doku 503",
            1,
        ),
        (
            "a 503 on an endpoint with safe retries",
            &DEFAULT,
            vec![Unsigned(503, "busy"), Signed(200, OK_BODY)],
            "ok INV-1",
            2,
        ),
    ];
    for (name, endpoint, script, expect, requests) in rows {
        let server = serve(script).await;
        let got = match api(&server.base, true).call(call(endpoint)).await {
            Ok(invoice) => format!("ok {invoice}"),
            Err(Error::Doku(e)) => format!("doku {}", e.status),
            Err(Error::OutcomeUnknown { .. }) => "outcome unknown".into(),
            Err(e) => format!("other: {e}"),
        };
        assert_eq!(got, expect, "{name}");
        let seen = server.seen.lock().unwrap();
        assert_eq!(seen.len(), requests, "{name}");
        assert!(
            seen.iter()
                .all(|s| s.path == endpoint.path && s.signature_ok),
            "{name}"
        );
    }
}

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn traced_api(base: &str) -> Api {
    let creds = Credentials::new(CLIENT, SECRET, Environment::custom(base).unwrap()).unwrap();
    Api::builder(creds)
        .retry(RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
        })
        .on_attempt(|h: &mut http::HeaderMap| {
            h.insert("traceparent", http::HeaderValue::from_static(TRACEPARENT));
            // A hook cannot touch what is signed.
            h.insert("Client-Id", http::HeaderValue::from_static("MCH-FORGED"));
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_attempt_hook_adds_headers_to_every_attempt_and_never_signed_ones() {
    use Reply::*;
    let server = serve(vec![Unsigned(503, "busy"), Signed(200, OK_BODY)]).await;
    let got = traced_api(&server.base)
        .post::<_, Answer>("/x/v1/payment", &serde_json::json!({"a": 1}), None)
        .await;
    assert!(got.is_ok(), "{got:?}");
    let seen = server.seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "a retry");
    for s in seen.iter() {
        assert_eq!(s.traceparent.as_deref(), Some(TRACEPARENT));
        assert_eq!(s.client_ids, 1, "one Client-Id, the merchant's");
        assert!(s.signature_ok);
    }
}

#[test]
fn every_request_is_counted_and_timed_for_metrics() {
    use Reply::*;
    let recorder = metrics_util::debugging::DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(&recorder, || {
        rt.block_on(async {
            let server = serve(vec![Signed(200, OK_BODY)]).await;
            let ok = api(&server.base, true)
                .post::<_, Answer>("/x/v1/payment", &serde_json::json!({"a": 1}), None)
                .await;
            assert!(ok.is_ok(), "{ok:?}");
            let refused = api("http://127.0.0.1:9", true)
                .post::<_, Answer>("/x/v1/payment", &serde_json::json!({"a": 1}), None)
                .await;
            assert!(refused.is_err());
        });
    });
    let mut seen: Vec<(String, String, String)> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let labels: Vec<String> = key
                .key()
                .labels()
                .filter(|l| matches!(l.key(), "outcome" | "http_response_status_code"))
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            let kind = match value {
                metrics_util::debugging::DebugValue::Counter(n) => format!("counter {n}"),
                metrics_util::debugging::DebugValue::Histogram(v) => {
                    format!("histogram {}", v.len())
                }
                metrics_util::debugging::DebugValue::Gauge(_) => "gauge".into(),
            };
            (key.key().name().to_owned(), labels.join(","), kind)
        })
        .collect();
    seen.sort();
    let row = |name: &str, labels: &str, kind: &str| {
        (name.to_owned(), labels.to_owned(), kind.to_owned())
    };
    assert_eq!(
        seen,
        [
            row(
                "doku_client_request_duration_seconds",
                "http_response_status_code=,outcome=unreachable",
                "histogram 1"
            ),
            row(
                "doku_client_request_duration_seconds",
                "http_response_status_code=200,outcome=ok",
                "histogram 1"
            ),
            row(
                "doku_client_requests_total",
                "http_response_status_code=,outcome=unreachable",
                "counter 1"
            ),
            row(
                "doku_client_requests_total",
                "http_response_status_code=200,outcome=ok",
                "counter 1"
            ),
        ]
    );
}
