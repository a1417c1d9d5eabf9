//! `doku demo`: the whole flow offline, on the embedded simulator, with a real receiver.
//!
//! Simulator and receiver run on 127.0.0.1 with ephemeral ports. The demo creates an Akulaku
//! order and a LinkAja payment, replays one create with the same Request-Id (DOKU's stored
//! answer, no second order), completes both payments through the simulator's control API,
//! receives and verifies both notifications, checks their status, refunds the Akulaku order,
//! and creates and cancels a second one. Every step is checked; the first that does not check
//! out ends the demo with a non-zero exit naming it.

use std::time::{Duration, Instant};

use clap::Args;
use doku::receiver::{BoxError, Receiver, expect_payment};
use doku::sim::Outcome;
use doku::{
    Amount, CancelRequest, Client, Customer, Identifier, LineItem, NextAction, Notification,
    OperationStatus, Payment, PaymentRequest, PaymentStatus, RefundAmount, RefundRequest,
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
    /// duplicate_notifications, notify_before_response). Shows how each step fares.
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
                "{:>6} ms  ok  {:<34} {:<10} {}{}",
                s.at_ms,
                s.step,
                s.status,
                s.request_id
                    .as_deref()
                    .map(|r| format!("Request-Id {r}  "))
                    .unwrap_or_default(),
                s.detail
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
            println!("{:>6} ms  FAIL {:<33} {}", s.at_ms, s.step, why);
        }
        self.steps.push(s);
        Failure::refused(format!("demo step `{step}` did not check out: {why}"))
    }
}

fn amount(v: u64) -> Amount {
    Amount::new(v).expect("demo amounts are far below the 12-digit limit")
}

fn akulaku_request(invoice: &str) -> PaymentRequest {
    PaymentRequest {
        request_id: None,
        invoice_number: invoice.into(),
        amount: amount(90_000),
        line_items: vec![
            LineItem {
                name: "T-Shirt Red".into(),
                price: amount(30_000),
                quantity: 2,
                sku: Some("1002".into()),
                category: Some("Shirt".into()),
            },
            LineItem {
                name: "Polo Navy".into(),
                price: amount(30_000),
                quantity: 1,
                sku: Some("1001".into()),
                category: Some("Shirt".into()),
            },
        ],
        callback_url: Some("https://merchant.example/return-url".into()),
        customer: Customer {
            id: Some("CUST-0001".into()),
            name: Some("Anton Budiman".into()),
            phone: Some("6285694566147".into()),
            address: Some("Menara Mulia Lantai 8".into()),
            city: Some("Jakarta Selatan".into()),
            state: Some("DKI Jakarta".into()),
            postcode: Some("120129".into()),
            email: None,
            wallet_account: None,
        },
        merchant_reference: None,
        notification_url: None,
        additional_info: Default::default(),
    }
}

fn linkaja_request(invoice: &str) -> PaymentRequest {
    PaymentRequest {
        request_id: None,
        invoice_number: invoice.into(),
        amount: amount(150_000),
        line_items: vec![LineItem {
            name: "Roti".into(),
            price: amount(150_000),
            quantity: 1,
            sku: None,
            category: None,
        }],
        callback_url: Some("https://merchant.example/return-url".into()),
        customer: Customer {
            name: Some("Jessica Tessalonika".into()),
            phone: Some("081112345678".into()),
            ..Customer::default()
        },
        merchant_reference: None,
        notification_url: None,
        additional_info: Default::default(),
    }
}

fn ids(p: &Payment) -> String {
    p.identifiers
        .iter()
        .map(|Identifier { name, value }| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) async fn run(a: DemoArgs, json: bool) -> Result<(), Failure> {
    let mut t = Timeline {
        started: Instant::now(),
        steps: Vec::new(),
        json,
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
        Some(path) => Some(crate::input::read_json::<doku::sim::FaultConfig>(
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

    let client = Client::new(creds).map_err(|e| t.fail("client", e.to_string()))?;

    // 1. Akulaku order.
    let step = "akulaku: generate order";
    let ak_req = akulaku_request("INV-DEMO-AKULAKU-0001");
    let ak = client
        .create("akulaku", &ak_req)
        .await
        .map_err(|e| t.fail(step, e.to_string()))?;
    if ak.status != PaymentStatus::Pending || ak.identifiers.len() < 2 {
        return Err(t.fail(
            step,
            format!(
                "expected PENDING with identifiers, got {} [{}]",
                ak.status,
                ids(&ak)
            ),
        ));
    }
    t.record(step, Some(ak.request_id.as_str()), &ak.status, ids(&ak));

    // 2. Same Request-Id again: DOKU's stored answer, no second order.
    let step = "akulaku: replay same Request-Id";
    let replay_req = PaymentRequest {
        request_id: Some(ak.request_id.clone()),
        ..ak_req.clone()
    };
    let replay = client
        .create("akulaku", &replay_req)
        .await
        .map_err(|e| t.fail(step, e.to_string()))?;
    let orders = sim.stats().orders;
    if !replay.replayed || replay.identifiers != ak.identifiers || orders != 1 {
        return Err(t.fail(
            step,
            format!(
                "replayed={} orders on the simulator={orders}",
                replay.replayed
            ),
        ));
    }
    t.record(
        step,
        Some(replay.request_id.as_str()),
        "409",
        "original answer returned; 1 order on the simulator",
    );

    // 3. LinkAja payment.
    let step = "linkaja: create payment";
    let lk = client
        .create("linkaja", &linkaja_request("INV-DEMO-LINKAJA-0001"))
        .await
        .map_err(|e| t.fail(step, e.to_string()))?;
    let redirect = match &lk.next_action {
        Some(NextAction::Redirect { method, url, .. }) => format!("redirect {method} {url}"),
        None => return Err(t.fail(step, "no redirect for the customer")),
    };
    t.record(step, Some(lk.request_id.as_str()), &lk.status, redirect);

    // 4. The customers pay.
    for (step, invoice) in [
        ("akulaku: customer pays (simulator)", &ak.invoice_number),
        ("linkaja: customer pays (simulator)", &lk.invoice_number),
    ] {
        sim.complete(invoice, Outcome::Paid)
            .map_err(|e| t.fail(step, e.to_string()))?;
        t.record(step, None, "PAID", invoice.clone());
    }

    // 5. Both notifications arrive, verified, routed and checked.
    let mut pending = vec![(ak.clone(), "akulaku"), (lk.clone(), "linkaja")];
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
        if let Err(m) = expect_payment(&n, &p.invoice_number, p.amount) {
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
    }

    // 6. Check Status agrees.
    for (channel, p) in [("akulaku", &ak), ("linkaja", &lk)] {
        let step = format!("{channel}: check status");
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

    // 7. Refund the Akulaku order (full amount: Akulaku offers no partial refund).
    let step = "akulaku: refund";
    let refund = client
        .refund(
            "akulaku",
            &RefundRequest {
                request_id: None,
                invoice_number: ak.invoice_number.clone(),
                merchant_reference: ak.merchant_reference.clone(),
                identifiers: ak.identifiers.clone(),
                refund_reference: "REFUND-DEMO-0001".into(),
                amount: RefundAmount::Full,
            },
        )
        .await
        .map_err(|e| t.fail(step, e.to_string()))?;
    if refund.refund_status != OperationStatus::Success
        || refund.payment_status != PaymentStatus::Refunded
    {
        return Err(t.fail(
            step,
            format!(
                "refund {} payment {}",
                refund.refund_status, refund.payment_status
            ),
        ));
    }
    t.record(
        step,
        Some(refund.request_id.as_str()),
        &refund.payment_status,
        format!("refund {}", refund.refund_status),
    );

    // 8. A second Akulaku order, cancelled before payment.
    let step = "akulaku: generate second order";
    let second = client
        .create("akulaku", &akulaku_request("INV-DEMO-AKULAKU-0002"))
        .await
        .map_err(|e| t.fail(step, e.to_string()))?;
    t.record(
        step,
        Some(second.request_id.as_str()),
        &second.status,
        ids(&second),
    );

    let step = "akulaku: cancel second order";
    let cancel = client
        .cancel(
            "akulaku",
            &CancelRequest {
                request_id: None,
                invoice_number: second.invoice_number.clone(),
                merchant_reference: second.merchant_reference.clone(),
                identifiers: second.identifiers.clone(),
            },
        )
        .await
        .map_err(|e| t.fail(step, e.to_string()))?;
    if cancel.cancel_status != OperationStatus::Success
        || cancel.payment_status != PaymentStatus::Cancelled
    {
        return Err(t.fail(
            step,
            format!(
                "cancel {} payment {}",
                cancel.cancel_status, cancel.payment_status
            ),
        ));
    }
    t.record(
        step,
        Some(cancel.request_id.as_str()),
        &cancel.payment_status,
        format!("cancel {}", cancel.cancel_status),
    );

    // 9. LinkAja offers no cancel: refused before any request.
    let step = "linkaja: cancel is refused unsent";
    let before = sim.stats().requests;
    match client
        .cancel(
            "linkaja",
            &CancelRequest {
                request_id: None,
                invoice_number: lk.invoice_number.clone(),
                merchant_reference: None,
                identifiers: vec![],
            },
        )
        .await
    {
        Err(doku::Error::Unsupported { .. }) if sim.stats().requests == before => {
            t.record(
                step,
                None,
                "refused",
                "typed Unsupported error, nothing sent",
            );
        }
        other => {
            return Err(t.fail(
                step,
                format!("expected Unsupported with no request, got {other:?}"),
            ));
        }
    }

    let step = "simulator holds exactly 3 orders";
    let orders = sim.stats().orders;
    if orders != 3 {
        return Err(t.fail(step, format!("{orders} orders")));
    }
    t.record(step, None, "3", "no duplicate, none lost");
    sim.shutdown().await;
    Ok(())
}
