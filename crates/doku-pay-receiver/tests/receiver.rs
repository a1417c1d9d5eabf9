//! The receiver through a real HTTP server on 127.0.0.1: a table of request variations, then
//! concurrency, failures, fallback, time to live, leases, capacity and windows.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use doku_pay_core::clock::format_timestamp;
use doku_pay_core::signature::{BodyDigest, Components};
use doku_pay_core::{
    Amount, ChannelDescriptor, ClientId, Error, Notification, NotificationVerifier, Operation,
    Payment, PaymentChannel, PaymentRequest, PaymentStatus, Registry, SecretKey,
    VerifiedNotification,
};
use doku_pay_receiver::{
    BoxError, ClaimToken, Claimed, DedupeKey, DedupeStore, ManualClock, MemoryStore, Mismatch,
    Receiver, ReceiverBuilder, StoreError, expect_payment,
};
use doku_pay_testkit::{NotificationOnly, notification_only_descriptor};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use time::macros::datetime;

// ---------------------------------------------------------------------------------------
// A tiny channel, registered in this test binary only.

static TEST_DESCRIPTOR: ChannelDescriptor =
    notification_only_descriptor("testpay", "Test Pay", "EMONEY_TESTPAY", "TESTPAY");

doku_pay_core::register_channel!(TEST_DESCRIPTOR, || Box::new(NotificationOnly(
    &TEST_DESCRIPTOR
)));

// ---------------------------------------------------------------------------------------
// Helpers.

const PATH: &str = "/payments/notifications";
const MCH_A: &str = "MCH-0001-10791114622547";
const SK_A: &str = "SK-TESTVECTOR-0001";
const MCH_B: &str = "BRN-0002-20000000000000";
const SK_B: &str = "SK-SECOND-MERCHANT-0002";
const TS: &str = "2021-01-27T03:24:30Z";

fn secret(s: &str) -> SecretKey {
    SecretKey::new(s).unwrap()
}

fn body(channel: &str, invoice: &str, amount: Value, status: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "service": {"id": "EMONEY"},
        "acquirer": {"id": "TESTPAY"},
        "channel": {"id": channel},
        "order": {"invoice_number": invoice, "amount": amount},
        "transaction": {"status": status, "date": "2021-01-27T03:24:23Z",
                        "original_request_id": "15022aab-444f-4b04-afa8-ddfce89432ec"},
        "emoney_payment": {"unknown_field": true}
    }))
    .unwrap()
}

fn good_body(invoice: &str) -> Vec<u8> {
    body("EMONEY_TESTPAY", invoice, json!(150000), "SUCCESS")
}

/// A request as DOKU would send it.
#[derive(Clone, Debug)]
struct Req {
    method: reqwest::Method,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Req {
    /// Signed for `client_id` with `sk`, over `signed_path` and `body`.
    fn signed(client_id: &str, sk: &str, rid: &str, signed_path: &str, body: Vec<u8>) -> Self {
        Self::signed_at(TS, client_id, sk, rid, signed_path, body)
    }

    /// [`Req::signed`] with this `Request-Timestamp`.
    fn signed_at(
        ts: &str,
        client_id: &str,
        sk: &str,
        rid: &str,
        signed_path: &str,
        body: Vec<u8>,
    ) -> Self {
        let sig =
            Components::notification(client_id, rid, ts, signed_path, &body).sign(&secret(sk));
        Self {
            method: reqwest::Method::POST,
            path: PATH.to_owned(),
            headers: vec![
                ("Client-Id", client_id.to_owned()),
                ("Request-Id", rid.to_owned()),
                ("Request-Timestamp", ts.to_owned()),
                ("Signature", sig),
                ("Content-Type", "application/json".to_owned()),
            ],
            body,
        }
    }

    fn good(rid: &str) -> Self {
        Self::signed(MCH_A, SK_A, rid, PATH, good_body(&format!("INV-{rid}")))
    }

    fn set(mut self, name: &'static str, value: &str) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.to_owned()));
        self
    }

    fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self
    }

    async fn send(&self, client: &reqwest::Client, base: &str) -> (u16, String) {
        let mut rb = client.request(self.method.clone(), format!("{base}{}", self.path));
        for (n, v) in &self.headers {
            rb = rb.header(*n, v);
        }
        let res = rb.body(self.body.clone()).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }
}

/// The answer to a notification the handler took.
fn ok() -> (u16, String) {
    (200, "ok".to_owned())
}

/// The answer to a copy of a notification already handled.
fn already() -> (u16, String) {
    (200, "ok: already handled".to_owned())
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// Counts handler calls and keeps what succeeded.
#[derive(Clone, Default)]
struct Recorder {
    calls: Arc<AtomicUsize>,
    handled: Arc<Mutex<Vec<Notification>>>,
}

impl Recorder {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn handled(&self) -> Vec<Notification> {
        self.handled.lock().unwrap().clone()
    }

    /// A handler that records and succeeds.
    fn ok_handler(
        &self,
    ) -> impl Fn(
        Notification,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send>>
    + Send
    + Sync
    + 'static {
        let rec = self.clone();
        move |n: Notification| {
            let rec = rec.clone();
            Box::pin(async move {
                rec.calls.fetch_add(1, Ordering::SeqCst);
                rec.handled.lock().unwrap().push(n);
                Ok(())
            })
        }
    }
}

/// Builds `b` for both merchants and serves it on 127.0.0.1: its base URL.
async fn start(b: doku_pay_receiver::ReceiverBuilder) -> String {
    serve(both_merchants(b).build().unwrap().router()).await
}

fn both_merchants(b: doku_pay_receiver::ReceiverBuilder) -> doku_pay_receiver::ReceiverBuilder {
    b.merchant(ClientId::new(MCH_A).unwrap(), secret(SK_A))
        .merchant(ClientId::new(MCH_B).unwrap(), secret(SK_B))
}

// ---------------------------------------------------------------------------------------
// The table.

struct Row {
    name: &'static str,
    req: Req,
    /// Send it this many times in sequence; the expectation is for the last answer.
    times: usize,
    status: u16,
    reason: &'static str,
    /// Handler calls this row adds.
    calls: usize,
}

fn row(name: &'static str, req: Req, status: u16, reason: &'static str, calls: usize) -> Row {
    Row {
        name,
        req,
        times: 1,
        status,
        reason,
        calls,
    }
}

#[tokio::test]
async fn table_of_requests() {
    let rec = Recorder::default();
    let receiver = both_merchants(Receiver::builder(PATH, rec.ok_handler()))
        .max_body_bytes(4096)
        .build()
        .unwrap();
    let base = serve(receiver.router()).await;
    let client = doku_pay_testkit::http_client();

    let tampered = {
        let mut r = Req::good("r-tampered");
        let s = String::from_utf8(r.body)
            .unwrap()
            .replace("150000", "1500000");
        r.body = s.into_bytes();
        r
    };
    let reserialised = {
        // Same JSON value, different bytes (whitespace): the digest is over the raw bytes.
        let mut r = Req::good("r-reserialised");
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        r.body = serde_json::to_vec_pretty(&v).unwrap();
        r
    };
    let huge = Req::signed(
        MCH_A,
        SK_A,
        "r-huge",
        PATH,
        body("EMONEY_TESTPAY", &"I".repeat(5000), json!(1), "SUCCESS"),
    );
    let wrong_path = {
        let mut r = Req::good("r-elsewhere");
        r.path = "/elsewhere".into();
        r
    };
    let get = {
        let mut r = Req::good("r-get");
        r.method = reqwest::Method::GET;
        r.body.clear();
        r
    };
    let swapped_rid = Req::good("r-signed-rid").set("Request-Id", "r-other-rid");
    let forged = Req::signed(MCH_A, "SK-WRONG", "r-forged", PATH, good_body("INV-forged"));
    let other_path = Req::signed(MCH_A, SK_A, "r-path", "/other", good_body("INV-path"));
    let unknown = Req::signed("MCH-UNKNOWN", SK_A, "r-unknown", PATH, good_body("INV-u"));
    let not_json = Req::signed(MCH_A, SK_A, "r-notjson", PATH, b"status=SUCCESS".to_vec());
    let array = Req::signed(MCH_A, SK_A, "r-array", PATH, b"[1,2,3]".to_vec());
    let empty = Req::signed(MCH_A, SK_A, "r-empty", PATH, Vec::new());
    let no_amount = Req::signed(
        MCH_A,
        SK_A,
        "r-noamount",
        PATH,
        serde_json::to_vec(&json!({
            "channel": {"id": "EMONEY_TESTPAY"},
            "order": {"invoice_number": "INV-x"},
            "transaction": {"status": "SUCCESS"}
        }))
        .unwrap(),
    );
    let no_channel = Req::signed(
        MCH_A,
        SK_A,
        "r-nochannel",
        PATH,
        serde_json::to_vec(&json!({
            "order": {"invoice_number": "INV-x", "amount": 1},
            "transaction": {"status": "SUCCESS"}
        }))
        .unwrap(),
    );
    let fraction = Req::signed(
        MCH_A,
        SK_A,
        "r-fraction",
        PATH,
        body("EMONEY_TESTPAY", "INV-f", json!("10000.50"), "SUCCESS"),
    );
    let string_amount = Req::signed(
        MCH_A,
        SK_A,
        "r-stramount",
        PATH,
        body("EMONEY_TESTPAY", "INV-s", json!("10000.00"), "SUCCESS"),
    );
    let odd_status = Req::signed(
        MCH_A,
        SK_A,
        "r-oddstatus",
        PATH,
        body("EMONEY_TESTPAY", "INV-o", json!(5), "SOMETHING_NEW"),
    );
    let unknown_channel = Req::signed(
        MCH_A,
        SK_A,
        "r-unknownchannel",
        PATH,
        body("EMONEY_NOBODY", "INV-n", json!(5), "SUCCESS"),
    );
    let merchant_b = Req::signed(MCH_B, SK_B, "r-b", PATH, good_body("INV-b"));
    // Same Request-Id as merchant B's, other merchant: a different notification.
    let same_rid_a = Req::signed(MCH_A, SK_A, "r-b", PATH, good_body("INV-b-for-a"));
    let b_with_a_secret = Req::signed(MCH_B, SK_A, "r-bx", PATH, good_body("INV-bx"));
    let long_rid = "r".repeat(129);
    let long_rid_req = Req::good(&long_rid);
    let at = |ts: &str, rid: &str| {
        Req::signed_at(ts, MCH_A, SK_A, rid, PATH, good_body(&format!("INV-{rid}")))
    };
    let millis = at("2026-12-01T02:00:00.123Z", "r-millis");
    let offset = at("2026-12-01T02:00:00+00:00", "r-offset");
    // Without a window the timestamp is only signed text.
    let odd_ts = at("Tue, 01 Dec 2026 02:00:00 GMT", "r-oddts");
    let lower_status = Req::signed(
        MCH_A,
        SK_A,
        "r-lower",
        PATH,
        body("EMONEY_TESTPAY", "INV-lower", json!(5), "success"),
    );
    let with_extra = |rid: &str, extra: &str| {
        let mut b = good_body(&format!("INV-{rid}"));
        b.pop();
        b.extend_from_slice(format!(r#","customer":{extra}}}"#).as_bytes());
        Req::signed(MCH_A, SK_A, rid, PATH, b)
    };
    let surrogate = with_extra("r-surrogate", r#"{"name":"\ud800 lone"}"#);
    let deep = with_extra(
        "r-deep",
        &format!("{}1{}", "[".repeat(300), "]".repeat(300)),
    );
    // A key written twice: where the copies agree it is read once, where they differ the
    // field is absent; neither refuses a notification that names its payment.
    let repeated = Req::signed(
        MCH_A,
        SK_A,
        "r-repeated",
        PATH,
        br#"{"channel":{"id":"EMONEY_TESTPAY"},"order":{"invoice_number":"INV-r-repeated","amount":150000},"transaction":{"status":"SUCCESS"},"order":{"invoice_number":"INV-r-repeated","amount":150000},"customer":{"name":"A"},"customer":{"name":"B"}}"#.to_vec(),
    );
    let amount_twice = Req::signed(
        MCH_A,
        SK_A,
        "r-amount-twice",
        PATH,
        br#"{"channel":{"id":"EMONEY_TESTPAY"},"order":{"invoice_number":"INV-x","amount":1,"amount":2},"transaction":{"status":"SUCCESS"}}"#.to_vec(),
    );
    let bom = {
        let mut b = b"\xef\xbb\xbf".to_vec();
        b.extend(good_body("INV-r-bom"));
        Req::signed(MCH_A, SK_A, "r-bom", PATH, b)
    };
    let pending_then = Req::signed(
        MCH_A,
        SK_A,
        "r-reused",
        PATH,
        body("EMONEY_TESTPAY", "INV-reused", json!(5), "PENDING"),
    );
    let then_success = Req::signed(
        MCH_A,
        SK_A,
        "r-reused",
        PATH,
        body("EMONEY_TESTPAY", "INV-reused", json!(5), "SUCCESS"),
    );

    let mut replay = row(
        "replayed Request-Id",
        Req::good("r-replay"),
        200,
        "ok: already handled",
        1,
    );
    replay.times = 3;

    let rows = vec![
        row("valid", Req::good("r-valid"), 200, "ok", 1),
        replay,
        row("second merchant", merchant_b, 200, "ok", 1),
        row("same Request-Id, other merchant", same_rid_a, 200, "ok", 1),
        row(
            "other merchant's secret",
            b_with_a_secret,
            401,
            "invalid signature",
            0,
        ),
        row("forged signature", forged, 401, "invalid signature", 0),
        row("tampered body", tampered, 401, "invalid signature", 0),
        row(
            "re-serialised body",
            reserialised,
            401,
            "invalid signature",
            0,
        ),
        row(
            "signed for another path",
            other_path,
            401,
            "invalid signature",
            0,
        ),
        row(
            "Request-Id swapped",
            swapped_rid,
            401,
            "invalid signature",
            0,
        ),
        row(
            "signature without prefix",
            Req::good("r-prefix").set("Signature", "7YyysEmGwaUjcDNmAlnVGPZd3KKKUeMeaKZX2JJ03d0="),
            401,
            "invalid signature",
            0,
        ),
        row(
            "signature not base64",
            Req::good("r-b64").set("Signature", "HMACSHA256=!!!!"),
            401,
            "invalid signature",
            0,
        ),
        row("unknown merchant", unknown, 401, "unknown merchant", 0),
        row(
            "missing Signature",
            Req::good("r-nosig").without("Signature"),
            400,
            "missing Signature header",
            0,
        ),
        row(
            "missing Client-Id",
            Req::good("r-nocid").without("Client-Id"),
            400,
            "missing Client-Id header",
            0,
        ),
        row(
            "missing Request-Id",
            Req::good("r-norid").without("Request-Id"),
            400,
            "missing Request-Id header",
            0,
        ),
        row(
            "missing Request-Timestamp",
            Req::good("r-nots").without("Request-Timestamp"),
            400,
            "missing Request-Timestamp header",
            0,
        ),
        row(
            "empty Signature",
            Req::good("r-emptysig").set("Signature", ""),
            400,
            "missing Signature header",
            0,
        ),
        row(
            "timestamp other than the one signed",
            Req::good("r-badts").set("Request-Timestamp", "2021-01-27 03:24:30"),
            401,
            "invalid signature",
            0,
        ),
        row("signed timestamp with milliseconds", millis, 200, "ok", 1),
        row("signed timestamp with +00:00", offset, 200, "ok", 1),
        row("signed timestamp in no ISO form", odd_ts, 200, "ok", 1),
        row("status in lower case", lower_status, 200, "ok", 1),
        row(
            "lone surrogate in a field nobody reads",
            surrogate,
            200,
            "ok",
            1,
        ),
        row(
            "nesting 300 deep in a field nobody reads",
            deep,
            200,
            "ok",
            1,
        ),
        row(
            "same Request-Id, first body (PENDING)",
            pending_then,
            200,
            "ok",
            1,
        ),
        row(
            "same Request-Id, new body (SUCCESS)",
            then_success,
            200,
            "ok",
            1,
        ),
        row(
            "Request-Id too long",
            long_rid_req,
            400,
            "invalid Request-Id header",
            0,
        ),
        row(
            "not JSON",
            not_json,
            400,
            "body is not a DOKU notification",
            0,
        ),
        row(
            "JSON array",
            array,
            400,
            "body is not a DOKU notification",
            0,
        ),
        row(
            "empty body",
            empty,
            400,
            "body is not a DOKU notification",
            0,
        ),
        row(
            "fractional amount",
            fraction,
            400,
            "body is not a DOKU notification",
            0,
        ),
        row(
            "known channel, no order.amount",
            no_amount,
            400,
            "invalid notification: missing order.amount",
            0,
        ),
        row("no channel.id: to the handler", no_channel, 200, "ok", 1),
        row("keys written twice", repeated, 200, "ok", 1),
        row(
            "the amount written twice, differing",
            amount_twice,
            400,
            "invalid notification: missing order.amount",
            0,
        ),
        row("a byte order mark before the JSON", bom, 200, "ok", 1),
        row("amount as a decimal string", string_amount, 200, "ok", 1),
        row("status this crate does not know", odd_status, 200, "ok", 1),
        row(
            "channel no crate registers: to the handler",
            unknown_channel,
            200,
            "ok",
            1,
        ),
        row("body over the limit", huge, 413, "body too large", 0),
        row("GET", get, 405, "method not allowed", 0),
        row("another path", wrong_path, 404, "", 0),
    ];

    let mut expected_calls = 0;
    for r in &rows {
        let before = rec.calls();
        let mut answer = (0, String::new());
        for _ in 0..r.times {
            answer = r.req.send(&client, &base).await;
        }
        assert_eq!(
            answer.0, r.status,
            "{}: status (body {:?})",
            r.name, answer.1
        );
        assert_eq!(answer.1, r.reason, "{}: reason", r.name);
        assert_eq!(rec.calls() - before, r.calls, "{}: handler calls", r.name);
        expected_calls += r.calls;
    }
    assert_eq!(rec.calls(), expected_calls);
    assert_eq!(expected_calls, 18);

    // What the handler saw is the channel's mapping of the verified body.
    let handled = rec.handled();
    let valid = handled
        .iter()
        .find(|n| n.request_id.as_str() == "r-valid")
        .unwrap();
    assert_eq!(valid.channel.as_deref(), Some("testpay"));
    assert_eq!(valid.channel_code, "EMONEY_TESTPAY");
    assert_eq!(valid.client_id, MCH_A);
    assert_eq!(valid.invoice_number, "INV-r-valid");
    assert_eq!(valid.amount, Amount::new(150_000).unwrap());
    assert_eq!(valid.status, PaymentStatus::Success);
    assert_eq!(
        valid.raw.to_value().unwrap()["emoney_payment"]["unknown_field"],
        json!(true)
    );
    let odd = handled
        .iter()
        .find(|n| n.request_id.as_str() == "r-oddstatus")
        .unwrap();
    assert_eq!(odd.status, PaymentStatus::Unknown("SOMETHING_NEW".into()));
    let clients: Vec<&str> = handled
        .iter()
        .filter(|n| n.request_id.as_str() == "r-b")
        .map(|n| n.client_id.as_str())
        .collect();
    assert_eq!(clients.len(), 2);
    assert!(clients.contains(&MCH_A) && clients.contains(&MCH_B));
    // A channel no crate registers, or no channel.id: the envelope, for the application.
    let by_rid = |rid: &str| {
        handled
            .iter()
            .find(|n| n.request_id.as_str() == rid)
            .unwrap()
    };
    for (rid, code) in [("r-unknownchannel", "EMONEY_NOBODY"), ("r-nochannel", "")] {
        let n = by_rid(rid);
        assert_eq!(
            (n.channel.as_deref(), n.channel_code.as_str()),
            (None, code),
            "{rid}"
        );
        assert_eq!(n.status, PaymentStatus::Success, "{rid}");
        assert!(n.amount.rupiah() > 0, "{rid}");
    }
    assert_eq!(by_rid("r-lower").status, PaymentStatus::Success);
    let repeated = by_rid("r-repeated");
    assert_eq!(
        (repeated.invoice_number.as_str(), repeated.amount.rupiah()),
        ("INV-r-repeated", 150_000)
    );
    // The body as sent, both copies in it; the byte order mark left out of the JSON.
    assert_eq!(repeated.raw.as_str().matches(r#""customer""#).count(), 2);
    let bom = by_rid("r-bom");
    assert_eq!(bom.invoice_number, "INV-r-bom");
    assert!(bom.raw.as_str().starts_with('{'));
    assert_eq!(bom.raw.to_value().unwrap()["order"]["amount"], 150_000);
    // Kept byte for byte, escapes and nesting included.
    assert!(
        by_rid("r-surrogate")
            .raw
            .as_str()
            .contains(r#""\ud800 lone""#)
    );
    assert!(by_rid("r-deep").raw.as_str().contains(&"[".repeat(300)));
    let reused: Vec<&PaymentStatus> = handled
        .iter()
        .filter(|n| n.request_id.as_str() == "r-reused")
        .map(|n| &n.status)
        .collect();
    assert_eq!(reused, [&PaymentStatus::Pending, &PaymentStatus::Success]);
}

#[tokio::test]
async fn chunked_body_over_the_limit_is_refused_while_reading() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let rec = Recorder::default();
    let receiver = both_merchants(Receiver::builder(PATH, rec.ok_handler()))
        .max_body_bytes(1024)
        .build()
        .unwrap();
    let base = serve(receiver.router()).await;
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // No Content-Length: the limit applies while the body streams in.
    let mut req = format!(
        "POST {PATH} HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for _ in 0..4 {
        req.extend_from_slice(b"400\r\n");
        req.extend_from_slice(&[b'x'; 1024]);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    // The server may answer and close before reading everything.
    let _ = stream.write_all(&req).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.ends_with("body too large"), "{answer}");
    assert_eq!(rec.calls(), 0);
}

// ---------------------------------------------------------------------------------------
// Concurrency.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_simultaneous_copies_call_the_handler_once_and_all_get_200() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let base = start(Receiver::builder(PATH, move |_n: Notification| {
        let c = Arc::clone(&c);
        async move {
            c.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(150)).await;
            Ok::<_, BoxError>(())
        }
    }))
    .await;
    let client = doku_pay_testkit::http_client();
    let req = Req::good("r-concurrent");
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (client, base, req) = (client.clone(), base.clone(), req.clone());
            tokio::spawn(async move { req.send(&client, &base).await })
        })
        .collect();
    let mut by_body: BTreeMap<(u16, String), usize> = BTreeMap::new();
    for t in tasks {
        *by_body.entry(t.await.unwrap()).or_default() += 1;
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(by_body.get(&(200, "ok".into())), Some(&1), "{by_body:?}");
    assert_eq!(
        by_body.get(&(200, "ok: already handled".into())),
        Some(&19),
        "{by_body:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_waiting_copies_in_flight_get_503_and_a_later_retry_gets_200() {
    let calls = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let (c, g) = (Arc::clone(&calls), Arc::clone(&gate));
    let base = start(
        Receiver::builder(PATH, move |_n: Notification| {
            let (c, g) = (Arc::clone(&c), Arc::clone(&g));
            async move {
                c.fetch_add(1, Ordering::SeqCst);
                // Held until the test has seen every duplicate's answer.
                let _permit = g.acquire().await.map_err(|e| e.to_string())?;
                Ok::<_, BoxError>(())
            }
        })
        .in_flight_wait(Duration::ZERO),
    )
    .await;
    let client = doku_pay_testkit::http_client();
    let req = Req::good("r-inflight");
    let first = {
        let (client, base, req) = (client.clone(), base.clone(), req.clone());
        tokio::spawn(async move { req.send(&client, &base).await })
    };
    // Wait until the first copy is inside the handler.
    wait_until(|| calls.load(Ordering::SeqCst) == 1).await;
    let dups: Vec<_> = (0..19)
        .map(|_| {
            let (client, base, req) = (client.clone(), base.clone(), req.clone());
            tokio::spawn(async move { req.send(&client, &base).await })
        })
        .collect();
    for d in dups {
        assert_eq!(
            d.await.unwrap(),
            (
                503,
                "notification is being processed; retry later".to_owned()
            )
        );
    }
    gate.add_permits(1);
    assert_eq!(first.await.unwrap(), ok());
    assert_eq!(req.send(&client, &base).await, already());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_copies_when_the_first_handler_call_fails_are_handled_once() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let base = start(Receiver::builder(PATH, move |_n: Notification| {
        let c = Arc::clone(&c);
        async move {
            let n = c.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
            if n == 0 {
                return Err::<(), BoxError>("transient failure".into());
            }
            Ok(())
        }
    }))
    .await;
    let client = doku_pay_testkit::http_client();
    let req = Req::good("r-concurrent-fail");
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (client, base, req) = (client.clone(), base.clone(), req.clone());
            tokio::spawn(async move { req.send(&client, &base).await })
        })
        .collect();
    let mut by_body: BTreeMap<(u16, String), usize> = BTreeMap::new();
    for t in tasks {
        *by_body.entry(t.await.unwrap()).or_default() += 1;
    }
    // Whatever the timing: one failed call (500), one copy that claimed the released
    // notification and handled it, and duplicates for the rest.
    let expected = BTreeMap::from([
        (ok(), 1),
        (already(), 8),
        (
            (500, "notification not processed; retry later".to_owned()),
            1,
        ),
    ]);
    assert_eq!(by_body, expected);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

async fn wait_until(mut cond: impl FnMut() -> bool) {
    for _ in 0..2000 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("condition not reached in 10 s");
}

// ---------------------------------------------------------------------------------------
// Handler failures.

#[tokio::test]
async fn a_failing_handler_gets_500_without_its_error_and_the_retry_is_handled_once() {
    let calls = Arc::new(AtomicUsize::new(0));
    let succeeded = Arc::new(AtomicUsize::new(0));
    let (c, o) = (Arc::clone(&calls), Arc::clone(&succeeded));
    let base = start(Receiver::builder(PATH, move |_n: Notification| {
        let (c, o) = (Arc::clone(&c), Arc::clone(&o));
        async move {
            if c.fetch_add(1, Ordering::SeqCst) == 0 {
                return Err::<(), BoxError>("database password=hunter2 refused".into());
            }
            o.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }))
    .await;
    let client = doku_pay_testkit::http_client();
    let req = Req::good("r-fails-once");
    let (status, text) = req.send(&client, &base).await;
    assert_eq!(status, 500);
    assert_eq!(text, "notification not processed; retry later");
    assert!(!text.contains("hunter2"));
    assert_eq!(req.send(&client, &base).await, ok());
    assert_eq!(req.send(&client, &base).await, already());
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(succeeded.load(Ordering::SeqCst), 1);
}

/// An application's error that happens to be a `StoreError` (its own use of a store) is the
/// handler's failure, not the receiver's store outage: 500, counted as the handler's.
#[tokio::test]
async fn a_handlers_store_error_is_a_handler_failure() {
    let receiver = both_merchants(Receiver::builder(PATH, |_n: Notification| async {
        Err::<(), BoxError>(Box::new(doku_pay_receiver::StoreError::Backend(
            "the application's own cache".into(),
        )))
    }))
    .build()
    .unwrap();
    let req = Req::good("r-app-store-error");
    let answer = receiver.process(&header_map(&req), &req.body).await;
    assert_eq!(
        (answer.status, answer.outcome),
        (
            http::StatusCode::INTERNAL_SERVER_ERROR,
            doku_pay_receiver::Outcome::HandlerFailed
        ),
        "{answer:?}"
    );
}

#[tokio::test]
async fn a_panicking_handler_gets_500_and_the_retry_is_handled() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let base = start(Receiver::builder(PATH, move |_n: Notification| {
        let c = Arc::clone(&c);
        async move {
            if c.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("handler bug");
            }
            Ok::<_, BoxError>(())
        }
    }))
    .await;
    let client = doku_pay_testkit::http_client();
    let req = Req::good("r-panics-once");
    assert_eq!(req.send(&client, &base).await.0, 500);
    assert_eq!(req.send(&client, &base).await, ok());
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn the_handler_finishes_even_if_doku_hangs_up() {
    let done = Arc::new(AtomicUsize::new(0));
    let d = Arc::clone(&done);
    let base = start(Receiver::builder(PATH, move |_n: Notification| {
        let d = Arc::clone(&d);
        async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            d.fetch_add(1, Ordering::SeqCst);
            Ok::<_, BoxError>(())
        }
    }))
    .await;
    let impatient = doku_pay_core::transport::http_client_builder()
        .timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    let req = Req::good("r-hangup");
    let mut rb = impatient.post(format!("{base}{PATH}"));
    for (n, v) in &req.headers {
        rb = rb.header(*n, v);
    }
    assert!(
        rb.body(req.body.clone()).send().await.is_err(),
        "client gave up"
    );
    wait_until(|| done.load(Ordering::SeqCst) == 1).await;
    // Its completion was recorded: DOKU's retry is a duplicate.
    let client = doku_pay_testkit::http_client();
    assert_eq!(req.send(&client, &base).await, already());
    assert_eq!(done.load(Ordering::SeqCst), 1);
}

// ---------------------------------------------------------------------------------------
// Unknown channels.

#[tokio::test]
async fn unknown_channel_goes_to_the_fallback_once() {
    let rec = Recorder::default();
    let fallback_calls = Arc::new(AtomicUsize::new(0));
    let codes = Arc::new(Mutex::new(Vec::new()));
    let (f, cs) = (Arc::clone(&fallback_calls), Arc::clone(&codes));
    let receiver = both_merchants(Receiver::builder(PATH, rec.ok_handler()))
        .fallback(move |v: VerifiedNotification| {
            let (f, cs) = (Arc::clone(&f), Arc::clone(&cs));
            async move {
                let n = f.fetch_add(1, Ordering::SeqCst);
                cs.lock()
                    .unwrap()
                    .push(v.channel_code().unwrap_or_default().to_owned());
                if n == 0 {
                    return Err::<(), BoxError>("fallback storage down".into());
                }
                Ok(())
            }
        })
        .build()
        .unwrap();
    let base = serve(receiver.router()).await;
    let client = doku_pay_testkit::http_client();
    let req = Req::signed(
        MCH_A,
        SK_A,
        "r-va",
        PATH,
        body("VIRTUAL_ACCOUNT_BCA", "INV-va", json!(10000), "SUCCESS"),
    );
    assert_eq!(
        req.send(&client, &base).await.0,
        500,
        "fallback failed: retry"
    );
    assert_eq!(req.send(&client, &base).await, ok());
    assert_eq!(req.send(&client, &base).await, already());
    assert_eq!(fallback_calls.load(Ordering::SeqCst), 2);
    assert_eq!(rec.calls(), 0);
    assert_eq!(*codes.lock().unwrap(), vec!["VIRTUAL_ACCOUNT_BCA"; 2]);
}

#[tokio::test]
async fn an_explicit_registry_replaces_the_global_one() {
    // Owned, no static: the receiver shares it.
    let empty = Registry::from_registrations([]);
    assert!(Registry::global().ids().contains(&"testpay"));
    let rec = Recorder::default();
    let receiver = both_merchants(Receiver::builder(PATH, rec.ok_handler()))
        .registry(empty)
        .build()
        .unwrap();
    let base = serve(receiver.router()).await;
    let answer = Req::good("r-registry")
        .send(&doku_pay_testkit::http_client(), &base)
        .await;
    // Not a channel of this registry: the handler gets the envelope (no channel id).
    assert_eq!(answer, ok());
    assert_eq!(rec.calls(), 1);
    assert_eq!(rec.handled()[0].channel, None);
    assert_eq!(rec.handled()[0].channel_code, "EMONEY_TESTPAY");
}

#[tokio::test]
async fn an_unrouted_notification_is_acknowledged_only_after_the_handler_took_it() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let base = start(Receiver::builder(PATH, move |n: Notification| {
        let c = Arc::clone(&c);
        async move {
            assert_eq!(n.channel, None);
            if c.fetch_add(1, Ordering::SeqCst) == 0 {
                return Err::<(), BoxError>("database down".into());
            }
            Ok(())
        }
    }))
    .await;
    let client = doku_pay_testkit::http_client();
    let req = Req::signed(
        MCH_A,
        SK_A,
        "r-unrouted",
        PATH,
        body("EMONEY_SOMEWALLET", "INV-unrouted", json!(10000), "SUCCESS"),
    );
    let first = req.send(&client, &base).await;
    assert_eq!(first.0, 500, "handler failed: DOKU must retry, {first:?}");
    assert_eq!(req.send(&client, &base).await, ok());
    assert_eq!(req.send(&client, &base).await, already());
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // An unrouted body without the envelope's payment fields cannot be a payment: 400.
    let bare = Req::signed(
        MCH_A,
        SK_A,
        "r-unrouted-bare",
        PATH,
        br#"{"channel":{"id":"EMONEY_SOMEWALLET"}}"#.to_vec(),
    );
    assert_eq!(bare.send(&client, &base).await.0, 400);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

// ---------------------------------------------------------------------------------------
// Time: TTL, leases, capacity, timestamp window.

#[tokio::test]
async fn a_handled_notification_is_forgotten_after_the_ttl() {
    let clock = Arc::new(ManualClock::new(datetime!(2021-01-27 03:24:30 UTC)));
    let store = Arc::new(
        MemoryStore::new()
            .ttl(Duration::from_secs(3600))
            .clock(clock.clone()),
    );
    let rec = Recorder::default();
    let receiver = both_merchants(Receiver::builder(PATH, rec.ok_handler()))
        .store(Arc::clone(&store))
        .build()
        .unwrap();
    let base = serve(receiver.router()).await;
    let client = doku_pay_testkit::http_client();
    let req = Req::good("r-ttl");
    assert_eq!(req.send(&client, &base).await, ok());
    clock.advance(Duration::from_secs(3599));
    assert_eq!(req.send(&client, &base).await, already());
    assert_eq!(rec.calls(), 1);
    clock.advance(Duration::from_secs(1));
    assert_eq!(store.sweep(), 1);
    assert!(store.is_empty());
    assert_eq!(req.send(&client, &base).await, ok());
    assert_eq!(rec.calls(), 2);
}

#[tokio::test]
async fn a_lease_whose_holder_vanished_expires_and_its_token_cannot_release_the_next() {
    let clock = Arc::new(ManualClock::new(datetime!(2021-01-27 03:24:30 UTC)));
    let store = MemoryStore::new()
        .lease(Duration::from_secs(60))
        .clock(clock.clone());
    let key = DedupeKey::new(MCH_A, "r-lease".parse().unwrap(), BodyDigest::of(b"{}"));
    let Claimed::New(first) = store.claim(&key).await.unwrap() else {
        panic!("first claim")
    };
    assert_eq!(store.claim(&key).await.unwrap(), Claimed::InFlight);
    clock.advance(Duration::from_secs(59));
    assert_eq!(store.claim(&key).await.unwrap(), Claimed::InFlight);
    clock.advance(Duration::from_secs(1));
    let Claimed::New(second) = store.claim(&key).await.unwrap() else {
        panic!("claim after the lease")
    };
    assert_ne!(first, second);
    // The vanished holder comes back and releases: the new claim stands.
    store.release(&key, first).await.unwrap();
    assert_eq!(store.claim(&key).await.unwrap(), Claimed::InFlight);
    store.release(&key, second).await.unwrap();
    let Claimed::New(third) = store.claim(&key).await.unwrap() else {
        panic!("claim after release")
    };
    store.complete(&key, third).await.unwrap();
    assert_eq!(store.claim(&key).await.unwrap(), Claimed::Done);
    // Release after completion does not forget it.
    store.release(&key, third).await.unwrap();
    assert_eq!(store.claim(&key).await.unwrap(), Claimed::Done);
    assert_eq!(store.len(), 1);
}

#[tokio::test]
async fn a_full_store_answers_503_until_entries_expire() {
    let clock = Arc::new(ManualClock::new(datetime!(2021-01-27 03:24:30 UTC)));
    let store = MemoryStore::new()
        .ttl(Duration::from_secs(100))
        .capacity(2)
        .clock(clock.clone());
    let rec = Recorder::default();
    let receiver = both_merchants(Receiver::builder(PATH, rec.ok_handler()))
        .store(store)
        .build()
        .unwrap();
    let base = serve(receiver.router()).await;
    let client = doku_pay_testkit::http_client();
    assert_eq!(Req::good("r-cap-1").send(&client, &base).await.0, 200);
    assert_eq!(Req::good("r-cap-2").send(&client, &base).await.0, 200);
    assert_eq!(
        Req::good("r-cap-3").send(&client, &base).await,
        (503, "temporarily unavailable; retry later".to_owned())
    );
    // The full store still recognises what it holds.
    assert_eq!(Req::good("r-cap-1").send(&client, &base).await, already());
    clock.advance(Duration::from_secs(100));
    assert_eq!(Req::good("r-cap-3").send(&client, &base).await, ok());
    assert_eq!(rec.calls(), 3);
}

#[tokio::test]
async fn the_timestamp_window_uses_the_injected_clock() {
    let clock = Arc::new(ManualClock::new(datetime!(2021-01-27 03:24:30 UTC)));
    let rec = Recorder::default();
    let receiver = both_merchants(Receiver::builder(PATH, rec.ok_handler()))
        .timestamp_window(Duration::from_secs(300))
        .clock(clock.clone())
        .build()
        .unwrap();
    let base = serve(receiver.router()).await;
    let client = doku_pay_testkit::http_client();
    clock.advance(Duration::from_secs(300));
    assert_eq!(Req::good("r-win-1").send(&client, &base).await, ok());
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        Req::good("r-win-2").send(&client, &base).await,
        (401, "timestamp outside window".to_owned())
    );
    // A fresh signature passes again.
    let ts = format_timestamp(datetime!(2021-01-27 03:29:31 UTC));
    let b = good_body("INV-win-3");
    let sig = Components::notification(MCH_A, "r-win-3", &ts, PATH, &b).sign(&secret(SK_A));
    let fresh = Req::signed(MCH_A, SK_A, "r-win-3", PATH, b)
        .set("Request-Timestamp", &ts)
        .set("Signature", &sig);
    assert_eq!(fresh.send(&client, &base).await, ok());
    assert_eq!(rec.calls(), 2);
}

// ---------------------------------------------------------------------------------------
// Pluggable store, configuration, robustness.

/// A store whose backend is down.
struct DownStore;

#[async_trait]
impl DedupeStore for DownStore {
    async fn claim(&self, _key: &DedupeKey) -> Result<Claimed, StoreError> {
        Err(StoreError::Backend("connection refused".into()))
    }
    fn lease(&self) -> Duration {
        MemoryStore::DEFAULT_LEASE
    }
    async fn renew(&self, _key: &DedupeKey, _t: ClaimToken) -> Result<bool, StoreError> {
        Err(StoreError::Backend("connection refused".into()))
    }
    async fn complete(&self, _key: &DedupeKey, _t: ClaimToken) -> Result<bool, StoreError> {
        Err(StoreError::Backend("connection refused".into()))
    }
    async fn release(&self, _key: &DedupeKey, _t: ClaimToken) -> Result<bool, StoreError> {
        Err(StoreError::Backend("connection refused".into()))
    }
}

#[tokio::test]
async fn a_failing_store_answers_503_and_never_calls_the_handler() {
    let rec = Recorder::default();
    let receiver = both_merchants(Receiver::builder(PATH, rec.ok_handler()))
        .store(DownStore)
        .build()
        .unwrap();
    let base = serve(receiver.router()).await;
    let res = doku_pay_testkit::http_client()
        .post(format!("{base}{PATH}"))
        .headers({
            let r = Req::good("r-down");
            let mut h = reqwest::header::HeaderMap::new();
            for (n, v) in r.headers {
                h.insert(n, v.parse().unwrap());
            }
            h
        })
        .body(good_body("INV-r-down"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    assert_eq!(rec.calls(), 0);
}

#[test]
fn configuration_errors_are_reported_not_panicked() {
    let rec = Recorder::default();
    for path in [
        "payments", "/a?b=1", "/{id}", "/a/*rest", "/a b", "/a//b", "",
    ] {
        let err = both_merchants(Receiver::builder(path, rec.ok_handler()))
            .build()
            .unwrap_err();
        assert!(
            err.to_string().contains("notification path"),
            "{path}: {err}"
        );
    }
    let client = || ClientId::new(MCH_A).unwrap();
    let secret = || secret(SK_A);
    let builder = || Receiver::builder(PATH, rec.ok_handler());
    // A builder, and the part of its error (None: it builds).
    let rows: Vec<(ReceiverBuilder, Option<&str>)> = vec![
        (builder(), Some("no merchant")),
        (
            builder().verifier(NotificationVerifier::new()),
            Some("no merchant"),
        ),
        (
            builder()
                .max_body_bytes(1024)
                .timestamp_window(Duration::from_secs(60)),
            Some("no merchant"),
        ),
        (
            builder().verifier(NotificationVerifier::new().merchant(client(), secret())),
            None,
        ),
        // Settings after `verifier` change the verifier it gave.
        (
            builder()
                .verifier(NotificationVerifier::new())
                .merchant(client(), secret())
                .max_body_bytes(1024),
            None,
        ),
        // Before it, they would be dropped without a word: refused.
        (
            builder()
                .merchant(client(), secret())
                .max_body_bytes(1024)
                .verifier(NotificationVerifier::new().merchant(client(), secret())),
            Some("`verifier` replaces what `merchant`, `max_body_bytes` set before it"),
        ),
        (
            builder()
                .timestamp_window(Duration::from_secs(60))
                .verifier(NotificationVerifier::new().merchant(client(), secret()))
                .merchant(client(), secret()),
            Some("`verifier` replaces what `timestamp_window` set before it"),
        ),
    ];
    for (i, (builder, want)) in rows.into_iter().enumerate() {
        match (builder.build(), want) {
            (Ok(_), None) => {}
            (Err(e), Some(part)) => assert!(e.to_string().contains(part), "row {i}: {e}"),
            (got, want) => panic!("row {i}: got {:?}, want {want:?}", got.err()),
        }
    }
}

/// One change of a valid, signed request.
#[derive(Clone, Debug)]
enum Damage {
    /// XOR a byte of the body with a non-zero mask.
    FlipByte(proptest::sample::Index, u8),
    /// Arbitrary bytes as the body.
    Body(Vec<u8>),
    /// A visible-ASCII value (spaces included) in one of the signed headers.
    Header(usize, String),
    /// The body cut short.
    Truncate(proptest::sample::Index),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<proptest::sample::Index>(), any::<u8>())
            .prop_map(|(i, m)| Damage::FlipByte(i, m | 1)),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(Damage::Body),
        (0..4usize, "[ -~]{0,60}").prop_map(|(h, v)| Damage::Header(h, v)),
        any::<proptest::sample::Index>().prop_map(Damage::Truncate),
    ]
}

/// A runner for the property tests below: `cases` cases, failures shrunk, none persisted.
fn runner(cases: u32) -> TestRunner {
    TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    })
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn damaged_input_never_gets_a_5xx() {
    let rec = Recorder::default();
    let receiver = both_merchants(Receiver::builder(PATH, rec.ok_handler()))
        .build()
        .unwrap();
    let rt = current_thread();
    let valid = Req::good("r-fuzz");
    let statuses: Mutex<BTreeMap<u16, usize>> = Mutex::default();
    runner(2000)
        .run(&damage(), |damage| {
            let mut headers = http::HeaderMap::new();
            for (n, v) in &valid.headers {
                headers.insert(*n, v.parse().unwrap());
            }
            let mut body = valid.body.clone();
            match &damage {
                Damage::FlipByte(at, mask) => {
                    let at = at.index(body.len());
                    body[at] ^= mask;
                }
                Damage::Body(bytes) => body.clone_from(bytes),
                Damage::Header(h, v) => {
                    let names = ["Client-Id", "Request-Id", "Request-Timestamp", "Signature"];
                    headers.insert(names[*h], v.parse().unwrap());
                }
                Damage::Truncate(at) => body.truncate(at.index(body.len())),
            }
            let answer = rt.block_on(receiver.process(&headers, &body));
            prop_assert!(
                answer.status.is_client_error(),
                "{} {}",
                answer.status,
                answer.reason
            );
            prop_assert_eq!(rec.calls(), 0);
            *statuses
                .lock()
                .unwrap()
                .entry(answer.status.as_u16())
                .or_default() += 1;
            Ok(())
        })
        .unwrap();
    let statuses = statuses.into_inner().unwrap();
    assert!(statuses.contains_key(&401), "{statuses:?}");
}

#[test]
fn expect_payment_checks_merchant_invoice_then_amount() {
    let n: Notification = serde_json::from_value(json!({
        "channel": "testpay", "channel_code": "EMONEY_TESTPAY", "client_id": MCH_A,
        "request_id": "r-1", "invoice_number": "INV-1", "amount": 150000,
        "status": "SUCCESS", "raw": {}
    }))
    .unwrap();
    let amount = Amount::new(150_000).unwrap();
    let a = ClientId::new(MCH_A).unwrap();
    assert_eq!(expect_payment(&n, &a, "INV-1", amount), Ok(()));
    assert_eq!(
        expect_payment(&n, &ClientId::new("MCH-OTHER").unwrap(), "INV-1", amount),
        Err(Mismatch::Merchant {
            expected: "MCH-OTHER".into(),
            actual: MCH_A.into()
        })
    );
    assert_eq!(
        expect_payment(&n, &a, "INV-2", amount),
        Err(Mismatch::Invoice {
            expected: "INV-2".into(),
            actual: "INV-1".into()
        })
    );
    let err = expect_payment(&n, &a, "INV-1", Amount::new(15_000).unwrap()).unwrap_err();
    assert_eq!(
        err,
        Mismatch::Amount {
            expected: Amount::new(15_000).unwrap(),
            actual: Some(amount)
        }
    );
    assert_eq!(err.to_string(), "amount is 150000, expected 15000");
}

// ---------------------------------------------------------------------------------------
// Review fixes: lease renewal, huge durations, panicking channels, amortised expiry,
// re-signed fuzzing.

/// A channel whose mapping panics: a bug in a channel crate.
static PANIC_DESCRIPTOR: ChannelDescriptor =
    notification_only_descriptor("panicpay", "Panic Pay", "EMONEY_PANICPAY", "PANICPAY");

struct PanicPay;

impl PaymentChannel for PanicPay {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &PANIC_DESCRIPTOR
    }

    fn validate_create(&self, _req: &PaymentRequest) -> Result<(), Error> {
        Err(PANIC_DESCRIPTOR.unsupported(Operation::Create))
    }

    fn create(
        &self,
        _req: &PaymentRequest,
        _merchant: &doku_pay_core::Merchant,
    ) -> Result<doku_pay_core::Call<Payment>, Error> {
        Err(PANIC_DESCRIPTOR.unsupported(Operation::Create))
    }

    fn parse_notification(
        &self,
        _n: &VerifiedNotification,
    ) -> Result<Notification, doku_pay_core::NotificationError> {
        panic!("channel mapping bug")
    }
}

doku_pay_core::register_channel!(PANIC_DESCRIPTOR, || Box::new(PanicPay));

/// A clock that follows Tokio's (pausable) clock, so that the store's leases and the
/// receiver's renewal timer share one time line in a `start_paused` test.
struct TokioClock {
    start: time::OffsetDateTime,
    at: tokio::time::Instant,
}

impl TokioClock {
    fn new() -> Self {
        Self {
            start: datetime!(2021-01-27 03:24:30 UTC),
            at: tokio::time::Instant::now(),
        }
    }
}

impl doku_pay_core::clock::Clock for TokioClock {
    fn now(&self) -> time::OffsetDateTime {
        self.start + (tokio::time::Instant::now() - self.at)
    }
}

fn header_map(req: &Req) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    for (n, v) in &req.headers {
        headers.insert(*n, v.parse().unwrap());
    }
    headers
}

#[tokio::test(start_paused = true)]
async fn a_slow_handler_keeps_its_claim_across_many_lease_periods() {
    let lease = Duration::from_secs(60);
    let store = Arc::new(
        MemoryStore::new()
            .lease(lease)
            .clock(Arc::new(TokioClock::new())),
    );
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let receiver = both_merchants(Receiver::builder(PATH, move |_n: Notification| {
        let c = Arc::clone(&c);
        async move {
            c.fetch_add(1, Ordering::SeqCst);
            // Ten lease periods (virtual time: the test's runtime is paused).
            tokio::time::sleep(lease * 10).await;
            Ok::<_, BoxError>(())
        }
    }))
    .store(Arc::clone(&store))
    .in_flight_wait(Duration::ZERO)
    .build()
    .unwrap();
    let req = Req::good("r-slow");
    let headers = header_map(&req);
    let first = {
        let (receiver, headers, body) = (receiver.clone(), headers.clone(), req.body.clone());
        tokio::spawn(async move { receiver.process(&headers, &body).await })
    };
    // DOKU's retries arrive while the handler runs, one per lease period.
    for period in 1..=8 {
        tokio::time::sleep(lease).await;
        let dup = receiver.process(&headers, &req.body).await;
        assert_eq!(
            dup.outcome,
            doku_pay_receiver::Outcome::InFlight,
            "retry after {period} lease periods: {dup:?}"
        );
        assert_eq!(dup.status, 503);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
    let first = first.await.unwrap();
    assert_eq!(
        first.outcome,
        doku_pay_receiver::Outcome::Handled,
        "{first:?}"
    );
    let again = receiver.process(&headers, &req.body).await;
    assert_eq!(again.outcome, doku_pay_receiver::Outcome::Duplicate);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_lost_claim_is_not_completed_over_its_new_holder() {
    let clock = Arc::new(ManualClock::new(datetime!(2021-01-27 03:24:30 UTC)));
    let store = MemoryStore::new()
        .lease(Duration::from_secs(60))
        .clock(clock.clone());
    let key = DedupeKey::new(MCH_A, "r-lost".parse().unwrap(), BodyDigest::of(b"{}"));
    let Claimed::New(first) = store.claim(&key).await.unwrap() else {
        panic!("first claim")
    };
    clock.advance(Duration::from_secs(60));
    let Claimed::New(second) = store.claim(&key).await.unwrap() else {
        panic!("claim after the lease")
    };
    // The first holder's late renewal, completion or release must not touch what the
    // second is handling.
    assert!(!store.renew(&key, first).await.unwrap());
    assert!(!store.complete(&key, first).await.unwrap());
    assert_eq!(store.claim(&key).await.unwrap(), Claimed::InFlight);
    assert!(!store.release(&key, first).await.unwrap());
    assert_eq!(store.claim(&key).await.unwrap(), Claimed::InFlight);
    // The live holder renews: a full lease from now.
    clock.advance(Duration::from_secs(59));
    assert!(store.renew(&key, second).await.unwrap());
    clock.advance(Duration::from_secs(59));
    assert_eq!(store.claim(&key).await.unwrap(), Claimed::InFlight);
    assert!(store.complete(&key, second).await.unwrap());
    assert_eq!(store.claim(&key).await.unwrap(), Claimed::Done);
    // Done is final for every token.
    assert!(!store.complete(&key, second).await.unwrap());
    assert!(!store.renew(&key, second).await.unwrap());
    assert!(!store.release(&key, second).await.unwrap());
    assert_eq!(store.claim(&key).await.unwrap(), Claimed::Done);
}

#[tokio::test]
async fn huge_durations_saturate_instead_of_panicking() {
    let store = Arc::new(MemoryStore::new().ttl(Duration::MAX).lease(Duration::MAX));
    let rec = Recorder::default();
    let receiver = both_merchants(Receiver::builder(PATH, rec.ok_handler()))
        .store(Arc::clone(&store))
        .in_flight_wait(Duration::MAX)
        .build()
        .unwrap();
    let req = Req::good("r-huge-durations");
    let headers = header_map(&req);
    let answer = receiver.process(&headers, &req.body).await;
    assert_eq!(
        answer.outcome,
        doku_pay_receiver::Outcome::Handled,
        "{answer:?}"
    );
    let answer = receiver.process(&headers, &req.body).await;
    assert_eq!(
        answer.outcome,
        doku_pay_receiver::Outcome::Duplicate,
        "{answer:?}"
    );
    assert_eq!(rec.calls(), 1);
    // Store operations directly, and a clock pushed to the end of time.
    let clock = Arc::new(ManualClock::new(datetime!(2021-01-27 03:24:30 UTC)));
    let store = MemoryStore::new()
        .ttl(Duration::MAX)
        .lease(Duration::MAX)
        .clock(clock.clone());
    let key = DedupeKey::new(
        MCH_A,
        "r-huge-store".parse().unwrap(),
        BodyDigest::of(b"{}"),
    );
    let Claimed::New(token) = store.claim(&key).await.unwrap() else {
        panic!("claim")
    };
    assert!(store.renew(&key, token).await.unwrap());
    assert!(store.release(&key, token).await.unwrap());
    let Claimed::New(token) = store.claim(&key).await.unwrap() else {
        panic!("claim again")
    };
    clock.advance(Duration::MAX);
    assert_eq!(store.claim(&key).await.unwrap(), Claimed::InFlight);
    assert!(store.complete(&key, token).await.unwrap());
    assert_eq!(store.claim(&key).await.unwrap(), Claimed::Done);
    assert_eq!(store.sweep(), 0);
}

#[tokio::test]
async fn a_panicking_channel_mapping_answers_500_and_keeps_the_connection_usable() {
    let rec = Recorder::default();
    let receiver = both_merchants(Receiver::builder(PATH, rec.ok_handler()))
        .build()
        .unwrap();
    let base = serve(receiver.router()).await;
    let client = doku_pay_testkit::http_client();
    let req = Req::signed(
        MCH_A,
        SK_A,
        "r-panicpay",
        PATH,
        body("EMONEY_PANICPAY", "INV-p", json!(10), "SUCCESS"),
    );
    assert_eq!(
        req.send(&client, &base).await,
        (
            500,
            "notification could not be mapped; retry later".to_owned()
        )
    );
    // Not marked done: the retry maps (and here panics) again rather than being acknowledged.
    assert_eq!(req.send(&client, &base).await.0, 500);
    assert_eq!(rec.calls(), 0);
    // The server is unharmed.
    assert_eq!(Req::good("r-after-panic").send(&client, &base).await, ok());
}

#[tokio::test]
async fn expired_entries_are_reclaimed_by_the_next_claim_without_a_full_scan() {
    let clock = Arc::new(ManualClock::new(datetime!(2021-01-27 03:24:30 UTC)));
    let store = MemoryStore::new()
        .ttl(Duration::from_secs(100))
        .lease(Duration::from_secs(60))
        .capacity(10_000)
        .clock(clock.clone());
    for i in 0..10 {
        let key = DedupeKey::new(
            MCH_A,
            format!("r-exp-{i}").parse().unwrap(),
            BodyDigest::of(b"{}"),
        );
        let Claimed::New(t) = store.claim(&key).await.unwrap() else {
            panic!("claim {i}")
        };
        assert!(store.complete(&key, t).await.unwrap());
    }
    // A claim left to expire.
    let abandoned = DedupeKey::new(
        MCH_A,
        "r-exp-abandoned".parse().unwrap(),
        BodyDigest::of(b"{}"),
    );
    assert!(matches!(
        store.claim(&abandoned).await.unwrap(),
        Claimed::New(_)
    ));
    assert_eq!(store.len(), 11);
    clock.advance(Duration::from_secs(99));
    let live = DedupeKey::new(MCH_A, "r-exp-live".parse().unwrap(), BodyDigest::of(b"{}"));
    assert!(matches!(store.claim(&live).await.unwrap(), Claimed::New(_)));
    // The abandoned lease (60 s) is gone, the done keys (100 s) are not.
    assert_eq!(store.len(), 11);
    clock.advance(Duration::from_secs(1));
    let next = DedupeKey::new(MCH_A, "r-exp-next".parse().unwrap(), BodyDigest::of(b"{}"));
    assert!(matches!(store.claim(&next).await.unwrap(), Claimed::New(_)));
    assert_eq!(store.len(), 2, "only the two live claims remain");
}

/// A generated JSON body and what the receiver must make of it.
#[derive(Clone, Debug)]
struct Case {
    body: Vec<u8>,
    /// `None`: any of 200 (handled, unrouted), 400; `Some`: exactly this outcome.
    expect: Option<doku_pay_receiver::Outcome>,
}

/// Short text with the characters that trouble JSON and UTF-8 readers.
fn text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        proptest::char::range(' ', '~'),
        proptest::sample::select(vec!['é', '"', '\\', '\u{0}', '💸', '\n']),
        proptest::char::range('A', 'Z'),
        proptest::char::range('A', 'Z'),
    ];
    proptest::collection::vec(ch, 0..12).prop_map(|cs| cs.into_iter().collect())
}

/// Any JSON value, nested a little.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(|n| json!((n as f64) / 7.0)),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((text(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Where a generated notification is routed.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Route {
    Mapped,
    Panics,
    Unrouted,
    NoChannel,
}

/// `channel`: the member to set, if any, and where that routes.
fn channel() -> impl Strategy<Value = (Option<Value>, Route)> {
    prop_oneof![
        4 => Just((Some(json!({"id": "EMONEY_TESTPAY"})), Route::Mapped)),
        1 => Just((Some(json!({"id": "EMONEY_PANICPAY"})), Route::Panics)),
        1 => text().prop_map(|t| (Some(json!({"id": format!("NOBODY_{t}")})), Route::Unrouted)),
        1 => prop_oneof![
            Just((None, Route::NoChannel)),
            Just((Some(json!({})), Route::NoChannel)),
            Just((Some(Value::Null), Route::NoChannel)),
        ],
        // Liberal: a `channel` of another shape is absent; an id sent as a number is its
        // text (a code no crate registers).
        1 => Just((Some(json!("EMONEY_TESTPAY")), Route::NoChannel)),
        1 => Just((Some(json!({"id": 7})), Route::Unrouted)),
    ]
}

/// `order.invoice_number`: the value, if sent.
fn invoice() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        1 => Just(None),
        // Liberal: an invoice number sent as a number is its text.
        1 => Just(Some(json!(42))),
        3 => text().prop_map(|t| Some(json!(t))),
    ]
}

/// `order.amount`: the member (`Some(Value::Null)` for `null`, `None` absent) and whether it
/// is a readable amount (`None` when there is none to read).
fn amount() -> impl Strategy<Value = (Option<Value>, Option<bool>)> {
    let valid = proptest::sample::select(vec![
        json!(0),
        json!(150000),
        json!("10000.00"),
        json!(999_999_999_999_u64),
    ]);
    let bad = proptest::sample::select(vec![
        json!(-1),
        json!(1.5),
        json!("10000.50"),
        json!("abc"),
        json!(true),
        json!({}),
        json!(1e13),
        json!(1_000_000_000_000_u64),
    ]);
    prop_oneof![
        1 => Just((None, None)),
        1 => Just((Some(Value::Null), None)),
        1 => bad.prop_map(|v| (Some(v), Some(false))),
        3 => valid.prop_map(|v| (Some(v), Some(true))),
    ]
}

/// `transaction`: the member, if sent, and whether it carries a usable status.
fn transaction() -> impl Strategy<Value = (Option<Value>, bool)> {
    let status = prop_oneof![
        3 => proptest::sample::select(vec!["SUCCESS", "FAILED", "PENDING"]).prop_map(String::from),
        1 => text(),
    ];
    let date = prop_oneof![
        Just(None),
        Just(Some(Value::Null)),
        // Liberal: a date of another shape is kept as text, read as no date.
        any::<i64>().prop_map(|n| Some(json!(n))),
        text().prop_map(|t| Some(json!(t))),
    ];
    prop_oneof![
        1 => Just((None, false)),
        1 => Just((Some(json!({"status": null})), false)),
        // Liberal: a status sent as a number is its text (an unknown status, still handled).
        1 => Just((Some(json!({"status": 1})), true)),
        3 => (status, date).prop_map(|(status, date)| {
            let mut tx = serde_json::Map::new();
            tx.insert("status".into(), json!(status));
            if let Some(date) = date {
                tx.insert("date".into(), date);
            }
            (Some(Value::Object(tx)), true)
        }),
    ]
}

/// A notification-shaped body with each field valid, absent or wrong, and the outcome
/// that combination must get.
fn generated_case() -> impl Strategy<Value = Case> {
    use doku_pay_receiver::Outcome;
    // The order: absent, of another shape (liberal: read as absent), or an object.
    let order = prop_oneof![1 => Just(0u8), 1 => Just(1u8), 6 => Just(2u8)];
    (
        proptest::collection::vec((text(), json_value()), 0..3),
        channel(),
        invoice(),
        amount(),
        order,
        transaction(),
    )
        .prop_map(
            |(
                extra,
                (channel, route),
                invoice,
                (amount, readable),
                order_shape,
                (tx, has_status),
            )| {
                let mut object = serde_json::Map::new();
                for (name, value) in extra {
                    object.insert(format!("x_{name}"), value);
                }
                if let Some(channel) = channel {
                    object.insert("channel".into(), channel);
                }
                let mut order = serde_json::Map::new();
                if let Some(invoice) = &invoice {
                    order.insert("invoice_number".into(), invoice.clone());
                }
                if let Some(amount) = amount {
                    order.insert("amount".into(), amount);
                }
                let mut typed = true;
                let mut complete = invoice.is_some() && readable == Some(true) && has_status;
                match order_shape {
                    0 => complete = false,
                    1 => {
                        object.insert("order".into(), json!([1, 2]));
                        complete = false;
                    }
                    _ => {
                        object.insert("order".into(), Value::Object(order));
                        typed = readable != Some(false);
                    }
                }
                if let Some(tx) = tx {
                    object.insert("transaction".into(), tx);
                }
                let expect = if !typed {
                    Outcome::Rejected
                } else {
                    // A channel no crate claims (or none named) still reaches the handler when
                    // the envelope names a payment; without invoice, amount and status it cannot
                    // be one.
                    match route {
                        Route::NoChannel | Route::Unrouted if complete => Outcome::Unrouted,
                        Route::NoChannel | Route::Unrouted => Outcome::Rejected,
                        Route::Panics => Outcome::Misconfigured,
                        Route::Mapped if complete => Outcome::Handled,
                        Route::Mapped => Outcome::Rejected,
                    }
                };
                Case {
                    body: serde_json::to_vec(&Value::Object(object)).unwrap(),
                    expect: Some(expect),
                }
            },
        )
}

/// One byte-level change of a body.
#[derive(Clone, Debug)]
enum Mutation {
    Flip(proptest::sample::Index, u8),
    Remove(proptest::sample::Index),
    Insert(proptest::sample::Index, u8),
    Truncate(proptest::sample::Index),
}

/// A valid body mutated at the byte level (most are no longer JSON, some are JSON of
/// another shape), to be re-signed so that it passes verification.
fn mutated_case() -> impl Strategy<Value = Case> {
    use proptest::sample::Index;
    let mutation = prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, m)| Mutation::Flip(i, m | 1)),
        any::<Index>().prop_map(Mutation::Remove),
        (
            any::<Index>(),
            proptest::sample::select(b"{}[]\\\",:0-.eE9 tfn".to_vec())
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<Index>().prop_map(Mutation::Truncate),
    ];
    (0..1000u32, proptest::collection::vec(mutation, 1..=4)).prop_map(|(invoice, mutations)| {
        let mut body = good_body(&format!("INV-{invoice}"));
        for m in mutations {
            if body.is_empty() {
                break;
            }
            match m {
                Mutation::Flip(at, mask) => {
                    let at = at.index(body.len());
                    body[at] ^= mask;
                }
                Mutation::Remove(at) => {
                    body.remove(at.index(body.len()));
                }
                Mutation::Insert(at, b) => body.insert(at.index(body.len()), b),
                Mutation::Truncate(at) => body.truncate(at.index(body.len())),
            }
        }
        Case { body, expect: None }
    })
}

#[test]
fn resigned_generated_notifications_never_panic_and_only_well_formed_ones_are_handled() {
    use doku_pay_receiver::Outcome;
    let rec = Recorder::default();
    let receiver = both_merchants(Receiver::builder(PATH, rec.ok_handler()))
        .build()
        .unwrap();
    let rt = current_thread();
    let strategy = prop_oneof![1 => mutated_case(), 2 => generated_case()];
    // Every run (shrinking included) gets its own Request-Id.
    let next = AtomicUsize::new(0);
    let outcomes: Mutex<BTreeMap<String, usize>> = Mutex::default();
    let handled: Mutex<Vec<String>> = Mutex::default();
    runner(3000)
        .run(&strategy, |case| {
            let rid = format!("f-{}", next.fetch_add(1, Ordering::SeqCst));
            let req = Req::signed(MCH_A, SK_A, &rid, PATH, case.body.clone());
            let answer = rt.block_on(receiver.process(&header_map(&req), &case.body));
            let body_text = String::from_utf8_lossy(&case.body);
            match case.expect {
                Some(expected) => {
                    prop_assert_eq!(answer.outcome, expected, "{:?} for {}", answer, body_text);
                }
                None => prop_assert!(
                    matches!(
                        answer.outcome,
                        Outcome::Handled | Outcome::Unrouted | Outcome::Rejected
                    ),
                    "{answer:?} for {body_text}"
                ),
            }
            // 5xx only for the documented case: a channel's mapping panicked.
            if answer.status.is_server_error() {
                prop_assert_eq!(answer.outcome, Outcome::Misconfigured);
                prop_assert_eq!(answer.status, 500);
            }
            if answer.outcome == Outcome::Rejected {
                prop_assert_eq!(answer.status, 400, "{:?}", answer);
            }
            // Without a fallback, unrouted notifications reach the handler too.
            if matches!(answer.outcome, Outcome::Handled | Outcome::Unrouted) {
                handled.lock().unwrap().push(rid);
            }
            *outcomes
                .lock()
                .unwrap()
                .entry(format!("{:?}", answer.outcome))
                .or_default() += 1;
            Ok(())
        })
        .unwrap();
    // The handler saw exactly the well-formed notifications (routed or not), each once.
    let seen: Vec<String> = rec
        .handled()
        .iter()
        .map(|n| n.request_id.as_str().to_owned())
        .collect();
    assert_eq!(seen, handled.into_inner().unwrap());
    // Every kind of outcome was exercised.
    let outcomes = outcomes.into_inner().unwrap();
    for kind in ["Handled", "Unrouted", "Rejected", "Misconfigured"] {
        assert!(outcomes.get(kind).is_some_and(|n| *n >= 20), "{outcomes:?}");
    }
}

#[test]
fn every_answer_is_counted_and_timed_by_status_and_outcome() {
    let recorder = metrics_util::debugging::DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(&recorder, || {
        rt.block_on(async {
            let calls = Arc::new(AtomicUsize::new(0));
            let c = Arc::clone(&calls);
            let receiver = both_merchants(Receiver::builder(PATH, move |_n: Notification| {
                let c = Arc::clone(&c);
                async move {
                    if c.fetch_add(1, Ordering::SeqCst) == 0 {
                        return Err::<(), BoxError>("down".into());
                    }
                    Ok(())
                }
            }))
            .build()
            .unwrap();
            let base = serve(receiver.router()).await;
            let client = doku_pay_testkit::http_client();
            let req = Req::good("r-metrics");
            assert_eq!(req.send(&client, &base).await.0, 500);
            assert_eq!(req.send(&client, &base).await.0, 200);
            assert_eq!(req.send(&client, &base).await.0, 200);
            let forged = Req::good("r-metrics-forged").set("Signature", "HMACSHA256=AAAA");
            assert_eq!(forged.send(&client, &base).await.0, 401);
        });
    });
    let mut counted: Vec<(String, u64)> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter_map(|(key, _, _, value)| {
            let metrics_util::debugging::DebugValue::Counter(n) = value else {
                return None;
            };
            let labels: Vec<String> = key
                .key()
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            Some((format!("{} {}", key.key().name(), labels.join(",")), n))
        })
        .collect();
    counted.sort();
    let row = |labels: &str, n| (format!("doku_receiver_notifications_total {labels}"), n);
    assert_eq!(
        counted,
        [
            row("http_response_status_code=200,outcome=duplicate", 1),
            row("http_response_status_code=200,outcome=handled", 1),
            row("http_response_status_code=401,outcome=rejected", 1),
            row("http_response_status_code=500,outcome=handler_failed", 1),
        ]
    );
}
