//! Test support for channel crates and benchmarks (a dev-dependency only, never published).
//!
//! [`MockDoku`] is a local stand-in for DOKU: an axum server on 127.0.0.1 (ephemeral port)
//! that checks each request's signature, records the path and body, and answers signed canned
//! responses. [`fixtures!`] defines `fixture` / `fixture_bytes` readers of the calling crate's
//! `tests/fixtures/`, [`set`] edits a JSON document at a pointer, and
//! [`verified_notification`] signs and verifies a notification body as a receiver would;
//! [`NotificationOnly`] is a channel that only receives notifications;
//! [`notification_headers`] signs a notification as DOKU sends it, and [`servers`] starts
//! real Redis and PostgreSQL servers for the store tests. [`channel`] holds the checks every
//! channel crate's fixture tests make, and [`sim`] starts the simulator they run against.

pub mod channel;
pub mod schema;
pub mod servers;
pub mod sim;

pub use schema::rules_agree_with_schema;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use doku_pay_core::signature::Components;
use doku_pay_core::{Amount, Api, Credentials, Environment, RetryPolicy, SecretKey};
use serde_json::Value;

/// The merchant the mock accepts (the shared vectors' Client-Id).
pub const CLIENT_ID: &str = "MCH-0001-10791114622547";
/// Its secret key (the shared vectors' secret).
pub const SECRET: &str = "SK-TESTVECTOR-0001";
/// The `Response-Timestamp` of every answer.
pub const RESPONSE_TIMESTAMP: &str = "2021-07-09T02:05:14Z";

/// One request the server received.
#[derive(Clone, Debug)]
pub struct Received {
    /// The path called.
    pub path: String,
    /// Its `Request-Id` header.
    pub request_id: String,
    /// Its body as JSON.
    pub body: Value,
    /// Whether its signature verified.
    pub signature_ok: bool,
}

#[derive(Default)]
struct Inner {
    /// Path -> (HTTP status, body).
    routes: HashMap<String, (u16, Vec<u8>)>,
    received: Vec<Received>,
}

type Shared = Arc<Mutex<Inner>>;

fn lock(s: &Shared) -> MutexGuard<'_, Inner> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

/// The mock DOKU server.
pub struct MockDoku {
    addr: SocketAddr,
    state: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MockDoku {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

async fn handle(
    State(state): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let secret = SecretKey::new(SECRET).expect("secret");
    let path = uri.path().to_owned();
    let client_id = header(&headers, "Client-Id");
    let request_id = header(&headers, "Request-Id").to_owned();
    let signature_ok = client_id == CLIENT_ID
        && Components::request(
            client_id,
            &request_id,
            header(&headers, "Request-Timestamp"),
            &path,
            Some(&body),
        )
        .verify(&secret, header(&headers, "Signature"))
        .is_ok();
    let answer = {
        let mut inner = lock(&state);
        inner.received.push(Received {
            path: path.clone(),
            request_id: request_id.clone(),
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            signature_ok,
        });
        inner.routes.get(&path).cloned()
    };
    if !signature_ok {
        return (
            StatusCode::UNAUTHORIZED,
            r#"{"error":{"message":"Invalid Header Signature"}}"#,
        )
            .into_response();
    }
    let Some((status, answer)) = answer else {
        return (StatusCode::NOT_FOUND, r#"{"error":{"message":"no route"}}"#).into_response();
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let signature =
        Components::response(CLIENT_ID, &request_id, RESPONSE_TIMESTAMP, &path, &answer)
            .sign(&secret);
    let mut response = (status, answer).into_response();
    let h = response.headers_mut();
    h.insert("Content-Type", HeaderValue::from_static("application/json"));
    h.insert("Client-Id", HeaderValue::from_static(CLIENT_ID));
    h.insert(
        "Response-Timestamp",
        HeaderValue::from_static(RESPONSE_TIMESTAMP),
    );
    if let (Ok(rid), Ok(sig)) = (
        HeaderValue::from_str(&request_id),
        HeaderValue::from_str(&signature),
    ) {
        h.insert("Request-Id", rid);
        h.insert("Signature", sig);
    }
    response
}

impl MockDoku {
    /// Starts a server answering `path` with HTTP 200 and the bytes of `answer`, for each
    /// route.
    pub async fn start(routes: &[(&str, Vec<u8>)]) -> Self {
        let routes: Vec<(&str, u16, Vec<u8>)> = routes
            .iter()
            .map(|(path, answer)| (*path, 200, answer.clone()))
            .collect();
        Self::start_with_status(&routes).await
    }

    /// Starts a server answering `path` with `status` and the bytes of `answer` (signed like
    /// any answer), for each route.
    pub async fn start_with_status(routes: &[(&str, u16, Vec<u8>)]) -> Self {
        let state: Shared = Arc::default();
        {
            let mut inner = lock(&state);
            for (path, status, answer) in routes {
                inner
                    .routes
                    .insert((*path).to_owned(), (*status, answer.clone()));
            }
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = Router::new().fallback(handle).with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, state, task }
    }

    /// The server's base URL (`http://127.0.0.1:{port}`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A transport pointed at this server (no retries).
    pub fn api(&self) -> Api {
        let credentials = Credentials::new(
            CLIENT_ID,
            SECRET,
            Environment::custom(self.base_url()).expect("env"),
        )
        .expect("credentials");
        Api::builder(credentials)
            .retry(RetryPolicy::NONE)
            .build()
            .expect("api")
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.state).received.clone()
    }

    /// How many requests arrived.
    pub fn hits(&self) -> usize {
        lock(&self.state).received.len()
    }
}

/// Defines `fixture_bytes(name)` and `fixture(name)` in the calling test crate, reading
/// `tests/fixtures/{name}` of that crate (its `CARGO_MANIFEST_DIR`).
#[macro_export]
macro_rules! fixtures {
    () => {
        /// The bytes of `tests/fixtures/{name}`.
        #[allow(dead_code)]
        fn fixture_bytes(name: &str) -> Vec<u8> {
            let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
            std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
        }

        /// `tests/fixtures/{name}` as JSON.
        #[allow(dead_code)]
        fn fixture(name: &str) -> serde_json::Value {
            serde_json::from_slice(&fixture_bytes(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
        }
    };
}

/// An HTTP client for tests, with the crates' own TLS
/// ([`doku_pay_core::transport::http_client_builder`]).
pub fn http_client() -> reqwest::Client {
    doku_pay_core::transport::http_client_builder()
        .build()
        .expect("HTTP client")
}

/// Sets the value at a JSON pointer (creating nothing: the parent must exist), or removes it
/// when `value` is `None`.
pub fn set(doc: &mut Value, pointer: &str, value: Option<Value>) {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    let parent = doc
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no parent for {pointer}"));
    match (parent, value) {
        (Value::Object(m), Some(v)) => {
            m.insert(key.to_owned(), v);
        }
        (Value::Object(m), None) => {
            m.remove(key);
        }
        (Value::Array(a), Some(v)) => a[key.parse::<usize>().expect("index")] = v,
        (Value::Array(a), None) => {
            a.remove(key.parse::<usize>().expect("index"));
        }
        (other, _) => panic!("{pointer}: parent is {other}"),
    }
}

/// The four headers DOKU sends with a notification (`Client-Id`, `Request-Id`,
/// `Request-Timestamp`, `Signature`), signed with `secret` over `path` and `body`.
pub fn notification_headers(
    client_id: &str,
    secret: &SecretKey,
    request_id: &str,
    timestamp: &str,
    path: &str,
    body: &[u8],
) -> [(&'static str, String); 4] {
    let signature =
        Components::notification(client_id, request_id, timestamp, path, body).sign(secret);
    [
        ("Client-Id", client_id.to_owned()),
        ("Request-Id", request_id.to_owned()),
        ("Request-Timestamp", timestamp.to_owned()),
        ("Signature", signature),
    ]
}

/// Signs a notification body for `own_path` and verifies it, as a receiver would.
pub fn verified_notification(body: &[u8], own_path: &str) -> doku_pay_core::VerifiedNotification {
    let secret = SecretKey::new(SECRET).expect("secret");
    let client = doku_pay_core::ClientId::new(CLIENT_ID).expect("client id");
    let request_id =
        doku_pay_core::RequestId::new("479b663f-5c9d-400d-8e80-3e548a8f7639").expect("request id");
    let headers = doku_pay_core::signature::notification_headers(
        &client,
        &secret,
        &request_id,
        "2021-01-27T03:24:24Z",
        own_path,
        body,
    );
    doku_pay_core::NotificationVerifier::new()
        .merchant(client, secret)
        .verify(&headers, own_path, body)
        .expect("verifies")
}

/// The descriptor of a notification-only test channel: e-money, no cancel, no refund, no
/// endpoints, any amount DOKU allows.
pub const fn notification_only_descriptor(
    id: &'static str,
    display_name: &'static str,
    channel_code: &'static str,
    acquirer_id: &'static str,
) -> doku_pay_core::ChannelDescriptor {
    doku_pay_core::ChannelDescriptor {
        id,
        display_name,
        channel_code,
        service_id: "EMONEY",
        acquirer_id,
        kind: doku_pay_core::ChannelKind::Emoney,
        capabilities: doku_pay_core::Capabilities {
            cancel: false,
            refund: doku_pay_core::RefundSupport::None,
            redirect: doku_pay_core::RedirectStyle::Url,
            min_amount: Amount::new_const(1),
            max_amount: Amount::MAX,
        },
        mapping: &[],
        notes: &[],
        endpoints: &[],
    }
}

/// A channel that only receives notifications (the trait's own mapping); creating a payment
/// is unsupported and sends nothing. Register one per descriptor:
/// `doku_pay_core::register_channel!(D, || Box::new(NotificationOnly(&D)))`.
pub struct NotificationOnly(pub &'static doku_pay_core::ChannelDescriptor);

impl doku_pay_core::PaymentChannel for NotificationOnly {
    fn descriptor(&self) -> &'static doku_pay_core::ChannelDescriptor {
        self.0
    }

    fn validate_create(
        &self,
        _req: &doku_pay_core::PaymentRequest,
    ) -> Result<(), doku_pay_core::Error> {
        Err(self.0.unsupported(doku_pay_core::Operation::Create))
    }

    fn create(
        &self,
        _req: &doku_pay_core::PaymentRequest,
        _merchant: &doku_pay_core::Merchant,
    ) -> Result<doku_pay_core::Call<doku_pay_core::Payment>, doku_pay_core::Error> {
        Err(self.0.unsupported(doku_pay_core::Operation::Create))
    }
}
