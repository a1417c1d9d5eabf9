//! The simulator's configuration: merchants, storage bounds, the notification time factor and
//! faults. Every type here deserialises with serde so the CLI can load it from a file.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::SimError;

/// One merchant the simulator accepts requests from.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantConfig {
    /// The merchant's `Client-Id`.
    pub client_id: String,
    /// The merchant's Secret Key. Never printed by `Debug`.
    pub secret_key: String,
    /// Where notifications go (the URL configured in DOKU Back Office). `None`: no
    /// notifications are sent for this merchant (the delivery log says so).
    #[serde(default)]
    pub notification_url: Option<String>,
}

impl MerchantConfig {
    /// A merchant without a notification URL.
    pub fn new(client_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            secret_key: secret_key.into(),
            notification_url: None,
        }
    }

    /// Sets the notification URL.
    pub fn notification_url(mut self, url: impl Into<String>) -> Self {
        self.notification_url = Some(url.into());
        self
    }
}

/// A merchant as the simulator holds it, checked and parsed from its [`MerchantConfig`].
pub(crate) struct Merchant {
    pub(crate) client_id: String,
    /// Signs answers and notifications, verifies requests.
    pub(crate) secret: doku_pay_core::SecretKey,
    /// What plugins see: the Client-Id and secret-keyed digests, never the secret.
    pub(crate) context: doku_pay_core::Merchant,
    pub(crate) notification_url: Option<reqwest::Url>,
}

impl MerchantConfig {
    /// Checks the Client-Id, the secret and the notification URL.
    pub(crate) fn build(&self) -> Result<Merchant, SimError> {
        let client_id = doku_pay_core::ClientId::new(self.client_id.as_str())
            .map_err(|e| SimError::Config(e.to_string()))?;
        let secret = doku_pay_core::SecretKey::new(self.secret_key.as_str())
            .map_err(|e| SimError::Config(e.to_string()))?;
        let notification_url = self
            .notification_url
            .as_deref()
            .map(|u| {
                reqwest::Url::parse(u).map_err(|e| {
                    SimError::Config(format!(
                        "notification_url of merchant `{}` ({}): {e}",
                        self.client_id,
                        redact_url(u)
                    ))
                })
            })
            .transpose()?;
        Ok(Merchant {
            client_id: self.client_id.clone(),
            context: doku_pay_core::Merchant::new(client_id, secret.clone()),
            secret,
            notification_url,
        })
    }
}

impl fmt::Debug for MerchantConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MerchantConfig")
            .field("client_id", &self.client_id)
            .field("secret_key", &"[redacted]")
            .field(
                "notification_url",
                &self.notification_url.as_deref().map(redact_url),
            )
            .finish()
    }
}

/// The simulator's configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimConfig {
    /// The merchants accepted, each with its own secret.
    pub merchants: Vec<MerchantConfig>,
    /// The most orders stored; a create beyond it is answered 507 `storage_full`.
    pub max_orders: usize,
    /// The most answered requests kept for idempotent replay; beyond it a new request is
    /// answered 507 `storage_full`.
    pub max_requests: usize,
    /// The most bytes the store may hold (its own estimate: orders, their indexes, answers
    /// kept for replay, notification deliveries); a create or an answer to keep beyond it is
    /// answered 507 `storage_full`. Bounds memory when strings without a documented length
    /// (such as LinkAja's invoice number or override URL) are large.
    #[serde(default = "default_max_store_bytes")]
    pub max_store_bytes: usize,
    /// The largest request body accepted, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Multiplies DOKU's notification retry schedule (30 min, 6 h, 12 h after the first
    /// attempt): `1e-6` turns hours into milliseconds. Must be finite and positive.
    pub time_factor: f64,
    /// Time allowed for one notification attempt, in milliseconds.
    pub notification_timeout_ms: u64,
    /// Fault injection.
    pub faults: FaultConfig,
    /// Per channel id, how long the customer takes to answer a synchronous (push) payment, in
    /// milliseconds of DOKU time (multiplied by [`SimConfig::time_factor`] like every other
    /// delay), overriding the plugin's own [`Synchronous::delay`](crate::Synchronous). OVO,
    /// for one, answers after up to 70 s: `70_000` with a time factor of `1e-4` is 7 ms.
    pub answer_delay_ms: BTreeMap<String, u64>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            merchants: Vec::new(),
            max_orders: 100_000,
            max_requests: 400_000,
            max_store_bytes: default_max_store_bytes(),
            max_body_bytes: 64 * 1024,
            time_factor: 1.0,
            notification_timeout_ms: 10_000,
            faults: FaultConfig::default(),
            answer_delay_ms: BTreeMap::new(),
        }
    }
}

impl SimConfig {
    /// Adds a merchant.
    pub fn merchant(mut self, merchant: MerchantConfig) -> Self {
        self.merchants.push(merchant);
        self
    }

    /// Sets the notification time factor.
    pub fn time_factor(mut self, factor: f64) -> Self {
        self.time_factor = factor;
        self
    }

    /// Sets the order bound.
    pub fn max_orders(mut self, max: usize) -> Self {
        self.max_orders = max;
        self
    }

    /// Sets the answered-request bound.
    pub fn max_requests(mut self, max: usize) -> Self {
        self.max_requests = max;
        self
    }

    /// Sets the byte budget of the store.
    pub fn max_store_bytes(mut self, max: usize) -> Self {
        self.max_store_bytes = max;
        self
    }

    /// Sets the faults.
    pub fn faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// Sets how long the customer of channel `channel_id` takes to answer a synchronous
    /// payment, in DOKU time (see [`SimConfig::answer_delay_ms`]).
    pub fn answer_delay(
        mut self,
        channel_id: impl Into<String>,
        delay: std::time::Duration,
    ) -> Self {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.answer_delay_ms.insert(channel_id.into(), ms);
        self
    }

    /// Checks the values that have a valid range.
    pub fn check(&self) -> Result<(), SimError> {
        if !(self.time_factor.is_finite() && self.time_factor > 0.0) {
            return Err(SimError::Config(
                "time_factor must be finite and positive".into(),
            ));
        }
        if self.max_orders > u32::MAX as usize || self.max_requests > u32::MAX as usize {
            return Err(SimError::Config(
                "max_orders and max_requests must fit in 32 bits".into(),
            ));
        }
        if self.merchants.len() > usize::from(u16::MAX) {
            return Err(SimError::Config("too many merchants".into()));
        }
        self.faults.check()
    }
}

/// The default [`SimConfig::max_store_bytes`]: 256 MiB.
fn default_max_store_bytes() -> usize {
    256 * 1024 * 1024
}

/// `url` without its user name and password (for logs, errors and anything served): a URL
/// that does not parse is hidden entirely when it might hold credentials (an `@`).
pub(crate) fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => redact(&u),
        Err(_) if url.contains('@') => "[unparsable URL hidden]".to_owned(),
        Err(_) => url.to_owned(),
    }
}

/// A parsed URL without its user name and password, as text.
pub(crate) fn redact(url: &reqwest::Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut u = url.clone();
    // Fails only for URLs that cannot have credentials (which then have none).
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

/// Fault injection, deterministic: whether a request gets a fault is a pure function of the
/// seed, the endpoint path, the request's Request-Id and the kind of fault, so the same
/// request always gets the same faults whatever the order of the traffic.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Seed of the hash that decides which requests get a fault.
    pub seed: u64,
    /// Faults of every endpoint not listed in `endpoints`.
    pub default: EndpointFaults,
    /// Faults per endpoint, keyed by path: a channel endpoint's path
    /// (`/akulaku-peer-to-peer/v2/generate-order`) or [`CHECK_STATUS_KEY`] for Check Status.
    pub endpoints: BTreeMap<String, EndpointFaults>,
}

/// The [`FaultConfig::endpoints`] key for Check Status.
pub const CHECK_STATUS_KEY: &str = "/orders/v1/status";

impl FaultConfig {
    /// No faults, with this seed.
    pub fn seeded(seed: u64) -> Self {
        Self {
            seed,
            ..Self::default()
        }
    }

    /// Sets the faults of one endpoint.
    pub fn endpoint(mut self, path: impl Into<String>, faults: EndpointFaults) -> Self {
        self.endpoints.insert(path.into(), faults);
        self
    }

    /// The faults that apply to `path`.
    pub fn for_endpoint(&self, path: &str) -> &EndpointFaults {
        self.endpoints.get(path).unwrap_or(&self.default)
    }

    /// Checks every rate is within `0.0..=1.0`.
    pub fn check(&self) -> Result<(), SimError> {
        std::iter::once(("default", &self.default))
            .chain(self.endpoints.iter().map(|(k, v)| (k.as_str(), v)))
            .try_for_each(|(name, f)| f.check(name))
    }
}

/// Faults of one endpoint. Rates are shares in `0.0..=1.0` (0 never, 1 always).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EndpointFaults {
    /// Added latency before the request is processed, in milliseconds.
    pub latency_ms: u64,
    /// Share of requests answered 500 without being processed.
    pub error_rate: f64,
    /// Share of requests processed and stored (with their idempotent answer) whose
    /// connection is then closed without an answer.
    pub drop_after_processing: f64,
    /// Share of answers sent with a signature that does not verify.
    pub bad_signature: f64,
    /// Share of orders created through this endpoint whose notifications are delivered twice
    /// (same Request-Id, same bytes).
    pub duplicate_notifications: f64,
    /// Share of creates through this endpoint where the payment is completed (paid) and its
    /// notification's first attempt is made before the create is answered.
    pub notify_before_response: f64,
}

impl EndpointFaults {
    /// Whether any fault is configured.
    pub fn is_none(&self) -> bool {
        *self == Self::default()
    }

    fn check(&self, name: &str) -> Result<(), SimError> {
        let rates = [
            ("error_rate", self.error_rate),
            ("drop_after_processing", self.drop_after_processing),
            ("bad_signature", self.bad_signature),
            ("duplicate_notifications", self.duplicate_notifications),
            ("notify_before_response", self.notify_before_response),
        ];
        for (field, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(SimError::Config(format!(
                    "faults `{name}`: {field} must be within 0.0..=1.0"
                )));
            }
        }
        Ok(())
    }
}
