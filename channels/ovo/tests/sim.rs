//! OVO through the real client against the simulator: the checksum and `client.id` are
//! checked with the merchant's secret, and DOKU's synchronous answer (after up to 70 s,
//! time-scaled) carries the final status.

use doku_pay_core::{Client, Credentials, Environment, Error, PaymentRequest, PaymentStatus};
use doku_pay_ovo::sim::DECLINING_OVO_ID;
use doku_pay_sim::SimHandle;
use doku_pay_testkit::sim::{CLIENT_ID, SECRET, start};
use serde_json::json;

fn client(sim: &SimHandle, secret: &str) -> Client {
    let env = Environment::custom(sim.base_url()).unwrap();
    Client::new(Credentials::new(CLIENT_ID, secret, env).unwrap()).unwrap()
}

fn request(invoice: &str, ovo_id: &str) -> PaymentRequest {
    serde_json::from_value(json!({
        "invoice_number": invoice,
        "amount": 10000,
        "customer": {"wallet_account": ovo_id}
    }))
    .unwrap()
}

#[tokio::test]
async fn the_synchronous_answer_carries_the_final_status() {
    let sim = start().await;
    let ok = client(&sim, SECRET);
    // Wallet, status in the create answer.
    let rows = [
        ("081211111111", PaymentStatus::Success),
        (DECLINING_OVO_ID, PaymentStatus::Failed),
    ];
    for (i, (ovo_id, want)) in rows.into_iter().enumerate() {
        let invoice = format!("INV-OVO-SIM-{i}");
        let p = ok
            .create("ovo", &request(&invoice, ovo_id))
            .await
            .expect("answered");
        assert_eq!(p.status, want, "{ovo_id}");
        assert_eq!(p.next_action, None);
        let status = ok.check_status(&invoice).await.expect("status");
        assert_eq!(status.status, want, "{ovo_id}");
    }
    assert_eq!(sim.stats().orders, 2);
}

#[tokio::test]
async fn a_checksum_made_with_another_secret_is_refused() {
    let sim = start().await;
    // Signed with the right secret, but the body's checksum made with another one: the
    // simulator checks the checksum against the merchant's secret, not just the signature.
    let env = Environment::custom(sim.base_url()).unwrap();
    let api = doku_pay_core::Api::new(Credentials::new(CLIENT_ID, SECRET, env).unwrap()).unwrap();
    let other = doku_pay_core::Merchant::new(
        doku_pay_core::ClientId::new(CLIENT_ID).unwrap(),
        doku_pay_core::SecretKey::new("SK-someone-else").unwrap(),
    );
    let call = doku_pay_core::PaymentChannel::create(
        &doku_pay_ovo::Ovo,
        &request("INV-OVO-BAD", "0812"),
        &other,
    )
    .unwrap();
    match api.call(call).await {
        Err(Error::Doku(e)) => {
            assert_eq!(e.status, 400);
            assert!(e.raw.contains("security.check_sum"), "{}", e.raw);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.stats().orders, 0);
}
