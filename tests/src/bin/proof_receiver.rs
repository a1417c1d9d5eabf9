//! A receiver process for the multi-process proof (`tests/tests/multiprocess.rs`): the
//! production receiver and serving code, a shared store, and a handler whose effect can be
//! counted afterwards.
//!
//! Configured by environment:
//!
//! * `PROOF_ADDR`: the address to listen on;
//! * `PROOF_STORE`: `redis://...` or `postgres://...`;
//! * `PROOF_LEASE_MS`: the claim's lease;
//! * `PROOF_DIR`: a directory shared by the processes, for markers (and, with Redis, the
//!   effects file `effects`, one line per handled notification).
//!
//! The handler's behaviour is chosen by the invoice number: `SLOW-...` writes the marker
//! `started-{invoice}` then sleeps 2 s before its effect (the test kills the process
//! meanwhile); `FAILONCE-...` fails the first time any process handles it (the marker
//! `failed-{invoice}` is created atomically); anything else has its effect at once. With
//! PostgreSQL the effect is a row of `effects` (invoice, pid), written in the inbox's
//! transaction; with Redis, a line `{invoice} {pid}` appended to the effects file (outside
//! any transaction with the store: a process killed after it and before the completion
//! leaves an effect that the retry repeats, which is why handlers on a non-transactional
//! store must be idempotent).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use doku_pay_core::{ClientId, Notification, SecretKey};
use doku_pay_receiver::serve::{ServeConfig, serve, shutdown_signal};
use doku_pay_receiver::{BoxError, PostgresStore, Receiver, RedisStore, inbox_handler};
use doku_pay_testkit::{CLIENT_ID, NotificationOnly, SECRET, notification_only_descriptor};

const PATH: &str = "/payments/notifications";

/// The channel of the proof's notifications (`EMONEY_PROOF`), registered in this binary.
static PROOF_DESCRIPTOR: doku_pay_core::ChannelDescriptor =
    notification_only_descriptor("proofpay", "Proof Pay", "EMONEY_PROOF", "PROOF");

doku_pay_core::register_channel!(PROOF_DESCRIPTOR, || Box::new(NotificationOnly(
    &PROOF_DESCRIPTOR
)));

/// What the handler does before its effect; `Err` to fail.
async fn before_effect(dir: &Path, invoice: &str) -> Result<(), BoxError> {
    if invoice.starts_with("SLOW-") {
        std::fs::write(
            dir.join(format!("started-{invoice}")),
            std::process::id().to_string(),
        )?;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    if invoice.starts_with("FAILONCE-") {
        let first = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dir.join(format!("failed-{invoice}")))
            .is_ok();
        if first {
            return Err("failing once, as planned".into());
        }
    }
    Ok(())
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} is not set"))
}

async fn run() -> Result<(), String> {
    let addr = env("PROOF_ADDR")?;
    let store_url = env("PROOF_STORE")?;
    let dir = PathBuf::from(env("PROOF_DIR")?);
    let lease = Duration::from_millis(
        env("PROOF_LEASE_MS")?
            .parse()
            .map_err(|e| format!("PROOF_LEASE_MS: {e}"))?,
    );
    let merchant = |b: doku_pay_receiver::ReceiverBuilder| {
        b.merchant(
            ClientId::new(CLIENT_ID).expect("client id"),
            SecretKey::new(SECRET).expect("secret"),
        )
    };
    let receiver = if store_url.starts_with("postgres") {
        let store = PostgresStore::connect(&store_url)
            .await
            .map_err(|e| e.to_string())?
            .lease(lease);
        let dir = dir.clone();
        merchant(store.receiver(
            PATH,
            inbox_handler(move |n: Notification, tx| {
                let dir = dir.clone();
                Box::pin(async move {
                    before_effect(&dir, &n.invoice_number).await?;
                    sqlx::query("INSERT INTO effects (invoice, pid) VALUES ($1, $2)")
                        .bind(&n.invoice_number)
                        .bind(i64::from(std::process::id()))
                        .execute(&mut *tx)
                        .await?;
                    Ok::<(), BoxError>(())
                })
            }),
        ))
    } else {
        let store = RedisStore::connect(&store_url)
            .await
            .map_err(|e| e.to_string())?
            .lease(lease);
        let effects = dir.join("effects");
        merchant(
            Receiver::builder(PATH, move |n: Notification| {
                let (dir, effects) = (dir.clone(), effects.clone());
                async move {
                    before_effect(&dir, &n.invoice_number).await?;
                    // The effect: one line per run, `{invoice} {pid}`, in one write with
                    // O_APPEND (lines of concurrent processes never interleave).
                    let mut f = std::fs::OpenOptions::new()
                        .append(true)
                        .create(true)
                        .open(&effects)?;
                    let line = format!("{} {}\n", n.invoice_number, std::process::id());
                    f.write_all(line.as_bytes())?;
                    Ok::<(), BoxError>(())
                }
            })
            .store(store),
        )
    }
    .build()
    .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let config = ServeConfig::default().shutdown_grace(Duration::from_secs(5));
    serve(listener, receiver.router(), config, shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("no runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("proof receiver: {e}");
            ExitCode::FAILURE
        }
    }
}
