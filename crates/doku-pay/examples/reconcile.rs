//! A reconciliation job: asks DOKU's Check Status about every payment still pending in the
//! merchant's books and settles each one (paid, still pending, failed, expired...), run
//! offline against the embedded simulator: `cargo run -p doku-pay --example reconcile`.
//!
//! Run it for payments whose notification did not come (DOKU advises waiting 60 s after
//! payment), or after a timeout left an outcome unknown.

use doku_pay::receiver::{ReconcileOutcome, reconcile};
use doku_pay::sim::{MerchantConfig, Outcome, SimConfig, Simulator};
use doku_pay::{Amount, Client, Credentials, Environment, PaymentRequest};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::builder(
        SimConfig::default().merchant(MerchantConfig::new("MCH-RECON-0001", "SK-recon-0001")),
    )
    .registered_channels()
    .start()
    .await?;
    let creds = Credentials::new(
        "MCH-RECON-0001",
        "SK-recon-0001",
        Environment::custom(sim.base_url())?,
    )?;
    let client = Client::new(creds)?;

    // The merchant's books: three DokuWallet payments left pending.
    let amount = Amount::new(50_000)?;
    let mut books = Vec::new();
    for (invoice, outcome) in [
        ("INV-RECON-1", Some(Outcome::Paid)),
        ("INV-RECON-2", None),
        ("INV-RECON-3", Some(Outcome::Failed)),
    ] {
        let request = PaymentRequest::builder(invoice, amount)
            .callback_url("https://merchant.example/return")
            .build();
        let payment = client.create("dokuwallet", &request).await?;
        if let Some(outcome) = outcome {
            sim.complete(invoice, outcome)?; // the customer acts; say the notification is lost
        }
        books.push((payment.invoice_number, payment.amount));
    }

    // The job.
    for (invoice, expected) in &books {
        match reconcile(&client, invoice, *expected).await? {
            ReconcileOutcome::Paid(s) => {
                let paid = s.amount.map_or(0, Amount::rupiah);
                println!("{invoice}: paid ({paid} IDR): fulfil")
            }
            ReconcileOutcome::Pending(_) => println!("{invoice}: still pending: ask again later"),
            ReconcileOutcome::Failed(_) => {
                println!("{invoice}: declined: offer the customer a new payment")
            }
            other => println!("{invoice}: {other:?}"),
        }
    }
    Ok(())
}
