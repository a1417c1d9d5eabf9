//! Shared helpers of the workspace-level tests: a simulator with the real channels, a
//! notification receiver, signed raw requests and clients pointed at the simulator.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, Uri};
use bytes::Bytes;
use doku_pay_core::ChannelDescriptor;
use doku_pay_core::clock::format_timestamp;
use doku_pay_core::signature::Components;
use doku_pay_core::{
    Api, ClientId, Credentials, Environment, NotificationVerifier, RetryPolicy, SecretKey,
};
use doku_pay_sim::{ChannelSamples, FaultConfig, MerchantConfig, SimConfig, SimHandle, Simulator};

/// A linked channel as the data-driven tests run it: its descriptor and its samples.
#[derive(Clone, Copy)]
pub struct SampleChannel {
    /// The channel's descriptor (what it offers).
    pub d: &'static ChannelDescriptor,
    /// Its sample requests and what its customer does.
    pub samples: &'static dyn ChannelSamples,
}

impl SampleChannel {
    /// The channel id.
    pub fn id(&self) -> &'static str {
        self.d.id
    }

    /// `INV-{tag}-{ID}-{n}`: an invoice number of this channel.
    pub fn invoice(&self, tag: &str, n: usize) -> String {
        format!("INV-{tag}-{}-{n:02}", self.d.id.to_ascii_uppercase())
    }

    /// The create endpoint's path (for per-endpoint faults).
    pub fn create_path(&self) -> &'static str {
        self.d
            .endpoint(doku_pay_core::Operation::Create)
            .map_or("", |e| e.path)
    }
}

/// Every channel the facade links by default, with the samples of its simulator plugin,
/// ordered by id. Panics when a linked channel's plugin supplies no samples: every channel
/// runs end to end.
pub fn sample_channels() -> Vec<SampleChannel> {
    // Naming the facade's list keeps every default channel crate (and its registrations)
    // linked.
    let linked: Vec<&str> = doku_pay::linked_channels().iter().map(|d| d.id).collect();
    let mut plugins = doku_pay_sim::registered();
    plugins.sort_by_key(|p| p.descriptor().id);
    plugins.dedup_by_key(|p| p.descriptor().id);
    let channels: Vec<SampleChannel> = plugins
        .iter()
        .map(|p| SampleChannel {
            d: p.descriptor(),
            samples: p
                .samples()
                .unwrap_or_else(|| panic!("channel `{}` supplies no samples", p.descriptor().id)),
        })
        .collect();
    let ids: Vec<&str> = channels.iter().map(SampleChannel::id).collect();
    assert_eq!(ids, linked, "every linked channel has a simulator plugin");
    channels
}

/// The first merchant (with a notification URL).
pub const MERCHANT: &str = "MCH-0001-10791114622547";
/// Its secret.
pub const SECRET: &str = "SK-TESTVECTOR-0001";
/// A second merchant, with its own secret.
pub const OTHER_MERCHANT: &str = "BRN-0002-20000000000002";
/// Its secret.
pub const OTHER_SECRET: &str = "SK-OTHER-0002";
/// The receiver's notification path.
pub const NOTIFY_PATH: &str = "/payments/notifications";
/// The cap of every wait-for-condition.
pub const CAP: Duration = Duration::from_secs(20);

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

    /// Waits until at least `n` notifications arrived (or the cap passes) and returns them.
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The configuration of both merchants; the first notifies `receiver`.
pub fn config(receiver: &Receiver) -> SimConfig {
    SimConfig::default()
        .merchant(
            MerchantConfig::new(MERCHANT, SECRET)
                .notification_url(format!("{}{NOTIFY_PATH}", receiver.url())),
        )
        .merchant(MerchantConfig::new(OTHER_MERCHANT, OTHER_SECRET))
        .time_factor(1e-5)
}

/// A simulator with every channel registered through `inventory`.
pub async fn start_sim(receiver: &Receiver, faults: FaultConfig) -> SimHandle {
    Simulator::builder(config(receiver).faults(faults))
        .registered_channels()
        .start()
        .await
        .expect("simulator starts")
}

/// A doku-pay-core client of the first merchant, pointed at the simulator, without retries.
pub fn api(sim: &SimHandle) -> Api {
    api_for(sim, MERCHANT, SECRET)
}

/// A doku-pay-core client of any merchant, pointed at the simulator, without retries.
pub fn api_for(sim: &SimHandle, client_id: &str, secret: &str) -> Api {
    let env = Environment::custom(sim.base_url()).expect("base URL");
    Api::builder(Credentials::new(client_id, secret, env).expect("credentials"))
        .retry(RetryPolicy::NONE)
        .build()
        .expect("client")
}

/// A verifier of the first merchant's notifications.
pub fn verifier() -> NotificationVerifier {
    NotificationVerifier::new().merchant(
        ClientId::new(MERCHANT).expect("client id"),
        SecretKey::new(SECRET).expect("secret"),
    )
}

/// A raw answer.
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

/// POSTs exactly `body`, signed by the first merchant, with Request-Id `request_id`, and
/// checks the answer's signature whenever it carries one. Nothing validates the body on the
/// client side: this is how a client that skipped its validation behaves.
pub async fn post_raw(sim: &SimHandle, path: &str, body: &[u8], request_id: &str) -> Raw {
    let secret = SecretKey::new(SECRET).expect("secret");
    let ts = format_timestamp(time::OffsetDateTime::now_utc());
    let sig = Components::request(MERCHANT, request_id, &ts, path, Some(body)).sign(&secret);
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", sim.base_url()))
        .header("Client-Id", MERCHANT)
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
        Components::response(MERCHANT, request_id, &h("Response-Timestamp"), path, &body)
            .verify(&secret, sig.to_str().unwrap_or_default())
            .expect("answer signature verifies");
    }
    Raw {
        status,
        headers,
        body,
    }
}
