//! doku-pay-core benchmarks (divan). Run: `cargo bench -p doku-pay-core --bench core`.
//!
//! * `sign_request_1k`: signing a POST with a 1 KiB body (digest + HMAC + base64).
//! * `verify_and_parse_akulaku`: verifying and parsing the Akulaku notification of the shared
//!   vectors (374 bytes of UTF-8) through `NotificationVerifier::verify_bytes`, as the receiver
//!   calls it, dropping the result inside the timed loop; `verify_slice_and_parse_akulaku` is
//!   the same through `verify`, which copies the body.
//! * `raw_floor`: SHA-256 of the same body plus one HMAC-SHA256 (no parsing, no base64) — the
//!   floor verify-and-parse is compared against.
//! * `verify_only`, `parse_envelope`, `scan_json`: the parts, to see where the time goes: the
//!   signature check alone, the envelope read alone (UTF-8 check and serde's derived
//!   `Deserialize`), and serde_json skimming the body without keeping anything (`IgnoredAny`).
//!
//! * `identifiers_akulaku`: what a channel declaring identifier paths adds to the real path
//!   (reading them from the verified body).
//! * `real_path_akulaku`: the receiver's real path, from the request's bytes to the
//!   `Notification` the handler receives (verify, route by `channel.id`, map, keep the raw
//!   body). A hand-written single-pass envelope reader measured 9–11 % faster than serde's
//!   derive on this path (1.09–1.13 µs against 1.22–1.27 µs, commit 9d4aa79); short of the
//!   25 % that would have paid for its 1,000 lines, it was deleted.
//!
//! The transport's round trip is `benches/round_trip.rs` (paired, not divan).

use std::sync::OnceLock;

use divan::{Bencher, black_box};
use doku_pay_core::notification::Envelope;
use doku_pay_core::signature::Components;
use doku_pay_core::{ClientId, NotificationVerifier, SecretKey};
use hmac::{Hmac, KeyInit as _, Mac};
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

#[divan::bench(sample_count = 1000, sample_size = 16)]
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

/// The notification's headers as a receiver sees them: DOKU's four plus what any HTTP client
/// sends.
fn headers() -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    h.insert("Host", "merchant.example".parse().unwrap());
    h.insert(
        "User-Agent",
        "Apache-HttpClient/4.5.13 (Java/1.8.0)".parse().unwrap(),
    );
    h.insert("Content-Type", "application/json".parse().unwrap());
    h.insert("Content-Length", akulaku_body().len().into());
    h.insert("Client-Id", CLIENT.parse().unwrap());
    h.insert("Request-Id", AKULAKU_RID.parse().unwrap());
    h.insert("Request-Timestamp", AKULAKU_TS.parse().unwrap());
    h.insert("Signature", AKULAKU_SIG.parse().unwrap());
    h
}

/// The headline: `verify_bytes`, as the receiver calls it (the body arrives as `Bytes` and
/// is kept without a copy). The verified value is forced to exist (`black_box`) and dropped
/// inside the timed loop, so freeing it is counted too.
#[divan::bench(sample_count = 1000, sample_size = 64)]
fn verify_and_parse_akulaku(b: Bencher) {
    let verifier = verifier();
    let h = headers();
    let body = bytes::Bytes::from_static(akulaku_body());
    b.bench(|| {
        let n = verifier
            .verify_bytes(
                black_box(&h),
                black_box(AKULAKU_PATH),
                black_box(body.clone()),
            )
            .unwrap();
        black_box(&n);
        n.envelope().order.as_ref().and_then(|o| o.amount)
    });
}

/// The same through `verify`, which takes a `&[u8]` and copies the body to keep it.
#[divan::bench(sample_count = 1000, sample_size = 64)]
fn verify_slice_and_parse_akulaku(b: Bencher) {
    let verifier = verifier();
    let h = headers();
    let body = akulaku_body();
    b.bench(|| {
        let n = verifier
            .verify(black_box(&h), black_box(AKULAKU_PATH), black_box(body))
            .unwrap();
        black_box(&n);
        n.envelope().order.as_ref().and_then(|o| o.amount)
    });
}

fn verifier() -> NotificationVerifier {
    let verifier = NotificationVerifier::new().merchant(
        ClientId::new(CLIENT).unwrap(),
        SecretKey::new(SECRET).unwrap(),
    );
    assert!(
        verifier
            .verify(&headers(), AKULAKU_PATH, akulaku_body())
            .is_ok()
    );
    verifier
}

#[divan::bench(sample_count = 1000, sample_size = 64)]
fn verify_only(b: Bencher) {
    let secret = SecretKey::new(SECRET).unwrap();
    let body = akulaku_body();
    b.bench(|| {
        Components::notification(
            black_box(CLIENT),
            black_box(AKULAKU_RID),
            black_box(AKULAKU_TS),
            black_box(AKULAKU_PATH),
            black_box(body),
        )
        .verify(&secret, black_box(AKULAKU_SIG))
        .unwrap()
    });
}

#[divan::bench(sample_count = 1000, sample_size = 64)]
fn parse_envelope(b: Bencher) {
    let body = akulaku_body();
    b.bench(|| Envelope::from_json_bytes(black_box(body)).unwrap());
}

#[divan::bench(sample_count = 1000, sample_size = 64)]
fn scan_json(b: Bencher) {
    let body = akulaku_body();
    b.bench(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(body)).unwrap());
}

#[divan::bench(sample_count = 1000, sample_size = 64)]
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

// ---------------------------------------------------------------------------------------
// The receiver's real path: from the request's bytes to the `Notification` the handler
// receives (verify, route by `channel.id`, map, keep the raw body).

static AKULAKU_LIKE: doku_pay_core::ChannelDescriptor =
    doku_pay_testkit::notification_only_descriptor(
        "akulaku",
        "Akulaku PayLater",
        "PEER_TO_PEER_AKULAKU",
        "AKULAKU",
    );

/// A registry with one channel that maps notifications with the trait's default (as
/// Akulaku and LinkAja do).
fn registry() -> &'static doku_pay_core::Registry {
    static REGISTRY: OnceLock<doku_pay_core::Registry> = OnceLock::new();
    static REGISTRATION: doku_pay_core::ChannelRegistration = doku_pay_core::ChannelRegistration {
        descriptor: &AKULAKU_LIKE,
        constructor: || Box::new(doku_pay_testkit::NotificationOnly(&AKULAKU_LIKE)),
    };
    REGISTRY.get_or_init(|| doku_pay_core::Registry::from_registrations([&REGISTRATION]))
}

/// The real path as the receiver runs it: `verify_bytes` then `route_notification`.
#[divan::bench(sample_count = 1000, sample_size = 64)]
fn real_path_akulaku(b: Bencher) {
    let verifier = verifier();
    let registry = registry();
    let h = headers();
    let body = bytes::Bytes::from_static(akulaku_body());
    b.bench(|| {
        let v = verifier
            .verify_bytes(
                black_box(&h),
                black_box(AKULAKU_PATH),
                black_box(body.clone()),
            )
            .unwrap();
        doku_pay_core::client::route_notification(registry, &v).unwrap()
    });
}

/// What a channel that declares identifier paths (Akulaku, ShopeePay) adds to the real path:
/// reading `peer_to_peer_info.identifier` from the verified body.
#[divan::bench(sample_count = 1000, sample_size = 64)]
fn identifiers_akulaku(b: Bencher) {
    let v = verifier()
        .verify(&headers(), AKULAKU_PATH, akulaku_body())
        .unwrap();
    b.bench(|| black_box(&v).identifiers_at(black_box(&["peer_to_peer_info.identifier"])));
}

/// The floor with the HMAC key set up once, as `verify` keeps it (`raw_floor` re-derives the
/// key on every call, which the definition of the floor includes): the stricter
/// comparison for the real path.
#[divan::bench(sample_count = 1000, sample_size = 64)]
fn raw_floor_prekeyed(b: Bencher) {
    let body = akulaku_body();
    let component = vec![b'c'; 200];
    let keyed = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    b.bench(|| {
        let digest = Sha256::digest(black_box(body));
        let mut mac = keyed.clone();
        mac.update(black_box(&component));
        mac.update(&digest);
        mac.finalize().into_bytes()
    });
}
