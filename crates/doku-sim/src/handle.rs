//! Building, starting and controlling a simulator.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::serve::ListenerExt as _;
use doku_core::{Operation, SecretKey};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::config::{FaultConfig, SimConfig, redact_url};
use crate::error::SimError;
use crate::plugin::{self, SimChannel};
use crate::server::{self, Faults, Merchant, Route, SimState};
use crate::store::{Delivery, OrderSnapshot, Outcome, Store, StoreStats};

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
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let state = Arc::new(self.build_state(base_url.clone())?);
        let app = server::router(state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(error = %e, "simulator server stopped");
            }
        });
        Ok(SimHandle {
            state,
            addr,
            base_url,
            stop: Mutex::new(Some(tx)),
            task: Mutex::new(Some(task)),
        })
    }

    fn build_state(self, base_url: String) -> Result<SimState, SimError> {
        let config = self.config;
        config.check()?;
        let mut merchants = Vec::with_capacity(config.merchants.len());
        let mut by_client = HashMap::new();
        for m in &config.merchants {
            doku_core::ClientId::new(m.client_id.as_str())
                .map_err(|e| SimError::Config(e.to_string()))?;
            let secret = SecretKey::new(m.secret_key.as_str())
                .map_err(|e| SimError::Config(e.to_string()))?;
            let notification_url = m
                .notification_url
                .as_deref()
                .map(|u| {
                    reqwest::Url::parse(u).map_err(|e| {
                        SimError::Config(format!(
                            "notification_url of merchant `{}` ({}): {e}",
                            m.client_id,
                            redact_url(u)
                        ))
                    })
                })
                .transpose()?;
            let idx = merchants.len() as u16;
            if by_client.insert(m.client_id.clone(), idx).is_some() {
                return Err(SimError::Config(format!(
                    "merchant `{}` configured twice",
                    m.client_id
                )));
            }
            merchants.push(Merchant {
                client_id: m.client_id.clone(),
                secret,
                notification_url,
            });
        }
        let mut channels: Vec<Box<dyn SimChannel>> = Vec::new();
        for c in self.channels {
            if !channels
                .iter()
                .any(|k| k.descriptor().id == c.descriptor().id)
            {
                channels.push(c);
            }
        }
        if channels.len() > usize::from(u16::MAX) {
            return Err(SimError::Config("too many channels".into()));
        }
        let mut routes: Vec<Route> = Vec::new();
        for (ci, c) in channels.iter().enumerate() {
            for e in c.descriptor().endpoints {
                if !e.method.eq_ignore_ascii_case("POST")
                    || !matches!(
                        e.operation,
                        Operation::Create | Operation::Cancel | Operation::Refund
                    )
                {
                    continue;
                }
                if !e.path.starts_with('/')
                    || e.path.starts_with("/_sim")
                    || e.path.contains(['{', '}', '*'])
                {
                    return Err(SimError::Config(format!(
                        "channel `{}`: endpoint path `{}` is not a plain absolute path",
                        c.descriptor().id,
                        e.path
                    )));
                }
                if let Some(other) = routes.iter().find(|r| r.path == e.path) {
                    return Err(SimError::Config(format!(
                        "endpoint `{}` claimed by channels `{}` and `{}`",
                        e.path,
                        channels[usize::from(other.channel)].descriptor().id,
                        c.descriptor().id
                    )));
                }
                routes.push(Route {
                    channel: ci as u16,
                    op: e.operation,
                    path: e.path,
                });
            }
        }
        if routes.len() > usize::from(u16::MAX) {
            return Err(SimError::Config("too many endpoints".into()));
        }
        let faults = Faults::resolve(config.faults.clone(), &routes);
        let http = reqwest::Client::builder()
            .user_agent("doku-sim")
            .build()
            .map_err(|e| SimError::Config(format!("HTTP client: {e}")))?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            SimError::Config("the simulator must start inside a Tokio runtime".into())
        })?;
        let (shutdown, _) = tokio::sync::watch::channel(false);
        Ok(SimState {
            store: Mutex::new(Store::new(
                merchants.len(),
                config.max_orders,
                config.max_requests,
                config.max_store_bytes,
            )),
            faults: RwLock::new(Arc::new(faults)),
            merchants,
            by_client,
            channels,
            routes,
            config,
            http,
            base_url,
            shutdown,
            runtime,
        })
    }
}

/// A running simulator: its address and the control API as Rust methods. Dropping it stops
/// the server and pending notification retries.
pub struct SimHandle {
    state: Arc<SimState>,
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

pub(crate) fn order_snapshot(
    st: &SimState,
    client_id: Option<&str>,
    invoice: &str,
) -> Result<OrderSnapshot, SimError> {
    let client = st.client_index(client_id)?;
    let store = st.lock();
    let idx = store.find(client, invoice)?;
    let o = store
        .order(idx)
        .ok_or_else(|| SimError::NotFound(invoice.to_owned()))?;
    Ok(st.snapshot(idx, o))
}

pub(crate) fn reset(st: &SimState) {
    st.lock().clear();
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
        order_snapshot(&self.state, None, invoice)
    }

    /// The order with this invoice number of merchant `client_id`.
    pub fn order_for(&self, client_id: &str, invoice: &str) -> Result<OrderSnapshot, SimError> {
        order_snapshot(&self.state, Some(client_id), invoice)
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
        reset(&self.state);
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
        let _ = self.state.shutdown.send(true);
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
