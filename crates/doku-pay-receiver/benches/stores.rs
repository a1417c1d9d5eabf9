//! Notifications per second through one receiver with each store, beside a bare axum
//! handler in the same run: `MemoryStore`, `RedisStore` on a real `redis-server` and
//! `PostgresStore` on a real PostgreSQL (both started by the benchmark in a temporary
//! directory, as the store tests do; a missing one is reported and left out).
//!
//! `cargo bench -p doku-pay-receiver --features redis,postgres,serve --bench stores`. Each server
//! gets the same kind of pre-signed notifications (distinct Request-Ids) over
//! `DOKU_BENCH_CONCURRENCY` keep-alive connections (default 80); `DOKU_BENCH_REQUESTS` per
//! run (default 20,000), `DOKU_BENCH_ROUNDS` rounds (default 3), the servers taking turns
//! in each round so that noise hits all alike; `DOKU_BENCH_ONLY=memory,postgres` runs only
//! those (beside the bare handler); `DOKU_BENCH_REDIS_CONNECTIONS` sets the Redis store's
//! connections (default `RedisStore::DEFAULT_CONNECTIONS`), `DOKU_BENCH_REDIS_UNIX=1`
//! connects it through Redis's Unix socket instead of TCP.
//!
//! `DOKU_BENCH_DURABILITY` sets both stores' servers alike: `strict` (default; Redis
//! `appendfsync always`, PostgreSQL's defaults: nothing acknowledged is lost, as the stores'
//! exactly-once guarantees assume) or `second` (Redis `appendfsync everysec`, PostgreSQL
//! `synchronous_commit=off`: a crash may lose the last moments of what they acknowledged).
//! `DOKU_BENCH_PG_SETTINGS=commit_delay=100,...` adds settings to the PostgreSQL started
//! here. That server is first given recycled WAL segment files, as a server that has run for
//! a while has (see `PostgresServer::recycle_wal`); `DOKU_BENCH_PG_FRESH_WAL=1` measures it
//! fresh instead, stalls included. `DOKU_BENCH_PG_URL` runs PostgreSQL's part on an
//! existing server, with its settings.
//!
//! Every receiver, and the bare handler, is served by `serve::serve` (the production server,
//! with its read timeouts and connection limit), or by `axum::serve` with
//! `DOKU_BENCH_SERVER=axum`.
//!
//! The receiver's server runtime has 2 worker threads, as on the 2-core machine it is
//! measured on; the stores' servers and the load generator share the same cores.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use doku_pay_core::{ClientId, Notification, SecretKey};
use doku_pay_receiver::{BoxError, DedupeStore, MemoryStore, PostgresStore, Receiver, RedisStore};
use doku_pay_testkit::servers::{PostgresServer, RedisServer};

mod common;
use common::*;

fn receiver(store: Arc<dyn DedupeStore>, handled: &Arc<AtomicUsize>) -> axum::Router {
    let h = Arc::clone(handled);
    Receiver::builder(PATH, move |_n: Notification| {
        let h = Arc::clone(&h);
        async move {
            h.fetch_add(1, Ordering::Relaxed);
            Ok::<_, BoxError>(())
        }
    })
    .merchant(
        ClientId::new(MCH).expect("id"),
        SecretKey::new(SK).expect("sk"),
    )
    .store(store)
    .build()
    .expect("receiver")
    .router()
}

fn main() {
    // `cargo test --benches` runs bench binaries without `--bench`: stay quick there.
    let quick = !std::env::args().any(|a| a == "--bench");
    let requests = if quick {
        300
    } else {
        env_usize("DOKU_BENCH_REQUESTS", 20_000)
    };
    let concurrency = env_usize("DOKU_BENCH_CONCURRENCY", 80);
    let rounds = if quick {
        1
    } else {
        env_usize("DOKU_BENCH_ROUNDS", 3).max(1)
    };

    // `DOKU_BENCH_DURABILITY`: how the stores' servers keep what they acknowledged.
    let durability = std::env::var("DOKU_BENCH_DURABILITY").unwrap_or_else(|_| "strict".into());
    let (appendfsync, pg_settings): (&str, &[&str]) = match durability.as_str() {
        // Nothing acknowledged is ever lost: every write on disk before its answer. What
        // the stores' exactly-once guarantees assume.
        "strict" => ("always", &[]),
        // A crash may lose the last moments of what they acknowledged (Redis: up to about
        // 2 s; PostgreSQL: up to 3 x wal_writer_delay, 600 ms), weakening those guarantees.
        "second" => ("everysec", &["synchronous_commit=off"]),
        other => panic!("DOKU_BENCH_DURABILITY={other}: expected strict or second"),
    };
    // `DOKU_BENCH_PG_SETTINGS`: more PostgreSQL settings (`name=value`, comma-separated)
    // for the server started here, after the durability class's own.
    let extra_pg = std::env::var("DOKU_BENCH_PG_SETTINGS").unwrap_or_default();
    // `DOKU_BENCH_REDIS_UNIX=1`: the Redis store through Redis's Unix socket instead of TCP.
    let redis_unix = env_flag("DOKU_BENCH_REDIS_UNIX");
    let pg_settings: Vec<&str> = pg_settings
        .iter()
        .copied()
        .chain(extra_pg.split(',').map(str::trim).filter(|s| !s.is_empty()))
        .collect();
    let pg_settings = pg_settings.as_slice();
    let redis = RedisServer::start_with("stores benchmark (redis)", appendfsync);
    // `DOKU_BENCH_PG_URL`: an existing PostgreSQL (its settings, its disk) instead of one
    // started here.
    let pg_server = match std::env::var("DOKU_BENCH_PG_URL") {
        Ok(_) => None,
        Err(_) => PostgresServer::start_with("stores benchmark (postgres)", pg_settings),
    };
    let pg_url = std::env::var("DOKU_BENCH_PG_URL")
        .ok()
        .or_else(|| pg_server.as_ref().map(PostgresServer::url));
    // `DOKU_BENCH_ONLY=memory,redis`: only these (the bare handler always runs).
    let only = std::env::var("DOKU_BENCH_ONLY").ok();
    let runs = |name: &str| {
        only.as_ref()
            .is_none_or(|o| o.split(',').any(|x| x == name))
    };
    // A server that has run for a while reuses its WAL segment files; a fresh one creates
    // and zero-fills one every 16 MB of WAL, and commits wait meanwhile (14 to 16 ms here):
    // give the server started here the segments these rounds will fill (about 1.5 kB of WAL
    // per notification, counted as 4 kB; the warm-up, at most 1,000 notifications, counted
    // as one more round), unless `DOKU_BENCH_PG_FRESH_WAL=1` asks for a fresh server.
    let segments = (requests * (rounds + 1) * 4096 / (16 << 20) + 4).min(60) as u32;
    let wal = match &pg_server {
        Some(pg) if runs("postgres") && !env_flag("DOKU_BENCH_PG_FRESH_WAL") => {
            match pg.recycle_wal(segments) {
                Ok(()) => format!("{segments} recycled WAL segments"),
                Err(why) => {
                    eprintln!("stores benchmark: PostgreSQL measured fresh: {why}");
                    "fresh WAL (recycling failed)".to_owned()
                }
            }
        }
        _ => "fresh WAL".to_owned(),
    };
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let handled = Arc::new(AtomicUsize::new(0));
    let mut apps: Vec<(&str, axum::Router)> = vec![
        (
            "bare axum 200",
            axum::Router::new().route(PATH, axum::routing::post(|| async { "ok" })),
        ),
        ("memory", receiver(Arc::new(MemoryStore::new()), &handled)),
    ];
    server_rt.block_on(async {
        if let Some(r) = &redis {
            let conns = env_usize(
                "DOKU_BENCH_REDIS_CONNECTIONS",
                RedisStore::DEFAULT_CONNECTIONS,
            );
            let url = if redis_unix { r.unix_url() } else { r.url() };
            let store = RedisStore::connect_with(&url, conns).await.expect("redis");
            apps.push(("redis", receiver(Arc::new(store), &handled)));
        }
        if let Some(url) = &pg_url {
            let conns = env_usize(
                "DOKU_BENCH_PG_CONNECTIONS",
                PostgresStore::DEFAULT_MAX_CONNECTIONS as usize,
            );
            let store = PostgresStore::connect_with(url, conns as u32)
                .await
                .expect("postgres");
            apps.push(("postgres", receiver(Arc::new(store), &handled)));
        }
    });
    apps.retain(|(name, _)| *name == "bare axum 200" || runs(name));
    // `DOKU_BENCH_SERVER`: `serve` (default: the production server, with its read timeouts
    // and connection limit, as `doku listen` serves) or `axum` (`axum::serve`).
    let server = std::env::var("DOKU_BENCH_SERVER").unwrap_or_else(|_| "serve".into());
    assert!(
        server == "serve" || server == "axum",
        "DOKU_BENCH_SERVER is serve or axum"
    );
    let urls: Vec<(&str, String)> = server_rt.block_on(async {
        let mut urls = Vec::new();
        for (name, app) in apps {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = l.local_addr().expect("addr");
            if server == "axum" {
                tokio::spawn(async move { axum::serve(l, app).await });
            } else {
                let config = doku_pay_receiver::serve::ServeConfig::default();
                tokio::spawn(doku_pay_receiver::serve::serve(
                    l,
                    app,
                    config,
                    std::future::pending(),
                ));
            }
            urls.push((name, format!("http://{addr}{PATH}")));
        }
        urls
    });

    // This process's own Request-Ids, so that a database kept between runs
    // (`DOKU_BENCH_PG_URL`) sees only new notifications.
    let run = format!(
        "{:x}-{:x}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    );
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    client_rt.block_on(async {
        for (name, url) in &urls {
            let warm = Arc::new(presign(&format!("warm-{name}-{run}"), requests.min(1000)));
            drive(url, warm, concurrency).await;
        }
    });
    // How each store's server measured here is set up (only those that run).
    let measured = |name: &str| urls.iter().any(|(n, _)| *n == name);
    let mut servers = Vec::new();
    if measured("redis") {
        let via = if redis_unix {
            " over its Unix socket"
        } else {
            ""
        };
        servers.push(format!("redis appendfsync {appendfsync}{via}"));
    }
    if measured("postgres") {
        servers.push(match &pg_server {
            Some(_) => format!("postgres {pg_settings:?}, {wal}"),
            None => "postgres external, its own settings".to_owned(),
        });
    }
    let servers = if servers.is_empty() {
        String::new()
    } else {
        format!(" ({})", servers.join(", "))
    };
    println!(
        "{requests} requests per run, {concurrency} connections, loopback, {rounds} rounds, \
         server {server}, durability {durability}{servers}"
    );
    // Per server: the best round's rate and p99, the worst round's p99, the errors.
    let mut best: Vec<(String, f64, Duration, Duration, usize)> = Vec::new();
    for round in 0..rounds {
        for (name, url) in &urls {
            let reqs = Arc::new(presign(&format!("{name}-{round}-{run}"), requests));
            let before = handled.load(Ordering::Relaxed);
            let mut r = client_rt.block_on(drive(url, reqs, concurrency));
            // Every notification is new: each must have run the handler once (the bare
            // handler has none). A store answering "done" without it would be measuring
            // its deduplication, not its claims.
            let ran = handled.load(Ordering::Relaxed) - before;
            if *name != "bare axum 200" && ran != requests {
                println!("round {round} {name}: {ran} handled of {requests}");
                // Those not answered 200 are already counted.
                r.errors = r.errors.max(requests.abs_diff(ran));
            }
            println!(
                "round {round} {name:>14}: {:>8.0} req/s  p50 {:>7.3} ms  p99 {:>7.3} ms  max {:>8.3} ms  errors {}",
                r.rps,
                r.p50.as_secs_f64() * 1e3,
                r.p99.as_secs_f64() * 1e3,
                r.max.as_secs_f64() * 1e3,
                r.errors
            );
            match best.iter_mut().find(|b| b.0 == *name) {
                Some(b) => {
                    if b.1 < r.rps {
                        (b.1, b.2) = (r.rps, r.p99);
                    }
                    b.3 = b.3.max(r.p99);
                    b.4 += r.errors;
                }
                None => best.push((name.to_string(), r.rps, r.p99, r.p99, r.errors)),
            }
        }
    }
    let memory = best.iter().find(|b| b.0 == "memory").map(|b| b.1);
    for (name, rps, p99, worst, errors) in &best {
        // The share of MemoryStore's rate, when it ran.
        let share = memory.map_or(String::new(), |m| {
            format!(" ({:>5.1} % of memory)", 100.0 * rps / m)
        });
        println!(
            "best {name:>14}: {rps:>8.0} req/s{share}, p99 {:.3} ms (worst round {:.3} ms), \
             errors {errors}",
            p99.as_secs_f64() * 1e3,
            worst.as_secs_f64() * 1e3
        );
    }
    let errors: usize = best.iter().map(|b| b.4).sum();
    assert_eq!(errors, 0, "errors");
    drop(server_rt);
}
