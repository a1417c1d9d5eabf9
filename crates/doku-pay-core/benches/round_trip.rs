//! A create-shaped round trip through `Api::post` against a local server that answers a
//! canned signed response, beside the same request hand-built with plain reqwest and
//! hand-computed headers. Run: `cargo bench -p doku-pay-core --bench round_trip`.
//!
//! Paired rather than divan: a round trip is ~40–150 µs of loopback networking and thread
//! wake-ups on this 2-core VM, whose speed drifts over seconds. Timing one variant after the
//! other lets the drift land on one side; here each iteration runs both, in alternating order,
//! and the report gives the median of each, the ratio of medians, and the median of the
//! per-pair ratios (each pair ran under the same conditions).
//!
//! Both sides do the same work: serialise the body, sign it, send it, read and parse the
//! answer. The transport also verifies the answer's signature, checks its shape and opens a
//! tracing span; the hand-built side does none of that.

use std::time::{Duration, Instant};

use base64::Engine as _;
use doku_pay_core::clock::format_timestamp;
use doku_pay_core::{Api, Credentials, Environment, RequestId, Sent};
use doku_pay_testkit::{CLIENT_ID as CLIENT, MockDoku, SECRET};
use hmac::{Hmac, KeyInit as _, Mac};
use sha2::{Digest, Sha256};

const PATH: &str = "/akulaku-peer-to-peer/v2/generate-order";
const ANSWER: &str = r#"{"order":{"invoice_number":"INV-20210707-0001","amount":90000},"payment":{"merchant_unique_reference":"MUR-20210707-0001","url":"https://example.invalid/pay","status":"PENDING","identifier":[{"name":"ORDER_ID","value":"1000035148"}]}}"#;
const WARM_UP: usize = 300;
const PAIRS: usize = 3_000;

fn main() {
    // `cargo test --benches` runs bench targets with `--bench` absent: do a short smoke run.
    let pairs = if std::env::args().any(|a| a == "--bench") {
        PAIRS
    } else {
        20
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let base = serve();
    let api =
        Api::new(Credentials::new(CLIENT, SECRET, Environment::custom(&base).unwrap()).unwrap())
            .unwrap();
    let http = doku_pay_core::transport::http_client_builder()
        .build()
        .expect("HTTP client");
    let url = format!("{base}{PATH}");
    let body = request_body();

    let transport = || async {
        let sent: Sent<serde_json::Value> = api.post(PATH, &body, None).await.unwrap();
        sent.body
    };
    let hand_built = || async {
        let bytes = serde_json::to_vec(&body).unwrap();
        let rid = RequestId::new_v4();
        let ts = format_timestamp(time::OffsetDateTime::now_utc());
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes));
        let component = format!(
            "Client-Id:{CLIENT}\nRequest-Id:{rid}\nRequest-Timestamp:{ts}\nRequest-Target:{PATH}\nDigest:{digest}"
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(component.as_bytes());
        let sig = format!(
            "HMACSHA256={}",
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        );
        let resp = http
            .post(&url)
            .header("Client-Id", CLIENT)
            .header("Request-Id", rid.as_str())
            .header("Request-Timestamp", ts)
            .header("Signature", sig)
            .header("Content-Type", "application/json")
            .body(bytes)
            .send()
            .await
            .unwrap();
        let bytes = resp.bytes().await.unwrap();
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()
    };

    let (mut ours, mut theirs) = (Vec::with_capacity(pairs), Vec::with_capacity(pairs));
    rt.block_on(async {
        for _ in 0..WARM_UP.min(pairs * 10) {
            std::hint::black_box(transport().await);
            std::hint::black_box(hand_built().await);
        }
        for i in 0..pairs {
            let time = |d: Instant| d.elapsed();
            if i % 2 == 0 {
                let t = Instant::now();
                std::hint::black_box(transport().await);
                ours.push(time(t));
                let t = Instant::now();
                std::hint::black_box(hand_built().await);
                theirs.push(time(t));
            } else {
                let t = Instant::now();
                std::hint::black_box(hand_built().await);
                theirs.push(time(t));
                let t = Instant::now();
                std::hint::black_box(transport().await);
                ours.push(time(t));
            }
        }
    });
    let mut ratios: Vec<f64> = ours
        .iter()
        .zip(&theirs)
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    let (a, b) = (median(&mut ours), median(&mut theirs));
    println!("round trip, {pairs} pairs in alternating order:");
    println!("  through_transport  median {a:>9.1?}");
    println!("  hand_built         median {b:>9.1?}");
    println!(
        "  ratio of medians {:.3}x; median per-pair ratio {:.3}x (p10 {:.3}x, p90 {:.3}x)",
        a.as_secs_f64() / b.as_secs_f64(),
        ratios[ratios.len() / 2],
        ratios[ratios.len() / 10],
        ratios[ratios.len() * 9 / 10],
    );
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn request_body() -> serde_json::Value {
    serde_json::json!({
        "order": {"invoice_number": "INV-20210707-0001", "amount": 90000,
                  "line_items": [{"name": "T-Shirt Red", "price": 30000, "quantity": 3, "sku": "1002", "category": "Shirt"}],
                  "callback_url": "https://merchant.com/return-url"},
        "payment": {"merchant_unique_reference": "MUR-20210707-0001"},
        "customer": {"id": "CUST-0001", "name": "Anton Budiman", "phone": "6285694566147",
                     "address": "", "city": "", "state": "", "postcode": ""}
    })
}

/// The canned DOKU (`doku_pay_testkit::MockDoku`, which also checks every request's signature)
/// on its own thread and runtime, so it does not share the client's.
fn serve() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let doku = MockDoku::start(&[(PATH, ANSWER.as_bytes().to_vec())]).await;
            tx.send(doku.base_url()).unwrap();
            std::future::pending::<()>().await;
        });
    });
    rx.recv().unwrap()
}
