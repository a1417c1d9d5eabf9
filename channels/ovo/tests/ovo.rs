//! OVO Push Payment from fixtures: the checksum of DOKU's worked example, the unified request
//! on the wire, every rule (errors name unified fields), the lenient answer reader through
//! the real transport against the mock DOKU, the endpoint's policy, and the JSON Schema
//! agreeing with the rules.

use doku_pay_core::{
    Amount, Call, ClientId, Customer, Error, Merchant, PaymentChannel, PaymentRequest,
    PaymentStatus, Registry, SecretKey,
};
use doku_pay_ovo::{DESCRIPTOR, Ovo, PAYMENT_PATH, wire};
use doku_pay_testkit::MockDoku;
use serde_json::{Value, json};

fn merchant(client_id: &str, secret: &str) -> Merchant {
    Merchant::new(
        ClientId::new(client_id).unwrap(),
        SecretKey::new(secret).unwrap(),
    )
}

fn request(invoice: &str, amount: u64, ovo_id: Option<&str>) -> PaymentRequest {
    PaymentRequest {
        request_id: None,
        invoice_number: invoice.into(),
        amount: Amount::new(amount).unwrap(),
        line_items: Vec::new(),
        callback_url: None,
        customer: Customer {
            wallet_account: ovo_id.map(str::to_owned),
            ..Customer::default()
        },
        merchant_reference: None,
        notification_url: None,
        additional_info: Default::default(),
    }
}

#[test]
fn the_docs_worked_example_checksum_and_the_wire_body() {
    let m = merchant("MCH-0001-10791114622547", "SK-9sCrJ1kdYUJAYlsJKlqz");
    let wire = Ovo::to_wire(
        &request("MINV20201231468", 10_000, Some("081211111111")),
        &m,
    )
    .expect("valid");
    assert_eq!(
        wire["security"]["check_sum"],
        "641ba73256296e800d9ca6e72cddf136b0bde9835aa29d35e0bc65a1974179fa"
    );
    let call: Call<_> = Ovo
        .create(
            &request("MINV20201231468", 10_000, Some("081211111111")),
            &m,
        )
        .unwrap();
    let sent: Value = serde_json::from_slice(call.body()).unwrap();
    assert_eq!(
        sent,
        json!({
            "client": {"id": "MCH-0001-10791114622547"},
            "order": {"invoice_number": "MINV20201231468", "amount": 10000},
            "ovo_info": {"ovo_id": "081211111111"},
            "security": {"check_sum": "641ba73256296e800d9ca6e72cddf136b0bde9835aa29d35e0bc65a1974179fa"}
        })
    );
    // The secret is in no part of the call.
    assert!(!format!("{call:?}").contains("SK-9s"));
    assert_eq!(call.endpoint().path, PAYMENT_PATH);
    assert_eq!(
        call.endpoint().timeout_secs,
        Some(90),
        "OVO answers after up to 70 s"
    );
}

#[test]
fn every_rule_names_the_unified_field() {
    let long = "I".repeat(65);
    let rows: Vec<(&str, PaymentRequest, Vec<&str>)> = vec![
        (
            "valid",
            request("INV-1", 10_000, Some("081211111111")),
            vec![],
        ),
        (
            "no OVO id",
            request("INV-1", 10_000, None),
            vec!["customer.wallet_account: required"],
        ),
        (
            "OVO id with a +",
            request("INV-1", 10_000, Some("+6281211111111")),
            vec!["customer.wallet_account: digits only"],
        ),
        (
            "invoice of 65 characters",
            request(&long, 10_000, Some("0812")),
            vec!["invoice_number: max 64 characters"],
        ),
        (
            "blank invoice",
            request(" ", 10_000, Some("0812")),
            vec!["invoice_number: required"],
        ),
        (
            "64 characters and a 30-digit OVO id (no length limit is documented)",
            request(&"I".repeat(64), 10_000, Some(&"0".repeat(30))),
            vec![],
        ),
        (
            "zero amount",
            request("INV-1", 0, Some("0812")),
            vec!["amount: must be at least 1 for ovo"],
        ),
        (
            "fields OVO has no place for",
            PaymentRequest {
                callback_url: Some("https://shop.example/back".into()),
                customer: Customer {
                    name: Some("Anton".into()),
                    wallet_account: Some("0812".into()),
                    ..Customer::default()
                },
                ..request("INV-1", 10_000, None)
            },
            vec![
                "callback_url: not offered by OVO",
                "customer.name: not offered by OVO",
            ],
        ),
    ];
    for (name, req, want) in rows {
        let got: Vec<String> = match Ovo.validate_create(&req) {
            Ok(()) => vec![],
            Err(Error::Validation(v)) => v
                .iter()
                .map(|v| format!("{}: {}", v.field, v.rule))
                .collect(),
            Err(e) => panic!("{name}: {e}"),
        };
        assert_eq!(got, want, "{name}");
    }
}

#[tokio::test]
async fn answers_are_read_leniently_through_the_transport() {
    // Answer, and what the caller sees.
    let rows: Vec<(&str, Value, &str)> = vec![
        (
            "ovo_payment.status SUCCESS, order echoed",
            json!({"order": {"invoice_number": "INV-OVO-1", "amount": 10000},
                   "ovo_payment": {"status": "SUCCESS", "approval_code": "123"}}),
            "SUCCESS",
        ),
        (
            "transaction.status only",
            json!({"transaction": {"status": "FAILED"}}),
            "FAILED",
        ),
        (
            "status in lower case",
            json!({"ovo_payment": {"status": "timeout"}}),
            "TIMEOUT",
        ),
        (
            "amount as a decimal string, unknown fields",
            json!({"order": {"amount": "10000.00"}, "ovo_payment": {"status": "SUCCESS"}, "x": [1]}),
            "SUCCESS",
        ),
        (
            "no status anywhere",
            json!({"order": {"invoice_number": "INV-OVO-1"}}),
            "undecodable",
        ),
        (
            "another invoice",
            json!({"order": {"invoice_number": "INV-OTHER"}, "ovo_payment": {"status": "SUCCESS"}}),
            "untrusted",
        ),
        (
            "another amount",
            json!({"order": {"amount": 1}, "ovo_payment": {"status": "SUCCESS"}}),
            "untrusted",
        ),
    ];
    for (name, answer, want) in rows {
        let mock = MockDoku::start(&[(PAYMENT_PATH, serde_json::to_vec(&answer).unwrap())]).await;
        let got = match mock
            .api()
            .create(&Ovo, &request("INV-OVO-1", 10_000, Some("0812")))
            .await
        {
            Ok(p) => {
                assert_eq!(
                    (p.invoice_number.as_str(), p.amount.rupiah()),
                    ("INV-OVO-1", 10_000)
                );
                assert_eq!(p.next_action, None, "{name}: a push has no redirect");
                p.status.as_str().to_owned()
            }
            Err(Error::Undecodable { raw, .. }) => {
                assert_eq!(
                    serde_json::from_str::<Value>(&raw).unwrap(),
                    answer,
                    "{name}"
                );
                "undecodable".into()
            }
            Err(Error::Untrusted { .. }) => "untrusted".into(),
            Err(e) => panic!("{name}: {e}"),
        };
        assert_eq!(got, want, "{name}");
        let received = mock.received();
        assert_eq!(received.len(), 1, "{name}");
        assert!(received[0].signature_ok, "{name}");
        assert_eq!(
            received[0].body["client"]["id"],
            doku_pay_testkit::CLIENT_ID,
            "{name}"
        );
    }
}

#[test]
fn registered_with_its_policy_and_capabilities() {
    let ovo = Registry::global().get("ovo").expect("registered");
    assert_eq!(ovo.descriptor().channel_code, "EMONEY_OVO");
    assert_eq!(
        Registry::global()
            .by_channel_code("EMONEY_OVO")
            .unwrap()
            .descriptor()
            .id,
        "ovo"
    );
    assert!(!DESCRIPTOR.capabilities.cancel);
    let m = merchant("MCH-1", "SK-1");
    let cancel = serde_json::from_value(json!({"invoice_number": "INV-1"})).unwrap();
    assert!(matches!(
        ovo.cancel(&cancel, &m),
        Err(Error::Unsupported { .. })
    ));
    let refund = serde_json::from_value(
        json!({"invoice_number": "INV-1", "refund_reference": "R-1", "amount": {"type": "full"}}),
    )
    .unwrap();
    assert!(matches!(
        ovo.refund(&refund, &m),
        Err(Error::Unsupported { .. })
    ));
    let notification = doku_pay_testkit::verified_notification(
        br#"{"channel":{"id":"EMONEY_OVO"},"order":{"invoice_number":"INV-1","amount":10000},"transaction":{"status":"SUCCESS"}}"#,
        "/hooks",
    );
    let n = ovo.parse_notification(&notification).expect("maps");
    assert_eq!(
        (n.channel.as_deref(), n.status),
        (Some("ovo"), PaymentStatus::Success)
    );
}

#[test]
fn the_schema_agrees_with_the_rules() {
    let schema = serde_json::to_value(wire::PAYMENT_RULES.schema("T")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let valid = json!({
        "client": {"id": "MCH-1"},
        "order": {"invoice_number": "INV-1", "amount": 10000},
        "ovo_info": {"ovo_id": "0812"},
        "security": {"check_sum": "ab"}
    });
    let mutate = |pointer: &str, value: Option<Value>| {
        let mut doc = valid.clone();
        doku_pay_testkit::set(&mut doc, pointer, value);
        doc
    };
    let rows = vec![
        ("valid", valid.clone()),
        ("no client", mutate("/client", None)),
        ("blank client id", mutate("/client/id", Some(json!("")))),
        (
            "invoice of 65",
            mutate("/order/invoice_number", Some(json!("I".repeat(65)))),
        ),
        ("no amount", mutate("/order/amount", None)),
        ("amount 1.5", mutate("/order/amount", Some(json!(1.5)))),
        (
            "ovo id with letters",
            mutate("/ovo_info/ovo_id", Some(json!("08a"))),
        ),
        ("no ovo id", mutate("/ovo_info/ovo_id", None)),
        (
            "checksum of 65",
            mutate("/security/check_sum", Some(json!("a".repeat(65)))),
        ),
        ("no security", mutate("/security", None)),
    ];
    for (name, doc) in rows {
        let by_schema = validator.is_valid(&doc);
        let by_code = wire::PAYMENT_RULES.check(&doc).is_ok();
        assert_eq!(by_schema, by_code, "{name}: {doc}");
        assert_eq!(by_code, name == "valid", "{name}");
    }
    // And on generated edits of the same body.
    doku_pay_testkit::rules_agree_with_schema("payment", &wire::PAYMENT_RULES, &valid);
}
