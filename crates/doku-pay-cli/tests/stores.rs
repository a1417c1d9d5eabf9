//! `doku listen --store` with real stores started by the test: two listeners on one Redis
//! (on one Redis Cluster, on Redis and Redis Cluster over TLS, on Redis over mutual TLS)
//! print a notification delivered to both once; a TLS Redis refusing a listener names the
//! flags that would connect; and with PostgreSQL, `doku inbox list | replay`: a notification whose handler failed is listed as
//! pending with its error, replayed byte for byte to a listener, and then done.

use std::io::Read as _;
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use doku_pay_core::{ClientId, NotificationVerifier, SecretKey};
use doku_pay_receiver::{Claimed, DedupeKey, DedupeStore, Delivery, PostgresStore};
use doku_pay_testkit::servers::{PostgresServer, RedisCluster, RedisServer, free_port};
use doku_pay_testkit::{CLIENT_ID, SECRET, notification_headers};

const BIN: &str = env!("CARGO_BIN_EXE_doku");
const PATH: &str = "/payments/notifications";

fn doku(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("DOKU_STORE")
        .env_remove("DOKU_STORE_CA")
        .env_remove("DOKU_STORE_CLIENT_CERT")
        .env_remove("DOKU_STORE_CLIENT_KEY")
        .env("DOKU_CLIENT_ID", CLIENT_ID)
        .env("DOKU_SECRET_KEY", SECRET)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn body(invoice: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "channel": {"id": "PEER_TO_PEER_AKULAKU"},
        "order": {"invoice_number": invoice, "amount": 90000},
        "transaction": {"status": "SUCCESS"}
    }))
    .unwrap()
}

/// Starts `doku listen --store {store}` on a free port; answers it and its URL.
fn listen(store: &str) -> (Running, String) {
    listen_with(store, &[])
}

/// [`listen`] with more environment variables.
fn listen_with(store: &str, env: &[(&str, &str)]) -> (Running, String) {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(BIN)
        .args(["listen", "--addr", &addr, "--path", PATH, "--store", store])
        .env("DOKU_CLIENT_ID", CLIENT_ID)
        .env("DOKU_SECRET_KEY", SECRET)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let running = Running(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "listen did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (running, format!("http://{addr}{PATH}"))
}

/// Stops a listener and answers what it printed.
fn printed(mut l: Running) -> String {
    let _ = l.0.kill();
    let _ = l.0.wait();
    let mut out = String::new();
    l.0.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    out
}

/// Two listeners on one Redis, on one Redis Cluster (`--store redis-cluster://...`), on one
/// Redis over TLS (`--store rediss://...`) and on one Redis Cluster over TLS (`--store
/// rediss-cluster://...`), the tests' certificate authorities trusted through
/// `SSL_CERT_FILE`, and on one Redis over mutual TLS, with `DOKU_STORE_CA`,
/// `DOKU_STORE_CLIENT_CERT` and `DOKU_STORE_CLIENT_KEY`: the same delivery to both, twice
/// each, is printed once.
#[test]
fn two_listeners_on_one_redis_print_a_notification_once() {
    let Some(redis) = RedisServer::start("two_listeners_on_one_redis") else {
        return;
    };
    let Some(cluster) = RedisCluster::start("two_listeners_on_one_redis_cluster") else {
        return;
    };
    let Some(tls) = RedisServer::start_tls("two_listeners_on_one_redis_over_tls") else {
        return;
    };
    let Some(tls_cluster) = RedisCluster::start_tls("two_listeners_on_one_redis_cluster_over_tls")
    else {
        return;
    };
    let Some(mutual) = RedisServer::start_mutual_tls("two_listeners_on_one_redis_over_mutual_tls")
    else {
        return;
    };
    let path = |p: std::path::PathBuf| p.display().to_string();
    let (mutual_ca, mutual_cert, mutual_key) = (
        path(mutual.ca_cert()),
        path(mutual.client_cert()),
        path(mutual.client_key()),
    );
    let ca = tls.ca_cert().display().to_string();
    let cluster_ca = tls_cluster.ca_cert().unwrap().display().to_string();
    // Each row: its name, the store URL, the listeners' extra environment.
    type Env<'a> = &'a [(&'a str, &'a str)];
    let rows: [(&str, String, Env); 5] = [
        ("redis", redis.url(), &[]),
        ("redis cluster", cluster.url(), &[]),
        (
            "redis over tls",
            tls.tls_url().unwrap(),
            &[("SSL_CERT_FILE", &ca)],
        ),
        (
            "redis cluster over tls",
            tls_cluster.tls_url().unwrap(),
            &[("SSL_CERT_FILE", &cluster_ca)],
        ),
        (
            "redis over mutual tls",
            mutual.tls_url().unwrap(),
            &[
                ("DOKU_STORE_CA", &mutual_ca),
                ("DOKU_STORE_CLIENT_CERT", &mutual_cert),
                ("DOKU_STORE_CLIENT_KEY", &mutual_key),
            ],
        ),
    ];
    for (name, store, env) in rows {
        two_listeners_print_once(name, &store, env);
    }
}

/// A Redis over mutual TLS that a listener cannot connect to: the error says which flags
/// would, the CA's (`--store-ca`), then a client certificate's (`--store-client-cert`,
/// `--store-client-key`); both exit 2 (bad input: no retry mends it).
#[test]
fn a_listener_refused_by_a_tls_redis_names_the_flags() {
    let Some(redis) = RedisServer::start_mutual_tls("a_listener_refused_by_a_tls_redis") else {
        return;
    };
    let url = redis.tls_url().unwrap();
    let ca = redis.ca_cert().display().to_string();
    let rows: [(&[&str], &str); 2] = [
        (&[], "; here: --store-ca FILE"),
        (
            &["--store-ca", &ca],
            "; here: --store-client-cert FILE --store-client-key FILE",
        ),
    ];
    for (extra, want) in rows {
        let args = [
            &["listen", "--addr", "127.0.0.1:0", "--store", &url][..],
            extra,
        ]
        .concat();
        let out = doku(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(want), "{extra:?}: {stderr}");
    }
}

fn two_listeners_print_once(name: &str, store: &str, env: &[(&str, &str)]) {
    let (a, url_a) = listen_with(store, env);
    let (b, url_b) = listen_with(store, env);
    let invoice = format!("INV-{}", name.replace(' ', "-").to_uppercase());
    let b_body = body(&invoice);
    let secret = SecretKey::new(SECRET).unwrap();
    let headers = notification_headers(
        CLIENT_ID,
        &secret,
        &format!("rid-{invoice}"),
        "2021-07-07T09:00:00Z",
        PATH,
        &b_body,
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = doku_pay_testkit::http_client();
    // The same delivery to both, twice each.
    for url in [&url_a, &url_b, &url_a, &url_b] {
        let mut req = client.post(url.as_str()).body(b_body.clone());
        for (n, v) in &headers {
            req = req.header(*n, v);
        }
        let status = rt.block_on(async { req.send().await.unwrap().status().as_u16() });
        assert_eq!(status, 200, "{name}");
    }
    let out = format!("{}{}", printed(a), printed(b));
    assert_eq!(out.lines().count(), 1, "{name}: printed once: {out}");
    assert!(
        out.contains(&format!("\"invoice_number\":\"{invoice}\"")),
        "{name}: {out}"
    );
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_failed_notification_is_listed_replayed_and_then_done() {
    let Some(pg) = PostgresServer::start("a_failed_notification_is_listed_replayed") else {
        return;
    };
    let url = pg.url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // A delivery whose handler failed, as a listener would have left it.
    let b = body("INV-REPLAY-1");
    let secret = SecretKey::new(SECRET).unwrap();
    let mut headers = http::HeaderMap::new();
    for (n, v) in notification_headers(
        CLIENT_ID,
        &secret,
        "rid-replay-1",
        "2021-07-07T09:00:00Z",
        PATH,
        &b,
    ) {
        headers.insert(n, v.parse().unwrap());
    }
    let verified = NotificationVerifier::new()
        .merchant(ClientId::new(CLIENT_ID).unwrap(), secret)
        .verify(&headers, PATH, &b)
        .unwrap();
    rt.block_on(async {
        let store = PostgresStore::connect(&url).await.unwrap();
        let key = DedupeKey::of(&verified);
        let signature = headers["Signature"].to_str().unwrap();
        let Claimed::New(token) = store
            .claim_delivery(&key, &Delivery::new(PATH, signature, &verified))
            .await
            .unwrap()
        else {
            panic!("not claimed");
        };
        assert!(
            store
                .release_failed(&key, token, "database down")
                .await
                .unwrap()
        );
    });

    let pending = doku(&[
        "inbox", "list", "--store", &url, "--state", "pending", "--json",
    ]);
    assert!(pending.status.success(), "{pending:?}");
    let rows = lines(&pending);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["state"], "failed");
    assert_eq!(rows[0]["request_id"], "rid-replay-1");
    assert_eq!(rows[0]["last_error"], "database down");
    assert_eq!(rows[0]["body"], String::from_utf8(b.clone()).unwrap());
    // Times in RFC 3339, in UTC.
    let received = rows[0]["received_at"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(received, &time::format_description::well_known::Rfc3339)
            .is_ok()
            && received.ends_with('Z'),
        "{received}"
    );

    // A listener on the same store; the replay reaches it and its handler.
    let (listener, to) = listen(&url);
    // Not a receiver's URL: refused before anything is read or sent.
    for bad in [
        to.trim_start_matches("http://"),
        "ftp://127.0.0.1/x",
        "http://127.0.0.1/x?a=1",
    ] {
        let refused = doku(&["inbox", "replay", "--store", &url, "--to", bad]);
        assert_eq!(refused.status.code(), Some(2), "{bad}: {refused:?}");
        assert!(
            String::from_utf8_lossy(&refused.stderr)
                .contains("--to must be the receiver's notification URL"),
            "{bad}: {refused:?}"
        );
    }
    // Nothing listening there: not delivered, saying why, no made-up status.
    let nowhere = format!("http://127.0.0.1:{}{PATH}", free_port());
    let undelivered = doku(&["inbox", "replay", "--store", &url, "--to", &nowhere]);
    assert_eq!(undelivered.status.code(), Some(1), "{undelivered:?}");
    assert!(
        String::from_utf8_lossy(&undelivered.stdout)
            .starts_with("not delivered (Connection refused"),
        "{undelivered:?}"
    );
    // Another path than the one DOKU signed: skipped, saying why, and still pending.
    let elsewhere = to.replace(PATH, "/other");
    let skipped = doku(&["inbox", "replay", "--store", &url, "--to", &elsewhere]);
    assert_eq!(skipped.status.code(), Some(1), "{skipped:?}");
    assert!(
        String::from_utf8_lossy(&skipped.stderr).contains(&format!("it was received on {PATH}")),
        "{skipped:?}"
    );
    let replay = doku(&["inbox", "replay", "--store", &url, "--to", &to]);
    assert!(replay.status.success(), "{replay:?}");
    assert!(
        String::from_utf8_lossy(&replay.stdout).starts_with("200 ok"),
        "{replay:?}"
    );
    assert!(
        String::from_utf8_lossy(&replay.stderr).contains("1 notification(s) replayed"),
        "{replay:?}"
    );
    // Nothing left to replay; replaying again sends nothing, says so, and succeeds.
    let again = doku(&["inbox", "replay", "--store", &url, "--to", &to]);
    assert!(
        again.status.success()
            && again.stdout.is_empty()
            && String::from_utf8_lossy(&again.stderr).contains("0 notification(s) replayed"),
        "{again:?}"
    );

    let done = doku(&[
        "inbox", "list", "--store", &url, "--state", "done", "--json",
    ]);
    let rows = lines(&done);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["attempts"], 2);
    assert_eq!(rows[0]["last_error"], serde_json::Value::Null);
    assert!(
        lines(&doku(&[
            "inbox", "list", "--store", &url, "--state", "pending", "--json"
        ]))
        .is_empty()
    );

    let printed = printed(listener);
    assert_eq!(printed.lines().count(), 1, "{printed}");
    assert!(printed.contains("INV-REPLAY-1"), "{printed}");

    // Only a PostgreSQL store has an inbox.
    let refused = doku(&["inbox", "list", "--store", "memory"]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
}
