//! doku-core benchmarks (divan). Run: `cargo bench -p doku-core --bench core`.
//!
//! * `sign_request_1k`: signing a POST with a 1 KiB body (digest + HMAC + base64).
//! * `verify_and_parse_akulaku`: verifying and parsing the Akulaku notification of the shared
//!   vectors (374 bytes of UTF-8), through `NotificationVerifier::verify`.
//! * `raw_floor`: SHA-256 of the same body plus one HMAC-SHA256 (no parsing, no base64) — the
//!   floor verify-and-parse is compared against.
//! * `round_trip`: a create-shaped POST through `Api::post` against a local server answering a
//!   canned signed response, beside `hand_built`: the same request built with plain reqwest and
//!   hand-computed headers, in the same run.

use std::sync::OnceLock;

use divan::{Bencher, black_box};
use doku_core::signature::Components;
use doku_core::{ClientId, NotificationVerifier, SecretKey};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

fn main() {
    divan::main();
}

const CLIENT: &str = "MCH-0001-10791114622547";
const SECRET: &str = "SK-TESTVECTOR-0001";
const AKULAKU_RID: &str = "7a1c9f00-0000-4000-8000-000000000001";
const AKULAKU_TS: &str = "2021-07-07T09:00:00Z";
const AKULAKU_PATH: &str = "/hooks/doku";
const AKULAKU_SIG: &str = "HMACSHA256=CbSauTZ/GJvXWP0tCTzErTRpl7IbRHDLwsE6k/UKA1A=";

fn akulaku_body() -> &'static [u8] {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    BODY.get_or_init(|| {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../tests/fixtures/signature.json")).unwrap();
        v["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == "notification-akulaku-pretty-utf8")
            .unwrap()["body"]
            .as_str()
            .unwrap()
            .as_bytes()
            .to_vec()
    })
}

#[divan::bench]
fn sign_request_1k(b: Bencher) {
    let secret = SecretKey::new(SECRET).unwrap();
    let body = vec![b'x'; 1024];
    b.bench(|| {
        Components::request(
            black_box(CLIENT),
            black_box("cc682442-6c22-493e-8121-b9ef6b3fa728"),
            black_box("2020-08-11T08:45:42Z"),
            black_box("/akulaku-peer-to-peer/v2/generate-order"),
            Some(black_box(&body)),
        )
        .sign(&secret)
    });
}

fn headers() -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    h.insert("Client-Id", CLIENT.parse().unwrap());
    h.insert("Request-Id", AKULAKU_RID.parse().unwrap());
    h.insert("Request-Timestamp", AKULAKU_TS.parse().unwrap());
    h.insert("Signature", AKULAKU_SIG.parse().unwrap());
    h
}

#[divan::bench]
fn verify_and_parse_akulaku(b: Bencher) {
    let verifier = NotificationVerifier::new().merchant(
        ClientId::new(CLIENT).unwrap(),
        SecretKey::new(SECRET).unwrap(),
    );
    let h = headers();
    let body = akulaku_body();
    assert!(verifier.verify(&h, AKULAKU_PATH, body).is_ok());
    b.bench(|| {
        verifier
            .verify(black_box(&h), black_box(AKULAKU_PATH), black_box(body))
            .unwrap()
    });
}

#[divan::bench]
fn raw_floor(b: Bencher) {
    let body = akulaku_body();
    let component_len = 200usize;
    let component = vec![b'c'; component_len];
    b.bench(|| {
        let digest = Sha256::digest(black_box(body));
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(black_box(&component));
        mac.update(&digest);
        mac.finalize().into_bytes()
    });
}

mod round_trip {
    use std::sync::OnceLock;

    use axum::Router;
    use axum::body::Bytes;
    use axum::http::{HeaderMap, Response};
    use axum::routing::post;
    use base64::Engine as _;
    use divan::Bencher;
    use doku_core::clock::format_timestamp;
    use doku_core::signature::Components;
    use doku_core::{Api, Credentials, Environment, RequestId, SecretKey, Sent};
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};

    use super::{CLIENT, SECRET};

    const PATH: &str = "/akulaku-peer-to-peer/v2/generate-order";
    const ANSWER: &str = r#"{"order":{"invoice_number":"INV-20210707-0001","amount":90000},"payment":{"merchant_unique_reference":"MUR-20210707-0001","url":"https://example.invalid/pay","status":"PENDING","identifier":[{"name":"ORDER_ID","value":"1000035148"}]}}"#;

    struct Env {
        rt: tokio::runtime::Runtime,
        base: String,
    }

    fn env() -> &'static Env {
        static ENV: OnceLock<Env> = OnceLock::new();
        ENV.get_or_init(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            std_listener.set_nonblocking(true).unwrap();
            let base = format!("http://{}", std_listener.local_addr().unwrap());
            // The server runs on its own thread and runtime so it does not share the client's.
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
                    let secret = SecretKey::new(SECRET).unwrap();
                    let app = Router::new().route(
                        PATH,
                        post(move |h: HeaderMap, _b: Bytes| {
                            let secret = secret.clone();
                            async move {
                                let rid = h.get("Request-Id").unwrap().to_str().unwrap().to_owned();
                                let ts = format_timestamp(time::OffsetDateTime::now_utc());
                                let sig = Components::response(
                                    CLIENT,
                                    &rid,
                                    &ts,
                                    PATH,
                                    ANSWER.as_bytes(),
                                )
                                .sign(&secret);
                                Response::builder()
                                    .header("Client-Id", CLIENT)
                                    .header("Request-Id", rid)
                                    .header("Response-Timestamp", ts)
                                    .header("Signature", sig)
                                    .header("Content-Type", "application/json")
                                    .body(axum::body::Body::from(ANSWER))
                                    .unwrap()
                            }
                        }),
                    );
                    axum::serve(listener, app).await.unwrap();
                });
            });
            Env { rt, base }
        })
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

    #[divan::bench]
    fn through_transport(b: Bencher) {
        let env = env();
        let creds =
            Credentials::new(CLIENT, SECRET, Environment::custom(&env.base).unwrap()).unwrap();
        let api = Api::new(creds).unwrap();
        let body = request_body();
        b.bench(|| {
            env.rt.block_on(async {
                let sent: Sent<serde_json::Value> = api.post(PATH, &body, None).await.unwrap();
                sent.body
            })
        });
    }

    #[divan::bench]
    fn hand_built(b: Bencher) {
        let env = env();
        let http = reqwest::Client::new();
        let url = format!("{}{PATH}", env.base);
        let body = request_body();
        b.bench(|| {
            env.rt.block_on(async {
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
            })
        });
    }
}
