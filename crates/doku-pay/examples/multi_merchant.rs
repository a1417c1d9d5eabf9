//! One notification endpoint for several merchants (a platform with sub-merchants, each with
//! its own DOKU Client-Id and secret): every notification is verified with the secret of
//! the Client-Id it names, and the handler learns which merchant it is for. Run offline
//! against two embedded simulators: `cargo run -p doku-pay --example multi_merchant`.

use std::sync::{Arc, Mutex};

use doku_pay::receiver::{BoxError, Receiver};
use doku_pay::sim::{MerchantConfig, Outcome, SimConfig, SimHandle, Simulator};
use doku_pay::{
    Amount, Client, ClientId, Credentials, Environment, Notification, PaymentRequest, SecretKey,
};

const MERCHANTS: [(&str, &str); 2] = [
    ("MCH-SHOP-A", "SK-shop-a-0001"),
    ("MCH-SHOP-B", "SK-shop-b-0001"),
];

async fn simulator(
    client_id: &str,
    secret: &str,
    notify: &str,
) -> Result<SimHandle, Box<dyn std::error::Error>> {
    let merchant = MerchantConfig::new(client_id, secret).notification_url(notify);
    Ok(
        Simulator::builder(SimConfig::default().merchant(merchant).time_factor(1e-4))
            .registered_channels()
            .start()
            .await?,
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let notify = format!("http://{}/notifications", listener.local_addr()?);

    // One receiver, every merchant's key: a notification signed with another merchant's
    // secret, or naming an unknown Client-Id, is refused (401) before any handler runs.
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let record = seen.clone();
    let mut builder = Receiver::builder("/notifications", move |n: Notification| {
        let record = record.clone();
        async move {
            println!("{}: {} is {}", n.client_id, n.invoice_number, n.status);
            record
                .lock()
                .map_err(|_| -> BoxError { "poisoned".into() })?
                .push((n.client_id, n.invoice_number));
            Ok::<(), BoxError>(())
        }
    });
    for (client_id, secret) in MERCHANTS {
        builder = builder.merchant(ClientId::new(client_id)?, SecretKey::new(secret)?);
    }
    let router = builder.build()?.router();
    tokio::spawn(async move { axum::serve(listener, router).await });

    // Each merchant takes a payment (DOKU stands in as one simulator per merchant here).
    let mut sims = Vec::new();
    for (i, (client_id, secret)) in MERCHANTS.into_iter().enumerate() {
        let sim = simulator(client_id, secret, &notify).await?;
        let client = Client::new(Credentials::new(
            client_id,
            secret,
            Environment::custom(sim.base_url())?,
        )?)?;
        let invoice = format!("INV-{client_id}-{i}");
        let request = PaymentRequest::builder(&invoice, Amount::new(25_000)?)
            .callback_url("https://merchant.example/return")
            .build();
        client.create("dokuwallet", &request).await?;
        sim.complete(&invoice, Outcome::Paid)?;
        sims.push(sim);
    }
    for _ in 0..100 {
        if seen.lock().map(|s| s.len()).unwrap_or(0) == MERCHANTS.len() {
            println!("both merchants' notifications verified and handled");
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Err("a notification did not arrive".into())
}
