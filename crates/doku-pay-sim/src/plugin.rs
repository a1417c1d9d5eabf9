//! The plugin trait through which a DOKU channel adds its endpoints to the simulator.
//!
//! The simulator core knows no channel by name. A channel crate implements [`SimChannel`]
//! (usually behind its `sim` feature) with its own wire module, and registers it:
//!
//! ```text
//! doku_pay_sim::inventory::submit! {
//!     doku_pay_sim::SimRegistration::new(|| Box::new(MyChannelSim))
//! }
//! ```
//!
//! [`crate::SimulatorBuilder::registered_channels`] collects every registration linked into
//! the binary; [`crate::SimulatorBuilder::channel`] adds one explicitly (the fallback when a
//! linker drops registrations).
//!
//! The core does everything that is the same for every channel: HTTP, headers and signatures,
//! idempotency, the order store and its state machine, Check Status, notifications and their
//! retries, and faults. The plugin checks bodies against its guide's rules written as data
//! ([`crate::rules`]), independently of any client library, and shapes the answers like the
//! channel's guide, failed cancels and refunds included.
//!
//! A plugin sees each request as a [`SimRequest`]: the body, the headers, and the
//! authenticated merchant as a [`doku_pay_core::Merchant`] (its Client-Id and secret-keyed
//! digests, never the secret), so that it can check an in-body checksum or an in-body
//! `client.id` against the `Client-Id` header. A push channel, whose create is answered only
//! once the customer approved in an app, says so in [`NewOrder::synchronous`].

use std::time::Duration;

use doku_pay_core::validate::Violations;
use doku_pay_core::{ChannelDescriptor, Merchant};
use http::HeaderMap;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::samples::ChannelSamples;
use crate::status::{OrderStatus, Outcome};

/// A request as a plugin sees it: authenticated (Client-Id known, signature verified) but not
/// yet checked against the channel's rules.
#[derive(Clone, Copy, Debug)]
pub struct SimRequest<'a> {
    body: &'a [u8],
    headers: &'a HeaderMap,
    merchant: &'a Merchant,
    path: &'a str,
}

impl<'a> SimRequest<'a> {
    /// A request to `path` from `merchant` (the simulator builds these; a plugin's own tests
    /// can too).
    pub fn new(
        body: &'a [u8],
        headers: &'a HeaderMap,
        merchant: &'a Merchant,
        path: &'a str,
    ) -> Self {
        Self {
            body,
            headers,
            merchant,
            path,
        }
    }

    /// The raw body, exactly as signed.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// Every request header.
    pub fn headers(&self) -> &'a HeaderMap {
        self.headers
    }

    /// One header's value, when present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The authenticated merchant: its `Client-Id` (the header's, verified) and digests keyed
    /// with its secret ([`Merchant::sha256_hex_with_secret`], [`Merchant::hmac_sha256_hex`]).
    pub fn merchant(&self) -> &'a Merchant {
        self.merchant
    }

    /// The `Client-Id` the request was signed with: what an in-body `client.id` must equal.
    pub fn client_id(&self) -> &'a str {
        self.merchant.client_id().as_str()
    }

    /// The path called.
    pub fn path(&self) -> &'a str {
        self.path
    }
}

/// A create answered synchronously, once the customer acted (a push payment: the customer
/// approves in the wallet's app and DOKU answers the create with the outcome, OVO after up
/// to 70 s).
///
/// The simulator stores the order as pending and waits `delay` (DOKU time: multiplied by the
/// simulator's time factor, and overridden by [`SimConfig::answer_delay_ms`](crate::SimConfig)
/// for the channel); the control API may complete the order meanwhile (the customer acted
/// sooner). If it is still pending when the delay is over, it is completed with `outcome`.
/// Either way its notification is sent and the create is answered with the completed order;
/// that answer is also what a replay of the Request-Id gets from then on (a replay during the
/// wait gets the pending answer, with 409).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Synchronous {
    /// How long the customer takes to answer, in DOKU time.
    pub delay: Duration,
    /// What the customer does once the delay is over.
    pub outcome: Outcome,
}

/// A channel's part of the simulator.
pub trait SimChannel: Send + Sync + 'static {
    /// The channel's descriptor: ids (`channel_code`, `service_id`, `acquirer_id` are used in
    /// notifications and Check Status) and endpoints (one route per create, cancel and refund
    /// endpoint).
    fn descriptor(&self) -> &'static ChannelDescriptor;

    /// Checks a create body against the guide's rules (see [`crate::rules`]), reporting
    /// every broken rule.
    fn decode_create(&self, request: &SimRequest<'_>) -> Result<NewOrder, Rejection>;

    /// The create answer, shaped like the guide's sample.
    fn create_response(&self, order: &OrderView<'_>) -> Value;

    /// Decodes and validates a cancel body. The default refuses: the channel has no cancel.
    fn decode_cancel(&self, _request: &SimRequest<'_>) -> Result<CancelOrder, Rejection> {
        Err(Rejection::Unsupported("cancel"))
    }

    /// The cancel answer (the order is already cancelled in `order`).
    fn cancel_response(&self, order: &OrderView<'_>) -> Value {
        envelope_order(order)
    }

    /// The answer to a cancel that was not carried out, sent with HTTP 200 as DOKU's guides
    /// document (Akulaku: `cancel.status` `FAILED`, with `error.message` such as
    /// `Order Not Found` beside it). `order` is the order when one was found (unchanged);
    /// `message` says why. The default is `{"order": {...}, "error": {"message": ...}}`.
    fn cancel_failed(
        &self,
        request: &CancelOrder,
        order: Option<&OrderView<'_>>,
        message: &str,
    ) -> Value {
        failed_default(&request.invoice_number, order, message)
    }

    /// Decodes and validates a refund body. The default refuses: the channel has no refund.
    fn decode_refund(&self, _request: &SimRequest<'_>) -> Result<RefundOrder, Rejection> {
        Err(Rejection::Unsupported("refund"))
    }

    /// The refund answer (the order is already refunded in `order`).
    fn refund_response(&self, order: &OrderView<'_>) -> Value {
        envelope_order(order)
    }

    /// The answer to a refund that was not carried out, sent with HTTP 200 as DOKU's guides
    /// document (Akulaku: `refund.status` `FAILED` and `payment.status` saying why: `FAILED`,
    /// `CANCELED`, `PENDING`, `REFUNDED`). `order` is the order when one was found
    /// (unchanged); `message` says why. The default is
    /// `{"order": {...}, "error": {"message": ...}}`.
    fn refund_failed(
        &self,
        request: &RefundOrder,
        order: Option<&OrderView<'_>>,
        message: &str,
    ) -> Value {
        failed_default(&request.invoice_number, order, message)
    }

    /// Channel-specific objects appended to notifications and Check Status answers. Only
    /// what the channel's guide documents for notifications belongs here (doku-api.md
    /// section 5: the envelope plus the channel's documented objects); the default, and the
    /// right answer for a guide that documents none, adds nothing.
    fn channel_objects(&self, _order: &OrderView<'_>) -> Map<String, Value> {
        Map::new()
    }

    /// Sample requests of the operations the channel offers, and what its customer does:
    /// what `doku demo` and the end-to-end suite run for every registered channel. `None`
    /// (the default) leaves the channel out of them, which they report as a failure.
    fn samples(&self) -> Option<&'static dyn ChannelSamples> {
        None
    }

    /// The merchant's credentials the channel's request bodies carry besides the signed
    /// headers (OVO's `client.id` and `security.check_sum`), which its `decode_*` checks with
    /// [`BodyCredentials::check`] once the guide's table passed. Tests and fuzz targets set
    /// them with [`BodyCredentials::sign`] to get an edited body past that check. The default,
    /// and the right answer for most channels, is none.
    fn body_credentials(&self) -> Option<BodyCredentials> {
        None
    }
}

/// Credentials carried in a request body (see [`SimChannel::body_credentials`]): the field
/// holding the merchant's Client-Id, which must equal the `Client-Id` header, and the field
/// holding a digest keyed with the merchant's secret.
///
/// ```
/// use doku_pay_core::{ClientId, Merchant, SecretKey};
/// use doku_pay_sim::BodyCredentials;
/// use serde_json::{Value, json};
///
/// fn digest(m: &Merchant, body: &Value) -> String {
///     m.sha256_hex_with_secret(body["order"]["invoice_number"].as_str().unwrap_or(""))
/// }
/// let credentials = BodyCredentials {
///     client_id: "client.id",
///     check_sum: "security.check_sum",
///     compute: digest,
/// };
/// let merchant = Merchant::new(ClientId::new("MCH-1").unwrap(), SecretKey::new("SK-1").unwrap());
/// let mut body = json!({"order": {"invoice_number": "INV-1"}});
/// credentials.sign(&merchant, &mut body);
/// assert_eq!(body["client"]["id"], "MCH-1");
/// assert!(credentials.verify(&merchant, &body).is_ok());
/// body["order"]["invoice_number"] = json!("INV-2");
/// let broken = credentials.verify(&merchant, &body).unwrap_err();
/// assert_eq!(broken.iter().map(|v| v.field.as_str()).collect::<Vec<_>>(), ["security.check_sum"]);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct BodyCredentials {
    /// The field that carries the merchant's Client-Id (`client.id`).
    pub client_id: &'static str,
    /// The field that carries the keyed digest (`security.check_sum`).
    pub check_sum: &'static str,
    /// The digest of a body for a merchant, as the client computes it (the channel crate's
    /// `check_sum`). It must not read the `check_sum` field itself: [`BodyCredentials::sign`]
    /// computes it over the body before the digest is set.
    pub compute: fn(&Merchant, &Value) -> String,
}

impl BodyCredentials {
    /// Both fields, as a broken rule names them.
    pub fn fields(&self) -> [&'static str; 2] {
        [self.client_id, self.check_sum]
    }

    /// The broken rules of `body`'s credentials for `merchant`: a Client-Id other than the
    /// merchant's, a digest other than [`BodyCredentials::compute`]'s.
    pub fn verify(&self, merchant: &Merchant, body: &Value) -> Result<(), Violations> {
        let mut v = doku_pay_core::validate::Validator::new();
        if crate::rules::text_at(body, self.client_id) != Some(merchant.client_id().as_str()) {
            v.push(self.client_id, "must equal the Client-Id header");
        }
        let expected = (self.compute)(merchant, body);
        if crate::rules::text_at(body, self.check_sum) != Some(expected.as_str()) {
            v.push(self.check_sum, "does not match");
        }
        v.finish()
    }

    /// [`BodyCredentials::verify`] for the request's authenticated merchant, as a rejection.
    pub fn check(&self, request: &SimRequest<'_>, body: &Value) -> Result<(), Rejection> {
        Ok(self.verify(request.merchant(), body)?)
    }

    /// Sets both fields of `body` as the client does for `merchant`: the Client-Id first,
    /// then the digest of the body carrying it. Objects on the way are created (a value that
    /// is not an object is replaced by one); a `body` that is not an object is left as it is.
    pub fn sign(&self, merchant: &Merchant, body: &mut Value) {
        set_at(
            body,
            self.client_id,
            Value::from(merchant.client_id().as_str()),
        );
        let sum = (self.compute)(merchant, body);
        set_at(body, self.check_sum, Value::from(sum));
    }
}

/// Sets the dotted `path` of `body` to `value`, creating objects on the way; nothing if
/// `body` is not an object.
fn set_at(body: &mut Value, path: &str, value: Value) {
    if !body.is_object() {
        return;
    }
    let mut node = body;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        let Value::Object(map) = node else {
            return;
        };
        if parts.peek().is_none() {
            map.insert(part.to_owned(), value);
            return;
        }
        node = map.entry(part).or_insert_with(|| Value::Object(Map::new()));
    }
}

/// `{"order":{"invoice_number","amount"}}`: the default answer body.
fn envelope_order(order: &OrderView<'_>) -> Value {
    serde_json::json!({
        "order": {"invoice_number": order.invoice_number, "amount": order.amount}
    })
}

/// The default answer to a cancel or refund that was not carried out.
fn failed_default(invoice_number: &str, order: Option<&OrderView<'_>>, message: &str) -> Value {
    let mut v = match order {
        Some(o) => envelope_order(o),
        None => serde_json::json!({"order": {"invoice_number": invoice_number}}),
    };
    v["error"] = serde_json::json!({"message": message});
    v
}

/// What a create request asks for, as the core needs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewOrder {
    /// `order.invoice_number`: unique per merchant.
    pub invoice_number: String,
    /// The amount in whole rupiah.
    pub amount: u64,
    /// The merchant's own reference for the payment (Akulaku's
    /// `payment.merchant_unique_reference`), when the channel has one.
    pub merchant_reference: Option<String>,
    /// A per-payment notification URL (`additional_info.override_notification_url`), used
    /// only when its path equals the configured notification URL's path.
    pub override_notification_url: Option<String>,
    /// `Some` for a push payment answered once the customer acted (see [`Synchronous`]);
    /// `None` (a redirect flow) answers at once with a pending order.
    pub synchronous: Option<Synchronous>,
}

/// What a cancel request names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CancelOrder {
    /// `order.invoice_number`.
    pub invoice_number: String,
    /// The payment's merchant reference; when given it must match the order's.
    pub merchant_reference: Option<String>,
}

/// What a refund request names. Refunds are of the full amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundOrder {
    /// `order.invoice_number`.
    pub invoice_number: String,
    /// The payment's merchant reference; when given it must match the order's.
    pub merchant_reference: Option<String>,
    /// The refund's own new reference.
    pub refund_reference: String,
}

/// Why a plugin refused a body; answered 400 (or 404 for an unsupported operation). A
/// well-formed cancel or refund that cannot be carried out is not a rejection: it is answered
/// 200 through [`SimChannel::cancel_failed`] / [`SimChannel::refund_failed`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Not JSON of the wire model's shape.
    Malformed(String),
    /// Decoded, but breaks the guide's rules.
    Invalid(Violations),
    /// The channel does not offer this operation.
    Unsupported(&'static str),
}

impl Rejection {
    /// A malformed body, from a decoding error.
    pub fn malformed(e: impl std::fmt::Display) -> Self {
        Self::Malformed(e.to_string())
    }
}

impl From<Violations> for Rejection {
    fn from(v: Violations) -> Self {
        Self::Invalid(v)
    }
}

/// Decodes `body` as `T` and runs `validate`. A channel's plugin checks DOKU's requests with
/// its guide's rules as data ([`crate::rules::check`]) instead, so that it does not inherit
/// a client library's stricter rules; this stays for plugins of channels without such a table.
pub fn decode_with<T: serde::de::DeserializeOwned>(
    body: &[u8],
    validate: impl FnOnce(&T) -> Result<(), Violations>,
) -> Result<T, Rejection> {
    let value: T = doku_pay_core::validate::decode_json(body).map_err(Rejection::malformed)?;
    validate(&value)?;
    Ok(value)
}

/// An order as a plugin sees it when shaping an answer or a notification.
#[derive(Clone, Copy, Debug)]
pub struct OrderView<'a> {
    /// The merchant's Client-Id.
    pub client_id: &'a str,
    /// `order.invoice_number`.
    pub invoice_number: &'a str,
    /// Amount in whole rupiah.
    pub amount: u64,
    /// Current status.
    pub status: OrderStatus,
    /// The create request's Request-Id.
    pub request_id: &'a str,
    /// The merchant's payment reference, when the channel has one.
    pub merchant_reference: Option<&'a str>,
    /// The refund's reference, once refunded.
    pub refund_reference: Option<&'a str>,
    /// The simulator's own numeric order id (stands for the acquirer's `ORDER_ID`).
    pub order_id: u64,
    /// When the order was created.
    pub created_at: OffsetDateTime,
    /// When its status last changed.
    pub updated_at: OffsetDateTime,
    /// The simulator's base URL (for payment page URLs such as `{base}/_sim/pay/{order_id}`).
    pub base_url: &'a str,
}

impl OrderView<'_> {
    /// `{base_url}/_sim/pay/{order_id}`: the simulated payment page.
    pub fn payment_url(&self) -> String {
        format!("{}/_sim/pay/{}", self.base_url, self.order_id)
    }
}

/// A plugin registration collected through `inventory`.
pub struct SimRegistration {
    make: fn() -> Box<dyn SimChannel>,
}

impl SimRegistration {
    /// A registration from a constructor.
    pub const fn new(make: fn() -> Box<dyn SimChannel>) -> Self {
        Self { make }
    }

    /// Builds the plugin.
    pub fn make(&self) -> Box<dyn SimChannel> {
        (self.make)()
    }
}

inventory::collect!(SimRegistration);

/// Every plugin registered through `inventory` in this binary.
pub fn registered() -> Vec<Box<dyn SimChannel>> {
    inventory::iter::<SimRegistration>
        .into_iter()
        .map(SimRegistration::make)
        .collect()
}
