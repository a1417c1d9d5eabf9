//! ShopeePay through the real client against the simulator and this crate's plugin: the
//! sample is valid and goes through
//! (a pending redirect, paid through the simulator's control API)
//! and Check Status reports it paid.

use doku_pay_core::{Client, PaymentChannel, PaymentStatus};
use doku_pay_shopeepay::ShopeePay;
use doku_pay_shopeepay::sim::SAMPLES;
use doku_pay_sim::ChannelSamples;
use doku_pay_sim::Outcome;
use doku_pay_testkit::sim::{CLIENT_ID, SECRET, credentials, start};

#[tokio::test]
async fn the_sample_goes_through_the_simulator() {
    let sim = start().await;
    let client = Client::new(credentials(&sim)).expect("client");
    let invoice = "INV-SIM-1";
    let req = SAMPLES.payment_request(invoice);
    ShopeePay
        .validate_create(&req)
        .expect("the sample is valid");
    let p = client.create("shopeepay", &req).await.expect("answered");
    assert_eq!(p.status, PaymentStatus::Pending);
    assert!(p.next_action.is_some(), "a redirect");
    sim.complete(invoice, Outcome::Paid).expect("paid");
    let status = client.check_status(invoice).await.expect("status");
    assert_eq!(status.status, PaymentStatus::Success);
    assert_eq!(sim.stats().orders, 1);
}

/// The plugin reads `order.amount` as the whole number sent, past `Amount`'s 12 digits too:
/// ShopeePay's guide states no length, so none is enforced (the `sim_request` fuzz target's
/// first finding, which checks the decoded amount against the body's number).
#[test]
fn the_plugin_reads_the_amount_as_sent() {
    use doku_pay_core::{ClientId, Merchant, SecretKey};
    use doku_pay_shopeepay::sim::ShopeePaySim;
    use doku_pay_sim::{Rejection, SimChannel, SimRequest};

    let merchant = Merchant::new(
        ClientId::new(CLIENT_ID).unwrap(),
        SecretKey::new(SECRET).unwrap(),
    );
    let headers = http::HeaderMap::new();
    let rows: &[(&str, Option<u64>)] = &[
        ("150000", Some(150_000)),
        ("999999999999", Some(999_999_999_999)),
        ("999999999999150000", Some(999_999_999_999_150_000)),
        ("18446744073709551615", Some(u64::MAX)),
        ("18446744073709551616", None),
        ("1.5", None),
        ("-1", None),
        ("\"150000\"", None),
    ];
    for (amount, want) in rows {
        let body =
            format!(r#"{{"order":{{"invoice_number":"INV-20210124-0","amount":{amount}}}}}"#);
        let request = SimRequest::new(body.as_bytes(), &headers, &merchant, "/fuzz");
        match (ShopeePaySim.decode_create(&request), want) {
            (Ok(order), Some(want)) => assert_eq!(order.amount, *want, "{amount}"),
            (Err(Rejection::Invalid(v)), None) => {
                assert_eq!(
                    v.to_string(),
                    "order.amount: must be a whole number",
                    "{amount}"
                );
            }
            (got, _) => panic!("{amount}: {got:?}"),
        }
    }
}
