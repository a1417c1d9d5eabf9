//! Deduplication of notifications by `(Client-Id, Request-Id)` through a claim protocol.
//!
//! DOKU re-sends a notification whose answer was not 2xx (30 minutes, 6 hours and 12 hours
//! after the first attempt), and a network may deliver the same request twice. The receiver
//! calls the application's handler at most once per notification that the handler accepted:
//!
//! 1. [`DedupeStore::claim`] atomically answers [`Claimed::New`] (this caller now holds a
//!    lease on the key and runs the handler), [`Claimed::InFlight`] (another caller holds
//!    a live lease) or [`Claimed::Done`] (already handled);
//! 2. after the handler returns `Ok`, [`DedupeStore::complete`] marks the key done for the
//!    store's time to live;
//! 3. after the handler fails, [`DedupeStore::release`] forgets the claim so that DOKU's
//!    retry is processed.
//!
//! A lease whose holder crashed (process killed between claim and complete) expires, and the
//! next delivery of the notification claims it anew: it is delayed, never lost.
//!
//! [`MemoryStore`] is the default, for a receiver running in one process. Receivers on
//! several machines implement [`DedupeStore`] over a shared store, for example Redis:
//! `claim` as `SET key "inflight:{token}" NX PX {lease}` (and on failure `GET` to tell
//! in-flight from done), `complete` as a compare-and-set to `"done"` with `PX {ttl}`,
//! `release` as a compare-and-delete of `"inflight:{token}"` (a small Lua script each).

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use doku_core::RequestId;
use doku_core::clock::{Clock, SharedClock, SystemClock};
use time::OffsetDateTime;

/// What a notification is deduplicated on: the merchant's `Client-Id` and the notification's
/// own `Request-Id` (unique per notification for one merchant).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DedupeKey {
    client_id: String,
    request_id: RequestId,
}

impl DedupeKey {
    /// The key of a notification signed for `client_id` with this `Request-Id`.
    pub fn new(client_id: impl Into<String>, request_id: RequestId) -> Self {
        Self {
            client_id: client_id.into(),
            request_id,
        }
    }

    /// The merchant's `Client-Id`.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The notification's `Request-Id`.
    pub fn request_id(&self) -> &RequestId {
        &self.request_id
    }

    /// One string for a key-value store: `{client id} {request id}`. Both parts are visible
    /// ASCII without spaces, so the space makes the form unambiguous.
    ///
    /// ```
    /// use doku_receiver::store::DedupeKey;
    /// let key = DedupeKey::new("MCH-1", "rid-1".parse().unwrap());
    /// assert_eq!(key.to_store_key(), "MCH-1 rid-1");
    /// ```
    pub fn to_store_key(&self) -> String {
        format!("{} {}", self.client_id, self.request_id)
    }
}

impl fmt::Debug for DedupeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DedupeKey({} {})", self.client_id, self.request_id)
    }
}

impl fmt::Display for DedupeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.client_id, self.request_id)
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
}

/// Where claims and completions of notifications are recorded.
///
/// Implementations must make `claim` atomic: two concurrent claims of one key never both get
/// [`Claimed::New`] while the first lease is live.
#[async_trait]
pub trait DedupeStore: Send + Sync + 'static {
    /// Claims `key` for processing (see [`Claimed`]).
    async fn claim(&self, key: &DedupeKey) -> Result<Claimed, StoreError>;

    /// Marks `key` handled: later claims answer [`Claimed::Done`] for the store's time to
    /// live. Completes even if `token`'s lease expired meanwhile, since the handler did run.
    async fn complete(&self, key: &DedupeKey, token: ClaimToken) -> Result<(), StoreError>;

    /// Forgets the claim `token` holds on `key` (the handler failed), so the next delivery is
    /// processed. Does nothing if another claim replaced it or the key is done.
    async fn release(&self, key: &DedupeKey, token: ClaimToken) -> Result<(), StoreError>;
}

#[async_trait]
impl<S: DedupeStore + ?Sized> DedupeStore for Arc<S> {
    async fn claim(&self, key: &DedupeKey) -> Result<Claimed, StoreError> {
        (**self).claim(key).await
    }

    async fn complete(&self, key: &DedupeKey, token: ClaimToken) -> Result<(), StoreError> {
        (**self).complete(key, token).await
    }

    async fn release(&self, key: &DedupeKey, token: ClaimToken) -> Result<(), StoreError> {
        (**self).release(key, token).await
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
    fn expired(&self, now: OffsetDateTime) -> bool {
        match *self {
            Entry::InFlight { lease_until, .. } => lease_until <= now,
            Entry::Done { until } => until <= now,
        }
    }
}

#[derive(Default)]
struct State {
    entries: HashMap<DedupeKey, Entry>,
    inserts_since_sweep: usize,
}

impl State {
    fn sweep(&mut self, now: OffsetDateTime) -> usize {
        let before = self.entries.len();
        self.entries.retain(|_, e| !e.expired(now));
        self.inserts_since_sweep = 0;
        before - self.entries.len()
    }
}

/// The in-memory [`DedupeStore`]: for a receiver running in one process.
///
/// * Handled keys are remembered for a time to live (default 24 hours, covering DOKU's
///   retries up to 12 hours after the first attempt).
/// * A claim is a lease (default 10 minutes): if its holder never completes nor releases
///   it, the key can be claimed again once the lease ends. It is shorter than DOKU's first
///   retry (30 minutes), so that retry is processed.
/// * At most `capacity` entries (default 1,000,000). Expired entries are swept in amortised
///   constant time and whenever the store is full; if it is still full, a claim fails with
///   [`StoreError::Full`] instead of evicting a live entry (which could let a duplicate
///   through). The receiver answers that with 503 and DOKU retries later.
/// * The clock is injectable for tests.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use doku_receiver::store::{Claimed, DedupeKey, DedupeStore, MemoryStore};
/// let store = MemoryStore::new();
/// let key = DedupeKey::new("MCH-1", "rid-1".parse().unwrap());
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

    /// Removes expired entries now; returns how many.
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
        match state.entries.get(key) {
            Some(e) if !e.expired(now) => {
                return Ok(match e {
                    Entry::InFlight { .. } => Claimed::InFlight,
                    Entry::Done { .. } => Claimed::Done,
                });
            }
            Some(_) => {}
            None => {
                // Sweep when full, and otherwise every `len` inserts (amortised O(1)).
                if state.entries.len() >= self.capacity
                    || state.inserts_since_sweep >= state.entries.len().max(1024)
                {
                    state.sweep(now);
                }
                if state.entries.len() >= self.capacity {
                    return Err(StoreError::Full {
                        capacity: self.capacity,
                    });
                }
                state.inserts_since_sweep += 1;
            }
        }
        let token = ClaimToken(self.next_token.fetch_add(1, Ordering::Relaxed));
        state.entries.insert(
            key.clone(),
            Entry::InFlight {
                token,
                lease_until: now + self.lease,
            },
        );
        Ok(Claimed::New(token))
    }
}

#[async_trait]
impl DedupeStore for MemoryStore {
    async fn claim(&self, key: &DedupeKey) -> Result<Claimed, StoreError> {
        self.claim_now(key)
    }

    async fn complete(&self, key: &DedupeKey, _token: ClaimToken) -> Result<(), StoreError> {
        let until = self.clock.now() + self.ttl;
        self.lock()
            .entries
            .insert(key.clone(), Entry::Done { until });
        Ok(())
    }

    async fn release(&self, key: &DedupeKey, token: ClaimToken) -> Result<(), StoreError> {
        let mut state = self.lock();
        if let Some(Entry::InFlight { token: held, .. }) = state.entries.get(key) {
            if *held == token {
                state.entries.remove(key);
            }
        }
        Ok(())
    }
}

/// A clock that moves only when told to, for tests of time to live, leases and timestamp
/// windows.
///
/// ```
/// use std::time::Duration;
/// use doku_core::clock::Clock;
/// use doku_receiver::store::ManualClock;
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

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
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
