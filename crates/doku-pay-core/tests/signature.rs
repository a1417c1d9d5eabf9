//! Every vector in `../shared/vectors/signature.json` reproduced byte for byte, through every
//! signing and verifying path.

use doku_pay_core::SecretKey;
use doku_pay_core::signature::{self, Components, SignatureError};
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    secret_key: String,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    kind: String,
    client_id: String,
    request_id: String,
    timestamp: String,
    target: String,
    body: Option<String>,
    digest: Option<String>,
    component: String,
    signature: String,
}

const COMMITTED: &str = include_str!("fixtures/signature.json");

fn load() -> File {
    serde_json::from_str(COMMITTED).expect("committed vectors parse")
}

/// The committed copy must equal the shared file whenever the shared file is beside the repo.
#[test]
fn committed_vectors_match_shared_copy() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors/signature.json");
    if let Ok(text) = std::fs::read_to_string(&shared) {
        let a: serde_json::Value = serde_json::from_str(&text).unwrap();
        let b: serde_json::Value = serde_json::from_str(COMMITTED).unwrap();
        assert_eq!(
            a, b,
            "tests/fixtures/signature.json differs from {shared:?}"
        );
    }
}

fn components(v: &Vector) -> Components<'_> {
    let body = v.body.as_deref().map(str::as_bytes);
    match v.kind.as_str() {
        "request" => {
            Components::request(&v.client_id, &v.request_id, &v.timestamp, &v.target, body)
        }
        "response" => Components::response(
            &v.client_id,
            &v.request_id,
            &v.timestamp,
            &v.target,
            body.expect("responses have a body"),
        ),
        "notification" => Components::notification(
            &v.client_id,
            &v.request_id,
            &v.timestamp,
            &v.target,
            body.expect("notifications have a body"),
        ),
        other => panic!("unknown vector kind {other}"),
    }
}

#[test]
fn vectors_reproduce_component_digest_and_signature() {
    let file = load();
    let secret = SecretKey::new(&file.secret_key).unwrap();
    assert_eq!(file.vectors.len(), 6, "every vector is exercised");
    for v in &file.vectors {
        let c = components(v);
        assert_eq!(
            c.digest.map(|d| d.to_string()),
            v.digest,
            "{}: digest",
            v.name
        );
        if let Some(body) = &v.body {
            assert_eq!(
                Some(signature::digest(body.as_bytes())),
                v.digest,
                "{}",
                v.name
            );
        }
        assert_eq!(c.to_string(), v.component, "{}: component", v.name);
        // Streaming signer and string signer agree with the vector.
        assert_eq!(
            c.sign(&secret),
            v.signature,
            "{}: streamed signature",
            v.name
        );
        assert_eq!(
            signature::sign(&secret, &v.component),
            v.signature,
            "{}",
            v.name
        );
        assert_eq!(c.verify(&secret, &v.signature), Ok(()), "{}", v.name);
        assert_eq!(
            signature::verify(&secret, &v.component, &v.signature),
            Ok(())
        );
    }
}

#[test]
fn vectors_reject_any_change() {
    let file = load();
    let secret = SecretKey::new(&file.secret_key).unwrap();
    let other = SecretKey::new("SK-SOMETHING-ELSE").unwrap();
    for v in &file.vectors {
        let c = components(v);
        assert_eq!(
            c.verify(&other, &v.signature),
            Err(SignatureError::Mismatch),
            "{}",
            v.name
        );
        let mut moved = c.clone();
        moved.target = "/elsewhere";
        assert_eq!(
            moved.verify(&secret, &v.signature),
            Err(SignatureError::Mismatch)
        );
        if let Some(body) = &v.body {
            let tampered = format!("{body} ");
            let t = Components::request(
                &v.client_id,
                &v.request_id,
                &v.timestamp,
                &v.target,
                Some(tampered.as_bytes()),
            );
            assert!(t.verify(&secret, &v.signature).is_err(), "{}", v.name);
        }
    }
}

#[test]
fn malformed_signature_values() {
    let file = load();
    let secret = SecretKey::new(&file.secret_key).unwrap();
    let v = &file.vectors[0];
    let c = components(v);
    let b64 = v.signature.trim_start_matches("HMACSHA256=");
    let cases: &[(&str, SignatureError)] = &[
        ("", SignatureError::WrongPrefix),
        (b64, SignatureError::WrongPrefix),
        (
            "hmacsha256=VU1TDo+WQmEPU1xIOUlKJNAhnc0g8OYMJt48dz0A4Mc=",
            SignatureError::WrongPrefix,
        ),
        ("HMACSHA256=", SignatureError::WrongLength),
        (
            "HMACSHA256=VU1TDo+WQmEPU1xIOUlKJNAhnc0g8OYMJt48dz0A4Mc",
            SignatureError::WrongLength,
        ),
        (
            "HMACSHA256=VU1TDo+WQmEPU1xIOUlKJNAhnc0g8OYMJt48dz0A4Mc==",
            SignatureError::WrongLength,
        ),
        (
            "HMACSHA256=VU1TDo-WQmEPU1xIOUlKJNAhnc0g8OYMJt48dz0A4Mc=",
            SignatureError::BadBase64,
        ),
        (
            "HMACSHA256=!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
            SignatureError::BadBase64,
        ),
        (
            "HMACSHA256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            SignatureError::Mismatch,
        ),
    ];
    for (value, expected) in cases {
        assert_eq!(c.verify(&secret, value), Err(*expected), "{value:?}");
    }
}

/// The real signature with the unused low bits of its last character set: the same 32 bytes
/// to a lenient decoder, but not canonical base64. It must never verify.
#[test]
fn non_canonical_base64_of_the_right_tag_is_refused() {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let file = load();
    let secret = SecretKey::new(&file.secret_key).unwrap();
    for v in &file.vectors {
        let c = components(v);
        let mut sig = v.signature.clone().into_bytes();
        let last = sig.len() - 2; // the character before the `=` pad
        let index = ALPHABET.iter().position(|&a| a == sig[last]).unwrap();
        for low in 1..4 {
            sig[last] = ALPHABET[(index & !3) | low];
            let value = String::from_utf8(sig.clone()).unwrap();
            assert_eq!(
                c.verify(&secret, &value),
                Err(SignatureError::BadBase64),
                "{}: {value}",
                v.name
            );
        }
    }
}

/// A component string longer than the signer's stack buffer (a long receiver path) is fed
/// piece by piece and still signs exactly what `Display` renders.
#[test]
fn long_components_sign_what_they_render() {
    let secret = SecretKey::new("SK-TESTVECTOR-0001").unwrap();
    for len in [0, 100, 300, 400, 1_000, 5_000] {
        let target = format!("/{}", "p".repeat(len));
        let c = Components::notification(
            "MCH-0001-10791114622547",
            "479b663f-5c9d-400d-8e80-3e548a8f7639",
            "2020-08-11T08:45:42Z",
            &target,
            b"{}",
        );
        let sig = c.sign(&secret);
        assert_eq!(sig, signature::sign(&secret, &c.to_string()), "{len}");
        assert_eq!(c.verify(&secret, &sig), Ok(()), "{len}");
        assert_eq!(signature::verify(&secret, &c.to_string(), &sig), Ok(()));
    }
}
