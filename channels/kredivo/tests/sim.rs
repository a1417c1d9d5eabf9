//! Kredivo through the real client against the simulator and this crate's plugin: the
//! sample is valid and goes through (a pending redirect, paid through the simulator's control
//! API) and Check Status reports it paid. DOKU's sample body, sent as is (with the line item's
//! `url`), is accepted; the same body breaking a rule is refused with 400 naming the rule, so
//! the simulator checks the same table as the client.

use doku_pay_core::{Api, Call, Client, Error, PaymentChannel, PaymentStatus};
use doku_pay_kredivo::sim::SAMPLES;
use doku_pay_kredivo::{DESCRIPTOR, Kredivo};
use doku_pay_sim::{ChannelSamples, Outcome};
use doku_pay_testkit::sim::{credentials, start};
use serde_json::{Value, json};

#[tokio::test]
async fn the_sample_goes_through_the_simulator() {
    let sim = start().await;
    let client = Client::new(credentials(&sim)).expect("client");
    let invoice = "INV-SIM-1";
    let req = SAMPLES.payment_request(invoice);
    Kredivo.validate_create(&req).expect("the sample is valid");
    assert!(
        req.line_items
            .iter()
            .all(|i| i.sku.is_some() && i.category.is_some())
    );
    let p = client.create("kredivo", &req).await.expect("answered");
    assert_eq!(p.status, PaymentStatus::Pending);
    assert!(p.next_action.is_some(), "a redirect");
    sim.complete(invoice, Outcome::Paid).expect("paid");
    let status = client.check_status(invoice).await.expect("status");
    assert_eq!(status.status, PaymentStatus::Success);
    assert_eq!(sim.stats().orders, 1);
}

#[tokio::test]
async fn dokus_sample_is_accepted_and_a_broken_rule_refused() {
    let sim = start().await;
    let api = Api::new(credentials(&sim)).expect("api");
    let sample: Value =
        serde_json::from_str(include_str!("fixtures/request.json")).expect("fixture");
    let send = |body: Value| {
        let call = Call::new(
            &DESCRIPTOR.endpoints[0],
            None,
            &body,
            |sent| Ok(sent.status),
        )
        .expect("call");
        api.call(call)
    };
    assert_eq!(send(sample.clone()).await.expect("accepted"), 200);
    let mut broken = sample;
    broken["order"]["invoice_number"] = json!("INV-SIM-2");
    broken["order"]["line_items"][0]["type"] = json!("");
    broken["order"]["amount"] = json!(30_001);
    match send(broken).await {
        Err(Error::Doku(e)) => {
            assert_eq!(e.status, 400);
            for rule in ["order.line_items[0].type", "order.line_items"] {
                assert!(e.raw.contains(rule), "{rule}: {}", e.raw);
            }
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.stats().orders, 1);
}
