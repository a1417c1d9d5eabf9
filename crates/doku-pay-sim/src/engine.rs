//! The engine: merchants and their authentication, the order state machine, idempotent
//! replays (409) and the storage budget, Check Status, faults and the start of notifications.
//! It knows HTTP only as headers and bytes ([`http::HeaderMap`], [`Bytes`]) and answers with
//! a [`Reply`]; the axum side ([`crate::http`]) routes requests to it and turns replies into
//! responses.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use bytes::Bytes;
use doku_pay_core::Operation;
use doku_pay_core::clock::{format_timestamp, parse_timestamp};
use doku_pay_core::signature::Components;
use doku_pay_core::transport::headers as h;
use http::HeaderMap;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::config::{CHECK_STATUS_KEY, EndpointFaults, FaultConfig, Merchant, SimConfig};
use crate::error::SimError;
use crate::notify::{self, Notifier, NotifyJob};
use crate::plugin::{
    CancelOrder, NewOrder, OrderView, RefundOrder, Rejection, SimChannel, SimRequest, Synchronous,
};
use crate::status::{OrderStatus, Outcome};
use crate::store::{Answered, Order, OrderSnapshot, Store, answered_bytes, lock, unix_to_datetime};

/// What the engine answers: a status, headers (signed answers carry `Client-Id`,
/// `Request-Id`, `Response-Timestamp` and `Signature`) and a JSON body; or nothing at all.
pub(crate) enum Reply {
    /// An answer (its body is JSON).
    Answer {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Bytes,
    },
    /// The connection is closed before anything is written (the dropped-answer fault).
    Dropped,
}

impl Reply {
    /// An unsigned answer.
    pub(crate) fn unsigned(status: u16, body: Bytes) -> Self {
        Self::Answer {
            status,
            headers: Vec::new(),
            body,
        }
    }
}

/// One channel endpoint.
pub(crate) struct Route {
    pub(crate) channel: u16,
    pub(crate) op: Operation,
    pub(crate) path: &'static str,
}

/// Faults resolved per route.
pub(crate) struct Faults {
    pub(crate) config: FaultConfig,
    pub(crate) routes: Vec<EndpointFaults>,
    pub(crate) check_status: EndpointFaults,
}

impl Faults {
    /// Whether the fault `kind` with this rate happens to the request `request_id` on
    /// `path`: the same answer for the same request, whatever else is going on.
    pub(crate) fn roll(&self, rate: f64, path: &str, request_id: &str, kind: &str) -> bool {
        if rate <= 0.0 {
            false
        } else if rate >= 1.0 {
            true
        } else {
            fault_draw(self.config.seed, path, request_id, kind) < rate
        }
    }

    pub(crate) fn resolve(config: FaultConfig, routes: &[Route]) -> Self {
        Self {
            routes: routes
                .iter()
                .map(|r| config.for_endpoint(r.path).clone())
                .collect(),
            check_status: config.for_endpoint(CHECK_STATUS_KEY).clone(),
            config,
        }
    }
}

/// The simulator's state and everything it does with it, shared by the HTTP layer and the
/// [`crate::SimHandle`].
pub(crate) struct Engine {
    pub(crate) merchants: Vec<Merchant>,
    pub(crate) by_client: HashMap<String, u16>,
    pub(crate) channels: Vec<Box<dyn SimChannel>>,
    pub(crate) routes: Vec<Route>,
    pub(crate) store: Arc<Mutex<Store>>,
    pub(crate) faults: RwLock<Arc<Faults>>,
    pub(crate) config: SimConfig,
    pub(crate) notifier: Arc<Notifier>,
    pub(crate) base_url: String,
}

/// A DOKU-style error body: `{"error":{"code","message","type"}}`, plus `message[]` when
/// there are several reasons.
pub(crate) fn error_body(code: &str, message: &str, kind: &str, reasons: &[String]) -> Bytes {
    let mut v = json!({"error": {"code": code, "message": message, "type": kind}});
    if !reasons.is_empty() {
        v["message"] = json!(reasons);
    }
    Bytes::from(serde_json::to_vec(&v).unwrap_or_default())
}

/// A request that passed the header and signature checks.
struct Authed<'a> {
    client: u16,
    request_id: &'a str,
    digest: Option<[u8; 44]>,
}

/// A request refused before its merchant was authenticated: status, code, message. Answered
/// unsigned.
struct Refused(u16, &'static str, &'static str);

impl Refused {
    fn reply(&self) -> Reply {
        let kind = if self.0 == 401 {
            "authentication"
        } else {
            "invalid_request_error"
        };
        Reply::unsigned(self.0, error_body(self.1, self.2, kind, &[]))
    }
}

/// The outcome of processing a body, before it is signed.
struct Answer {
    status: u16,
    body: Bytes,
    store: bool,
    order: Option<u32>,
    /// How to take the change back when the answer does not fit in the byte budget.
    undo: Undo,
}

impl Answer {
    fn error(status: u16, code: &str, message: &str, kind: &str, store: bool) -> Self {
        Self {
            status,
            body: error_body(code, message, kind, &[]),
            store,
            order: None,
            undo: Undo::Nothing,
        }
    }
}

/// A change [`Engine::apply`] made to the store.
enum Undo {
    /// None.
    Nothing,
    /// A new order (the last one).
    Created(u32),
    /// A state change of an existing order.
    Changed {
        idx: u32,
        status: OrderStatus,
        updated: i64,
        refund_reference: Option<Box<str>>,
    },
}

impl Undo {
    /// Moves order `o` (at `idx`) to `status` at `now`, and returns how to undo that.
    fn change(o: &mut Order, idx: u32, status: OrderStatus, now: i64) -> Self {
        let undo = Self::Changed {
            idx,
            status: o.status,
            updated: o.updated,
            refund_reference: o.refund_reference.clone(),
        };
        o.status = status;
        o.updated = now;
        undo
    }

    fn apply(self, store: &mut Store) {
        match self {
            Self::Nothing => {}
            Self::Created(idx) => store.remove_last_order(idx),
            Self::Changed {
                idx,
                status,
                updated,
                refund_reference,
            } => {
                if let Some(o) = store.order_mut(idx) {
                    o.status = status;
                    o.updated = updated;
                }
                store.set_refund_reference(idx, refund_reference);
            }
        }
    }
}

/// FNV-1a (64 bits) over `parts`, each followed by a `0xff` separator (a byte no path or
/// Request-Id contains), then the SplitMix64 finaliser: fixed across platforms and releases.
fn fault_hash(seed: u64, parts: &[&[u8]]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    for byte in seed
        .to_le_bytes()
        .iter()
        .chain(parts.iter().flat_map(|p| p.iter().chain(&[0xff])))
    {
        h ^= u64::from(*byte);
        h = h.wrapping_mul(PRIME);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// A uniform draw in `0.0..1.0`, a pure function of the seed, the endpoint path, the
/// Request-Id and the fault kind.
pub(crate) fn fault_draw(seed: u64, path: &str, request_id: &str, kind: &str) -> f64 {
    let h = fault_hash(
        seed,
        &[path.as_bytes(), request_id.as_bytes(), kind.as_bytes()],
    );
    (h >> 11) as f64 / (1u64 << 53) as f64
}

enum Decoded {
    Create(NewOrder),
    Cancel(CancelOrder),
    Refund(RefundOrder),
}

pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty())
}

impl Engine {
    /// Checks the configuration and the plugins' endpoints and builds the engine (inside a
    /// Tokio runtime: notifications are spawned on it).
    pub(crate) fn build(
        config: SimConfig,
        plugins: Vec<Box<dyn SimChannel>>,
        base_url: String,
    ) -> Result<Self, SimError> {
        config.check()?;
        let mut merchants = Vec::with_capacity(config.merchants.len());
        let mut by_client = HashMap::new();
        for m in &config.merchants {
            let merchant = m.build()?;
            let idx = merchants.len() as u16;
            if by_client.insert(m.client_id.clone(), idx).is_some() {
                return Err(SimError::Config(format!(
                    "merchant `{}` configured twice",
                    m.client_id
                )));
            }
            merchants.push(merchant);
        }
        let mut channels: Vec<Box<dyn SimChannel>> = Vec::new();
        for c in plugins {
            if !channels
                .iter()
                .any(|k| k.descriptor().id == c.descriptor().id)
            {
                channels.push(c);
            }
        }
        if channels.len() > usize::from(u16::MAX) {
            return Err(SimError::Config("too many channels".into()));
        }
        let mut routes: Vec<Route> = Vec::new();
        for (ci, c) in channels.iter().enumerate() {
            for e in c.descriptor().endpoints {
                if e.method != doku_pay_core::Method::POST
                    || !matches!(
                        e.operation,
                        Operation::Create | Operation::Cancel | Operation::Refund
                    )
                {
                    continue;
                }
                // What axum's router would refuse with a panic (a `{capture}`, a `*` or a
                // `:` segment) or read as something else (a query), refused as an error; the
                // control API keeps `/_sim`.
                if !doku_pay_core::channel::is_plain_path(e.path) || e.path.starts_with("/_sim") {
                    return Err(SimError::Config(format!(
                        "channel `{}`: endpoint path `{}` is not a plain absolute path",
                        c.descriptor().id,
                        e.path
                    )));
                }
                if let Some(other) = routes.iter().find(|r| r.path == e.path) {
                    return Err(SimError::Config(format!(
                        "endpoint `{}` claimed by channels `{}` and `{}`",
                        e.path,
                        channels[usize::from(other.channel)].descriptor().id,
                        c.descriptor().id
                    )));
                }
                routes.push(Route {
                    channel: ci as u16,
                    op: e.operation,
                    path: e.path,
                });
            }
        }
        if routes.len() > usize::from(u16::MAX) {
            return Err(SimError::Config("too many endpoints".into()));
        }
        let faults = Faults::resolve(config.faults.clone(), &routes);
        let http = doku_pay_core::transport::http_client_builder()
            .user_agent("doku-pay-sim")
            .build()
            .map_err(|e| SimError::Config(format!("HTTP client: {e}")))?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            SimError::Config("the simulator must start inside a Tokio runtime".into())
        })?;
        let (shutdown, _) = tokio::sync::watch::channel(false);
        let store = Arc::new(Mutex::new(Store::new(
            merchants.len(),
            config.max_orders,
            config.max_requests,
            config.max_store_bytes,
        )));
        let notifier = Arc::new(Notifier {
            store: store.clone(),
            http,
            time_factor: config.time_factor,
            attempt_timeout: Duration::from_millis(config.notification_timeout_ms),
            shutdown,
            runtime,
        });
        Ok(Self {
            store,
            faults: RwLock::new(Arc::new(faults)),
            merchants,
            by_client,
            channels,
            routes,
            config,
            notifier,
            base_url,
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    pub(crate) fn faults(&self) -> Arc<Faults> {
        self.faults
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn set_faults(&self, config: FaultConfig) -> Result<(), SimError> {
        config.check()?;
        let resolved = Arc::new(Faults::resolve(config, &self.routes));
        *self.faults.write().unwrap_or_else(|e| e.into_inner()) = resolved;
        Ok(())
    }

    /// Checks Client-Id, Request-Id, Request-Timestamp and the signature.
    fn authenticate<'a>(
        &self,
        headers: &'a HeaderMap,
        target: &str,
        body: Option<&[u8]>,
    ) -> Result<Authed<'a>, Refused> {
        let client = header_str(headers, h::CLIENT_ID)
            .and_then(|c| self.by_client.get(c).copied())
            .ok_or(Refused(401, "invalid_client_id", "Invalid Client-Id"))?;
        let bad_header = |msg| Refused(400, "invalid_header", msg);
        let request_id = match header_str(headers, h::REQUEST_ID) {
            None => return Err(bad_header("Request-Id header is required")),
            Some(r) if r.len() > 128 => {
                return Err(bad_header("Request-Id must be at most 128 characters"));
            }
            Some(r) if !r.bytes().all(|b| (0x21..=0x7e).contains(&b)) => {
                return Err(bad_header("Request-Id must be visible ASCII"));
            }
            Some(r) => r,
        };
        let timestamp = header_str(headers, h::REQUEST_TIMESTAMP)
            .ok_or(bad_header("Request-Timestamp header is required"))?;
        if parse_timestamp(timestamp).is_none() {
            return Err(bad_header(
                "Request-Timestamp must be UTC ISO-8601 like 2020-09-22T01:51:00Z",
            ));
        }
        let merchant = &self.merchants[usize::from(client)];
        let components =
            Components::request(&merchant.client_id, request_id, timestamp, target, body);
        let verified = header_str(headers, h::SIGNATURE)
            .map(|sig| components.verify(&merchant.secret, sig).is_ok())
            .unwrap_or(false);
        if !verified {
            return Err(Refused(
                401,
                "invalid_signature",
                "Invalid Header Signature",
            ));
        }
        let digest = components.digest.map(|d| *d.as_bytes());
        Ok(Authed {
            client,
            request_id,
            digest,
        })
    }

    /// Signs an answer: Client-Id, echoed Request-Id, Response-Timestamp and Signature over
    /// the path called and the body. `tamper` signs other bytes (bad-signature fault).
    fn signed(
        &self,
        client: u16,
        request_id: &str,
        target: &str,
        status: u16,
        body: Bytes,
        tamper: bool,
    ) -> Reply {
        let merchant = &self.merchants[usize::from(client)];
        let ts = format_timestamp(OffsetDateTime::now_utc());
        let signed_body: &[u8] = if tamper { b"tampered" } else { &body };
        let sig = Components::response(&merchant.client_id, request_id, &ts, target, signed_body)
            .sign(&merchant.secret);
        Reply::Answer {
            status,
            headers: vec![
                (h::CLIENT_ID, merchant.client_id.clone()),
                (h::REQUEST_ID, request_id.to_owned()),
                (h::RESPONSE_TIMESTAMP, ts),
                (h::SIGNATURE, sig.as_str().to_owned()),
            ],
            body,
        }
    }

    pub(crate) fn view<'a>(&'a self, idx: u32, o: &'a Order) -> OrderView<'a> {
        OrderView {
            client_id: &self.merchants[usize::from(o.client)].client_id,
            invoice_number: &o.invoice,
            amount: o.amount,
            status: o.status,
            request_id: &o.request_id,
            merchant_reference: o.reference.as_deref(),
            refund_reference: o.refund_reference.as_deref(),
            order_id: Order::order_id(idx),
            created_at: unix_to_datetime(o.created),
            updated_at: unix_to_datetime(o.updated),
            base_url: &self.base_url,
        }
    }

    /// The notification / Check Status envelope of an order.
    pub(crate) fn envelope(&self, idx: u32, o: &Order) -> Value {
        let channel = &self.channels[usize::from(o.channel)];
        let d = channel.descriptor();
        let view = self.view(idx, o);
        let mut map = Map::new();
        map.insert("service".into(), json!({"id": d.service_id}));
        map.insert("acquirer".into(), json!({"id": d.acquirer_id}));
        map.insert("channel".into(), json!({"id": d.channel_code}));
        map.insert(
            "order".into(),
            json!({"invoice_number": &*o.invoice, "amount": o.amount}),
        );
        map.insert(
            "transaction".into(),
            json!({
                "status": o.status.doku_status(),
                "date": format_timestamp(view.updated_at),
                "original_request_id": &*o.request_id,
            }),
        );
        for (k, v) in channel.channel_objects(&view) {
            map.entry(k).or_insert(v);
        }
        Value::Object(map)
    }

    pub(crate) fn snapshot(&self, idx: u32, o: &Order) -> OrderSnapshot {
        OrderSnapshot {
            client_id: self.merchants[usize::from(o.client)].client_id.clone(),
            channel: self.channels[usize::from(o.channel)]
                .descriptor()
                .id
                .to_owned(),
            invoice_number: o.invoice.to_string(),
            amount: o.amount,
            status: o.status,
            request_id: o.request_id.to_string(),
            merchant_reference: o.reference.as_deref().map(str::to_owned),
            refund_reference: o.refund_reference.as_deref().map(str::to_owned),
            order_id: Order::order_id(idx),
            deliveries: o.deliveries.clone(),
        }
    }

    /// The order with this invoice number, of merchant `client_id` or of the only merchant
    /// that has it.
    pub(crate) fn order_snapshot(
        &self,
        client_id: Option<&str>,
        invoice: &str,
    ) -> Result<OrderSnapshot, SimError> {
        let client = self.client_index(client_id)?;
        let store = self.lock();
        let idx = store.find(client, invoice)?;
        let o = store
            .order(idx)
            .ok_or_else(|| SimError::NotFound(invoice.to_owned()))?;
        Ok(self.snapshot(idx, o))
    }

    /// Forgets every order and answered request.
    pub(crate) fn reset(&self) {
        self.lock().clear();
    }

    pub(crate) fn client_index(&self, client_id: Option<&str>) -> Result<Option<u16>, SimError> {
        client_id
            .map(|c| {
                self.by_client
                    .get(c)
                    .copied()
                    .ok_or_else(|| SimError::Config(format!("unknown Client-Id `{c}`")))
            })
            .transpose()
    }

    /// Completes a pending payment and starts its notification.
    pub(crate) fn complete(
        self: &Arc<Self>,
        client_id: Option<&str>,
        invoice: &str,
        outcome: Outcome,
    ) -> Result<OrderSnapshot, SimError> {
        let client = self.client_index(client_id)?;
        let (snapshot, job) = {
            let mut store = self.lock();
            let idx = store.find(client, invoice)?;
            let job = self.complete_locked(&mut store, idx, outcome.status())?;
            let o = store
                .order(idx)
                .ok_or_else(|| SimError::NotFound(invoice.to_owned()))?;
            (self.snapshot(idx, o), job)
        };
        if let Some(job) = job {
            notify::spawn(self.notifier.clone(), job, None);
        }
        Ok(snapshot)
    }

    /// Moves a pending order to `status` and prepares its notification (under the lock).
    fn complete_locked(
        &self,
        store: &mut Store,
        idx: u32,
        status: OrderStatus,
    ) -> Result<Option<NotifyJob>, SimError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let o = store
            .order_mut(idx)
            .ok_or_else(|| SimError::NotFound(idx.to_string()))?;
        if o.status != OrderStatus::Pending {
            return Err(SimError::InvalidState {
                invoice: o.invoice.to_string(),
                status: o.status,
            });
        }
        o.status = status;
        o.updated = now;
        let duplicate = {
            let faults = self.faults();
            let route = usize::from(o.route);
            let rate = faults
                .routes
                .get(route)
                .map_or(0.0, |f| f.duplicate_notifications);
            let path = self.routes.get(route).map_or("", |r| r.path);
            faults.roll(rate, path, &o.request_id, "duplicate_notifications")
        };
        let client = o.client;
        let generation = store.generation;
        let envelope = store
            .order(idx)
            .map(|o| self.envelope(idx, o))
            .unwrap_or_default();
        let merchant = &self.merchants[usize::from(client)];
        Ok(notify::prepare(
            merchant, store, idx, &envelope, duplicate, generation,
        ))
    }

    /// A synchronous create (see [`crate::Synchronous`]): waits for the customer (the
    /// channel's delay, time-scaled, or until the control API completed the order), completes
    /// the order with the plugin's outcome if it is still pending, starts its notification,
    /// and returns the answer shaped from the completed order, which also replaces the
    /// pending answer kept for replays. `None` when the simulator was reset or stopped
    /// meanwhile (the pending answer stands).
    async fn answer_synchronously(
        &self,
        channel: u16,
        auth: &Authed<'_>,
        sync: Synchronous,
        idx: u32,
        generation: u64,
    ) -> Option<Bytes> {
        let plugin = &self.channels[usize::from(channel)];
        let delay = self
            .config
            .answer_delay_ms
            .get(plugin.descriptor().id)
            .map_or(sync.delay, |ms| Duration::from_millis(*ms));
        let scaled = Duration::try_from_secs_f64(delay.as_secs_f64() * self.config.time_factor)
            .unwrap_or(Duration::MAX);
        let deadline = tokio::time::Instant::now().checked_add(scaled);
        let mut shutdown = self.notifier.shutdown.subscribe();
        loop {
            let settled = {
                let store = self.lock();
                store.generation != generation
                    || store
                        .order(idx)
                        .is_none_or(|o| o.status != OrderStatus::Pending)
            };
            let now = tokio::time::Instant::now();
            if settled || deadline.is_some_and(|at| now >= at) {
                break;
            }
            let step = deadline.map_or(ANSWER_POLL, |at| (at - now).min(ANSWER_POLL));
            tokio::select! {
                _ = tokio::time::sleep(step) => {}
                _ = shutdown.wait_for(|stop| *stop) => return None,
            }
        }
        let (body, job) = {
            let mut store = self.lock();
            if store.generation != generation {
                return None;
            }
            let job = match store.order(idx) {
                Some(o) if o.status == OrderStatus::Pending => self
                    .complete_locked(&mut store, idx, sync.outcome.status())
                    .ok()
                    .flatten(),
                Some(_) => None,
                None => return None,
            };
            let o = store.order(idx)?;
            let body = to_bytes(&plugin.create_response(&self.view(idx, o)));
            store.replace_answer_body(auth.client, auth.request_id, body.clone());
            (body, job)
        };
        if let Some(job) = job {
            notify::spawn(self.notifier.clone(), job, None);
        }
        Some(body)
    }

    /// Handles a channel endpoint.
    ///
    /// `read_body` reads the body, `None` when it is larger than
    /// [`SimConfig::max_body_bytes`] (answered 413); it is awaited after the endpoint's
    /// latency fault.
    pub(crate) async fn channel_request(
        self: Arc<Self>,
        route_idx: usize,
        headers: &HeaderMap,
        target: &str,
        read_body: impl Future<Output = Option<Bytes>>,
    ) -> Reply {
        let faults = self.faults();
        let Some(ef) = faults.routes.get(route_idx) else {
            return Reply::unsigned(404, error_body("not_found", "Not Found", "routing", &[]));
        };
        if ef.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(ef.latency_ms)).await;
        }
        let Some(body) = read_body.await else {
            return Reply::unsigned(
                413,
                error_body(
                    "payload_too_large",
                    "Request body too large",
                    "invalid_request_error",
                    &[],
                ),
            );
        };
        let auth = match self.authenticate(headers, target, Some(&body)) {
            Ok(a) => a,
            Err(refused) => return refused.reply(),
        };
        let route = &self.routes[route_idx];
        let roll = |rate: f64, kind: &str| faults.roll(rate, route.path, auth.request_id, kind);
        if roll(ef.error_rate, "error_rate") {
            return self.signed(
                auth.client,
                auth.request_id,
                target,
                500,
                error_body(
                    "internal_server_error",
                    "Internal Server Error (simulated)",
                    "api_error",
                    &[],
                ),
                false,
            );
        }
        let channel = &self.channels[usize::from(route.channel)];
        let merchant = &self.merchants[usize::from(auth.client)];
        let request = SimRequest::new(&body, headers, &merchant.context, target);
        let decoded = match route.op {
            Operation::Create => channel.decode_create(&request).map(Decoded::Create),
            Operation::Cancel => channel.decode_cancel(&request).map(Decoded::Cancel),
            Operation::Refund | Operation::PartialRefund => {
                channel.decode_refund(&request).map(Decoded::Refund)
            }
            // An operation this simulator does not know yet: no endpoint routes to it.
            other => Err(Rejection::Malformed(format!("{other} is not simulated"))),
        };
        let synchronous = match &decoded {
            Ok(Decoded::Create(new)) => new.synchronous,
            _ => None,
        };
        let early_notify = matches!(decoded, Ok(Decoded::Create(_)))
            && ef.notify_before_response > 0.0
            && roll(ef.notify_before_response, "notify_before_response");
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let mut job = None;
        // A synchronous create's order and the store's generation when it was made.
        let mut waiting = None;
        let (status, mut answer_body) = {
            let mut store = self.lock();
            let m = &store.merchants[usize::from(auth.client)];
            if let Some(prev) = m.requests.get(auth.request_id) {
                if Some(prev.digest) == auth.digest && usize::from(prev.path_route) == route_idx {
                    (409, prev.body.clone())
                } else {
                    let b = error_body(
                        "request_id_reused",
                        "Request-Id already used with a different request",
                        "idempotency_error",
                        &[],
                    );
                    (422, b)
                }
            } else if store.requests >= store.max_requests {
                (507, storage_full())
            } else {
                let mut answer = match decoded {
                    Err(rejection) => rejection_answer(rejection),
                    Ok(d) => self.apply(&mut store, &auth, route_idx, d, now),
                };
                let kept = answer.store.then_some(auth.digest).flatten();
                let cost = kept.map_or(0, |_| answered_bytes(auth.request_id, &answer.body));
                if !store.fits(cost) {
                    // The order (or its change) and its answer do not fit: take it back.
                    std::mem::replace(&mut answer.undo, Undo::Nothing).apply(&mut store);
                    answer = Answer {
                        status: 507,
                        body: storage_full(),
                        store: false,
                        order: None,
                        undo: Undo::Nothing,
                    };
                } else if let Some(digest) = kept {
                    store.insert_answer(
                        auth.client,
                        auth.request_id,
                        Answered {
                            digest,
                            path_route: route_idx as u16,
                            body: answer.body.clone(),
                            order: answer.order.filter(|_| route.op == Operation::Create),
                        },
                    );
                }
                if early_notify
                    && answer.status == 200
                    && let Some(idx) = answer.order
                {
                    job = self
                        .complete_locked(&mut store, idx, OrderStatus::Paid)
                        .ok()
                        .flatten();
                }
                if answer.status == 200
                    && route.op == Operation::Create
                    && let (Some(sync), Some(idx)) = (synchronous, answer.order)
                {
                    waiting = Some((sync, idx, store.generation));
                }
                (answer.status, answer.body)
            }
        };
        if let Some(job) = job {
            let (tx, rx) = tokio::sync::oneshot::channel();
            notify::spawn(self.notifier.clone(), job, Some(tx));
            let _ = rx.await;
        }
        if let Some((sync, idx, generation)) = waiting
            && let Some(body) = self
                .answer_synchronously(route.channel, &auth, sync, idx, generation)
                .await
        {
            answer_body = body;
        }
        if status != 409
            && status != 422
            && status != 507
            && roll(ef.drop_after_processing, "drop_after_processing")
        {
            return Reply::Dropped;
        }
        let tamper = roll(ef.bad_signature, "bad_signature");
        self.signed(
            auth.client,
            auth.request_id,
            target,
            status,
            answer_body,
            tamper,
        )
    }

    /// Applies a decoded request to the store (under the lock) and shapes the answer.
    fn apply(
        &self,
        store: &mut Store,
        auth: &Authed<'_>,
        route_idx: usize,
        decoded: Decoded,
        now: i64,
    ) -> Answer {
        let route = &self.routes[route_idx];
        let channel = &self.channels[usize::from(route.channel)];
        let client = usize::from(auth.client);
        match decoded {
            Decoded::Create(new) => {
                if store.merchants[client]
                    .by_invoice
                    .contains_key(new.invoice_number.as_str())
                {
                    return Answer::error(
                        422,
                        "duplicate_invoice_number",
                        "Invoice number already used",
                        "invalid_request_error",
                        true,
                    );
                }
                if store.orders.len() >= store.max_orders {
                    return Answer {
                        status: 507,
                        body: storage_full(),
                        store: false,
                        order: None,
                        undo: Undo::Nothing,
                    };
                }
                let order = Order {
                    invoice: new.invoice_number.into(),
                    request_id: auth.request_id.into(),
                    reference: new.merchant_reference.map(Into::into),
                    refund_reference: None,
                    override_url: new.override_notification_url.map(Into::into),
                    amount: new.amount,
                    created: now,
                    updated: now,
                    status: OrderStatus::Pending,
                    client: auth.client,
                    channel: route.channel,
                    route: route_idx as u16,
                    deliveries: Vec::new(),
                };
                // Refused before anything is shaped when the order alone does not fit.
                if !store.fits(order.bytes()) {
                    return Answer {
                        status: 507,
                        body: storage_full(),
                        store: false,
                        order: None,
                        undo: Undo::Nothing,
                    };
                }
                let idx = store.insert_order(order);
                let o = &store.orders[idx as usize];
                let body = to_bytes(&channel.create_response(&self.view(idx, o)));
                Answer {
                    status: 200,
                    body,
                    store: true,
                    order: Some(idx),
                    undo: Undo::Created(idx),
                }
            }
            Decoded::Cancel(c) => {
                let Some(idx) = self.find_for(
                    store,
                    client,
                    route.channel,
                    &c.invoice_number,
                    c.merchant_reference.as_deref(),
                ) else {
                    return failed(channel.cancel_failed(&c, None, ORDER_NOT_FOUND));
                };
                let o = &mut store.orders[idx as usize];
                if o.status != OrderStatus::Pending {
                    let message = format!(
                        "Order is {}: only a pending order can be cancelled",
                        o.status
                    );
                    let o = &store.orders[idx as usize];
                    let view = self.view(idx, o);
                    return failed(channel.cancel_failed(&c, Some(&view), &message));
                }
                let undo = Undo::change(o, idx, OrderStatus::Cancelled, now);
                let o = &store.orders[idx as usize];
                Answer {
                    status: 200,
                    body: to_bytes(&channel.cancel_response(&self.view(idx, o))),
                    store: true,
                    order: Some(idx),
                    undo,
                }
            }
            Decoded::Refund(r) => {
                let Some(idx) = self.find_for(
                    store,
                    client,
                    route.channel,
                    &r.invoice_number,
                    r.merchant_reference.as_deref(),
                ) else {
                    return failed(channel.refund_failed(&r, None, ORDER_NOT_FOUND));
                };
                let o = &mut store.orders[idx as usize];
                let refusal = match o.status {
                    OrderStatus::Paid => None,
                    // The same refund asked again: its answer again ("REFUNDED = Refund
                    // request success / already request").
                    OrderStatus::Refunded
                        if o.refund_reference.as_deref() == Some(r.refund_reference.as_str()) =>
                    {
                        let o = &store.orders[idx as usize];
                        return failed(channel.refund_response(&self.view(idx, o)));
                    }
                    OrderStatus::Refunded => Some("Order is already refunded".to_owned()),
                    other => Some(format!(
                        "Order is {other}: only a paid order can be refunded"
                    )),
                };
                if let Some(message) = refusal {
                    let o = &store.orders[idx as usize];
                    let view = self.view(idx, o);
                    return failed(channel.refund_failed(&r, Some(&view), &message));
                }
                let undo = Undo::change(o, idx, OrderStatus::Refunded, now);
                store.set_refund_reference(idx, Some(r.refund_reference.into()));
                let o = &store.orders[idx as usize];
                Answer {
                    status: 200,
                    body: to_bytes(&channel.refund_response(&self.view(idx, o))),
                    store: true,
                    order: Some(idx),
                    undo,
                }
            }
        }
    }

    /// The client's order with this invoice number, made through the same channel, whose
    /// merchant reference matches when both sides have one. An order of another channel is
    /// not found (answered like an unknown order).
    fn find_for(
        &self,
        store: &Store,
        client: usize,
        channel: u16,
        invoice: &str,
        reference: Option<&str>,
    ) -> Option<u32> {
        let idx = *store.merchants.get(client)?.by_invoice.get(invoice)?;
        let o = store.order(idx)?;
        if o.channel != channel {
            return None;
        }
        match (o.reference.as_deref(), reference) {
            (Some(ours), Some(theirs)) if ours != theirs => None,
            _ => Some(idx),
        }
    }

    /// Handles Check Status.
    pub(crate) async fn check_status(&self, id: &str, headers: &HeaderMap, target: &str) -> Reply {
        let faults = self.faults();
        let ef = &faults.check_status;
        if ef.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(ef.latency_ms)).await;
        }
        let auth = match self.authenticate(headers, target, None) {
            Ok(a) => a,
            Err(refused) => return refused.reply(),
        };
        let roll =
            |rate: f64, kind: &str| faults.roll(rate, CHECK_STATUS_KEY, auth.request_id, kind);
        if roll(ef.error_rate, "error_rate") {
            let b = error_body(
                "internal_server_error",
                "Internal Server Error (simulated)",
                "api_error",
                &[],
            );
            return self.signed(auth.client, auth.request_id, target, 500, b, false);
        }
        let found = {
            let store = self.lock();
            let m = &store.merchants[usize::from(auth.client)];
            m.by_invoice
                .get(id)
                .copied()
                .or_else(|| m.requests.get(id).and_then(|a| a.order))
                .and_then(|idx| store.order(idx).map(|o| self.envelope(idx, o)))
        };
        let (status, body) = match found {
            Some(v) => (200, to_bytes(&v)),
            None => (
                404,
                error_body(
                    "order_not_found",
                    "Order Not Found",
                    "invalid_request_error",
                    &[],
                ),
            ),
        };
        if roll(ef.drop_after_processing, "drop_after_processing") {
            return Reply::Dropped;
        }
        let tamper = roll(ef.bad_signature, "bad_signature");
        self.signed(auth.client, auth.request_id, target, status, body, tamper)
    }
}

/// How often a synchronous create looks whether the control API completed its order.
const ANSWER_POLL: Duration = Duration::from_millis(5);

fn to_bytes(v: &Value) -> Bytes {
    Bytes::from(serde_json::to_vec(v).unwrap_or_default())
}

fn storage_full() -> Bytes {
    error_body("storage_full", "Simulator store is full", "api_error", &[])
}

/// DOKU's message for a cancel or refund of an order it does not know (Akulaku's cancel
/// sample).
const ORDER_NOT_FOUND: &str = "Order Not Found";

/// A cancel or refund that changed nothing, answered 200 with the channel's `FAILED` shape
/// and kept for idempotent replay.
fn failed(body: Value) -> Answer {
    Answer {
        status: 200,
        body: to_bytes(&body),
        store: true,
        order: None,
        undo: Undo::Nothing,
    }
}

fn rejection_answer(r: Rejection) -> Answer {
    match r {
        Rejection::Malformed(reason) => Answer {
            status: 400,
            body: error_body(
                "invalid_request",
                "Malformed request body",
                "validation",
                &[reason],
            ),
            store: true,
            order: None,
            undo: Undo::Nothing,
        },
        Rejection::Invalid(v) => {
            let reasons: Vec<String> = v.iter().map(ToString::to_string).collect();
            Answer {
                status: 400,
                body: error_body("invalid_request", &v.to_string(), "validation", &reasons),
                store: true,
                order: None,
                undo: Undo::Nothing,
            }
        }
        Rejection::Unsupported(op) => Answer::error(
            404,
            "unsupported_operation",
            &format!("This channel does not offer {op}"),
            "invalid_request_error",
            true,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::fault_draw;

    #[test]
    fn fault_draws_are_fixed_and_uniform() {
        // Pinned: the same seed and request give the same fault on every platform and
        // release.
        let d = fault_draw(42, "/testpay/v1/create", "det-0", "error_rate");
        assert_eq!(
            d,
            fault_draw(42, "/testpay/v1/create", "det-0", "error_rate")
        );
        assert_eq!(
            d.to_bits(),
            0x3fe1_d2f6_6a27_3a83_u64,
            "{d} {:#x}",
            d.to_bits()
        );
        // Every input matters.
        for other in [
            fault_draw(43, "/testpay/v1/create", "det-0", "error_rate"),
            fault_draw(42, "/testpay/v1/cancel", "det-0", "error_rate"),
            fault_draw(42, "/testpay/v1/create", "det-1", "error_rate"),
            fault_draw(42, "/testpay/v1/create", "det-0", "bad_signature"),
            // The separator keeps parts apart.
            fault_draw(42, "/testpay/v1/created", "et-0", "error_rate"),
        ] {
            assert_ne!(d, other);
        }
        // Rates are honoured: about `rate` of many requests, for several rates and seeds.
        for seed in [0, 7, u64::MAX] {
            for rate in [0.01, 0.3, 0.5, 0.9] {
                let n = 20_000;
                let hits = (0..n)
                    .filter(|i| fault_draw(seed, "/p", &format!("req-{i}"), "error_rate") < rate)
                    .count();
                let share = hits as f64 / f64::from(n);
                assert!(
                    (share - rate).abs() < 0.02,
                    "seed {seed} rate {rate}: {share}"
                );
            }
        }
        let all = (0..1000).map(|i| fault_draw(1, "/p", &i.to_string(), "k"));
        assert!(all.clone().all(|d| (0.0..1.0).contains(&d)));
    }
}
