//! [`PostgresStore`]: a transactional inbox in PostgreSQL (feature `postgres`).

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use std::collections::HashMap;

use async_trait::async_trait;
use doku_pay_core::Notification;
use futures_util::future::BoxFuture;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions as _, Connection as _, PgConnection, Row as _};
use time::OffsetDateTime;

use crate::batch::Batcher;
use crate::handler::BoxError;
use crate::receiver::{ClaimedHandler, Receiver, ReceiverBuilder};
use crate::store::{
    ClaimToken, Claimed, DedupeKey, DedupeStore, Delivery, StoreError, StoreFailure,
};

/// The embedded migrations, applied in order by [`PostgresStore::migrate`]: (version, SQL).
/// A version once released is never edited; a change is a new version.
const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        r"
CREATE TABLE doku_inbox (
    key               text PRIMARY KEY,
    client_id         text NOT NULL,
    request_id        text NOT NULL,
    body_digest       text NOT NULL,
    path              text,
    request_timestamp text,
    signature         text,
    channel_code      text,
    body              bytea,
    state             text NOT NULL CHECK (state IN ('inflight', 'done', 'failed')),
    token             bigint,
    lease_until       timestamptz,
    attempts          integer NOT NULL DEFAULT 1,
    last_error        text,
    received_at       timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    completed_at      timestamptz
);
CREATE INDEX doku_inbox_by_state ON doku_inbox (state, received_at);
",
    ),
    // No index on `state`: the planner chose it for the token-checked updates
    // (`WHERE key = $1 AND state = 'inflight' ...`) over the primary key, walking every
    // in-flight entry, dead ones included, on each completion. Without it every statement
    // on a key uses the primary key, and a completion (changing no indexed column) is a
    // HOT update. Listing walks `received_at`.
    (
        2,
        r"
DROP INDEX doku_inbox_by_state;
CREATE INDEX doku_inbox_by_received ON doku_inbox (received_at, key);
",
    ),
    // Every row is inserted in flight and updated once when done. Pages filled only half by
    // inserts keep room for that update on the row's own page, so it is a HOT update (no
    // index entry written; the old version pruned in place). With the default fill factor,
    // four completions in five went to another page and wrote both indexes again: 6 to 9 %
    // of the store's throughput. Applies to pages written from now on.
    (3, "ALTER TABLE doku_inbox SET (fillfactor = 50);"),
];

/// Serialises concurrent migrations (several replicas starting at once).
const MIGRATION_LOCK: i64 = 0x646f_6b75_696e_6278; // "dokuinbx"

/// Renews without ever waiting for a row lock: a row locked right now is being completed
/// (or claimed) by a transaction, and is checked again at the next renewal.
const RENEW: &str = "
WITH target AS (SELECT key FROM doku_inbox WHERE key = $1 FOR UPDATE SKIP LOCKED),
renewed AS (
    UPDATE doku_inbox SET lease_until = now() + $3 * interval '1 millisecond', updated_at = now()
    WHERE key IN (SELECT key FROM target) AND state = 'inflight' AND token = $2
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM renewed) AS renewed,
       EXISTS (SELECT 1 FROM target) AS unlocked,
       EXISTS (SELECT 1 FROM doku_inbox WHERE key = $1) AS present";

/// Completes if this claim holds the key (its lease may have expired, as long as nobody
/// claimed the key since: the token is still there).
const COMPLETE: &str = "
UPDATE doku_inbox SET state = 'done', lease_until = NULL, completed_at = now(),
    updated_at = now(), last_error = NULL
WHERE key = $1 AND state = 'inflight' AND token = $2";

const RELEASE: &str = "
UPDATE doku_inbox SET state = 'failed', lease_until = NULL, token = NULL, updated_at = now(),
    last_error = $3
WHERE key = $1 AND state = 'inflight' AND token = $2";

/// Claims a batch of keys (distinct, in key order so that concurrent batches lock rows in
/// one order): each key's row is inserted, or taken over if the previous claim failed or its
/// lease expired; the rows claimed answer their key and token. It reads `doku_inbox` only
/// through the primary key (the conflict arbiter), so no plan can scan the table.
const CLAIM_BATCH: &str = "
INSERT INTO doku_inbox AS i (key, client_id, request_id, body_digest, path,
    request_timestamp, signature, channel_code, body, state, token, lease_until)
SELECT key, client_id, request_id, body_digest, path, request_timestamp, signature,
    channel_code, body, 'inflight', token, now() + $11 * interval '1 millisecond'
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
    $6::text[], $7::text[], $8::text[], $9::bytea[], $10::bigint[])
    AS t(key, client_id, request_id, body_digest, path, request_timestamp, signature,
         channel_code, body, token)
ORDER BY key
ON CONFLICT (key) DO UPDATE SET
    state = 'inflight', token = EXCLUDED.token, lease_until = EXCLUDED.lease_until,
    attempts = i.attempts + 1, updated_at = now(),
    path = COALESCE(i.path, EXCLUDED.path),
    request_timestamp = COALESCE(i.request_timestamp, EXCLUDED.request_timestamp),
    signature = COALESCE(i.signature, EXCLUDED.signature),
    channel_code = COALESCE(i.channel_code, EXCLUDED.channel_code),
    body = COALESCE(i.body, EXCLUDED.body)
WHERE i.state = 'failed' OR (i.state = 'inflight' AND i.lease_until <= now())
RETURNING i.key, i.token";

/// The states of the keys a claim batch did not claim (done, or in flight).
const STATES: &str = "SELECT key, state FROM doku_inbox WHERE key = ANY($1::text[])";

/// [`COMPLETE`] over a batch of (key, token): answers the pairs marked done.
const COMPLETE_BATCH: &str = "
UPDATE doku_inbox AS d SET state = 'done', lease_until = NULL, completed_at = now(),
    updated_at = now(), last_error = NULL
FROM (SELECT * FROM unnest($1::text[], $2::bigint[]) AS t(key, token) ORDER BY key) AS c
WHERE d.key = c.key AND d.state = 'inflight' AND d.token = c.token
RETURNING d.key, d.token";

/// The most notifications one batched statement carries.
const BATCH_MAX: usize = 256;

/// The [`DedupeStore`] in PostgreSQL, a transactional inbox: one row per delivered
/// notification in `doku_inbox`, keeping the request as received (key parts, path,
/// `Request-Timestamp`, `Signature`, raw body), its state (`inflight`, `done`, `failed`),
/// the number of attempts, the last handler error and the timestamps. It doubles as an audit
/// log and a replay source ([`PostgresStore::list`]).
///
/// * A claim is one statement (`INSERT ... ON CONFLICT DO UPDATE ... WHERE` the previous
///   claim failed or its lease expired), committed at once, so other processes see it in
///   flight; renew, complete and release are token-checked `UPDATE`s. Leases are measured
///   with the database's clock, shared by every replica.
/// * **Group commit:** claims (and completions outside [`PostgresStore::receiver`]) that
///   arrive while earlier ones are running go to the database together, as one statement
///   and one commit (one claim statement and one completion statement at a time, at most
///   256 notifications each); a lone claim is sent at once. Each caller is answered only after its
///   statement committed, so nothing is acknowledged that a crash could take back.
/// * Done rows are kept (the deduplication horizon is the table's retention, unbounded
///   unless [`PostgresStore::purge_done`] is called), so a retry any time later is a
///   duplicate.
/// * **Exactly once, end to end:** with [`PostgresStore::receiver`], the handler receives
///   the open transaction; the inbox row is marked done in that same transaction, so the
///   application's writes and the completion commit together. A crash at any point leaves
///   both or neither: before the commit, the claim's lease expires and DOKU's retry runs the
///   handler again on a database without its writes.
/// * The schema is created by an embedded migration ([`PostgresStore::migrate`], run by
///   [`PostgresStore::connect`]), serialised by an advisory lock so replicas may start
///   together.
/// * Failures (connection lost, pool exhausted for 2 s) are [`StoreError::Backend`]: the
///   receiver answers 503. The pool reconnects by itself. Error texts name no password.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    lease: Duration,
    batches: Arc<Batches>,
    /// The claims (key, token) whose inbox transaction holds their row right now, having
    /// completed it and not yet ended (see `renew`).
    completing: Arc<Mutex<HashSet<(String, i64)>>>,
}

/// A claim marked as holding its row in an inbox transaction while this lives.
struct Completing<'a> {
    claims: &'a Mutex<HashSet<(String, i64)>>,
    claim: (String, i64),
}

impl<'a> Completing<'a> {
    fn mark(claims: &'a Mutex<HashSet<(String, i64)>>, claim: (String, i64)) -> Self {
        claims
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(claim.clone());
        Self { claims, claim }
    }
}

impl Drop for Completing<'_> {
    fn drop(&mut self) {
        self.claims
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.claim);
    }
}

/// Claims and completions from concurrent deliveries, each group sent as one statement.
struct Batches {
    claims: Batcher<ClaimRow, Claimed>,
    completions: Batcher<(String, i64), bool>,
}

/// One notification's claim, as the batch statement binds it.
struct ClaimRow {
    key: String,
    client_id: String,
    request_id: String,
    body_digest: String,
    path: Option<String>,
    request_timestamp: Option<String>,
    signature: Option<String>,
    channel_code: Option<String>,
    body: Option<Vec<u8>>,
    token: ClaimToken,
}

/// A claim batch as the statement's array parameters, one entry per row.
struct ClaimColumns {
    key: Vec<String>,
    client_id: Vec<String>,
    request_id: Vec<String>,
    body_digest: Vec<String>,
    path: Vec<Option<String>>,
    request_timestamp: Vec<Option<String>>,
    signature: Vec<Option<String>>,
    channel_code: Vec<Option<String>>,
    body: Vec<Option<Vec<u8>>>,
    token: Vec<i64>,
}

impl ClaimColumns {
    fn with_capacity(n: usize) -> Self {
        Self {
            key: Vec::with_capacity(n),
            client_id: Vec::with_capacity(n),
            request_id: Vec::with_capacity(n),
            body_digest: Vec::with_capacity(n),
            path: Vec::with_capacity(n),
            request_timestamp: Vec::with_capacity(n),
            signature: Vec::with_capacity(n),
            channel_code: Vec::with_capacity(n),
            body: Vec::with_capacity(n),
            token: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, r: ClaimRow) {
        self.key.push(r.key);
        self.client_id.push(r.client_id);
        self.request_id.push(r.request_id);
        self.body_digest.push(r.body_digest);
        self.path.push(r.path);
        self.request_timestamp.push(r.request_timestamp);
        self.signature.push(r.signature);
        self.channel_code.push(r.channel_code);
        self.body.push(r.body);
        self.token.push(token_sql(r.token));
    }
}

impl fmt::Debug for PostgresStore {
    // The pool's options carry the connection's password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

/// One row of the inbox, as [`PostgresStore::list`] returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InboxEntry {
    /// The deduplication key, `{client id} {request id} {body digest}`.
    pub key: String,
    /// The merchant's `Client-Id`.
    pub client_id: String,
    /// The notification's `Request-Id`.
    pub request_id: String,
    /// The receiver's path the notification was POSTed to (part of what was signed).
    pub path: Option<String>,
    /// The `Request-Timestamp` header as received.
    pub request_timestamp: Option<String>,
    /// The `Signature` header as received.
    pub signature: Option<String>,
    /// DOKU's `channel.id`.
    pub channel_code: Option<String>,
    /// The body exactly as received.
    pub body: Option<Vec<u8>>,
    /// `inflight`, `done` or `failed`.
    pub state: String,
    /// How many times it was claimed.
    pub attempts: i32,
    /// The handler's last error, if its last attempt failed.
    pub last_error: Option<String>,
    /// When it was first received.
    pub received_at: OffsetDateTime,
    /// When it was marked done.
    pub completed_at: Option<OffsetDateTime>,
}

/// Which inbox rows [`PostgresStore::list`] returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum InboxFilter {
    /// Every row.
    #[default]
    All,
    /// Rows not done: failed, or in flight (possibly with an expired lease).
    Pending,
    /// Rows in flight (state `inflight`): a handler holds them, or held them until its lease
    /// expired.
    InFlight,
    /// Rows whose handler failed (state `failed`): DOKU's retry, or `doku inbox replay`,
    /// runs them again.
    Failed,
    /// Rows handled (state `done`).
    Done,
}

fn db(what: &str, e: &sqlx::Error) -> StoreError {
    // sqlx's error texts carry no connection options (no password). A server's error is
    // its message and SQLSTATE (sqlx's text adds the line of the server's C source).
    match e {
        sqlx::Error::Database(d) => StoreError::Backend(format!(
            "{what}: {}{}",
            d.message(),
            d.code()
                .map(|c| format!(" (SQLSTATE {c})"))
                .unwrap_or_default()
        )),
        e => StoreError::Backend(format!("{what}: {e}")),
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A token as the `bigint` column holds it (tokens are below 2^63).
fn token_sql(t: ClaimToken) -> i64 {
    i64::try_from(t.value()).unwrap_or(i64::MAX)
}

impl PostgresStore {
    /// Default lease of a claim: 10 minutes, shorter than DOKU's first retry (30 minutes).
    pub const DEFAULT_LEASE: Duration = Duration::from_secs(10 * 60);
    /// Default most connections in the pool.
    pub const DEFAULT_MAX_CONNECTIONS: u32 = 16;
    /// Longest until a connection is available before the store fails (503).
    pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

    /// Connects to `url` (`postgres://user[:password]@host[:port]/db?sslmode=...`), with a
    /// pool of [`PostgresStore::DEFAULT_MAX_CONNECTIONS`], and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, Self::DEFAULT_MAX_CONNECTIONS).await
    }

    /// [`PostgresStore::connect`] with at most `max_connections` connections.
    pub async fn connect_with(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let options: PgConnectOptions = url
            .parse()
            .map_err(|e| StoreError::Config(format!("invalid PostgreSQL URL: {e}")))?;
        let connected = PgPoolOptions::new()
            .max_connections(max_connections.max(2))
            .acquire_timeout(Self::ACQUIRE_TIMEOUT)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await;
        let pool = match connected {
            Ok(pool) => pool,
            // The pool retries until its timeout and keeps only that: one more attempt of
            // its own tells why (refused, unknown host, ...).
            Err(sqlx::Error::PoolTimedOut) => {
                let why = match tokio::time::timeout(Self::ACQUIRE_TIMEOUT, options.connect()).await
                {
                    Ok(Err(e)) => db("cannot connect to PostgreSQL", &e),
                    _ => db("cannot connect to PostgreSQL", &sqlx::Error::PoolTimedOut),
                };
                return Err(why);
            }
            Err(e) => return Err(db("cannot connect to PostgreSQL", &e)),
        };
        let store = Self::with_pool(pool);
        store.migrate().await?;
        Ok(store)
    }

    /// A store over this pool (migrations not applied: call [`PostgresStore::migrate`]).
    pub fn with_pool(pool: PgPool) -> Self {
        Self::build(pool, Self::DEFAULT_LEASE)
    }

    fn build(pool: PgPool, lease: Duration) -> Self {
        // One statement of each kind at a time (measured: two at a time gave smaller batches
        // and a lower rate).
        let (p, l) = (pool.clone(), millis(lease));
        let claims = Batcher::new(BATCH_MAX, move |rows| {
            Box::pin(claim_batch(p.clone(), l, rows))
        });
        let p = pool.clone();
        let completions = Batcher::new(BATCH_MAX, move |pairs| {
            Box::pin(complete_batch(p.clone(), pairs))
        });
        Self {
            pool,
            lease,
            batches: Arc::new(Batches {
                claims,
                completions,
            }),
            completing: Arc::default(),
        }
    }

    /// How long a claim lasts without renewal (at least 1 ms).
    pub fn lease(self, lease: Duration) -> Self {
        Self::build(self.pool, lease.max(Duration::from_millis(1)))
    }

    /// The pool, for the application's own queries.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Creates or upgrades the inbox schema: each embedded migration not yet recorded in
    /// `doku_inbox_migrations` runs in one transaction, under an advisory lock.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(|e| db("cannot migrate", &e))?;
        let fail = |e: sqlx::Error| db("inbox migration failed", &e);
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS doku_inbox_migrations (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now())",
        )
        .execute(&mut *tx)
        .await
        .map_err(fail)?;
        let applied: Vec<i32> = sqlx::query_scalar("SELECT version FROM doku_inbox_migrations")
            .fetch_all(&mut *tx)
            .await
            .map_err(fail)?;
        for (version, sql) in MIGRATIONS {
            if applied.contains(version) {
                continue;
            }
            sqlx::raw_sql(*sql).execute(&mut *tx).await.map_err(fail)?;
            sqlx::query("INSERT INTO doku_inbox_migrations (version) VALUES ($1)")
                .bind(version)
                .execute(&mut *tx)
                .await
                .map_err(fail)?;
        }
        tx.commit().await.map_err(fail)
    }

    /// A receiver builder whose handler receives the open transaction: the inbox row is
    /// marked done in it, after the handler returned `Ok`, so the handler's writes and the
    /// completion commit together. If the handler fails, the transaction is rolled back and
    /// the claim released (500, DOKU retries); if the claim was lost meanwhile (its lease
    /// expired and another replica claimed it), it is rolled back too. If the transaction
    /// itself cannot be opened or committed (PostgreSQL unreachable, the connection lost),
    /// the store failed: 503, as for a failed claim, and the claim is released (a commit
    /// whose answer was lost may have committed: DOKU's retry then finds it done).
    ///
    /// The builder is bound to this store: `store` or `store_url` on it makes `build` fail
    /// (claims taken in another store could never be completed in this transaction).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use doku_pay_core::{ClientId, SecretKey};
    /// use doku_pay_receiver::{BoxError, PostgresStore, inbox_handler};
    ///
    /// let store = PostgresStore::connect("postgres://app@127.0.0.1/app").await?;
    /// let receiver = store
    ///     .receiver("/payments/notifications", inbox_handler(|n, tx| Box::pin(async move {
    ///         // The order this notification is about: merchant, invoice and amount.
    ///         sqlx::query(
    ///             "UPDATE orders SET paid = true
    ///              WHERE merchant = $1 AND invoice = $2 AND amount = $3",
    ///         )
    ///         .bind(&n.client_id)
    ///         .bind(&n.invoice_number)
    ///         .bind(i64::try_from(n.amount.rupiah())?)
    ///         .execute(&mut *tx)
    ///         .await?;
    ///         Ok::<(), BoxError>(())
    ///     })))
    ///     .merchant(ClientId::new("MCH-0001")?, SecretKey::new("SK-1")?)
    ///     .build()?;
    /// # let _ = receiver; Ok(()) }
    /// ```
    pub fn receiver(&self, path: impl Into<String>, handler: impl InboxHandler) -> ReceiverBuilder {
        let claimed = TransactionalHandler {
            store: self.clone(),
            handler: Arc::new(handler),
        };
        Receiver::builder_claimed(path, Arc::new(claimed), Arc::new(self.clone()))
    }

    /// Marks `key` done inside `tx` if `token`'s claim still holds it; `Ok(false)` (nothing
    /// changed) if it was lost.
    pub async fn complete_in(
        &self,
        tx: &mut PgConnection,
        key: &DedupeKey,
        token: ClaimToken,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(COMPLETE)
            .bind(key.to_store_key())
            .bind(token_sql(token))
            .execute(tx)
            .await
            .map_err(|e| db("cannot complete", &e))?;
        Ok(done.rows_affected() == 1)
    }

    /// The inbox rows `filter` selects, oldest first, at most `limit`.
    pub async fn list(
        &self,
        filter: InboxFilter,
        limit: i64,
    ) -> Result<Vec<InboxEntry>, StoreError> {
        // One whole statement per filter: no SQL is put together at run time.
        macro_rules! listing {
            ($clause:literal) => {
                concat!(
                    "SELECT key, client_id, request_id, path, request_timestamp, signature,
                            channel_code, body, state, attempts, last_error, received_at,
                            completed_at
                     FROM doku_inbox WHERE ",
                    $clause,
                    " ORDER BY received_at, key LIMIT $1"
                )
            };
        }
        let sql = match filter {
            InboxFilter::All => listing!("TRUE"),
            InboxFilter::Pending => listing!("state <> 'done'"),
            InboxFilter::InFlight => listing!("state = 'inflight'"),
            InboxFilter::Failed => listing!("state = 'failed'"),
            InboxFilter::Done => listing!("state = 'done'"),
        };
        let rows = sqlx::query(sql)
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await
            .map_err(|e| db("cannot list the inbox", &e))?;
        rows.iter()
            .map(|r| {
                Ok(InboxEntry {
                    key: r.try_get("key")?,
                    client_id: r.try_get("client_id")?,
                    request_id: r.try_get("request_id")?,
                    path: r.try_get("path")?,
                    request_timestamp: r.try_get("request_timestamp")?,
                    signature: r.try_get("signature")?,
                    channel_code: r.try_get("channel_code")?,
                    body: r.try_get("body")?,
                    state: r.try_get("state")?,
                    attempts: r.try_get("attempts")?,
                    last_error: r.try_get("last_error")?,
                    received_at: r.try_get("received_at")?,
                    completed_at: r.try_get("completed_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(|e| db("cannot read the inbox", &e))
    }

    /// Deletes done rows completed more than `older_than` ago (retention); returns how many.
    /// A retry of a deleted notification would run the handler again: keep at least DOKU's
    /// retry horizon (24 hours).
    pub async fn purge_done(&self, older_than: Duration) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM doku_inbox
             WHERE state = 'done' AND completed_at < now() - $1 * interval '1 millisecond'",
        )
        .bind(millis(older_than))
        .execute(&self.pool)
        .await
        .map_err(|e| db("cannot purge the inbox", &e))?;
        Ok(done.rows_affected())
    }

    async fn claim_row(
        &self,
        key: &DedupeKey,
        delivery: Option<&Delivery<'_>>,
    ) -> Result<Claimed, StoreError> {
        let n = delivery.map(|d| d.notification);
        self.batches
            .claims
            .submit(ClaimRow {
                key: key.to_store_key(),
                client_id: key.client_id().to_owned(),
                request_id: key.request_id().as_str().to_owned(),
                body_digest: key.body_digest().as_str().to_owned(),
                path: delivery.map(|d| d.path.to_owned()),
                request_timestamp: n.map(|n| n.timestamp().to_owned()),
                signature: delivery.map(|d| d.signature.to_owned()),
                channel_code: n.and_then(|n| n.channel_code()).map(text),
                body: n.map(|n| n.raw().to_vec()),
                token: ClaimToken::new(crate::store::random_token()),
            })
            .await
    }
}

#[async_trait]
impl DedupeStore for PostgresStore {
    async fn claim(&self, key: &DedupeKey) -> Result<Claimed, StoreError> {
        self.claim_row(key, None).await
    }

    async fn claim_delivery(
        &self,
        key: &DedupeKey,
        delivery: &Delivery<'_>,
    ) -> Result<Claimed, StoreError> {
        self.claim_row(key, Some(delivery)).await
    }

    fn lease(&self) -> Duration {
        self.lease
    }

    /// Renews without waiting on a row lock inside the statement. A row locked by this
    /// claim's own inbox transaction, which completed it and commits only once the renewal
    /// returns (the handler is not polled meanwhile), is held: `true`, the lease unchanged
    /// (the commit makes the claim done). A row locked by another transaction (a claim
    /// batch naming the key for a copy of the notification, for a few milliseconds) is
    /// looked at again every 5 ms until it is free, for at most a sixth of the lease (2 s at
    /// most); still locked then, the renewal fails (the receiver logs it and renews at its
    /// next tick) rather than report a lease it did not extend.
    async fn renew(&self, key: &DedupeKey, token: ClaimToken) -> Result<bool, StoreError> {
        let claim = (key.to_store_key(), token_sql(token));
        let key = &claim.0;
        let patience = (self.lease / 6).min(Duration::from_secs(2));
        let started = tokio::time::Instant::now();
        loop {
            let row = sqlx::query(RENEW)
                .bind(key)
                .bind(token_sql(token))
                .bind(millis(self.lease))
                .fetch_one(&self.pool)
                .await
                .map_err(|e| db("cannot renew", &e))?;
            let get = |c: &str| {
                row.try_get::<bool, _>(c)
                    .map_err(|e| db("cannot renew", &e))
            };
            let (renewed, unlocked, present) = (get("renewed")?, get("unlocked")?, get("present")?);
            if renewed || !present || unlocked {
                return Ok(renewed);
            }
            let own = self
                .completing
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(&claim);
            if own {
                return Ok(true);
            }
            if started.elapsed() >= patience {
                return Err(StoreError::Backend(format!(
                    "cannot renew: the inbox row has been locked by another transaction for {} ms",
                    started.elapsed().as_millis()
                )));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn complete(&self, key: &DedupeKey, token: ClaimToken) -> Result<bool, StoreError> {
        self.batches
            .completions
            .submit((key.to_store_key(), token_sql(token)))
            .await
    }

    async fn release(&self, key: &DedupeKey, token: ClaimToken) -> Result<bool, StoreError> {
        self.release_failed(key, token, "released").await
    }

    async fn release_failed(
        &self,
        key: &DedupeKey,
        token: ClaimToken,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let reason = text(&reason.chars().take(1000).collect::<String>());
        let done = sqlx::query(RELEASE)
            .bind(key.to_store_key())
            .bind(token_sql(token))
            .bind(reason)
            .execute(&self.pool)
            .await
            .map_err(|e| db("cannot release", &e))?;
        Ok(done.rows_affected() == 1)
    }
}

/// `s` as PostgreSQL `text` takes it: a NUL, which `text` refuses (failing the whole
/// statement, and with it every claim batched with this one), becomes U+FFFD. Only for
/// columns that describe; the raw body is kept byte for byte (`bytea`).
fn text(s: &str) -> String {
    s.replace('\0', "\u{FFFD}")
}

/// Claims a batch in one statement. A key twice in the batch (the same notification
/// delivered twice at once) is claimed once; its other delivery finds it in flight.
async fn claim_batch(
    pool: PgPool,
    lease: i64,
    rows: Vec<ClaimRow>,
) -> Result<Vec<Claimed>, StoreError> {
    // What each caller asked, in order; the rows themselves move into the statement's
    // columns, in key order, each key once.
    let asked: Vec<(String, ClaimToken)> = rows.iter().map(|r| (r.key.clone(), r.token)).collect();
    let mut rows = rows;
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    rows.dedup_by(|a, b| a.key == b.key);
    let mut cols = ClaimColumns::with_capacity(rows.len());
    for r in rows {
        cols.push(r);
    }
    let fail = |e: sqlx::Error| db("cannot claim", &e);
    let claimed = sqlx::query(CLAIM_BATCH)
        .bind(&cols.key)
        .bind(cols.client_id)
        .bind(cols.request_id)
        .bind(cols.body_digest)
        .bind(cols.path)
        .bind(cols.request_timestamp)
        .bind(cols.signature)
        .bind(cols.channel_code)
        .bind(cols.body)
        .bind(cols.token)
        .bind(lease)
        .fetch_all(&pool)
        .await
        .map_err(fail)?;
    let mut found: HashMap<String, (Option<i64>, Option<String>)> =
        HashMap::with_capacity(cols.key.len());
    for row in claimed {
        found.insert(
            row.try_get("key").map_err(fail)?,
            (Some(row.try_get("token").map_err(fail)?), None),
        );
    }
    // Keys held by another claim or done: their state, read after the claim committed.
    let others: Vec<&str> = cols
        .key
        .iter()
        .map(String::as_str)
        .filter(|k| !found.contains_key(*k))
        .collect();
    if !others.is_empty() {
        // Planned at each execution: a generic plan made while the table was small would
        // scan it whole, and be kept as it grows.
        let states = sqlx::query(STATES)
            .persistent(false)
            .bind(others)
            .fetch_all(&pool)
            .await
            .map_err(fail)?;
        for row in states {
            found.insert(
                row.try_get("key").map_err(fail)?,
                (None, row.try_get("state").map_err(fail)?),
            );
        }
    }
    Ok(asked
        .iter()
        .map(|(key, token)| match found.get(key) {
            Some((Some(t), _)) if *t == token_sql(*token) => Claimed::New(*token),
            // Claimed by its twin in this batch, or found done or in flight.
            Some((Some(_), _)) => Claimed::InFlight,
            Some((None, Some(state))) if state == "done" => Claimed::Done,
            // In flight, or changed by a concurrent claim since this statement's snapshot:
            // the receiver asks again.
            _ => Claimed::InFlight,
        })
        .collect())
}

/// Completes a batch of (key, token) in one statement.
async fn complete_batch(
    pool: PgPool,
    mut pairs: Vec<(String, i64)>,
) -> Result<Vec<bool>, StoreError> {
    let asked = pairs.clone();
    pairs.sort();
    let (keys, tokens): (Vec<String>, Vec<i64>) = pairs.into_iter().unzip();
    let done = sqlx::query(COMPLETE_BATCH)
        // Planned at each execution (see `STATES`).
        .persistent(false)
        .bind(keys)
        .bind(tokens)
        .fetch_all(&pool)
        .await
        .map_err(|e| db("cannot complete", &e))?;
    let mut completed = std::collections::HashSet::with_capacity(done.len());
    for row in done {
        let key: String = row.try_get("key").map_err(|e| db("cannot complete", &e))?;
        let token: i64 = row
            .try_get("token")
            .map_err(|e| db("cannot complete", &e))?;
        completed.insert((key, token));
    }
    Ok(asked.iter().map(|pair| completed.contains(pair)).collect())
}

/// The application's handler for a [`PostgresStore`] inbox: it receives the notification
/// and the open transaction, in which the inbox row is marked done after it returns `Ok`.
/// Write with `&mut *tx`; do not commit or roll back (the receiver does).
///
/// Implement it, or wrap a closure with [`inbox_handler`].
#[async_trait]
pub trait InboxHandler: Send + Sync + 'static {
    /// Handles one notification inside `tx`.
    async fn handle(
        &self,
        notification: Notification,
        tx: &mut PgConnection,
    ) -> Result<(), BoxError>;
}

/// An [`InboxHandler`] from a closure `|notification, tx| Box::pin(async move { ... })`
/// (see [`PostgresStore::receiver`]).
pub fn inbox_handler<F, E>(f: F) -> impl InboxHandler
where
    F: for<'c> Fn(Notification, &'c mut PgConnection) -> BoxFuture<'c, Result<(), E>>
        + Send
        + Sync
        + 'static,
    E: Into<BoxError> + 'static,
{
    ClosureInbox(f, std::marker::PhantomData)
}

struct ClosureInbox<F, E>(F, std::marker::PhantomData<fn() -> E>);

#[async_trait]
impl<F, E> InboxHandler for ClosureInbox<F, E>
where
    F: for<'c> Fn(Notification, &'c mut PgConnection) -> BoxFuture<'c, Result<(), E>>
        + Send
        + Sync
        + 'static,
    E: Into<BoxError> + 'static,
{
    async fn handle(
        &self,
        notification: Notification,
        tx: &mut PgConnection,
    ) -> Result<(), BoxError> {
        (self.0)(notification, tx).await.map_err(Into::into)
    }
}

/// Runs an [`InboxHandler`] in a transaction that also completes the claim.
struct TransactionalHandler {
    store: PostgresStore,
    handler: Arc<dyn InboxHandler>,
}

#[async_trait]
impl ClaimedHandler for TransactionalHandler {
    async fn handle_claimed(
        &self,
        notification: Notification,
        key: &DedupeKey,
        token: ClaimToken,
    ) -> Result<(), BoxError> {
        // The store's own failures are `StoreFailure`s, which the receiver answers 503 (and
        // counts as the store's); the handler's errors answer 500, whatever their type.
        fn store(what: &'static str) -> impl Fn(sqlx::Error) -> StoreFailure {
            move |e| StoreFailure(db(what, &e))
        }
        // Set once the completion holds the row, below; declared before the transaction and
        // its connection so that it is dropped after them (a rollback on drop included).
        let _own_lock;
        let mut conn = self
            .store
            .pool
            .acquire()
            .await
            .map_err(store("cannot open the inbox transaction"))?;
        let mut tx = conn
            .begin()
            .await
            .map_err(store("cannot open the inbox transaction"))?;
        self.handler.handle(notification, &mut tx).await?;
        let completed = self
            .store
            .complete_in(&mut tx, key, token)
            .await
            .map_err(StoreFailure)?;
        if completed {
            // This transaction holds the row until it ends: a renewal of this claim finding
            // the row locked meanwhile knows the lock is its own.
            _own_lock = Completing::mark(
                &self.store.completing,
                (key.to_store_key(), token_sql(token)),
            );
        } else {
            tx.rollback()
                .await
                .map_err(store("cannot roll the inbox transaction back"))?;
            return Err(
                "the claim was lost while the handler ran (its lease expired and another \
                 delivery claimed it); rolled back"
                    .into(),
            );
        }
        tx.commit()
            .await
            .map_err(store("cannot commit the inbox transaction"))?;
        Ok(())
    }
}
