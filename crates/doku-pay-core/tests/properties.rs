//! Property tests (proptest, which shrinks a failure to a minimal case): each parser against
//! an independent reference on generated input.
//!
//! * `Amount` against exact decimal arithmetic in `u128`;
//! * `clock::parse_timestamp` against `time`'s RFC 3339 parser on DOKU's layout;
//! * a notification signed over arbitrary bodies and paths verifies, and one changed byte of
//!   the body does not;
//! * the envelope reader against serde_json: it reads only what serde_json's grammar accepts,
//!   an object; every object a `Value` holds whose amount, if any, is an amount; and its
//!   fields are the `Value`'s.

use doku_pay_core::clock::parse_timestamp;
use doku_pay_core::notification::Envelope;
use doku_pay_core::signature::Components;
use doku_pay_core::{Amount, AmountError, ClientId, NotificationVerifier, SecretKey};
use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use serde_json::Value;

/// Exact value of `[-]int.frac e exp` as whole rupiah, in `u128` (every generated
/// significand has at most 30 digits).
fn reference_amount(negative: bool, int: &str, frac: &str, exp: i32) -> Result<u64, AmountError> {
    let significand: u128 = format!("{int}{frac}").parse().unwrap();
    if significand == 0 {
        return Ok(0);
    }
    if negative {
        return Err(AmountError::Negative);
    }
    let scale = exp - frac.len() as i32;
    let value = if scale >= 0 {
        10u128
            .checked_pow(scale as u32)
            .and_then(|p| significand.checked_mul(p))
    } else {
        match 10u128.checked_pow(scale.unsigned_abs()) {
            Some(d) if significand.is_multiple_of(d) => Some(significand / d),
            _ => return Err(AmountError::Fraction),
        }
    };
    match value {
        Some(v) if v <= u128::from(Amount::MAX.rupiah()) => Ok(v as u64),
        _ => Err(AmountError::TooManyDigits),
    }
}

/// A JSON number's parts: sign, integer part without leading zero, fraction, exponent.
fn json_number() -> impl Strategy<Value = (bool, String, String, Option<i32>, bool)> {
    (
        any::<bool>(),
        prop_oneof!["0", "[1-9][0-9]{0,14}"],
        prop_oneof!["", "[0-9]{1,15}", "0{1,15}"],
        prop::option::of(-40i32..40),
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn amount_is_exact_decimal_arithmetic((negative, int, frac, exp, upper) in json_number()) {
        let mut text = format!("{}{int}", if negative { "-" } else { "" });
        if !frac.is_empty() {
            text.push('.');
            text.push_str(&frac);
        }
        if let Some(e) = exp {
            text.push_str(&format!("{}{e}", if upper { "E" } else { "e" }));
        }
        let expected = reference_amount(negative, &int, &frac, exp.unwrap_or(0));
        prop_assert_eq!(Amount::from_json_number(&text).map(Amount::rupiah), expected, "{}", text);
        let from_text = serde_json::from_str::<Amount>(&text).map(Amount::rupiah);
        prop_assert_eq!(from_text.ok(), expected.ok(), "{}", text);
        let value: Value = serde_json::from_str(&text).unwrap();
        let from_value = serde_json::from_value::<Amount>(value).map(Amount::rupiah);
        prop_assert_eq!(from_value.ok(), expected.ok(), "{}", text);
        // The same digits as a string: no exponent allowed there.
        if exp.is_none() {
            let quoted = format!("\"{text}\"");
            let from_string = serde_json::from_str::<Amount>(&quoted).map(Amount::rupiah);
            prop_assert_eq!(from_string.ok(), expected.ok(), "{}", quoted);
        }
    }

    #[test]
    fn timestamps_agree_with_time(
        (y, mo, d, h, mi, s) in (0u32..=9999, 0u32..=13, 0u32..=32, 0u32..=25, 0u32..=61, 0u32..=61),
        edit in prop::option::of((0usize..20, prop::char::range(' ', '~'))),
    ) {
        let mut stamp = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z");
        if let Some((at, c)) = edit {
            stamp.replace_range(at..=at, &c.to_string());
        }
        use time::format_description::well_known::Rfc3339;
        let b = stamp.as_bytes();
        let reference = (b.len() == 20 && b[10] == b'T' && b[19] == b'Z')
            .then(|| time::OffsetDateTime::parse(&stamp, &Rfc3339).ok())
            .flatten();
        prop_assert_eq!(parse_timestamp(&stamp), reference, "{}", stamp);
    }

    #[test]
    fn signed_notifications_verify_and_a_changed_body_does_not(
        body in prop::collection::vec(any::<u8>(), 0..300),
        path in "/[a-zA-Z0-9/_.~-]{0,40}",
        flip in any::<prop::sample::Index>(),
    ) {
        let verifier = verifier();
        let headers = signed_headers(&path, &body);
        let verified = verifier.verify(&headers, &path, &body);
        // The signature always holds; the body is then read as an envelope.
        let is_envelope = Envelope::from_json_bytes(&body).is_ok();
        prop_assert_eq!(verified.is_ok(), is_envelope, "{:?}", verified.err());
        if !body.is_empty() {
            let mut changed = body.clone();
            changed[flip.index(body.len())] ^= 0x01;
            prop_assert!(verifier.verify(&headers, &path, &changed).is_err());
        }
        let other_path = format!("{path}x");
        prop_assert!(verifier.verify(&headers, &other_path, &body).is_err());
    }

    #[test]
    fn envelope_reads_what_serde_json_reads(json in json_value(4), garbage in "[ {}\\[\\]\",:0-9a-z\\\\.eE+-]{0,3}") {
        let text = format!("{json}{garbage}");
        // serde_json's grammar (a lone surrogate escape is JSON, which a `Value` cannot
        // hold: the envelope skips it as serde_json's own skipping does).
        let grammar = serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok();
        let object = text.trim_start().starts_with('{');
        let ours = Envelope::from_json(&text);
        if !(grammar && object) {
            prop_assert!(ours.is_err(), "{}: read as {:?}", text, ours);
        }
        if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(&text) {
            let amount = o.get("order").filter(|v| v.is_object()).and_then(|v| v.get("amount"));
            let amount_ok = amount.is_none_or(|a| a.is_null() || serde_json::from_value::<Amount>(a.clone()).is_ok());
            prop_assert_eq!(ours.is_ok(), amount_ok, "{}: {:?}", text, ours);
            if let Ok(envelope) = ours {
                let invoice = o.get("order").and_then(|v| v.get("invoice_number")).and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                });
                let got = envelope.order.and_then(|o| o.invoice_number).map(|s| s.to_string());
                prop_assert_eq!(got, invoice, "{}", text);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Every member of the body written twice, the same both times, reads as the body
    /// written once; and with one member's second copy changed, as the body without that
    /// member.
    #[test]
    fn repeated_keys_read_once_where_the_copies_agree(json in json_value(4), pick in any::<prop::sample::Index>()) {
        let Ok(Value::Object(o)) = serde_json::from_str::<Value>(&json) else {
            return Ok(());
        };
        if o.is_empty() {
            return Ok(());
        }
        let once = Envelope::from_json(&json);
        let members: Vec<String> = o
            .iter()
            .map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap(), v))
            .collect();
        let twice = format!("{{{},{}}}", members.join(","), members.join(","));
        // The same reading (an error's position is in the folded text, so only its kind).
        let same = |a: &Result<Envelope, _>, b: &Result<Envelope, _>| a.as_ref().ok() == b.as_ref().ok();
        let got = Envelope::from_json(&twice);
        prop_assert!(same(&got, &once), "{}: {:?} / {:?}", twice, got, once);
        // One member's copies differ: that member is absent.
        let (key, _) = o.iter().nth(pick.index(o.len())).unwrap();
        let mut without = o.clone();
        without.remove(key);
        let differing = format!(
            "{{{},{}:{{\"differs\":true}}}}",
            members.join(","),
            serde_json::to_string(key).unwrap()
        );
        let expected = Envelope::from_json(&Value::Object(without).to_string());
        let got = Envelope::from_json(&differing);
        prop_assert!(same(&got, &expected), "{}: {:?} / {:?}", differing, got, expected);
    }
}

/// JSON text: an object with envelope fields of any shape, or any value.
fn json_value(depth: u32) -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        "-?(0|[1-9][0-9]{0,25})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?",
        "\"([ -!#-\\[\\]-~]|é|日|\\\\[\"\\\\/bfnrt]|\\\\u[0-9a-fA-F]{4})*\"",
    ];
    leaf.prop_recursive(depth, 64, 6, |inner| {
        let key = prop_oneof![
            Just("\"order\"".to_owned()),
            Just("\"invoice_number\"".to_owned()),
            Just("\"amount\"".to_owned()),
            Just("\"channel\"".to_owned()),
            Just("\"id\"".to_owned()),
            Just("\"transaction\"".to_owned()),
            Just("\"status\"".to_owned()),
            "\"[a-z_]{0,8}\"",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            // Unique keys: a `Value` keeps the last copy of a repeated key, the envelope one
            // copy where all agree and none where they differ; `repeated_keys_...` below.
            prop::collection::btree_map(key, inner, 0..5).prop_map(|kv| {
                let fields: Vec<String> =
                    kv.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!("{{{}}}", fields.join(", "))
            }),
        ]
    })
}

const CLIENT: &str = "MCH-0001-10791114622547";
const SECRET: &str = "SK-TESTVECTOR-0001";

fn verifier() -> NotificationVerifier {
    NotificationVerifier::new().merchant(
        ClientId::new(CLIENT).unwrap(),
        SecretKey::new(SECRET).unwrap(),
    )
}

fn signed_headers(path: &str, body: &[u8]) -> HeaderMap {
    let (rid, ts) = ("prop-0001", "2020-08-11T08:45:42Z");
    let signature = Components::notification(CLIENT, rid, ts, path, body)
        .sign(&SecretKey::new(SECRET).unwrap());
    let mut h = HeaderMap::new();
    for (name, value) in [
        ("Client-Id", CLIENT),
        ("Request-Id", rid),
        ("Request-Timestamp", ts),
        ("Signature", signature.as_str()),
    ] {
        h.insert(name, HeaderValue::from_str(value).unwrap());
    }
    h
}
