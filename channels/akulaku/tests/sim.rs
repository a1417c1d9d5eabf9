//! Akulaku against the simulator, through real HTTP on 127.0.0.1.

use doku_pay_akulaku::{Akulaku, CANCEL_PATH, CREATE_PATH, REFUND_PATH};
use doku_pay_core::{
    CancelRequest, Client, Error, OperationStatus, PaymentChannel, PaymentRequest, PaymentStatus,
    RefundAmount, RefundRequest,
};
use doku_pay_sim::{FaultConfig, OrderStatus, Outcome};
use doku_pay_testkit::sim::{NOTIFY_PATH, Receiver, api, post_raw, start_notifying, verifier};
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
    serde_json::from_str(include_str!("fixtures/generate-order-request.json")).expect("fixture")
}

fn cancel_req(p: &doku_pay_core::Payment) -> CancelRequest {
    CancelRequest {
        request_id: None,
        invoice_number: p.invoice_number.clone(),
        merchant_reference: p.merchant_reference.clone(),
        identifiers: p.identifiers.clone(),
    }
}

fn refund_req(p: &doku_pay_core::Payment, refund_ref: &str) -> RefundRequest {
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
    let sim = start_notifying(&receiver, FaultConfig::default()).await;
    let api = api(&sim);

    let p1 = api.create(&Akulaku, &request("INV-AK-1")).await.unwrap();
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
    let err = api
        .create(&Akulaku, &request("INV-AK-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Doku(d) if d.status == 422 && d.code.as_deref() == Some("duplicate_invoice_number")),
        "{err:?}"
    );
    // Refund of a pending order fails (200, FAILED, as the guide documents); cancel
    // succeeds once, then fails.
    let r = api
        .refund(&Akulaku, &refund_req(&p1, "RF-1"))
        .await
        .unwrap();
    assert_eq!(
        (r.refund_status, r.payment_status),
        (OperationStatus::Failed, PaymentStatus::Pending)
    );
    let c = api.cancel(&Akulaku, &cancel_req(&p1)).await.unwrap();
    assert_eq!(c.cancel_status, OperationStatus::Success);
    assert_eq!(
        sim.order("INV-AK-1").unwrap().status,
        OrderStatus::Cancelled
    );
    // `payment.date` is the order's expiry (yyyyMMddHHmmss, UTC+7): the simulator's orders
    // live 24 hours; the cancellation's own date is `cancel.date`.
    let expires = c.payment_expires_at.expect("expiry");
    let lifetime = expires - time::OffsetDateTime::now_utc();
    assert!(
        (lifetime - time::Duration::hours(24)).abs() < time::Duration::minutes(5),
        "{expires}"
    );
    assert!(c.date.is_some_and(|d| d < expires));
    let c = api.cancel(&Akulaku, &cancel_req(&p1)).await.unwrap();
    assert_eq!(
        (c.cancel_status, c.payment_status),
        (OperationStatus::Failed, PaymentStatus::Cancelled)
    );
    // Check Status shows DOKU's FAILED for a cancelled order (no CANCELLED status).
    assert_eq!(
        api.check_status("INV-AK-1").await.unwrap().status,
        PaymentStatus::Failed
    );

    // Paid, notified, refunded once.
    let p2 = api.create(&Akulaku, &request("INV-AK-2")).await.unwrap();
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
    // The envelope and what DOKU's paylater notification sample adds.
    let mut keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "acquirer",
            "channel",
            "order",
            "payment",
            "peer_to_peer_info",
            "service",
            "transaction"
        ]
    );
    assert_eq!(
        j["payment"]["merchant_unique_reference"],
        j["peer_to_peer_info"]["merchant_unique_reference"]
    );
    let n = Akulaku.parse_notification(&verified).unwrap();
    // The identifiers the create answer gave, for cancel and refund.
    assert_eq!(n.identifiers, p2.identifiers);
    assert_eq!(
        (n.invoice_number.as_str(), n.amount.rupiah()),
        ("INV-AK-2", 90_000)
    );
    assert_eq!(n.status, PaymentStatus::Success);
    assert_eq!(
        n.original_request_id.as_deref(),
        Some(p2.request_id.as_str())
    );

    let c = api.cancel(&Akulaku, &cancel_req(&p2)).await.unwrap();
    assert_eq!(
        (c.cancel_status, c.payment_status),
        (OperationStatus::Failed, PaymentStatus::Success)
    );
    let r = api
        .refund(&Akulaku, &refund_req(&p2, "RF-2"))
        .await
        .unwrap();
    assert_eq!(r.refund_status, OperationStatus::Success);
    assert_eq!(r.refund_reference.as_deref(), Some("RF-2"));
    let again = api
        .refund(&Akulaku, &refund_req(&p2, "RF-2b"))
        .await
        .unwrap();
    assert_eq!(
        (again.refund_status, again.payment_status),
        (OperationStatus::Failed, PaymentStatus::Refunded)
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
        api.create(&Akulaku, &request(inv)).await.unwrap();
        sim.complete(inv, outcome).unwrap();
        assert_eq!(api.check_status(inv).await.unwrap().status, status, "{inv}");
    }
}

#[tokio::test]
async fn amounts_that_are_not_whole_numbers_are_refused_with_their_field_path() {
    let receiver = Receiver::start(Vec::new()).await;
    let sim = start_notifying(&receiver, FaultConfig::default()).await;
    // The guide: "number ... In IDR currency and without decimal ... Max length: 12".
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "fraction of a rupiah",
            json!(90000.5),
            "order.amount: must be a whole number",
        ),
        (
            "a string",
            json!("90000"),
            "order.amount: must be a whole number",
        ),
        (
            "13 digits",
            json!(1_000_000_000_000u64),
            "order.amount: max 12 digits",
        ),
        (
            "negative",
            json!(-90000),
            "order.amount: must be a whole number",
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
        // The amount's own rule first (a 13-digit amount also breaks the line items' sum).
        let messages = r.messages();
        assert_eq!(messages.first().map(String::as_str), Some(reason), "{name}");
    }
    assert_eq!(sim.stats().orders, 0);
}

#[tokio::test]
async fn failed_cancels_and_refunds_are_200_failed_results_through_the_client() {
    let receiver = Receiver::start(Vec::new()).await;
    let sim = start_notifying(&receiver, FaultConfig::default()).await;
    let client = Client::from_api(api(&sim));
    let create = |inv: &'static str| {
        let client = client.clone();
        async move { client.create("akulaku", &request(inv)).await.unwrap() }
    };
    let pending = create("INV-AKF-PENDING").await;
    let paid = create("INV-AKF-PAID").await;
    let cancelled = create("INV-AKF-CANCELLED").await;
    let expired = create("INV-AKF-EXPIRED").await;
    let refunded = create("INV-AKF-REFUNDED").await;
    sim.complete("INV-AKF-PAID", Outcome::Paid).unwrap();
    sim.complete("INV-AKF-EXPIRED", Outcome::Expired).unwrap();
    sim.complete("INV-AKF-REFUNDED", Outcome::Paid).unwrap();
    let c = client
        .cancel("akulaku", &cancel_req(&cancelled))
        .await
        .unwrap();
    assert_eq!(c.cancel_status, OperationStatus::Success);
    let r = client
        .refund("akulaku", &refund_req(&refunded, "RF-AKF-1"))
        .await
        .unwrap();
    assert_eq!(r.refund_status, OperationStatus::Success);
    let unknown = doku_pay_core::Payment {
        invoice_number: "INV-AKF-NONE".into(),
        merchant_reference: Some("MUR-INV-AKF-NONE".into()),
        ..pending.clone()
    };
    let before = sim.stats();

    // Cancels: (what, payment, expected payment status, expected message).
    let cancels = [
        ("unknown order", &unknown, None, "Order Not Found"),
        (
            "paid order",
            &paid,
            Some(PaymentStatus::Success),
            "Order is paid: only a pending order can be cancelled",
        ),
        (
            "cancelled order",
            &cancelled,
            Some(PaymentStatus::Cancelled),
            "Order is cancelled: only a pending order can be cancelled",
        ),
        (
            "expired order",
            &expired,
            Some(PaymentStatus::Failed),
            "Order is expired: only a pending order can be cancelled",
        ),
    ];
    for (name, p, payment_status, message) in cancels {
        let c = client.cancel("akulaku", &cancel_req(p)).await;
        let c = c.unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(c.cancel_status, OperationStatus::Failed, "{name}");
        assert_eq!(c.message.as_deref(), Some(message), "{name}");
        assert_eq!(c.invoice_number, p.invoice_number, "{name}");
        if let Some(s) = payment_status {
            assert_eq!(c.payment_status, s, "{name}");
        }
        assert_eq!(c.raw["cancel"]["status"], "FAILED", "{name}");
    }
    // Refunds: (what, payment, refund reference, expected payment status).
    let refunds = [
        ("unknown order", &unknown, "RF-AKF-2", None),
        (
            "pending order",
            &pending,
            "RF-AKF-3",
            Some(PaymentStatus::Pending),
        ),
        (
            "cancelled order",
            &cancelled,
            "RF-AKF-4",
            Some(PaymentStatus::Cancelled),
        ),
        (
            "expired order",
            &expired,
            "RF-AKF-5",
            Some(PaymentStatus::Failed),
        ),
        (
            "refunded under another reference",
            &refunded,
            "RF-AKF-6",
            Some(PaymentStatus::Refunded),
        ),
    ];
    for (name, p, reference, payment_status) in refunds {
        let r = client.refund("akulaku", &refund_req(p, reference)).await;
        let r = r.unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(r.refund_status, OperationStatus::Failed, "{name}");
        assert_eq!(r.refund_reference.as_deref(), Some(reference), "{name}");
        if let Some(s) = payment_status {
            assert_eq!(r.payment_status, s, "{name}");
        }
    }
    // Nothing changed.
    for (inv, status) in [
        ("INV-AKF-PENDING", OrderStatus::Pending),
        ("INV-AKF-PAID", OrderStatus::Paid),
        ("INV-AKF-CANCELLED", OrderStatus::Cancelled),
        ("INV-AKF-EXPIRED", OrderStatus::Expired),
        ("INV-AKF-REFUNDED", OrderStatus::Refunded),
    ] {
        assert_eq!(sim.order(inv).unwrap().status, status, "{inv}");
    }
    assert_eq!(sim.stats().orders, before.orders);
    // The same refund asked again (a new Request-Id): its success answer again.
    let r = client
        .refund("akulaku", &refund_req(&refunded, "RF-AKF-1"))
        .await
        .unwrap();
    assert_eq!(
        (r.refund_status, r.payment_status),
        (OperationStatus::Success, PaymentStatus::Refunded)
    );

    // On the wire: HTTP 200 (signed), the guide's cancel shape with `error` beside `cancel`,
    // and an idempotent 409 replay of the same FAILED answer.
    let body = json!({"order": {"invoice_number": "INV-AKF-NONE"},
                      "payment": {"merchant_unique_reference": "MUR-NONE"}});
    let body = serde_json::to_vec(&body).unwrap();
    let r = post_raw(&sim, CANCEL_PATH, &body, "akf-none").await;
    assert_eq!(r.status, 200);
    let j = r.json();
    assert_eq!(j["cancel"]["status"], "FAILED");
    assert_eq!(j["error"]["message"], "Order Not Found");
    assert_eq!(j["order"]["invoice_number"], "INV-AKF-NONE");
    let again = post_raw(&sim, CANCEL_PATH, &body, "akf-none").await;
    assert_eq!((again.status, again.body), (409, r.body));
    let body = json!({"order": {"invoice_number": "INV-AKF-PENDING"},
                      "payment": {"merchant_unique_reference": "MUR-INV-AKF-PENDING",
                                  "identifier": [{"name": "ORDER_ID", "value": "1"}]},
                      "refund": {"merchant_unique_reference": "RF-AKF-7"}});
    let r = post_raw(
        &sim,
        REFUND_PATH,
        &serde_json::to_vec(&body).unwrap(),
        "akf-rf",
    )
    .await;
    assert_eq!(r.status, 200);
    let j = r.json();
    assert_eq!(
        (&j["refund"]["status"], &j["payment"]["status"]),
        (&json!("FAILED"), &json!("PENDING"))
    );
    // Check Status: a cancelled order is FAILED, one of DOKU's documented statuses.
    let s = client.check_status("INV-AKF-CANCELLED").await.unwrap();
    assert_eq!(s.status, PaymentStatus::Failed);
    assert_eq!(s.raw["transaction"]["status"], "FAILED");
}
