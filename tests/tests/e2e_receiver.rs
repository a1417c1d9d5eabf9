//! End to end: client -> simulator -> signed notification -> `doku-pay-receiver` -> handler, over
//! real HTTP on 127.0.0.1 with ephemeral ports, for every linked channel (from the samples its
//! simulator plugin supplies) and every operation its descriptor offers or refuses, with the
//! simulator's faults. No channel is named here and no count is fixed: both follow from the
//! linked channels. Every wait is a wait-until-condition with a generous cap; the
//! simulator's time factor turns DOKU's retry schedule (30 min, 6 h, 12 h) into milliseconds.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use bytes::Bytes;
use doku_pay_core::signature::Components;
use doku_pay_core::{
    Amount, Api, CancelRequest, Client, ClientId, Credentials, Environment, Error, Notification,
    Operation, OperationStatus, Payment, PaymentStatus, RefundAmount, RefundRequest, Registry,
    RequestId, RetryPolicy, SecretKey,
};
use doku_pay_receiver::{BoxError, Receiver, ReconcileOutcome, expect_payment, reconcile};
use doku_pay_sim::{
    CustomerAction, EndpointFaults, FaultConfig, MerchantConfig, OrderStatus, Outcome, SimConfig,
    SimHandle, Simulator,
};
use doku_tests::{SampleChannel, sample_channels};
use http::HeaderMap;

const MERCHANT: &str = "MCH-0001-10791114622547";
const SECRET: &str = "SK-TESTVECTOR-0001";
const PATH: &str = "/payments/notifications";
const CAP: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------
// Harness.

/// What the application's handler saw.
#[derive(Default)]
struct Log {
    /// Every call, successful or not.
    calls: Mutex<Vec<Notification>>,
    /// Calls that returned `Ok`.
    handled: Mutex<Vec<Notification>>,
    /// Fail the first call of each notification.
    fail_first: bool,
    failed_once: Mutex<HashSet<String>>,
}

impl Log {
    fn calls(&self) -> usize {
        self.calls.lock().unwrap().len()
    }

    fn handled(&self) -> Vec<Notification> {
        self.handled.lock().unwrap().clone()
    }

    fn handled_for(&self, invoice: &str) -> Vec<Notification> {
        self.handled()
            .into_iter()
            .filter(|n| n.invoice_number == invoice)
            .collect()
    }
}

/// One request as the receiver got it, and its answer.
#[derive(Clone, Debug)]
struct Seen {
    headers: HeaderMap,
    body: Bytes,
    status: u16,
}

struct Harness {
    channels: Vec<SampleChannel>,
    sim: SimHandle,
    client: Client,
    log: Arc<Log>,
    seen: Arc<Mutex<Vec<Seen>>>,
    receiver_url: String,
}

impl Harness {
    async fn start(faults: FaultConfig, fail_first: bool) -> Self {
        // Every linked channel, with its samples; each is a registered client channel too.
        let channels = sample_channels();
        assert!(!channels.is_empty());
        let ids = Registry::global().ids();
        assert!(channels.iter().all(|c| ids.contains(&c.id())), "{ids:?}");

        let log = Arc::new(Log {
            fail_first,
            ..Log::default()
        });
        let l = Arc::clone(&log);
        let receiver = Receiver::builder(PATH, move |n: Notification| {
            let l = Arc::clone(&l);
            async move {
                l.calls.lock().unwrap().push(n.clone());
                if l.fail_first
                    && l.failed_once
                        .lock()
                        .unwrap()
                        .insert(n.request_id.to_string())
                {
                    return Err::<(), BoxError>("order database unavailable".into());
                }
                l.handled.lock().unwrap().push(n);
                Ok(())
            }
        })
        .merchant(
            ClientId::new(MERCHANT).unwrap(),
            SecretKey::new(SECRET).unwrap(),
        )
        .build()
        .unwrap();

        // Record every raw request and the receiver's status, in front of the real router.
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let s = Arc::clone(&seen);
        let app = receiver.router().layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let s = Arc::clone(&s);
                async move {
                    let (parts, body) = req.into_parts();
                    let body = axum::body::to_bytes(body, 1 << 20)
                        .await
                        .unwrap_or_default();
                    let headers = parts.headers.clone();
                    let res = next
                        .run(Request::from_parts(parts, Body::from(body.clone())))
                        .await;
                    s.lock().unwrap().push(Seen {
                        headers,
                        body,
                        status: res.status().as_u16(),
                    });
                    res
                }
            },
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver_url = format!("http://{}{PATH}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });

        let sim = Simulator::builder(
            SimConfig::default()
                .merchant(MerchantConfig::new(MERCHANT, SECRET).notification_url(&receiver_url))
                .time_factor(1e-5)
                .faults(faults),
        )
        .registered_channels()
        .start()
        .await
        .unwrap();
        let env = Environment::custom(sim.base_url()).unwrap();
        let api = Api::builder(Credentials::new(MERCHANT, SECRET, env).unwrap())
            .retry(RetryPolicy::NONE)
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Self {
            channels,
            sim,
            client: Client::from_api(api),
            log,
            seen,
            receiver_url,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn statuses(&self) -> BTreeMap<u16, usize> {
        let mut m = BTreeMap::new();
        for s in self.seen() {
            *m.entry(s.status).or_default() += 1;
        }
        m
    }

    /// Waits until every delivery of `invoice` is finished (delivered or out of retries).
    async fn settled(&self, invoice: &str) -> Vec<doku_pay_sim::Delivery> {
        self.sim
            .wait_for_deliveries(invoice, CAP, |d| {
                !d.is_empty() && d.iter().all(|d| d.finished)
            })
            .await
            .unwrap()
    }

    /// Posts raw bytes to the receiver as DOKU would.
    async fn post(&self, headers: &HeaderMap, body: Bytes) -> (u16, String) {
        let mut rb = doku_pay_testkit::http_client().post(&self.receiver_url);
        for name in ["Client-Id", "Request-Id", "Request-Timestamp", "Signature"] {
            if let Some(v) = headers.get(name) {
                rb = rb.header(name, v.to_str().unwrap());
            }
        }
        let res = rb.body(body).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }
}

async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + CAP;
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn rupiah(v: u64) -> Amount {
    Amount::new(v).unwrap()
}

impl Harness {
    /// Creates `invoice` on `c` from its sample; for a redirect channel the customer then
    /// completes it with `outcome` through the control API. Checks the create answer's shape.
    async fn pay(&self, c: &SampleChannel, invoice: &str, outcome: Outcome) -> Payment {
        let p = self
            .client
            .create(c.id(), &c.samples.payment_request(invoice))
            .await
            .unwrap();
        match c.samples.customer() {
            CustomerAction::PaysAfterRedirect => {
                assert_eq!(p.status, PaymentStatus::Pending, "{invoice}");
                assert!(
                    p.next_action.is_some(),
                    "{invoice}: where the customer goes"
                );
                self.sim.complete(invoice, outcome).unwrap();
            }
            CustomerAction::Nothing => assert!(p.status.is_final(), "{invoice}: {}", p.status),
        }
        p
    }

    /// The outcomes a channel's customer can reach: a redirect channel's customer pays,
    /// is declined or lets the payment expire; a push channel's create is final as answered.
    fn outcomes(c: &SampleChannel) -> &'static [(Outcome, PaymentStatus)] {
        match c.samples.customer() {
            CustomerAction::PaysAfterRedirect => &[
                (Outcome::Paid, PaymentStatus::Success),
                (Outcome::Failed, PaymentStatus::Failed),
                (Outcome::Expired, PaymentStatus::Expired),
            ],
            CustomerAction::Nothing => &[(Outcome::Paid, PaymentStatus::Success)],
        }
    }
}

/// Requests of the operations `c` lacks, for `p`: each must be refused unsent.
fn lacking(
    c: &SampleChannel,
    p: &Payment,
) -> Vec<(Operation, Option<CancelRequest>, Option<RefundRequest>)> {
    let refund = |amount| RefundRequest {
        request_id: None,
        invoice_number: p.invoice_number.clone(),
        merchant_reference: p.merchant_reference.clone(),
        identifiers: p.identifiers.clone(),
        refund_reference: "RF-UNSENT".into(),
        amount,
    };
    let mut out = Vec::new();
    if !c.d.supports(Operation::Cancel) {
        let cancel = CancelRequest {
            request_id: None,
            invoice_number: p.invoice_number.clone(),
            merchant_reference: p.merchant_reference.clone(),
            identifiers: p.identifiers.clone(),
        };
        out.push((Operation::Cancel, Some(cancel), None));
    }
    if !c.d.supports(Operation::Refund) {
        out.push((Operation::Refund, None, Some(refund(RefundAmount::Full))));
    }
    if !c.d.supports(Operation::PartialRefund) {
        out.push((
            Operation::PartialRefund,
            None,
            Some(refund(RefundAmount::Partial(rupiah(1)))),
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------
// Every operation of every channel, no faults.

#[tokio::test]
async fn every_outcome_of_every_channel_reaches_the_handler_once_and_reconciles() {
    let h = Harness::start(FaultConfig::default(), false).await;
    let mut notified = 0;
    for c in &h.channels {
        let mut created = Vec::new();
        for (i, (outcome, status)) in Harness::outcomes(c).iter().enumerate() {
            let invoice = c.invoice("E2E", i);
            let p = h.pay(c, &invoice, *outcome).await;
            let d = h.settled(&invoice).await;
            assert_eq!(d.len(), 1, "{d:?}");
            assert_eq!(d[0].attempts.len(), 1, "{d:?}");
            assert_eq!(d[0].attempts[0].status, Some(200));
            notified += 1;
            let n = h.log.handled_for(&invoice);
            assert_eq!(n.len(), 1);
            let n = &n[0];
            assert_eq!(n.channel.as_deref(), Some(c.id()));
            assert_eq!(n.channel_code, c.d.channel_code);
            assert_eq!(n.client_id, MERCHANT);
            assert_eq!(n.status, *status);
            assert_eq!(
                n.original_request_id.as_deref(),
                Some(p.request_id.as_str())
            );
            let merchant = ClientId::new(MERCHANT).unwrap();
            expect_payment(n, &merchant, &invoice, p.amount).unwrap();
            assert!(expect_payment(n, &merchant, &invoice, rupiah(p.amount.rupiah() + 1)).is_err());
            created.push((invoice, p, status.clone()));
        }

        // Reconciliation through Check Status, by invoice number and by Request-Id.
        let (paid_invoice, paid, _) = &created[0];
        let r = reconcile(&h.client, paid_invoice, paid.amount)
            .await
            .unwrap();
        assert!(matches!(r, ReconcileOutcome::Paid(_)), "{r:?}");
        let r = reconcile(&h.client, paid.request_id.as_str(), paid.amount)
            .await
            .unwrap();
        assert!(matches!(r, ReconcileOutcome::Paid(_)), "{r:?}");
        let wrong = rupiah(paid.amount.rupiah() * 10);
        let r = reconcile(&h.client, paid_invoice, wrong).await.unwrap();
        assert!(matches!(r, ReconcileOutcome::Mismatch { .. }), "{r:?}");
        for (invoice, p, status) in &created[1..] {
            let r = reconcile(h.client.api(), invoice, p.amount).await.unwrap();
            let fits = match status {
                PaymentStatus::Failed => matches!(r, ReconcileOutcome::Failed(_)),
                _ => matches!(r, ReconcileOutcome::NotPaid(_)),
            };
            assert!(fits, "{invoice}: {r:?}");
        }
        if c.samples.customer() == CustomerAction::PaysAfterRedirect {
            let invoice = c.invoice("E2E-PENDING", 0);
            let p = h
                .client
                .create(c.id(), &c.samples.payment_request(&invoice))
                .await
                .unwrap();
            let r = reconcile(&h.client, &invoice, p.amount).await.unwrap();
            assert!(matches!(r, ReconcileOutcome::Pending(_)), "{r:?}");
        }
    }
    assert_eq!(h.log.calls(), notified);
    assert_eq!(h.statuses(), BTreeMap::from([(200, notified)]));
}

#[tokio::test]
async fn every_channel_cancels_refunds_and_refuses_as_its_descriptor_says() {
    let h = Harness::start(FaultConfig::default(), false).await;
    let (mut orders, mut notified) = (0, 0);
    for c in &h.channels {
        // Cancelled while pending: no notification, Check Status says not paid.
        if c.d.supports(Operation::Cancel)
            && c.samples.customer() == CustomerAction::PaysAfterRedirect
        {
            let invoice = c.invoice("E2E-CANCEL", 0);
            let p = h
                .client
                .create(c.id(), &c.samples.payment_request(&invoice))
                .await
                .unwrap();
            orders += 1;
            let req = c.samples.cancel_request(&p).expect("a cancel sample");
            let r = h.client.cancel(c.id(), &req).await.unwrap();
            assert_eq!(r.cancel_status, OperationStatus::Success);
            assert_eq!(
                h.sim.order(&invoice).unwrap().status,
                OrderStatus::Cancelled
            );
            let r = reconcile(&h.client, &invoice, p.amount).await.unwrap();
            // DOKU has no CANCELLED transaction status: the simulator's Check Status says
            // FAILED, which is not final ("generate new payment request").
            assert!(
                matches!(&r, ReconcileOutcome::Failed(s) if s.status == PaymentStatus::Failed),
                "{r:?}"
            );
        }

        // Paid (notified), then refunded where the channel offers it.
        let invoice = c.invoice("E2E-PAID", 0);
        let p = h.pay(c, &invoice, Outcome::Paid).await;
        orders += 1;
        h.settled(&invoice).await;
        notified += 1;
        let handled = h.log.handled_for(&invoice);
        assert_eq!(handled.len(), 1);
        if c.d.supports(Operation::Refund) {
            let req = c
                .samples
                .refund_request(&p, &handled[0], "RF-E2E-1")
                .expect("a refund sample");
            let r = h.client.refund(c.id(), &req).await.unwrap();
            assert_eq!(r.refund_status, OperationStatus::Success);
            assert_eq!(h.sim.order(&invoice).unwrap().status, OrderStatus::Refunded);
            let r = reconcile(&h.client, &invoice, p.amount).await.unwrap();
            assert!(
                matches!(&r, ReconcileOutcome::NotPaid(s) if s.status == PaymentStatus::Refunded),
                "{r:?}"
            );
        }

        // What the channel lacks is refused without a request.
        for (op, cancel, refund) in lacking(c, &p) {
            let before = h.sim.stats().requests;
            let result = match (cancel, refund) {
                (Some(req), _) => h.client.cancel(c.id(), &req).await.map(|_| ()),
                (None, Some(req)) => h.client.refund(c.id(), &req).await.map(|_| ()),
                (None, None) => Ok(()),
            };
            assert!(
                matches!(&result, Err(Error::Unsupported { operation, .. }) if *operation == op),
                "{}: {op}: {result:?}",
                c.id()
            );
            assert_eq!(h.sim.stats().requests, before);
        }
    }
    assert_eq!(h.sim.stats().orders, orders);
    assert_eq!(h.log.calls(), notified);
    assert_eq!(h.statuses(), BTreeMap::from([(200, notified)]));
}

// ---------------------------------------------------------------------------------------
// Faults.

/// `faults` on the create endpoint of every linked channel, with this seed.
fn on_every_create(seed: u64, faults: EndpointFaults) -> FaultConfig {
    sample_channels()
        .iter()
        .fold(FaultConfig::seeded(seed), |config, c| {
            config.endpoint(c.create_path(), faults.clone())
        })
}

#[tokio::test]
async fn dropped_create_answers_end_in_success_or_outcome_unknown_with_one_order_per_invoice() {
    let drop = EndpointFaults {
        drop_after_processing: 0.4,
        ..EndpointFaults::default()
    };
    let h = Harness::start(on_every_create(7, drop), false).await;

    const PER_CHANNEL: usize = 12;
    let mut invoices = Vec::new();
    let (mut first_try, mut via_replay, mut via_status, mut unknown) = (0, 0, 0, 0);
    let mut dropped = 0;
    let all = PER_CHANNEL * h.channels.len();
    for c in &h.channels {
        let channel = c.id();
        for i in 0..PER_CHANNEL {
            let invoice = c.invoice("E2E-DROP", i);
            let rid = RequestId::new(format!("create-{invoice}")).unwrap();
            let mut req = c.samples.payment_request(&invoice);
            req.request_id = Some(rid.clone());
            // Even invoices retry with the same Request-Id; odd ones go straight to Check
            // Status when the answer is lost.
            let attempts = if i % 2 == 0 { 3 } else { 1 };
            let mut result = None;
            for attempt in 0..attempts {
                match h.client.create(channel, &req).await {
                    Ok(p) => {
                        assert_eq!(p.request_id, rid);
                        assert_eq!(p.invoice_number, invoice);
                        if attempt == 0 {
                            first_try += 1;
                        } else {
                            assert!(p.replayed, "a retry is answered by the replay");
                            via_replay += 1;
                        }
                        result = Some(Ok(p));
                        break;
                    }
                    Err(e @ Error::OutcomeUnknown { .. }) => {
                        dropped += 1;
                        assert_eq!(e.request_id(), Some(&rid));
                        result = Some(Err(e));
                    }
                    Err(e) => panic!("{invoice}: unexpected error {e:?}"),
                }
            }
            if let Some(Err(_)) = result {
                // Still unknown after retries: ask Check Status.
                match h.client.check_status(&invoice).await {
                    Ok(s) => {
                        assert_eq!(s.invoice_number.as_deref(), Some(invoice.as_str()));
                        via_status += 1;
                    }
                    Err(Error::OutcomeUnknown { .. }) => unknown += 1,
                    Err(e) => panic!("{invoice}: check status {e:?}"),
                }
            }
            invoices.push((*c, invoice, rid));
        }
    }
    eprintln!(
        "creates: {first_try} first try, {via_replay} by same-Request-Id retry, \
         {via_status} by Check Status, {unknown} unknown; {dropped} answers dropped"
    );
    assert_eq!(first_try + via_replay + via_status + unknown, all);
    assert!(dropped > 0, "the fault fired");
    assert!(
        via_replay > 0,
        "some create was settled by a same-Request-Id retry"
    );
    assert!(via_status > 0, "some create was settled by Check Status");
    // Exactly one order per invoice, created with our Request-Id: no duplicate, none lost.
    assert_eq!(h.sim.stats().orders, all);
    for (c, invoice, rid) in &invoices {
        let o = h.sim.order(invoice).unwrap();
        assert_eq!(o.request_id, rid.as_str());
        if c.samples.customer() == CustomerAction::PaysAfterRedirect {
            assert_eq!(o.status, OrderStatus::Pending);
        }
    }
    // And each is notified to the handler exactly once when paid (a push payment already
    // is).
    for (c, invoice, _) in &invoices {
        if c.samples.customer() == CustomerAction::PaysAfterRedirect {
            h.sim.complete(invoice, Outcome::Paid).unwrap();
        }
    }
    for (_, invoice, _) in &invoices {
        h.settled(invoice).await;
    }
    assert_eq!(h.log.calls(), all);
    let distinct: HashSet<String> = h
        .log
        .handled()
        .into_iter()
        .map(|n| n.invoice_number)
        .collect();
    assert_eq!(distinct.len(), all);
    assert_eq!(h.statuses(), BTreeMap::from([(200, all)]));
}

#[tokio::test]
async fn duplicate_notifications_run_the_handler_once_per_notification() {
    let dup = EndpointFaults {
        duplicate_notifications: 1.0,
        ..EndpointFaults::default()
    };
    let h = Harness::start(on_every_create(11, dup), false).await;
    let mut orders = Vec::new();
    for c in &h.channels {
        for i in 1..=2 {
            let invoice = c.invoice("E2E-DUP", i);
            h.pay(c, &invoice, Outcome::Paid).await;
            orders.push(invoice);
        }
    }
    for invoice in &orders {
        let invoice = invoice.as_str();
        let d = h.settled(invoice).await;
        assert_eq!(d.len(), 1);
        // Sent twice, same Request-Id; both acknowledged.
        assert_eq!(d[0].attempts.len(), 2, "{d:?}");
        assert!(d[0].attempts.iter().any(|a| a.duplicate));
        assert!(d[0].attempts.iter().all(|a| a.status == Some(200)), "{d:?}");
        assert_eq!(h.log.handled_for(invoice).len(), 1);
    }
    assert_eq!(h.log.calls(), orders.len());
    assert_eq!(h.statuses(), BTreeMap::from([(200, 2 * orders.len())]));
}

#[tokio::test]
async fn a_handler_failing_once_is_retried_by_doku_and_handled_once() {
    let h = Harness::start(FaultConfig::default(), true).await;
    let orders: Vec<String> = h
        .channels
        .iter()
        .map(|c| c.invoice("E2E-RETRY", 0))
        .collect();
    for (c, invoice) in h.channels.iter().zip(&orders) {
        h.pay(c, invoice, Outcome::Paid).await;
    }
    for invoice in &orders {
        let invoice = invoice.as_str();
        let d = h
            .sim
            .wait_for_deliveries(invoice, CAP, |d| d.len() == 1 && d[0].delivered())
            .await
            .unwrap();
        let statuses: Vec<Option<u16>> = d[0].attempts.iter().map(|a| a.status).collect();
        assert_eq!(statuses, [Some(500), Some(200)], "{d:?}");
        // The retry came on DOKU's schedule: 30 minutes, time-scaled.
        assert_eq!(d[0].attempts[1].schedule_secs, 30 * 60);
        assert_eq!(h.log.handled_for(invoice).len(), 1);
    }
    let n = orders.len();
    assert_eq!(h.log.calls(), 2 * n);
    assert_eq!(h.log.handled().len(), n);
    assert_eq!(h.statuses(), BTreeMap::from([(200, n), (500, n)]));
}

#[tokio::test]
async fn forged_tampered_and_replayed_notifications_never_reach_the_handler() {
    let h = Harness::start(FaultConfig::default(), false).await;
    // Any channel's notification does: the first linked one's.
    let c = h.channels[0];
    let invoice = c.invoice("E2E-FORGE", 0);
    let p = h.pay(&c, &invoice, Outcome::Paid).await;
    h.settled(&invoice).await;
    assert_eq!(h.log.calls(), 1);
    let genuine = h.seen()[0].clone();
    assert_eq!(genuine.status, 200);

    // Replayed as captured: acknowledged, not handled again.
    assert_eq!(
        h.post(&genuine.headers, genuine.body.clone()).await,
        (200, "ok: already handled".to_owned())
    );
    // Tampered: the amount raised, signature kept.
    let amount = p.amount.to_string();
    let tampered = String::from_utf8(genuine.body.to_vec())
        .unwrap()
        .replace(&amount, &format!("{amount}0"));
    assert_ne!(tampered.as_bytes(), &genuine.body[..]);
    assert_eq!(
        h.post(&genuine.headers, Bytes::from(tampered)).await,
        (401, "invalid signature".to_owned())
    );
    // Forged: a fresh Request-Id signed with a guessed secret.
    let mut forged = genuine.headers.clone();
    let ts = forged["Request-Timestamp"].to_str().unwrap().to_owned();
    let sig = Components::notification(MERCHANT, "forged-0001", &ts, PATH, &genuine.body)
        .sign(&SecretKey::new("SK-GUESSED").unwrap());
    forged.insert("Request-Id", "forged-0001".parse().unwrap());
    forged.insert("Signature", sig.parse().unwrap());
    assert_eq!(
        h.post(&forged, genuine.body.clone()).await,
        (401, "invalid signature".to_owned())
    );
    // Replayed under a new Request-Id (to dodge deduplication): the signature covers it.
    let mut renamed = genuine.headers.clone();
    renamed.insert("Request-Id", "replayed-under-new-id".parse().unwrap());
    assert_eq!(
        h.post(&renamed, genuine.body.clone()).await,
        (401, "invalid signature".to_owned())
    );
    // Stripped of its signature.
    let mut unsigned = genuine.headers.clone();
    unsigned.remove("Signature");
    assert_eq!(
        h.post(&unsigned, genuine.body.clone()).await,
        (400, "missing Signature header".to_owned())
    );

    assert_eq!(h.log.calls(), 1);
    assert_eq!(h.statuses(), BTreeMap::from([(200, 2), (400, 1), (401, 3)]));
    assert_eq!(h.sim.stats().orders, 1);
}

#[tokio::test]
async fn a_notification_before_the_create_answer_is_handled_once() {
    let early = EndpointFaults {
        notify_before_response: 1.0,
        ..EndpointFaults::default()
    };
    let h = Harness::start(on_every_create(3, early), false).await;
    for c in &h.channels {
        let invoice = c.invoice("E2E-EARLY", 0);
        let invoice = invoice.as_str();
        let p = h
            .client
            .create(c.id(), &c.samples.payment_request(invoice))
            .await
            .unwrap();
        // The handler already has it when the create returns.
        let n = h.log.handled_for(invoice);
        assert_eq!(n.len(), 1, "{invoice}");
        assert_eq!(n[0].status, PaymentStatus::Success);
        assert_eq!(
            n[0].original_request_id.as_deref(),
            Some(p.request_id.as_str())
        );
    }
    let n = h.channels.len();
    wait_until("every delivery acknowledged", || {
        h.statuses().get(&200) == Some(&n)
    })
    .await;
    assert_eq!(h.log.calls(), n);
    assert_eq!(h.sim.stats().orders, n);
}
