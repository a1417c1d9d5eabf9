//! Signed HTTP notifications and DOKU's retry schedule.
//!
//! The first attempt is made at once; a non-2xx answer (or no answer) is retried 30 minutes,
//! 6 hours and 12 hours after the first attempt, each offset multiplied by the configured
//! time factor. Every attempt sends the same bytes with the same headers (Request-Id,
//! Request-Timestamp, Signature): DOKU does not document re-signing retries.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use doku_pay_core::clock::format_timestamp;
use doku_pay_core::signature::Components;
use doku_pay_core::transport::headers as h;
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::config::{Merchant, redact};
use crate::store::{Attempt, Delivery, Store, lock};

/// DOKU's schedule: offsets from the first attempt, in seconds.
pub const RETRY_SCHEDULE_SECS: [u64; 4] = [0, 30 * 60, 6 * 3600, 12 * 3600];

/// The farthest retry offset scheduled: beyond it (a huge time factor) the remaining attempts
/// are not scheduled, and the delivery log says so.
const MAX_RETRY_OFFSET: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The longest path quoted in a delivery note.
const NOTE_PATH_CHARS: usize = 128;

/// `path`, cut to [`NOTE_PATH_CHARS`] characters for a note.
fn short(path: &str) -> String {
    match path.char_indices().nth(NOTE_PATH_CHARS) {
        Some((i, _)) => format!("{}...", &path[..i]),
        None => path.to_owned(),
    }
}

/// What sending notifications needs, shared with the engine: the store (to log deliveries),
/// an HTTP client, the schedule's time factor and the shutdown signal.
pub(crate) struct Notifier {
    pub(crate) store: Arc<Mutex<Store>>,
    pub(crate) http: reqwest::Client,
    pub(crate) time_factor: f64,
    pub(crate) attempt_timeout: Duration,
    pub(crate) shutdown: tokio::sync::watch::Sender<bool>,
    /// The runtime the simulator was started on (notifications are spawned there, so the
    /// control methods work from any thread).
    pub(crate) runtime: tokio::runtime::Handle,
}

/// A notification ready to send.
pub(crate) struct NotifyJob {
    generation: u64,
    order: u32,
    delivery: usize,
    url: reqwest::Url,
    client_id: String,
    request_id: String,
    timestamp: String,
    signature: String,
    body: Bytes,
    duplicate: bool,
}

/// Builds the notification of order `idx` (already in its new state) of `merchant`, whose
/// body is `envelope`, records its delivery entry, and returns the job to send, or `None`
/// when there is nowhere to send it.
pub(crate) fn prepare(
    merchant: &Merchant,
    store: &mut Store,
    idx: u32,
    envelope: &serde_json::Value,
    duplicate: bool,
    generation: u64,
) -> Option<NotifyJob> {
    let order = store.order(idx)?;
    let request_id = uuid::Uuid::new_v4().to_string();
    let status = order.status.doku_status().to_owned();
    let mut notes = Vec::new();
    let url = match (&merchant.notification_url, order.override_url.as_deref()) {
        (None, over) => {
            notes.push("merchant has no notification URL: nothing sent".to_owned());
            if over.is_some() {
                notes.push("override_notification_url ignored: no configured URL".to_owned());
            }
            None
        }
        (Some(configured), None) => Some(configured.clone()),
        (Some(configured), Some(over)) => match reqwest::Url::parse(over) {
            Ok(u) if u.path() == configured.path() => {
                notes.push("sent to override_notification_url".to_owned());
                Some(u)
            }
            Ok(u) => {
                notes.push(format!(
                    "override_notification_url ignored: its path {} differs from {}",
                    short(u.path()),
                    short(configured.path())
                ));
                Some(configured.clone())
            }
            Err(e) => {
                notes.push(format!("override_notification_url ignored: {e}"));
                Some(configured.clone())
            }
        },
    };
    let body = serde_json::to_vec(envelope).unwrap_or_default();
    let timestamp = format_timestamp(OffsetDateTime::now_utc());
    let job = url.as_ref().map(|u| {
        let signature = Components::notification(
            &merchant.client_id,
            &request_id,
            &timestamp,
            u.path(),
            &body,
        )
        .sign(&merchant.secret);
        (u.clone(), signature)
    });
    let client_id = merchant.client_id.clone();
    // The log shows where it went, never the URL's credentials (the request still has them).
    let delivery = store.push_delivery(
        idx,
        Delivery {
            request_id: request_id.clone(),
            url: url.as_ref().map(redact),
            transaction_status: status,
            notes,
            attempts: Vec::new(),
            finished: job.is_none(),
        },
    )?;
    let (url, signature) = job?;
    Some(NotifyJob {
        generation,
        order: idx,
        delivery,
        url,
        client_id,
        request_id,
        timestamp,
        signature,
        body: Bytes::from(body),
        duplicate,
    })
}

/// Sends `job` on its schedule in a task; `first_done` is signalled after the first attempt
/// (and its duplicate, if any).
pub(crate) fn spawn(
    st: Arc<Notifier>,
    job: NotifyJob,
    first_done: Option<tokio::sync::oneshot::Sender<()>>,
) {
    let rt = st.runtime.clone();
    rt.spawn(run(st, job, first_done));
}

async fn run(
    st: Arc<Notifier>,
    job: NotifyJob,
    mut first_done: Option<tokio::sync::oneshot::Sender<()>>,
) {
    let mut shutdown = st.shutdown.subscribe();
    let start = Instant::now();
    let factor = st.time_factor;
    for (i, secs) in RETRY_SCHEDULE_SECS.iter().copied().enumerate() {
        let at = Duration::try_from_secs_f64(secs as f64 * factor)
            .ok()
            .filter(|offset| *offset <= MAX_RETRY_OFFSET)
            .and_then(|offset| start.checked_add(offset));
        let Some(at) = at else {
            let note = format!(
                "attempt {} and later not scheduled: {secs} s times time_factor {factor:e} is \
                 beyond 100 years",
                i + 1
            );
            let mut store = lock(&st.store);
            if store.generation == job.generation {
                store.push_note(job.order, job.delivery, note);
            }
            break;
        };
        tokio::select! {
            _ = tokio::time::sleep_until(at) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        let number = i as u32 + 1;
        let attempt = send(&st, &job, start, number, secs, false).await;
        let ok = attempt.succeeded();
        record(&st, &job, attempt);
        if ok && job.duplicate {
            let dup = send(&st, &job, start, number, secs, true).await;
            record(&st, &job, dup);
        }
        if let Some(tx) = first_done.take() {
            let _ = tx.send(());
        }
        if ok {
            break;
        }
    }
    let mut store = lock(&st.store);
    if store.generation == job.generation
        && let Some(d) = store.delivery_mut(job.order, job.delivery)
    {
        d.finished = true;
    }
}

async fn send(
    st: &Notifier,
    job: &NotifyJob,
    start: Instant,
    number: u32,
    schedule_secs: u64,
    duplicate: bool,
) -> Attempt {
    let result = st
        .http
        .post(job.url.clone())
        .timeout(st.attempt_timeout)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(h::CLIENT_ID, &job.client_id)
        .header(h::REQUEST_ID, &job.request_id)
        .header(h::REQUEST_TIMESTAMP, &job.timestamp)
        .header(h::SIGNATURE, &job.signature)
        .body(job.body.clone())
        .send()
        .await;
    let (status, error) = match result {
        Ok(resp) => (Some(resp.status().as_u16()), None),
        Err(e) => (None, Some(e.without_url().to_string())),
    };
    Attempt {
        number,
        schedule_secs,
        elapsed_ms: start.elapsed().as_millis() as u64,
        status,
        error,
        duplicate,
    }
}

fn record(st: &Notifier, job: &NotifyJob, attempt: Attempt) {
    let mut store = lock(&st.store);
    if store.generation == job.generation {
        store.push_attempt(job.order, job.delivery, attempt);
    }
}
