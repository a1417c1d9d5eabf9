//! The receiver: verification, deduplication, routing and the hand-off to the handler.

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use doku_pay_core::clock::SharedClock;
use doku_pay_core::{
    ClientId, Credentials, Error, Notification, NotificationError, NotificationVerifier, Registry,
    SecretKey, VerifiedNotification, route_notification,
};
use futures_util::FutureExt as _;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use tracing::Instrument as _;

use crate::handler::{BoxError, FallbackHandler, NotificationHandler};
use crate::store::{
    ClaimToken, Claimed, DedupeKey, DedupeStore, Delivery, MemoryStore, StoreError, StoreFailure,
};

/// What the receiver did with a request, beside the HTTP answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Verified, new, and the handler returned `Ok` (200).
    Handled,
    /// Verified, and already handled before: the handler was not called (200).
    Duplicate,
    /// Verified, for a channel no linked crate registers, and taken by application code
    /// (200): the handler received it as an envelope-level [`Notification`] (`channel:
    /// None`), or the fallback handler received it, if one is set. Never acknowledged
    /// unless that code returned `Ok`.
    Unrouted,
    /// Refused as forged, malformed or not a notification (4xx): nothing was called.
    Rejected,
    /// The handler (or fallback handler) failed or panicked (500): not marked done, DOKU's
    /// retry will be processed.
    HandlerFailed,
    /// The same notification is being handled by another request that did not finish in
    /// time (503): DOKU's retry will find it done or process it.
    InFlight,
    /// The deduplication store failed (503).
    StoreFailed,
    /// The receiver cannot process this verified notification because of its own setup or
    /// code (500, so that DOKU retries once it is fixed): two linked crates claim its
    /// channel code, or the channel's mapping of the notification panicked (a bug in the
    /// channel crate), or the receiver itself panicked. Not marked done.
    Misconfigured,
}

impl Outcome {
    /// The outcome as a metrics label: `handled`, `duplicate`, `unrouted`, `rejected`,
    /// `handler_failed`, `in_flight`, `store_failed`, `misconfigured`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Handled => "handled",
            Self::Duplicate => "duplicate",
            Self::Unrouted => "unrouted",
            Self::Rejected => "rejected",
            Self::HandlerFailed => "handler_failed",
            Self::InFlight => "in_flight",
            Self::StoreFailed => "store_failed",
            Self::Misconfigured => "misconfigured",
        }
    }
}

/// The receiver's answer to one request: HTTP status, a short text reason, and what was done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: StatusCode,
    /// A short text reason (the response body). Never carries secrets or handler errors.
    pub reason: Cow<'static, str>,
    /// What was done.
    pub outcome: Outcome,
}

impl Answer {
    fn new(status: StatusCode, reason: impl Into<Cow<'static, str>>, outcome: Outcome) -> Self {
        Self {
            status,
            reason: reason.into(),
            outcome,
        }
    }

    fn rejected(status: StatusCode, reason: impl Into<Cow<'static, str>>) -> Self {
        Self::new(status, reason, Outcome::Rejected)
    }

    /// The answer to a notification that failed verification: 413, 401 or 400 with a short
    /// reason.
    pub fn from_verification_error(e: &NotificationError) -> Self {
        let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        let reason: Cow<'static, str> = match e {
            NotificationError::BodyTooLarge { .. } => "body too large".into(),
            NotificationError::MissingHeader(h) => format!("missing {h} header").into(),
            NotificationError::InvalidHeader { header, .. } => {
                format!("invalid {header} header").into()
            }
            NotificationError::UnknownMerchant(_) => "unknown merchant".into(),
            NotificationError::Signature(_) => "invalid signature".into(),
            NotificationError::OutsideWindow { .. } => "timestamp outside window".into(),
            NotificationError::Malformed(_) => "body is not a DOKU notification".into(),
            _ => "invalid notification".into(),
        };
        Self::rejected(status, reason)
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let retry = self.status == StatusCode::SERVICE_UNAVAILABLE;
        let mut res = (self.status, self.reason.into_owned()).into_response();
        if retry {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}

const OK: &str = "ok";
const OK_DUPLICATE: &str = "ok: already handled";
const HANDLER_FAILED: &str = "notification not processed; retry later";
const IN_FLIGHT: &str = "notification is being processed; retry later";
const STORE_FAILED: &str = "temporarily unavailable; retry later";
const MISCONFIGURED: &str = "receiver misconfigured";
const MAPPING_PANICKED: &str = "notification could not be mapped; retry later";
const RECEIVER_PANICKED: &str = "receiver failed; retry later";

/// A handler that completes the claim itself, inside its own transaction (the
/// `PostgresStore`'s inbox): `Ok` only once the claim is done.
#[async_trait::async_trait]
pub(crate) trait ClaimedHandler: Send + Sync + 'static {
    /// Handles `notification` and completes `token`'s claim on `key` atomically with it.
    async fn handle_claimed(
        &self,
        notification: Notification,
        key: &DedupeKey,
        token: ClaimToken,
    ) -> Result<(), BoxError>;
}

/// The application's handler: plain (the receiver completes the claim after it), or one that
/// completes the claim itself.
#[derive(Clone)]
enum AppHandler {
    Plain(Arc<dyn NotificationHandler>),
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Claimed(Arc<dyn ClaimedHandler>),
}

/// Whether the store is failing, so that an outage is logged once when it starts and once
/// when it ends, not once per request. It ends with the first call that succeeds
/// [`StoreHealth::QUIET`] after the last failure: a partial outage (a Redis Cluster node
/// down, failing only the keys it holds) is one outage, not one per call in turn.
#[derive(Default)]
struct StoreHealth {
    down: AtomicBool,
    failures: AtomicU64,
    last_failure: std::sync::Mutex<Option<tokio::time::Instant>>,
}

impl StoreHealth {
    /// How long without a failure ends an outage.
    const QUIET: Duration = Duration::from_secs(5);

    fn failed(&self, during: &str, e: &StoreError) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        // `down` changes only under this lock, with `last_failure`: a recovery cannot be
        // decided on a failure time that a failure is replacing.
        let mut last = self.last_failure.lock().unwrap_or_else(|p| p.into_inner());
        *last = Some(tokio::time::Instant::now());
        let started = !self.down.swap(true, Ordering::AcqRel);
        drop(last);
        if started {
            tracing::error!(error = %e, during,
                "deduplication store failing: what it fails is answered 503 until it recovers \
                 (logged once per outage; recovered after 5 s without a failure)");
        } else {
            tracing::debug!(error = %e, during, "deduplication store still failing");
        }
    }

    fn ok(&self) {
        if !self.down.load(Ordering::Relaxed) {
            return;
        }
        let last = self.last_failure.lock().unwrap_or_else(|p| p.into_inner());
        let quiet = last.is_none_or(|at| at.elapsed() >= Self::QUIET);
        let ended = quiet && self.down.swap(false, Ordering::AcqRel);
        drop(last);
        if ended {
            let failed = self.failures.swap(0, Ordering::Relaxed);
            tracing::warn!(failed_calls = failed, "deduplication store recovered");
        }
    }
}

struct Inner {
    path: String,
    verifier: NotificationVerifier,
    store: Arc<dyn DedupeStore>,
    health: Arc<StoreHealth>,
    registry: Arc<Registry>,
    handler: AppHandler,
    fallback: Option<Arc<dyn FallbackHandler>>,
    in_flight_wait: Duration,
}

/// DOKU's HTTP notification receiver.
///
/// For each `POST` to its path it reads at most the body limit, verifies the signature over
/// the raw bytes and its own path (and the timestamp window if configured), routes the
/// notification by `channel.id` to its channel, claims its `(Client-Id, Request-Id, body digest)` in the
/// [`DedupeStore`], calls the handler, and answers:
///
/// | case | status | handler |
/// | --- | --- | --- |
/// | new, handler `Ok` | 200 `ok` | once |
/// | already handled | 200 `ok: already handled` | not again |
/// | channel no crate registers, handler `Ok` | 200 `ok` | once, as an envelope-level notification (`channel: None`), or the fallback handler if set |
/// | forged signature, tampered body or path | 401 `invalid signature` | never |
/// | unknown `Client-Id` | 401 `unknown merchant` | never |
/// | missing or malformed header | 400 `missing Signature header`, ... | never |
/// | authentic but not a notification (not JSON, no `order.amount`, ...) | 400 | never |
/// | body over the limit | 413 `body too large` | never |
/// | method other than `POST` | 405 | never |
/// | handler `Err` or panic | 500, not marked done | (DOKU retries) |
/// | the channel's mapping of a verified notification panics | 500 `notification could not be mapped; retry later` | never (DOKU retries) |
/// | same notification still in flight after the wait | 503 | (DOKU retries) |
///
/// Bad input never gets a 5xx and nothing panics on any input. The one 5xx a verified but
/// odd body can get is a channel crate's bug: if its mapping panics, the panic is caught and
/// answered 500 rather than 400, since the body is authentic and the fault is ours; DOKU's
/// retries then succeed once the channel is fixed. Any other panic in the receiver is also
/// caught and answered 500; the connection is never dropped.
///
/// **Slow handlers.** The claim on a notification is a lease (see [`DedupeStore::lease`]);
/// while the handler runs, the receiver renews it every third of the lease, so a handler
/// slower than the lease keeps its claim and a retry arriving meanwhile waits or gets 503
/// instead of running the handler concurrently. If a claim is lost all the same (the
/// process stalled past the lease and another delivery claimed it), the completion does not
/// overwrite the new holder's claim and the loss is logged as an error.
///
/// **Nothing is acknowledged unless application code took it.** Every verified notification
/// reaches the handler (or the fallback handler) before any 2xx, including one for a channel
/// no linked crate registers: DOKU stops retrying after a 2xx, so acknowledging it unhandled
/// would lose the payment.
///
/// **Idempotence.** Deduplication is by what was delivered: `(Client-Id, Request-Id, body
/// digest)`. An identical retry is a duplicate; a notification that reuses a Request-Id
/// with another body (PENDING, then SUCCESS) is a new event and reaches the handler. It
/// lasts only the store's time to live, and DOKU does not document whether a
/// re-notification of the same payment keeps its `Request-Id`: the handler must itself be
/// idempotent per (invoice, status): see [`NotificationHandler`].
///
/// **Concurrent duplicates.** When a second copy arrives while the first is being handled,
/// it waits (polling the store, up to [`ReceiverBuilder::in_flight_wait`], default 5 s) and
/// answers the first one's outcome: 200 once it is done; if the first failed and released
/// its claim, the waiting copy claims it and runs the handler itself. Only if the first is
/// still running after the wait does it answer 503, so DOKU retries later. Waiting gives
/// DOKU a truthful 200 instead of a needless retry, and never calls the handler twice.
///
/// **Hand-off.** The handler runs in its own task: if DOKU hangs up mid-request the handler
/// still runs to completion and its outcome is recorded, rather than being cancelled
/// half-way with its claim left until the lease expires.
///
/// ```
/// use doku_pay_core::{ClientId, Notification, SecretKey};
/// use doku_pay_receiver::Receiver;
///
/// # fn main() -> Result<(), doku_pay_core::Error> {
/// let receiver = Receiver::builder("/payments/notifications", |n: Notification| async move {
///     println!("{} is {}", n.invoice_number, n.status);
///     Ok::<_, std::io::Error>(())
/// })
/// .merchant(ClientId::new("MCH-0001")?, SecretKey::new("SK-1")?)
/// .merchant(ClientId::new("MCH-0002")?, SecretKey::new("SK-2")?)
/// .build()?;
/// let app: axum::Router = receiver.router();
/// # let _ = app;
/// // axum::serve(listener, app).await
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Receiver {
    inner: Arc<Inner>,
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("path", &self.inner.path)
            .field("verifier", &self.inner.verifier)
            .field("registry", &self.inner.registry)
            .field("fallback", &self.inner.fallback.is_some())
            .field("in_flight_wait", &self.inner.in_flight_wait)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Receiver`].
pub struct ReceiverBuilder {
    path: String,
    verifier: NotificationVerifier,
    /// The builder methods that configured `verifier` since the last `verifier` call.
    configured: Vec<&'static str>,
    /// Those whose settings a `verifier` call replaced: `build` refuses when there are any.
    replaced: Vec<&'static str>,
    store: Option<Arc<dyn DedupeStore>>,
    /// Whether the handler completes claims in `store` itself (the PostgreSQL inbox's):
    /// another store would take claims the handler cannot complete.
    store_fixed: bool,
    /// Whether `store` or `store_url` was called on such a builder: `build` refuses.
    store_replaced: bool,
    registry: Option<Arc<Registry>>,
    handler: AppHandler,
    fallback: Option<Arc<dyn FallbackHandler>>,
    in_flight_wait: Duration,
}

impl fmt::Debug for ReceiverBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiverBuilder")
            .field("path", &self.path)
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

impl ReceiverBuilder {
    /// Accepts notifications signed for this merchant (call once per merchant; the
    /// `Client-Id` header selects the secret).
    pub fn merchant(mut self, client_id: ClientId, secret: SecretKey) -> Self {
        self.verifier = self.verifier.merchant(client_id, secret);
        self.configured.push("merchant");
        self
    }

    /// Accepts notifications for these credentials' merchant.
    pub fn credentials(mut self, credentials: &Credentials) -> Self {
        self.verifier = self.verifier.credentials(credentials);
        self.configured.push("credentials");
        self
    }

    /// Uses this verifier: its merchants, body limit, timestamp window and clock. The
    /// methods that configure the verifier ([`merchant`](Self::merchant),
    /// [`max_body_bytes`](Self::max_body_bytes), ...) may follow it and change it; before
    /// it, what they set would be replaced, so [`build`](Self::build) refuses that order
    /// rather than drop a merchant or a limit silently.
    pub fn verifier(mut self, verifier: NotificationVerifier) -> Self {
        self.replaced.append(&mut self.configured);
        self.verifier = verifier;
        self
    }

    /// The largest body accepted, in bytes (default 64 KiB); larger ones get 413 without
    /// being read past the limit.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.verifier = self.verifier.max_body_bytes(limit);
        self.configured.push("max_body_bytes");
        self
    }

    /// Rejects notifications whose `Request-Timestamp` is further than `window` from now.
    /// Off by default: DOKU retries up to 12 hours after the first attempt and does not say
    /// whether a retry is re-signed, so a window shorter than that may reject genuine
    /// retries.
    ///
    /// With a window, keep the store's time to live at least twice the window (a replay is
    /// accepted for up to `2 × window` around its timestamp, and is only recognised as a
    /// duplicate while its key is remembered). This is not checked, as the time to live
    /// belongs to the store.
    pub fn timestamp_window(mut self, window: Duration) -> Self {
        self.verifier = self.verifier.timestamp_window(window);
        self.configured.push("timestamp_window");
        self
    }

    /// The clock for the timestamp window.
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.verifier = self.verifier.clock(clock);
        self.configured.push("clock");
        self
    }

    /// The deduplication store (default: a [`MemoryStore`] with its defaults). Pass an
    /// `Arc<S>` to keep a handle to it.
    pub fn store(mut self, store: impl DedupeStore) -> Self {
        self.store_replaced |= self.store_fixed;
        self.store = Some(Arc::new(store));
        self
    }

    /// The deduplication store `url` names ([`store::open`](crate::store::open): `memory`,
    /// `redis://...` with feature `redis`, `redis-cluster://...` with feature
    /// `redis-cluster`, `postgres://...` with feature `postgres`),
    /// connected now. The error never repeats the URL.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use doku_pay_core::{ClientId, Notification, SecretKey};
    /// use doku_pay_receiver::{BoxError, Receiver};
    /// let receiver = Receiver::builder("/payments/notifications", |_n: Notification| async {
    ///     Ok::<(), BoxError>(())
    /// })
    /// .merchant(ClientId::new("MCH-0001").unwrap(), SecretKey::new("SK-1").unwrap())
    /// .store_url("memory") // or "redis://127.0.0.1:6379/", "postgres://app@db/app"
    /// .await
    /// .unwrap()
    /// .build()
    /// .unwrap();
    /// # let _ = receiver; });
    /// ```
    pub async fn store_url(mut self, url: &str) -> Result<Self, crate::StoreError> {
        self.store_replaced |= self.store_fixed;
        self.store = Some(crate::store::open(url).await?);
        Ok(self)
    }

    /// Routes through this registry instead of [`Registry::global`]: one the program built
    /// and shares (`Arc<Registry>`, or a `Registry` by value), no `'static` needed.
    pub fn registry(mut self, registry: impl Into<Arc<Registry>>) -> Self {
        self.registry = Some(registry.into());
        self
    }

    /// Receives verified notifications of channels that no linked crate registers, as the
    /// [`VerifiedNotification`] itself, instead of the handler (which otherwise receives them
    /// as envelope-level [`Notification`]s with `channel: None`). Acknowledged (200) only
    /// when it returns `Ok`; an `Err` answers 500 so that DOKU retries.
    pub fn fallback(mut self, fallback: impl FallbackHandler) -> Self {
        self.fallback = Some(Arc::new(fallback));
        self
    }

    /// How long a duplicate waits for the same notification in flight before answering 503
    /// (default 5 s; zero answers 503 at once; huge values such as [`Duration::MAX`] mean
    /// "wait as long as it runs").
    pub fn in_flight_wait(mut self, wait: Duration) -> Self {
        self.in_flight_wait = wait;
        self
    }

    /// Builds the receiver. Fails if the path is not an absolute path usable as an axum
    /// route, if no merchant is configured (the receiver would answer every notification 401,
    /// and DOKU would give up on them), or if [`verifier`](Self::verifier) came after
    /// methods whose settings it replaced.
    pub fn build(self) -> Result<Receiver, Error> {
        check_path(&self.path)?;
        if !self.replaced.is_empty() {
            let mut named: Vec<&str> = Vec::new();
            for m in &self.replaced {
                if !named.contains(m) {
                    named.push(m);
                }
            }
            return Err(Error::Config(format!(
                "notification receiver: `verifier` replaces what `{}` set before it; \
                 call those on the NotificationVerifier, or after `verifier`",
                named.join("`, `")
            )));
        }
        if self.verifier.client_ids().next().is_none() {
            return Err(Error::Config(
                "notification receiver has no merchant credentials".into(),
            ));
        }
        if self.store_replaced {
            return Err(Error::Config(
                "notification receiver: `store`/`store_url` replaces the PostgresStore whose \
                 transaction the inbox handler completes each notification in (claims taken \
                 elsewhere could never complete); build it from PostgresStore::receiver alone"
                    .into(),
            ));
        }
        Ok(Receiver {
            inner: Arc::new(Inner {
                path: self.path,
                verifier: self.verifier,
                store: self.store.unwrap_or_else(|| Arc::new(MemoryStore::new())),
                health: Arc::default(),
                registry: self.registry.unwrap_or_else(Registry::shared),
                handler: self.handler,
                fallback: self.fallback,
                in_flight_wait: self.in_flight_wait,
            }),
        })
    }
}

fn check_path(path: &str) -> Result<(), Error> {
    if doku_pay_core::channel::is_plain_path(path) {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "notification path `{path}` must be an absolute path without query, captures or wildcards"
        )))
    }
}

/// A claimed piece of work: the mapped notification, an unrouted one read from the envelope
/// for the handler, or an unrouted one for the fallback.
enum Work {
    Channel(Notification),
    Unrouted(Notification),
    Fallback(Arc<dyn FallbackHandler>),
}

impl Receiver {
    /// The default time a duplicate waits for the same notification in flight.
    pub const DEFAULT_IN_FLIGHT_WAIT: Duration = Duration::from_secs(5);

    /// Starts a receiver for DOKU notifications POSTed to `path` (the path of the
    /// Notification URL configured in DOKU Back Office, such as `/payments/notifications`;
    /// it is part of what DOKU signs), handing each new one to `handler`.
    pub fn builder(path: impl Into<String>, handler: impl NotificationHandler) -> ReceiverBuilder {
        Self::builder_with(path, AppHandler::Plain(Arc::new(handler)))
    }

    /// A builder whose handler completes the claim itself.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn builder_claimed(
        path: impl Into<String>,
        handler: Arc<dyn ClaimedHandler>,
        store: Arc<dyn DedupeStore>,
    ) -> ReceiverBuilder {
        let mut builder = Self::builder_with(path, AppHandler::Claimed(handler));
        builder.store = Some(store);
        builder.store_fixed = true;
        builder
    }

    fn builder_with(path: impl Into<String>, handler: AppHandler) -> ReceiverBuilder {
        ReceiverBuilder {
            path: path.into(),
            verifier: NotificationVerifier::new(),
            configured: Vec::new(),
            replaced: Vec::new(),
            store: None,
            store_fixed: false,
            store_replaced: false,
            registry: None,
            handler,
            fallback: None,
            in_flight_wait: Self::DEFAULT_IN_FLIGHT_WAIT,
        }
    }

    /// The path notifications are POSTed to.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// An axum router serving the receiver at its path (other methods get 405). Merge it into
    /// the application's router.
    pub fn router(&self) -> Router {
        Router::new().route_service(&self.inner.path, self.service())
    }

    /// The receiver as a tower service, answering every request it is given as a
    /// notification for its path (for mounting with `Router::route_service` or other tower
    /// stacks). The signature is always checked against [`Receiver::path`].
    pub fn service(&self) -> NotificationService {
        NotificationService {
            receiver: self.clone(),
        }
    }

    /// Handles one HTTP request: method, body limit, then [`Receiver::process`]. Counted and
    /// timed through the `metrics` facade (a no-op until the application installs a
    /// recorder): `doku_receiver_notifications_total` and
    /// `doku_receiver_notification_duration_seconds`, labelled by
    /// `http_response_status_code` and `outcome` ([`Outcome::as_str`]).
    pub async fn handle_request(&self, req: Request<Body>) -> Answer {
        let started = std::time::Instant::now();
        let answer = self.answer_request(req).await;
        let labels = [
            (
                "http_response_status_code",
                answer.status.as_str().to_owned(),
            ),
            ("outcome", answer.outcome.as_str().to_owned()),
        ];
        metrics::counter!("doku_receiver_notifications_total", &labels).increment(1);
        metrics::histogram!("doku_receiver_notification_duration_seconds", &labels)
            .record(started.elapsed().as_secs_f64());
        answer
    }

    async fn answer_request(&self, req: Request<Body>) -> Answer {
        if req.method() != Method::POST {
            return Answer::rejected(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
        }
        let limit = self.inner.verifier.body_limit();
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return Answer::rejected(StatusCode::PAYLOAD_TOO_LARGE, "body too large");
        }
        let (parts, body) = req.into_parts();
        let body: Bytes = match Limited::new(body, limit).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
                return Answer::rejected(StatusCode::PAYLOAD_TOO_LARGE, "body too large");
            }
            #[cfg(feature = "serve")]
            Err(e) if body_timed_out(&*e) => {
                return Answer::rejected(StatusCode::REQUEST_TIMEOUT, "body not received in time");
            }
            Err(_) => return Answer::rejected(StatusCode::BAD_REQUEST, "could not read body"),
        };
        self.process_bytes(&parts.headers, body).await
    }

    /// Processes a notification's headers and raw body, independently of any HTTP framework:
    /// verification, routing, deduplication and the handler. Needs a Tokio runtime (the
    /// handler runs in its own task).
    pub async fn process(&self, headers: &HeaderMap, body: &[u8]) -> Answer {
        if body.len() > self.inner.verifier.body_limit() {
            let e = doku_pay_core::NotificationError::BodyTooLarge {
                size: body.len(),
                limit: self.inner.verifier.body_limit(),
            };
            return Answer::from_verification_error(&e);
        }
        self.process_bytes(headers, Bytes::copy_from_slice(body))
            .await
    }

    /// [`Receiver::process`] for a body already held as [`Bytes`], without copying it.
    pub async fn process_bytes(&self, headers: &HeaderMap, body: Bytes) -> Answer {
        let inner = &self.inner;
        let verified = match inner.verifier.verify_bytes(headers, &inner.path, body) {
            Ok(v) => v,
            Err(e) => {
                let answer = Answer::from_verification_error(&e);
                tracing::warn!(status = answer.status.as_u16(), reason = %answer.reason,
                    "DOKU notification rejected");
                return answer;
            }
        };
        let span = tracing::info_span!(
            "doku.notification",
            client_id = %verified.client_id(),
            request_id = %verified.request_id(),
            channel_code = verified.channel_code().unwrap_or(""),
        );
        let signature = headers
            .get("signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        self.process_verified(verified, signature)
            .instrument(span)
            .await
    }

    async fn process_verified(&self, verified: VerifiedNotification, signature: &str) -> Answer {
        let inner = &self.inner;
        let key = DedupeKey::of(&verified);
        // A channel's mapping is foreign code: a panic in it is a bug there, answered 500
        // (not marked done, so DOKU retries once it is fixed) instead of unwinding into the
        // request task.
        // No `channel.id` at all is routed like a code no crate registers: the envelope
        // still names the invoice, amount and status of a payment.
        let routed = std::panic::catch_unwind(AssertUnwindSafe(|| match verified.channel_code() {
            Some(_) => route_notification(&inner.registry, &verified),
            None => Err(NotificationError::UnknownChannel(String::new())),
        }));
        let Ok(routed) = routed else {
            tracing::error!(
                "the channel's mapping of a verified DOKU notification panicked; answering 500"
            );
            return Answer::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                MAPPING_PANICKED,
                Outcome::Misconfigured,
            );
        };
        let work = match routed {
            Ok(n) => Work::Channel(n),
            Err(NotificationError::UnknownChannel(code)) => {
                tracing::warn!(channel_code = %code,
                    "verified DOKU notification for a channel no linked crate registers; \
                     handing it to the application as an envelope-level notification");
                match &inner.fallback {
                    Some(f) => Work::Fallback(Arc::clone(f)),
                    None => match verified.to_envelope_notification() {
                        Ok(n) => Work::Unrouted(n),
                        Err(e) => return Self::unmappable(&e),
                    },
                }
            }
            Err(NotificationError::Misconfigured(reason)) => {
                tracing::error!(%reason, "cannot route DOKU notification");
                return Answer::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    MISCONFIGURED,
                    Outcome::Misconfigured,
                );
            }
            Err(e) => return Self::unmappable(&e),
        };
        let delivery = Delivery::new(&inner.path, signature, &verified);
        let token = match self.claim(&key, &delivery).await {
            Ok(token) => token,
            Err(answer) => return answer,
        };
        let outcome = match &work {
            Work::Channel(_) => Outcome::Handled,
            Work::Unrouted(_) | Work::Fallback(..) => Outcome::Unrouted,
        };
        let store = Arc::clone(&inner.store);
        let health = Arc::clone(&inner.health);
        let handler = inner.handler.clone();
        let task = tokio::spawn(
            async move {
                // `true` when the handler completed the claim itself (in its transaction).
                let run = async {
                    match (work, &handler) {
                        (Work::Channel(n) | Work::Unrouted(n), AppHandler::Plain(h)) => {
                            h.handle(n).await.map(|()| false)
                        }
                        (Work::Channel(n) | Work::Unrouted(n), AppHandler::Claimed(h)) => {
                            h.handle_claimed(n, &key, token).await.map(|()| true)
                        }
                        (Work::Fallback(f), _) => f.handle(verified).await.map(|()| false),
                    }
                };
                let run = AssertUnwindSafe(run).catch_unwind();
                let result: Result<bool, BoxError> =
                    match run_renewing(&*store, &key, token, run).await {
                        Ok(r) => r,
                        Err(_) => Err("handler panicked".into()),
                    };
                match &result {
                    Ok(true) => {}
                    Ok(false) => {
                        match finish(&*store, &health, Finish::Complete, &key, token).await {
                            Ok(true) => {}
                            Ok(false) => tracing::error!(
                                "notification claim was lost while the handler ran (lease expired \
                             and the key was claimed again or completed): the handler may have \
                             run twice for it; not marking it done over the other claim"
                            ),
                            // The handler did run: still acknowledge. The claim expires with its
                            // lease, so a later retry may run the handler again.
                            Err(e) => {
                                tracing::error!(error = %e, "could not mark notification done")
                            }
                        }
                    }
                    Err(e) => {
                        let reason = e.to_string();
                        match finish(&*store, &health, Finish::Release(&reason), &key, token).await
                        {
                            Ok(true) => {}
                            Ok(false) => tracing::error!(
                                "notification claim was lost while the handler ran (lease \
                                 expired and the key was claimed again or completed): nothing \
                                 to release"
                            ),
                            Err(e) => {
                                tracing::error!(error = %e, "could not release notification claim");
                            }
                        }
                    }
                }
                result.map(|_| ())
            }
            .in_current_span(),
        );
        match task.await {
            Ok(Ok(())) => {
                tracing::info!("DOKU notification handled");
                Answer::new(StatusCode::OK, OK, outcome)
            }
            Ok(Err(e)) => match e.downcast_ref::<StoreFailure>() {
                // The inbox's transaction could not be opened or committed: the store
                // failed, not the application (nothing was applied; the claim was released).
                Some(StoreFailure(store_error)) => {
                    inner.health.failed("the inbox transaction", store_error);
                    Answer::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        STORE_FAILED,
                        Outcome::StoreFailed,
                    )
                }
                None => {
                    tracing::warn!(error = %e, "notification handler failed; DOKU will retry");
                    Answer::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        HANDLER_FAILED,
                        Outcome::HandlerFailed,
                    )
                }
            },
            Err(e) => {
                tracing::error!(error = %e, "notification handler task failed; DOKU will retry");
                Answer::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    HANDLER_FAILED,
                    Outcome::HandlerFailed,
                )
            }
        }
    }

    /// The answer to an authentic notification that cannot be mapped (no invoice, amount or
    /// status; a channel's own rule): 400 with the reason.
    fn unmappable(e: &NotificationError) -> Answer {
        match e {
            NotificationError::Malformed(m) => {
                let reason = format!("invalid notification: {}", truncate(m, 120));
                tracing::warn!(%reason, "authentic DOKU notification could not be mapped");
                Answer::rejected(StatusCode::BAD_REQUEST, reason)
            }
            e => {
                tracing::warn!(error = %e, "authentic DOKU notification could not be mapped");
                Answer::rejected(StatusCode::BAD_REQUEST, "invalid notification")
            }
        }
    }

    /// Claims `key`, waiting for a copy in flight: `Ok(token)` to run the handler, or the
    /// answer to give.
    async fn claim(&self, key: &DedupeKey, delivery: &Delivery<'_>) -> Result<ClaimToken, Answer> {
        let start = tokio::time::Instant::now();
        // `None`: a wait too long to represent, i.e. as long as the copy in flight runs.
        let deadline = start.checked_add(self.inner.in_flight_wait);
        let mut pause = Duration::from_millis(2);
        loop {
            let claimed = self.inner.store.claim_delivery(key, delivery).await;
            if claimed.is_ok() {
                self.inner.health.ok();
            }
            match claimed {
                Ok(Claimed::New(token)) => return Ok(token),
                Ok(Claimed::Done) => {
                    tracing::info!("duplicate DOKU notification acknowledged");
                    return Err(Answer::new(
                        StatusCode::OK,
                        OK_DUPLICATE,
                        Outcome::Duplicate,
                    ));
                }
                Ok(Claimed::InFlight) => {
                    let now = tokio::time::Instant::now();
                    if deadline.is_some_and(|deadline| now >= deadline) {
                        tracing::warn!("same DOKU notification still in flight; answering 503");
                        return Err(Answer::new(
                            StatusCode::SERVICE_UNAVAILABLE,
                            IN_FLIGHT,
                            Outcome::InFlight,
                        ));
                    }
                    let left = deadline.map_or(pause, |deadline| deadline - now);
                    tokio::time::sleep(pause.min(left)).await;
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(e) => {
                    self.inner.health.failed("claim", &e);
                    return Err(Answer::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        STORE_FAILED,
                        Outcome::StoreFailed,
                    ));
                }
            }
        }
    }
}

/// How a claim ends after the handler.
#[derive(Clone, Copy)]
enum Finish<'a> {
    Complete,
    Release(&'a str),
}

/// Completes or releases `token`'s claim on `key`. A store failure is retried with backoff
/// for up to half the lease (at most 30 s), so that a short outage of a shared store does
/// not leave a handled notification claimed until its lease expires (when a copy arriving
/// later would run the handler again).
async fn finish(
    store: &dyn DedupeStore,
    health: &StoreHealth,
    how: Finish<'_>,
    key: &DedupeKey,
    token: ClaimToken,
) -> Result<bool, StoreError> {
    let start = tokio::time::Instant::now();
    let bound = (store.lease() / 2).min(Duration::from_secs(30));
    let mut pause = Duration::from_millis(20);
    loop {
        let done = match how {
            Finish::Complete => store.complete(key, token).await,
            Finish::Release(reason) => store.release_failed(key, token, reason).await,
        };
        match done {
            Ok(held) => {
                health.ok();
                return Ok(held);
            }
            Err(e) => {
                health.failed("completion", &e);
                if start.elapsed() + pause > bound {
                    return Err(e);
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(500));
            }
        }
    }
}

/// Runs `work` (the handler) to completion, renewing `token`'s claim on `key` every third of
/// the store's lease meanwhile so that a slow handler keeps it. A lost claim is logged and
/// not renewed again; a failed renewal is logged and retried at the next tick.
async fn run_renewing<F: Future>(
    store: &dyn DedupeStore,
    key: &DedupeKey,
    token: ClaimToken,
    work: F,
) -> F::Output {
    use futures_util::future::{Either, select};
    // At least 1 ms, so that a zero lease does not spin; `tokio::time::sleep` saturates huge
    // periods to "far future" rather than overflowing.
    let period = (store.lease() / 3).max(Duration::from_millis(1));
    let mut work = std::pin::pin!(work);
    loop {
        let tick = std::pin::pin!(tokio::time::sleep(period));
        match select(work.as_mut(), tick).await {
            Either::Left((output, _)) => return output,
            Either::Right(((), _)) => match store.renew(key, token).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::error!(
                        "notification claim was lost while the handler runs (lease expired and \
                         the key was claimed again): the handler may run twice for it"
                    );
                    return work.await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not renew notification claim; retrying");
                }
            },
        }
    }
}

/// Whether reading the body failed on [`serve`](crate::serve)'s body-read deadline
/// (wrapped by axum and the length limit).
#[cfg(feature = "serve")]
fn body_timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(e) = cause {
        if e.is::<crate::serve::BodyReadTimeout>() {
            return true;
        }
        cause = e.source();
    }
    false
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The receiver as a tower [`Service`](tower::Service) (see [`Receiver::service`]).
#[derive(Clone, Debug)]
pub struct NotificationService {
    receiver: Receiver,
}

impl tower::Service<Request<Body>> for NotificationService {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send + 'static>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let receiver = self.receiver.clone();
        Box::pin(async move {
            // Whatever panics in the request task (verification, routing, the store) answers
            // 500 instead of dropping the connection.
            let answer = match AssertUnwindSafe(receiver.handle_request(req))
                .catch_unwind()
                .await
            {
                Ok(answer) => answer,
                Err(_) => {
                    tracing::error!("DOKU notification receiver panicked; answering 500");
                    Answer::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        RECEIVER_PANICKED,
                        Outcome::Misconfigured,
                    )
                }
            };
            let method_not_allowed = answer.status == StatusCode::METHOD_NOT_ALLOWED;
            let mut res = answer.into_response();
            if method_not_allowed {
                res.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("POST"));
            }
            Ok(res)
        })
    }
}
