//! A local DOKU API simulator, in process or standalone (the CLI runs it).
//!
//! It speaks DOKU's Non-SNAP Direct API over real HTTP, independently of any client code:
//!
//! * **Headers and signatures**: `Client-Id` must be a configured merchant (each with its own
//!   secret), `Request-Id` present and at most 128 characters, `Request-Timestamp` in DOKU's
//!   form, and the `Signature` must verify (401 `invalid_signature` otherwise).
//! * **Channel endpoints** come from [`SimChannel`] plugins, which check the wire JSON
//!   against the guide's rules written as data ([`rules`], 400 with every reason; never a
//!   client library's own validation, so a client stricter than DOKU is caught), and shape
//!   answers like the guide's samples. The core knows no channel by name:
//!   a channel adds its endpoints by registering a plugin ([`SimRegistration`] through
//!   `inventory`, or [`SimulatorBuilder::channel`]).
//! * **Plugins see the merchant**: a [`SimRequest`] carries the body, the headers and the
//!   authenticated merchant ([`doku_pay_core::Merchant`]: Client-Id, secret-keyed digests), so a
//!   plugin checks an in-body checksum or `client.id` against the `Client-Id` header, stated
//!   as data in a [`BodyCredentials`] that tests and fuzzing sign edited bodies with.
//! * **Synchronous answers**: a push channel's create ([`NewOrder::synchronous`]) is answered
//!   after the customer's delay (time-scaled; [`SimConfig::answer_delay_ms`] per channel)
//!   with the completed order.
//! * **Samples**: each plugin's [`ChannelSamples`] drive `doku demo` and the end-to-end suite.
//! * **State**: orders by invoice number and by Request-Id; pending until completed through
//!   the control API (paid, failed, expired); cancel applies to a pending order, refund to a
//!   paid one, once. A cancel or refund that cannot be carried out (no such order, wrong
//!   state) is answered as the guides document: HTTP 200 with the channel's `FAILED` status
//!   ([`SimChannel::cancel_failed`], [`SimChannel::refund_failed`]), not an HTTP error. The
//!   same Request-Id with the same body gets the original answer with HTTP 409; with another
//!   body, 422 `request_id_reused`.
//! * **Statuses** are DOKU's only: `transaction.status` is `PENDING`, `SUCCESS`, `FAILED`,
//!   `EXPIRED` or `REFUNDED`. A cancelled order shows `FAILED` (see
//!   [`OrderStatus::doku_status`]).
//! * **Answers** are signed with `Response-Timestamp` over the path called.
//! * **Check Status**: `GET /orders/v1/status/{invoice number or Request-Id}`.
//! * **Notifications**: completing a payment POSTs a signed notification (doku-api.md
//!   section 5) to the merchant's URL, retried on DOKU's schedule times a time factor;
//!   deliveries can be queried.
//! * **Faults** ([`FaultConfig`]): latency, 5xx, dropped answers after processing, bad
//!   response signatures, duplicate notifications, a notification before the create answer;
//!   per endpoint. Whether a request gets a fault is a pure function of the seed, the
//!   endpoint, its Request-Id and the fault kind: the same request gets the same faults
//!   whatever the order of the traffic.
//! * **Bounded storage**: orders, answered requests and bytes are bounded
//!   ([`SimConfig::max_orders`], [`SimConfig::max_requests`], [`SimConfig::max_store_bytes`]);
//!   a full store answers 507 `storage_full`.
//! * **Orders belong to their channel**: cancel and refund find only orders created through
//!   the same channel (another channel's order is answered like an unknown one: 200, `FAILED`,
//!   `Order Not Found`).
//! * **Credentials in URLs** (`user:password@`) are used to send notifications but never
//!   shown: delivery logs, the control API, errors and `Debug` output drop them.
//!
//! ```no_run
//! # async fn demo(plugin: impl doku_pay_sim::SimChannel) -> Result<(), doku_pay_sim::SimError> {
//! use doku_pay_sim::{MerchantConfig, Outcome, SimConfig, Simulator};
//! let sim = Simulator::builder(
//!     SimConfig::default()
//!         .merchant(MerchantConfig::new("MCH-0001", "SK-1")
//!             .notification_url("http://127.0.0.1:9000/payments/notifications"))
//!         .time_factor(1e-6),
//! )
//! .channel(plugin)
//! .start()
//! .await?;
//! println!("DOKU simulator at {}", sim.base_url());
//! // ... create a payment with a client pointed at sim.base_url(), then:
//! sim.complete("INV-1", Outcome::Paid)?;
//! # Ok(()) }
//! ```
//!
//! # Control API
//!
//! Unauthenticated, for local use; the same operations exist as [`SimHandle`] methods.
//! `?client_id=` (or a `Client-Id` header) picks the merchant when an invoice number exists
//! for several.
//!
//! | method and path | does |
//! | --- | --- |
//! | `POST /_sim/orders/{invoice}/{paid\|failed\|expired}` | completes a pending payment, sends its notification |
//! | `GET /_sim/orders/{invoice}` | the order, with its deliveries |
//! | `GET /_sim/orders/{invoice}/deliveries` | its notification deliveries and attempts |
//! | `GET /_sim/faults`, `PUT /_sim/faults` | reads or replaces the [`FaultConfig`] |
//! | `GET /_sim/stats` | [`StoreStats`] |
//! | `POST /_sim/reset` | forgets every order and answered request |
//! | `GET /_sim/health` | `{"status":"ok"}` |

#![cfg_attr(docsrs, feature(doc_cfg))]

// Layers, each using only modules listed before it (no module cycle): status, error, config,
// store, samples, plugin, rules, notify (config, store), engine (the state machine,
// idempotency, the storage budget; no axum), http (axum, over the engine), handle.
mod config;
mod engine;
mod error;
mod handle;
mod http;
mod notify;
mod plugin;
pub mod rules;
mod samples;
mod status;
mod store;

pub use config::{CHECK_STATUS_KEY, EndpointFaults, FaultConfig, MerchantConfig, SimConfig};
pub use error::SimError;
pub use handle::{SimHandle, SimulatorBuilder};
pub use notify::RETRY_SCHEDULE_SECS;
pub use plugin::{
    BodyCredentials, CancelOrder, NewOrder, OrderView, RefundOrder, Rejection, SimChannel,
    SimRegistration, SimRequest, Synchronous, decode_with, registered,
};
pub use samples::{ChannelSamples, CustomerAction, JsonSamples};
pub use status::{OrderStatus, Outcome};
pub use store::{Attempt, Delivery, OrderSnapshot, StoreStats};

#[doc(hidden)]
pub use inventory;

/// The simulator's entry point.
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// A builder for a simulator with this configuration.
    pub fn builder(config: SimConfig) -> SimulatorBuilder {
        SimulatorBuilder::new(config)
    }
}
