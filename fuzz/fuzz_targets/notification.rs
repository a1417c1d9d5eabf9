//! The notification verifier on arbitrary headers and body, and on the same body correctly
//! signed (so the fuzzer reaches the envelope reader): never a panic; an unsigned input is
//! never accepted; a signed one is accepted exactly when its body is an envelope.
#![no_main]

use doku_pay_core::notification::Envelope;
use doku_pay_core::signature::Components;
use doku_pay_core::{ClientId, NotificationVerifier, SecretKey};
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

const CLIENT: &str = "MCH-0001-10791114622547";
const SECRET: &str = "SK-TESTVECTOR-0001";
const PATH: &str = "/hooks/doku";

fuzz_target!(|data: &[u8]| {
    let verifier = NotificationVerifier::new().merchant(
        ClientId::new(CLIENT).unwrap(),
        SecretKey::new(SECRET).unwrap(),
    );
    // The first bytes, split at newlines, are header values; the rest is the body.
    let mut parts = data.splitn(5, |b| *b == b'\n');
    let names = ["Client-Id", "Request-Id", "Request-Timestamp", "Signature"];
    let mut headers = HeaderMap::new();
    let mut values = Vec::new();
    for name in names {
        let value = parts.next().unwrap_or_default();
        values.push(value);
        if let Ok(v) = HeaderValue::from_bytes(value) {
            headers.insert(name, v);
        }
    }
    let body = parts.next().unwrap_or_default();
    // Arbitrary headers: accepted only if they carry the right signature, which the fuzzer
    // cannot forge.
    if let Ok(v) = verifier.verify(&headers, PATH, body) {
        let expected = Components::notification(
            CLIENT,
            v.request_id().as_str(),
            std::str::from_utf8(values[2]).unwrap_or_default(),
            PATH,
            body,
        )
        .sign(&SecretKey::new(SECRET).unwrap());
        assert_eq!(values[3], expected.as_bytes(), "accepted a wrong signature");
    }
    // The same body, signed.
    let (rid, ts) = ("fuzz-0001", "2020-08-11T08:45:42Z");
    let sig = Components::notification(CLIENT, rid, ts, PATH, body)
        .sign(&SecretKey::new(SECRET).unwrap());
    let mut signed = HeaderMap::new();
    for (name, value) in [
        ("Client-Id", CLIENT),
        ("Request-Id", rid),
        ("Request-Timestamp", ts),
        ("Signature", sig.as_str()),
    ] {
        signed.insert(name, HeaderValue::from_str(value).unwrap());
    }
    let verified = verifier.verify(&signed, PATH, body);
    assert_eq!(verified.is_ok(), Envelope::from_json_bytes(body).is_ok());
    if let Ok(v) = verified {
        let _ = v.to_notification("linkaja");
    }
});
