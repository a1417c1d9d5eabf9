//! The simulator core, through real HTTP on 127.0.0.1, with a small test channel plugin.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use doku_pay_core::channel::{
    Capabilities, ChannelDescriptor, ChannelKind, Endpoint, Operation, RedirectStyle, RefundSupport,
};
use doku_pay_core::clock::format_timestamp;
use doku_pay_core::signature::Components;
use doku_pay_core::validate::Validator;
use doku_pay_core::{
    Amount, Api, ClientId, Credentials, Environment, Error, NotificationVerifier, RequestId,
    RetryPolicy, SecretKey,
};
use doku_pay_sim::{
    CancelOrder, EndpointFaults, FaultConfig, MerchantConfig, NewOrder, OrderStatus, OrderView,
    Outcome, RefundOrder, Rejection, SimChannel, SimConfig, SimHandle, SimRequest, Simulator,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

const CREATE: &str = "/testpay/v1/create";
const CANCEL: &str = "/testpay/v1/cancel";
const REFUND: &str = "/testpay/v1/refund";
const A_ID: &str = "MCH-A-0001";
const A_SECRET: &str = "SK-A-secret";
const B_ID: &str = "MCH-B-0002";
const B_SECRET: &str = "SK-B-other";
const NOTIFY_PATH: &str = "/payments/notifications";
const CAP: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// The test plugin.

static DESCRIPTOR: ChannelDescriptor = ChannelDescriptor {
    id: "testpay",
    display_name: "Test Pay",
    channel_code: "TESTPAY_CHANNEL",
    service_id: "TESTSERVICE",
    acquirer_id: "TESTACQ",
    kind: ChannelKind::Emoney,
    capabilities: Capabilities {
        cancel: true,
        refund: RefundSupport::FullOnly,
        redirect: RedirectStyle::Url,
        min_amount: Amount::new_const(1),
        max_amount: Amount::MAX,
    },
    mapping: &[],
    notes: &[],
    endpoints: &[
        Endpoint::post(Operation::Create, CREATE),
        Endpoint::post(Operation::Cancel, CANCEL),
        Endpoint::post(Operation::Refund, REFUND),
    ],
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    order: OrderPart,
    #[serde(default)]
    payment: Option<PaymentPart>,
    #[serde(default)]
    refund: Option<PaymentPart>,
    #[serde(default)]
    additional_info: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderPart {
    #[serde(default)]
    invoice_number: Option<String>,
    #[serde(default)]
    amount: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentPart {
    merchant_unique_reference: String,
}

impl Body {
    fn validate(&self, need_amount: bool) -> Result<(), doku_pay_core::validate::Violations> {
        let mut v = Validator::new();
        if v.required("order.invoice_number", self.order.invoice_number.as_deref()) {
            v.max_chars(
                "order.invoice_number",
                self.order.invoice_number.as_deref().unwrap_or_default(),
                64,
            );
        }
        if need_amount {
            match self.order.amount {
                None => v.push("order.amount", "required"),
                Some(a) => {
                    v.min("order.amount", a, 1);
                    v.max_digits("order.amount", a, 12);
                }
            }
        }
        v.finish()
    }
}

struct TestPay;

impl SimChannel for TestPay {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &DESCRIPTOR
    }

    fn decode_create(&self, req: &SimRequest<'_>) -> Result<NewOrder, Rejection> {
        let body = req.body();
        let b: Body = doku_pay_sim::decode_with(body, |b: &Body| b.validate(true))?;
        Ok(NewOrder {
            invoice_number: b.order.invoice_number.unwrap_or_default(),
            amount: b.order.amount.unwrap_or_default(),
            merchant_reference: b.payment.map(|p| p.merchant_unique_reference),
            override_notification_url: b
                .additional_info
                .and_then(|m| m.get("override_notification_url").cloned())
                .and_then(|v| v.as_str().map(str::to_owned)),
            synchronous: None,
        })
    }

    fn create_response(&self, o: &OrderView<'_>) -> Value {
        json!({"order": {"invoice_number": o.invoice_number, "amount": o.amount},
               "payment": {"url": o.payment_url(), "status": "PENDING"}})
    }

    fn decode_cancel(&self, req: &SimRequest<'_>) -> Result<CancelOrder, Rejection> {
        let body = req.body();
        let b: Body = doku_pay_sim::decode_with(body, |b: &Body| b.validate(false))?;
        Ok(CancelOrder {
            invoice_number: b.order.invoice_number.unwrap_or_default(),
            merchant_reference: b.payment.map(|p| p.merchant_unique_reference),
        })
    }

    fn decode_refund(&self, req: &SimRequest<'_>) -> Result<RefundOrder, Rejection> {
        let body = req.body();
        let b: Body = doku_pay_sim::decode_with(body, |b: &Body| b.validate(false))?;
        Ok(RefundOrder {
            invoice_number: b.order.invoice_number.unwrap_or_default(),
            merchant_reference: b.payment.map(|p| p.merchant_unique_reference),
            refund_reference: b
                .refund
                .map(|r| r.merchant_unique_reference)
                .unwrap_or_else(|| "REF".into()),
        })
    }

    fn refund_response(&self, o: &OrderView<'_>) -> Value {
        json!({"order": {"invoice_number": o.invoice_number, "amount": o.amount},
               "refund": {"status": "SUCCESS", "merchant_unique_reference": o.refund_reference}})
    }

    fn channel_objects(&self, o: &OrderView<'_>) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("test_info".into(), json!({"order_id": o.order_id}));
        m
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/// A notification receiver on 127.0.0.1 that records what it gets and answers the statuses
/// queued (200 once the queue is empty).
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>>,
    answers: Arc<Mutex<Vec<u16>>>,
}

impl Receiver {
    async fn start(answers: Vec<u16>) -> (Self, String) {
        let r = Receiver {
            got: Arc::default(),
            answers: Arc::new(Mutex::new(answers)),
        };
        let rr = r.clone();
        let app = Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let rr = rr.clone();
            async move {
                rr.got
                    .lock()
                    .unwrap()
                    .push((uri.path().to_owned(), headers, body));
                let mut q = rr.answers.lock().unwrap();
                let s = if q.is_empty() { 200 } else { q.remove(0) };
                StatusCode::from_u16(s).unwrap()
            }
        });
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
        (r, url)
    }

    fn received(&self) -> Vec<(String, HeaderMap, Bytes)> {
        self.got.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<(String, HeaderMap, Bytes)> {
        let deadline = tokio::time::Instant::now() + CAP;
        loop {
            let got = self.received();
            if got.len() >= n || tokio::time::Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

struct Env {
    sim: SimHandle,
    receiver: Receiver,
    receiver_url: String,
}

async fn env_with(faults: FaultConfig, receiver_answers: Vec<u16>, max_orders: usize) -> Env {
    let (receiver, receiver_url) = Receiver::start(receiver_answers).await;
    let config = SimConfig::default()
        .merchant(
            MerchantConfig::new(A_ID, A_SECRET)
                .notification_url(format!("{receiver_url}{NOTIFY_PATH}")),
        )
        .merchant(MerchantConfig::new(B_ID, B_SECRET))
        .time_factor(1e-5)
        .max_orders(max_orders)
        .faults(faults);
    let sim = Simulator::builder(config)
        .channel(TestPay)
        .start()
        .await
        .unwrap();
    Env {
        sim,
        receiver,
        receiver_url,
    }
}

async fn env() -> Env {
    env_with(FaultConfig::default(), Vec::new(), 1000).await
}

/// A raw answer.
struct Raw {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

impl Raw {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// How a raw request is built.
#[derive(Clone)]
struct Req<'a> {
    client_id: &'a str,
    secret: &'a str,
    request_id: Option<String>,
    timestamp: Option<String>,
    /// Sign as if the request went to this path.
    sign_path: Option<&'a str>,
    /// Sign these bytes instead of the body.
    sign_body: Option<&'a [u8]>,
    signature: Option<&'a str>,
}

impl Default for Req<'_> {
    fn default() -> Self {
        Self {
            client_id: A_ID,
            secret: A_SECRET,
            request_id: Some(uuid::Uuid::new_v4().to_string()),
            timestamp: Some(format_timestamp(time::OffsetDateTime::now_utc())),
            sign_path: None,
            sign_body: None,
            signature: None,
        }
    }
}

/// Sends a signed request (POST with a body, GET without) and checks the answer's signature
/// whenever it carries one.
async fn send(sim: &SimHandle, path: &str, body: Option<&[u8]>, req: Req<'_>) -> Raw {
    let http = doku_pay_core::transport::http_client_builder()
        .build()
        .expect("HTTP client");
    let url = format!("{}{path}", sim.base_url());
    let rid = req.request_id.clone().unwrap_or_default();
    let ts = req.timestamp.clone().unwrap_or_default();
    let secret = SecretKey::new(req.secret).unwrap();
    let sig = req.signature.map(str::to_owned).unwrap_or_else(|| {
        Components::request(
            req.client_id,
            &rid,
            &ts,
            req.sign_path.unwrap_or(path),
            req.sign_body.or(body),
        )
        .sign(&secret)
    });
    let mut r = match body {
        Some(b) => http.post(&url).body(b.to_vec()),
        None => http.get(&url),
    }
    .header("Client-Id", req.client_id)
    .header("Signature", sig);
    if let Some(rid) = &req.request_id {
        r = r.header("Request-Id", rid);
    }
    if let Some(ts) = &req.timestamp {
        r = r.header("Request-Timestamp", ts);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.unwrap();
    if let Some(sig) = headers.get("Signature") {
        let h = |n: &str| headers.get(n).unwrap().to_str().unwrap().to_owned();
        assert_eq!(h("Request-Id"), rid);
        let ts = h("Response-Timestamp");
        // The signed path is the path as sent (percent-encoded).
        let target = reqwest::Url::parse(&url).unwrap().path().to_owned();
        Components::response(&h("Client-Id"), &rid, &ts, &target, &body)
            .verify(&secret, sig.to_str().unwrap())
            .expect("answer signature verifies");
    }
    Raw {
        status,
        headers,
        body,
    }
}

fn create_body(invoice: &str, amount: u64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "order": {"invoice_number": invoice, "amount": amount},
        "payment": {"merchant_unique_reference": format!("MUR-{invoice}")}
    }))
    .unwrap()
}

async fn create(sim: &SimHandle, invoice: &str) -> Raw {
    let r = send(
        sim,
        CREATE,
        Some(&create_body(invoice, 150_000)),
        Req::default(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r
}

fn ref_body(invoice: &str, refund_ref: Option<&str>) -> Vec<u8> {
    let mut v = json!({"order": {"invoice_number": invoice},
                       "payment": {"merchant_unique_reference": format!("MUR-{invoice}")}});
    if let Some(r) = refund_ref {
        v["refund"] = json!({"merchant_unique_reference": r});
    }
    serde_json::to_vec(&v).unwrap()
}

fn api(sim: &SimHandle) -> Api {
    Api::builder(
        Credentials::new(A_ID, A_SECRET, Environment::custom(sim.base_url()).unwrap()).unwrap(),
    )
    .retry(RetryPolicy::NONE)
    .build()
    .unwrap()
}

fn verifier() -> NotificationVerifier {
    NotificationVerifier::new().merchant(
        ClientId::new(A_ID).unwrap(),
        SecretKey::new(A_SECRET).unwrap(),
    )
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[tokio::test]
async fn header_and_signature_checks() {
    let e = env().await;
    let body = create_body("INV-H", 1000);
    let long = "r".repeat(129);
    let cases: Vec<(&str, Req<'_>, u16, &str)> = vec![
        ("valid", Req::default(), 200, ""),
        (
            "unknown client",
            Req {
                client_id: "MCH-UNKNOWN",
                ..Req::default()
            },
            401,
            "invalid_client_id",
        ),
        (
            "another merchant's secret",
            Req {
                secret: B_SECRET,
                ..Req::default()
            },
            401,
            "invalid_signature",
        ),
        (
            "merchant B with its own secret",
            Req {
                client_id: B_ID,
                secret: B_SECRET,
                ..Req::default()
            },
            200,
            "",
        ),
        (
            "signed for another path",
            Req {
                sign_path: Some(CANCEL),
                ..Req::default()
            },
            401,
            "invalid_signature",
        ),
        (
            "signed over other bytes",
            Req {
                sign_body: Some(b"{}"),
                ..Req::default()
            },
            401,
            "invalid_signature",
        ),
        (
            "garbage signature",
            Req {
                signature: Some("HMACSHA256=nope"),
                ..Req::default()
            },
            401,
            "invalid_signature",
        ),
        (
            "no Request-Id",
            Req {
                request_id: None,
                ..Req::default()
            },
            400,
            "invalid_header",
        ),
        (
            "Request-Id of 129 characters",
            Req {
                request_id: Some(long.clone()),
                ..Req::default()
            },
            400,
            "invalid_header",
        ),
        (
            "Request-Id of 128 characters",
            Req {
                request_id: Some("r".repeat(128)),
                client_id: B_ID,
                secret: B_SECRET,
                ..Req::default()
            },
            // Same invoice as merchant B's earlier create: a state error, past the headers.
            422,
            "duplicate_invoice_number",
        ),
        (
            "timestamp with offset",
            Req {
                timestamp: Some("2020-09-22T08:51:00+07:00".into()),
                ..Req::default()
            },
            400,
            "invalid_header",
        ),
        (
            "timestamp with millis",
            Req {
                timestamp: Some("2020-09-22T01:51:00.000Z".into()),
                ..Req::default()
            },
            400,
            "invalid_header",
        ),
        (
            "no timestamp",
            Req {
                timestamp: None,
                ..Req::default()
            },
            400,
            "invalid_header",
        ),
    ];
    for (name, req, status, code) in cases {
        let r = send(&e.sim, CREATE, Some(&body), req).await;
        assert_eq!(
            r.status,
            status,
            "{name}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.code(), code, "{name}");
        if status == 401 {
            let j = r.json();
            assert!(j["error"]["message"].is_string(), "{name}: {j}");
            assert!(!r.headers.contains_key("Signature"), "{name}");
        }
    }
    // Rejected requests stored nothing: merchant A's order is the one valid create.
    assert_eq!(e.sim.stats().orders, 2);
    // doku-pay-core's client reads the 401 as an authorization error.
    let bad = Api::builder(
        Credentials::new(
            A_ID,
            "SK-wrong",
            Environment::custom(e.sim.base_url()).unwrap(),
        )
        .unwrap(),
    )
    .retry(RetryPolicy::NONE)
    .build()
    .unwrap();
    let err = bad
        .post::<Value, Value>(
            CREATE,
            &json!({"order": {"invoice_number": "X", "amount": 1}}),
            None,
        )
        .await
        .unwrap_err();
    match err {
        Error::Doku(d) => {
            assert_eq!(d.status, 401);
            assert_eq!(d.code.as_deref(), Some("invalid_signature"));
            assert_eq!(d.message.as_deref(), Some("Invalid Header Signature"));
        }
        other => panic!("expected a DOKU error, got {other:?}"),
    }
}

#[tokio::test]
async fn validation_reports_every_rule() {
    let e = env().await;
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            "missing everything",
            json!({"order": {}}),
            vec!["order.invoice_number: required", "order.amount: required"],
        ),
        (
            "too long and too big",
            json!({"order": {"invoice_number": "x".repeat(65), "amount": 1_000_000_000_000u64}}),
            vec![
                "order.invoice_number: max 64 characters",
                "order.amount: max 12 digits",
            ],
        ),
        (
            "zero amount",
            json!({"order": {"invoice_number": "INV-Z", "amount": 0}}),
            vec!["order.amount: must be at least 1"],
        ),
    ];
    for (name, body, expected) in cases {
        let r = send(
            &e.sim,
            CREATE,
            Some(&serde_json::to_vec(&body).unwrap()),
            Req::default(),
        )
        .await;
        assert_eq!(r.status, 400, "{name}");
        let j = r.json();
        assert_eq!(j["error"]["code"], "invalid_request", "{name}");
        assert_eq!(j["error"]["type"], "validation", "{name}");
        let got: Vec<&str> = j["message"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        assert_eq!(got, expected, "{name}");
    }
    for (name, body) in [
        ("not JSON", &b"{not json"[..]),
        (
            "unknown field",
            &br#"{"order":{"invoice_number":"A","amount":1},"x":1}"#[..],
        ),
        (
            "fractional amount",
            &br#"{"order":{"invoice_number":"A","amount":1.5}}"#[..],
        ),
    ] {
        let r = send(&e.sim, CREATE, Some(body), Req::default()).await;
        assert_eq!(r.status, 400, "{name}");
        assert_eq!(r.code(), "invalid_request", "{name}");
        assert!(r.json()["message"][0].is_string(), "{name}");
    }
    assert_eq!(e.sim.stats().orders, 0);
}

#[tokio::test]
async fn state_machine() {
    let e = env().await;
    let sim = &e.sim;
    // Steps: (what, path, body, expected status, expected error code or "", expected
    // error.message or ""). A cancel or refund that cannot be carried out is answered 200,
    // as DOKU's guides document (the plugin shapes it; the default carries error.message).
    create(sim, "INV-1").await;
    create(sim, "INV-2").await;
    create(sim, "INV-3").await;
    type Step<'a> = (&'a str, &'a str, Vec<u8>, u16, &'a str, &'a str);
    let run = |steps: Vec<Step<'static>>| async move {
        for (name, path, body, status, code, message) in &steps {
            let r = send(sim, path, Some(body), Req::default()).await;
            assert_eq!(
                r.status,
                *status,
                "{name}: {}",
                String::from_utf8_lossy(&r.body)
            );
            assert_eq!(r.code(), *code, "{name}");
            assert_eq!(
                r.json()["error"]["message"].as_str().unwrap_or_default(),
                *message,
                "{name}"
            );
        }
    };
    run(vec![
        (
            "duplicate invoice",
            CREATE,
            create_body("INV-1", 5),
            422,
            "duplicate_invoice_number",
            "Invoice number already used",
        ),
        (
            "refund pending",
            REFUND,
            ref_body("INV-1", Some("R1")),
            200,
            "",
            "Order is pending: only a paid order can be refunded",
        ),
        (
            "cancel unknown",
            CANCEL,
            ref_body("INV-404", None),
            200,
            "",
            "Order Not Found",
        ),
        (
            "cancel pending",
            CANCEL,
            ref_body("INV-2", None),
            200,
            "",
            "",
        ),
        (
            "cancel twice",
            CANCEL,
            ref_body("INV-2", None),
            200,
            "",
            "Order is cancelled: only a pending order can be cancelled",
        ),
        (
            "refund cancelled",
            REFUND,
            ref_body("INV-2", Some("R2")),
            200,
            "",
            "Order is cancelled: only a paid order can be refunded",
        ),
    ])
    .await;
    assert_eq!(sim.order("INV-1").unwrap().status, OrderStatus::Pending);
    assert_eq!(sim.order("INV-2").unwrap().status, OrderStatus::Cancelled);
    // A reference that is not the order's: not found.
    let wrong_ref = serde_json::to_vec(&json!({"order": {"invoice_number": "INV-3"},
        "payment": {"merchant_unique_reference": "OTHER"}}))
    .unwrap();
    let r = send(sim, CANCEL, Some(&wrong_ref), Req::default()).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"order": {"invoice_number": "INV-3"}, "error": {"message": "Order Not Found"}})
    );
    assert_eq!(sim.order("INV-3").unwrap().status, OrderStatus::Pending);

    assert_eq!(
        sim.complete("INV-1", Outcome::Paid).unwrap().status,
        OrderStatus::Paid
    );
    assert!(matches!(
        sim.complete("INV-1", Outcome::Failed),
        Err(doku_pay_sim::SimError::InvalidState { .. })
    ));
    assert!(matches!(
        sim.complete("INV-2", Outcome::Paid),
        Err(doku_pay_sim::SimError::InvalidState { .. })
    ));
    assert_eq!(
        sim.complete("INV-3", Outcome::Expired).unwrap().status,
        OrderStatus::Expired
    );
    run(vec![
        (
            "cancel paid",
            CANCEL,
            ref_body("INV-1", None),
            200,
            "",
            "Order is paid: only a pending order can be cancelled",
        ),
        (
            "refund paid",
            REFUND,
            ref_body("INV-1", Some("R1")),
            200,
            "",
            "",
        ),
        (
            "the same refund again",
            REFUND,
            ref_body("INV-1", Some("R1")),
            200,
            "",
            "",
        ),
        (
            "refund twice",
            REFUND,
            ref_body("INV-1", Some("R1b")),
            200,
            "",
            "Order is already refunded",
        ),
        (
            "refund expired",
            REFUND,
            ref_body("INV-3", Some("R3")),
            200,
            "",
            "Order is expired: only a paid order can be refunded",
        ),
    ])
    .await;
    let o = sim.order("INV-1").unwrap();
    assert_eq!(o.status, OrderStatus::Refunded);
    assert_eq!(o.refund_reference.as_deref(), Some("R1"));

    // Check Status through doku-pay-core's client: by invoice number and by Request-Id.
    let api = api(sim);
    for (id, status) in [
        ("INV-1", "REFUNDED"),
        // DOKU has no CANCELLED transaction status: a cancelled order is FAILED.
        ("INV-2", "FAILED"),
        ("INV-3", "EXPIRED"),
    ] {
        let s = api.check_status(id).await.unwrap();
        assert_eq!(s.status.as_str(), status, "{id}");
        assert_eq!(s.invoice_number.as_deref(), Some(id));
        assert_eq!(s.amount.map(|a| a.rupiah()), Some(150_000));
        assert_eq!(s.channel_code.as_deref(), Some("TESTPAY_CHANNEL"));
        assert_eq!(
            s.raw["test_info"]["order_id"],
            json!(sim.order(id).unwrap().order_id)
        );
    }
    let rid = sim.order("INV-2").unwrap().request_id;
    let s = api.check_status(&rid).await.unwrap();
    assert_eq!(s.invoice_number.as_deref(), Some("INV-2"));
    assert_eq!(s.original_request_id.as_deref(), Some(rid.as_str()));
    let err = api.check_status("INV-404").await.unwrap_err();
    assert!(matches!(&err, Error::Doku(d) if d.status == 404), "{err:?}");
    // Another merchant does not see merchant A's orders.
    let r = send(
        sim,
        "/orders/v1/status/INV-1",
        None,
        Req {
            client_id: B_ID,
            secret: B_SECRET,
            ..Req::default()
        },
    )
    .await;
    assert_eq!(r.status, 404);
    // An invoice number with characters that need escaping round-trips (signed as sent).
    create(sim, "INV/ 4?#").await;
    let s = api.check_status("INV/ 4?#").await.unwrap();
    assert_eq!(s.invoice_number.as_deref(), Some("INV/ 4?#"));
}

#[tokio::test]
async fn idempotent_replays() {
    let e = env().await;
    let sim = &e.sim;
    let rid = "replay-0001".to_owned();
    let req = || Req {
        request_id: Some(rid.clone()),
        ..Req::default()
    };
    let body = create_body("INV-R", 2000);
    let first = send(sim, CREATE, Some(&body), req()).await;
    assert_eq!(first.status, 200);
    let cases: Vec<(&str, Vec<u8>, &str, u16)> = vec![
        ("same body", body.clone(), CREATE, 409),
        ("different body", create_body("INV-R2", 2000), CREATE, 422),
        ("same body, other endpoint", body.clone(), CANCEL, 422),
    ];
    for (name, b, path, status) in cases {
        let r = send(sim, path, Some(&b), req()).await;
        assert_eq!(r.status, status, "{name}");
        if status == 409 {
            assert_eq!(r.body, first.body, "{name}: the original answer");
        } else {
            assert_eq!(r.code(), "request_id_reused", "{name}");
        }
    }
    // A rejected (400) request is replayed too.
    let bad_rid = "replay-bad".to_owned();
    let bad = br#"{"order":{}}"#;
    let r1 = send(
        sim,
        CREATE,
        Some(bad),
        Req {
            request_id: Some(bad_rid.clone()),
            ..Req::default()
        },
    )
    .await;
    let r2 = send(
        sim,
        CREATE,
        Some(bad),
        Req {
            request_id: Some(bad_rid.clone()),
            ..Req::default()
        },
    )
    .await;
    assert_eq!((r1.status, r2.status), (400, 409));
    assert_eq!(r1.body, r2.body);
    // A 401 is not stored: the same Request-Id can then be used properly.
    let rid3 = "replay-after-401".to_owned();
    let r = send(
        sim,
        CREATE,
        Some(&create_body("INV-R3", 1)),
        Req {
            request_id: Some(rid3.clone()),
            secret: B_SECRET,
            ..Req::default()
        },
    )
    .await;
    assert_eq!(r.status, 401);
    let r = send(
        sim,
        CREATE,
        Some(&create_body("INV-R3", 1)),
        Req {
            request_id: Some(rid3.clone()),
            ..Req::default()
        },
    )
    .await;
    assert_eq!(r.status, 200);
    // doku-pay-core's client reads a 409 replay as the original answer.
    let api = api(sim);
    let rid = RequestId::new("replay-api").unwrap();
    let b = json!({"order": {"invoice_number": "INV-R4", "amount": 7}});
    let a: doku_pay_core::Sent<Value> = api.post(CREATE, &b, Some(&rid)).await.unwrap();
    let r: doku_pay_core::Sent<Value> = api.post(CREATE, &b, Some(&rid)).await.unwrap();
    assert!(!a.replayed && r.replayed);
    assert_eq!(a.raw, r.raw);
    assert_eq!(sim.stats().orders, 3);
}

#[tokio::test]
async fn notifications_are_signed_and_shaped() {
    let e = env().await;
    let sim = &e.sim;
    let r = create(sim, "INV-N").await;
    let rid = r.headers["Request-Id"].to_str().unwrap().to_owned();
    sim.complete("INV-N", Outcome::Paid).unwrap();
    let got = e.receiver.wait_for(1).await;
    assert_eq!(got.len(), 1);
    let (path, headers, body) = &got[0];
    assert_eq!(path, NOTIFY_PATH);
    let n = verifier()
        .verify(headers, NOTIFY_PATH, body)
        .expect("verifies");
    assert!(verifier().verify(headers, "/elsewhere", body).is_err());
    assert_eq!(n.channel_code(), Some("TESTPAY_CHANNEL"));
    let j: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(
        j,
        json!({
            "service": {"id": "TESTSERVICE"},
            "acquirer": {"id": "TESTACQ"},
            "channel": {"id": "TESTPAY_CHANNEL"},
            "order": {"invoice_number": "INV-N", "amount": 150000},
            "transaction": {"status": "SUCCESS", "date": j["transaction"]["date"],
                            "original_request_id": rid},
            "test_info": {"order_id": sim.order("INV-N").unwrap().order_id},
        })
    );
    assert!(
        doku_pay_core::clock::parse_timestamp(j["transaction"]["date"].as_str().unwrap()).is_some()
    );
    let un = n.to_notification("testpay").unwrap();
    assert_eq!(un.amount.rupiah(), 150_000);
    assert_eq!(un.original_request_id.as_deref(), Some(rid.as_str()));
    // Request-Id is a fresh UUID v4 per notification.
    assert_ne!(n.request_id().as_str(), rid);
    assert!(uuid::Uuid::parse_str(n.request_id().as_str()).is_ok());
    let d = sim
        .wait_for_deliveries("INV-N", CAP, |d| d.iter().all(|d| d.finished))
        .await
        .unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].request_id, n.request_id().as_str());
    assert_eq!(d[0].attempts.len(), 1);
    assert_eq!(d[0].attempts[0].status, Some(200));

    // Failed and expired carry their status; a merchant without a URL gets nothing.
    for (inv, outcome, status) in [
        ("INV-F", Outcome::Failed, "FAILED"),
        ("INV-E", Outcome::Expired, "EXPIRED"),
    ] {
        create(sim, inv).await;
        sim.complete(inv, outcome).unwrap();
        let d = sim
            .wait_for_deliveries(inv, CAP, |d| d.iter().all(|d| d.finished))
            .await
            .unwrap();
        assert_eq!(d[0].transaction_status, status);
    }
    let got = e.receiver.wait_for(3).await;
    let statuses: Vec<String> = got
        .iter()
        .map(|(_, h, b)| {
            verifier()
                .verify(h, NOTIFY_PATH, b)
                .unwrap()
                .envelope()
                .transaction
                .clone()
                .unwrap()
                .status
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(statuses, ["SUCCESS", "FAILED", "EXPIRED"]);
    let rb = send(
        sim,
        CREATE,
        Some(&create_body("INV-B", 1)),
        Req {
            client_id: B_ID,
            secret: B_SECRET,
            ..Req::default()
        },
    )
    .await;
    assert_eq!(rb.status, 200);
    let d = sim
        .complete_for(B_ID, "INV-B", Outcome::Paid)
        .unwrap()
        .deliveries;
    assert_eq!(d[0].url, None);
    assert!(d[0].finished && d[0].attempts.is_empty());
    assert!(d[0].notes[0].contains("no notification URL"));
}

#[tokio::test]
async fn override_url_used_only_with_the_same_path() {
    let e = env().await;
    let sim = &e.sim;
    let (other, other_url) = Receiver::start(Vec::new()).await;
    let cases = [
        ("INV-O1", format!("{other_url}{NOTIFY_PATH}"), true),
        ("INV-O2", format!("{other_url}/other/path"), false),
    ];
    for (inv, over, used) in &cases {
        let body = serde_json::to_vec(&json!({
            "order": {"invoice_number": inv, "amount": 10},
            "additional_info": {"override_notification_url": over}
        }))
        .unwrap();
        assert_eq!(
            send(sim, CREATE, Some(&body), Req::default()).await.status,
            200
        );
        sim.complete(inv, Outcome::Paid).unwrap();
        let d = sim
            .wait_for_deliveries(inv, CAP, |d| d.iter().all(|d| d.finished))
            .await
            .unwrap();
        let expect_url = if *used {
            over.clone()
        } else {
            format!("{}{NOTIFY_PATH}", e.receiver_url)
        };
        assert_eq!(d[0].url.as_deref(), Some(expect_url.as_str()), "{inv}");
        assert_eq!(
            d[0].notes[0].contains("ignored"),
            !used,
            "{inv}: {:?}",
            d[0].notes
        );
    }
    let got = other.wait_for(1).await;
    assert_eq!(got.len(), 1);
    let (path, h, b) = &got[0];
    let n = verifier().verify(h, path, b).unwrap();
    assert_eq!(
        n.envelope()
            .order
            .as_ref()
            .unwrap()
            .invoice_number
            .as_deref(),
        Some("INV-O1")
    );
    let main = e.receiver.wait_for(1).await;
    let n = verifier()
        .verify(&main[0].1, NOTIFY_PATH, &main[0].2)
        .unwrap();
    assert_eq!(
        n.envelope()
            .order
            .as_ref()
            .unwrap()
            .invoice_number
            .as_deref(),
        Some("INV-O2")
    );
}

#[tokio::test]
async fn retry_schedule_under_time_factor() {
    // (receiver answers, expected attempt statuses, delivered)
    let cases: Vec<(Vec<u16>, Vec<u16>, bool)> = vec![
        (vec![], vec![200], true),
        (vec![500], vec![500, 200], true),
        (vec![500, 404, 503], vec![500, 404, 503, 200], true),
        (vec![500, 500, 500, 500], vec![500, 500, 500, 500], false),
    ];
    for (answers, expected, delivered) in cases {
        let e = env_with(FaultConfig::default(), answers.clone(), 10).await;
        create(&e.sim, "INV-T").await;
        e.sim.complete("INV-T", Outcome::Paid).unwrap();
        let d = e
            .sim
            .wait_for_deliveries("INV-T", CAP, |d| d[0].finished)
            .await
            .unwrap();
        let a = &d[0].attempts;
        let statuses: Vec<u16> = a.iter().map(|a| a.status.unwrap()).collect();
        assert_eq!(statuses, expected, "{answers:?}");
        assert_eq!(d[0].delivered(), delivered);
        let schedule: Vec<u64> = a.iter().map(|a| a.schedule_secs).collect();
        assert_eq!(schedule, &doku_pay_sim::RETRY_SCHEDULE_SECS[..a.len()]);
        for at in a {
            // Scaled by 1e-5: 1800 s -> 18 ms, 6 h -> 216 ms, 12 h -> 432 ms. Never earlier.
            assert!(at.elapsed_ms >= at.schedule_secs / 100, "{at:?}");
        }
        // Every attempt is the same notification (same Request-Id, same bytes).
        let got = e.receiver.wait_for(expected.len()).await;
        assert_eq!(got.len(), expected.len());
        for (_, h, b) in &got {
            assert_eq!(h["Request-Id"].to_str().unwrap(), d[0].request_id);
            assert_eq!(b, &got[0].2);
            verifier().verify(h, NOTIFY_PATH, b).unwrap();
        }
    }
}

async fn faulty(endpoint: &str, f: EndpointFaults, seed: u64) -> Env {
    env_with(
        FaultConfig::seeded(seed).endpoint(endpoint, f),
        Vec::new(),
        1000,
    )
    .await
}

#[tokio::test]
async fn fault_latency() {
    let e = faulty(
        CREATE,
        EndpointFaults {
            latency_ms: 150,
            ..Default::default()
        },
        1,
    )
    .await;
    let t = std::time::Instant::now();
    create(&e.sim, "INV-L").await;
    assert!(t.elapsed() >= Duration::from_millis(150));
    // Another endpoint is not slowed: it answers (no timing assertion on it).
    assert_eq!(
        send(
            &e.sim,
            CANCEL,
            Some(&ref_body("INV-L", None)),
            Req::default()
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn fault_server_errors_are_not_processed_and_deterministic() {
    let f = EndpointFaults {
        error_rate: 0.5,
        ..Default::default()
    };
    // The same seed and the same Request-Ids, sent in another order (and interleaved with
    // other traffic the second time): every request gets the same fault.
    let mut runs = Vec::new();
    for run in 0..2 {
        let e = faulty(CREATE, f.clone(), 42).await;
        let mut order: Vec<usize> = (0..24).collect();
        if run == 1 {
            order.reverse();
        }
        let mut statuses = std::collections::BTreeMap::new();
        for i in order {
            if run == 1 {
                // Unrelated traffic on the same endpoint draws nothing from the others.
                send(
                    &e.sim,
                    CREATE,
                    Some(&create_body("OTHER", 1)),
                    Req::default(),
                )
                .await;
            }
            let r = send(
                &e.sim,
                CREATE,
                Some(&create_body(&format!("INV-{i}"), 1)),
                Req {
                    request_id: Some(format!("det-{i}")),
                    ..Req::default()
                },
            )
            .await;
            if r.status == 500 {
                assert_eq!(r.code(), "internal_server_error");
                assert!(
                    e.sim.order(&format!("INV-{i}")).is_err(),
                    "a 500 stores nothing"
                );
            }
            statuses.insert(i, r.status);
        }
        assert!(
            statuses.values().any(|s| *s == 500) && statuses.values().any(|s| *s == 200),
            "{statuses:?}"
        );
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1], "same seed, same Request-Ids, same faults");
    // Another seed gives another pattern.
    let e = faulty(CREATE, f.clone(), 43).await;
    let mut other = std::collections::BTreeMap::new();
    for i in 0..24 {
        let r = send(
            &e.sim,
            CREATE,
            Some(&create_body(&format!("INV-{i}"), 1)),
            Req {
                request_id: Some(format!("det-{i}")),
                ..Req::default()
            },
        )
        .await;
        other.insert(i, r.status);
    }
    assert_ne!(runs[0], other, "another seed, other faults");
    // Rate 1: always; doku-pay-core's client retries a 5xx with the same Request-Id.
    let e = faulty(
        CREATE,
        EndpointFaults {
            error_rate: 1.0,
            ..Default::default()
        },
        0,
    )
    .await;
    let err = api(&e.sim)
        .post::<Value, Value>(
            CREATE,
            &json!({"order": {"invoice_number": "I", "amount": 1}}),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Doku(d) if d.status == 500), "{err:?}");
}

#[tokio::test]
async fn fault_drop_after_processing() {
    let e = faulty(
        CREATE,
        EndpointFaults {
            drop_after_processing: 1.0,
            ..Default::default()
        },
        3,
    )
    .await;
    let rid = RequestId::new("drop-0001").unwrap();
    let body = json!({"order": {"invoice_number": "INV-D", "amount": 5}});
    let err = api(&e.sim)
        .post::<Value, Value>(CREATE, &body, Some(&rid))
        .await
        .unwrap_err();
    // No status line was sent: the request itself failed, not the reading of a body.
    assert!(
        matches!(&err, Error::OutcomeUnknown { reason, .. } if reason.contains("connection lost after sending")),
        "{err:?}"
    );
    // The order was stored; the retry with the same Request-Id gets the original answer (409).
    assert_eq!(e.sim.order("INV-D").unwrap().status, OrderStatus::Pending);
    let replay: doku_pay_core::Sent<Value> =
        api(&e.sim).post(CREATE, &body, Some(&rid)).await.unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.body["order"]["invoice_number"], "INV-D");
}

#[tokio::test]
async fn fault_bad_signature() {
    let e = faulty(
        CREATE,
        EndpointFaults {
            bad_signature: 1.0,
            ..Default::default()
        },
        4,
    )
    .await;
    let err = api(&e.sim)
        .post::<Value, Value>(
            CREATE,
            &json!({"order": {"invoice_number": "INV-S", "amount": 5}}),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Untrusted { .. }), "{err:?}");
    assert!(e.sim.order("INV-S").is_ok());
    // Check Status is unaffected (the fault is per endpoint).
    assert!(api(&e.sim).check_status("INV-S").await.is_ok());
}

#[tokio::test]
async fn fault_duplicate_notifications() {
    let e = faulty(
        CREATE,
        EndpointFaults {
            duplicate_notifications: 1.0,
            ..Default::default()
        },
        5,
    )
    .await;
    create(&e.sim, "INV-DUP").await;
    e.sim.complete("INV-DUP", Outcome::Paid).unwrap();
    let got = e.receiver.wait_for(2).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].1["Request-Id"], got[1].1["Request-Id"]);
    assert_eq!(got[0].1["Signature"], got[1].1["Signature"]);
    assert_eq!(got[0].2, got[1].2);
    let d = e
        .sim
        .wait_for_deliveries("INV-DUP", CAP, |d| d[0].finished)
        .await
        .unwrap();
    let dups: Vec<bool> = d[0].attempts.iter().map(|a| a.duplicate).collect();
    assert_eq!(dups, [false, true]);
}

#[tokio::test]
async fn fault_notification_before_response() {
    let e = faulty(
        CREATE,
        EndpointFaults {
            notify_before_response: 1.0,
            ..Default::default()
        },
        6,
    )
    .await;
    let r = create(&e.sim, "INV-EARLY").await;
    // When the create answer arrives, the notification was already received.
    let got = e.receiver.received();
    assert_eq!(got.len(), 1);
    let n = verifier()
        .verify(&got[0].1, NOTIFY_PATH, &got[0].2)
        .unwrap();
    let tx = n.envelope().transaction.clone().unwrap();
    assert_eq!(tx.status.as_deref(), Some("SUCCESS"));
    assert_eq!(
        tx.original_request_id.as_deref(),
        r.headers["Request-Id"].to_str().ok()
    );
    assert_eq!(e.sim.order("INV-EARLY").unwrap().status, OrderStatus::Paid);
}

#[tokio::test]
async fn faults_by_control_api_and_check_status_key() {
    let e = env().await;
    create(&e.sim, "INV-C").await;
    let http = doku_pay_core::transport::http_client_builder()
        .build()
        .expect("HTTP client");
    let url = |p: &str| format!("{}{p}", e.sim.base_url());
    let faults = json!({"seed": 9, "endpoints": {"/orders/v1/status": {"error_rate": 1.0}}});
    let r = http
        .put(url("/_sim/faults"))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        e.sim.faults().endpoints["/orders/v1/status"].error_rate,
        1.0
    );
    let r = send(&e.sim, "/orders/v1/status/INV-C", None, Req::default()).await;
    assert_eq!(r.status, 500);
    // Out-of-range rates are refused.
    let r = http
        .put(url("/_sim/faults"))
        .json(&json!({"default": {"error_rate": 2.0}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Completing and reading through HTTP.
    let r = http
        .post(url("/_sim/orders/INV-C/paid"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let j: Value = r.json().await.unwrap();
    assert_eq!(j["status"], "paid");
    let r = http
        .post(url("/_sim/orders/INV-C/paid"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = http
        .post(url("/_sim/orders/INV-C/bogus"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http.get(url("/_sim/orders/INV-NONE")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    e.sim
        .wait_for_deliveries("INV-C", CAP, |d| d[0].finished)
        .await
        .unwrap();
    /// GETs `url` and reads its JSON answer as `T`.
    async fn get_json<T: serde::de::DeserializeOwned>(http: &reqwest::Client, url: String) -> T {
        http.get(url).send().await.unwrap().json().await.unwrap()
    }
    let d: Value = get_json(
        &http,
        url("/_sim/orders/INV-C/deliveries?client_id=MCH-A-0001"),
    )
    .await;
    assert_eq!(d[0]["attempts"][0]["status"], 200);
    // A test driving a standalone simulator reads the answers into the crate's own types,
    // equal to what the handle gives.
    let deliveries: Vec<doku_pay_sim::Delivery> = serde_json::from_value(d).unwrap();
    assert_eq!(deliveries, e.sim.deliveries("INV-C").unwrap());
    let order: doku_pay_sim::OrderSnapshot = get_json(&http, url("/_sim/orders/INV-C")).await;
    assert_eq!(order, e.sim.order("INV-C").unwrap());
    let s: doku_pay_sim::StoreStats = get_json(&http, url("/_sim/stats")).await;
    assert_eq!(s, e.sim.stats());
    assert_eq!(s.orders, 1);
    let r = http.post(url("/_sim/reset")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(e.sim.stats().orders, 0);
}

#[tokio::test]
async fn bounded_store() {
    let e = env_with(FaultConfig::default(), Vec::new(), 3).await;
    for i in 0..3 {
        create(&e.sim, &format!("INV-{i}")).await;
    }
    for i in 3..6 {
        let r = send(
            &e.sim,
            CREATE,
            Some(&create_body(&format!("INV-{i}"), 1)),
            Req::default(),
        )
        .await;
        assert_eq!(r.status, 507);
        assert_eq!(r.code(), "storage_full");
    }
    let s = e.sim.stats();
    assert_eq!((s.orders, s.max_orders), (3, 3));
    // Existing orders still work.
    assert_eq!(
        send(
            &e.sim,
            CANCEL,
            Some(&ref_body("INV-0", None)),
            Req::default()
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn memory_per_order_is_bounded() {
    let e = env_with(FaultConfig::default(), Vec::new(), 5000).await;
    for i in 0..500 {
        create(&e.sim, &format!("INV-MEM-{i:05}")).await;
    }
    let s = e.sim.stats();
    assert_eq!(s.orders, 500);
    assert!(s.bytes_per_order > 0 && s.bytes_per_order <= 2048, "{s:?}");
}

#[tokio::test]
async fn config_errors_and_routing() {
    let bad = [
        SimConfig::default().time_factor(0.0),
        SimConfig::default().time_factor(f64::NAN),
        SimConfig::default()
            .merchant(MerchantConfig::new("A", "s"))
            .merchant(MerchantConfig::new("A", "t")),
        SimConfig::default().merchant(MerchantConfig::new("has space", "s")),
        SimConfig::default().faults(FaultConfig::seeded(0).endpoint(
            CREATE,
            EndpointFaults {
                error_rate: -0.1,
                ..Default::default()
            },
        )),
    ];
    for c in bad {
        let dbg = format!("{c:?}");
        assert!(
            Simulator::builder(c)
                .channel(TestPay)
                .start()
                .await
                .is_err(),
            "{dbg}"
        );
    }
    // A plugin endpoint path the router cannot serve as written is a configuration error,
    // never a panic inside axum.
    struct Pathed(&'static ChannelDescriptor);
    impl SimChannel for Pathed {
        fn descriptor(&self) -> &'static ChannelDescriptor {
            self.0
        }
        fn decode_create(&self, req: &SimRequest<'_>) -> Result<NewOrder, Rejection> {
            TestPay.decode_create(req)
        }
        fn create_response(&self, o: &OrderView<'_>) -> Value {
            TestPay.create_response(o)
        }
    }
    for path in [
        "testpay/create",
        "/testpay/:id",
        "/testpay/{id}",
        "/testpay/*rest",
        "/testpay/create?x=1",
        "/testpay//create",
        "/test pay",
        "/_sim/create",
    ] {
        let endpoints = Box::leak(Box::new([Endpoint::post(Operation::Create, path)]));
        let descriptor = Box::leak(Box::new(ChannelDescriptor {
            endpoints,
            ..DESCRIPTOR
        }));
        let err = Simulator::builder(SimConfig::default())
            .channel(Pathed(descriptor))
            .start()
            .await
            .err()
            .unwrap_or_else(|| panic!("{path}: started"));
        assert!(
            err.to_string().contains("is not a plain absolute path"),
            "{path}: {err}"
        );
    }
    // The secret never prints.
    let c = SimConfig::default().merchant(MerchantConfig::new("A", "SK-very-secret"));
    assert!(!format!("{c:?}").contains("SK-very-secret"));
    // The same channel twice is served once.
    let sim = Simulator::builder(SimConfig::default())
        .channel(TestPay)
        .channel(TestPay)
        .start()
        .await
        .unwrap();
    assert_eq!(sim.channel_ids(), ["testpay"]);
    assert_eq!(sim.endpoints(), [CREATE, CANCEL, REFUND]);
    // Unknown paths answer a DOKU-style 404.
    let r = doku_pay_core::transport::http_client_builder()
        .build()
        .expect("HTTP client")
        .get(format!("{}/nope", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let j: Value = r.json().await.unwrap();
    assert_eq!(j["error"]["code"], "not_found");
    sim.shutdown().await;
}

#[tokio::test]
async fn config_loads_from_json_and_serves() {
    // The shape the CLI loads from a file.
    let text = r#"{
        "merchants": [{"client_id": "MCH-A-0001", "secret_key": "SK-A-secret",
                       "notification_url": "http://127.0.0.1:9/payments/notifications"}],
        "max_orders": 5,
        "time_factor": 0.000001,
        "faults": {"seed": 7, "default": {"latency_ms": 0},
                   "endpoints": {"/testpay/v1/create": {"bad_signature": 1.0}}}
    }"#;
    let config: SimConfig = serde_json::from_str(text).unwrap();
    assert_eq!(config.max_orders, 5);
    assert_eq!(config.max_requests, SimConfig::default().max_requests);
    assert!(
        serde_json::from_str::<SimConfig>(r#"{"max_ordres": 5}"#).is_err(),
        "typos are refused"
    );
    let sim = Simulator::builder(config)
        .channel(TestPay)
        .start()
        .await
        .unwrap();
    assert_eq!(sim.faults().seed, 7);
    let err = api(&sim)
        .post::<Value, Value>(
            CREATE,
            &json!({"order": {"invoice_number": "I", "amount": 1}}),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Untrusted { .. }), "{err:?}");
}

#[tokio::test]
async fn unreachable_receiver_is_retried_and_logged() {
    // A port nobody listens on: bind, read the port, close.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let config = SimConfig::default()
        .merchant(
            MerchantConfig::new(A_ID, A_SECRET)
                .notification_url(format!("http://127.0.0.1:{port}{NOTIFY_PATH}")),
        )
        .time_factor(1e-5);
    let sim = Simulator::builder(config)
        .channel(TestPay)
        .start()
        .await
        .unwrap();
    create(&sim, "INV-U").await;
    sim.complete("INV-U", Outcome::Paid).unwrap();
    let d = sim
        .wait_for_deliveries("INV-U", CAP, |d| d[0].finished)
        .await
        .unwrap();
    assert_eq!(d[0].attempts.len(), 4);
    assert!(
        d[0].attempts
            .iter()
            .all(|a| a.status.is_none() && a.error.is_some()),
        "{d:?}"
    );
    assert!(!d[0].delivered());
}

#[tokio::test]
async fn bounded_answered_requests() {
    let (_receiver, receiver_url) = Receiver::start(Vec::new()).await;
    let mut config = SimConfig::default()
        .merchant(
            MerchantConfig::new(A_ID, A_SECRET)
                .notification_url(format!("{receiver_url}{NOTIFY_PATH}")),
        )
        .time_factor(1e-5);
    config.max_requests = 3;
    let sim = Simulator::builder(config)
        .channel(TestPay)
        .start()
        .await
        .unwrap();
    let rid = |i: usize| Req {
        request_id: Some(format!("req-{i}")),
        ..Req::default()
    };
    for i in 0..3 {
        let r = send(
            &sim,
            CREATE,
            Some(&create_body(&format!("INV-{i}"), 1)),
            rid(i),
        )
        .await;
        assert_eq!(r.status, 200);
    }
    // A rejected body is an answered request too, but the cache is full now.
    for i in 3..5 {
        let r = send(
            &sim,
            CREATE,
            Some(&create_body(&format!("INV-{i}"), 1)),
            rid(i),
        )
        .await;
        assert_eq!(r.status, 507, "{:?}", r.json());
        assert_eq!(r.code(), "storage_full");
        assert!(sim.order(&format!("INV-{i}")).is_err());
    }
    let r = send(&sim, CANCEL, Some(&ref_body("INV-0", None)), rid(9)).await;
    assert_eq!(r.status, 507);
    assert_eq!(sim.order("INV-0").unwrap().status, OrderStatus::Pending);
    let s = sim.stats();
    assert_eq!((s.requests, s.max_requests, s.orders), (3, 3, 3));
    // Replays of answered requests still work.
    let r = send(&sim, CREATE, Some(&create_body("INV-1", 1)), rid(1)).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["order"]["invoice_number"], "INV-1");
}

/// A simulator for merchant A whose notification URL is `url`, with `time_factor`.
async fn sim_notifying(url: &str, time_factor: f64) -> SimHandle {
    let config = SimConfig::default()
        .merchant(MerchantConfig::new(A_ID, A_SECRET).notification_url(url))
        .time_factor(time_factor);
    Simulator::builder(config)
        .channel(TestPay)
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn extreme_time_factors_do_not_panic() {
    // Huge: the first attempt is made at once; the retries are beyond any clock, so they
    // are not scheduled (and do not fire at once either).
    for factor in [1e300, f64::MAX] {
        let (receiver, receiver_url) = Receiver::start(vec![500, 500, 500, 500]).await;
        let sim = sim_notifying(&format!("{receiver_url}{NOTIFY_PATH}"), factor).await;
        create(&sim, "INV-T").await;
        sim.complete("INV-T", Outcome::Paid).unwrap();
        let d = sim
            .wait_for_deliveries("INV-T", CAP, |d| d[0].finished)
            .await
            .unwrap();
        assert_eq!(d[0].attempts.len(), 1, "{factor}: {d:?}");
        assert_eq!(d[0].attempts[0].status, Some(500));
        assert!(
            d[0].notes.iter().any(|n| n.contains("not scheduled")),
            "{factor}: {d:?}"
        );
        assert_eq!(receiver.received().len(), 1);
        // The simulator still answers.
        assert_eq!(
            api(&sim)
                .check_status("INV-T")
                .await
                .unwrap()
                .invoice_number
                .as_deref(),
            Some("INV-T")
        );
        sim.shutdown().await;
    }
    // Tiny: every retry at once, all four attempts made.
    for factor in [1e-300, f64::MIN_POSITIVE, 5e-324] {
        let (_receiver, receiver_url) = Receiver::start(vec![500, 500, 500, 500]).await;
        let sim = sim_notifying(&format!("{receiver_url}{NOTIFY_PATH}"), factor).await;
        create(&sim, "INV-T").await;
        sim.complete("INV-T", Outcome::Paid).unwrap();
        let d = sim
            .wait_for_deliveries("INV-T", CAP, |d| d[0].finished)
            .await
            .unwrap();
        assert_eq!(d[0].attempts.len(), 4, "{factor}: {d:?}");
        assert!(d[0].delivered() || d[0].attempts.iter().all(|a| a.status == Some(500)));
        sim.shutdown().await;
    }
    // A huge wait cap does not overflow the clock.
    let (_receiver, receiver_url) = Receiver::start(Vec::new()).await;
    let sim = sim_notifying(&format!("{receiver_url}{NOTIFY_PATH}"), 1e-5).await;
    create(&sim, "INV-W").await;
    sim.complete("INV-W", Outcome::Paid).unwrap();
    let d = sim
        .wait_for_deliveries("INV-W", Duration::MAX, |d| d[0].finished)
        .await
        .unwrap();
    assert!(d[0].delivered());
}

#[tokio::test]
async fn url_credentials_are_never_shown() {
    let (receiver, receiver_url) = Receiver::start(Vec::new()).await;
    let host = receiver_url.trim_start_matches("http://");
    let url = format!("http://alice:s3cr3t-pw@{host}{NOTIFY_PATH}");
    let sim = sim_notifying(&url, 1e-5).await;
    // An override URL with credentials of its own (same path: used).
    let body = serde_json::to_vec(&json!({
        "order": {"invoice_number": "INV-C2", "amount": 1},
        "additional_info": {"override_notification_url":
            format!("http://bob:0v3rr1de-pw@{host}{NOTIFY_PATH}")}
    }))
    .unwrap();
    assert_eq!(
        send(&sim, CREATE, Some(&body), Req::default()).await.status,
        200
    );
    // An override URL with credentials and another path (ignored).
    let body = serde_json::to_vec(&json!({
        "order": {"invoice_number": "INV-C3", "amount": 1},
        "additional_info": {"override_notification_url":
            format!("http://carol:ign0red-pw@{host}/elsewhere")}
    }))
    .unwrap();
    assert_eq!(
        send(&sim, CREATE, Some(&body), Req::default()).await.status,
        200
    );
    create(&sim, "INV-C1").await;
    for inv in ["INV-C1", "INV-C2", "INV-C3"] {
        sim.complete(inv, Outcome::Paid).unwrap();
    }
    // Still sent to the real URL, with its credentials.
    let got = receiver.wait_for(3).await;
    assert_eq!(got.len(), 3);
    for inv in ["INV-C1", "INV-C2", "INV-C3"] {
        let d = sim
            .wait_for_deliveries(inv, CAP, |d| d[0].finished)
            .await
            .unwrap();
        assert!(d[0].delivered(), "{inv}: {d:?}");
        let url = d[0].url.as_deref().unwrap();
        assert!(url.starts_with(&format!("http://{host}")), "{inv}: {url}");
        let snapshot = format!("{:?}", sim.order(inv).unwrap());
        let served = doku_pay_core::transport::http_client_builder()
            .build()
            .expect("HTTP client")
            .get(format!("{}/_sim/orders/{inv}", sim.base_url()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for shown in [&snapshot, &served] {
            for secret in [
                "alice",
                "s3cr3t-pw",
                "bob",
                "0v3rr1de-pw",
                "carol",
                "ign0red-pw",
            ] {
                assert!(!shown.contains(secret), "{inv}: {secret} in {shown}");
            }
        }
    }
    // Debug output of the configuration hides them too.
    let config = SimConfig::default().merchant(
        MerchantConfig::new(A_ID, A_SECRET)
            .notification_url(format!("http://alice:s3cr3t-pw@{host}{NOTIFY_PATH}")),
    );
    let dbg = format!("{config:?} {:?}", Simulator::builder(config.clone()));
    assert!(
        !dbg.contains("s3cr3t-pw") && !dbg.contains("alice"),
        "{dbg}"
    );
    // Errors name the URL without its credentials.
    for bad in [
        format!("http://dave:err0r-pw@{host}:99999{NOTIFY_PATH}"),
        "ftp//eve:an0ther-pw@[::1/x".to_owned(),
    ] {
        let config = SimConfig::default()
            .merchant(MerchantConfig::new(A_ID, A_SECRET).notification_url(bad.as_str()));
        let err = Simulator::builder(config)
            .channel(TestPay)
            .start()
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("notification_url"), "{err}");
        for secret in ["dave", "err0r-pw", "an0ther-pw"] {
            assert!(!err.contains(secret), "{secret} in {err}");
        }
    }
}

#[tokio::test]
async fn byte_budget_takes_back_changes_whose_answer_does_not_fit() {
    let start = |budget: usize| async move {
        let mut config = SimConfig::default()
            .merchant(MerchantConfig::new(A_ID, A_SECRET))
            .max_store_bytes(budget);
        config.time_factor = 1e-5;
        Simulator::builder(config)
            .channel(TestPay)
            .start()
            .await
            .unwrap()
    };
    let rid = |r: &str| Req {
        request_id: Some(r.to_owned()),
        ..Req::default()
    };
    // How many bytes one order with its create answer takes.
    let probe = start(1 << 20).await;
    let r = send(
        &probe,
        CREATE,
        Some(&create_body("INV-0", 1)),
        rid("create-0"),
    )
    .await;
    assert_eq!(r.status, 200);
    let one = probe.stats().estimated_bytes;
    assert!(one > 0);
    // A budget with room for that order (give or take a port digit), not for a cancel answer.
    let sim = start(one + 16).await;
    let r = send(
        &sim,
        CREATE,
        Some(&create_body("INV-0", 1)),
        rid("create-0"),
    )
    .await;
    assert_eq!(r.status, 200);
    let stats = sim.stats();
    let before = sim.order("INV-0").unwrap();
    let r = send(
        &sim,
        CANCEL,
        Some(&ref_body("INV-0", None)),
        rid("cancel-0"),
    )
    .await;
    assert_eq!(r.status, 507, "{:?}", r.json());
    assert_eq!(r.code(), "storage_full");
    assert_eq!(
        sim.order("INV-0").unwrap(),
        before,
        "the cancel is taken back"
    );
    assert_eq!(sim.stats(), stats);
    // A refund of a paid order is taken back the same way.
    sim.complete("INV-0", Outcome::Paid).unwrap();
    let paid = sim.order("INV-0").unwrap();
    let r = send(
        &sim,
        REFUND,
        Some(&ref_body("INV-0", Some("RF-1"))),
        rid("refund-0"),
    )
    .await;
    assert_eq!(r.status, 507);
    let after = sim.order("INV-0").unwrap();
    assert_eq!(
        (after.status, after.refund_reference),
        (OrderStatus::Paid, None)
    );
    assert_eq!(after.deliveries.len(), paid.deliveries.len());
    // Another create does not fit: nothing of it is kept.
    let r = send(
        &sim,
        CREATE,
        Some(&create_body("INV-1", 1)),
        rid("create-1"),
    )
    .await;
    assert_eq!(r.status, 507);
    assert!(sim.order("INV-1").is_err());
    assert_eq!(sim.stats().orders, 1);
}

/// `BodyCredentials`: `sign` sets both fields whatever the body holds on their way (a body
/// that is not an object is left alone), and `verify` then passes; `verify` names exactly
/// the fields that are wrong.
#[test]
fn body_credentials_sign_and_verify() {
    use doku_pay_core::{ClientId, Merchant, SecretKey};
    use doku_pay_sim::BodyCredentials;

    fn digest(m: &Merchant, body: &Value) -> String {
        m.sha256_hex_with_secret(&body["order"]["amount"].to_string())
    }
    /// The fields a failed verification names.
    fn broken(verified: Result<(), doku_pay_core::validate::Violations>) -> Vec<String> {
        let violations = verified.expect_err("broken credentials");
        violations.iter().map(|v| v.field.clone()).collect()
    }
    let c = BodyCredentials {
        client_id: "client.id",
        check_sum: "security.check_sum",
        compute: digest,
    };
    let m = Merchant::new(
        ClientId::new("MCH-1").unwrap(),
        SecretKey::new("SK-1").unwrap(),
    );
    let other = Merchant::new(
        ClientId::new("MCH-2").unwrap(),
        SecretKey::new("SK-2").unwrap(),
    );
    let signed_rows = [
        json!({"order": {"amount": 10}}),
        json!({"order": {"amount": 10}, "client": "MCH-1", "security": 7}),
        json!({"order": {"amount": 10}, "client": {"id": "X", "name": "kept"}}),
        json!({}),
    ];
    for (i, mut body) in signed_rows.into_iter().enumerate() {
        c.sign(&m, &mut body);
        assert_eq!(body["client"]["id"], "MCH-1", "row {i}");
        assert_eq!(c.verify(&m, &body), Ok(()), "row {i}: {body}");
        assert_eq!(
            broken(c.verify(&other, &body)),
            ["client.id", "security.check_sum"],
            "row {i}"
        );
    }
    let mut kept = json!({"order": {"amount": 10}, "client": {"id": "X", "name": "kept"}});
    c.sign(&m, &mut kept);
    assert_eq!(kept["client"]["name"], "kept");
    for mut not_object in [json!([1]), json!("x"), Value::Null] {
        let before = not_object.clone();
        c.sign(&m, &mut not_object);
        assert_eq!(not_object, before);
        assert_eq!(c.verify(&m, &not_object).unwrap_err().len(), 2);
    }
    let mut tampered = json!({"order": {"amount": 10}});
    c.sign(&m, &mut tampered);
    tampered["order"]["amount"] = json!(11);
    assert_eq!(broken(c.verify(&m, &tampered)), ["security.check_sum"]);
}
