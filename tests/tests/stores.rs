//! Every `DedupeStore` through one conformance table: `MemoryStore`, `RedisStore` against a
//! real `redis-server` and `PostgresStore` against a real PostgreSQL, both started by the
//! test (see `doku_pay_testkit::servers`). Then what only shared stores do: an outage answered
//! 503 and recovered from, and the Postgres inbox's transaction shared with the handler.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use doku_pay_core::signature::BodyDigest;
use doku_pay_core::{ClientId, Notification, SecretKey};
use doku_pay_receiver::store::{OpenOptions, open_with};
use doku_pay_receiver::{
    BoxError, Claimed, DedupeKey, DedupeStore, InboxFilter, MemoryStore, PostgresStore, Receiver,
    RedisStore, RedisTls, StoreError, inbox_handler,
};
use doku_pay_testkit::servers::{PostgresServer, RedisCluster, RedisServer, signal};
use doku_pay_testkit::{CLIENT_ID, SECRET, notification_headers};

/// The lease of the stores the expiry scenarios run against: short, so that expiry is tested
/// in real time.
const LEASE: Duration = Duration::from_millis(400);

/// The lease of the stores the other scenarios run against: long enough never to expire in a
/// test, however loaded the machine (a claim taking more than [`LEASE`] to come back would
/// let its twin in legitimately, and fail a scenario that is not about expiry).
const LONG_LEASE: Duration = Duration::from_secs(60);

fn key(n: u32) -> DedupeKey {
    DedupeKey::new(
        CLIENT_ID,
        format!("rid-{n}-{}", uuid::Uuid::new_v4()).parse().unwrap(),
        BodyDigest::of(format!("{{\"n\":{n}}}").as_bytes()),
    )
}

fn new_token(c: Claimed) -> doku_pay_receiver::ClaimToken {
    match c {
        Claimed::New(t) => t,
        other => panic!("expected a new claim, got {other:?}"),
    }
}

/// One scenario of the claim protocol, run against each store.
type Scenario = fn(Arc<dyn DedupeStore>) -> futures_util::future::BoxFuture<'static, ()>;

/// Whether a scenario is about leases expiring (it runs against the store with [`LEASE`]),
/// or not (the store with [`LONG_LEASE`]).
const EXPIRES: bool = true;

const SCENARIOS: &[(&str, bool, Scenario)] = &[
    ("claim, in flight, complete, done", !EXPIRES, |s| {
        Box::pin(async move {
            let k = key(1);
            let t = new_token(s.claim(&k).await.unwrap());
            assert_eq!(s.claim(&k).await.unwrap(), Claimed::InFlight);
            assert!(s.complete(&k, t).await.unwrap());
            assert_eq!(s.claim(&k).await.unwrap(), Claimed::Done);
            assert!(!s.complete(&k, t).await.unwrap(), "done twice");
            assert!(!s.release(&k, t).await.unwrap(), "released after done");
            assert!(!s.renew(&k, t).await.unwrap(), "renewed after done");
            assert_eq!(s.claim(&k).await.unwrap(), Claimed::Done);
        })
    }),
    (
        "a released claim is claimed anew; the old token does nothing",
        !EXPIRES,
        |s| {
            Box::pin(async move {
                let k = key(2);
                let first = new_token(s.claim(&k).await.unwrap());
                assert!(s.release(&k, first).await.unwrap());
                let second = new_token(s.claim(&k).await.unwrap());
                assert_ne!(first, second);
                assert!(!s.release(&k, first).await.unwrap());
                assert!(!s.renew(&k, first).await.unwrap());
                assert!(!s.complete(&k, first).await.unwrap());
                assert_eq!(s.claim(&k).await.unwrap(), Claimed::InFlight);
                assert!(
                    s.release_failed(&k, second, "handler failed")
                        .await
                        .unwrap()
                );
                let third = new_token(s.claim(&k).await.unwrap());
                assert!(s.complete(&k, third).await.unwrap());
            })
        },
    ),
    (
        "an expired lease is claimed again; the stale holder changes nothing",
        EXPIRES,
        |s| {
            Box::pin(async move {
                let k = key(3);
                let stale = new_token(s.claim(&k).await.unwrap());
                tokio::time::sleep(LEASE + LEASE / 2).await;
                let fresh = new_token(s.claim(&k).await.unwrap());
                assert!(!s.renew(&k, stale).await.unwrap());
                assert!(!s.complete(&k, stale).await.unwrap());
                assert!(!s.release(&k, stale).await.unwrap());
                assert_eq!(s.claim(&k).await.unwrap(), Claimed::InFlight);
                assert!(s.complete(&k, fresh).await.unwrap());
                assert_eq!(s.claim(&k).await.unwrap(), Claimed::Done);
            })
        },
    ),
    (
        "a lease expired but not taken over still completes",
        EXPIRES,
        |s| {
            Box::pin(async move {
                let k = key(4);
                let t = new_token(s.claim(&k).await.unwrap());
                tokio::time::sleep(LEASE + LEASE / 2).await;
                assert!(s.complete(&k, t).await.unwrap());
                assert_eq!(s.claim(&k).await.unwrap(), Claimed::Done);
            })
        },
    ),
    (
        "renewal keeps the claim past its first lease",
        EXPIRES,
        |s| {
            Box::pin(async move {
                let k = key(5);
                let t = new_token(s.claim(&k).await.unwrap());
                for _ in 0..3 {
                    tokio::time::sleep(LEASE / 2).await;
                    assert!(s.renew(&k, t).await.unwrap());
                }
                assert_eq!(s.claim(&k).await.unwrap(), Claimed::InFlight);
                assert!(s.complete(&k, t).await.unwrap());
            })
        },
    ),
    (
        "twenty concurrent claims: exactly one wins",
        !EXPIRES,
        |s| {
            Box::pin(async move {
                let k = key(6);
                let claims = (0..20).map(|_| {
                    let (s, k) = (Arc::clone(&s), k.clone());
                    tokio::spawn(async move { s.claim(&k).await.unwrap() })
                });
                let mut won = 0;
                for c in claims {
                    match c.await.unwrap() {
                        Claimed::New(_) => won += 1,
                        Claimed::InFlight => {}
                        Claimed::Done => panic!("done before completion"),
                    }
                }
                assert_eq!(won, 1);
            })
        },
    ),
    (
        "two hundred keys at once, each delivered twice: one claim and one completion each",
        !EXPIRES,
        |s| {
            Box::pin(async move {
                // Stores that group concurrent claims and completions into one statement
                // (PostgresStore) see twins and strangers in one batch.
                let keys: Vec<DedupeKey> = (0..200).map(|i| key(1000 + i)).collect();
                let claims = keys.iter().chain(&keys).map(|k| {
                    let (s, k) = (Arc::clone(&s), k.clone());
                    tokio::spawn(async move { (k.clone(), s.claim(&k).await.unwrap()) })
                });
                let mut won = Vec::new();
                for c in claims {
                    if let (k, Claimed::New(t)) = c.await.unwrap() {
                        won.push((k, t));
                    }
                }
                assert_eq!(won.len(), keys.len(), "one claim per key");
                let completions = won.into_iter().map(|(k, t)| {
                    let s = Arc::clone(&s);
                    tokio::spawn(async move { s.complete(&k, t).await.unwrap() })
                });
                for c in completions {
                    assert!(c.await.unwrap(), "each completes");
                }
                for k in &keys {
                    assert_eq!(s.claim(k).await.unwrap(), Claimed::Done);
                }
            })
        },
    ),
    (
        "another body under the same Request-Id is another key",
        !EXPIRES,
        |s| {
            Box::pin(async move {
                let rid: doku_pay_core::RequestId =
                    format!("rid-{}", uuid::Uuid::new_v4()).parse().unwrap();
                let pending = DedupeKey::new(CLIENT_ID, rid.clone(), BodyDigest::of(b"PENDING"));
                let success = DedupeKey::new(CLIENT_ID, rid, BodyDigest::of(b"SUCCESS"));
                let t = new_token(s.claim(&pending).await.unwrap());
                assert!(s.complete(&pending, t).await.unwrap());
                assert!(matches!(s.claim(&success).await.unwrap(), Claimed::New(_)));
            })
        },
    ),
];

/// Runs every scenario, concurrently (each uses its own keys): those about expiry against
/// `short` (leases of [`LEASE`]), the others against `long` (the same kind of store, leases of
/// [`LONG_LEASE`]).
async fn conformance(name: &str, short: Arc<dyn DedupeStore>, long: Arc<dyn DedupeStore>) {
    assert_eq!(short.lease(), LEASE, "{name}: lease");
    assert_eq!(long.lease(), LONG_LEASE, "{name}: long lease");
    let runs = SCENARIOS.iter().map(|(scenario, expires, run)| {
        let store = Arc::clone(if *expires { &short } else { &long });
        let name = format!("{name}: {scenario}");
        async move {
            let handle = tokio::spawn(run(store));
            if let Err(e) = handle.await {
                panic!("{name}: {e}");
            }
        }
    });
    futures_util::future::join_all(runs).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_conformance() {
    conformance(
        "memory",
        Arc::new(MemoryStore::new().lease(LEASE)),
        Arc::new(MemoryStore::new().lease(LONG_LEASE)),
    )
    .await;
}

/// `redis+unix://` URLs reach the same keys as TCP ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_store_connects_through_a_unix_socket() {
    let Some(redis) = RedisServer::start("a_redis_store_connects_through_a_unix_socket") else {
        return;
    };
    let unix = RedisStore::connect(&redis.unix_url()).await.unwrap();
    let tcp = RedisStore::connect(&redis.url()).await.unwrap();
    let k = key(1);
    let Claimed::New(token) = unix.claim(&k).await.unwrap() else {
        panic!("a new key is claimed");
    };
    assert_eq!(tcp.claim(&k).await.unwrap(), Claimed::InFlight);
    assert!(unix.complete(&k, token).await.unwrap());
    assert_eq!(tcp.claim(&k).await.unwrap(), Claimed::Done);
}

/// A Redis that stops answering (frozen with `SIGSTOP`: its connections stay open) fails the
/// command after `RESPONSE_TIMEOUT` with a backend error (503), never hangs the delivery;
/// once it answers again, so does the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_stops_answering_fails_the_command_instead_of_hanging() {
    let Some(redis) = RedisServer::start("a_redis_that_stops_answering") else {
        return;
    };
    let store = RedisStore::connect(&redis.url()).await.unwrap();
    let pid = redis.pid().unwrap();
    signal(pid, "STOP");
    let frozen = tokio::time::timeout(Duration::from_secs(30), store.claim(&key(1))).await;
    signal(pid, "CONT");
    match frozen {
        Ok(Err(StoreError::Backend(why))) => assert!(why.contains("no answer within"), "{why}"),
        other => panic!("expected a backend error, got {other:?}"),
    }
    let mut again = store.claim(&key(2)).await;
    for _ in 0..50 {
        if again.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        again = store.claim(&key(2)).await;
    }
    assert!(matches!(again, Ok(Claimed::New(_))), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_conformance() {
    let Some(redis) = RedisServer::start("redis_store_conformance") else {
        return;
    };
    let store = RedisStore::connect(&redis.url()).await.unwrap();
    conformance(
        "redis",
        Arc::new(store.clone().lease(LEASE)),
        Arc::new(store.lease(LONG_LEASE)),
    )
    .await;
}

/// The same table on a Redis Cluster of three masters: one store opened from its
/// `redis-cluster://` URL, the other through `RedisStore::connect_cluster`. Each key is its
/// own hash tag, so the keys spread over the three nodes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_cluster_store_conformance() {
    let Some(cluster) = RedisCluster::start("redis_cluster_store_conformance") else {
        return;
    };
    let short = open_with(&cluster.url(), OpenOptions::default().lease(LEASE))
        .await
        .unwrap();
    let long = RedisStore::connect_cluster(cluster.node_urls())
        .await
        .unwrap()
        .lease(LONG_LEASE);
    conformance("redis cluster", short, Arc::new(long)).await;
    let keys = cluster.keys_per_node();
    assert!(
        keys.iter().all(|&n| n > 0),
        "every node holds some of the keys: {keys:?}"
    );
    // A plain store on one node: the keys of the others' slots fail, saying what to use.
    let one_node = RedisStore::connect(&cluster.node_urls()[0]).await.unwrap();
    let mut moved = None;
    for n in 0..32 {
        if let Err(e) = one_node.claim(&key(1000 + n)).await {
            moved = Some(e.to_string());
            break;
        }
    }
    let moved = moved.expect("some of 32 keys are on another node");
    assert!(
        moved.contains("this Redis is a node of a Redis Cluster: use a redis-cluster://"),
        "{moved}"
    );
}

/// The table through `tls` (a store connected over TLS), then a key it completes is done
/// through `plain` (the same Redis through its plain port).
async fn conformance_over_tls<C>(name: &str, tls: RedisStore<C>, plain: RedisStore<C>)
where
    C: redis::aio::ConnectionLike + Clone + Send + Sync + 'static,
{
    conformance(
        name,
        Arc::new(tls.clone().lease(LEASE)),
        Arc::new(tls.clone().lease(LONG_LEASE)),
    )
    .await;
    let k = key(7);
    let t = new_token(tls.claim(&k).await.unwrap());
    assert!(tls.complete(&k, t).await.unwrap(), "{name}");
    assert_eq!(plain.claim(&k).await.unwrap(), Claimed::Done, "{name}");
}

/// On a Redis Cluster over TLS (`tls-cluster yes`): the table through
/// `RedisStore::connect_cluster_tls` trusting the test's own certificate authority, the keys
/// spread over the nodes, a key completed over TLS done through the plain ports; a
/// `rediss-cluster://` URL,
/// trusting only the system's roots, refuses the nodes' certificate and says how to trust
/// it; `connect_cluster_tls` takes only `rediss://` nodes and a PEM certificate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_cluster_store_over_tls() {
    let Some(cluster) = RedisCluster::start_tls("redis_cluster_store_over_tls") else {
        return;
    };
    let ca = std::fs::read(cluster.ca_cert().unwrap()).unwrap();
    let nodes = cluster.tls_node_urls().unwrap();
    let tls = RedisTls::new().root_cert(ca);
    let store = RedisStore::connect_cluster_tls(&nodes, tls.clone())
        .await
        .unwrap();
    let plain = RedisStore::connect_cluster(cluster.node_urls())
        .await
        .unwrap();
    conformance_over_tls("redis cluster over tls", store, plain).await;
    let keys = cluster.keys_per_node();
    assert!(
        keys.iter().all(|&n| n > 0),
        "every node holds some of the keys: {keys:?}"
    );

    refused(
        open_with(&cluster.tls_url().unwrap(), OpenOptions::default()).await,
        &[
            "cannot connect to the Redis Cluster",
            "give its PEM file in SSL_CERT_FILE",
        ],
    );
    refused(
        RedisStore::connect_cluster_tls(cluster.node_urls(), tls).await,
        &["takes rediss:// node URLs"],
    );
    refused(
        RedisStore::connect_cluster_tls(&nodes, RedisTls::new().root_cert("not a PEM file")).await,
        &["the CA holds no PEM certificate"],
    );
}

/// On a Redis Cluster over mutual TLS (every node asking clients for a certificate): the
/// table through `RedisStore::connect_cluster_tls` presenting a client certificate, a key
/// completed over TLS done through the plain ports; without a client certificate, refused
/// with the hint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_cluster_store_over_mutual_tls() {
    let Some(cluster) = RedisCluster::start_mutual_tls("redis_cluster_store_over_mutual_tls")
    else {
        return;
    };
    let read = |path: Option<std::path::PathBuf>| std::fs::read(path.unwrap()).unwrap();
    let ca = read(cluster.ca_cert());
    let tls = RedisTls::new()
        .root_cert(ca.clone())
        .client_cert(read(cluster.client_cert()), read(cluster.client_key()));
    let nodes = cluster.tls_node_urls().unwrap();
    let store = RedisStore::connect_cluster_tls(&nodes, tls).await.unwrap();
    let plain = RedisStore::connect_cluster(cluster.node_urls())
        .await
        .unwrap();
    conformance_over_tls("redis cluster over mutual tls", store, plain).await;
    refused(
        RedisStore::connect_cluster_tls(&nodes, RedisTls::new().root_cert(ca)).await,
        &[
            "cannot connect to the Redis Cluster",
            "RedisTls::client_cert",
        ],
    );
}

/// Asserts that `connected` failed, with an error containing each of `texts`.
#[track_caller]
fn refused<T>(connected: Result<T, StoreError>, texts: &[&str]) {
    let e = match connected {
        Ok(_) => panic!("connected; expected an error containing {texts:?}"),
        Err(e) => e.to_string(),
    };
    for text in texts {
        assert!(e.contains(text), "{e}: expected {text:?}");
    }
}

/// Over TLS (`rediss://`): the table through a store trusting the test's own certificate
/// authority; the same keys as over plain TCP; and a store trusting only the system's roots
/// refuses the server's certificate instead of connecting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_over_tls() {
    let Some(redis) = RedisServer::start_tls("redis_store_over_tls") else {
        return;
    };
    let url = redis.tls_url().unwrap();
    let ca = std::fs::read(redis.ca_cert()).unwrap();
    let tls = RedisTls::new().root_cert(ca);
    let store = RedisStore::connect_tls(&url, tls.clone()).await.unwrap();
    let plain = RedisStore::connect(&redis.url()).await.unwrap();
    conformance_over_tls("redis over tls", store, plain).await;

    refused(
        RedisStore::connect(&url).await,
        &[
            "cannot connect to Redis: invalid peer certificate",
            "give its PEM file in SSL_CERT_FILE",
        ],
    );
    refused(
        RedisStore::connect_tls(&url, RedisTls::new().root_cert(r#"{"not": "a PEM file"}"#)).await,
        &["the CA holds no PEM certificate"],
    );
    refused(
        RedisStore::connect_tls(&redis.url(), tls).await,
        &["takes a rediss:// URL"],
    );
}

/// Over mutual TLS (`tls-auth-clients yes`): the table through a store presenting a client
/// certificate the server's certificate authority issued, and the same store opened from
/// its URL with `OpenOptions::redis_tls`; a store presenting none is refused, saying how to
/// present one; a certificate or key holding no PEM block is refused before connecting;
/// TLS settings with a URL without TLS are refused; the key never shows in `Debug`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_over_mutual_tls() {
    let Some(redis) = RedisServer::start_mutual_tls("redis_store_over_mutual_tls") else {
        return;
    };
    let url = redis.tls_url().unwrap();
    let read = |path: std::path::PathBuf| std::fs::read(path).unwrap();
    let (ca, cert, private_key) = (
        read(redis.ca_cert()),
        read(redis.client_cert()),
        read(redis.client_key()),
    );
    let tls = RedisTls::new()
        .root_cert(ca.clone())
        .client_cert(cert.clone(), private_key.clone());
    let debug = format!("{tls:?}");
    let key_body = String::from_utf8_lossy(&private_key[40..80]).into_owned();
    assert!(
        !debug.contains("PRIVATE KEY") && !debug.contains(&key_body),
        "{debug}"
    );
    let store = RedisStore::connect_tls(&url, tls.clone()).await.unwrap();
    let plain = RedisStore::connect(&redis.url()).await.unwrap();
    conformance_over_tls("redis over mutual tls", store, plain.clone()).await;
    let opened = match open_with(&url, OpenOptions::default().redis_tls(tls.clone())).await {
        Ok(store) => store,
        Err(e) => panic!("store::open with the client certificate: {e}"),
    };
    let k = key(8);
    let t = new_token(opened.claim(&k).await.unwrap());
    assert!(opened.complete(&k, t).await.unwrap());
    assert_eq!(plain.claim(&k).await.unwrap(), Claimed::Done);

    // Another server's CA and client key: not this one's.
    let Some(other) = RedisServer::start_tls("redis_store_over_mutual_tls (another CA)") else {
        return;
    };
    refused(
        RedisStore::connect_tls(&url, tls.clone().root_cert(read(other.ca_cert()))).await,
        &["the certificate authority given did not issue the server's certificate"],
    );
    let other_key = read(other.client_key());
    refused(
        RedisStore::connect_tls(&url, tls.clone().client_cert(cert.clone(), other_key)).await,
        &["the client's key is not the one of its certificate"],
    );
    let only_ca = RedisTls::new().root_cert(ca.clone());
    refused(
        RedisStore::connect_tls(&url, only_ca.clone()).await,
        &["cannot connect to Redis", "RedisTls::client_cert"],
    );
    refused(
        RedisStore::connect_tls(&url, only_ca.clone().client_cert(cert.clone(), "a key")).await,
        &["the client's key holds no unencrypted PEM private key"],
    );
    refused(
        RedisStore::connect_tls(
            &url,
            only_ca.client_cert("a certificate", private_key.clone()),
        )
        .await,
        &["the client's certificate holds no PEM certificate"],
    );
    refused(
        open_with(&redis.url(), OpenOptions::default().redis_tls(tls)).await,
        &["given for a store URL without Redis over TLS"],
    );
}

/// A connection that counts the `SET ... NX ... GET` commands it sends and, `older_than_7`,
/// refuses them as a Redis older than 7.0 does: such a command goes to the real server as
/// `SET key value NX XX`, which every Redis refuses with a syntax error. `resend`: sends
/// each twice and answers the second's answer, as a client resending a command whose
/// answer was lost (the cluster client does, after a reconnection).
#[derive(Clone)]
struct SetGetCounter {
    conn: redis::aio::ConnectionManager,
    older_than_7: bool,
    resend: bool,
    set_gets: Arc<AtomicUsize>,
}

impl redis::aio::ConnectionLike for SetGetCounter {
    fn req_packed_command<'a>(
        &'a mut self,
        cmd: &'a redis::Cmd,
    ) -> redis::RedisFuture<'a, redis::Value> {
        let args: Vec<&[u8]> = cmd
            .args_iter()
            .filter_map(|a| match a {
                redis::Arg::Simple(a) => Some(a),
                _ => None,
            })
            .collect();
        let set_get = args.len() > 2
            && args[0].eq_ignore_ascii_case(b"SET")
            && args.iter().any(|a| a.eq_ignore_ascii_case(b"GET"));
        if set_get {
            self.set_gets.fetch_add(1, Ordering::SeqCst);
        }
        if set_get && self.resend {
            return Box::pin(async move {
                let _lost = self.conn.req_packed_command(cmd).await?;
                self.conn.req_packed_command(cmd).await
            });
        }
        if !(set_get && self.older_than_7) {
            return self.conn.req_packed_command(cmd);
        }
        let mut refused = redis::cmd("SET");
        refused.arg(args[1]).arg(args[2]).arg("NX").arg("XX");
        Box::pin(async move { self.conn.req_packed_command(&refused).await })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<redis::Value>> {
        self.conn.req_packed_commands(pipeline, offset, count)
    }

    fn get_db(&self) -> i64 {
        self.conn.get_db()
    }
}

/// A claim is one `SET ... NX PX ... GET` on Redis 7.0 and later. On an older Redis, which
/// refuses it, the store claims through a script instead, found out on the first claim
/// (answered, not failed) and never asked again. Every scenario holds either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_claims_with_set_nx_get_or_on_an_older_redis_with_a_script() {
    let Some(redis) = RedisServer::start("redis_store_claims_with_set_nx_get") else {
        return;
    };
    for (older_than_7, resend) in [(false, false), (true, false), (false, true)] {
        let name = match (older_than_7, resend) {
            (true, _) => "redis < 7.0",
            (false, false) => "redis 7",
            (false, true) => "redis 7, each claim sent twice",
        };
        let set_gets = Arc::new(AtomicUsize::new(0));
        let conn = redis::Client::open(redis.url())
            .unwrap()
            .get_connection_manager()
            .await
            .unwrap();
        let store = RedisStore::with_connection(SetGetCounter {
            conn,
            older_than_7,
            resend,
            set_gets: Arc::clone(&set_gets),
        });
        // A claim whose command was sent twice finds its own value: still this claim's.
        assert!(
            matches!(store.claim(&key(0)).await, Ok(Claimed::New(_))),
            "{name}: first claim"
        );
        assert_eq!(set_gets.load(Ordering::SeqCst), 1, "{name}: first claim");
        conformance(
            name,
            Arc::new(store.clone().lease(LEASE)),
            Arc::new(store.lease(LONG_LEASE)),
        )
        .await;
        let after = set_gets.load(Ordering::SeqCst);
        if older_than_7 {
            assert_eq!(after, 1, "{name}: SET NX GET asked again");
        } else {
            assert!(after > SCENARIOS.len(), "{name}: only {after} SET NX GET");
        }
    }
}

/// The stores benchmark measures PostgreSQL as a server that has run for a while: with WAL
/// segment files recycled for reuse, so no commit waits for a new one to be made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_postgres_can_be_given_recycled_wal_segments() {
    let Some(pg) = PostgresServer::start("a_test_postgres_can_be_given_recycled_wal_segments")
    else {
        return;
    };
    let pool = sqlx::PgPool::connect(&pg.url()).await.unwrap();
    // Segment files ahead of the one being written: kept for reuse, not yet used.
    let ahead = || {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$' \
             AND name > pg_walfile_name(pg_current_wal_lsn())",
        )
        .fetch_one(&pool)
    };
    let fresh = ahead().await.unwrap();
    assert!(fresh < 4, "a fresh server has {fresh} segments ahead");
    pg.recycle_wal(8).unwrap();
    let kept = ahead().await.unwrap();
    assert!(kept >= 6, "{kept} segments ahead after recycling 8");
    // Again, on the same server: nothing left behind gets in the way.
    pg.recycle_wal(2).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_conformance() {
    let Some(pg) = PostgresServer::start("postgres_store_conformance") else {
        return;
    };
    let store = PostgresStore::connect(&pg.url())
        .await
        .unwrap()
        .lease(LEASE);
    // Migrating again (a second replica starting) changes nothing.
    store.migrate().await.unwrap();
    let versions: Vec<i32> =
        sqlx::query_scalar("SELECT version FROM doku_inbox_migrations ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(versions, [1, 2, 3]);
    // Migration 3: room on each page for the row's update to done (a HOT update).
    let options: Vec<String> =
        sqlx::query_scalar("SELECT unnest(reloptions) FROM pg_class WHERE relname = 'doku_inbox'")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(options, ["fillfactor=50"]);
    conformance(
        "postgres",
        Arc::new(store.clone()),
        Arc::new(store.lease(LONG_LEASE)),
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// Through a receiver.

const PATH: &str = "/payments/notifications";

fn body(invoice: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "channel": {"id": "EMONEY_UNREGISTERED"},
        "order": {"invoice_number": invoice, "amount": 150000},
        "transaction": {"status": "SUCCESS"}
    }))
    .unwrap()
}

fn headers(request_id: &str, body: &[u8]) -> http::HeaderMap {
    let secret = SecretKey::new(SECRET).unwrap();
    let mut map = http::HeaderMap::new();
    for (name, value) in notification_headers(
        CLIENT_ID,
        &secret,
        request_id,
        "2021-01-27T03:24:30Z",
        PATH,
        body,
    ) {
        map.insert(name, value.parse().unwrap());
    }
    map
}

fn merchant(b: doku_pay_receiver::ReceiverBuilder) -> doku_pay_receiver::ReceiverBuilder {
    b.merchant(
        ClientId::new(CLIENT_ID).unwrap(),
        SecretKey::new(SECRET).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_answers_503_and_the_receiver_recovers_by_itself() {
    let Some(mut redis) = RedisServer::start("redis_outage_answers_503") else {
        return;
    };
    let store = RedisStore::connect(&redis.url()).await.unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let receiver = merchant(Receiver::builder(PATH, move |_n: Notification| {
        let seen = Arc::clone(&seen);
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            Ok::<(), BoxError>(())
        }
    }))
    .store(store)
    .build()
    .unwrap();

    let (b1, b2) = (body("INV-1"), body("INV-2"));
    let (h1, h2) = (headers("rid-outage-1", &b1), headers("rid-outage-2", &b2));
    assert_eq!(receiver.process(&h1, &b1).await.status, 200);

    redis.stop();
    for _ in 0..5 {
        let answer = receiver.process(&h2, &b2).await;
        assert_eq!(answer.status, 503, "{answer:?}");
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "nothing handled while Redis is down"
    );

    redis.restart().unwrap();
    // The connection manager reconnects by itself; DOKU's retries get through.
    let mut answer = receiver.process(&h2, &b2).await;
    for _ in 0..100 {
        if answer.status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        answer = receiver.process(&h2, &b2).await;
    }
    assert_eq!(answer.status, 200, "{answer:?}");
    // Both completions survived the restart (append-only file): duplicates, not re-runs.
    assert_eq!(
        receiver.process(&h1, &b1).await.reason,
        "ok: already handled"
    );
    assert_eq!(
        receiver.process(&h2, &b2).await.reason,
        "ok: already handled"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

/// A Redis Cluster node down: the notifications whose keys it holds are answered 503 and
/// not handled (the others may go through); once it is back (its append-only file and
/// `nodes.conf` restore it), DOKU's retries are handled, each once, and what was handled
/// before is still known.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_cluster_node_down_answers_503_and_the_receiver_recovers() {
    let Some(mut cluster) = RedisCluster::start("a_redis_cluster_node_down_answers_503") else {
        return;
    };
    let store = RedisStore::connect_cluster(cluster.node_urls())
        .await
        .unwrap();
    let handled = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&handled);
    let receiver = Arc::new(
        merchant(Receiver::builder(PATH, move |n: Notification| {
            let seen = Arc::clone(&seen);
            async move {
                seen.lock().unwrap().push(n.invoice_number);
                Ok::<(), BoxError>(())
            }
        }))
        .store(Arc::new(store))
        .build()
        .unwrap(),
    );
    let deliveries: Vec<(http::HeaderMap, Vec<u8>)> = (0..30)
        .map(|i| {
            let b = body(&format!("INV-C{i}"));
            (headers(&format!("rid-cluster-{i}"), &b), b)
        })
        .collect();
    let before = &deliveries[..10];
    for (h, b) in before {
        assert_eq!(receiver.process(h, b).await.status, 200);
    }

    cluster.stop_node(0);
    // While node 0 is down: 503 (not handled) or 200 (handled: a key on another node).
    let answers = futures_util::future::join_all(
        deliveries[10..].iter().map(|(h, b)| receiver.process(h, b)),
    )
    .await;
    assert!(
        answers.iter().all(|a| a.status == 200 || a.status == 503),
        "{answers:?}"
    );
    assert!(
        answers.iter().any(|a| a.status == 503),
        "node 0 holds a third of the slots: {answers:?}"
    );
    cluster.start_node(0).unwrap();

    // Node 0 is back: DOKU retries every delivery until 2xx.
    for (h, b) in &deliveries {
        let mut answer = receiver.process(h, b).await;
        for _ in 0..100 {
            if answer.status == 200 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            answer = receiver.process(h, b).await;
        }
        assert_eq!(answer.status, 200, "{answer:?}");
    }
    for (h, b) in before {
        assert_eq!(receiver.process(h, b).await.reason, "ok: already handled");
    }
    let mut handled = handled.lock().unwrap().clone();
    handled.sort();
    let mut want: Vec<String> = (0..30).map(|i| format!("INV-C{i}")).collect();
    want.sort();
    assert_eq!(handled, want, "each notification handled exactly once");
}

/// The inbox's own transaction failing (here its connection is terminated after the
/// handler wrote) is the store's failure: 503, the handler's writes rolled back, the claim
/// released; DOKU's retry applies them once. And a receiver built from the inbox refuses
/// another store, whose claims the inbox's transaction could never complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_inbox_transaction_answers_503_and_the_retry_applies_once() {
    let Some(pg) = PostgresServer::start("a_failed_inbox_transaction_answers_503") else {
        return;
    };
    // The server's reason, with its SQLSTATE (not the line of its C source).
    let err = PostgresStore::connect(&format!(
        "{}/nosuchdb",
        pg.url().rsplit_once('/').unwrap().0
    ))
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.ends_with(
            r#"cannot connect to PostgreSQL: database "nosuchdb" does not exist (SQLSTATE 3D000)"#
        ),
        "{err}"
    );
    let store = PostgresStore::connect(&pg.url()).await.unwrap();
    sqlx::raw_sql("CREATE TABLE paid (invoice text NOT NULL)")
        .execute(store.pool())
        .await
        .unwrap();
    let attempts = Arc::new(AtomicUsize::new(0));
    let (seen, pool) = (Arc::clone(&attempts), store.pool().clone());
    let receiver = merchant(store.receiver(
        PATH,
        inbox_handler(move |n: Notification, tx| {
            let (seen, pool) = (Arc::clone(&seen), pool.clone());
            Box::pin(async move {
                sqlx::query("INSERT INTO paid (invoice) VALUES ($1)")
                    .bind(&n.invoice_number)
                    .execute(&mut *tx)
                    .await?;
                if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                    // The first attempt's transaction loses its connection.
                    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
                        .fetch_one(&mut *tx)
                        .await?;
                    sqlx::query("SELECT pg_terminate_backend($1)")
                        .bind(pid)
                        .execute(&pool)
                        .await?;
                }
                Ok::<(), BoxError>(())
            })
        }),
    ))
    .build()
    .unwrap();
    let b = body("INV-TX");
    let h = headers("rid-INV-TX", &b);
    let first = receiver.process(&h, &b).await;
    assert_eq!(
        (first.status.as_u16(), first.outcome),
        (503, doku_pay_receiver::Outcome::StoreFailed),
        "{first:?}"
    );
    let retry = receiver.process(&h, &b).await;
    assert_eq!(retry.status, 200, "{retry:?}");
    assert_eq!(receiver.process(&h, &b).await.reason, "ok: already handled");
    let paid: i64 = sqlx::query_scalar("SELECT count(*) FROM paid WHERE invoice = 'INV-TX'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!((paid, attempts.load(Ordering::SeqCst)), (1, 2));

    for (how, builder) in [
        (
            "store",
            store
                .receiver(
                    PATH,
                    inbox_handler(|_n: Notification, _tx| {
                        Box::pin(async { Ok::<(), BoxError>(()) })
                    }),
                )
                .store(MemoryStore::new()),
        ),
        (
            "store_url",
            store
                .receiver(
                    PATH,
                    inbox_handler(|_n: Notification, _tx| {
                        Box::pin(async { Ok::<(), BoxError>(()) })
                    }),
                )
                .store_url("memory")
                .await
                .unwrap(),
        ),
    ] {
        let err = merchant(builder).build().unwrap_err().to_string();
        assert!(err.contains("replaces the PostgresStore"), "{how}: {err}");
    }
}

/// A NUL, which PostgreSQL's `text` refuses, in a notification's channel code or in a
/// handler's error fails neither its own claim nor the claims batched with it (one
/// statement claims every delivery in flight, so one refused value would answer 503 to
/// all of them, other merchants' genuine notifications included).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_in_a_notification_or_an_error_fails_no_postgres_claim() {
    let Some(pg) = PostgresServer::start("a_nul_in_a_notification_fails_no_claim") else {
        return;
    };
    let store = PostgresStore::connect(&pg.url()).await.unwrap();
    let handled = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&handled);
    let receiver = Arc::new(
        merchant(Receiver::builder(PATH, move |n: Notification| {
            let seen = Arc::clone(&seen);
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                if n.invoice_number.starts_with("FAIL") {
                    return Err::<(), BoxError>(format!("refused\0{}", n.invoice_number).into());
                }
                Ok(())
            }
        }))
        .store(store.clone())
        .build()
        .unwrap(),
    );
    // Table: invoice, channel id, answer.
    let mut rows: Vec<(String, &str, u16)> = (0..40)
        .map(|i| (format!("INV-NUL-{i}"), "EMONEY_LINKAJA", 200))
        .collect();
    rows.extend((0..4).map(|i| (format!("INV-NULCODE-{i}"), "X\u{0}", 200)));
    rows.push(("FAIL-NUL-1".into(), "EMONEY_LINKAJA", 500));
    let deliveries: Vec<_> = rows
        .iter()
        .map(|(invoice, code, _)| {
            let b = serde_json::to_vec(&serde_json::json!({
                "channel": {"id": code},
                "order": {"invoice_number": invoice, "amount": 150000},
                "transaction": {"status": "SUCCESS"}
            }))
            .unwrap();
            (headers(&format!("rid-{invoice}"), &b), b)
        })
        .collect();
    let answers =
        futures_util::future::join_all(deliveries.iter().map(|(h, b)| receiver.process(h, b)))
            .await;
    for ((invoice, _, status), answer) in rows.iter().zip(&answers) {
        assert_eq!(answer.status, *status, "{invoice}: {answer:?}");
    }
    assert_eq!(handled.load(Ordering::SeqCst), rows.len());
    let entries = store.list(InboxFilter::All, 100).await.unwrap();
    let entry = |invoice: &str| {
        entries
            .iter()
            .find(|e| e.request_id == format!("rid-{invoice}"))
            .unwrap()
    };
    assert_eq!(entry("INV-NULCODE-0").state, "done");
    assert_eq!(
        entry("INV-NULCODE-0").channel_code.as_deref(),
        Some("X\u{FFFD}")
    );
    let failed = entry("FAIL-NUL-1");
    assert_eq!(failed.state, "failed");
    assert_eq!(
        failed.last_error.as_deref(),
        Some("refused\u{FFFD}FAIL-NUL-1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_inbox_commits_the_handlers_writes_with_the_completion() {
    let Some(pg) = PostgresServer::start("the_postgres_inbox_commits") else {
        return;
    };
    let store = PostgresStore::connect(&pg.url()).await.unwrap();
    sqlx::raw_sql("CREATE TABLE paid (invoice text NOT NULL)")
        .execute(store.pool())
        .await
        .unwrap();
    let receiver = merchant(store.receiver(
        PATH,
        inbox_handler(|n: Notification, tx| {
            Box::pin(async move {
                sqlx::query("INSERT INTO paid (invoice) VALUES ($1)")
                    .bind(&n.invoice_number)
                    .execute(&mut *tx)
                    .await?;
                if n.invoice_number.starts_with("FAIL") {
                    return Err::<(), BoxError>("refused after writing".into());
                }
                Ok(())
            })
        }),
    ))
    .build()
    .unwrap();

    // Table: invoice, answer, rows of `paid` for it afterwards, inbox state.
    let rows: &[(&str, u16, i64, &str)] =
        &[("INV-OK", 200, 1, "done"), ("FAIL-1", 500, 0, "failed")];
    for &(invoice, status, paid, state) in rows {
        let b = body(invoice);
        let h = headers(&format!("rid-{invoice}"), &b);
        assert_eq!(receiver.process(&h, &b).await.status, status, "{invoice}");
        // A retry: a duplicate if done, handled (and failing) again otherwise.
        assert_eq!(
            receiver.process(&h, &b).await.status,
            status,
            "{invoice} retry"
        );
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM paid WHERE invoice = $1")
            .bind(invoice)
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(count, paid, "{invoice}: the handler's writes");
        let entries = store.list(InboxFilter::All, 100).await.unwrap();
        let entry = entries
            .iter()
            .find(|e| e.request_id == format!("rid-{invoice}"))
            .unwrap();
        assert_eq!(entry.state, state, "{invoice}");
        assert_eq!(entry.body.as_deref(), Some(&b[..]), "the raw body is kept");
        assert_eq!(entry.path.as_deref(), Some(PATH));
        assert_eq!(entry.signature.as_deref(), h["Signature"].to_str().ok());
        if state == "failed" {
            assert_eq!(entry.attempts, 2);
            assert_eq!(entry.last_error.as_deref(), Some("refused after writing"));
        }
    }
    // Each filter, and the Request-Ids it selects.
    let filters: &[(InboxFilter, &[&str])] = &[
        (InboxFilter::Pending, &["rid-FAIL-1"]),
        (InboxFilter::Failed, &["rid-FAIL-1"]),
        (InboxFilter::Done, &["rid-INV-OK"]),
        (InboxFilter::InFlight, &[]),
    ];
    for (filter, want) in filters {
        let got: Vec<String> = store
            .list(*filter, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.request_id)
            .collect();
        assert_eq!(got, *want, "{filter:?}");
    }
}

/// A renewal that finds the inbox row locked by another transaction (a claim batch naming
/// the key for a copy of the notification holds its row until it commits, even when it
/// takes nothing over) waits for the lock and then extends the lease; a lock held past its
/// patience (a sixth of the lease) fails the renewal instead of reporting a lease it did not
/// extend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_renewal_waits_out_another_transactions_lock() {
    let Some(pg) = PostgresServer::start("a_postgres_renewal_waits") else {
        return;
    };
    let lease = Duration::from_secs(3);
    let store = PostgresStore::connect(&pg.url())
        .await
        .unwrap()
        .lease(lease);
    let k = key(1);
    let token = new_token(store.claim(&k).await.unwrap());
    let lease_until = || async {
        sqlx::query_scalar::<_, f64>(
            "SELECT extract(epoch FROM lease_until)::float8 FROM doku_inbox WHERE key = $1",
        )
        .bind(k.to_store_key())
        .fetch_one(store.pool())
        .await
        .unwrap()
    };
    let lock = || async {
        let mut tx = store.pool().begin().await.unwrap();
        sqlx::query("SELECT 1 FROM doku_inbox WHERE key = $1 FOR UPDATE")
            .bind(k.to_store_key())
            .execute(&mut *tx)
            .await
            .unwrap();
        tx
    };

    // Locked for 200 ms: the renewal waits, then extends the lease.
    let before = lease_until().await;
    let held = lock().await;
    let started = std::time::Instant::now();
    let (renewed, ()) = tokio::join!(store.renew(&k, token), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        held.commit().await.unwrap();
    });
    assert!(renewed.unwrap(), "renewed once the lock was gone");
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert!(lease_until().await > before, "the lease was extended");

    // Locked for longer than half a second (a sixth of the 3 s lease): the renewal fails,
    // and the lease is as it was.
    let before = lease_until().await;
    let held = lock().await;
    let failed = store.renew(&k, token).await;
    assert!(
        matches!(&failed, Err(StoreError::Backend(m)) if m.contains("locked by another transaction")),
        "{failed:?}"
    );
    held.rollback().await.unwrap();
    assert_eq!(lease_until().await, before, "the lease was not extended");
    assert!(store.renew(&k, token).await.unwrap());

    // A token that never held the key, while the row is locked: not renewed once it is free.
    let stranger = new_token(store.claim(&key(2)).await.unwrap());
    let held = lock().await;
    let (renewed, ()) = tokio::join!(store.renew(&k, stranger), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        held.commit().await.unwrap();
    });
    assert!(!renewed.unwrap(), "another claim's token renews nothing");
}

/// An inbox handler's own error is the handler's failure (500), whatever its type: a
/// `StoreError` of the application's own is not the inbox's store outage (503).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbox_handlers_store_error_is_a_handler_failure() {
    let Some(pg) = PostgresServer::start("an_inbox_handlers_store_error") else {
        return;
    };
    let store = PostgresStore::connect(&pg.url()).await.unwrap();
    let receiver = merchant(store.receiver(
        PATH,
        inbox_handler(|_n: Notification, _tx| {
            Box::pin(async {
                Err::<(), BoxError>(Box::new(StoreError::Backend("the app's own cache".into())))
            })
        }),
    ))
    .build()
    .unwrap();
    let b = body("INV-APP-STORE-ERROR");
    let answer = receiver
        .process(&headers("rid-INV-APP-STORE-ERROR", &b), &b)
        .await;
    assert_eq!(
        (answer.status.as_u16(), answer.outcome),
        (500, doku_pay_receiver::Outcome::HandlerFailed),
        "{answer:?}"
    );
}
