//! `doku listen`: a notification receiver that prints each verified notification as one JSON
//! line on stdout and reports every rejection on stderr. It deduplicates through the store
//! `--store` names (several `doku listen` processes share a Redis or PostgreSQL one), and
//! serves with read timeouts, a connection limit and a bounded graceful shutdown on SIGTERM
//! and SIGINT.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use clap::Args;
use doku_pay::Notification;
use doku_pay::receiver::{BoxError, Receiver};
use doku_pay_receiver::serve::{ServeConfig, serve, shutdown_signal};
use doku_pay_receiver::store::{OpenOptions, open_with};
use doku_pay_receiver::{RedisTls, StoreError};

use crate::failure::Failure;
use crate::target::{CredArgs, Secret};

/// Arguments of `listen`.
#[derive(Debug, Args)]
pub(crate) struct ListenArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The path of your notification URL (it is part of what DOKU signs).
    #[arg(long, default_value = "/payments/notifications")]
    path: String,
    /// Where claims and completions are kept: `memory`,
    /// `redis://[[user]:password@]host:port/[db]`, `rediss://...` (TLS; the system's roots,
    /// SSL_CERT_FILE or --store-ca), `redis+unix:///path/redis.sock`,
    /// `redis-cluster://[[user]:password@]host:port,host:port...`, `rediss-cluster://...`
    /// (TLS, trusted likewise) or `postgres://user[:password]@host/db[?sslmode=require]` (shared by several listeners;
    /// prefer DOKU_STORE for a URL with a password: flags show in process lists).
    #[arg(
        long,
        env = "DOKU_STORE",
        hide_env_values = true,
        default_value = "memory"
    )]
    store: Secret,
    /// A `rediss://` or `rediss-cluster://` store's certificate authority (PEM file), trusted
    /// instead of the system's roots.
    #[arg(long, env = "DOKU_STORE_CA", value_name = "FILE")]
    store_ca: Option<PathBuf>,
    /// The certificate (PEM file) a `rediss://` or `rediss-cluster://` store presents to a
    /// Redis that asks clients for one (`tls-auth-clients yes`), with --store-client-key.
    #[arg(
        long,
        env = "DOKU_STORE_CLIENT_CERT",
        value_name = "FILE",
        requires = "store_client_key"
    )]
    store_client_cert: Option<PathBuf>,
    /// The private key (PEM file) of --store-client-cert.
    #[arg(
        long,
        env = "DOKU_STORE_CLIENT_KEY",
        value_name = "FILE",
        requires = "store_client_cert"
    )]
    store_client_key: Option<PathBuf>,
    /// A claim's lease in seconds (default: the store's, 600): how long a notification
    /// whose listener died stays claimed before another listener may handle it.
    #[arg(long, value_name = "SECS")]
    lease_secs: Option<f64>,
    #[command(flatten)]
    serve: ServeArgs,
    #[command(flatten)]
    creds: CredArgs,
}

impl ListenArgs {
    /// What a `rediss://` or `rediss-cluster://` store trusts and presents, if a flag says
    /// more than the defaults (the system's roots, no client certificate).
    fn redis_tls(&self) -> Result<Option<RedisTls>, Failure> {
        let read = |flag: &str, path: &Path| {
            std::fs::read(path)
                .map_err(|e| Failure::input(format!("--{flag} {}: {e}", path.display())))
        };
        let mut tls = None;
        if let Some(ca) = &self.store_ca {
            tls = Some(RedisTls::new().root_cert(read("store-ca", ca)?));
        }
        if let (Some(cert), Some(key)) = (&self.store_client_cert, &self.store_client_key) {
            tls = Some(tls.unwrap_or_default().client_cert(
                read("store-client-cert", cert)?,
                read("store-client-key", key)?,
            ));
        }
        Ok(tls)
    }
}

/// Production serving limits, shared by `listen` and `sim`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ServeArgs {
    /// Seconds to receive a request head before the connection is closed.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    header_timeout: f64,
    /// Seconds to receive a request body before it is answered 408.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    body_timeout: f64,
    /// Most connections open at once (keep it under `ulimit -n`).
    #[arg(long, default_value_t = 512)]
    max_connections: usize,
    /// Seconds a shutdown (SIGTERM, SIGINT) waits for requests in flight.
    #[arg(long, value_name = "SECS", default_value_t = 25.0)]
    shutdown_grace: f64,
}

/// Seconds given on the command line as a duration; refuses negative, NaN and huge values.
pub(crate) fn seconds(flag: &str, secs: f64) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(secs)
        .map_err(|_| Failure::input(format!("--{flag} takes a number of seconds, got {secs}")))
}

/// [`seconds`], refusing zero too: a timeout of zero would close every connection at once.
fn timeout(flag: &str, secs: f64) -> Result<Duration, Failure> {
    let d = seconds(flag, secs)?;
    if d.is_zero() {
        return Err(Failure::input(format!(
            "--{flag} must be more than 0 seconds (0 would time every request out at once)"
        )));
    }
    Ok(d)
}

impl ServeArgs {
    pub(crate) fn config(&self) -> Result<ServeConfig, Failure> {
        if self.max_connections == 0 {
            return Err(Failure::input(
                "--max-connections must be at least 1 (0 would serve nothing)",
            ));
        }
        Ok(ServeConfig::default()
            .header_read_timeout(timeout("header-timeout", self.header_timeout)?)
            .body_read_timeout(timeout("body-timeout", self.body_timeout)?)
            .max_connections(self.max_connections)
            .shutdown_grace(seconds("shutdown-grace", self.shutdown_grace)?))
    }
}

/// Logs warnings and errors (store outages, lost claims, refused connections) on stderr.
pub(crate) fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

pub(crate) async fn run(a: ListenArgs) -> Result<(), Failure> {
    let creds = a.creds.credentials()?.ok_or_else(|| {
        Failure::input(
            "listen needs the merchant's credentials: set DOKU_CLIENT_ID and DOKU_SECRET_KEY",
        )
    })?;
    if !a.path.starts_with('/') {
        return Err(Failure::input(format!(
            "--path must start with `/`, got `{}`",
            a.path
        )));
    }
    init_logging();
    let config = a.serve.config()?;
    let mut options = OpenOptions::default();
    if let Some(secs) = a.lease_secs {
        options = options.lease(seconds("lease-secs", secs)?);
    }
    if let Some(tls) = a.redis_tls()? {
        options = options.redis_tls(tls);
    }
    // The store's errors never repeat its URL (it may carry a password).
    let store = open_with(a.store.expose(), options)
        .await
        .map_err(|e| store_failure("cannot open the store", &e))?;
    let store_kind = a
        .store
        .expose()
        .split("://")
        .next()
        .unwrap_or("memory")
        .to_owned();
    let receiver = Receiver::builder(a.path.clone(), |n: Notification| async move {
        // One JSON document per line. The raw body is kept byte for byte, so it may span
        // lines; a line break in valid JSON is only ever whitespace between tokens (inside
        // strings it is escaped), so turning it into a space keeps the same document.
        let line = serde_json::to_string(&n)?.replace(['\n', '\r'], " ");
        // Not acknowledged unless printed: a closed or full stdout fails the handler
        // (500, DOKU retries) rather than panicking.
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), "{line}")
            .map_err(|e| format!("cannot print the notification: {e}"))?;
        Ok::<(), BoxError>(())
    })
    .credentials(&creds)
    .store(store)
    .build()
    .map_err(Failure::from)?;
    let app = receiver.router().layer(middleware::from_fn(report));
    let listener = tokio::net::TcpListener::bind(a.addr)
        .await
        .map_err(|e| Failure::input(format!("cannot listen on {}: {e}", a.addr)))?;
    let addr = listener.local_addr().unwrap_or(a.addr);
    eprintln!(
        "listening for DOKU notifications for {} on http://{addr}{} (store: {store_kind}; Ctrl-C to stop)",
        creds.client_id, a.path
    );
    serve(listener, app, config, shutdown_requested())
        .await
        .map_err(|e| Failure::refused(format!("server error: {e}")))?;
    eprintln!("stopped");
    Ok(())
}

/// A store that cannot be opened: bad input (exit 2) when it is misconfigured, a failed
/// check (exit 1) when it is unreachable or refuses.
pub(crate) fn store_failure(what: &str, e: &StoreError) -> Failure {
    // The library's hints and checks name its API; say which flags do the same here.
    let text = e.to_string();
    let flags = [
        ("RedisTls::root_cert", "; here: --store-ca FILE"),
        (
            "RedisTls::client_cert",
            "; here: --store-client-cert FILE --store-client-key FILE",
        ),
        (": the certificate authority given ", "; here: --store-ca"),
        (": the CA ", "; here: --store-ca"),
        (": the client's certificate ", "; here: --store-client-cert"),
        (": the client's key ", "; here: --store-client-key"),
    ]
    .iter()
    .find(|(api, _)| text.contains(api))
    .map_or("", |(_, flags)| flags);
    match e {
        StoreError::Config(_) => Failure::input(format!("{what}: {text}{flags}")),
        _ => Failure::refused(format!("{what}: {text}{flags}")),
    }
}

/// Resolves on the first SIGTERM or SIGINT (Ctrl-C), which starts a graceful shutdown; a
/// second one during it exits at once (status 130), without waiting for what is in flight
/// (claims held expire with their lease).
pub(crate) async fn shutdown_requested() {
    shutdown_signal().await;
    eprintln!("stopping: waiting for requests in flight (Ctrl-C again to exit now)");
    tokio::spawn(async {
        shutdown_signal().await;
        eprintln!("stopped at once by a second signal");
        std::process::exit(130);
    });
}

/// Reports every answer other than 200 on stderr, with the receiver's short reason.
async fn report(req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let resp = next.run(req).await;
    if resp.status().is_success() {
        return resp;
    }
    let status = resp.status();
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    eprintln!(
        "rejected {method} {path}: {} {}",
        status.as_u16(),
        String::from_utf8_lossy(&bytes).trim()
    );
    Response::from_parts(parts, Body::from(bytes))
}
