//! An axum service that creates payments and receives DOKU's notifications, run offline
//! against the embedded simulator: `cargo run -p doku-pay --example service`.
//!
//! The service exposes `POST /checkout/{invoice}` (creates an Akulaku payment and answers
//! where to send the customer) and mounts the notification receiver at
//! `/payments/notifications`. The example then plays the customer: it checks out, pays on
//! the simulator, and waits until the service's handler has recorded the payment.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::routing::post;
use doku_pay::receiver::{BoxError, Receiver};
use doku_pay::sim::{MerchantConfig, Outcome, SimConfig, Simulator};
use doku_pay::{
    Amount, Client, Credentials, Environment, LineItem, NextAction, Notification, PaymentRequest,
};

/// What the service keeps: paid invoices (a database in a real service).
type Paid = Arc<Mutex<Vec<String>>>;

async fn checkout(
    State(client): State<Client>,
    Path(invoice): Path<String>,
) -> Result<String, String> {
    let price = Amount::new(30_000).map_err(|e| e.to_string())?;
    let request =
        PaymentRequest::builder(&invoice, Amount::new(90_000).map_err(|e| e.to_string())?)
            .line_item(
                LineItem::new("T-Shirt", price, 3)
                    .sku("1002")
                    .category("Shirt"),
            )
            .callback_url("https://merchant.example/return")
            .customer_id("CUST-0001")
            .customer_name("Anton Budiman")
            .customer_phone("6285694566147")
            .build();
    // Every Akulaku rule is checked before anything is sent; a timeout is a typed
    // "outcome unknown" to retry with the same Request-Id.
    let payment = client
        .create("akulaku", &request)
        .await
        .map_err(|e| e.to_string())?;
    match payment.next_action {
        Some(NextAction::Redirect { url, .. }) => Ok(url),
        _ => Err(format!("{} is {}", payment.invoice_number, payment.status)),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);

    // The simulator stands in for DOKU (api.doku.com): same signatures, rules and
    // notifications, 10,000 times faster retries.
    let merchant = MerchantConfig::new("MCH-EXAMPLE-0001", "SK-example-0001")
        .notification_url(format!("{base}/payments/notifications"));
    let sim = Simulator::builder(SimConfig::default().merchant(merchant).time_factor(1e-4))
        .registered_channels()
        .start()
        .await?;
    let creds = Credentials::new(
        "MCH-EXAMPLE-0001",
        "SK-example-0001",
        Environment::custom(sim.base_url())?,
    )?;

    // The service: checkout, and the receiver (verified, deduplicated, 2xx only after the
    // handler returned Ok).
    let paid: Paid = Arc::default();
    let record = paid.clone();
    let receiver = Receiver::builder("/payments/notifications", move |n: Notification| {
        let record = record.clone();
        async move {
            println!(
                "notified: {} {} {} IDR",
                n.invoice_number, n.status, n.amount
            );
            record
                .lock()
                .map_err(|_| -> BoxError { "poisoned".into() })?
                .push(n.invoice_number);
            Ok::<(), BoxError>(())
        }
    })
    .credentials(&creds)
    .build()?;
    let app = axum::Router::new()
        .route("/checkout/{invoice}", post(checkout))
        .with_state(Client::new(creds)?)
        .merge(receiver.router());
    tokio::spawn(async move { axum::serve(listener, app).await });

    // The customer.
    let invoice = "INV-EXAMPLE-0001";
    let redirect = reqwest_post(&format!("{base}/checkout/{invoice}")).await?;
    println!("checkout: send the customer to {redirect}");
    sim.complete(invoice, Outcome::Paid)?;
    for _ in 0..100 {
        if paid
            .lock()
            .map(|p| p.iter().any(|i| i == invoice))
            .unwrap_or(false)
        {
            println!("{invoice} is paid and recorded");
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Err(format!("no notification for {invoice}").into())
}

/// A bare HTTP POST with an empty body (the customer's browser), answered with text.
async fn reqwest_post(url: &str) -> Result<String, Box<dyn std::error::Error>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").ok_or("http only")?;
    let (host, path) = rest.split_once('/').ok_or("no path")?;
    let mut stream = tokio::net::TcpStream::connect(host).await?;
    let request = format!(
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    let (head, body) = answer.split_once("\r\n\r\n").ok_or("no body")?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(format!("checkout failed: {head} {body}").into());
    }
    Ok(body.to_owned())
}
