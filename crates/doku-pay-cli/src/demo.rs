//! `doku demo`: the whole flow offline, on the embedded simulator, with a real receiver.
//!
//! Simulator and receiver run on 127.0.0.1 with ephemeral ports. The demo runs every channel
//! linked into the binary, from the samples its simulator plugin supplies
//! ([`doku_pay::sim::ChannelSamples`]) and as its descriptor says: it creates a payment per
//! channel and replays the create with the same Request-Id (DOKU's stored answer, no second
//! order); the customer pays through the simulator's control API after the redirect (or
//! already approved in the app, for a push payment); it receives and verifies every
//! notification, checks each status, refunds where the channel offers refunds, creates and
//! cancels a second payment where it offers cancel, and sees every operation a channel lacks
//! refused before any request. Nothing here names a channel or counts them: a new channel
//! crate is demonstrated by being linked. Every step is checked; the first that does not
//! check out ends the demo with a non-zero exit naming it.

use std::time::{Duration, Instant};

use clap::Args;
use doku_pay::receiver::{BoxError, Receiver, expect_payment};
use doku_pay::sim::{ChannelSamples, CustomerAction};
use doku_pay::sim::{OrderStatus, Outcome};
use doku_pay::{
    Amount, CancelRequest, ChannelDescriptor, Client, Identifier, NextAction, Notification,
    Operation, OperationStatus, Payment, PaymentRequest, PaymentStatus, RefundAmount,
    RefundRequest,
};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::failure::Failure;
use crate::target::embedded;

const NOTIFY_PATH: &str = "/payments/notifications";

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Longest wait for each notification, in seconds.
    #[arg(long, default_value_t = 5)]
    wait_secs: u64,
    /// Run the demo against a simulator with these faults (a FaultConfig JSON file: seed,
    /// default and per-endpoint latency_ms, error_rate, drop_after_processing, bad_signature,
    /// duplicate_notifications, notify_before_response). Latency within the client's timeout,
    /// duplicate and early notifications are absorbed; the first step another fault breaks
    /// ends the demo (exit 1) with the typed error the library returned (DOKU's 5xx, outcome
    /// unknown with the Request-Id to retry, an untrusted answer).
    #[arg(long, value_name = "FILE")]
    faults: Option<String>,
}

/// One line of the timeline.
#[derive(Debug, Serialize)]
struct Step {
    at_ms: u128,
    step: String,
    request_id: Option<String>,
    status: String,
    ok: bool,
    detail: String,
}

struct Timeline {
    started: Instant,
    steps: Vec<Step>,
    json: bool,
    /// The step column's width: the longest step's.
    width: usize,
}

/// The longest step after a channel's id.
const LONGEST_STEP: &str = ": partial refund is refused unsent";

/// The step column's width for the channels linked into this binary.
fn step_width() -> usize {
    let longest_id = doku_pay::sim::registered()
        .iter()
        .map(|p| p.descriptor().id.len())
        .max()
        .unwrap_or(0);
    (longest_id + LONGEST_STEP.len()).max("receive notification".len())
}

impl Timeline {
    fn record(
        &mut self,
        step: &str,
        request_id: Option<&str>,
        status: impl ToString,
        detail: impl Into<String>,
    ) {
        let s = Step {
            at_ms: self.started.elapsed().as_millis(),
            step: step.to_owned(),
            request_id: request_id.map(str::to_owned),
            status: status.to_string(),
            ok: true,
            detail: detail.into(),
        };
        if !self.json {
            println!(
                "{:>6} ms  ok  {:<width$} {:<10} {}{}",
                s.at_ms,
                s.step,
                s.status,
                s.request_id
                    .as_deref()
                    .map(|r| format!("Request-Id {r}  "))
                    .unwrap_or_default(),
                s.detail,
                width = self.width
            );
        }
        self.steps.push(s);
    }

    /// Records a failed step and returns the failure naming it.
    fn fail(&mut self, step: &str, why: impl Into<String>) -> Failure {
        let why = why.into();
        let s = Step {
            at_ms: self.started.elapsed().as_millis(),
            step: step.to_owned(),
            request_id: None,
            status: "FAILED".into(),
            ok: false,
            detail: why.clone(),
        };
        if !self.json {
            println!(
                "{:>6} ms  FAIL {:<width$} {}",
                s.at_ms,
                s.step,
                why,
                width = self.width.saturating_sub(1)
            );
        }
        self.steps.push(s);
        Failure::refused(format!("demo step `{step}` did not check out: {why}"))
    }
}

fn ids(p: &Payment) -> String {
    p.identifiers
        .iter()
        .map(|Identifier { name, value }| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A registered channel the demo runs: its simulator plugin's descriptor and samples.
struct DemoChannel {
    d: &'static ChannelDescriptor,
    samples: &'static dyn ChannelSamples,
}

impl DemoChannel {
    fn id(&self) -> &'static str {
        self.d.id
    }

    /// `INV-DEMO-{ID}-{n}`: one invoice number per channel and order.
    fn invoice(&self, n: u32) -> String {
        format!("INV-DEMO-{}-{n:04}", self.d.id.to_ascii_uppercase())
    }
}

/// Every channel plugin linked into this binary, ordered by id, with its samples; a channel
/// without samples cannot be demonstrated, which fails the demo.
fn channels(t: &mut Timeline) -> Result<Vec<DemoChannel>, Failure> {
    let mut plugins = doku_pay::sim::registered();
    plugins.sort_by_key(|p| p.descriptor().id);
    plugins.dedup_by_key(|p| p.descriptor().id);
    let mut out = Vec::with_capacity(plugins.len());
    for p in plugins {
        let d = p.descriptor();
        let Some(samples) = p.samples() else {
            return Err(t.fail(
                &format!("{}: samples", d.id),
                "the channel's simulator plugin supplies no samples (SimChannel::samples)",
            ));
        };
        out.push(DemoChannel { d, samples });
    }
    if out.is_empty() {
        return Err(t.fail("channels", "no channel is linked into this binary"));
    }
    Ok(out)
}

/// The operations besides create that a channel may lack, each with a request that reaches
/// no channel code when the descriptor refuses it.
fn unsupported(
    c: &DemoChannel,
    p: &Payment,
) -> Vec<(Operation, Option<CancelRequest>, Option<RefundRequest>)> {
    let refund = |amount| RefundRequest {
        request_id: None,
        invoice_number: p.invoice_number.clone(),
        merchant_reference: p.merchant_reference.clone(),
        identifiers: p.identifiers.clone(),
        refund_reference: format!("REFUND-DEMO-{}-UNSENT", c.id().to_ascii_uppercase()),
        amount,
    };
    let mut ops = Vec::new();
    if !c.d.supports(Operation::Cancel) {
        let cancel = CancelRequest {
            request_id: None,
            invoice_number: p.invoice_number.clone(),
            merchant_reference: p.merchant_reference.clone(),
            identifiers: p.identifiers.clone(),
        };
        ops.push((Operation::Cancel, Some(cancel), None));
    }
    if !c.d.supports(Operation::Refund) {
        ops.push((Operation::Refund, None, Some(refund(RefundAmount::Full))));
    }
    if !c.d.supports(Operation::PartialRefund) {
        let part = Amount::new(p.amount.rupiah() / 2).unwrap_or(p.amount);
        ops.push((
            Operation::PartialRefund,
            None,
            Some(refund(RefundAmount::Partial(part))),
        ));
    }
    ops
}

pub(crate) async fn run(a: DemoArgs, json: bool) -> Result<(), Failure> {
    let mut t = Timeline {
        started: Instant::now(),
        steps: Vec::new(),
        json,
        width: step_width(),
    };
    let result = flow(&a, &mut t).await;
    if json {
        let text = serde_json::to_string_pretty(&t.steps)
            .map_err(|e| Failure::refused(format!("cannot render the timeline: {e}")))?;
        println!("{text}");
    } else if result.is_ok() {
        println!(
            "demo: all {} steps checked out in {} ms",
            t.steps.len(),
            t.started.elapsed().as_millis()
        );
    }
    result
}

async fn flow(a: &DemoArgs, t: &mut Timeline) -> Result<(), Failure> {
    let wait = Duration::from_secs(a.wait_secs);
    let faults = match &a.faults {
        Some(path) => Some(crate::input::read_json::<doku_pay::sim::FaultConfig>(
            path,
            "FaultConfig",
        )?),
        None => None,
    };

    // Receiver first, so the simulator knows where to notify.
    let step = "start receiver";
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| t.fail(step, e.to_string()))?;
    let addr = listener
        .local_addr()
        .map_err(|e| t.fail(step, e.to_string()))?;
    let notify_url = format!("http://{addr}{NOTIFY_PATH}");

    let step = "start simulator";
    // Time factor 1e-4: DOKU's 30 min / 6 h / 12 h retries become 0.18 s / 2.2 s / 4.3 s.
    let (sim, creds) = embedded(Some(&notify_url), 1e-4, faults)
        .await
        .map_err(|e| t.fail(step, e.message))?;
    t.record(
        step,
        None,
        "up",
        format!("{} (embedded, offline)", sim.base_url()),
    );

    let step = "start receiver";
    let (tx, mut rx) = mpsc::unbounded_channel::<Notification>();
    let receiver = Receiver::builder(NOTIFY_PATH, move |n: Notification| {
        let tx = tx.clone();
        async move {
            tx.send(n)
                .map_err(|_| -> BoxError { "demo ended".into() })?;
            Ok::<(), BoxError>(())
        }
    })
    .credentials(&creds)
    .build()
    .map_err(|e| t.fail(step, e.to_string()))?;
    let router = receiver.router();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    t.record(step, None, "up", notify_url.clone());

    let client_id = creds.client_id.clone();
    let client = Client::new(creds).map_err(|e| t.fail("client", e.to_string()))?;
    // Whether the simulator already holds this order as paid, before the customer could pay.
    let paid_early = |invoice: &str| {
        sim.order(invoice)
            .is_ok_and(|o| o.status == OrderStatus::Paid)
    };
    let channels = channels(t)?;
    let mut orders = 0usize;

    // 1. One payment per channel, and the same create again with its Request-Id: DOKU's
    //    stored answer, no second order.
    let mut payments = Vec::with_capacity(channels.len());
    for c in &channels {
        let step = format!("{}: create payment", c.id());
        let req = c.samples.payment_request(&c.invoice(1));
        let p = client
            .create(c.id(), &req)
            .await
            .map_err(|e| t.fail(&step, e.to_string()))?;
        let detail = match (c.samples.customer(), &p.next_action) {
            (CustomerAction::PaysAfterRedirect, Some(NextAction::Redirect { method, url, .. }))
                if p.status == PaymentStatus::Pending =>
            {
                format!("redirect {method} {url} {}", ids(&p))
            }
            (CustomerAction::Nothing, _) if p.status == PaymentStatus::Success => {
                format!("final in the create answer (push) {}", ids(&p))
            }
            (action, next) => {
                return Err(t.fail(
                    &step,
                    format!(
                        "the customer {action:?}, but the answer is {} with next action {next:?}",
                        p.status
                    ),
                ));
            }
        };
        orders += 1;
        t.record(
            &step,
            Some(p.request_id.as_str()),
            &p.status,
            detail.trim_end(),
        );

        let step = format!("{}: replay same Request-Id", c.id());
        let replay_req = PaymentRequest {
            request_id: Some(p.request_id.clone()),
            ..req
        };
        let replay = client
            .create(c.id(), &replay_req)
            .await
            .map_err(|e| t.fail(&step, e.to_string()))?;
        let held = sim.stats().orders;
        if !replay.replayed || replay.identifiers != p.identifiers || held != orders {
            return Err(t.fail(
                &step,
                format!(
                    "replayed={} orders on the simulator={held}, expected {orders}",
                    replay.replayed
                ),
            ));
        }
        t.record(
            &step,
            Some(replay.request_id.as_str()),
            "409",
            format!("original answer returned; {orders} order(s) on the simulator"),
        );
        payments.push(p);
    }

    // 2. The customers pay (a push payment's customer already approved in the app).
    for (c, p) in channels.iter().zip(&payments) {
        if c.samples.customer() == CustomerAction::PaysAfterRedirect {
            let step = format!("{}: customer pays (simulator)", c.id());
            // Under the `notify_before_response` fault the order was paid (and notified)
            // before the create answer: the customer has nothing left to do.
            if paid_early(&p.invoice_number) {
                t.record(
                    &step,
                    None,
                    "PAID",
                    format!(
                        "{} already paid: notified before the create answer",
                        p.invoice_number
                    ),
                );
                continue;
            }
            sim.complete(&p.invoice_number, Outcome::Paid)
                .map_err(|e| t.fail(&step, e.to_string()))?;
            t.record(&step, None, "PAID", p.invoice_number.clone());
        }
    }

    // 3. Every notification arrives, verified, routed and checked.
    let mut pending: Vec<(&Payment, &str)> = payments
        .iter()
        .zip(&channels)
        .map(|(p, c)| (p, c.id()))
        .collect();
    let mut notifications: Vec<Option<Notification>> = vec![None; payments.len()];
    while !pending.is_empty() {
        let step = "receive notification";
        let n = tokio::time::timeout(wait, rx.recv())
            .await
            .map_err(|_| t.fail(step, format!("none within {wait:?}")))?
            .ok_or_else(|| t.fail(step, "receiver stopped"))?;
        let Some(i) = pending
            .iter()
            .position(|(p, _)| p.invoice_number == n.invoice_number)
        else {
            return Err(t.fail(
                step,
                format!("unexpected notification for {}", n.invoice_number),
            ));
        };
        let (p, channel) = pending.remove(i);
        let step = format!("{channel}: notification verified");
        if let Err(m) = expect_payment(&n, &client_id, &p.invoice_number, p.amount) {
            return Err(t.fail(&step, m.to_string()));
        }
        if n.channel.as_deref() != Some(channel)
            || n.status != PaymentStatus::Success
            || n.original_request_id.as_deref() != Some(p.request_id.as_str())
        {
            return Err(t.fail(
                &step,
                format!(
                    "got {} {} for {:?}",
                    n.channel.as_deref().unwrap_or("(no channel crate)"),
                    n.status,
                    n.original_request_id
                ),
            ));
        }
        t.record(
            &step,
            Some(n.request_id.as_str()),
            &n.status,
            format!(
                "{} {} IDR, original Request-Id {}",
                n.invoice_number, n.amount, p.request_id
            ),
        );
        if let Some(slot) = payments
            .iter()
            .position(|q| q.invoice_number == n.invoice_number)
        {
            notifications[slot] = Some(n);
        }
    }

    // 4. Check Status agrees.
    for (c, p) in channels.iter().zip(&payments) {
        let step = format!("{}: check status", c.id());
        let s = client
            .check_status(&p.invoice_number)
            .await
            .map_err(|e| t.fail(&step, e.to_string()))?;
        if s.status != PaymentStatus::Success || s.amount != Some(p.amount) {
            return Err(t.fail(&step, format!("got {} {:?}", s.status, s.amount)));
        }
        t.record(
            &step,
            Some(s.request_id.as_str()),
            &s.status,
            format!("{} IDR", p.amount),
        );
    }

    // 5. Refund each paid payment where the channel offers refunds (in full).
    for ((c, p), n) in channels.iter().zip(&payments).zip(&notifications) {
        if !c.d.supports(Operation::Refund) {
            continue;
        }
        let step = format!("{}: refund", c.id());
        let reference = format!("REFUND-DEMO-{}-0001", c.id().to_ascii_uppercase());
        let Some(n) = n else {
            return Err(t.fail(&step, "no notification for the payment"));
        };
        let Some(req) = c.samples.refund_request(p, n, &reference) else {
            return Err(t.fail(
                &step,
                "the channel offers refunds but its samples have none",
            ));
        };
        let refund = client
            .refund(c.id(), &req)
            .await
            .map_err(|e| t.fail(&step, e.to_string()))?;
        if refund.refund_status != OperationStatus::Success
            || refund.payment_status != PaymentStatus::Refunded
        {
            return Err(t.fail(
                &step,
                format!(
                    "refund {} payment {}",
                    refund.refund_status, refund.payment_status
                ),
            ));
        }
        t.record(
            &step,
            Some(refund.request_id.as_str()),
            &refund.payment_status,
            format!("refund {}", refund.refund_status),
        );
    }

    // 6. Where the channel offers cancel, a second payment, cancelled before it is paid (a
    //    push payment is final when created: there is nothing pending to cancel).
    for c in &channels {
        if !c.d.supports(Operation::Cancel)
            || c.samples.customer() != CustomerAction::PaysAfterRedirect
        {
            continue;
        }
        let step = format!("{}: create second payment", c.id());
        let second = client
            .create(c.id(), &c.samples.payment_request(&c.invoice(2)))
            .await
            .map_err(|e| t.fail(&step, e.to_string()))?;
        orders += 1;
        t.record(
            &step,
            Some(second.request_id.as_str()),
            &second.status,
            ids(&second),
        );

        let step = format!("{}: cancel second payment", c.id());
        if paid_early(&second.invoice_number) {
            // `notify_before_response`: paid before its create answer, nothing to cancel.
            t.record(
                &step,
                None,
                "PAID",
                "not cancelled: paid and notified before the create answer",
            );
            continue;
        }
        let Some(req) = c.samples.cancel_request(&second) else {
            return Err(t.fail(&step, "the channel offers cancel but its samples have none"));
        };
        let cancel = client
            .cancel(c.id(), &req)
            .await
            .map_err(|e| t.fail(&step, e.to_string()))?;
        if cancel.cancel_status != OperationStatus::Success
            || cancel.payment_status != PaymentStatus::Cancelled
        {
            return Err(t.fail(
                &step,
                format!(
                    "cancel {} payment {}",
                    cancel.cancel_status, cancel.payment_status
                ),
            ));
        }
        t.record(
            &step,
            Some(cancel.request_id.as_str()),
            &cancel.payment_status,
            format!("cancel {}", cancel.cancel_status),
        );
    }

    // 7. What a channel lacks is refused before any request.
    for (c, p) in channels.iter().zip(&payments) {
        for (op, cancel, refund) in unsupported(c, p) {
            let step = format!("{}: {op} is refused unsent", c.id());
            let before = sim.stats().requests;
            let result = match (cancel, refund) {
                (Some(req), _) => client.cancel(c.id(), &req).await.map(|_| ()),
                (None, Some(req)) => client.refund(c.id(), &req).await.map(|_| ()),
                (None, None) => Ok(()),
            };
            match result {
                Err(doku_pay::Error::Unsupported { operation, .. })
                    if operation == op && sim.stats().requests == before =>
                {
                    t.record(
                        &step,
                        None,
                        "refused",
                        "typed Unsupported error, nothing sent",
                    );
                }
                other => {
                    return Err(t.fail(
                        &step,
                        format!("expected Unsupported {op} with no request, got {other:?}"),
                    ));
                }
            }
        }
    }

    let step = format!("simulator holds exactly {orders} orders");
    let held = sim.stats().orders;
    if held != orders {
        return Err(t.fail(&step, format!("{held} orders")));
    }
    t.record(&step, None, orders, "no duplicate, none lost");
    sim.shutdown().await;
    Ok(())
}
