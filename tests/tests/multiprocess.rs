//! The proof that receivers scale out: three receiver processes (`proof_receiver`, the
//! production receiver and serving code) share one Redis, then one PostgreSQL; a load
//! generator plays DOKU, sending signed notifications, each delivered three times to
//! different processes concurrently and retried (to the next process) until answered 2xx.
//! Meanwhile: the process running a slow handler is killed with SIGKILL (its claim's lease
//! expires and a retry is served by another process) and restarted, the store is restarted
//! half-way, and some handlers fail once. Counted at the end: none lost (every copy
//! acknowledged), every 2xx backed by an effect, and:
//!
//! * PostgreSQL (the handler writes in the inbox's transaction): every effect exactly once,
//!   with no exception;
//! * Redis (the handler's effect is outside the store): every notification's handler ran
//!   once, except those whose first run was in the process killed with SIGKILL and reached
//!   its effect before its completion reached Redis: those ran twice, the first time in the
//!   killed process. No duplicate comes from concurrency, the store's restart or a failing
//!   handler. This is the window a non-transactional store cannot close, and why handlers
//!   must be idempotent (or use the PostgreSQL inbox).
//!
//! `PROOF_NOTIFICATIONS` sets how many notifications (default 10,000, i.e. 30,000
//! deliveries per store; about 40 s for both stores on two cores, in a debug build).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use doku_pay_core::SecretKey;
use doku_pay_testkit::servers::{PostgresServer, RedisServer, TempDir, free_port, signal};
use doku_pay_testkit::{CLIENT_ID, SECRET, notification_headers};

const BIN: &str = env!("CARGO_BIN_EXE_proof_receiver");
const PATH: &str = "/payments/notifications";
const PROCESSES: usize = 3;
const LEASE_MS: u64 = 3000;
const FAIL_ONCE: usize = 5;
/// The generator gives up on a delivery after this long (a lost notification).
const GIVE_UP: Duration = Duration::from_secs(120);

fn notifications() -> usize {
    std::env::var("PROOF_NOTIFICATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// One receiver process, restartable on its port.
struct Proc {
    child: Option<Child>,
    port: u16,
    store: String,
    dir: PathBuf,
    log: PathBuf,
}

impl Proc {
    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(BIN)
            .env("PROOF_ADDR", format!("127.0.0.1:{}", self.port))
            .env("PROOF_STORE", &self.store)
            .env("PROOF_DIR", &self.dir)
            .env("PROOF_LEASE_MS", LEASE_MS.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "receiver on {} did not start",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            signal(c.id(), "TERM");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn body(invoice: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "channel": {"id": "EMONEY_PROOF"},
        "order": {"invoice_number": invoice, "amount": 10000},
        "transaction": {"status": "SUCCESS"}
    }))
    .unwrap()
}

#[derive(Default)]
struct Tally {
    acknowledged: AtomicUsize,
    lost: AtomicUsize,
    answers: Mutex<HashMap<u16, usize>>,
    done: AtomicUsize,
}

/// Delivers one copy: to `first`, then to the next process after every failure, until 2xx.
async fn deliver(
    http: &reqwest::Client,
    ports: &[u16],
    first: usize,
    headers: &[(&'static str, String); 4],
    body: &[u8],
    tally: &Tally,
) {
    let start = Instant::now();
    let mut target = first;
    loop {
        let url = format!("http://127.0.0.1:{}{PATH}", ports[target % ports.len()]);
        let mut req = http.post(url).body(body.to_vec());
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        let status = match req.send().await {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        };
        *tally.answers.lock().unwrap().entry(status).or_default() += 1;
        if (200..300).contains(&status) {
            tally.acknowledged.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if start.elapsed() > GIVE_UP {
            tally.lost.fetch_add(1, Ordering::Relaxed);
            return;
        }
        target += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs the proof against the store at `url`; `restart_store` restarts it; `effects`
/// lists the processes that had each invoice's effect, given their shared directory.
/// `exactly_once`: no duplicate at all; otherwise only the killed process's first runs
/// may be repeated.
async fn prove<R, E, F>(name: &str, url: String, exactly_once: bool, restart_store: R, effects: E)
where
    R: FnOnce() -> Result<(), String> + Send + 'static,
    E: FnOnce(PathBuf) -> F,
    F: std::future::Future<Output = HashMap<String, Vec<u32>>>,
{
    let n = notifications();
    let dir = TempDir::new("doku-proof").unwrap();
    let mut procs: Vec<Proc> = (0..PROCESSES)
        .map(|i| Proc {
            child: None,
            port: free_port(),
            store: url.clone(),
            dir: dir.path().to_path_buf(),
            log: dir.path().join(format!("receiver-{i}.log")),
        })
        .collect();
    for p in &mut procs {
        p.spawn();
    }
    let ports: Vec<u16> = procs.iter().map(|p| p.port).collect();
    let procs = Arc::new(Mutex::new(procs));

    // The invoices: one slow (killed while running), a few failing once, the rest plain.
    let mut invoices = vec!["SLOW-0".to_owned()];
    invoices.extend((0..FAIL_ONCE).map(|i| format!("FAILONCE-{i}")));
    invoices.extend((invoices.len()..n).map(|i| format!("INV-{i:06}")));
    let secret = SecretKey::new(SECRET).unwrap();
    let http = doku_pay_core::transport::http_client_builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let tally = Arc::new(Tally::default());
    let slots = Arc::new(tokio::sync::Semaphore::new(32));

    // The faults: SIGKILL the process running the slow handler, then restart it; restart
    // the store once half of the notifications are acknowledged.
    let killed = Arc::new(AtomicBool::new(false));
    let kill = {
        let (procs, killed, marker) = (
            Arc::clone(&procs),
            Arc::clone(&killed),
            dir.path().join("started-SLOW-0"),
        );
        tokio::task::spawn_blocking(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            let pid = loop {
                if let Some(pid) = std::fs::read_to_string(&marker)
                    .ok()
                    .and_then(|s| s.trim().parse::<u32>().ok())
                {
                    break pid;
                }
                assert!(Instant::now() < deadline, "the slow handler never started");
                std::thread::sleep(Duration::from_millis(5));
            };
            let mut procs = procs.lock().unwrap();
            let p = procs.iter_mut().find(|p| p.pid() == Some(pid)).unwrap();
            p.kill9();
            killed.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(300));
            p.spawn();
            pid
        })
    };
    let store_restarted = {
        let tally = Arc::clone(&tally);
        tokio::task::spawn_blocking(move || {
            while tally.done.load(Ordering::Relaxed) < n / 2 {
                std::thread::sleep(Duration::from_millis(10));
            }
            restart_store()
        })
    };

    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for (i, invoice) in invoices.iter().enumerate() {
        let permit = Arc::clone(&slots).acquire_owned().await.unwrap();
        let b = body(invoice);
        let rid = uuid::Uuid::new_v4().to_string();
        let headers =
            notification_headers(CLIENT_ID, &secret, &rid, "2021-01-27T03:24:30Z", PATH, &b);
        let (http, ports, tally) = (http.clone(), ports.clone(), Arc::clone(&tally));
        tasks.push(tokio::spawn(async move {
            let copies =
                (0..PROCESSES).map(|k| deliver(&http, &ports, i + k, &headers, &b, &tally));
            futures_util::future::join_all(copies).await;
            tally.done.fetch_add(1, Ordering::Relaxed);
            drop(permit);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();
    let killed_pid = kill.await.unwrap();
    store_restarted.await.unwrap().unwrap();

    let counts = effects(dir.path().to_path_buf()).await;
    let answers = tally.answers.lock().unwrap().clone();
    eprintln!("{name}: {n} notifications x {PROCESSES} copies in {elapsed:?}; answers {answers:?}");
    let logs: String = (0..PROCESSES)
        .map(|i| {
            std::fs::read_to_string(dir.path().join(format!("receiver-{i}.log")))
                .unwrap_or_default()
        })
        .collect();
    assert!(
        killed.load(Ordering::SeqCst),
        "{name}: no process was killed"
    );
    assert_eq!(
        tally.lost.load(Ordering::SeqCst),
        0,
        "{name}: lost deliveries; logs:\n{logs}"
    );
    assert_eq!(
        tally.acknowledged.load(Ordering::SeqCst),
        n * PROCESSES,
        "{name}"
    );
    for i in 0..FAIL_ONCE {
        assert!(
            dir.path().join(format!("failed-FAILONCE-{i}")).exists(),
            "{name}: FAILONCE-{i} never failed"
        );
    }
    let missing: Vec<_> = invoices
        .iter()
        .filter(|i| !counts.contains_key(*i))
        .collect();
    assert!(
        missing.is_empty(),
        "{name}: acknowledged without effect: {missing:?}"
    );
    assert_eq!(counts.len(), n, "{name}: effects of unknown invoices");
    let repeated: Vec<_> = counts.iter().filter(|(_, runs)| runs.len() != 1).collect();
    eprintln!(
        "{name}: {} effect(s) repeated after the SIGKILL of pid {killed_pid}",
        repeated.len()
    );
    if exactly_once {
        assert!(
            repeated.is_empty(),
            "{name}: effects not exactly once: {repeated:?}\nlogs:\n{logs}"
        );
    } else {
        let unexplained: Vec<_> = repeated
            .iter()
            .filter(|(_, runs)| runs.len() != 2 || runs[0] != killed_pid)
            .collect();
        assert!(
            unexplained.is_empty(),
            "{name}: effects repeated other than by the killed process: {unexplained:?}\nlogs:\n{logs}"
        );
    }
    assert!(
        answers.keys().any(|s| *s == 0 || *s >= 500),
        "{name}: no fault was ever visible to DOKU"
    );
}

/// The effects file's lines `{invoice} {pid}`, as the pids per invoice in order.
fn effect_lines(path: &Path) -> HashMap<String, Vec<u32>> {
    let mut runs: HashMap<String, Vec<u32>> = HashMap::new();
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        let (invoice, pid) = line.split_once(' ').unwrap();
        runs.entry(invoice.to_owned())
            .or_default()
            .push(pid.parse().unwrap());
    }
    runs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_on_one_redis_handle_each_notification_exactly_once() {
    let Some(redis) = RedisServer::start("three_processes_on_one_redis") else {
        return;
    };
    let url = redis.url();
    let redis = Arc::new(Mutex::new(redis));
    let restart = {
        let redis = Arc::clone(&redis);
        move || redis.lock().unwrap().restart()
    };
    prove("redis", url, false, restart, |dir| async move {
        effect_lines(&dir.join("effects"))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_on_one_postgres_handle_each_notification_exactly_once() {
    let Some(pg) = PostgresServer::start("three_processes_on_one_postgres") else {
        return;
    };
    let url = pg.url();
    {
        let store = doku_pay_receiver::PostgresStore::connect(&url)
            .await
            .unwrap();
        sqlx::raw_sql("CREATE TABLE effects (invoice text NOT NULL, pid bigint NOT NULL)")
            .execute(store.pool())
            .await
            .unwrap();
    }
    let pg = Arc::new(Mutex::new(pg));
    let restart = {
        let pg = Arc::clone(&pg);
        move || pg.lock().unwrap().restart()
    };
    let count_url = url.clone();
    prove("postgres", url, true, restart, |_| async move {
        let store = doku_pay_receiver::PostgresStore::connect(&count_url)
            .await
            .unwrap();
        let pending = store
            .list(doku_pay_receiver::InboxFilter::Pending, 10)
            .await
            .unwrap();
        assert!(pending.is_empty(), "inbox rows not done: {pending:?}");
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT invoice, pid FROM effects ORDER BY ctid")
                .fetch_all(store.pool())
                .await
                .unwrap();
        let mut runs: HashMap<String, Vec<u32>> = HashMap::new();
        for (invoice, pid) in rows {
            runs.entry(invoice)
                .or_default()
                .push(u32::try_from(pid).unwrap());
        }
        runs
    })
    .await;
}
