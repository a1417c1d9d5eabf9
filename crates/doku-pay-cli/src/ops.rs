//! `channels`, `create`, `cancel`, `refund`, `status`.

use clap::Args;
use doku_pay::{
    CancelRequest, Cancellation, ChannelDescriptor, OperationStatus, Payment, PaymentRequest,
    PaymentStatus, Refund, RefundRequest, Registry, StatusResult,
};
use serde::Serialize;

use crate::failure::Failure;
use crate::input::read_json;
use crate::target::{CredArgs, connect};

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
    println!("ID         DOKU CHANNEL           KIND      CANCEL  REFUND    REDIRECT NAME");
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
            "{:<10} {:<22} {:<9} {:<7} {:<9} {:<8} {}",
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
    if payment.status == PaymentStatus::Failed {
        return Err(Failure::refused(format!(
            "payment {} FAILED (declined): create it again with a new invoice number",
            payment.invoice_number
        )));
    }
    Ok(())
}

/// The exit of a cancel or refund that DOKU answered: `FAILED` is a refusal (exit 1), an
/// operation status this library does not know is no proof either way (exit 3: ask Check
/// Status).
fn settled(what: &str, invoice: &str, status: &OperationStatus) -> Result<(), Failure> {
    match status {
        OperationStatus::Success => Ok(()),
        OperationStatus::Failed => Err(Failure::refused(format!(
            "DOKU refused the {what} of {invoice} (FAILED)"
        ))),
        other => Err(Failure::unknown(format!(
            "the {what} of {invoice} is `{other}`, not known to be done: `doku status {invoice}`"
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
    settled("cancel", &c.invoice_number, &c.cancel_status)
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
    settled("refund", &r.invoice_number, &r.refund_status)
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
