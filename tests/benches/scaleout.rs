//! How the notification rate scales from one to three receiver processes on one Redis.
//!
//! `cargo bench -p doku-tests --bench scaleout` starts a `redis-server` (append-only,
//! `appendfsync always`, as the proof runs it), then 1 and 3 `proof_receiver` processes (the
//! production receiver, `serve` and `RedisStore`, with a handler appending a line to a file)
//! and sends the same kind of signed notifications, round-robin over the processes, through
//! `DOKU_BENCH_CONCURRENCY` keep-alive connections (default 32), `DOKU_BENCH_REQUESTS` per
//! run (default 20,000). Everything shares the machine's cores, so on two cores more
//! processes add contention for them, not capacity: the figure to read is what is lost.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use doku_pay_core::SecretKey;
use doku_pay_testkit::servers::{RedisServer, TempDir, free_port, signal};
use doku_pay_testkit::{CLIENT_ID, SECRET, notification_headers};

const BIN: &str = env!("CARGO_BIN_EXE_proof_receiver");
const PATH: &str = "/payments/notifications";

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        signal(self.0.id(), "TERM");
        let _ = self.0.wait();
    }
}

fn start(store: &str, dir: &std::path::Path) -> (Proc, u16) {
    let port = free_port();
    let child = Command::new(BIN)
        .env("PROOF_ADDR", format!("127.0.0.1:{port}"))
        .env("PROOF_STORE", store)
        .env("PROOF_DIR", dir)
        .env("PROOF_LEASE_MS", "600000")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("proof_receiver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "receiver did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (Proc(child), port)
}

struct Req {
    headers: [(&'static str, String); 4],
    body: Vec<u8>,
}

fn presign(prefix: &str, n: usize) -> Vec<Req> {
    let secret = SecretKey::new(SECRET).expect("secret");
    (0..n)
        .map(|i| {
            let body = serde_json::to_vec(&serde_json::json!({
                "channel": {"id": "EMONEY_PROOF"},
                "order": {"invoice_number": format!("INV-{prefix}-{i}"), "amount": 10000},
                "transaction": {"status": "SUCCESS"}
            }))
            .expect("body");
            let rid = format!("{prefix}-{i:08}");
            let headers = notification_headers(
                CLIENT_ID,
                &secret,
                &rid,
                "2021-01-27T03:24:30Z",
                PATH,
                &body,
            );
            Req { headers, body }
        })
        .collect()
}

async fn drive(urls: &[String], reqs: Arc<Vec<Req>>, concurrency: usize) -> (f64, Duration, usize) {
    let client = doku_pay_core::transport::http_client_builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("client");
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, reqs, next, errors, urls) = (
                client.clone(),
                Arc::clone(&reqs),
                Arc::clone(&next),
                Arc::clone(&errors),
                urls.to_vec(),
            );
            tokio::spawn(async move {
                let mut lat = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(r) = reqs.get(i) else { break };
                    let t = Instant::now();
                    let mut req = client.post(&urls[i % urls.len()]).body(r.body.clone());
                    for (name, value) in &r.headers {
                        req = req.header(*name, value);
                    }
                    let ok = match req.send().await {
                        Ok(res) => res.status() == 200 && res.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    lat.push(t.elapsed());
                    if !ok {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.expect("worker"));
    }
    let rps = all.len() as f64 / started.elapsed().as_secs_f64();
    all.sort();
    let p99 = all[((all.len() as f64 * 0.99) as usize).min(all.len() - 1)];
    (rps, p99, errors.load(Ordering::Relaxed))
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let requests = if quick {
        300
    } else {
        env_usize("DOKU_BENCH_REQUESTS", 20_000)
    };
    let concurrency = env_usize("DOKU_BENCH_CONCURRENCY", 32);
    let Some(redis) = RedisServer::start("scaleout benchmark") else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "{requests} requests per run, {concurrency} connections, one Redis (appendfsync always)"
    );
    let mut base = None;
    for processes in [1, 3] {
        let dir = TempDir::new("doku-scaleout").expect("dir");
        let procs: Vec<(Proc, u16)> = (0..processes)
            .map(|_| start(&redis.url(), dir.path()))
            .collect();
        let urls: Vec<String> = procs
            .iter()
            .map(|(_, port)| format!("http://127.0.0.1:{port}{PATH}"))
            .collect();
        let warm = Arc::new(presign(&format!("warm{processes}"), requests.min(1000)));
        rt.block_on(drive(&urls, warm, concurrency));
        let reqs = Arc::new(presign(&format!("run{processes}"), requests));
        let (rps, p99, errors) = rt.block_on(drive(&urls, reqs, concurrency));
        let ratio = rps / *base.get_or_insert(rps);
        println!(
            "{processes} process(es): {rps:>8.0} req/s  p99 {:>7.3} ms  errors {errors}  ({ratio:.2}x one process)",
            p99.as_secs_f64() * 1e3
        );
        assert_eq!(errors, 0, "errors");
        drop(procs);
    }
}
