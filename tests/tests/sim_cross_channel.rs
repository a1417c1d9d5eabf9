//! Orders are bound to the channel they were made through, and the store is bounded in
//! bytes as well as in count.

use doku_pay_akulaku::{CANCEL_PATH, REFUND_PATH};
use doku_pay_linkaja::CREATE_PATH;
use doku_pay_sim::{FaultConfig, OrderStatus, Outcome, Simulator};
use doku_tests::{Receiver, config, post_raw, start_sim};
use serde_json::{Value, json};

fn linkaja_body(invoice: &str, override_url: Option<&str>) -> Vec<u8> {
    let mut v = json!({
        "order": {
            "invoice_number": invoice,
            "amount": 150000,
            "line_items": [{"name": "Roti", "price": 50000, "quantity": 3}],
            "callback_url": "https://merchant.example/return"
        },
        "customer": {"name": "Jessica Tessalonika", "phone": "081112345678"}
    });
    if let Some(u) = override_url {
        v["additional_info"] = json!({"override_notification_url": u});
    }
    serde_json::to_vec(&v).unwrap()
}

fn akulaku_ref_body(invoice: &str, refund: bool) -> Vec<u8> {
    let mut v = json!({
        "order": {"invoice_number": invoice},
        "payment": {
            "merchant_unique_reference": "MUR-ANY",
            "identifier": [
                {"name": "ORDER_ID", "value": "1000000000"},
                {"name": "AKULAKU_UNIQUE_REFERENCE", "value": "MCH-0001-10791114622547MUR-ANY"}
            ]
        }
    });
    if refund {
        v["refund"] = json!({"merchant_unique_reference": "RF-CROSS"});
    }
    serde_json::to_vec(&v).unwrap()
}

#[tokio::test]
async fn a_linkaja_order_cannot_be_cancelled_or_refunded_through_akulaku() {
    let receiver = Receiver::start(Vec::new()).await;
    let sim = start_sim(&receiver, FaultConfig::default()).await;
    let r = post_raw(
        &sim,
        CREATE_PATH,
        &linkaja_body("INV-X-1", None),
        "x-create-1",
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json());
    let before = sim.order("INV-X-1").unwrap();
    assert_eq!(before.channel, "linkaja");

    // Answered like an unknown order: 200 with the FAILED shape and DOKU's message.
    let refused = |r: &doku_tests::Raw| {
        assert_eq!(r.status, 200, "{:?}", r.json());
        assert_eq!(r.json()["error"]["message"], "Order Not Found");
        let j = r.json();
        let op = if j.get("cancel").is_some() {
            &j["cancel"]
        } else {
            &j["refund"]
        };
        assert_eq!(op["status"], "FAILED", "{j}");
    };
    let r = post_raw(
        &sim,
        CANCEL_PATH,
        &akulaku_ref_body("INV-X-1", false),
        "x-cancel-1",
    )
    .await;
    refused(&r);
    assert_eq!(
        sim.order("INV-X-1").unwrap(),
        before,
        "cancel changed nothing"
    );

    // Paid: a refund through the other channel is refused too.
    sim.complete("INV-X-1", Outcome::Paid).unwrap();
    let paid = sim.order("INV-X-1").unwrap();
    let r = post_raw(
        &sim,
        REFUND_PATH,
        &akulaku_ref_body("INV-X-1", true),
        "x-refund-1",
    )
    .await;
    refused(&r);
    let after = sim.order("INV-X-1").unwrap();
    assert_eq!(after.status, OrderStatus::Paid);
    assert_eq!(after.refund_reference, None);
    assert_eq!(after.status, paid.status);
}

#[tokio::test]
async fn store_is_bounded_in_bytes() {
    let receiver = Receiver::start(Vec::new()).await;
    let mut cfg = config(&receiver);
    cfg.max_store_bytes = 600 * 1024;
    let sim = Simulator::builder(cfg)
        .registered_channels()
        .start()
        .await
        .unwrap();
    // LinkAja documents no length for the invoice number nor the override URL: fill a
    // 64 KiB body with them.
    let big = |i: usize| {
        let inv = format!("INV-BIG-{i}-{}", "9".repeat(30 * 1024));
        let url = format!(
            "{}/payments/notifications?{}",
            receiver.url(),
            "q".repeat(30 * 1024)
        );
        (inv, url)
    };
    let mut created = 0;
    let mut full = None;
    for i in 0..20 {
        let (inv, url) = big(i);
        let r = post_raw(
            &sim,
            CREATE_PATH,
            &linkaja_body(&inv, Some(&url)),
            &format!("big-{i}"),
        )
        .await;
        if r.status == 507 {
            assert_eq!(r.json()["error"]["code"], "storage_full");
            full = Some(i);
            break;
        }
        assert_eq!(r.status, 200, "{:?}", r.json());
        created += 1;
    }
    let i = full.expect("a small byte budget fills up");
    assert!(created >= 1, "at least one large order fits");
    let stats = sim.stats();
    assert_eq!(stats.orders, created);
    assert_eq!(stats.requests, created);
    assert!(stats.estimated_bytes <= 600 * 1024, "{stats:?}");
    // Each order holds its invoice number at least three times (order, index, answer).
    assert!(stats.bytes_per_order >= 3 * 30 * 1024, "{stats:?}");
    // Refused again, without storing anything.
    let (inv, url) = big(i);
    let r = post_raw(
        &sim,
        CREATE_PATH,
        &linkaja_body(&inv, Some(&url)),
        &format!("big-{i}"),
    )
    .await;
    assert_eq!(r.status, 507);
    assert_eq!(sim.stats(), stats, "a refused create stores nothing");
    assert!(sim.order(&inv).is_err());
    // Small orders still fit once the space is freed.
    sim.reset();
    let r = post_raw(
        &sim,
        CREATE_PATH,
        &linkaja_body("INV-SMALL", None),
        "small-1",
    )
    .await;
    assert_eq!(r.status, 200);
    let _: Value = r.json();
}
