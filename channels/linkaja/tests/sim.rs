//! LinkAja against the simulator, through real HTTP on 127.0.0.1.

use doku_pay_core::{PaymentChannel, PaymentRequest, PaymentStatus, RequestId};
use doku_pay_linkaja::{CREATE_PATH, LinkAja};
use doku_pay_sim::{FaultConfig, Outcome};
use doku_pay_testkit::sim::{CAP, NOTIFY_PATH, Receiver, api, post_raw, start_notifying, verifier};
use serde_json::{Value, json};

fn request(invoice: &str, override_url: Option<String>) -> PaymentRequest {
    let mut v = json!({
        "invoice_number": invoice,
        "amount": 150000,
        "line_items": [{"name": "Roti", "price": 50000, "quantity": 3}],
        "callback_url": "https://merchant.example/return",
        "customer": {"name": "Jessica Tessalonika", "phone": "081112345678"}
    });
    if let Some(u) = override_url {
        v["notification_url"] = json!(u);
    }
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn create_complete_notify_and_check_status() {
    let receiver = Receiver::start(Vec::new()).await;
    let sim = start_notifying(&receiver, FaultConfig::default()).await;
    let api = api(&sim);
    let rid = RequestId::new("linkaja-create-0001").unwrap();
    let mut req = request("INV-LA-1", None);
    req.request_id = Some(rid.clone());
    let p = api.create(&LinkAja, &req).await.unwrap();
    assert_eq!(p.invoice_number, "INV-LA-1");
    assert_eq!(p.amount.rupiah(), 150_000);
    assert_eq!(p.status, PaymentStatus::Pending);
    assert!(!p.replayed);
    assert!(p.next_action.is_some(), "{p:?}");
    // The answer is shaped like the guide's sample: the amount as a decimal string.
    assert_eq!(p.raw["order"]["amount"], "150000.00");
    assert_eq!(p.raw["emoney_payment"]["redirect_method_http"], "POST");
    assert_eq!(
        p.raw["emoney_configuration"]["identifier"][0]["name"],
        "TERMINAL_ID"
    );
    // The same Request-Id and body: the original answer, read as a replay.
    let again = api.create(&LinkAja, &req).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.raw, p.raw);

    sim.complete("INV-LA-1", Outcome::Paid).unwrap();
    let got = receiver.wait_for(1).await;
    assert_eq!(got.len(), 1);
    let (path, headers, body) = &got[0];
    assert_eq!(path, NOTIFY_PATH);
    let verified = verifier().verify(headers, NOTIFY_PATH, body).unwrap();
    assert_eq!(verified.channel_code(), Some("EMONEY_LINKAJA"));
    let j: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(j["service"]["id"], "EMONEY");
    assert_eq!(j["acquirer"]["id"], "LINKAJA");
    // The documented envelope only: the guide documents no LinkAja notification fields.
    let mut keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["acquirer", "channel", "order", "service", "transaction"]
    );
    let n = LinkAja.parse_notification(&verified).unwrap();
    assert_eq!(n.invoice_number, "INV-LA-1");
    assert_eq!(n.amount.rupiah(), 150_000);
    assert_eq!(n.status, PaymentStatus::Success);
    assert_eq!(n.original_request_id.as_deref(), Some(rid.as_str()));

    let s = api.check_status("INV-LA-1").await.unwrap();
    assert_eq!(s.status, PaymentStatus::Success);
    assert_eq!(s.channel_code.as_deref(), Some("EMONEY_LINKAJA"));
    let s = api.check_status(rid.as_str()).await.unwrap();
    assert_eq!(s.invoice_number.as_deref(), Some("INV-LA-1"));
}

#[tokio::test]
async fn override_notification_url_with_the_same_path() {
    let receiver = Receiver::start(Vec::new()).await;
    let other = Receiver::start(Vec::new()).await;
    let sim = start_notifying(&receiver, FaultConfig::default()).await;
    let api = api(&sim);
    let cases = [
        ("INV-LA-O1", format!("{}{NOTIFY_PATH}", other.url()), true),
        ("INV-LA-O2", format!("{}/another/path", other.url()), false),
    ];
    for (inv, url, used) in &cases {
        api.create(&LinkAja, &request(inv, Some(url.clone())))
            .await
            .unwrap();
        sim.complete(inv, Outcome::Paid).unwrap();
        let d = sim
            .wait_for_deliveries(inv, CAP, |d| d.iter().all(|d| d.finished))
            .await
            .unwrap();
        assert!(d[0].delivered(), "{inv}");
        let went_to_override = d[0].url.as_deref() == Some(url.as_str());
        assert_eq!(went_to_override, *used, "{inv}: {d:?}");
    }
    assert_eq!(other.wait_for(1).await.len(), 1);
    assert_eq!(receiver.wait_for(1).await.len(), 1);
}

#[tokio::test]
async fn simulator_enforces_the_guides_rules_without_client_validation() {
    let receiver = Receiver::start(Vec::new()).await;
    let sim = start_notifying(&receiver, FaultConfig::default()).await;
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            "empty order",
            json!({"order": {}}),
            vec![
                "order.invoice_number: required",
                "order.amount: required",
                "order.callback_url: required",
                "order.line_items: required",
            ],
        ),
        (
            "broken fields",
            json!({"order": {"invoice_number": "INV-X", "amount": 1.5, "callback_url": 7,
                             "line_items": [{"name": "", "price": 1, "quantity": 1}, {"name": "B"}]},
                   "customer": {"phone": "+62 811"},
                   "additional_info": {"override_notification_url": 7}}),
            vec![
                "order.amount: must be a whole number",
                "order.callback_url: must be a string",
                "order.line_items[0].name: required",
                "order.line_items[1].price: required",
                "order.line_items[1].quantity: required",
                "customer.phone: digits only",
                "additional_info.override_notification_url: absolute http(s) URL",
            ],
        ),
    ];
    for (i, (name, body, expected)) in cases.into_iter().enumerate() {
        let r = post_raw(
            &sim,
            CREATE_PATH,
            &serde_json::to_vec(&body).unwrap(),
            &format!("la-rule-{i}"),
        )
        .await;
        assert_eq!(r.status, 400, "{name}");
        assert_eq!(r.json()["error"]["code"], "invalid_request", "{name}");
        assert_eq!(r.messages(), expected, "{name}");
    }
    for (i, (name, body)) in [("not JSON", "order=1"), ("not an object", "[1]")]
        .into_iter()
        .enumerate()
    {
        let r = post_raw(
            &sim,
            CREATE_PATH,
            body.as_bytes(),
            &format!("la-malformed-{i}"),
        )
        .await;
        assert_eq!(r.status, 400, "{name}");
        assert_eq!(r.messages().len(), 1, "{name}");
    }
    assert_eq!(sim.stats().orders, 0);
    // LinkAja has no cancel or refund endpoint.
    let r = post_raw(&sim, "/linkaja-emoney/v2/cancel", b"{}", "la-cancel").await;
    assert_eq!(r.status, 404);
}
