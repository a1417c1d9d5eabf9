//! DOKU e-Wallet through the real client against the simulator and this crate's plugin: the
//! sample is valid and goes through
//! (a pending redirect, paid through the simulator's control API)
//! and Check Status reports it paid.

use doku_pay_core::{Client, PaymentChannel, PaymentStatus};
use doku_pay_dokuwallet::DokuWallet;
use doku_pay_dokuwallet::sim::SAMPLES;
use doku_pay_sim::ChannelSamples;
use doku_pay_sim::Outcome;
use doku_pay_testkit::sim::{credentials, start};

#[tokio::test]
async fn the_sample_goes_through_the_simulator() {
    let sim = start().await;
    let client = Client::new(credentials(&sim)).expect("client");
    let invoice = "INV-SIM-1";
    let req = SAMPLES.payment_request(invoice);
    DokuWallet
        .validate_create(&req)
        .expect("the sample is valid");
    let p = client.create("dokuwallet", &req).await.expect("answered");
    assert_eq!(p.status, PaymentStatus::Pending);
    assert!(p.next_action.is_some(), "a redirect");
    sim.complete(invoice, Outcome::Paid).expect("paid");
    let status = client.check_status(invoice).await.expect("status");
    assert_eq!(status.status, PaymentStatus::Success);
    assert_eq!(sim.stats().orders, 1);
}
