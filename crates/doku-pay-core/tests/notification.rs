//! Notification verification: one table of header, path, body and clock variations over a
//! single helper, each with the expected outcome.

use std::sync::Arc;
use std::time::Duration;

use doku_pay_core::clock::FixedClock;
use doku_pay_core::signature::{Components, SignatureError};
use doku_pay_core::{ClientId, NotificationError, NotificationVerifier, PaymentStatus, SecretKey};
use http::{HeaderMap, HeaderValue};
use time::macros::datetime;

const CLIENT: &str = "MCH-0001-10791114622547";
const SECRET: &str = "SK-TESTVECTOR-0001";
const PATH: &str = "/payments/notifications";
const RID: &str = "479b663f-5c9d-400d-8e80-3e548a8f7639";
const TS: &str = "2020-08-11T08:45:42Z";
const BODY: &str = r#"{"service":{"id":"EMONEY"},"acquirer":{"id":"LINKAJA"},"channel":{"id":"EMONEY_LINKAJA"},"transaction":{"status":"SUCCESS","date":"2021-01-27T03:24:23Z","original_request_id":"15022aab-444f-4b04-afa8-ddfce89432ec"},"order":{"invoice_number":"INV-20210124-0001","amount":150000}}"#;
const SIG: &str = "HMACSHA256=7YyysEmGwaUjcDNmAlnVGPZd3KKKUeMeaKZX2JJ03d0=";

fn verifier() -> NotificationVerifier {
    NotificationVerifier::new()
        .merchant(
            ClientId::new(CLIENT).unwrap(),
            SecretKey::new(SECRET).unwrap(),
        )
        .merchant(
            ClientId::new("MCH-OTHER").unwrap(),
            SecretKey::new("SK-OTHER").unwrap(),
        )
}

fn signed(client: &str, rid: &str, ts: &str, path: &str, body: &[u8], secret: &str) -> String {
    Components::notification(client, rid, ts, path, body).sign(&SecretKey::new(secret).unwrap())
}

/// One case: header edits (name, Some(value) to set / None to remove), the path the receiver
/// verifies with, the body, the verifier, and the expected error (None = verifies).
struct Case {
    name: &'static str,
    headers: Vec<(&'static str, Option<String>)>,
    path: &'static str,
    body: Vec<u8>,
    verifier: NotificationVerifier,
    expect: Option<NotificationError>,
}

fn case(name: &'static str) -> Case {
    Case {
        name,
        headers: vec![],
        path: PATH,
        body: BODY.as_bytes().to_vec(),
        verifier: verifier(),
        expect: None,
    }
}

fn check(c: Case) {
    let mut h = HeaderMap::new();
    h.insert("Client-Id", HeaderValue::from_static(CLIENT));
    h.insert("Request-Id", HeaderValue::from_static(RID));
    h.insert("Request-Timestamp", HeaderValue::from_static(TS));
    h.insert("Signature", HeaderValue::from_static(SIG));
    for (name, value) in &c.headers {
        match value {
            Some(v) => {
                h.insert(*name, HeaderValue::from_bytes(v.as_bytes()).unwrap());
            }
            None => {
                h.remove(*name);
            }
        }
    }
    let got = c.verifier.verify(&h, c.path, &c.body);
    match (&got, &c.expect) {
        (Ok(_), None) => {}
        (Err(e), Some(x)) => assert_eq!(e, x, "{}", c.name),
        _ => panic!("{}: got {got:?}, expected {:?}", c.name, c.expect),
    }
}

#[test]
fn verification_table() {
    let long_rid = "r".repeat(129);
    let not_json = b"this is not json".to_vec();
    let not_json_sig = signed(CLIENT, RID, TS, PATH, &not_json, SECRET);
    let array_body = b"[1,2,3]".to_vec();
    let array_sig = signed(CLIENT, RID, TS, PATH, &array_body, SECRET);
    let other_sig = signed("MCH-OTHER", RID, TS, PATH, BODY.as_bytes(), "SK-OTHER");
    let at = |t| Arc::new(FixedClock(t));
    let cases = vec![
        case("the vector verifies"),
        Case {
            headers: vec![
                ("Client-Id", Some("MCH-OTHER".into())),
                ("Signature", Some(other_sig)),
            ],
            ..case("a second merchant with its own secret")
        },
        Case {
            headers: vec![("Signature", None)],
            expect: Some(NotificationError::MissingHeader("Signature")),
            ..case("no Signature")
        },
        Case {
            headers: vec![("Client-Id", None)],
            expect: Some(NotificationError::MissingHeader("Client-Id")),
            ..case("no Client-Id")
        },
        Case {
            headers: vec![("Request-Id", None)],
            expect: Some(NotificationError::MissingHeader("Request-Id")),
            ..case("no Request-Id")
        },
        Case {
            headers: vec![("Request-Timestamp", None)],
            expect: Some(NotificationError::MissingHeader("Request-Timestamp")),
            ..case("no Request-Timestamp")
        },
        Case {
            headers: vec![("Signature", Some(String::new()))],
            expect: Some(NotificationError::MissingHeader("Signature")),
            ..case("empty Signature")
        },
        Case {
            headers: vec![("Signature", Some(SIG.replace("HMACSHA256=", "HMACSHA512=")))],
            expect: Some(NotificationError::Signature(SignatureError::WrongPrefix)),
            ..case("wrong prefix")
        },
        Case {
            headers: vec![("Signature", Some(format!("HMACSHA256={}", "*".repeat(44))))],
            expect: Some(NotificationError::Signature(SignatureError::BadBase64)),
            ..case("bad base64")
        },
        Case {
            headers: vec![("Request-Id", Some(long_rid))],
            expect: Some(NotificationError::InvalidHeader {
                header: "Request-Id",
                reason: "Request-Id is 129 characters, max 128".into(),
            }),
            ..case("Request-Id over 128")
        },
        // The signature covers the timestamp's text: it is checked first, whatever the form.
        Case {
            headers: vec![("Request-Timestamp", Some("2020-08-11 08:45:42".into()))],
            expect: Some(NotificationError::Signature(SignatureError::Mismatch)),
            ..case("a timestamp other than the one signed")
        },
        Case {
            headers: vec![("Client-Id", Some("MCH-UNKNOWN".into()))],
            expect: Some(NotificationError::UnknownMerchant("MCH-UNKNOWN".into())),
            ..case("unknown merchant")
        },
        Case {
            path: "/payments/notifications/",
            expect: Some(NotificationError::Signature(SignatureError::Mismatch)),
            ..case("another path (trailing slash)")
        },
        Case {
            body: BODY.replace("150000", "1500000").into_bytes(),
            expect: Some(NotificationError::Signature(SignatureError::Mismatch)),
            ..case("tampered amount")
        },
        Case {
            body: serde_json::to_vec_pretty(
                &serde_json::from_str::<serde_json::Value>(BODY).unwrap(),
            )
            .unwrap(),
            expect: Some(NotificationError::Signature(SignatureError::Mismatch)),
            ..case("re-serialised body")
        },
        Case {
            headers: vec![(
                "Request-Id",
                Some("479b663f-5c9d-400d-8e80-3e548a8f7630".into()),
            )],
            expect: Some(NotificationError::Signature(SignatureError::Mismatch)),
            ..case("another Request-Id")
        },
        Case {
            verifier: verifier().max_body_bytes(100),
            expect: Some(NotificationError::BodyTooLarge {
                size: BODY.len(),
                limit: 100,
            }),
            ..case("body over the limit")
        },
        Case {
            body: not_json,
            headers: vec![("Signature", Some(not_json_sig))],
            expect: Some(NotificationError::Malformed(
                "body must be a JSON object".into(),
            )),
            ..case("signed but not JSON")
        },
        Case {
            body: array_body,
            headers: vec![("Signature", Some(array_sig))],
            expect: Some(NotificationError::Malformed(
                "body must be a JSON object".into(),
            )),
            ..case("signed JSON of the wrong shape")
        },
        Case {
            verifier: verifier()
                .timestamp_window(Duration::from_secs(300))
                .clock(at(datetime!(2020-08-11 08:50:42 UTC))),
            ..case("inside the window")
        },
        Case {
            verifier: verifier()
                .timestamp_window(Duration::from_secs(300))
                .clock(at(datetime!(2020-08-11 08:50:43 UTC))),
            expect: Some(NotificationError::OutsideWindow {
                timestamp: TS.into(),
                window_secs: 300,
            }),
            ..case("outside the window")
        },
        Case {
            verifier: verifier().clock(at(datetime!(2020-08-11 20:45:42 UTC))),
            ..case("no window by default: a retry 12 hours later verifies")
        },
    ];
    // "ISO8601 UTC+0" is all DOKU's guides say: every form is accepted as signed, and read
    // as a time only for a window.
    let window = |now| {
        verifier()
            .timestamp_window(Duration::from_secs(300))
            .clock(at(now))
    };
    let stamps: &[(&str, Option<NotificationError>)] = &[
        ("2026-12-01T02:00:00.123Z", None),
        ("2026-12-01T02:00:00.123456789Z", None),
        ("2026-12-01T02:00:00+00:00", None),
        ("2026-12-01T09:00:00+07:00", None),
        ("2026-12-01T02:00:00z", None),
        ("20261201T020000Z", None),
        (
            "2026-12-01 02:00:00",
            Some(NotificationError::InvalidHeader {
                header: "Request-Timestamp",
                reason: "not an ISO 8601 date and time".into(),
            }),
        ),
        (
            "yesterday",
            Some(NotificationError::InvalidHeader {
                header: "Request-Timestamp",
                reason: "not an ISO 8601 date and time".into(),
            }),
        ),
    ];
    for (ts, with_window) in stamps {
        let sig = signed(CLIENT, RID, ts, PATH, BODY.as_bytes(), SECRET);
        let headers = vec![
            ("Request-Timestamp", Some((*ts).to_owned())),
            ("Signature", Some(sig)),
        ];
        check(Case {
            headers: headers.clone(),
            ..case("any signed timestamp, no window")
        });
        check(Case {
            headers,
            verifier: window(datetime!(2026-12-01 02:01:00 UTC)),
            expect: with_window.clone(),
            ..case("a signed timestamp inside a window")
        });
    }
    for c in cases {
        check(c);
    }
}

#[test]
fn verified_envelope_maps_to_notification() {
    let mut h = HeaderMap::new();
    h.insert("Client-Id", HeaderValue::from_static(CLIENT));
    h.insert("Request-Id", HeaderValue::from_static(RID));
    h.insert("Request-Timestamp", HeaderValue::from_static(TS));
    h.insert("Signature", HeaderValue::from_static(SIG));
    let v = verifier().verify(&h, PATH, BODY.as_bytes()).unwrap();
    assert_eq!(v.channel_code(), Some("EMONEY_LINKAJA"));
    assert_eq!(v.request_id().as_str(), RID);
    assert_eq!(v.raw().as_ref(), BODY.as_bytes());
    let n = v.to_notification("linkaja").unwrap();
    assert_eq!(n.invoice_number, "INV-20210124-0001");
    assert_eq!(n.amount.rupiah(), 150_000);
    assert_eq!(n.status, PaymentStatus::Success);
    assert_eq!(
        n.original_request_id.as_deref(),
        Some("15022aab-444f-4b04-afa8-ddfce89432ec")
    );
    assert_eq!(n.date, Some(datetime!(2021-01-27 03:24:23 UTC)));
    assert_eq!(n.raw.to_value().unwrap()["acquirer"]["id"], "LINKAJA");
    assert_eq!(n.client_id, CLIENT);
}

/// `transaction.status` as a signed notification carries it, and what the handler reads: any
/// case, surrounding blanks ignored (a padded `SUCCESS` read as unknown could be acknowledged
/// and dropped by a handler that ignores unknown statuses), anything else kept as sent.
#[test]
fn notification_statuses_table() {
    let rows: &[(&str, PaymentStatus)] = &[
        ("SUCCESS", PaymentStatus::Success),
        ("success", PaymentStatus::Success),
        (" SUCCESS", PaymentStatus::Success),
        ("SUCCESS\\n", PaymentStatus::Success),
        ("\\tFailed ", PaymentStatus::Failed),
        (
            "SOMETHING_NEW",
            PaymentStatus::Unknown("SOMETHING_NEW".into()),
        ),
        (" ON HOLD", PaymentStatus::Unknown(" ON HOLD".into())),
    ];
    for (wire, want) in rows {
        let body = format!(
            r#"{{"channel":{{"id":"EMONEY_NEW"}},"order":{{"invoice_number":"I-1","amount":"5000.00"}},"transaction":{{"status":"{wire}"}},"brand_new_object":{{"x":[1,2]}}}}"#
        );
        let n = verified(body.as_bytes()).to_notification("x").unwrap();
        assert_eq!(&n.status, want, "{wire:?}");
        assert_eq!(n.amount.rupiah(), 5000);
        assert_eq!(n.raw.to_value().unwrap()["brand_new_object"]["x"][1], 2);
    }
}

/// `body` signed for `CLIENT` and verified.
fn verified(body: &[u8]) -> doku_pay_core::VerifiedNotification {
    let sig = signed(CLIENT, RID, TS, PATH, body, SECRET);
    let mut h = HeaderMap::new();
    h.insert("Client-Id", HeaderValue::from_static(CLIENT));
    h.insert("Request-Id", HeaderValue::from_static(RID));
    h.insert("Request-Timestamp", HeaderValue::from_static(TS));
    h.insert("Signature", HeaderValue::from_str(&sig).unwrap());
    verifier().verify(&h, PATH, body).unwrap()
}

/// A header sent twice: the first value counts (as `HeaderMap::get` reads it), wherever the
/// repeat lands among the other headers. A forged second Signature cannot displace a valid
/// first one, and a valid second one cannot rescue a forged first one.
#[test]
fn repeated_headers_use_the_first_value() {
    let forged = "HMACSHA256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let cases: &[(&str, &[&str], bool)] = &[
        ("Signature", &[SIG, forged], true),
        ("Signature", &[forged, SIG], false),
        ("Client-Id", &[CLIENT, "MCH-OTHER"], true),
        ("Client-Id", &["MCH-OTHER", CLIENT], false),
        ("Request-Id", &[RID, "another-id"], true),
        ("Request-Timestamp", &["2020-08-11T08:45:43Z", TS], false),
    ];
    for (name, values, verifies) in cases {
        let mut h = HeaderMap::new();
        h.insert("Host", HeaderValue::from_static("merchant.example"));
        for (n, v) in [
            ("Client-Id", CLIENT),
            ("Request-Id", RID),
            ("Request-Timestamp", TS),
            ("Signature", SIG),
        ] {
            if n != *name {
                h.insert(n, HeaderValue::from_static(v));
            }
        }
        for v in *values {
            h.append(*name, HeaderValue::from_str(v).unwrap());
            h.insert("Content-Type", HeaderValue::from_static("application/json"));
        }
        let got = verifier().verify(&h, PATH, BODY.as_bytes());
        assert_eq!(got.is_ok(), *verifies, "{name} {values:?}: {got:?}");
    }
}

/// The envelope is read by serde's derive after a UTF-8 check of the whole body: fields it
/// skips may have any shape, escape or nesting; the body must still be one UTF-8 JSON value.
#[test]
fn envelope_reading_table() {
    let deep = format!(
        r#"{{"order":{{"amount":1}},"x":{}1{}}}"#,
        "[".repeat(1000),
        "]".repeat(1000)
    );
    let deep_twice = format!(
        r#"{{"x":{}{{"k":1,"k":2}}{},"order":{{"amount":1}},"order":{{"amount":1}}}}"#,
        "[".repeat(300),
        "]".repeat(300)
    );
    // Ten thousand members and a repeated one: folding is linear in the members.
    let many_keys = format!(
        r#"{{{}"order":{{"amount":2}},"order":{{"amount":2}}}}"#,
        (0..10_000)
            .map(|i| format!(r#""k{i}":{i},"#))
            .collect::<String>()
    );
    /// A body, and the amount it reads as or a part of the error.
    type Row<'a> = (&'a [u8], Result<Option<u64>, &'a str>);
    let rows: &[Row<'_>] = &[
        (br#"{"order":{"amount":150000}}"#, Ok(Some(150_000))),
        (br#"{"order":{"amount":"10000.00"}}"#, Ok(Some(10_000))),
        // Blanks around a numeric string's digits are ignored, as around a status.
        (br#"{"order":{"amount":" 150000\t"}}"#, Ok(Some(150_000))),
        (br#"{"order":{"amount":"1 50000"}}"#, Err("`order.amount`: ")),
        (br#"{"order":{"amount":1},"x":"\ud800"}"#, Ok(Some(1))),
        (deep.as_bytes(), Ok(Some(1))),
        (
            br#"{"order":{"amount":1,"extra":{"a":[1,2,{"b":null}]}}}"#,
            Ok(Some(1)),
        ),
        (br#"{}"#, Ok(None)),
        (
            b"{\"order\":{\"amount\":1},\"x\":\"\xff\"}",
            Err("not UTF-8 at byte 27"),
        ),
        (
            br#"{"order":{"amount":1}} trailing"#,
            Err("trailing characters"),
        ),
        (br#"{"order":{"amount":-1}}"#, Err("`order.amount`: ")),
        (br#"{"order":{"amount":[1]}}"#, Err("`order.amount`: ")),
        // Liberal: a text field sent as a number is its text; an unexpected shape is absent.
        (br#"{"channel":{"id":7},"order":{"amount":5}}"#, Ok(Some(5))),
        (
            br#"{"channel":"EMONEY_X","order":{"amount":5,"invoice_number":42}}"#,
            Ok(Some(5)),
        ),
        (
            br#"{"order":[1,2],"transaction":{"status":1,"date":20210127}}"#,
            Ok(None),
        ),
        (
            br#"{"transaction":"SUCCESS","service":[{"id":"EMONEY"}]}"#,
            Ok(None),
        ),
        (
            br#"{"order":{"invoice_number":"\ud800"}}"#,
            Err("`order.invoice_number`: "),
        ),
        (br#"{"order":"#, Err("EOF")),
        // A key written twice (RFC 8259 leaves its meaning to the reader): copies that agree
        // are read once; copies that differ make the field absent, as an unexpected shape
        // does (an authentic body is not refused for a field it did not need). Found by the
        // envelope fuzz target's long run, once refused whole.
        (
            br#"{"order":{"amount":-74},"order":{"invoice_number":"INV-1","@amount":-7}}"#,
            Ok(None),
        ),
        (
            br#"{"order":{"amount":1},"order":{"invoice_number":"INV-1"}}"#,
            Ok(None),
        ),
        (br#"{"order":{"amount":-1,"amount":1}}"#, Ok(None)),
        (br#"{"order":{"amount":1},"order":{"amount":2}}"#, Ok(None)),
        (
            br#"{"order":{"invoice_number":"LINKAJA23052595","amount":"0000000000000000000000000000000000000000000000000143355833463931341111.00"},"order":{}}"#,
            Ok(None),
        ),
        (br#"{"order":{"amount":7,"amount":7}}"#, Ok(Some(7))),
        (
            br#"{"order":{"amount":7},"order":{"amount":7},"x":1,"x":2}"#,
            Ok(Some(7)),
        ),
        (
            br#"{"transaction":{"date":"a","date":"b"},"order":{"amount":7}}"#,
            Ok(Some(7)),
        ),
        (
            br#"{"order":{"amount":3},"x":[{"k":1,"k":2}],"x":[{"k":1,"k":3}]}"#,
            Ok(Some(3)),
        ),
        // Copies agree as JSON values: members in another order, a character escaped. A
        // number is compared as written.
        (
            br#"{"order":{"amount":5,"invoice_number":"I"},"order":{"invoice_number":"I","amount":5}}"#,
            Ok(Some(5)),
        ),
        (
            br#"{"order":{"amount":6},"transaction":{"status":"SUCCESS","status":"\u0053UCCESS"}}"#,
            Ok(Some(6)),
        ),
        (br#"{"order":{"amount":5,"amount":5.0}}"#, Ok(None)),
        // Deeper than the envelope's objects, the text is kept as written: repeated keys
        // there are skipped like any unknown member, however deep.
        (deep_twice.as_bytes(), Ok(Some(1))),
        (many_keys.as_bytes(), Ok(Some(2))),
        // Copies that agree are still read: a bad amount is refused.
        (
            br#"{"order":{"amount":-1,"amount":-1}}"#,
            Err("`order.amount`: amount must not be negative"),
        ),
        // A byte order mark before the object is skipped (RFC 8259: a reader may ignore it).
        (b"\xef\xbb\xbf{\"order\":{\"amount\":4}}", Ok(Some(4))),
        (b"\xef\xbb\xbf[]", Err("body must be a JSON object")),
    ];
    for (body, want) in rows {
        let got = doku_pay_core::notification::Envelope::from_json_bytes(body);
        let text = String::from_utf8_lossy(body);
        match (&got, want) {
            (Ok(e), Ok(amount)) => assert_eq!(
                e.order.as_ref().and_then(|o| o.amount).map(|a| a.rupiah()),
                *amount,
                "{text}"
            ),
            (Err(e), Err(part)) => assert!(e.to_string().contains(part), "{text}: {e}"),
            _ => panic!("{text}: got {got:?}, want {want:?}"),
        }
    }
}

/// The identifiers a channel reads follow the envelope's reading of a repeated key: one copy
/// where the copies agree, none where they differ (a `Value` would keep the last).
#[test]
fn identifiers_of_a_body_with_repeated_keys() {
    let ids = |x: &str| -> Vec<(String, String)> {
        let body = format!(
            r#"{{"order":{{"invoice_number":"I","amount":1}},"transaction":{{"status":"SUCCESS"}},"p":{{"identifier":[{{"name":"ORDER_ID","value":"A"}}]}},{x}}}"#
        );
        verified(body.as_bytes())
            .identifiers_at(&["p.identifier"])
            .into_iter()
            .map(|i| (i.name, i.value))
            .collect()
    };
    let a = vec![("ORDER_ID".to_owned(), "A".to_owned())];
    assert_eq!(ids(r#""q":1"#), a, "no repeat");
    assert_eq!(
        ids(r#""p":{"identifier":[{"value":"A","name":"ORDER_ID"}]}"#),
        a,
        "copies that agree"
    );
    assert_eq!(
        ids(r#""p":{"identifier":[{"name":"ORDER_ID","value":"B"}]}"#),
        [],
        "copies that differ"
    );
}
