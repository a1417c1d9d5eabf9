//! `store::open`: which URL opens which store, and what a wrong one answers. No error may
//! repeat the URL's password (`s3cret` in every row that has one).

use doku_pay_receiver::store::open;

/// Each row: a URL, and `Ok(())` for a store opened or the text its error must contain.
#[tokio::test]
async fn store_urls() {
    let rows: &[(&str, Result<(), &str>)] = &[
        ("memory", Ok(())),
        (
            "mongodb://app:s3cret@db/app",
            Err("unknown store scheme `mongodb`: expected memory, redis://"),
        ),
        // Mistyped URLs: no `://`, so nothing of them is repeated.
        (
            "redis:/:s3cret@db:6379",
            Err("not a store URL: expected memory"),
        ),
        ("redis//:s3cret@db:6379", Err("not a store URL")),
        ("postgres:app:s3cret@db/app", Err("not a store URL")),
        ("s3cret://x", Err("unknown store scheme `s3cret`")),
        #[cfg(feature = "redis-tls")]
        (
            "rediss://:s3cret@127.0.0.1:1/",
            Err("cannot connect to Redis"),
        ),
        #[cfg(not(feature = "redis-tls"))]
        (
            "rediss://:s3cret@127.0.0.1:1/",
            Err("doku-pay-receiver's `redis-tls` feature"),
        ),
        #[cfg(all(feature = "redis-cluster", feature = "redis-tls"))]
        (
            "rediss-cluster://:s3cret@127.0.0.1:1,127.0.0.1:2",
            Err("cannot connect to the Redis Cluster"),
        ),
        #[cfg(all(feature = "redis-cluster", feature = "redis-tls"))]
        (
            "rediss-cluster://:s3cret@127.0.0.1:1,,127.0.0.1:2",
            Err("invalid Redis Cluster URL: a node is empty"),
        ),
        #[cfg(all(feature = "redis-cluster", not(feature = "redis-tls")))]
        (
            "rediss-cluster://:s3cret@127.0.0.1:1",
            Err("doku-pay-receiver's `redis-tls` feature"),
        ),
        #[cfg(not(feature = "redis-cluster"))]
        (
            "rediss-cluster://:s3cret@127.0.0.1:1",
            Err("doku-pay-receiver's `redis-cluster` feature"),
        ),
        ("a:s3cret@h://x", Err("not a store URL")),
        ("", Err("not a store URL")),
        // Nothing listens on port 1: the connection fails, naming neither URL nor password.
        #[cfg(feature = "redis")]
        (
            "redis://:s3cret@127.0.0.1:1/",
            Err("cannot connect to Redis"),
        ),
        #[cfg(feature = "redis-cluster")]
        (
            "redis-cluster://:s3cret@127.0.0.1:1,127.0.0.1:2",
            Err("cannot connect to the Redis Cluster"),
        ),
        // A scheme in capitals is the same scheme.
        #[cfg(feature = "redis")]
        (
            "REDIS://:s3cret@127.0.0.1:1/",
            Err("cannot connect to Redis"),
        ),
        #[cfg(feature = "redis-cluster")]
        (
            "Redis-Cluster://:s3cret@127.0.0.1:1,127.0.0.1:2",
            Err("cannot connect to the Redis Cluster"),
        ),
        #[cfg(feature = "redis")]
        (
            "redis://:s3cret@127.0.0.1:notaport/",
            Err("misconfigured: invalid Redis URL"),
        ),
        #[cfg(feature = "postgres")]
        (
            "postgres://app:s3cret@127.0.0.1:notaport/app",
            Err("misconfigured: invalid PostgreSQL URL"),
        ),
        // Nothing listens on port 1: the cause, not the pool's timeout.
        #[cfg(feature = "postgres")]
        (
            "postgres://app:s3cret@127.0.0.1:1/app",
            Err(
                "cannot connect to PostgreSQL: error communicating with database: Connection refused",
            ),
        ),
        #[cfg(feature = "redis-cluster")]
        (
            "redis-cluster://:s3cret@127.0.0.1:1/0",
            Err("invalid Redis Cluster URL: a node is more than host:port"),
        ),
    ];
    for (url, want) in rows {
        let got = open(url).await.map(|_| ()).map_err(|e| e.to_string());
        match (want, &got) {
            (Ok(()), Ok(())) => {}
            (Err(want), Err(got)) => {
                assert!(got.contains(want), "{url}: {got}");
                if url.contains("s3cret") && !url.starts_with("s3cret") {
                    assert!(
                        !got.contains("s3cret"),
                        "{url}: the error repeats it: {got}"
                    );
                }
            }
            _ => panic!("{url}: got {got:?}, want {want:?}"),
        }
    }
}

/// Redis TLS settings that cannot work are configuration errors, found before connecting
/// where they can be: each row a connection and the start of its error's text, with
/// whether it is a configuration error (bad input) rather than the store failing.
#[cfg(all(feature = "redis-cluster", feature = "redis-tls"))]
#[tokio::test]
async fn redis_tls_settings() {
    use doku_pay_receiver::{RedisStore, RedisTls, StoreError};
    let garbled_ca = "-----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n";
    let rows: Vec<(&str, Result<(), StoreError>, &str, bool)> = vec![
        (
            "cluster nodes mixing TLS and plain TCP",
            RedisStore::connect_cluster(["redis://127.0.0.1:1", "rediss://127.0.0.1:2"])
                .await
                .map(|_| ()),
            "Cannot use different TLS modes among initial nodes",
            true,
        ),
        (
            "a CA whose PEM is garbled",
            RedisStore::connect_tls(
                "rediss://127.0.0.1:1/",
                RedisTls::new().root_cert(garbled_ca),
            )
            .await
            .map(|_| ()),
            "RedisStore::connect_tls: the CA is not valid PEM",
            true,
        ),
        (
            "connect_cluster_tls with a plain node",
            RedisStore::connect_cluster_tls(["redis://127.0.0.1:1"], RedisTls::new())
                .await
                .map(|_| ()),
            "RedisStore::connect_cluster_tls takes rediss:// node URLs",
            true,
        ),
        // The scheme in capitals is still TLS: nothing listens, the store fails.
        (
            "REDISS://",
            RedisStore::connect_tls("REDISS://127.0.0.1:1/", RedisTls::new())
                .await
                .map(|_| ()),
            "cannot connect to Redis",
            false,
        ),
    ];
    // TLS settings with a URL that is no store URL: its own error, not theirs.
    let tls = doku_pay_receiver::store::OpenOptions::default().redis_tls(RedisTls::new());
    let e = doku_pay_receiver::store::open_with("rediss:/127.0.0.1:1", tls)
        .await
        .map(|_| ())
        .expect_err("a URL missing a slash");
    assert!(e.to_string().contains("not a store URL"), "{e}");
    for (name, got, want, config) in rows {
        let e = got.expect_err(name);
        assert!(e.to_string().contains(want), "{name}: {e}");
        assert_eq!(matches!(e, StoreError::Config(_)), config, "{name}: {e:?}");
    }
}
