//! The receiver's HTTP handling through `tower::Service::call` (its `NotificationService`,
//! with a `MemoryStore`, the registered channels and a handler that records what it gets),
//! driven in one current-thread Tokio runtime.
//!
//! The input is a small HTTP request: a first byte of flags (the handler fails), then
//! `METHOD PATH`, header lines `Name: value`, an empty line, and the body. It is sent as it
//! is, then its body is sent again correctly signed (POST to the receiver's path, the
//! input's other headers kept), and that delivery once more.
//!
//! Never a panic (the receiver catches panics into a 500; libFuzzer's panic hook makes any
//! panic a crash first). As it is, the request is answered 4xx and reaches no handler unless
//! it carries the right signature, which the fuzzer cannot forge. Signed: a 2xx only for a
//! notification the handler accepted (its Request-Id, Client-Id and exact body, an envelope
//! the reader takes); a handler's failure is a 500 and nothing else is a 5xx; the same
//! delivery again, once handled, is acknowledged without calling the handler.
#![no_main]

use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use doku_pay_core::notification::Envelope;
use doku_pay_core::signature::Components;
use doku_pay_core::{ClientId, Notification, SecretKey};
use doku_pay_receiver::{MemoryStore, NotificationService, Receiver};
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use tower::Service;

const CLIENT: &str = "MCH-0001-10791114622547";
const SECRET: &str = "SK-TESTVECTOR-0001";
const PATH: &str = "/payments/notifications";
const SIGNED: [&str; 4] = ["client-id", "request-id", "request-timestamp", "signature"];

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    })
}

/// Links every channel crate (through the facade), so that the receiver routes to their
/// registrations; whether each linked channel is registered, checked once.
fn linked() -> bool {
    static LINKED: OnceLock<bool> = OnceLock::new();
    *LINKED.get_or_init(|| {
        doku_pay::linked_channels().len() == doku_pay_core::Registry::global().ids().len()
    })
}

type Seen = Arc<Mutex<Vec<Notification>>>;

/// A receiver with a fresh store, whose handler records each notification and then fails if
/// `fail`.
fn service(fail: bool) -> (NotificationService, Seen) {
    let seen: Seen = Arc::default();
    let record = Arc::clone(&seen);
    let receiver = Receiver::builder(PATH, move |n: Notification| {
        record.lock().unwrap().push(n);
        async move {
            if fail {
                Err("the handler failed")
            } else {
                Ok(())
            }
        }
    })
    .merchant(
        ClientId::new(CLIENT).unwrap(),
        SecretKey::new(SECRET).unwrap(),
    )
    .store(MemoryStore::new())
    .build()
    .unwrap();
    (receiver.service(), seen)
}

async fn send(svc: &mut NotificationService, req: Request<Body>) -> (StatusCode, Vec<u8>) {
    std::future::poll_fn(|cx| svc.poll_ready(cx)).await.unwrap();
    let res = svc.call(req).await.unwrap();
    let status = res.status();
    let body = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    (status, body.to_vec())
}

/// The input as a request: `METHOD PATH`, header lines, an empty line, the body.
struct Input<'a> {
    method: Method,
    path: &'a [u8],
    headers: Vec<(HeaderName, HeaderValue)>,
    body: &'a [u8],
}

fn parse(data: &[u8]) -> Input<'_> {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &b""[..]),
    };
    let mut lines = head.split(|b| *b == b'\n');
    let first = lines.next().unwrap_or_default();
    let (method, path) = match first.iter().position(|b| *b == b' ') {
        Some(at) => (&first[..at], &first[at + 1..]),
        None => (first, &b""[..]),
    };
    let headers = lines
        .filter_map(|line| {
            let at = line.iter().position(|b| *b == b':')?;
            let name = HeaderName::from_bytes(&line[..at]).ok()?;
            let value = line[at + 1..].strip_prefix(b" ").unwrap_or(&line[at + 1..]);
            Some((name, HeaderValue::from_bytes(value).ok()?))
        })
        .collect();
    Input {
        method: Method::from_bytes(method).unwrap_or(Method::POST),
        path,
        headers,
        body,
    }
}

fn request(method: Method, path: &[u8], headers: HeaderMap, body: &[u8]) -> Request<Body> {
    let mut req = Request::builder()
        .method(method)
        .uri(PATH)
        .body(Body::from(body.to_vec()))
        .unwrap();
    if let Ok(uri) = http::Uri::try_from(path) {
        if !path.is_empty() {
            *req.uri_mut() = uri;
        }
    }
    *req.headers_mut() = headers;
    req
}

/// The signature these headers would need for this body.
fn carries_signature(headers: &HeaderMap, body: &[u8]) -> bool {
    let get = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(rid), Some(ts), Some(sig)) = (
        get("request-id"),
        get("request-timestamp"),
        get("signature"),
    ) else {
        return false;
    };
    let expected = Components::notification(CLIENT, rid, ts, PATH, body)
        .sign(&SecretKey::new(SECRET).unwrap());
    get("client-id") == Some(CLIENT) && sig == expected.as_str()
}

fuzz_target!(|data: &[u8]| {
    assert!(linked(), "every linked channel is registered");
    let [flags, rest @ ..] = data else {
        return;
    };
    let fail = flags & 1 != 0;
    let input = parse(rest);
    runtime().block_on(async {
        // As it is.
        let (mut svc, seen) = service(fail);
        let mut headers = HeaderMap::new();
        for (name, value) in &input.headers {
            headers.append(name.clone(), value.clone());
        }
        let forged = !carries_signature(&headers, input.body);
        let req = request(input.method.clone(), input.path, headers, input.body);
        let (status, _) = send(&mut svc, req).await;
        if forged {
            assert!(status.is_client_error(), "{status} for an unsigned request");
            assert!(
                seen.lock().unwrap().is_empty(),
                "an unsigned request reached the handler"
            );
        }

        // Signed.
        let (mut svc, seen) = service(fail);
        let (rid, ts) = ("fuzz-0001", "2020-08-11T08:45:42Z");
        let sig = Components::notification(CLIENT, rid, ts, PATH, input.body)
            .sign(&SecretKey::new(SECRET).unwrap());
        let mut headers = HeaderMap::new();
        for (name, value) in &input.headers {
            if !SIGNED.contains(&name.as_str()) {
                headers.append(name.clone(), value.clone());
            }
        }
        for (name, value) in SIGNED.into_iter().zip([CLIENT, rid, ts, sig.as_str()]) {
            headers.insert(name, HeaderValue::from_str(value).unwrap());
        }
        let req = request(Method::POST, PATH.as_bytes(), headers.clone(), input.body);
        let (status, reason) = send(&mut svc, req).await;
        let reason = String::from_utf8_lossy(&reason);
        let calls = seen.lock().unwrap().len();
        assert!(calls <= 1, "the handler ran {calls} times for one delivery");
        if let Some(n) = seen.lock().unwrap().first() {
            assert_eq!(n.request_id.as_str(), rid);
            assert_eq!(n.client_id, CLIENT);
            // As received, but for a byte order mark before the JSON (left out of `raw`).
            assert_eq!(
                n.raw.as_bytes(),
                input.body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(input.body),
                "the body reached the handler changed"
            );
            assert!(Envelope::from_json_bytes(input.body).is_ok());
        }
        if status.is_success() {
            assert_eq!(
                (status, calls, fail),
                (StatusCode::OK, 1, false),
                "{reason}"
            );
        }
        if status.is_server_error() {
            assert_eq!(
                (status, calls, fail),
                (StatusCode::INTERNAL_SERVER_ERROR, 1, true),
                "{reason}"
            );
        }
        if calls == 0 {
            assert!(status.is_client_error(), "{status} {reason}");
        }

        // The same delivery again.
        let req = request(Method::POST, PATH.as_bytes(), headers, input.body);
        let (again, reason) = send(&mut svc, req).await;
        let reason = String::from_utf8_lossy(&reason);
        let calls_again = seen.lock().unwrap().len();
        if status.is_success() {
            assert_eq!((again, calls_again), (StatusCode::OK, 1), "{reason}");
        } else {
            // Refused or failed: handled again exactly as the first time.
            assert_eq!(again, status, "{reason}");
            assert_eq!(calls_again, 2 * calls);
        }
    });
});
