//! The simulator a channel crate's tests run against: every registered channel (the test
//! crate links its own with the `sim` feature), one merchant, DOKU's delays scaled down ten
//! thousand times. [`start_notifying`] also sends the merchant's notifications to a
//! recording [`Receiver`]; [`post_raw`] sends a body exactly as given, signed.
//!
//! ```no_run
//! # async fn run() {
//! use doku_pay_testkit::sim;
//! let sim = sim::start().await;
//! let client = doku_pay_core::Client::new(sim::credentials(&sim)).expect("client");
//! # let _ = client; }
//! ```

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use doku_pay_core::clock::{Clock, SystemClock, format_timestamp};
use doku_pay_core::signature::Components;
use doku_pay_core::{
    Api, ClientId, Credentials, Environment, NotificationVerifier, RetryPolicy, SecretKey,
};
use doku_pay_sim::{FaultConfig, MerchantConfig, SimConfig, SimHandle, Simulator};

/// The merchant's Client-Id.
pub const CLIENT_ID: &str = "MCH-SIM-0001";
/// The merchant's secret.
pub const SECRET: &str = "SK-sim-0001";

/// Starts the simulator on 127.0.0.1 (an ephemeral port) with every registered channel and
/// the merchant [`CLIENT_ID`] / [`SECRET`]; it stops when the handle drops.
pub async fn start() -> SimHandle {
    let config = SimConfig::default()
        .merchant(MerchantConfig::new(CLIENT_ID, SECRET))
        .time_factor(0.000_1);
    Simulator::builder(config)
        .registered_channels()
        .start()
        .await
        .expect("simulator starts")
}

/// The merchant's credentials against `sim`.
pub fn credentials(sim: &SimHandle) -> Credentials {
    let env = Environment::custom(sim.base_url()).expect("the simulator's URL");
    Credentials::new(CLIENT_ID, SECRET, env).expect("credentials")
}

/// The path the merchant of [`start_notifying`] receives its notifications on.
pub const NOTIFY_PATH: &str = "/payments/notifications";
/// How long [`Receiver::wait_for`] waits at most.
pub const CAP: Duration = Duration::from_secs(20);

/// The merchant's configuration, its notifications sent to `receiver` at [`NOTIFY_PATH`],
/// DOKU's delays scaled down a hundred thousand times.
pub fn notifying(receiver: &Receiver) -> SimConfig {
    SimConfig::default()
        .merchant(
            MerchantConfig::new(CLIENT_ID, SECRET)
                .notification_url(format!("{}{NOTIFY_PATH}", receiver.url())),
        )
        .time_factor(1e-5)
}

/// Starts the simulator with every registered channel and `faults`, the merchant's
/// notifications sent to `receiver`.
pub async fn start_notifying(receiver: &Receiver, faults: FaultConfig) -> SimHandle {
    Simulator::builder(notifying(receiver).faults(faults))
        .registered_channels()
        .start()
        .await
        .expect("simulator starts")
}

/// A `doku-pay-core` client of the merchant, pointed at `sim`, without retries.
pub fn api(sim: &SimHandle) -> Api {
    Api::builder(credentials(sim))
        .retry(RetryPolicy::NONE)
        .build()
        .expect("client")
}

/// A verifier of the merchant's notifications.
pub fn verifier() -> NotificationVerifier {
    NotificationVerifier::new().merchant(
        ClientId::new(CLIENT_ID).expect("client id"),
        SecretKey::new(SECRET).expect("secret"),
    )
}

/// One notification as received: path, headers, raw body.
pub type Received = (String, HeaderMap, Bytes);

/// A notification receiver on 127.0.0.1 that records what it gets and answers the statuses
/// queued (200 once the queue is empty).
#[derive(Clone, Default)]
pub struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<Vec<u16>>>,
    url: String,
}

impl Receiver {
    /// Starts a receiver that answers `answers` in turn, then 200.
    pub async fn start(answers: Vec<u16>) -> Self {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let queue = Arc::new(Mutex::new(answers));
        let (g, q) = (got.clone(), queue.clone());
        let app = Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let (g, q) = (g.clone(), q.clone());
            async move {
                lock(&g).push((uri.path().to_owned(), headers, body));
                let mut q = lock(&q);
                let s = if q.is_empty() { 200 } else { q.remove(0) };
                StatusCode::from_u16(s).unwrap_or(StatusCode::OK)
            }
        });
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let url = format!("http://{}", l.local_addr().expect("receiver address"));
        tokio::spawn(async move {
            let _ = axum::serve(l, app).await;
        });
        Self {
            got,
            answers: queue,
            url,
        }
    }

    /// `http://127.0.0.1:{port}`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What was received so far.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.got).clone()
    }

    /// Waits until at least `n` notifications arrived (or [`CAP`] passes) and returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + CAP;
        loop {
            let got = self.received();
            if got.len() >= n || tokio::time::Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Statuses still queued.
    pub fn pending_answers(&self) -> usize {
        lock(&self.answers).len()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A raw answer of the simulator.
#[derive(Debug)]
pub struct Raw {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Bytes,
}

impl Raw {
    /// The body as JSON (`Null` when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// `message[]` of an error body.
    pub fn messages(&self) -> Vec<String> {
        self.json()["message"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// POSTs exactly `body` to `sim`, signed by the merchant, with Request-Id `request_id`, and
/// checks the answer's signature whenever it carries one. Nothing validates the body on the
/// client side: this is how a client that skipped its validation behaves.
pub async fn post_raw(sim: &SimHandle, path: &str, body: &[u8], request_id: &str) -> Raw {
    let secret = SecretKey::new(SECRET).expect("secret");
    let ts = format_timestamp(SystemClock.now());
    let sig = Components::request(CLIENT_ID, request_id, &ts, path, Some(body)).sign(&secret);
    let resp = crate::http_client()
        .post(format!("{}{path}", sim.base_url()))
        .header("Client-Id", CLIENT_ID)
        .header("Request-Id", request_id)
        .header("Request-Timestamp", &ts)
        .header("Signature", sig)
        .header("Content-Type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .expect("simulator answers");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.expect("answer body");
    if let Some(sig) = headers.get("Signature") {
        let h = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(h("Request-Id"), request_id);
        Components::response(CLIENT_ID, request_id, &h("Response-Timestamp"), path, &body)
            .verify(&secret, sig.to_str().unwrap_or_default())
            .expect("answer signature verifies");
    }
    Raw {
        status,
        headers,
        body,
    }
}
