//! `channels`, `create`, `cancel`, `refund`, `status`.

use axum::body::Bytes;
use clap::Args;
use doku_pay::{
    CancelRequest, Cancellation, ChannelDescriptor, OperationStatus, Payment, PaymentRequest,
    PaymentStatus, Refund, RefundRequest, Registry, StatusResult,
};
use serde::Serialize;

use crate::failure::Failure;
use crate::input::read_json;
use crate::target::{CredArgs, connect, embedded};

/// Arguments of `create`, `cancel` and `refund`.
#[derive(Debug, Args)]
pub(crate) struct OpArgs {
    /// Channel id, as listed by `doku channels`.
    pub(crate) channel: String,
    /// The unified request as JSON: a file path, or `-` for stdin.
    #[arg(long, value_name = "FILE")]
    pub(crate) request: String,
    #[command(flatten)]
    pub(crate) creds: CredArgs,
}

/// Arguments of `sample`.
#[derive(Debug, Args)]
pub(crate) struct SampleArgs {
    /// Channel id, as listed by `doku channels`.
    pub(crate) channel: String,
    /// The invoice number to put in it.
    #[arg(long, default_value = "INV-SAMPLE-0001")]
    pub(crate) invoice: String,
    /// Print instead the notification body DOKU sends once this sample payment is paid, as
    /// an embedded simulator sends it (for `doku sign --kind notification`, or a test).
    #[arg(long)]
    pub(crate) notification: bool,
}

/// Arguments of `status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Invoice number, or the Request-Id of the payment request.
    pub(crate) id: String,
    #[command(flatten)]
    pub(crate) creds: CredArgs,
}

fn print_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::refused(format!("cannot render the answer: {e}")))?;
    println!("{text}");
    Ok(())
}

/// Checks that `channel` is registered before any input is read or anything is sent.
fn known_channel(channel: &str) -> Result<(), Failure> {
    Registry::global()
        .get(channel)
        .map(drop)
        .map_err(Failure::from)
}

pub(crate) fn channels(json: bool) -> Result<(), Failure> {
    let descriptors: Vec<&ChannelDescriptor> = Registry::global().descriptors();
    if json {
        return print_json(&descriptors);
    }
    // The two columns of names as wide as their longest, so that any channel lines up.
    let widest = |name: fn(&ChannelDescriptor) -> &str, header: &str| {
        descriptors
            .iter()
            .map(|d| name(d).len())
            .fold(header.len(), usize::max)
    };
    let id_width = widest(|d| d.id, "ID");
    let code_width = widest(|d| d.channel_code, "DOKU CHANNEL");
    println!(
        "{:<id_width$} {:<code_width$} KIND      CANCEL  REFUND    REDIRECT NAME",
        "ID", "DOKU CHANNEL"
    );
    for d in descriptors {
        let refund = serde_json::to_value(d.capabilities.refund)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let redirect = serde_json::to_value(d.capabilities.redirect)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        println!(
            "{:<id_width$} {:<code_width$} {:<9} {:<7} {:<9} {:<8} {}",
            d.id,
            d.channel_code,
            d.kind.to_string(),
            if d.capabilities.cancel { "yes" } else { "no" },
            refund,
            redirect,
            d.display_name
        );
    }
    Ok(())
}

/// Prints a unified PaymentRequest that `channel` accepts: the sample its simulator plugin
/// gives `doku demo`, as JSON (with or without `--json`), ready for `doku create`; with
/// `--notification`, the body of the notification that payment brings once paid.
pub(crate) async fn sample(a: SampleArgs) -> Result<(), Failure> {
    known_channel(&a.channel)?;
    let plugin = doku_pay::sim::registered()
        .into_iter()
        .find(|p| p.descriptor().id == a.channel)
        .ok_or_else(|| {
            Failure::input(format!("channel `{}` has no simulator plugin", a.channel))
        })?;
    let samples = plugin
        .samples()
        .ok_or_else(|| Failure::input(format!("channel `{}` supplies no samples", a.channel)))?;
    let request = samples.payment_request(&a.invoice);
    if !a.notification {
        return print_json(&request);
    }
    let body = paid_notification(&a.channel, &request).await?;
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(&body)
        .and_then(|()| out.write_all(b"\n"))
        .map_err(|e| Failure::refused(format!("cannot print the notification: {e}")))
}

/// The notification body an embedded simulator sends for `request` once it is paid: the
/// payment is created there, paid by the simulated customer when the channel redirects (a
/// push channel's create is already final), and the body its notification carried is kept.
async fn paid_notification(channel: &str, request: &PaymentRequest) -> Result<Bytes, Failure> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Failure::refused(format!("cannot listen on 127.0.0.1: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::refused(e.to_string()))?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Bytes>();
    let app = axum::Router::new().route(
        "/notifications",
        axum::routing::post(move |body: Bytes| async move {
            let _ = tx.send(body);
        }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let url = format!("http://{addr}/notifications");
    let (sim, creds) = embedded(Some(&url), 1e-4, None).await?;
    let client = doku_pay::Client::new(creds).map_err(|e| Failure::input(e.to_string()))?;
    let payment = client.create(channel, request).await?;
    if payment.status == PaymentStatus::Pending {
        sim.complete(&request.invoice_number, doku_pay::sim::Outcome::Paid)
            .map_err(|e| Failure::refused(format!("the simulated customer cannot pay: {e}")))?;
    }
    let body = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv()).await;
    server.abort();
    sim.shutdown().await;
    match body {
        Ok(Some(body)) => Ok(body),
        _ => Err(Failure::refused(format!(
            "no notification within 10 s of paying the sample `{channel}` payment ({})",
            payment.status
        ))),
    }
}

pub(crate) async fn create(a: OpArgs, json: bool) -> Result<(), Failure> {
    known_channel(&a.channel)?;
    let req: PaymentRequest = read_json(&a.request, "PaymentRequest")?;
    let target = connect(&a.creds).await?;
    let payment = target.client.create(&a.channel, &req).await?;
    if json {
        print_json(&payment)?;
    } else {
        print_payment(&payment);
    }
    created(&payment)
}

/// The exit of a create that DOKU answered: `FAILED` (declined) is a refusal (exit 1);
/// `TIMEOUT` or a status this library does not know leaves the outcome open (exit 3: ask
/// Check Status); pending, paid or redirecting is done.
fn created(payment: &Payment) -> Result<(), Failure> {
    let invoice = &payment.invoice_number;
    match &payment.status {
        PaymentStatus::Failed => Err(Failure::refused(format!(
            "payment {invoice} FAILED (declined): create it again with a new invoice number"
        ))),
        PaymentStatus::Timeout | PaymentStatus::Unknown(_) => Err(Failure::unknown(format!(
            "payment {invoice} is `{}`, not known to be created: `doku status {invoice}`",
            payment.status
        ))),
        _ => Ok(()),
    }
}

/// The exit of a cancel or refund that DOKU answered, from its operation status, or, when
/// the answer carries none DOKU's readers know, from the payment status it reports
/// (`done`: `CANCELLED` for a cancel, `REFUNDED` for a refund): `FAILED` is a refusal (exit
/// 1); anything else is no proof either way (exit 3: ask Check Status).
fn settled(
    what: &str,
    invoice: &str,
    status: &OperationStatus,
    payment: &PaymentStatus,
    done: &PaymentStatus,
) -> Result<(), Failure> {
    match status {
        OperationStatus::Success => Ok(()),
        OperationStatus::Failed => Err(Failure::refused(format!(
            "DOKU refused the {what} of {invoice} (FAILED)"
        ))),
        _ if payment == done => Ok(()),
        other => Err(Failure::unknown(format!(
            "the {what} of {invoice} is `{other}` (payment {payment}), not known to be done: \
             `doku status {invoice}`"
        ))),
    }
}

pub(crate) fn print_payment(p: &Payment) {
    println!(
        "created {} payment {}: {} ({} IDR)",
        p.channel, p.invoice_number, p.status, p.amount
    );
    println!("  Request-Id: {}{}", p.request_id, replay_note(p.replayed));
    if let Some(r) = &p.merchant_reference {
        println!("  merchant reference: {r}");
    }
    if let Some(doku_pay::NextAction::Redirect {
        method,
        url,
        form_fields,
    }) = &p.next_action
    {
        println!("  next: send the customer to {method} {url}");
        for f in form_fields {
            println!("    form field {} = {}", f.name, f.value);
        }
    }
    for i in &p.identifiers {
        println!("  {} = {}", i.name, i.value);
    }
}

fn replay_note(replayed: bool) -> &'static str {
    if replayed {
        " (DOKU's stored answer to an earlier identical request)"
    } else {
        ""
    }
}

pub(crate) async fn cancel(a: OpArgs, json: bool) -> Result<(), Failure> {
    known_channel(&a.channel)?;
    let req: CancelRequest = read_json(&a.request, "CancelRequest")?;
    let target = connect(&a.creds).await?;
    let c = target.client.cancel(&a.channel, &req).await?;
    if json {
        print_json(&c)?;
    } else {
        print_cancellation(&c);
    }
    settled(
        "cancel",
        &c.invoice_number,
        &c.cancel_status,
        &c.payment_status,
        &PaymentStatus::Cancelled,
    )
}

pub(crate) fn print_cancellation(c: &Cancellation) {
    println!(
        "cancel of {} payment {}: {} (payment {})",
        c.channel, c.invoice_number, c.cancel_status, c.payment_status
    );
    println!("  Request-Id: {}{}", c.request_id, replay_note(c.replayed));
    if let Some(m) = &c.message {
        println!("  message: {m}");
    }
}

pub(crate) async fn refund(a: OpArgs, json: bool) -> Result<(), Failure> {
    known_channel(&a.channel)?;
    let req: RefundRequest = read_json(&a.request, "RefundRequest")?;
    let target = connect(&a.creds).await?;
    let r = target.client.refund(&a.channel, &req).await?;
    if json {
        print_json(&r)?;
    } else {
        print_refund(&r);
    }
    settled(
        "refund",
        &r.invoice_number,
        &r.refund_status,
        &r.payment_status,
        &PaymentStatus::Refunded,
    )
}

pub(crate) fn print_refund(r: &Refund) {
    println!(
        "refund of {} payment {}: {} (payment {})",
        r.channel, r.invoice_number, r.refund_status, r.payment_status
    );
    println!("  Request-Id: {}{}", r.request_id, replay_note(r.replayed));
    if let Some(reference) = &r.refund_reference {
        println!("  refund reference: {reference}");
    }
}

pub(crate) async fn status(a: StatusArgs, json: bool) -> Result<(), Failure> {
    let target = connect(&a.creds).await?;
    let s = target.client.check_status(&a.id).await?;
    if json {
        return print_json(&s);
    }
    print_status(&s);
    Ok(())
}

pub(crate) fn print_status(s: &StatusResult) {
    println!(
        "status of {}: {}",
        s.invoice_number.as_deref().unwrap_or("?"),
        s.status
    );
    if let Some(a) = s.amount {
        println!("  amount: {a} IDR");
    }
    if let Some(c) = &s.channel_code {
        println!("  channel: {c}");
    }
    if let Some(r) = &s.original_request_id {
        println!("  original Request-Id: {r}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::{REFUSED, UNKNOWN};

    /// The exit code of a cancel answered with this operation and payment status.
    fn cancel_exit(op: &str, payment: &str) -> u8 {
        settled(
            "cancel",
            "INV-1",
            &OperationStatus::from_doku(op),
            &PaymentStatus::from_doku(payment),
            &PaymentStatus::Cancelled,
        )
        .map_or_else(|f| f.code, |()| 0)
    }

    #[test]
    fn cancel_and_refund_exit_codes() {
        let rows = [
            ("SUCCESS", "CANCELLED", 0),
            ("SUCCESS", "", 0),
            // No operation status in the answer: the payment status it reports decides.
            ("", "CANCELLED", 0),
            ("", "PENDING", UNKNOWN),
            ("FAILED", "SUCCESS", REFUSED),
            ("FAILED", "CANCELLED", REFUSED),
            ("QUEUED", "PENDING", UNKNOWN),
        ];
        for (op, payment, want) in rows {
            assert_eq!(cancel_exit(op, payment), want, "{op:?} {payment:?}");
        }
    }

    #[test]
    fn create_exit_codes() {
        let payment = |status: &str| Payment {
            channel: "akulaku".into(),
            request_id: doku_pay::RequestId::new("R-1").unwrap(),
            replayed: false,
            invoice_number: "INV-1".into(),
            amount: doku_pay::Amount::new(10_000).unwrap(),
            status: PaymentStatus::from_doku(status),
            merchant_reference: None,
            next_action: None,
            identifiers: Vec::new(),
            raw: serde_json::Value::Null,
        };
        let rows = [
            ("PENDING", 0),
            ("SUCCESS", 0),
            ("REDIRECT", 0),
            ("FAILED", REFUSED),
            ("TIMEOUT", UNKNOWN),
            ("ON_HOLD", UNKNOWN),
        ];
        for (status, want) in rows {
            let got = created(&payment(status)).map_or_else(|f| f.code, |()| 0);
            assert_eq!(got, want, "{status}");
        }
    }
}
