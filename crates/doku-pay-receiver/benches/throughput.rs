//! Receiver throughput over loopback, against a bare axum handler in the same run.
//!
//! `cargo bench -p doku-pay-receiver` drives (a) the receiver (signature check, routing, in-memory
//! deduplication, a handler that counts) and (b) an axum handler answering 200, each with the
//! same pre-signed notifications (distinct Request-Ids) over 32 concurrent keep-alive
//! connections, and prints requests per second and latency percentiles. Servers and load
//! generator run on separate Tokio runtimes. The two servers alternate over several rounds so
//! that noise from other processes hits both alike. `DOKU_BENCH_REQUESTS` sets the requests
//! per run (default 50,000), `DOKU_BENCH_CONCURRENCY` the connections (default 32) and
//! `DOKU_BENCH_ROUNDS` the rounds (default 3).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use doku_pay_core::{ClientId, Notification, SecretKey};
use doku_pay_receiver::{BoxError, MemoryStore, Receiver};

mod common;
use common::*;

fn main() {
    // `cargo test --benches` runs bench binaries with `--bench` absent: stay quick there.
    let quick = !std::env::args().any(|a| a == "--bench");
    let requests = if quick {
        500
    } else {
        env_usize("DOKU_BENCH_REQUESTS", 50_000)
    };
    let concurrency = env_usize("DOKU_BENCH_CONCURRENCY", 32);
    let rounds = if quick {
        1
    } else {
        env_usize("DOKU_BENCH_ROUNDS", 3).max(1)
    };

    let handled = Arc::new(AtomicUsize::new(0));
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let h = Arc::clone(&handled);
    let receiver = Receiver::builder(PATH, move |_n: Notification| {
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
    .store(MemoryStore::new())
    .build()
    .expect("receiver");
    let bare = axum::Router::new().route(PATH, axum::routing::post(|| async { "ok" }));
    let (receiver_url, bare_url) = server_rt.block_on(async {
        let a = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let b = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let (aa, ba) = (a.local_addr().expect("addr"), b.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(a, receiver.router()).await });
        tokio::spawn(async move { axum::serve(b, bare).await });
        (format!("http://{aa}{PATH}"), format!("http://{ba}{PATH}"))
    });

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    let warm = Arc::new(presign("warm", requests.min(2000)));
    client_rt.block_on(async {
        drive(&bare_url, Arc::clone(&warm), concurrency).await;
        drive(&receiver_url, Arc::clone(&warm), concurrency).await;
    });
    println!("{requests} requests per run, {concurrency} connections, loopback, {rounds} rounds");
    let mut results = Vec::new();
    for round in 0..rounds {
        // Alternate the two servers so that noise from other processes hits both alike.
        let bare_reqs = Arc::new(presign(&format!("bare{round}"), requests));
        let recv_reqs = Arc::new(presign(&format!("recv{round}"), requests));
        let (bare_r, recv_r) = client_rt.block_on(async {
            let bare_r = drive(&bare_url, bare_reqs, concurrency).await;
            let recv_r = drive(&receiver_url, recv_reqs, concurrency).await;
            (bare_r, recv_r)
        });
        for (name, r) in [("bare axum 200", &bare_r), ("doku receiver", &recv_r)] {
            println!(
                "round {round} {name:>14}: {:>9.0} req/s  p50 {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms  errors {}",
                r.rps,
                r.p50.as_secs_f64() * 1e3,
                r.p99.as_secs_f64() * 1e3,
                r.max.as_secs_f64() * 1e3,
                r.errors
            );
        }
        println!(
            "round {round} receiver / bare: {:.2}",
            recv_r.rps / bare_r.rps
        );
        results.push((bare_r, recv_r));
    }
    let best_ratio = results
        .iter()
        .map(|(b, r)| r.rps / b.rps)
        .fold(0.0_f64, f64::max);
    let best_p99 = results.iter().map(|(_, r)| r.p99).min().unwrap_or_default();
    println!(
        "best round: receiver / bare {best_ratio:.2}, receiver p99 {:.3} ms",
        best_p99.as_secs_f64() * 1e3
    );
    let expected_handled = requests * rounds + requests.min(2000);
    let errors: usize = results.iter().map(|(b, r)| b.errors + r.errors).sum();
    println!(
        "handler calls: {} (expected {expected_handled}), errors {errors}",
        handled.load(Ordering::Relaxed)
    );
    assert_eq!(errors, 0, "errors");
    assert_eq!(handled.load(Ordering::Relaxed), expected_handled);
    drop(server_rt);
}
