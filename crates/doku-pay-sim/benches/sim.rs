//! Simulator capacity: signed create requests per second over loopback, and memory per
//! stored order.
//!
//! `cargo bench -p doku-pay-sim --bench sim` runs a bounded load: `DOKU_SIM_BENCH_ROUNDS`
//! (default 3) rounds of `DOKU_SIM_BENCH_REQUESTS` (default 100 000) distinct, pre-signed
//! creates, sent over `DOKU_SIM_BENCH_CONCURRENCY` (default 64) concurrent keep-alive
//! HTTP/1.1 connections of a minimal client in the same process. Signature checks (SHA-256
//! digest and HMAC-SHA256) and body validation are on for every request. Pre-signing keeps
//! the client's signing cost out of the server's figure; the client's HTTP cost still shares
//! the same cores, so the figure is a lower bound of the server's capacity.
//!
//! Memory per order is reported two ways: the store's own estimate ([`StoreStats`]: struct
//! sizes, string lengths, stored answers and hash-table buckets) and the growth of the
//! process's resident set (`/proc/self/statm`) while the orders were stored, divided by the
//! orders (an upper bound: it includes every other allocation made meanwhile).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use doku_pay_core::channel::{
    Capabilities, ChannelDescriptor, ChannelKind, Endpoint, Operation, RedirectStyle, RefundSupport,
};
use doku_pay_core::clock::format_timestamp;
use doku_pay_core::signature::Components;
use doku_pay_core::validate::Validator;
use doku_pay_core::{Amount, SecretKey};
use doku_pay_sim::{
    MerchantConfig, NewOrder, OrderView, Rejection, SimChannel, SimConfig, SimRequest, Simulator,
    StoreStats,
};
use serde::Deserialize;
use serde_json::{Value, json};

const PATH: &str = "/benchpay/v2/generate-order";
const CLIENT_ID: &str = "MCH-0001-10791114622547";
const SECRET: &str = "SK-TESTVECTOR-0001";

static DESCRIPTOR: ChannelDescriptor = ChannelDescriptor {
    id: "benchpay",
    display_name: "Bench Pay",
    channel_code: "PEER_TO_PEER_BENCH",
    service_id: "PEER_TO_PEER",
    acquirer_id: "BENCH",
    kind: ChannelKind::Paylater,
    capabilities: Capabilities {
        cancel: false,
        refund: RefundSupport::None,
        redirect: RedirectStyle::Url,
        min_amount: Amount::new_const(1),
        max_amount: Amount::MAX,
    },
    mapping: &[],
    notes: &[],
    endpoints: &[Endpoint::post(Operation::Create, PATH)],
};

#[derive(Deserialize)]
struct Body {
    order: Order,
    payment: Payment,
}

#[derive(Deserialize)]
struct Order {
    invoice_number: String,
    amount: Amount,
    line_items: Vec<Item>,
    callback_url: String,
}

#[derive(Deserialize)]
struct Item {
    name: String,
    price: Amount,
    quantity: u64,
}

#[derive(Deserialize)]
struct Payment {
    merchant_unique_reference: String,
}

/// A plugin with the work of a real paylater create: decode, rules, line-item sum.
struct BenchPay;

impl SimChannel for BenchPay {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &DESCRIPTOR
    }

    fn decode_create(&self, req: &SimRequest<'_>) -> Result<NewOrder, Rejection> {
        let body = req.body();
        let b: Body = doku_pay_sim::decode_with(body, |b: &Body| {
            let mut v = Validator::new();
            if v.required("order.invoice_number", Some(&b.order.invoice_number)) {
                v.max_chars("order.invoice_number", &b.order.invoice_number, 64);
            }
            v.max_digits("order.amount", b.order.amount.rupiah(), 12);
            let mut sum = 0u64;
            for (i, it) in b.order.line_items.iter().enumerate() {
                v.max_chars(&format!("order.line_items[{i}].name"), &it.name, 255);
                v.max_digits(&format!("order.line_items[{i}].quantity"), it.quantity, 4);
                sum = sum.saturating_add(it.price.rupiah().saturating_mul(it.quantity));
            }
            if sum != b.order.amount.rupiah() {
                v.push("order.line_items", "sum must equal order.amount");
            }
            v.url("order.callback_url", &b.order.callback_url);
            v.max_chars(
                "payment.merchant_unique_reference",
                &b.payment.merchant_unique_reference,
                64,
            );
            v.finish()
        })?;
        Ok(NewOrder {
            invoice_number: b.order.invoice_number,
            amount: b.order.amount.rupiah(),
            merchant_reference: Some(b.payment.merchant_unique_reference),
            override_notification_url: None,
            synchronous: None,
        })
    }

    fn create_response(&self, o: &OrderView<'_>) -> Value {
        json!({
            "order": {"invoice_number": o.invoice_number, "amount": o.amount},
            "payment": {
                "merchant_unique_reference": o.merchant_reference,
                "url": o.payment_url(),
                "status": "PENDING",
                "identifier": [
                    {"name": "ORDER_ID", "value": o.order_id.to_string()},
                    {"name": "UNIQUE_REFERENCE", "value": format!("{}{}", o.client_id, o.merchant_reference.unwrap_or_default())}
                ]
            }
        })
    }
}

/// Resident set size in bytes (Linux), or 0.
fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

struct Prepared {
    body: bytes::Bytes,
    request_id: String,
    timestamp: String,
    signature: String,
}

fn prepare(n: usize, prefix: &str) -> Vec<Prepared> {
    let secret = SecretKey::new(SECRET).expect("secret");
    let timestamp = format_timestamp(time::OffsetDateTime::now_utc());
    (0..n)
        .map(|i| {
            let body = serde_json::to_vec(&json!({
                "order": {
                    "invoice_number": format!("INV-{prefix}-{i:08}"),
                    "amount": 90000,
                    "line_items": [
                        {"name": "T-Shirt Red", "price": 30000, "quantity": 2},
                        {"name": "Polo Navy", "price": 30000, "quantity": 1}
                    ],
                    "callback_url": "https://merchant.example/return"
                },
                "payment": {"merchant_unique_reference": format!("MUR-{prefix}-{i:08}")}
            }))
            .expect("body");
            let request_id = uuid::Uuid::new_v4().to_string();
            let signature =
                Components::request(CLIENT_ID, &request_id, &timestamp, PATH, Some(&body))
                    .sign(&secret);
            Prepared {
                body: body.into(),
                request_id,
                timestamp: timestamp.clone(),
                signature,
            }
        })
        .collect()
}

/// One keep-alive HTTP/1.1 connection sending pre-built requests one at a time: a minimal
/// client, so that the load generator takes as little of the shared CPU as possible.
async fn connection(
    addr: std::net::SocketAddr,
    reqs: Arc<Vec<Vec<u8>>>,
    next: Arc<AtomicUsize>,
    ok: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut buf = Vec::with_capacity(4096);
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(req) = reqs.get(i) else {
            return Ok(());
        };
        stream.write_all(req).await?;
        buf.clear();
        // Read the head, then Content-Length bytes of body.
        let (head_end, body_len) = loop {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&buf[..pos]).unwrap_or_default();
                let len = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                break (pos + 4, len);
            }
        };
        while buf.len() < head_end + body_len {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        if buf.starts_with(b"HTTP/1.1 200") {
            ok.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn run(addr: std::net::SocketAddr, reqs: Vec<Vec<u8>>, concurrency: usize) -> (usize, f64) {
    let reqs = Arc::new(reqs);
    let next = Arc::new(AtomicUsize::new(0));
    let ok = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| tokio::spawn(connection(addr, reqs.clone(), next.clone(), ok.clone())))
        .collect();
    for t in tasks {
        if let Ok(Err(e)) = t.await {
            eprintln!("connection failed: {e}");
        }
    }
    let secs = started.elapsed().as_secs_f64();
    (ok.load(Ordering::Relaxed), secs)
}

/// The full bytes of each request: request line, headers (signed), body.
fn wire_requests(addr: std::net::SocketAddr, prepared: Vec<Prepared>) -> Vec<Vec<u8>> {
    prepared
        .into_iter()
        .map(|r| {
            let mut out = format!(
                "POST {PATH} HTTP/1.1\r\nHost: {addr}\r\nClient-Id: {CLIENT_ID}\r\nRequest-Id: {}\r\n\
                 Request-Timestamp: {}\r\nSignature: {}\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\n\r\n",
                r.request_id,
                r.timestamp,
                r.signature,
                r.body.len()
            )
            .into_bytes();
            out.extend_from_slice(&r.body);
            out
        })
        .collect()
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n = env_usize("DOKU_SIM_BENCH_REQUESTS", 100_000);
    let concurrency = env_usize("DOKU_SIM_BENCH_CONCURRENCY", 64);
    let rounds = env_usize("DOKU_SIM_BENCH_ROUNDS", 3).max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let config = SimConfig::default()
            .merchant(MerchantConfig::new(CLIENT_ID, SECRET))
            .max_orders(n * rounds + 10_000);
        let sim = Simulator::builder(config)
            .channel(BenchPay)
            .start()
            .await
            .expect("simulator");
        let addr = sim.addr();
        let warm = wire_requests(addr, prepare(5_000, "warm"));
        let (warm_ok, _) = run(addr, warm, concurrency).await;
        println!("doku-pay-sim create benchmark (signature checks on, loopback, in-process client)");
        println!("  warm-up: {warm_ok} creates answered 200");
        let mut rates = Vec::new();
        let mut rss_per_order = Vec::new();
        for round in 0..rounds {
            let reqs = wire_requests(addr, prepare(n, &format!("run{round}")));
            let rss_before = rss_bytes();
            let orders_before = sim.stats().orders;
            let (ok, secs) = run(addr, reqs, concurrency).await;
            let rss_after = rss_bytes();
            let stored = sim.stats().orders - orders_before;
            let rate = ok as f64 / secs;
            println!(
                "  round {}: {ok} of {n} creates answered 200 in {secs:.3} s with {concurrency} concurrent connections: {rate:.0} creates/s",
                round + 1
            );
            rates.push(rate);
            if rss_after > rss_before && stored > 0 {
                rss_per_order.push((rss_after - rss_before) / stored);
            }
        }
        rates.sort_by(f64::total_cmp);
        println!(
            "  creates/s: best {:.0}, median {:.0}, worst {:.0}",
            rates.last().copied().unwrap_or(0.0),
            rates.get(rates.len() / 2).copied().unwrap_or(0.0),
            rates.first().copied().unwrap_or(0.0)
        );
        let stats: StoreStats = sim.stats();
        println!(
            "  store estimate: {} bytes for {} orders = {} bytes/order (order + indexes + stored answer)",
            stats.estimated_bytes, stats.orders, stats.bytes_per_order
        );
        if let Some(max) = rss_per_order.iter().max() {
            println!("  resident set growth per stored order (upper bound, worst round): {max} bytes");
        }
        sim.shutdown().await;
    });
}
