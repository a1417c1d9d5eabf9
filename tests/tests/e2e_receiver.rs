//! End to end: client -> simulator -> signed notification -> `doku-receiver` -> handler, over
//! real HTTP on 127.0.0.1 with ephemeral ports, for both channels and every operation, with
//! the simulator's faults. Every wait is a wait-until-condition with a generous cap; the
//! simulator's time factor turns DOKU's retry schedule (30 min, 6 h, 12 h) into milliseconds.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use bytes::Bytes;
use doku_core::signature::Components;
use doku_core::{
    Amount, Api, CancelRequest, Client, ClientId, Credentials, Environment, Error, Notification,
    OperationStatus, PaymentRequest, PaymentStatus, RefundAmount, RefundRequest, Registry,
    RequestId, RetryPolicy, SecretKey,
};
use doku_receiver::{BoxError, Receiver, ReconcileOutcome, expect_payment, reconcile};
use doku_sim::{
    EndpointFaults, FaultConfig, MerchantConfig, OrderStatus, Outcome, SimConfig, SimHandle,
    Simulator,
};
use http::HeaderMap;
use serde_json::json;

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
    sim: SimHandle,
    client: Client,
    log: Arc<Log>,
    seen: Arc<Mutex<Vec<Seen>>>,
    receiver_url: String,
}

impl Harness {
    async fn start(faults: FaultConfig, fail_first: bool) -> Self {
        // The channels are linked (and so registered) by naming them.
        let _ = (&doku_linkaja::DESCRIPTOR, &doku_akulaku::DESCRIPTOR);
        let ids = Registry::global().ids();
        assert!(
            ids.contains(&"linkaja") && ids.contains(&"akulaku"),
            "{ids:?}"
        );

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
        .channel(doku_linkaja::sim::LinkAjaSim)
        .channel(doku_akulaku::sim::AkulakuSim)
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
    async fn settled(&self, invoice: &str) -> Vec<doku_sim::Delivery> {
        self.sim
            .wait_for_deliveries(invoice, CAP, |d| {
                !d.is_empty() && d.iter().all(|d| d.finished)
            })
            .await
            .unwrap()
    }

    /// Posts raw bytes to the receiver as DOKU would.
    async fn post(&self, headers: &HeaderMap, body: Bytes) -> (u16, String) {
        let mut rb = reqwest::Client::new().post(&self.receiver_url);
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

fn linkaja_request(invoice: &str) -> PaymentRequest {
    serde_json::from_value(json!({
        "invoice_number": invoice,
        "amount": 150000,
        "line_items": [{"name": "Roti", "price": 50000, "quantity": 3}],
        "callback_url": "https://merchant.example/return",
        "customer": {"name": "Jessica Tessalonika", "phone": "081112345678"}
    }))
    .unwrap()
}

fn akulaku_request(invoice: &str) -> PaymentRequest {
    serde_json::from_value(json!({
        "invoice_number": invoice,
        "amount": 90000,
        "line_items": [
            {"name": "T-Shirt Red", "price": 30000, "quantity": 2, "sku": "1002", "category": "Shirt"},
            {"name": "Polo Navy", "price": 30000, "quantity": 1, "sku": "1001", "category": "Shirt"}
        ],
        "callback_url": "https://merchant.example/return",
        "merchant_reference": format!("MUR-{invoice}"),
        "customer": {"id": "CUST-0001", "name": "Anton Budiman", "phone": "6285694566147",
                     "city": "", "state": "", "postcode": ""}
    }))
    .unwrap()
}

fn request_for(channel: &str, invoice: &str) -> PaymentRequest {
    match channel {
        "linkaja" => linkaja_request(invoice),
        _ => akulaku_request(invoice),
    }
}

// ---------------------------------------------------------------------------------------
// Every operation of both channels, no faults.

#[tokio::test]
async fn linkaja_paid_failed_expired_reach_the_handler_once_each() {
    let h = Harness::start(FaultConfig::default(), false).await;
    let mut created = Vec::new();
    for (invoice, outcome) in [
        ("INV-E2E-LA-PAID", Outcome::Paid),
        ("INV-E2E-LA-FAILED", Outcome::Failed),
        ("INV-E2E-LA-EXPIRED", Outcome::Expired),
    ] {
        let p = h
            .client
            .create("linkaja", &linkaja_request(invoice))
            .await
            .unwrap();
        assert_eq!(p.status, PaymentStatus::Pending);
        assert!(p.next_action.is_some());
        h.sim.complete(invoice, outcome).unwrap();
        let d = h.settled(invoice).await;
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].attempts.len(), 1, "{d:?}");
        assert_eq!(d[0].attempts[0].status, Some(200));
        created.push(p);
    }
    assert_eq!(h.log.calls(), 3);
    assert_eq!(h.statuses(), BTreeMap::from([(200, 3)]));
    for (p, status) in created.iter().zip([
        PaymentStatus::Success,
        PaymentStatus::Failed,
        PaymentStatus::Expired,
    ]) {
        let n = h.log.handled_for(&p.invoice_number);
        assert_eq!(n.len(), 1);
        let n = &n[0];
        assert_eq!(n.channel.as_deref(), Some("linkaja"));
        assert_eq!(n.channel_code, "EMONEY_LINKAJA");
        assert_eq!(n.client_id, MERCHANT);
        assert_eq!(n.status, status);
        assert_eq!(
            n.original_request_id.as_deref(),
            Some(p.request_id.as_str())
        );
        expect_payment(n, &p.invoice_number, rupiah(150_000)).unwrap();
        assert!(expect_payment(n, &p.invoice_number, rupiah(15_000)).is_err());
    }

    // Reconciliation through Check Status.
    let paid = reconcile(&h.client, "INV-E2E-LA-PAID", rupiah(150_000))
        .await
        .unwrap();
    assert!(matches!(paid, ReconcileOutcome::Paid(_)), "{paid:?}");
    let by_rid = reconcile(&h.client, created[0].request_id.as_str(), rupiah(150_000))
        .await
        .unwrap();
    assert!(matches!(by_rid, ReconcileOutcome::Paid(_)), "{by_rid:?}");
    let wrong = reconcile(&h.client, "INV-E2E-LA-PAID", rupiah(1_500_000))
        .await
        .unwrap();
    assert!(
        matches!(wrong, ReconcileOutcome::Mismatch { .. }),
        "{wrong:?}"
    );
    let failed = reconcile(h.client.api(), "INV-E2E-LA-FAILED", rupiah(150_000))
        .await
        .unwrap();
    assert!(matches!(failed, ReconcileOutcome::Failed(_)), "{failed:?}");
    h.client
        .create("linkaja", &linkaja_request("INV-E2E-LA-PENDING"))
        .await
        .unwrap();
    let pending = reconcile(&h.client, "INV-E2E-LA-PENDING", rupiah(150_000))
        .await
        .unwrap();
    assert!(
        matches!(pending, ReconcileOutcome::Pending(_)),
        "{pending:?}"
    );

    // LinkAja has no cancel or refund: refused without a request.
    let before = h.sim.stats().requests;
    let cancel = CancelRequest {
        request_id: None,
        invoice_number: "INV-E2E-LA-PENDING".into(),
        merchant_reference: None,
        identifiers: Vec::new(),
    };
    assert!(matches!(
        h.client.cancel("linkaja", &cancel).await,
        Err(Error::Unsupported { .. })
    ));
    assert_eq!(h.sim.stats().requests, before);
    assert_eq!(h.sim.stats().orders, 4);
    assert_eq!(h.log.calls(), 3);
}

#[tokio::test]
async fn akulaku_create_cancel_pay_refund_expire_end_to_end() {
    let h = Harness::start(FaultConfig::default(), false).await;

    // Created, then cancelled: no notification, Check Status says not paid.
    let p1 = h
        .client
        .create("akulaku", &akulaku_request("INV-E2E-AK-CANCEL"))
        .await
        .unwrap();
    assert_eq!(p1.status, PaymentStatus::Pending);
    let c = h
        .client
        .cancel("akulaku", &doku_akulaku::cancel_request(&p1))
        .await
        .unwrap();
    assert_eq!(c.cancel_status, OperationStatus::Success);
    assert_eq!(
        h.sim.order("INV-E2E-AK-CANCEL").unwrap().status,
        OrderStatus::Cancelled
    );
    let r = reconcile(&h.client, "INV-E2E-AK-CANCEL", rupiah(90_000))
        .await
        .unwrap();
    // DOKU has no CANCELLED transaction status: the simulator's Check Status says FAILED,
    // which is not final ("generate new payment request").
    assert!(
        matches!(&r, ReconcileOutcome::Failed(s) if s.status == PaymentStatus::Failed),
        "{r:?}"
    );

    // Created, paid (notified), then refunded.
    let p2 = h
        .client
        .create("akulaku", &akulaku_request("INV-E2E-AK-PAID"))
        .await
        .unwrap();
    h.sim.complete("INV-E2E-AK-PAID", Outcome::Paid).unwrap();
    h.settled("INV-E2E-AK-PAID").await;
    let n = h.log.handled_for("INV-E2E-AK-PAID");
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].channel.as_deref(), Some("akulaku"));
    assert_eq!(n[0].channel_code, "PEER_TO_PEER_AKULAKU");
    assert_eq!(n[0].status, PaymentStatus::Success);
    expect_payment(&n[0], "INV-E2E-AK-PAID", rupiah(90_000)).unwrap();
    let r = reconcile(&h.client, "INV-E2E-AK-PAID", rupiah(90_000))
        .await
        .unwrap();
    assert!(matches!(r, ReconcileOutcome::Paid(_)), "{r:?}");
    let refund = RefundRequest {
        amount: RefundAmount::Full,
        ..doku_akulaku::refund_request(&p2, "RF-E2E-AK-1")
    };
    let rf = h.client.refund("akulaku", &refund).await.unwrap();
    assert_eq!(rf.refund_status, OperationStatus::Success);
    assert_eq!(
        h.sim.order("INV-E2E-AK-PAID").unwrap().status,
        OrderStatus::Refunded
    );
    let r = reconcile(&h.client, "INV-E2E-AK-PAID", rupiah(90_000))
        .await
        .unwrap();
    assert!(
        matches!(&r, ReconcileOutcome::NotPaid(s) if s.status == PaymentStatus::Refunded),
        "{r:?}"
    );

    // Created, expired (notified).
    h.client
        .create("akulaku", &akulaku_request("INV-E2E-AK-EXPIRED"))
        .await
        .unwrap();
    h.sim
        .complete("INV-E2E-AK-EXPIRED", Outcome::Expired)
        .unwrap();
    h.settled("INV-E2E-AK-EXPIRED").await;
    let n = h.log.handled_for("INV-E2E-AK-EXPIRED");
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].status, PaymentStatus::Expired);

    assert_eq!(h.log.calls(), 2);
    assert_eq!(h.statuses(), BTreeMap::from([(200, 2)]));
    assert_eq!(h.sim.stats().orders, 3);
}

// ---------------------------------------------------------------------------------------
// Faults.

#[tokio::test]
async fn dropped_create_answers_end_in_success_or_outcome_unknown_with_one_order_per_invoice() {
    let drop = EndpointFaults {
        drop_after_processing: 0.4,
        ..EndpointFaults::default()
    };
    let faults = FaultConfig::seeded(7)
        .endpoint(doku_linkaja::CREATE_PATH, drop.clone())
        .endpoint(doku_akulaku::CREATE_PATH, drop);
    let h = Harness::start(faults, false).await;

    const PER_CHANNEL: usize = 12;
    let mut invoices = Vec::new();
    let (mut first_try, mut via_replay, mut via_status, mut unknown) = (0, 0, 0, 0);
    let mut dropped = 0;
    for channel in ["linkaja", "akulaku"] {
        for i in 0..PER_CHANNEL {
            let invoice = format!("INV-E2E-DROP-{channel}-{i:02}");
            let rid = RequestId::new(format!("create-{invoice}")).unwrap();
            let mut req = request_for(channel, &invoice);
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
            invoices.push((channel, invoice, rid));
        }
    }
    eprintln!(
        "creates: {first_try} first try, {via_replay} by same-Request-Id retry, \
         {via_status} by Check Status, {unknown} unknown; {dropped} answers dropped"
    );
    assert_eq!(
        first_try + via_replay + via_status + unknown,
        2 * PER_CHANNEL
    );
    assert!(dropped > 0, "the fault fired");
    assert!(
        via_replay > 0,
        "some create was settled by a same-Request-Id retry"
    );
    assert!(via_status > 0, "some create was settled by Check Status");
    // Exactly one order per invoice, created with our Request-Id: no duplicate, none lost.
    assert_eq!(h.sim.stats().orders, 2 * PER_CHANNEL);
    for (_, invoice, rid) in &invoices {
        let o = h.sim.order(invoice).unwrap();
        assert_eq!(o.request_id, rid.as_str());
        assert_eq!(o.status, OrderStatus::Pending);
    }
    // And each is notified to the handler exactly once when paid.
    for (_, invoice, _) in &invoices {
        h.sim.complete(invoice, Outcome::Paid).unwrap();
    }
    for (_, invoice, _) in &invoices {
        h.settled(invoice).await;
    }
    assert_eq!(h.log.calls(), 2 * PER_CHANNEL);
    let distinct: HashSet<String> = h
        .log
        .handled()
        .into_iter()
        .map(|n| n.invoice_number)
        .collect();
    assert_eq!(distinct.len(), 2 * PER_CHANNEL);
    assert_eq!(h.statuses(), BTreeMap::from([(200, 2 * PER_CHANNEL)]));
}

#[tokio::test]
async fn duplicate_notifications_run_the_handler_once_per_notification() {
    let dup = EndpointFaults {
        duplicate_notifications: 1.0,
        ..EndpointFaults::default()
    };
    let faults = FaultConfig::seeded(11)
        .endpoint(doku_linkaja::CREATE_PATH, dup.clone())
        .endpoint(doku_akulaku::CREATE_PATH, dup);
    let h = Harness::start(faults, false).await;
    let orders = [
        ("linkaja", "INV-E2E-DUP-LA-1"),
        ("linkaja", "INV-E2E-DUP-LA-2"),
        ("akulaku", "INV-E2E-DUP-AK-1"),
        ("akulaku", "INV-E2E-DUP-AK-2"),
    ];
    for (channel, invoice) in orders {
        h.client
            .create(channel, &request_for(channel, invoice))
            .await
            .unwrap();
        h.sim.complete(invoice, Outcome::Paid).unwrap();
    }
    for (_, invoice) in orders {
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
    let orders = [
        ("linkaja", "INV-E2E-RETRY-LA"),
        ("akulaku", "INV-E2E-RETRY-AK"),
    ];
    for (channel, invoice) in orders {
        h.client
            .create(channel, &request_for(channel, invoice))
            .await
            .unwrap();
        h.sim.complete(invoice, Outcome::Paid).unwrap();
    }
    for (_, invoice) in orders {
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
    assert_eq!(h.log.calls(), 4);
    assert_eq!(h.log.handled().len(), 2);
    assert_eq!(h.statuses(), BTreeMap::from([(200, 2), (500, 2)]));
}

#[tokio::test]
async fn forged_tampered_and_replayed_notifications_never_reach_the_handler() {
    let h = Harness::start(FaultConfig::default(), false).await;
    h.client
        .create("linkaja", &linkaja_request("INV-E2E-FORGE"))
        .await
        .unwrap();
    h.sim.complete("INV-E2E-FORGE", Outcome::Paid).unwrap();
    h.settled("INV-E2E-FORGE").await;
    assert_eq!(h.log.calls(), 1);
    let genuine = h.seen()[0].clone();
    assert_eq!(genuine.status, 200);

    // Replayed as captured: acknowledged, not handled again.
    assert_eq!(
        h.post(&genuine.headers, genuine.body.clone()).await,
        (200, "ok: already handled".to_owned())
    );
    // Tampered: the amount raised, signature kept.
    let tampered = String::from_utf8(genuine.body.to_vec())
        .unwrap()
        .replace("150000", "1500000");
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
    let faults = FaultConfig::seeded(3)
        .endpoint(doku_linkaja::CREATE_PATH, early.clone())
        .endpoint(doku_akulaku::CREATE_PATH, early);
    let h = Harness::start(faults, false).await;
    for (channel, invoice) in [
        ("linkaja", "INV-E2E-EARLY-LA"),
        ("akulaku", "INV-E2E-EARLY-AK"),
    ] {
        let p = h
            .client
            .create(channel, &request_for(channel, invoice))
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
    wait_until("two deliveries acknowledged", || {
        h.statuses().get(&200) == Some(&2)
    })
    .await;
    assert_eq!(h.log.calls(), 2);
    assert_eq!(h.sim.stats().orders, 2);
}
