//! Serving a receiver in production (feature `serve`): header-read and body-read timeouts,
//! a connection limit, and a graceful shutdown on `SIGTERM` / `SIGINT` that is bounded.
//!
//! `axum::serve` has no read timeouts and no connection limit: a client that opens
//! connections and drips header bytes holds a descriptor each for as long as it likes,
//! until the process runs out and genuine notifications get no answer. [`serve`] accepts
//! at most [`ServeConfig::max_connections`] connections at once (the next ones wait in the
//! kernel's backlog), closes a connection whose request head is not complete within
//! [`ServeConfig::header_read_timeout`], and fails a body that is not complete within
//! [`ServeConfig::body_read_timeout`] (the receiver answers 408).
//!
//! On shutdown it stops accepting at once, closes idle connections, lets requests in flight
//! finish (their handlers complete or release their claims) for up to
//! [`ServeConfig::shutdown_grace`], then returns even if a connection is still open (a
//! handler that does not end): a claim left behind expires with its lease, and DOKU's retry
//! is served by another replica. A connection whose request head has not arrived within
//! [`HEAD_AFTER_SHUTDOWN`] of the shutdown is closed then (nothing of it reached the
//! receiver; its sender retries), rather than held for the header timeout. A rolling
//! deploy loses nothing.
//!
//! ```no_run
//! # async fn run(receiver: doku_pay_receiver::Receiver) -> std::io::Result<()> {
//! use doku_pay_receiver::serve::{ServeConfig, serve, shutdown_signal};
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
//! serve(listener, receiver.router(), ServeConfig::default(), shutdown_signal()).await
//! # }
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use futures_util::future::{Either, select};
use http::Request;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

/// How long, once a shutdown begins, a connection with no request in progress may still
/// take to deliver a request head before it is closed.
pub const HEAD_AFTER_SHUTDOWN: Duration = Duration::from_secs(1);

/// The limits [`serve`] applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServeConfig {
    /// Longest from a connection's start (or the end of its previous request) to the end of
    /// a request head; then the connection is closed (default 10 s).
    pub header_read_timeout: Duration,
    /// Longest to receive a request's whole body, from when its head was read; then reading
    /// it fails and the receiver answers 408 (default 30 s).
    pub body_read_timeout: Duration,
    /// Most connections open at once (default 512; keep it well under the process's
    /// descriptor limit, `ulimit -n`).
    pub max_connections: usize,
    /// Longest a shutdown waits for requests in flight (default 25 s, under Kubernetes'
    /// default 30 s grace period).
    pub shutdown_grace: Duration,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 512,
            shutdown_grace: Duration::from_secs(25),
        }
    }
}

impl ServeConfig {
    /// Sets [`ServeConfig::header_read_timeout`].
    pub fn header_read_timeout(mut self, d: Duration) -> Self {
        self.header_read_timeout = d;
        self
    }

    /// Sets [`ServeConfig::body_read_timeout`].
    pub fn body_read_timeout(mut self, d: Duration) -> Self {
        self.body_read_timeout = d;
        self
    }

    /// Sets [`ServeConfig::max_connections`] (at least 1).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Sets [`ServeConfig::shutdown_grace`].
    pub fn shutdown_grace(mut self, d: Duration) -> Self {
        self.shutdown_grace = d;
        self
    }
}

/// Resolves on the first `SIGTERM` or `SIGINT` (Ctrl-C); on other platforms, on Ctrl-C.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        let term = std::pin::pin!(term.recv());
        let int = std::pin::pin!(int.recv());
        let _ = select(term, int).await;
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Serves `app` on `listener` with `config`'s limits until `shutdown` resolves, then shuts
/// down gracefully within [`ServeConfig::shutdown_grace`] (see the [module
/// documentation](self)). Errors accepting a connection (out of descriptors, ...) are
/// logged once per burst and retried; it returns `Ok` after the shutdown.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    config: ServeConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    // Tells each connection that the shutdown began.
    let (stopping, stop) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut accept_failing = false;
    let mut at_limit = false;
    loop {
        let permit = match Arc::clone(&slots).try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                if !at_limit {
                    at_limit = true;
                    tracing::warn!(
                        max_connections = config.max_connections,
                        "connection limit reached: new connections wait until one closes"
                    );
                }
                let acquire = std::pin::pin!(Arc::clone(&slots).acquire_owned());
                match select(acquire, shutdown.as_mut()).await {
                    Either::Left((Ok(p), _)) => p,
                    Either::Left((Err(_), _)) | Either::Right(_) => break,
                }
            }
        };
        let accepted = {
            let accept = std::pin::pin!(listener.accept());
            match select(accept, shutdown.as_mut()).await {
                Either::Left((r, _)) => r,
                Either::Right(_) => break,
            }
        };
        let stream = match accepted {
            Ok((stream, _peer)) => {
                if accept_failing {
                    accept_failing = false;
                    tracing::warn!("accepting connections again");
                }
                if at_limit && slots.available_permits() > 0 {
                    at_limit = false;
                }
                stream
            }
            Err(e) => {
                if !accept_failing {
                    accept_failing = true;
                    tracing::error!(error = %e, "cannot accept connections; retrying");
                }
                drop(permit);
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let busy = Arc::new(AtomicUsize::new(0));
        let started = Arc::new(AtomicUsize::new(0));
        let service = ConnService {
            app: app.clone(),
            body_timeout: config.body_read_timeout,
            busy: Arc::clone(&busy),
            started: Arc::clone(&started),
        };
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(config.header_read_timeout);
        let conn = builder.serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let mut conn = std::pin::pin!(conn);
            let stopped = std::pin::pin!(async move {
                let _ = stop.wait_for(|stopping| *stopping).await;
            });
            let stopping = matches!(select(conn.as_mut(), stopped).await, Either::Right(_));
            if stopping {
                // Shutting down: the graceful shutdown closes the connection once its
                // request in progress is answered (and its answer written), or at once if
                // idle; one still waiting for a request head is closed after
                // `HEAD_AFTER_SHUTDOWN`. A request in progress at the shutdown, or started
                // since, is waited for (within the grace): its answer may still be in
                // hyper's buffer after its body was dropped.
                let (active, seen) = (
                    busy.load(Ordering::Acquire) > 0,
                    started.load(Ordering::Acquire),
                );
                let waited = std::pin::pin!(tokio::time::sleep(HEAD_AFTER_SHUTDOWN));
                // (A request in progress now was in progress then, or started since.)
                if let Either::Right(_) = select(conn.as_mut(), waited).await
                    && (active || started.load(Ordering::Acquire) != seen)
                {
                    let _ = conn.await;
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    tracing::info!("shutting down: no new connections; waiting for requests in flight");
    let drained = std::pin::pin!(graceful.shutdown());
    let bound = std::pin::pin!(tokio::time::sleep(config.shutdown_grace));
    match select(drained, bound).await {
        Either::Left(_) => tracing::info!("every connection closed"),
        Either::Right(_) => tracing::warn!(
            grace = ?config.shutdown_grace,
            "connections still open after the shutdown grace; exiting without them"
        ),
    }
    Ok(())
}

/// The error of a body not received within [`ServeConfig::body_read_timeout`]; the
/// receiver answers it with 408.
#[derive(Debug, thiserror::Error)]
#[error("request body not received within {0:?}")]
pub struct BodyReadTimeout(pub Duration);

/// A request body that fails once its deadline passes.
struct TimedBody {
    inner: Incoming,
    limit: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl HttpBody for TimedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(BodyReadTimeout(self.limit)))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Hyper's per-connection service: the app, with each body under its deadline.
#[derive(Clone)]
struct ConnService {
    app: Router,
    body_timeout: Duration,
    /// Requests of this connection in progress: from the head's arrival until the
    /// answer's body is written (or dropped).
    busy: Arc<AtomicUsize>,
    /// Requests of this connection started so far.
    started: Arc<AtomicUsize>,
}

/// Counts a request in progress while alive.
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Self(Arc::clone(count))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// An answer's body, keeping its request counted as in progress until written.
struct AnswerBody {
    inner: Body,
    _busy: Busy,
}

impl HttpBody for AnswerBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl hyper::service::Service<Request<Incoming>> for ConnService {
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let (parts, body) = req.into_parts();
        let body = Body::new(TimedBody {
            inner: body,
            limit: self.body_timeout,
            deadline: Box::pin(tokio::time::sleep(self.body_timeout)),
        });
        let req = Request::from_parts(parts, body);
        let app = self.app.clone();
        let busy = Busy::new(&self.busy);
        self.started.fetch_add(1, Ordering::AcqRel);
        Box::pin(async move {
            use tower::ServiceExt as _;
            let answer = app.oneshot(req).await?;
            Ok(answer.map(|inner| Body::new(AnswerBody { inner, _busy: busy })))
        })
    }
}
