//! What the receiver benchmarks share: the notification-only channel they route to,
//! pre-signed notifications, the load generator and its report.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use doku_pay_core::signature::Components;
use doku_pay_core::{ChannelDescriptor, SecretKey};
use doku_pay_testkit::{NotificationOnly, notification_only_descriptor};

pub(crate) static BENCH_DESCRIPTOR: ChannelDescriptor =
    notification_only_descriptor("benchpay", "Bench Pay", "EMONEY_BENCHPAY", "BENCHPAY");

doku_pay_core::register_channel!(BENCH_DESCRIPTOR, || Box::new(NotificationOnly(
    &BENCH_DESCRIPTOR
)));

pub(crate) const PATH: &str = "/payments/notifications";
pub(crate) const MCH: &str = "MCH-0001-10791114622547";
pub(crate) const SK: &str = "SK-TESTVECTOR-0001";
pub(crate) const TS: &str = "2021-01-27T03:24:30Z";

pub(crate) struct Signed {
    pub(crate) request_id: String,
    pub(crate) signature: String,
    pub(crate) body: bytes::Bytes,
}

pub(crate) fn presign(prefix: &str, n: usize) -> Vec<Signed> {
    let secret = SecretKey::new(SK).expect("secret");
    (0..n)
        .map(|i| {
            let request_id = format!("{prefix}-{i:08}");
            let body = format!(
                r#"{{"service":{{"id":"EMONEY"}},"acquirer":{{"id":"BENCHPAY"}},"channel":{{"id":"EMONEY_BENCHPAY"}},"order":{{"invoice_number":"INV-{prefix}-{i}","amount":150000}},"transaction":{{"status":"SUCCESS","date":"2021-01-27T03:24:23Z","original_request_id":"15022aab-444f-4b04-afa8-ddfce89432ec"}}}}"#
            );
            let signature =
                Components::notification(MCH, &request_id, TS, PATH, body.as_bytes()).sign(&secret);
            Signed {
                request_id,
                signature,
                body: bytes::Bytes::from(body),
            }
        })
        .collect()
}

pub(crate) struct Report {
    pub(crate) rps: f64,
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
    pub(crate) max: Duration,
    pub(crate) errors: usize,
}

pub(crate) async fn drive(url: &str, reqs: Arc<Vec<Signed>>, concurrency: usize) -> Report {
    let client = doku_pay_core::transport::http_client_builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("client");
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, reqs, next, errors, url) = (
                client.clone(),
                Arc::clone(&reqs),
                Arc::clone(&next),
                Arc::clone(&errors),
                url.to_owned(),
            );
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(reqs.len() / concurrency + 1);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(r) = reqs.get(i) else { break };
                    let t = Instant::now();
                    let res = client
                        .post(&url)
                        .header("Client-Id", MCH)
                        .header("Request-Id", &r.request_id)
                        .header("Request-Timestamp", TS)
                        .header("Signature", &r.signature)
                        .header("Content-Type", "application/json")
                        .body(r.body.clone())
                        .send()
                        .await;
                    let ok = match res {
                        Ok(res) => res.status() == 200 && res.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    lat.push(t.elapsed());
                    if !ok {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::with_capacity(reqs.len());
    for w in workers {
        all.extend(w.await.expect("worker"));
    }
    let elapsed = started.elapsed();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    Report {
        rps: all.len() as f64 / elapsed.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
        max: all[all.len() - 1],
        errors: errors.load(Ordering::Relaxed),
    }
}

/// Whether the environment variable `name` is set to something other than `0` or nothing.
#[allow(dead_code)] // not every bench has a switch
pub(crate) fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

pub(crate) fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
