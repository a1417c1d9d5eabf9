//! The core of the DOKU payment-channel framework.
//!
//! * [`Credentials`] and [`Environment`]: per-client merchant credentials; the secret never
//!   prints.
//! * [`signature`]: DOKU's component string, HMAC-SHA256 signing and constant-time
//!   verification for requests, responses and notifications.
//! * [`Amount`]: whole rupiah, one integer newtype from edge to edge.
//! * [`model`]: the unified request, result and notification models.
//! * [`validate`]: validation that reports every broken rule with its field path.
//! * [`lenient`]: liberal readers for DOKU's answers (a minor field in an odd shape never
//!   makes an answer undecodable).
//! * [`PaymentChannel`] and [`ChannelDescriptor`]: the trait channel crates implement and
//!   their capabilities as data; [`registry`]: registration through `inventory`.
//! * [`Api`]: the transport, the one place HTTP happens; [`Client`]: dispatch with capability
//!   checks; [`notification`]: verifying DOKU's HTTP notifications.
//! * [`Error`]: one error type whose variants say whether the request reached DOKU.
//!
//! The core knows no channel by name.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod amount;
pub mod answer;
pub mod builder;
pub mod call;
pub mod channel;
#[cfg(feature = "client")]
pub mod client;
pub mod clock;
pub mod credentials;
mod descriptor;
pub mod error;
pub mod lenient;
pub mod model;
pub mod notification;
pub mod redirect;
pub mod registry;
pub mod rules;
pub mod signature;
#[cfg(feature = "client")]
pub mod transport;
pub mod validate;

pub use amount::{Amount, AmountError};
pub use builder::PaymentRequestBuilder;
pub use call::{Call, Sent};
pub use channel::{
    Capabilities, ChannelDescriptor, ChannelKind, Endpoint, Operation, PaymentChannel,
    RedirectStyle, RefundSupport, WireMismatch, WireModels, WireOperation,
};
#[cfg(feature = "client")]
pub use client::Client;
pub use credentials::{ClientId, ConfigError, Credentials, Environment, Merchant, SecretKey};
pub use error::{Delivery, DokuError, DokuErrorKind, Error};
/// The HTTP method type of [`Endpoint::method`] and [`NextAction::Redirect`] (`http` 1.x).
pub use http::Method;
pub use model::{
    CancelRequest, Cancellation, Customer, Identifier, InvalidRequestId, LineItem, NextAction,
    Notification, OperationStatus, Payment, PaymentRequest, PaymentStatus, RawJson, Refund,
    RefundAmount, RefundRequest, RequestId, StatusResult,
};
pub use notification::{NotificationError, NotificationVerifier, VerifiedNotification};
pub use registry::{ChannelRegistration, Registry, route_notification};
#[cfg(feature = "client")]
pub use transport::{Api, ApiBuilder, RetryPolicy, TransportConfig};

#[doc(hidden)]
pub use inventory;
