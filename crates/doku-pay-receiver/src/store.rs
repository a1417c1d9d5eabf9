//! Deduplication of notifications by what was delivered, `(Client-Id, Request-Id, body
//! digest)`, through a claim protocol.
//!
//! DOKU re-sends a notification whose answer was not 2xx (30 minutes, 6 hours and 12 hours
//! after the first attempt), and a network may deliver the same request twice. The receiver
//! calls the application's handler at most once per notification that the handler accepted:
//!
//! 1. [`DedupeStore::claim`] atomically answers [`Claimed::New`] (this caller now holds a
//!    lease on the key and runs the handler), [`Claimed::InFlight`] (another caller holds
//!    a live lease) or [`Claimed::Done`] (already handled);
//! 2. while the handler runs, the receiver calls [`DedupeStore::renew`] every third of
//!    [`DedupeStore::lease`], so that a handler slower than the lease keeps its claim and a
//!    retry arriving meanwhile does not run it a second time;
//! 3. after the handler returns `Ok`, [`DedupeStore::complete`] marks the key done for the
//!    store's time to live, unless another claim took it over;
//! 4. after the handler fails, [`DedupeStore::release`] forgets the claim so that DOKU's
//!    retry is processed.
//!
//! Every call after `claim` carries the [`ClaimToken`] and acts only if that claim still
//! holds the key: a holder that lost its claim (its lease expired without renewal, e.g. the
//! process stalled, and another delivery claimed the key) can neither extend, complete nor
//! release the new holder's claim. The receiver logs such a loss as an error, since the
//! handler may then run twice; this is why handlers must be idempotent themselves (see
//! [`NotificationHandler`](crate::NotificationHandler)).
//!
//! A lease whose holder crashed (process killed between claim and complete) expires, and the
//! next delivery of the notification claims it anew: it is delayed, never lost.
//!
//! [`MemoryStore`] is the default, for a receiver running in one process. Receivers in
//! several processes or on several machines share a store: `RedisStore`
//! (feature `redis`) or `PostgresStore` (feature `postgres`, a
//! transactional inbox whose handler can write in the same transaction). [`open`] picks one
//! from a URL (`memory`, `redis://...`, `postgres://...`).

use std::cmp::Ordering as CmpOrdering;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use doku_pay_core::clock::{Clock, SharedClock, SystemClock};
use doku_pay_core::signature::BodyDigest;
use doku_pay_core::{RequestId, VerifiedNotification};
use time::{OffsetDateTime, PrimitiveDateTime};

/// The latest instant the store represents: deadlines past it (huge time-to-live or lease
/// values) saturate to it instead of overflowing.
fn far_future() -> OffsetDateTime {
    PrimitiveDateTime::MAX.assume_utc()
}

/// `at + by`, saturating at [`far_future`] instead of panicking on overflow.
pub(crate) fn saturating_add(at: OffsetDateTime, by: Duration) -> OffsetDateTime {
    time::Duration::try_from(by)
        .ok()
        .and_then(|by| at.checked_add(by))
        .unwrap_or_else(far_future)
}

/// A random claim token, for stores shared between processes (where a counter would
/// repeat across them).
#[cfg(any(feature = "redis", feature = "postgres"))]
pub(crate) fn random_token() -> u64 {
    // The second half of a v4 UUID: 62 random bits and the variant.
    uuid::Uuid::new_v4().as_u64_pair().1 & (i64::MAX as u64)
}

/// What a notification is deduplicated on: what was delivered. The merchant's `Client-Id`,
/// the notification's own `Request-Id`, and the body's SHA-256 (the signature's `Digest`,
/// already computed by verification): an identical retry is the same key; a notification
/// that reuses a Request-Id with another body (PENDING, then SUCCESS) is a new event, since
/// DOKU does not document that a Request-Id is unique per delivered state.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DedupeKey {
    client_id: String,
    request_id: RequestId,
    body_digest: BodyDigest,
}

impl DedupeKey {
    /// The key of a notification signed for `client_id` with this `Request-Id` and body
    /// digest.
    pub fn new(
        client_id: impl Into<String>,
        request_id: RequestId,
        body_digest: BodyDigest,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            request_id,
            body_digest,
        }
    }

    /// The key of a verified notification.
    pub fn of(n: &VerifiedNotification) -> Self {
        Self::new(n.client_id(), n.request_id().clone(), *n.body_digest())
    }

    /// The merchant's `Client-Id`.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The notification's `Request-Id`.
    pub fn request_id(&self) -> &RequestId {
        &self.request_id
    }

    /// The body's SHA-256, base64.
    pub fn body_digest(&self) -> &BodyDigest {
        &self.body_digest
    }

    /// One string for a key-value store: `{client id} {request id} {body digest}`. The
    /// parts are visible ASCII without spaces, so the spaces make the form unambiguous.
    ///
    /// ```
    /// use doku_pay_core::signature::BodyDigest;
    /// use doku_pay_receiver::store::DedupeKey;
    /// let key = DedupeKey::new("MCH-1", "rid-1".parse().unwrap(), BodyDigest::of(b"{}"));
    /// assert_eq!(
    ///     key.to_store_key(),
    ///     "MCH-1 rid-1 RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o="
    /// );
    /// ```
    pub fn to_store_key(&self) -> String {
        format!("{self}")
    }
}

impl fmt::Debug for DedupeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DedupeKey({self})")
    }
}

impl fmt::Display for DedupeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.client_id, self.request_id, self.body_digest
        )
    }
}

/// Identifies one claim, so that a holder whose lease expired and was taken over cannot
/// release the new holder's claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClaimToken(u64);

impl ClaimToken {
    /// A token with this value (stores choose values unique per key, e.g. random).
    pub const fn new(value: u64) -> Self {
        Self(value)
    }

    /// The value.
    pub const fn value(self) -> u64 {
        self.0
    }
}

/// The answer to [`DedupeStore::claim`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claimed {
    /// Not seen (or its previous claim was released or its lease expired): the caller holds
    /// a lease and must end it with [`DedupeStore::complete`] or [`DedupeStore::release`].
    New(ClaimToken),
    /// Another caller holds a live lease on it.
    InFlight,
    /// Already handled.
    Done,
}

/// The store's own failure inside a handler's run (the PostgreSQL inbox's transaction could
/// not be opened, completed or committed), told apart from an error of the application's
/// handler, which may itself be a [`StoreError`] (an application using a store for its own
/// work): the receiver answers this one 503 and counts it as the store's.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) struct StoreFailure(pub(crate) StoreError);

/// A store failure. The receiver answers 503 so that DOKU retries later.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store holds its maximum number of live entries; new notifications are refused
    /// (answered 503, retried by DOKU later) rather than risking a duplicate by evicting a
    /// live entry.
    #[error("deduplication store is full ({capacity} live entries)")]
    Full {
        /// The configured capacity.
        capacity: usize,
    },
    /// The backend failed (connection lost, timeout, ...).
    #[error("deduplication store failed: {0}")]
    Backend(String),
    /// The store cannot be opened as configured (an unknown URL scheme, a feature not
    /// built in).
    #[error("deduplication store misconfigured: {0}")]
    Config(String),
}

/// Where claims and completions of notifications are recorded (see the [module
/// documentation](self) for the protocol and a Redis recipe).
///
/// Implementations must make `claim` atomic: two concurrent claims of one key never both get
/// [`Claimed::New`] while the first lease is live. `renew`, `complete` and `release` must
/// act only while `token`'s claim holds the key (compare-and-act, atomically), and answer
/// whether it did, so that a holder that lost its claim never overwrites the next holder's.
#[async_trait]
pub trait DedupeStore: Send + Sync + 'static {
    /// Claims `key` for processing (see [`Claimed`]).
    async fn claim(&self, key: &DedupeKey) -> Result<Claimed, StoreError>;

    /// How long a claim (or its latest renewal) lasts. The receiver renews a claim every
    /// third of this while the handler runs.
    fn lease(&self) -> Duration;

    /// Extends the claim `token` holds on `key` by a full lease from now. `Ok(false)` if the
    /// claim was lost: its lease expired and the key was claimed again, released, or
    /// completed, or it is no longer held at all.
    async fn renew(&self, key: &DedupeKey, token: ClaimToken) -> Result<bool, StoreError>;

    /// Marks `key` handled: later claims answer [`Claimed::Done`] for the store's time to
    /// live. Completes if `token` still holds the claim, or if its lease expired without
    /// anyone claiming the key since (the handler did run). `Ok(false)`, changing nothing,
    /// if another claim took the key over or it is already done: the handler may have run
    /// twice, and the caller should log it.
    async fn complete(&self, key: &DedupeKey, token: ClaimToken) -> Result<bool, StoreError>;

    /// Forgets the claim `token` holds on `key` (the handler failed), so the next delivery is
    /// processed. `Ok(false)`, changing nothing, if another claim replaced it, the key is
    /// done, or nothing is held.
    async fn release(&self, key: &DedupeKey, token: ClaimToken) -> Result<bool, StoreError>;

    /// [`DedupeStore::claim`] for this delivery: what the receiver calls. A store that keeps
    /// an audit log or a replay source (the `PostgresStore`'s inbox)
    /// records the delivered request; the default claims the key alone.
    async fn claim_delivery(
        &self,
        key: &DedupeKey,
        delivery: &Delivery<'_>,
    ) -> Result<Claimed, StoreError> {
        let _ = delivery;
        self.claim(key).await
    }

    /// [`DedupeStore::release`] after the handler failed with `reason` (its error text, for
    /// stores that record outcomes; never sent to DOKU). The default releases.
    async fn release_failed(
        &self,
        key: &DedupeKey,
        token: ClaimToken,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let _ = reason;
        self.release(key, token).await
    }
}

/// One delivered notification, as the receiver claims it: what a store that keeps an audit
/// log records ([`DedupeStore::claim_delivery`]). The signature and timestamp are kept so
/// that a replay can be verified again rather than trusted.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Delivery<'a> {
    /// The receiver's path (part of what was signed).
    pub path: &'a str,
    /// The `Signature` header as received.
    pub signature: &'a str,
    /// The verified notification (headers, envelope and raw body).
    pub notification: &'a VerifiedNotification,
}

impl<'a> Delivery<'a> {
    /// A delivery to `path` with this `Signature` header.
    pub fn new(path: &'a str, signature: &'a str, notification: &'a VerifiedNotification) -> Self {
        Self {
            path,
            signature,
            notification,
        }
    }
}

#[async_trait]
impl<S: DedupeStore + ?Sized> DedupeStore for Arc<S> {
    async fn claim(&self, key: &DedupeKey) -> Result<Claimed, StoreError> {
        (**self).claim(key).await
    }

    fn lease(&self) -> Duration {
        (**self).lease()
    }

    async fn renew(&self, key: &DedupeKey, token: ClaimToken) -> Result<bool, StoreError> {
        (**self).renew(key, token).await
    }

    async fn complete(&self, key: &DedupeKey, token: ClaimToken) -> Result<bool, StoreError> {
        (**self).complete(key, token).await
    }

    async fn release(&self, key: &DedupeKey, token: ClaimToken) -> Result<bool, StoreError> {
        (**self).release(key, token).await
    }

    async fn claim_delivery(
        &self,
        key: &DedupeKey,
        delivery: &Delivery<'_>,
    ) -> Result<Claimed, StoreError> {
        (**self).claim_delivery(key, delivery).await
    }

    async fn release_failed(
        &self,
        key: &DedupeKey,
        token: ClaimToken,
        reason: &str,
    ) -> Result<bool, StoreError> {
        (**self).release_failed(key, token, reason).await
    }
}

#[derive(Clone, Copy, Debug)]
enum Entry {
    InFlight {
        token: ClaimToken,
        lease_until: OffsetDateTime,
    },
    Done {
        until: OffsetDateTime,
    },
}

impl Entry {
    /// Whether the deadline has passed. A deadline saturated at [`far_future`] (a huge time
    /// to live or lease) never passes, even for a clock pushed to the end of time.
    fn expired(&self, now: OffsetDateTime) -> bool {
        let deadline = self.expiry();
        deadline <= now && deadline != far_future()
    }

    fn expiry(&self) -> OffsetDateTime {
        match *self {
            Entry::InFlight { lease_until, .. } => lease_until,
            Entry::Done { until } => until,
        }
    }
}

/// One scheduled expiry check: when an entry's deadline is set (claim, renewal, completion),
/// `(deadline, key)` is queued. Renewals and completions leave earlier checks behind; those
/// find the entry still live when they come due and are dropped.
struct Expiry {
    at: OffsetDateTime,
    key: DedupeKey,
}

impl PartialEq for Expiry {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at
    }
}

impl Eq for Expiry {}

impl PartialOrd for Expiry {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

impl Ord for Expiry {
    // Reversed: `BinaryHeap` is a max-heap and the earliest deadline must come first.
    fn cmp(&self, other: &Self) -> CmpOrdering {
        other.at.cmp(&self.at)
    }
}

#[derive(Default)]
struct State {
    entries: HashMap<DedupeKey, Entry>,
    /// Every deadline set, earliest first. A heap rather than a FIFO queue: leases and the
    /// time to live differ, renewals push later deadlines, and an injected clock may move
    /// backwards.
    expiries: BinaryHeap<Expiry>,
}

impl State {
    /// Sets `key`'s entry and schedules its expiry check.
    fn set(&mut self, key: &DedupeKey, entry: Entry) {
        self.expiries.push(Expiry {
            at: entry.expiry(),
            key: key.clone(),
        });
        self.entries.insert(key.clone(), entry);
    }

    /// Removes the entries whose deadline has passed, by popping only the due checks:
    /// amortised O(log n) per deadline set, never a scan of every entry.
    fn sweep(&mut self, now: OffsetDateTime) -> usize {
        let mut removed = 0;
        while self.expiries.peek().is_some_and(|e| e.at <= now) {
            let Some(due) = self.expiries.pop() else {
                break;
            };
            if self.entries.get(&due.key).is_some_and(|e| e.expired(now)) {
                self.entries.remove(&due.key);
                removed += 1;
            }
        }
        // Checks left behind by renewals and completions are dropped as they come due; if the
        // clock stalls they could pile up, so rebuild from the live entries past a bound.
        if self.expiries.len() > 4 * self.entries.len() + 1024 {
            self.expiries = self
                .entries
                .iter()
                .map(|(key, e)| Expiry {
                    at: e.expiry(),
                    key: key.clone(),
                })
                .collect();
        }
        removed
    }
}

/// The in-memory [`DedupeStore`]: for a receiver running in one process.
///
/// * Handled keys are remembered for a time to live (default 24 hours, covering DOKU's
///   retries up to 12 hours after the first attempt).
/// * A claim is a lease (default 10 minutes): if its holder never completes nor releases
///   it, the key can be claimed again once the lease ends. It is shorter than DOKU's first
///   retry (30 minutes), so that retry is processed.
///   While the handler runs, the receiver renews the lease every third of it, so a slow
///   handler keeps its claim.
/// * At most `capacity` entries (default 1,000,000). Each claim first removes the entries
///   whose deadline has passed, from a queue ordered by deadline (amortised O(log n), no
///   scan of all entries under the lock); if the store is still full, the claim fails with
///   [`StoreError::Full`] instead of evicting a live entry (which could let a duplicate
///   through). The receiver answers that with 503 and DOKU retries later.
/// * Huge time-to-live and lease values (up to [`Duration::MAX`]) are accepted and saturate
///   at the latest representable instant, i.e. never expire.
/// * The clock is injectable for tests.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use doku_pay_core::signature::BodyDigest;
/// use doku_pay_receiver::store::{Claimed, DedupeKey, DedupeStore, MemoryStore};
/// let store = MemoryStore::new();
/// let key = DedupeKey::new("MCH-1", "rid-1".parse().unwrap(), BodyDigest::of(b"{}"));
/// let Claimed::New(token) = store.claim(&key).await.unwrap() else { panic!() };
/// assert_eq!(store.claim(&key).await.unwrap(), Claimed::InFlight);
/// store.complete(&key, token).await.unwrap();
/// assert_eq!(store.claim(&key).await.unwrap(), Claimed::Done);
/// # });
/// ```
pub struct MemoryStore {
    state: Mutex<State>,
    ttl: Duration,
    lease: Duration,
    capacity: usize,
    clock: SharedClock,
    next_token: AtomicU64,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("entries", &self.len())
            .field("ttl", &self.ttl)
            .field("lease", &self.lease)
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// Default time to live of a handled key: 24 hours.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);
    /// Default lease of a claim: 10 minutes.
    pub const DEFAULT_LEASE: Duration = Duration::from_secs(10 * 60);
    /// Default capacity: 1,000,000 entries.
    pub const DEFAULT_CAPACITY: usize = 1_000_000;

    /// An empty store with the defaults and the system clock.
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State::default()),
            ttl: Self::DEFAULT_TTL,
            lease: Self::DEFAULT_LEASE,
            capacity: Self::DEFAULT_CAPACITY,
            clock: Arc::new(SystemClock),
            next_token: AtomicU64::new(1),
        }
    }

    /// How long a handled key is remembered.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How long a claim lasts without being completed or released.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// The most entries held (at least 1).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// Uses this clock for time to live and leases.
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Entries held, including expired ones not swept yet.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes expired entries now; returns how many. Claims do this too, so calling it is
    /// only needed to free memory while no notifications arrive.
    pub fn sweep(&self) -> usize {
        let now = self.clock.now();
        self.lock().sweep(now)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the map inconsistent (every update is a
        // single insert or remove), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn claim_now(&self, key: &DedupeKey) -> Result<Claimed, StoreError> {
        let now = self.clock.now();
        let mut state = self.lock();
        state.sweep(now);
        match state.entries.get(key) {
            Some(e) if !e.expired(now) => {
                return Ok(match e {
                    Entry::InFlight { .. } => Claimed::InFlight,
                    Entry::Done { .. } => Claimed::Done,
                });
            }
            // Expired but not swept (defensive: the sweep above removes these): replaced.
            Some(_) => {}
            None => {
                if state.entries.len() >= self.capacity {
                    return Err(StoreError::Full {
                        capacity: self.capacity,
                    });
                }
            }
        }
        let token = ClaimToken(self.next_token.fetch_add(1, Ordering::Relaxed));
        let lease_until = saturating_add(now, self.lease);
        state.set(key, Entry::InFlight { token, lease_until });
        Ok(Claimed::New(token))
    }
}

#[async_trait]
impl DedupeStore for MemoryStore {
    async fn claim(&self, key: &DedupeKey) -> Result<Claimed, StoreError> {
        self.claim_now(key)
    }

    fn lease(&self) -> Duration {
        self.lease
    }

    async fn renew(&self, key: &DedupeKey, token: ClaimToken) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let mut state = self.lock();
        match state.entries.get(key) {
            // An expired lease that nobody took over is still this holder's to renew.
            Some(Entry::InFlight { token: held, .. }) if *held == token => {
                let lease_until = saturating_add(now, self.lease);
                state.set(key, Entry::InFlight { token, lease_until });
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn complete(&self, key: &DedupeKey, token: ClaimToken) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let mut state = self.lock();
        let holds = match state.entries.get(key) {
            Some(Entry::InFlight { token: held, .. }) => *held == token,
            // The lease expired and was swept, and nobody claimed the key since: the handler
            // did run, so record it.
            None => true,
            Some(Entry::Done { .. }) => false,
        };
        if holds {
            let until = saturating_add(now, self.ttl);
            state.set(key, Entry::Done { until });
        }
        Ok(holds)
    }

    async fn release(&self, key: &DedupeKey, token: ClaimToken) -> Result<bool, StoreError> {
        let mut state = self.lock();
        match state.entries.get(key) {
            Some(Entry::InFlight { token: held, .. }) if *held == token => {
                state.entries.remove(key);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// Opens the store `url` names, for a receiver configured from the command line or the
/// environment:
///
/// | `url` | store |
/// | --- | --- |
/// | `memory` | a [`MemoryStore`] with its defaults |
/// | `redis://...`, `redis+unix://...` | a `RedisStore` (feature `redis`) |
/// | `rediss://...` | a `RedisStore` over TLS, trusting the system's roots or `SSL_CERT_FILE`, or as `OpenOptions::redis_tls` says (feature `redis-tls`) |
/// | `redis-cluster://[[user]:password@]host:port,host:port...` | a `RedisStore` on a Redis Cluster, through these nodes (feature `redis-cluster`) |
/// | `rediss-cluster://...` | the same over TLS, as `rediss://` (features `redis-cluster` and `redis-tls`) |
/// | `postgres://...`, `postgresql://...` | a `PostgresStore`, migrated (feature `postgres`) |
///
/// Errors never repeat the URL (it may carry a password).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = doku_pay_receiver::store::open("memory").await.unwrap();
/// assert!(doku_pay_receiver::store::open("mongodb://x").await.is_err());
/// # let _ = store; });
/// ```
pub async fn open(url: &str) -> Result<Arc<dyn DedupeStore>, StoreError> {
    open_with(url, OpenOptions::default()).await
}

const EXPECTED_STORES: &str = "expected memory, redis://..., rediss://..., redis+unix://..., redis-cluster://..., rediss-cluster://... or postgres://...";

/// What [`open_with`] sets on the store it opens; `None` keeps the store's default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpenOptions {
    /// The claim's lease ([`DedupeStore::lease`]).
    pub lease: Option<Duration>,
    /// How long a handled key is remembered (memory and Redis; PostgreSQL keeps its rows).
    pub ttl: Option<Duration>,
    /// What a `rediss://` or `rediss-cluster://` store trusts and presents (feature
    /// `redis-tls`); `None`: the system's roots, or `SSL_CERT_FILE`, and no client
    /// certificate. Refused with a URL without TLS.
    #[cfg(feature = "redis-tls")]
    pub redis_tls: Option<crate::RedisTls>,
}

impl OpenOptions {
    /// Sets the lease.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = Some(lease);
        self
    }

    /// Sets the time to live of a handled key.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Sets what a `rediss://` or `rediss-cluster://` store trusts and presents (feature
    /// `redis-tls`).
    #[cfg(feature = "redis-tls")]
    pub fn redis_tls(mut self, tls: crate::RedisTls) -> Self {
        self.redis_tls = Some(tls);
        self
    }
}

/// [`open`] with these options.
pub async fn open_with(
    url: &str,
    options: OpenOptions,
) -> Result<Arc<dyn DedupeStore>, StoreError> {
    // A URL's scheme is case-insensitive.
    let scheme = url
        .split_once("://")
        .map_or(url, |(scheme, _)| scheme)
        .to_ascii_lowercase();
    let scheme = scheme.as_str();
    #[cfg(feature = "redis-tls")]
    if options.redis_tls.is_some()
        && matches!(
            scheme,
            "memory" | "redis" | "redis+unix" | "redis-cluster" | "postgres" | "postgresql"
        )
    {
        return Err(StoreError::Config(
            "Redis TLS settings (a CA, a client certificate) given for a store URL without \
             Redis over TLS: they apply to rediss:// and rediss-cluster:// URLs"
                .into(),
        ));
    }
    match scheme {
        "memory" => {
            let mut s = MemoryStore::new();
            if let Some(lease) = options.lease {
                s = s.lease(lease);
            }
            if let Some(ttl) = options.ttl {
                s = s.ttl(ttl);
            }
            Ok(Arc::new(s))
        }
        #[cfg(feature = "redis")]
        "redis" | "redis+unix" | "rediss" => {
            #[cfg(feature = "redis-tls")]
            if let Some(tls) = options.redis_tls.clone() {
                let store = crate::RedisStore::connect_tls(url, tls).await?;
                return Ok(redis_with(store, options));
            }
            // `rediss://` in a build without `redis-tls`: a configuration error saying so.
            Ok(redis_with(crate::RedisStore::connect(url).await?, options))
        }
        #[cfg(feature = "redis-cluster")]
        "redis-cluster" | "rediss-cluster" => {
            let nodes = crate::redis_store::cluster_nodes(url)?;
            #[cfg(feature = "redis-tls")]
            if let Some(tls) = options.redis_tls.clone() {
                let store = crate::RedisStore::connect_cluster_tls(nodes, tls).await?;
                return Ok(redis_with(store, options));
            }
            Ok(redis_with(
                crate::RedisStore::connect_cluster(nodes).await?,
                options,
            ))
        }
        #[cfg(feature = "postgres")]
        "postgres" | "postgresql" => {
            let mut s = crate::PostgresStore::connect(url).await?;
            if let Some(lease) = options.lease {
                s = s.lease(lease);
            }
            Ok(Arc::new(s))
        }
        #[cfg(not(feature = "redis"))]
        "redis" | "redis+unix" => Err(not_built("redis")),
        #[cfg(not(feature = "redis"))]
        "rediss" => Err(not_built("redis-tls")),
        #[cfg(not(feature = "redis-cluster"))]
        "redis-cluster" | "rediss-cluster" => Err(not_built("redis-cluster")),
        #[cfg(not(feature = "postgres"))]
        "postgres" | "postgresql" => Err(not_built("postgres")),
        // Named only when it is a scheme: without `://`, `scheme` is the whole URL, which
        // may be a mistyped one carrying a password.
        _ if url.contains("://")
            && !scheme.is_empty()
            && scheme.len() <= 20
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            Err(StoreError::Config(format!(
                "unknown store scheme `{scheme}`: {EXPECTED_STORES}"
            )))
        }
        _ => Err(StoreError::Config(format!(
            "not a store URL: {EXPECTED_STORES}"
        ))),
    }
}

/// A Redis store with `options`' lease and time to live.
#[cfg(feature = "redis")]
fn redis_with<C>(s: crate::RedisStore<C>, options: OpenOptions) -> Arc<dyn DedupeStore>
where
    C: ::redis::aio::ConnectionLike + Clone + Send + Sync + 'static,
{
    let s = match options.lease {
        Some(lease) => s.lease(lease),
        None => s,
    };
    Arc::new(match options.ttl {
        Some(ttl) => s.ttl(ttl),
        None => s,
    })
}

#[cfg(not(all(
    feature = "redis",
    feature = "redis-cluster",
    feature = "redis-tls",
    feature = "postgres"
)))]
fn not_built(feature: &str) -> StoreError {
    StoreError::Config(format!(
        "this build has no {feature} store (doku-pay-receiver's `{feature}` feature)"
    ))
}

/// A clock that moves only when told to, for tests of time to live, leases and timestamp
/// windows.
///
/// ```
/// use std::time::Duration;
/// use doku_pay_core::clock::Clock;
/// use doku_pay_receiver::store::ManualClock;
/// use time::macros::datetime;
/// let clock = ManualClock::new(datetime!(2021-01-27 03:24:23 UTC));
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(clock.now(), datetime!(2021-01-27 03:25:23 UTC));
/// ```
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<OffsetDateTime>,
}

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// Moves the clock forward (saturating at the latest representable instant).
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now = saturating_add(*now, by);
    }

    /// Sets the clock.
    pub fn set(&self, to: OffsetDateTime) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}
