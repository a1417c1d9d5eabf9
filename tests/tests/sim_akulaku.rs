//! Akulaku against the simulator, through real HTTP on 127.0.0.1.

use doku_akulaku::{Akulaku, CANCEL_PATH, CREATE_PATH, REFUND_PATH};
use doku_core::{
    CancelRequest, Error, OperationStatus, PaymentChannel, PaymentRequest, PaymentStatus,
    RefundAmount, RefundRequest,
};
use doku_sim::{FaultConfig, OrderStatus, Outcome};
use doku_tests::{NOTIFY_PATH, Receiver, api, post_raw, start_sim, verifier};
use serde_json::{Value, json};

fn request(invoice: &str) -> PaymentRequest {
    serde_json::from_value(json!({
        "invoice_number": invoice,
        "amount": 90000,
        "line_items": [
            {"name": "T-Shirt Red", "price": 30000, "quantity": 2, "sku": "1002", "category": "Shirt"},
            {"name": "Polo Navy", "price": 30000, "quantity": 1, "sku": "1001", "category": "Shirt"}
        ],
        "callback_url": "https://merchant.com/return-url",
        "merchant_reference": format!("MUR-{invoice}"),
        "customer": {"id": "CUST-0001", "name": "Anton Budiman", "phone": "6285694566147",
                     "city": "", "state": "", "postcode": ""}
    }))
    .unwrap()
}

/// The guide's generate-order sample as raw JSON.
fn guide_body() -> Value {
    json!({
        "order": {
            "invoice_number": "INV-20210707-0001",
            "amount": 90000,
            "line_items": [
                {"name": "T-Shirt Red", "price": 30000, "quantity": 2, "sku": "1002", "category": "Shirt"},
                {"name": "Polo Navy", "price": 30000, "quantity": 1, "sku": "1001", "category": "Shirt"}
            ],
            "callback_url": "https://merchant.com/return-url"
        },
        "payment": {"merchant_unique_reference": "MUR-20210707-0001"},
        "customer": {"id": "CUST-0001", "name": "Anton Budiman", "phone": "6285694566147",
                     "address": "Menara Mulia Lantai 8", "city": "Jakarta Selatan",
                     "state": "DKI Jakarta", "postcode": "120129"}
    })
}

fn cancel_req(p: &doku_core::Payment) -> CancelRequest {
    CancelRequest {
        request_id: None,
        invoice_number: p.invoice_number.clone(),
        merchant_reference: p.merchant_reference.clone(),
        identifiers: p.identifiers.clone(),
    }
}

fn refund_req(p: &doku_core::Payment, refund_ref: &str) -> RefundRequest {
    RefundRequest {
        request_id: None,
        invoice_number: p.invoice_number.clone(),
        merchant_reference: p.merchant_reference.clone(),
        identifiers: p.identifiers.clone(),
        refund_reference: refund_ref.to_owned(),
        amount: RefundAmount::Full,
    }
}

#[tokio::test]
async fn generate_cancel_refund_and_notifications() {
    let receiver = Receiver::start(Vec::new()).await;
    let sim = start_sim(&receiver, FaultConfig::default()).await;
    let api = api(&sim);

    let p1 = Akulaku.create(&api, &request("INV-AK-1")).await.unwrap();
    assert_eq!(p1.status, PaymentStatus::Pending);
    assert_eq!(p1.amount.rupiah(), 90_000);
    assert_eq!(p1.merchant_reference.as_deref(), Some("MUR-INV-AK-1"));
    let names: Vec<&str> = p1.identifiers.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["ORDER_ID", "AKULAKU_UNIQUE_REFERENCE"]);
    assert!(
        p1.raw["payment"]["url"]
            .as_str()
            .unwrap()
            .starts_with(sim.base_url())
    );

    // A duplicate invoice number is refused.
    let err = Akulaku
        .create(&api, &request("INV-AK-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Doku(d) if d.status == 422 && d.code.as_deref() == Some("duplicate_invoice_number")),
        "{err:?}"
    );
    // Refund of a pending order is refused; cancel succeeds once.
    let err = Akulaku
        .refund(&api, &refund_req(&p1, "RF-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Doku(d) if d.code.as_deref() == Some("order_not_paid")),
        "{err:?}"
    );
    let c = Akulaku.cancel(&api, &cancel_req(&p1)).await.unwrap();
    assert_eq!(c.cancel_status, OperationStatus::Success);
    assert_eq!(
        sim.order("INV-AK-1").unwrap().status,
        OrderStatus::Cancelled
    );
    let err = Akulaku.cancel(&api, &cancel_req(&p1)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Doku(d) if d.code.as_deref() == Some("invalid_state")),
        "{err:?}"
    );

    // Paid, notified, refunded once.
    let p2 = Akulaku.create(&api, &request("INV-AK-2")).await.unwrap();
    sim.complete("INV-AK-2", Outcome::Paid).unwrap();
    let got = receiver.wait_for(1).await;
    assert_eq!(got.len(), 1);
    let verified = verifier()
        .verify(&got[0].1, NOTIFY_PATH, &got[0].2)
        .unwrap();
    assert_eq!(verified.channel_code(), Some("PEER_TO_PEER_AKULAKU"));
    let j: Value = serde_json::from_slice(&got[0].2).unwrap();
    assert_eq!(j["service"]["id"], "PEER_TO_PEER");
    assert_eq!(j["acquirer"]["id"], "AKULAKU");
    assert_eq!(
        j["peer_to_peer_info"]["merchant_unique_reference"],
        "MUR-INV-AK-2"
    );
    let n = Akulaku.parse_notification(&verified).unwrap();
    assert_eq!(
        (n.invoice_number.as_str(), n.amount.rupiah()),
        ("INV-AK-2", 90_000)
    );
    assert_eq!(n.status, PaymentStatus::Success);
    assert_eq!(
        n.original_request_id.as_deref(),
        Some(p2.request_id.as_str())
    );

    let err = Akulaku.cancel(&api, &cancel_req(&p2)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Doku(d) if d.code.as_deref() == Some("invalid_state")),
        "{err:?}"
    );
    let r = Akulaku
        .refund(&api, &refund_req(&p2, "RF-2"))
        .await
        .unwrap();
    assert_eq!(r.refund_status, OperationStatus::Success);
    assert_eq!(r.refund_reference.as_deref(), Some("RF-2"));
    let err = Akulaku
        .refund(&api, &refund_req(&p2, "RF-2b"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Doku(d) if d.code.as_deref() == Some("already_refunded")),
        "{err:?}"
    );
    assert_eq!(
        api.check_status("INV-AK-2").await.unwrap().status,
        PaymentStatus::Refunded
    );

    // Failed and expired.
    for (inv, outcome, status) in [
        ("INV-AK-3", Outcome::Failed, PaymentStatus::Failed),
        ("INV-AK-4", Outcome::Expired, PaymentStatus::Expired),
    ] {
        Akulaku.create(&api, &request(inv)).await.unwrap();
        sim.complete(inv, outcome).unwrap();
        assert_eq!(api.check_status(inv).await.unwrap().status, status, "{inv}");
    }
}

#[tokio::test]
async fn simulator_enforces_every_generate_order_rule() {
    let receiver = Receiver::start(Vec::new()).await;
    let sim = start_sim(&receiver, FaultConfig::default()).await;
    // (name, edit of the guide's sample, expected reasons)
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit, Vec<&str>)> = vec![
        ("guide sample", |_| {}, vec![]),
        (
            "lengths",
            |b| {
                b["order"]["invoice_number"] = json!("I".repeat(65));
                b["order"]["line_items"][0]["name"] = json!("N".repeat(256));
                b["payment"]["merchant_unique_reference"] = json!("M".repeat(65));
                b["customer"]["id"] = json!("C".repeat(51));
                b["customer"]["name"] = json!("A".repeat(65));
                b["customer"]["address"] = json!("x".repeat(401));
                b["customer"]["city"] = json!("c".repeat(65));
                b["customer"]["state"] = json!("s".repeat(65));
            },
            vec![
                "order.invoice_number: max 64 characters",
                "order.line_items[0].name: max 255 characters",
                "payment.merchant_unique_reference: max 64 characters",
                "customer.id: max 50 characters",
                "customer.name: max 64 characters",
                "customer.address: max 400 characters",
                "customer.city: max 64 characters",
                "customer.state: max 64 characters",
            ],
        ),
        (
            "sum, quantity, sku, category",
            |b| {
                b["order"]["line_items"][1]["quantity"] = json!(10000);
                b["order"]["line_items"][0]["sku"] = json!("");
                b["order"]["line_items"][1]["category"] = json!(" ");
            },
            vec![
                "order.line_items[0].sku: required",
                "order.line_items[1].quantity: max 4 digits",
                "order.line_items[1].category: required",
                "order.line_items: sum of line items 300060000 != amount 90000",
            ],
        ),
        (
            "phone, postcode, callback",
            |b| {
                b["customer"]["phone"] = json!("+62 856 9456 6147 99");
                b["customer"]["postcode"] = json!("12-01");
                b["order"]["callback_url"] = json!("/relative");
            },
            vec![
                "order.callback_url: absolute http(s) URL",
                "customer.phone: digits only",
                "customer.phone: max 16 characters",
                "customer.postcode: digits only",
            ],
        ),
        (
            "mandatory fields missing",
            |b| {
                *b = json!({"order": {"amount": 5}});
            },
            vec![
                "order.invoice_number: required",
                "order.line_items: required",
                "order.callback_url: required",
                "payment.merchant_unique_reference: required",
                "customer.id: required",
                "customer.name: required",
                "customer.phone: required",
            ],
        ),
    ];
    for (i, (name, edit, expected)) in cases.into_iter().enumerate() {
        let mut body = guide_body();
        edit(&mut body);
        let r = post_raw(
            &sim,
            CREATE_PATH,
            &serde_json::to_vec(&body).unwrap(),
            &format!("ak-rule-{i}"),
        )
        .await;
        if expected.is_empty() {
            assert_eq!(
                r.status,
                200,
                "{name}: {}",
                String::from_utf8_lossy(&r.body)
            );
            // Shaped like the guide's sample answer.
            let j = r.json();
            assert_eq!(
                j["order"],
                json!({"invoice_number": "INV-20210707-0001", "amount": 90000})
            );
            assert_eq!(j["payment"]["status"], "PENDING");
            assert_eq!(
                j["payment"]["identifier"][1]["value"],
                "MCH-0001-10791114622547MUR-20210707-0001"
            );
            continue;
        }
        assert_eq!(r.status, 400, "{name}");
        let mut got = r.messages();
        let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{name}");
    }
    assert_eq!(sim.stats().orders, 1);
}

#[tokio::test]
async fn undecodable_amounts_are_refused_with_their_field_path() {
    let receiver = Receiver::start(Vec::new()).await;
    let sim = start_sim(&receiver, FaultConfig::default()).await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "fraction of a rupiah",
            json!("90000.50"),
            "order.amount: amount must be whole rupiah",
        ),
        (
            "13 digits",
            json!(1_000_000_000_000u64),
            "order.amount: amount must have at most 12 digits",
        ),
        (
            "negative",
            json!(-90000),
            "order.amount: amount must not be negative",
        ),
        (
            "not a number",
            json!("ninety"),
            "order.amount: amount must be a number",
        ),
    ];
    for (i, (name, amount, reason)) in cases.into_iter().enumerate() {
        let mut body = guide_body();
        body["order"]["amount"] = amount;
        let r = post_raw(
            &sim,
            CREATE_PATH,
            &serde_json::to_vec(&body).unwrap(),
            &format!("ak-amount-{i}"),
        )
        .await;
        assert_eq!(r.status, 400, "{name}");
        let messages = r.messages();
        assert!(
            messages.len() == 1 && messages[0].starts_with(reason),
            "{name}: {messages:?}"
        );
    }
    assert_eq!(sim.stats().orders, 0);
}

#[tokio::test]
async fn simulator_enforces_cancel_and_refund_rules() {
    let receiver = Receiver::start(Vec::new()).await;
    let sim = start_sim(&receiver, FaultConfig::default()).await;
    let cases: Vec<(&str, &str, Value, Vec<&str>)> = vec![
        (
            "cancel without reference",
            CANCEL_PATH,
            json!({"order": {"invoice_number": "INV-1"}, "payment": {}}),
            vec!["payment.merchant_unique_reference: required"],
        ),
        (
            "refund without identifiers, reusing the payment's reference",
            REFUND_PATH,
            json!({"order": {"invoice_number": "INV-1"},
                   "payment": {"merchant_unique_reference": "MUR-1"},
                   "refund": {"merchant_unique_reference": "MUR-1"}}),
            vec![
                "payment.identifier: required",
                "refund.merchant_unique_reference: must be a new reference, not the payment's",
            ],
        ),
        (
            "refund with an empty identifier",
            REFUND_PATH,
            json!({"order": {"invoice_number": ""},
                   "payment": {"merchant_unique_reference": "MUR-1", "identifier": [{"name": "ORDER_ID", "value": ""}]},
                   "refund": {"merchant_unique_reference": ""}}),
            vec![
                "order.invoice_number: required",
                "payment.identifier[0].value: required",
                "payment.identifier: must contain AKULAKU_UNIQUE_REFERENCE",
                "refund.merchant_unique_reference: required",
            ],
        ),
    ];
    for (i, (name, path, body, expected)) in cases.into_iter().enumerate() {
        let r = post_raw(
            &sim,
            path,
            &serde_json::to_vec(&body).unwrap(),
            &format!("ak-ref-{i}"),
        )
        .await;
        assert_eq!(r.status, 400, "{name}");
        assert_eq!(r.messages(), expected, "{name}");
    }
    // Well-formed, but no such order: DOKU's "Order Not Found".
    let body = json!({"order": {"invoice_number": "INV-NONE"},
                      "payment": {"merchant_unique_reference": "MUR-NONE"}});
    let r = post_raw(
        &sim,
        CANCEL_PATH,
        &serde_json::to_vec(&body).unwrap(),
        "ak-none",
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["message"], "Order Not Found");
}
