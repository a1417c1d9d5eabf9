//! [`RedisStore`]: claims shared by receivers on several machines, through Redis (feature
//! `redis`).

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use ::redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
#[cfg(feature = "redis-cluster")]
use ::redis::cluster_async::ClusterConnection;
use ::redis::{Client, IntoConnectionInfo as _, Script};
use async_trait::async_trait;

use crate::store::{ClaimToken, Claimed, DedupeKey, DedupeStore, StoreError};

/// `claim` on a Redis older than 7.0, which refuses `SET` with both `NX` and `GET`: the key
/// is set to the claim's value only if absent, with the lease as expiry; otherwise the
/// existing value tells done from in flight. 1 new, 2 done, 3 in flight.
const CLAIM: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return 1 end
if v == 'done' then return 2 end
return 3
";

/// `renew`: extends the lease only while this claim holds the key.
const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
";

/// `complete`: marks done if this claim holds the key, or if the key is absent (the lease
/// expired and nobody claimed it since: the handler did run).
const COMPLETE: &str = r"
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] or v == false then
  redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2])
  return 1
end
return 0
";

/// `release`: forgets the claim only while this claim holds the key.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
";

/// The longest expiry sent to Redis: 100 years, far below what `PX` accepts.
const MAX_EXPIRY: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// The [`DedupeStore`] over Redis, for receivers on several processes or machines.
///
/// Each notification is one key, `{prefix}{{client id} {request id} {body digest}}` (the
/// braces make the whole key its own Redis Cluster hash tag), whose value is
/// `inflight:{token}` while claimed and `done` once handled:
///
/// * `claim` is `SET key inflight:{token} NX PX {lease} GET`, one command, one round trip:
///   it sets the key only if absent and answers the value it found, which tells done from
///   in flight (on a Redis older than 7.0, which refuses `NX` with `GET`, the same as a Lua
///   script, found out on the first claim);
/// * `renew`, `complete` and `release` are token-checked Lua scripts (compare and act,
///   atomically), so a holder whose lease expired and was taken over changes nothing;
/// * a handled key is kept for the retry horizon ([`RedisStore::DEFAULT_TTL`], 48 hours:
///   DOKU's last retry comes 12 hours after the first attempt), configurable.
///
/// Every command touches one key, so the store works unchanged on Redis Cluster:
/// `RedisStore::connect_cluster` (feature `redis-cluster`), or a `redis-cluster://` URL
/// in [`crate::store::open`]. Over TLS (feature `redis-tls`): `rediss://` and
/// `rediss-cluster://` URLs, or `RedisStore::connect_tls` and
/// `RedisStore::connect_cluster_tls` with `RedisTls` (a private CA, a client certificate).
///
/// **Failures.** A command that fails or does not answer within
/// [`RedisStore::RESPONSE_TIMEOUT`] (1 s, a wait for a reconnection included) is a
/// [`StoreError::Backend`]: the receiver answers 503, acknowledging nothing, and DOKU
/// retries later. [`RedisStore::connect`] uses a [`ConnectionManager`], which reconnects by
/// itself (with exponential backoff) once Redis is back. The error text names no address or
/// password.
///
/// **Durability.** Exactly-once holds only while Redis keeps its keys: a Redis restarted
/// without persistence forgets every claim and completion, and a retry arriving after that
/// runs the handler again. Run Redis with `appendonly yes` (and `appendfsync always` for
/// no window at all), and never with an eviction policy that evicts keys with an expiry
/// (`maxmemory-policy noeviction`).
///
/// ```no_run
/// # async fn run() -> Result<(), doku_pay_receiver::StoreError> {
/// use doku_pay_receiver::RedisStore;
/// let store = RedisStore::connect("redis://127.0.0.1:6379/").await?;
/// # let _ = store; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore<C = ConnectionManager> {
    /// Connections used in turn, each multiplexed (one by default).
    conns: Vec<C>,
    next: Arc<AtomicUsize>,
    prefix: String,
    ttl: Duration,
    lease: Duration,
    /// Whether the server takes `SET ... NX GET` (Redis 7.0 and later); cleared, for every
    /// clone, the first time it refuses it.
    set_get: Arc<AtomicBool>,
    scripts: Scripts,
}

#[derive(Clone)]
struct Scripts {
    claim: Script,
    renew: Script,
    complete: Script,
    release: Script,
}

impl<C> fmt::Debug for RedisStore<C> {
    // The connection is left out: its details may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("ttl", &self.ttl)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl RedisStore<ConnectionManager> {
    /// How long a handled key is kept by default: 48 hours (DOKU's last retry comes 12
    /// hours after the first attempt).
    pub const DEFAULT_TTL: Duration = Duration::from_secs(48 * 60 * 60);
    /// Default lease of a claim: 10 minutes, shorter than DOKU's first retry (30 minutes).
    pub const DEFAULT_LEASE: Duration = Duration::from_secs(10 * 60);
    /// Default prefix of every key.
    pub const DEFAULT_PREFIX: &'static str = "doku:dedupe:";
    /// How long a command may take, a wait for a reconnection included, before it fails (and
    /// the receiver answers 503); also the connection timeout.
    pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);

    /// Connects to the Redis at `url` (`redis://[:password@]host:port[/db]`, or
    /// `redis+unix:///path`) through a [`ConnectionManager`] that reconnects by itself.
    /// Fails if the URL is invalid or Redis cannot be reached now.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, Self::DEFAULT_CONNECTIONS).await
    }

    /// How many connections [`RedisStore::connect`] opens: one, multiplexed. Every claim
    /// and completion in flight shares it, so each write to Redis carries many of them and
    /// Redis answers them (and, with `appendfsync always`, fsyncs) together: on two cores
    /// one connection served 2 to 5 % more notifications per second than four at 96 to 128
    /// concurrent deliveries, and as many at 32.
    pub const DEFAULT_CONNECTIONS: usize = 1;

    /// [`RedisStore::connect`] with `connections` connections (at least 1), used in turn:
    /// more than one only helps where one connection's reading and writing, on one of the
    /// runtime's threads, is the bottleneck.
    pub async fn connect_with(url: &str, connections: usize) -> Result<Self, StoreError> {
        let client =
            Client::open(connection_info(url)?).map_err(|e| config("invalid Redis URL", &e))?;
        Self::connect_client(client, connections, false).await
    }

    /// Connects to the Redis at `url` (`rediss://[[user]:password@]host:port[/db]`) over TLS
    /// as `tls` says: trusting only a certificate authority given in code instead of the
    /// system's roots (as for a Redis whose certificate a private CA issued), and presenting
    /// a client certificate to a Redis that asks for one (feature `redis-tls`;
    /// [`RedisStore::connect`] takes `rediss://` URLs with the system's roots, or the file
    /// `SSL_CERT_FILE` names, and no client certificate). TLS is rustls on *ring*: if the
    /// application has installed no rustls `CryptoProvider`, this installs *ring* as the
    /// process's default.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use doku_pay_receiver::{RedisStore, RedisTls};
    /// let tls = RedisTls::new()
    ///     .root_cert(std::fs::read("/etc/redis/ca.crt")?)
    ///     .client_cert(
    ///         std::fs::read("/etc/redis/client.crt")?,
    ///         std::fs::read("/etc/redis/client.key")?,
    ///     );
    /// let store = RedisStore::connect_tls("rediss://redis.internal:6379/", tls).await?;
    /// # let _ = store; Ok(()) }
    /// ```
    #[cfg(feature = "redis-tls")]
    pub async fn connect_tls(url: &str, tls: RedisTls) -> Result<Self, StoreError> {
        if !is_tls(url) {
            return Err(StoreError::Config(
                "RedisStore::connect_tls takes a rediss:// URL".into(),
            ));
        }
        let certificates = tls.certificates("RedisStore::connect_tls")?;
        let client = Client::build_with_tls(connection_info(url)?, certificates)
            .map_err(|e| config("invalid Redis TLS settings", &e))?;
        let ca_given = tls.root_cert_pem.is_some();
        Self::connect_client(client, Self::DEFAULT_CONNECTIONS, ca_given).await
    }

    /// Connects `connections` managers through `client` (`ca_given`: it trusts a CA given in
    /// code).
    async fn connect_client(
        client: Client,
        connections: usize,
        ca_given: bool,
    ) -> Result<Self, StoreError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Self::RESPONSE_TIMEOUT))
            // The store bounds each command itself, a wait for a reconnection included (the
            // manager's own response timeout does not cover that wait).
            .set_response_timeout(None)
            // A reconnection tries 4 times, waiting about 100-200, 200-400 and 400-800 ms
            // between tries (exponential, jittered); a command failing after that starts
            // another, so the manager reconnects by itself however long Redis is away.
            .set_number_of_retries(3)
            .set_max_delay(Duration::from_secs(2));
        let mut conns = Vec::with_capacity(connections.max(1));
        for _ in 0..connections.max(1) {
            let conn = client
                .get_connection_manager_with_config(config.clone())
                .await
                .map_err(|e| {
                    connect_error(
                        "cannot connect to Redis",
                        &e,
                        "RedisStore::connect_tls",
                        ca_given,
                    )
                })?;
            conns.push(conn);
        }
        let mut store = Self::with_connection(conns.remove(0));
        store.conns.extend(conns);
        Ok(store)
    }
}

#[cfg(feature = "redis-cluster")]
impl RedisStore<ClusterConnection> {
    /// Connects to the Redis Cluster that `nodes` (one or more of its nodes,
    /// `redis://[[user]:password@]host:port`) belong to, through the `redis` crate's cluster
    /// client: it learns the cluster's slots from them, sends each command to the node
    /// holding its key, follows `MOVED` and `ASK` redirections and reconnects to a node by
    /// itself (feature `redis-cluster`). Every command touches one key, its own hash tag, so
    /// the notifications spread over the cluster's nodes. Over TLS, the nodes are
    /// `rediss://` URLs (feature `redis-tls` too), trusting the system's roots or the file
    /// `SSL_CERT_FILE` names (`RedisStore::connect_cluster_tls` trusts a CA given in code).
    /// Fails if a URL is invalid, the nodes disagree on credentials or on TLS, or the
    /// cluster cannot be reached now.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), doku_pay_receiver::StoreError> {
    /// use doku_pay_receiver::RedisStore;
    /// let store = RedisStore::connect_cluster(["redis://10.0.0.1:6379", "redis://10.0.0.2:6379"])
    ///     .await?;
    /// # let _ = store; Ok(()) }
    /// ```
    pub async fn connect_cluster<I, S>(nodes: I) -> Result<Self, StoreError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self::connect_cluster_with(nodes, None, false).await
    }

    /// [`RedisStore::connect_cluster`] over TLS as `tls` says (a certificate authority given
    /// in code, a client certificate; see [`RedisStore::connect_tls`]), for every node
    /// (features `redis-cluster` and `redis-tls`). Every node is a `rediss://` URL. TLS is
    /// rustls on *ring*, installed as the process's default `CryptoProvider` if the
    /// application installed none.
    #[cfg(feature = "redis-tls")]
    pub async fn connect_cluster_tls<I, S>(nodes: I, tls: RedisTls) -> Result<Self, StoreError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let certificates = tls.certificates("RedisStore::connect_cluster_tls")?;
        let ca_given = tls.root_cert_pem.is_some();
        let nodes: Vec<String> = nodes.into_iter().map(|n| n.as_ref().to_owned()).collect();
        if !nodes.iter().all(|n| is_tls(n)) {
            return Err(StoreError::Config(
                "RedisStore::connect_cluster_tls takes rediss:// node URLs".into(),
            ));
        }
        Self::connect_cluster_with(nodes, Some(certificates), ca_given).await
    }

    /// Connects to the cluster `nodes` belong to, with `certificates` if given (`ca_given`:
    /// they trust a CA given in code).
    async fn connect_cluster_with<I, S>(
        nodes: I,
        certificates: Option<Certificates>,
        ca_given: bool,
    ) -> Result<Self, StoreError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let nodes: Vec<String> = nodes.into_iter().map(|n| n.as_ref().to_owned()).collect();
        if nodes.is_empty() {
            return Err(StoreError::Config(
                "a Redis Cluster store needs at least one node".into(),
            ));
        }
        if nodes.iter().any(|n| is_tls(n)) {
            tls_provider()?;
        }
        let limit = RedisStore::<ConnectionManager>::RESPONSE_TIMEOUT;
        let builder = ::redis::cluster::ClusterClientBuilder::new(nodes.iter().map(String::as_str));
        let builder = match certificates {
            #[cfg(feature = "redis-tls")]
            Some(certificates) => builder.certs(certificates),
            #[cfg(not(feature = "redis-tls"))]
            Some(never) => match never {},
            None => builder,
        };
        let client = builder
            .connection_timeout(limit)
            // Each attempt is bounded; the store bounds the whole command itself, as over
            // one server (a redirection or a reconnection included).
            .response_timeout(limit)
            .overall_response_timeout(None)
            .tcp_settings(::redis::io::tcp::TcpSettings::default().set_nodelay(true))
            .retries(3)
            .build()
            .map_err(|e| config("invalid Redis Cluster nodes or TLS settings", &e))?;
        let conn = client.get_async_connection().await.map_err(|e| {
            let with_ca = "RedisStore::connect_cluster_tls";
            connect_error("cannot connect to the Redis Cluster", &e, with_ca, ca_given)
        })?;
        Ok(Self::with_connection(conn))
    }
}

/// The certificates a TLS connection trusts; none without TLS.
#[cfg(all(feature = "redis-cluster", feature = "redis-tls"))]
type Certificates = ::redis::TlsCertificates;
#[cfg(all(feature = "redis-cluster", not(feature = "redis-tls")))]
type Certificates = std::convert::Infallible;

/// The node URLs of a `redis-cluster://[[user]:password@]host:port[,host:port...][/]` store
/// URL: `redis://[credentials@]host:port/` for each node, the credentials shared; of a
/// `rediss-cluster://...` one (over TLS), `rediss://...` nodes. Errors never repeat the URL
/// (it may carry a password).
#[cfg(feature = "redis-cluster")]
pub(crate) fn cluster_nodes(url: &str) -> Result<Vec<String>, StoreError> {
    let invalid = |why: &str| {
        StoreError::Config(format!(
            "invalid Redis Cluster URL: {why} (expected \
             redis-cluster://[[user]:password@]host:port[,host:port...], or rediss-cluster://... \
             over TLS)"
        ))
    };
    // The scheme in any case.
    let after = |scheme: &str| {
        url.get(..scheme.len())
            .filter(|s| s.eq_ignore_ascii_case(scheme))
            .map(|_| &url[scheme.len()..])
    };
    let (scheme, rest) = if let Some(rest) = after("redis-cluster://") {
        ("redis", rest)
    } else if let Some(rest) = after("rediss-cluster://") {
        ("rediss", rest)
    } else {
        return Err(invalid(
            "it starts with neither redis-cluster:// nor rediss-cluster://",
        ));
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (credentials, hosts) = match rest.rsplit_once('@') {
        Some((credentials, hosts)) => (Some(credentials), hosts),
        None => (None, rest),
    };
    let mut nodes = Vec::new();
    for host in hosts.split(',') {
        let host = host.trim();
        if host.is_empty() {
            return Err(invalid("a node is empty"));
        }
        if host.contains(['/', '?', '#', '@']) {
            return Err(invalid("a node is more than host:port"));
        }
        nodes.push(match credentials {
            Some(c) => format!("{scheme}://{c}@{host}/"),
            None => format!("{scheme}://{host}/"),
        });
    }
    Ok(nodes)
}

impl<C> RedisStore<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// A store over this connection (a [`ConnectionManager`], a cluster connection, ...),
    /// with the defaults.
    pub fn with_connection(conn: C) -> Self {
        Self {
            conns: vec![conn],
            next: Arc::new(AtomicUsize::new(0)),
            prefix: RedisStore::<ConnectionManager>::DEFAULT_PREFIX.to_owned(),
            ttl: RedisStore::<ConnectionManager>::DEFAULT_TTL,
            lease: RedisStore::<ConnectionManager>::DEFAULT_LEASE,
            set_get: Arc::new(AtomicBool::new(true)),
            scripts: Scripts {
                claim: Script::new(CLAIM),
                renew: Script::new(RENEW),
                complete: Script::new(COMPLETE),
                release: Script::new(RELEASE),
            },
        }
    }

    /// How long a handled key is kept (the retry horizon; at most 100 years).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.clamp(Duration::from_millis(1), MAX_EXPIRY);
        self
    }

    /// How long a claim lasts without renewal (at least 1 ms, at most 100 years).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.clamp(Duration::from_millis(1), MAX_EXPIRY);
        self
    }

    /// The prefix of every key (default `doku:dedupe:`), to share one Redis between
    /// applications.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The Redis key of `key`: the prefix, then the store key as its own hash tag.
    pub fn redis_key(&self, key: &DedupeKey) -> String {
        format!("{}{{{key}}}", self.prefix)
    }

    /// The next connection, in turn.
    fn conn(&self) -> C {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.conns.len();
        self.conns[i].clone()
    }

    async fn run(
        &self,
        script: &Script,
        key: &DedupeKey,
        args: (&str, u64),
    ) -> Result<i64, StoreError> {
        let mut conn = self.conn();
        let mut invocation = script.key(self.redis_key(key));
        invocation.arg(args.0).arg(args.1);
        bounded(invocation.invoke_async(&mut conn))
            .await?
            .map_err(|e| backend("Redis command failed", &e))
    }
}

/// `url` as the `redis` crate takes it, with Nagle's algorithm off: claims and completions
/// are small writes waiting for an answer, which it would hold back behind the previous
/// one's acknowledgement.
fn connection_info(url: &str) -> Result<::redis::ConnectionInfo, StoreError> {
    if is_tls(url) {
        tls_provider()?;
    }
    Ok(url
        .into_connection_info()
        .map_err(|e| config("invalid Redis URL", &e))?
        .set_tcp_settings(::redis::io::tcp::TcpSettings::default().set_nodelay(true)))
}

/// Makes TLS ready for a `rediss://` connection. The `redis` crate builds its TLS
/// configuration from rustls's process-wide provider, and rustls panics when it cannot tell
/// which one (none installed, and more than one built in, as when another crate brings
/// aws-lc-rs): this installs *ring*, the one these crates use, unless the application
/// installed one. A configuration error in a build without the feature `redis-tls`.
fn tls_provider() -> Result<(), StoreError> {
    #[cfg(feature = "redis-tls")]
    {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Ok(())
    }
    #[cfg(not(feature = "redis-tls"))]
    Err(StoreError::Config(
        "this build has no Redis over TLS (rediss://): doku-pay-receiver's `redis-tls` feature"
            .into(),
    ))
}

/// What a TLS connection to Redis trusts and presents (feature `redis-tls`), for
/// [`RedisStore::connect_tls`], `RedisStore::connect_cluster_tls` and
/// [`OpenOptions::redis_tls`](crate::store::OpenOptions::redis_tls). By default: the
/// system's roots (or the file `SSL_CERT_FILE` names) and no client certificate. Its
/// `Debug` never shows the client's private key.
#[cfg(feature = "redis-tls")]
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RedisTls {
    root_cert_pem: Option<Vec<u8>>,
    /// The client's certificate and private key (PEM).
    client: Option<(Vec<u8>, Vec<u8>)>,
}

#[cfg(feature = "redis-tls")]
impl RedisTls {
    /// The system's roots, no client certificate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts only the certificate authority (or authorities) in `pem` (PEM), instead of
    /// the system's roots.
    pub fn root_cert(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_cert_pem = Some(pem.into());
        self
    }

    /// Presents this certificate, with its private key (both PEM), to a Redis that asks
    /// clients for one (`tls-auth-clients yes`).
    pub fn client_cert(
        mut self,
        cert_pem: impl Into<Vec<u8>>,
        key_pem: impl Into<Vec<u8>>,
    ) -> Self {
        self.client = Some((cert_pem.into(), key_pem.into()));
        self
    }

    /// The `redis` crate's certificates, for `function`: a configuration error naming what
    /// is not PEM of its kind (the `redis` crate would silently ignore a CA file without a
    /// certificate). The key's error says nothing of its content.
    pub(crate) fn certificates(
        &self,
        function: &str,
    ) -> Result<::redis::TlsCertificates, StoreError> {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let check = |what: &str, pem: &[u8]| {
            let mut found = 0;
            for c in CertificateDer::pem_slice_iter(pem) {
                c.map_err(|e| {
                    StoreError::Config(format!("{function}: {what} is not valid PEM: {e}"))
                })?;
                found += 1;
            }
            if found == 0 {
                return Err(StoreError::Config(format!(
                    "{function}: {what} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
                )));
            }
            Ok(())
        };
        if let Some(ca) = &self.root_cert_pem {
            check("the CA", ca)?;
        }
        let client_tls = match &self.client {
            Some((cert, key)) => {
                check("the client's certificate", cert)?;
                if PrivateKeyDer::from_pem_slice(key).is_err() {
                    return Err(StoreError::Config(format!(
                        "{function}: the client's key holds no unencrypted PEM private key \
                         (-----BEGIN PRIVATE KEY-----, or its RSA or EC form; decrypt an \
                         encrypted one first)"
                    )));
                }
                Some(::redis::ClientTlsConfig {
                    client_cert: cert.clone(),
                    client_key: key.clone(),
                })
            }
            None => None,
        };
        Ok(::redis::TlsCertificates {
            client_tls,
            root_cert: self.root_cert_pem.clone(),
        })
    }
}

#[cfg(feature = "redis-tls")]
impl fmt::Debug for RedisTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTls")
            .field("root_cert", &self.root_cert_pem.as_ref().map(|_| "PEM"))
            .field(
                "client_cert",
                &self.client.as_ref().map(|_| "PEM, with its key (redacted)"),
            )
            .finish()
    }
}

/// Whether `url` is a `rediss://` one (the scheme in any case).
fn is_tls(url: &str) -> bool {
    url.get(..9)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("rediss://"))
}

/// The error of a connection that failed (`what`): a configuration error when TLS failed on
/// what no retry mends, with how to connect (`with_ca` takes TLS settings in code;
/// `ca_given`: the connection was given a CA): the server's certificate from a CA this
/// process does not trust, the server asking for a client certificate, a client key that is
/// not its certificate's. Otherwise the store failing.
fn connect_error(what: &str, e: &::redis::RedisError, with_ca: &str, ca_given: bool) -> StoreError {
    let text = e.to_string();
    // A CA given that did not issue the server's certificate: an unknown issuer, or a bad
    // signature when the CA given has the issuer's name.
    let untrusted = text.contains("UnknownIssuer") || text.contains("BadSignature");
    let why = if untrusted && ca_given {
        "the certificate authority given did not issue the server's certificate".to_owned()
    } else if text.contains("UnknownIssuer") {
        format!(
            "a certificate authority this process does not trust issued the server's \
             certificate: give its PEM file in SSL_CERT_FILE, or use {with_ca} with \
             RedisTls::root_cert"
        )
    } else if text.contains("CertificateRequired") {
        format!(
            "the server asks for a client certificate: use {with_ca} with RedisTls::client_cert"
        )
    } else if text.contains("KeyMismatch") {
        "the client's key is not the one of its certificate".to_owned()
    } else {
        return StoreError::Backend(format!("{what}: {text}"));
    };
    StoreError::Config(format!("{what}: {text} ({why})"))
}

/// `answer`, unless it takes longer than [`RedisStore::RESPONSE_TIMEOUT`].
async fn bounded<T>(
    answer: impl Future<Output = Result<T, ::redis::RedisError>>,
) -> Result<Result<T, ::redis::RedisError>, StoreError> {
    let limit = RedisStore::<ConnectionManager>::RESPONSE_TIMEOUT;
    tokio::time::timeout(limit, answer).await.map_err(|_| {
        StoreError::Backend(format!(
            "Redis command failed: no answer within {} ms",
            limit.as_millis()
        ))
    })
}

/// Whether Redis refused a command's syntax (as one older than 7.0 refuses `SET` with both
/// `NX` and `GET`).
fn refused_syntax(e: &::redis::RedisError) -> bool {
    e.kind() == ::redis::ErrorKind::Server(::redis::ServerErrorKind::ResponseError)
        && e.detail().is_some_and(|d| d.contains("syntax error"))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

fn value(token: ClaimToken) -> String {
    format!("inflight:{:016x}", token.value())
}

/// A configuration error from a Redis error (an invalid URL): as [`backend`], but the
/// store cannot work as configured rather than failing now.
fn config(what: &str, e: &::redis::RedisError) -> StoreError {
    StoreError::Config(format!("{what}: {e}"))
}

/// A store error from a Redis error, naming what failed and the error's kind and detail
/// (never the URL: it may carry a password).
fn backend(what: &str, e: &::redis::RedisError) -> StoreError {
    use ::redis::{ErrorKind, ServerErrorKind};
    let hint = match e.kind() {
        // A plain store connected to one node of a cluster: every key elsewhere moved.
        ErrorKind::Server(ServerErrorKind::Moved | ServerErrorKind::Ask) => {
            " (this Redis is a node of a Redis Cluster: use a redis-cluster:// or \
             rediss-cluster:// store URL, or RedisStore::connect_cluster)"
        }
        _ => "",
    };
    StoreError::Backend(format!("{what}: {e}{hint}"))
}

#[async_trait]
impl<C> DedupeStore for RedisStore<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    async fn claim(&self, key: &DedupeKey) -> Result<Claimed, StoreError> {
        let token = ClaimToken::new(crate::store::random_token());
        let value = value(token);
        let lease = millis(self.lease);
        if self.set_get.load(Ordering::Relaxed) {
            let mut cmd = ::redis::cmd("SET");
            cmd.arg(self.redis_key(key))
                .arg(&value)
                .arg("NX")
                .arg("PX")
                .arg(lease)
                .arg("GET");
            let found: Result<Option<Vec<u8>>, _> =
                bounded(cmd.query_async(&mut self.conn())).await?;
            match found {
                // Our own value: the client sent the command again after a lost answer
                // (the cluster client does, after a reconnection), and the first one set it.
                Ok(None) => return Ok(Claimed::New(token)),
                Ok(Some(found)) if found == value.as_bytes() => return Ok(Claimed::New(token)),
                Ok(Some(found)) if found == b"done" => return Ok(Claimed::Done),
                Ok(Some(_)) => return Ok(Claimed::InFlight),
                Err(e) if refused_syntax(&e) => {
                    tracing::info!(
                        "Redis refuses SET with NX and GET (older than 7.0): claiming through a script"
                    );
                    self.set_get.store(false, Ordering::Relaxed);
                }
                Err(e) => return Err(backend("Redis command failed", &e)),
            }
        }
        match self.run(&self.scripts.claim, key, (&value, lease)).await? {
            1 => Ok(Claimed::New(token)),
            2 => Ok(Claimed::Done),
            _ => Ok(Claimed::InFlight),
        }
    }

    fn lease(&self) -> Duration {
        self.lease
    }

    async fn renew(&self, key: &DedupeKey, token: ClaimToken) -> Result<bool, StoreError> {
        let n = self
            .run(
                &self.scripts.renew,
                key,
                (&value(token), millis(self.lease)),
            )
            .await?;
        Ok(n == 1)
    }

    async fn complete(&self, key: &DedupeKey, token: ClaimToken) -> Result<bool, StoreError> {
        let n = self
            .run(
                &self.scripts.complete,
                key,
                (&value(token), millis(self.ttl)),
            )
            .await?;
        Ok(n == 1)
    }

    async fn release(&self, key: &DedupeKey, token: ClaimToken) -> Result<bool, StoreError> {
        let n = self
            .run(&self.scripts.release, key, (&value(token), 0))
            .await?;
        Ok(n == 1)
    }
}

#[cfg(all(test, feature = "redis-cluster"))]
mod tests {
    use super::cluster_nodes;

    /// `redis-cluster://` URLs: each row the URL and its node URLs, or the start of the
    /// error's text (which must never repeat the password).
    #[test]
    fn cluster_urls() {
        let rows: &[(&str, Result<&[&str], &str>)] = &[
            (
                "redis-cluster://10.0.0.1:6379",
                Ok(&["redis://10.0.0.1:6379/"]),
            ),
            (
                "redis-cluster://10.0.0.1:7000,10.0.0.2:7001/",
                Ok(&["redis://10.0.0.1:7000/", "redis://10.0.0.2:7001/"]),
            ),
            (
                "redis-cluster://:s3cret@a:1, b:2",
                Ok(&["redis://:s3cret@a:1/", "redis://:s3cret@b:2/"]),
            ),
            (
                "redis-cluster://app:p%40ss@[::1]:7000,[::1]:7001",
                Ok(&[
                    "redis://app:p%40ss@[::1]:7000/",
                    "redis://app:p%40ss@[::1]:7001/",
                ]),
            ),
            (
                "redis-cluster://",
                Err("invalid Redis Cluster URL: a node is empty"),
            ),
            (
                "redis-cluster://:s3cret@a:1,,b:2",
                Err("invalid Redis Cluster URL: a node is empty"),
            ),
            (
                "redis-cluster://:s3cret@a:1/0",
                Err("invalid Redis Cluster URL: a node is more than host:port"),
            ),
            (
                "rediss-cluster://:s3cret@a:1,b:2/",
                Ok(&["rediss://:s3cret@a:1/", "rediss://:s3cret@b:2/"]),
            ),
            (
                "rediss-cluster://a:1,,b:2",
                Err("invalid Redis Cluster URL: a node is empty"),
            ),
            (
                "redis://:s3cret@a:1",
                Err(
                    "invalid Redis Cluster URL: it starts with neither redis-cluster:// nor rediss-cluster://",
                ),
            ),
        ];
        for (url, want) in rows {
            let got = cluster_nodes(url).map_err(|e| e.to_string());
            match (want, &got) {
                (Ok(want), Ok(got)) => assert_eq!(got, want, "{url}"),
                (Err(want), Err(got)) => {
                    assert!(got.contains(want), "{url}: {got}");
                    assert!(
                        !got.contains("s3cret"),
                        "{url}: the error repeats the password"
                    );
                }
                _ => panic!("{url}: got {got:?}, want {want:?}"),
            }
        }
    }
}
