//! Building, starting and controlling a simulator.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::serve::ListenerExt as _;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::config::{FaultConfig, SimConfig};
use crate::engine::Engine;
use crate::error::SimError;
use crate::plugin::{self, SimChannel};
use crate::status::Outcome;
use crate::store::{Delivery, OrderSnapshot, StoreStats};

/// Builds a simulator from a configuration and a set of channel plugins.
pub struct SimulatorBuilder {
    config: SimConfig,
    channels: Vec<Box<dyn SimChannel>>,
}

impl std::fmt::Debug for SimulatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatorBuilder")
            .field("config", &self.config)
            .field(
                "channels",
                &self
                    .channels
                    .iter()
                    .map(|c| c.descriptor().id)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl SimulatorBuilder {
    /// A builder with no channels yet.
    pub fn new(config: SimConfig) -> Self {
        Self {
            config,
            channels: Vec::new(),
        }
    }

    /// Adds a channel plugin explicitly (the fallback to `inventory` registration).
    pub fn channel(mut self, channel: impl SimChannel) -> Self {
        self.channels.push(Box::new(channel));
        self
    }

    /// Adds boxed channel plugins.
    pub fn channels(mut self, channels: impl IntoIterator<Item = Box<dyn SimChannel>>) -> Self {
        self.channels.extend(channels);
        self
    }

    /// Adds every plugin registered through `inventory` in this binary (a channel already
    /// added with the same id is kept once).
    pub fn registered_channels(self) -> Self {
        self.channels(plugin::registered())
    }

    /// The ids of the channels added so far.
    pub fn channel_ids(&self) -> Vec<&'static str> {
        self.channels.iter().map(|c| c.descriptor().id).collect()
    }

    /// Starts on `127.0.0.1` with an ephemeral port.
    pub async fn start(self) -> Result<SimHandle, SimError> {
        self.start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts on `addr`.
    pub async fn start_on(self, addr: SocketAddr) -> Result<SimHandle, SimError> {
        let listener = TcpListener::bind(addr).await?;
        self.start_with_listener(listener)
    }

    /// Starts serving on an already bound listener (must be called inside a Tokio runtime).
    pub fn start_with_listener(self, listener: TcpListener) -> Result<SimHandle, SimError> {
        self.start_with_server(listener, |listener, app, shutdown| async move {
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(error = %e, "simulator server stopped");
            }
        })
    }

    /// Starts serving on an already bound listener through `server`, which serves the
    /// simulator's router until the shutdown future it is given resolves (e.g. a server with
    /// read timeouts and a connection limit; [`SimulatorBuilder::start_with_listener`] uses
    /// plain `axum::serve`). Must be called inside a Tokio runtime.
    pub fn start_with_server<S, F>(
        self,
        listener: TcpListener,
        server: S,
    ) -> Result<SimHandle, SimError>
    where
        S: FnOnce(TcpListener, axum::Router, futures_util::future::BoxFuture<'static, ()>) -> F,
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let state = Arc::new(Engine::build(self.config, self.channels, base_url.clone())?);
        let app = crate::http::router(state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let shutdown = Box::pin(async move {
            let _ = rx.await;
        });
        let task = tokio::spawn(server(listener, app, shutdown));
        Ok(SimHandle {
            state,
            addr,
            base_url,
            stop: Mutex::new(Some(tx)),
            task: Mutex::new(Some(task)),
        })
    }
}

/// A running simulator: its address and the control API as Rust methods. Dropping it stops
/// the server and pending notification retries.
pub struct SimHandle {
    state: Arc<Engine>,
    addr: SocketAddr,
    base_url: String,
    stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl SimHandle {
    /// The base URL, such as `http://127.0.0.1:41234` (no trailing `/`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The ids of the channels served.
    pub fn channel_ids(&self) -> Vec<&'static str> {
        self.state
            .channels
            .iter()
            .map(|c| c.descriptor().id)
            .collect()
    }

    /// The endpoint paths served (besides Check Status and `/_sim/`).
    pub fn endpoints(&self) -> Vec<&'static str> {
        self.state.routes.iter().map(|r| r.path).collect()
    }

    /// Completes the pending payment with this invoice number (of the only merchant that has
    /// it) and starts its notification.
    pub fn complete(&self, invoice: &str, outcome: Outcome) -> Result<OrderSnapshot, SimError> {
        self.state.complete(None, invoice, outcome)
    }

    /// Completes the pending payment with this invoice number of merchant `client_id`.
    pub fn complete_for(
        &self,
        client_id: &str,
        invoice: &str,
        outcome: Outcome,
    ) -> Result<OrderSnapshot, SimError> {
        self.state.complete(Some(client_id), invoice, outcome)
    }

    /// The order with this invoice number (of the only merchant that has it).
    pub fn order(&self, invoice: &str) -> Result<OrderSnapshot, SimError> {
        self.state.order_snapshot(None, invoice)
    }

    /// The order with this invoice number of merchant `client_id`.
    pub fn order_for(&self, client_id: &str, invoice: &str) -> Result<OrderSnapshot, SimError> {
        self.state.order_snapshot(Some(client_id), invoice)
    }

    /// The notifications of an order and their attempts.
    pub fn deliveries(&self, invoice: &str) -> Result<Vec<Delivery>, SimError> {
        Ok(self.order(invoice)?.deliveries)
    }

    /// Waits (polling every few milliseconds, at most `cap`) until `done` holds for the
    /// order's deliveries, and returns them.
    pub async fn wait_for_deliveries(
        &self,
        invoice: &str,
        cap: Duration,
        mut done: impl FnMut(&[Delivery]) -> bool,
    ) -> Result<Vec<Delivery>, SimError> {
        // A cap beyond the clock's range never ends the wait.
        let deadline = tokio::time::Instant::now().checked_add(cap);
        loop {
            let d = self.deliveries(invoice)?;
            if done(&d) {
                return Ok(d);
            }
            if deadline.is_some_and(|at| tokio::time::Instant::now() >= at) {
                return Err(SimError::Timeout(format!(
                    "deliveries of `{invoice}`: {d:?}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The fault configuration in force.
    pub fn faults(&self) -> FaultConfig {
        self.state.faults().config.clone()
    }

    /// Replaces the fault configuration (faults are then decided with its seed).
    pub fn set_faults(&self, faults: FaultConfig) -> Result<(), SimError> {
        self.state.set_faults(faults)
    }

    /// Store sizes and the estimated memory per order.
    pub fn stats(&self) -> StoreStats {
        self.state.lock().stats()
    }

    /// Forgets every order and answered request.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// Stops the server and pending notification retries, and waits for the server task.
    pub async fn shutdown(self) {
        self.signal_stop();
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }

    fn signal_stop(&self) {
        let _ = self.state.notifier.shutdown.send(true);
        if let Some(tx) = self.stop.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.signal_stop();
    }
}
