//! A store outage, whole or partial, is logged once when it starts and once when it ends,
//! not once per request, while every request during it is answered 503 and nothing is handled; and a
//! completion that fails during a short outage is retried, so the notification does not stay
//! claimed.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use doku_pay_core::{ClientId, Notification, SecretKey};
use doku_pay_receiver::{
    BoxError, ClaimToken, Claimed, DedupeKey, DedupeStore, MemoryStore, Receiver, StoreError,
};
use doku_pay_testkit::{
    CLIENT_ID, NotificationOnly, SECRET, notification_headers, notification_only_descriptor,
};

static DESCRIPTOR: doku_pay_core::ChannelDescriptor =
    notification_only_descriptor("outagepay", "Outage Pay", "EMONEY_OUTAGE", "OUTAGE");

doku_pay_core::register_channel!(DESCRIPTOR, || Box::new(NotificationOnly(&DESCRIPTOR)));

const PATH: &str = "/payments/notifications";

/// A [`MemoryStore`] that fails every call while `down`, and whose completions fail the
/// first `fail_completions` times.
#[derive(Default)]
struct Flaky {
    inner: MemoryStore,
    down: AtomicBool,
    fail_completions: AtomicUsize,
}

impl Flaky {
    fn check(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError::Backend("connection refused".into()));
        }
        Ok(())
    }
}

#[async_trait]
impl DedupeStore for Flaky {
    async fn claim(&self, key: &DedupeKey) -> Result<Claimed, StoreError> {
        self.check()?;
        self.inner.claim(key).await
    }
    fn lease(&self) -> Duration {
        DedupeStore::lease(&self.inner)
    }
    async fn renew(&self, key: &DedupeKey, t: ClaimToken) -> Result<bool, StoreError> {
        self.check()?;
        self.inner.renew(key, t).await
    }
    async fn complete(&self, key: &DedupeKey, t: ClaimToken) -> Result<bool, StoreError> {
        self.check()?;
        let failing = self
            .fail_completions
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            return Err(StoreError::Backend("timed out".into()));
        }
        self.inner.complete(key, t).await
    }
    async fn release(&self, key: &DedupeKey, t: ClaimToken) -> Result<bool, StoreError> {
        self.check()?;
        self.inner.release(key, t).await
    }
}

/// Log lines written by the receiver, shared with the test.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn count(&self, needle: &str) -> usize {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .matches(needle)
            .count()
    }
}

fn request(rid: &str, invoice: &str) -> (http::HeaderMap, Vec<u8>) {
    let body = serde_json::to_vec(&serde_json::json!({
        "channel": {"id": "EMONEY_OUTAGE"},
        "order": {"invoice_number": invoice, "amount": 150000},
        "transaction": {"status": "SUCCESS"}
    }))
    .unwrap();
    let secret = SecretKey::new(SECRET).unwrap();
    let mut headers = http::HeaderMap::new();
    for (n, v) in notification_headers(CLIENT_ID, &secret, rid, "2021-01-27T03:24:30Z", PATH, &body)
    {
        headers.insert(n, v.parse().unwrap());
    }
    (headers, body)
}

// One test in this binary: the subscriber is the thread's default, and the current-thread
// runtime keeps every task on this thread.
// Paused time: the test moves it past the 5 s without failure that ends an outage.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_outage_is_logged_once_answered_503_and_recovered_from() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();

    let store = Arc::new(Flaky::default());
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let receiver = Receiver::builder(PATH, move |_n: Notification| {
        let seen = Arc::clone(&seen);
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            Ok::<(), BoxError>(())
        }
    })
    .merchant(
        ClientId::new(CLIENT_ID).unwrap(),
        SecretKey::new(SECRET).unwrap(),
    )
    .store(Arc::clone(&store))
    .build()
    .unwrap();

    // Two outages, each of several requests: one line when each starts, one when it ends
    // (the first success 5 s after the last failure).
    for outage in 0..2 {
        store.down.store(true, Ordering::SeqCst);
        let (h, b) = request(&format!("rid-down-{outage}"), "INV-DOWN");
        for _ in 0..10 {
            assert_eq!(receiver.process(&h, &b).await.status, 503);
        }
        store.down.store(false, Ordering::SeqCst);
        assert_eq!(receiver.process(&h, &b).await.status, 200);
        assert_eq!(logs.count("deduplication store recovered"), outage);
        tokio::time::advance(Duration::from_secs(5)).await;
        let (h, b) = request(&format!("rid-after-{outage}"), "INV-AFTER");
        assert_eq!(receiver.process(&h, &b).await.status, 200);
        assert_eq!(logs.count("deduplication store recovered"), outage + 1);
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        4,
        "nothing handled while down"
    );
    assert_eq!(
        logs.count("deduplication store failing"),
        2,
        "once per outage"
    );

    // A partial outage (a cluster node down: some calls fail, others succeed in between)
    // is one outage, not one per failing call.
    for i in 0..10 {
        store.down.store(i % 2 == 0, Ordering::SeqCst);
        let (h, b) = request(&format!("rid-partial-{i}"), "INV-PARTIAL");
        let want = if i % 2 == 0 { 503 } else { 200 };
        assert_eq!(receiver.process(&h, &b).await.status, want, "{i}");
    }
    store.down.store(false, Ordering::SeqCst);
    tokio::time::advance(Duration::from_secs(5)).await;
    let (h, b) = request("rid-partial-after", "INV-PARTIAL");
    assert_eq!(receiver.process(&h, &b).await.status, 200);
    assert_eq!(logs.count("deduplication store failing"), 3);
    assert_eq!(logs.count("deduplication store recovered"), 3);
    assert_eq!(calls.load(Ordering::SeqCst), 10);

    // A completion failing twice (a short outage after the handler ran) is retried: the
    // notification is done, and a retry is a duplicate.
    store.fail_completions.store(2, Ordering::SeqCst);
    let (h, b) = request("rid-complete", "INV-COMPLETE");
    assert_eq!(receiver.process(&h, &b).await.status, 200);
    assert_eq!(receiver.process(&h, &b).await.reason, "ok: already handled");
    assert_eq!(calls.load(Ordering::SeqCst), 11);
}
