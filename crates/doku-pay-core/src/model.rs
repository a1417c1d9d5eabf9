//! The unified models: one shape for every channel's requests, results and notifications.
//!
//! Requests refuse unknown fields (a typo in a field name is an error, not a silently
//! dropped value); results and notifications keep DOKU's raw answer beside the typed fields.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::amount::Amount;
use crate::credentials::check_header_token;
use http::Method;

/// DOKU's idempotency key: the `Request-Id` header. At most 128 visible ASCII characters.
///
/// A request re-sent with the same Request-Id and the same body gets DOKU's original answer
/// back (HTTP 409), so a retry after an unknown outcome must reuse it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(transparent)]
#[schemars(transparent)]
pub struct RequestId(
    #[schemars(length(min = 1, max = 128), regex(pattern = r"^[\x21-\x7e]{1,128}$"))] String,
);

impl RequestId {
    /// The longest Request-Id DOKU accepts.
    pub const MAX_LEN: usize = 128;

    /// Checks and wraps a caller-supplied Request-Id: 1 to [`RequestId::MAX_LEN`] visible
    /// ASCII characters (it travels as an HTTP header).
    pub fn new(value: impl Into<String>) -> Result<Self, InvalidRequestId> {
        let value = value.into();
        check_header_token("Request-Id", &value, Self::MAX_LEN).map_err(InvalidRequestId)?;
        Ok(Self(value))
    }

    /// A fresh random UUID v4, as in every DOKU sample.
    pub fn new_v4() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// The value as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Request-Id that cannot be sent (empty, too long, or not visible ASCII): why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidRequestId(String);

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestId({})", self.0)
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RequestId {
    type Err = InvalidRequestId;
    fn from_str(s: &str) -> Result<Self, InvalidRequestId> {
        Self::new(s)
    }
}

impl AsRef<str> for RequestId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for RequestId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RequestId::new(s).map_err(serde::de::Error::custom)
    }
}

/// A name / value pair: DOKU's `identifier[]` entries and redirect form fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Identifier {
    /// For example `ORDER_ID` or `AKULAKU_UNIQUE_REFERENCE`.
    pub name: String,
    /// The value.
    pub value: String,
}

impl Identifier {
    /// A pair.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// Finds an identifier's value by name.
pub fn identifier<'a>(ids: &'a [Identifier], name: &str) -> Option<&'a str> {
    ids.iter()
        .find(|i| i.name == name)
        .map(|i| i.value.as_str())
}

/// One line of the customer's basket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LineItem {
    /// Product name.
    pub name: String,
    /// Unit price in whole rupiah.
    pub price: Amount,
    /// Quantity.
    pub quantity: u32,
    /// Stock keeping unit (mandatory for some channels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Category (mandatory for some channels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// The paying customer. Which fields are mandatory depends on the channel.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// Merchant's customer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone, `{calling_code}{number}` such as `6285694566147`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postcode (digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// The customer's account at the wallet, for push channels that charge it directly (OVO:
    /// the phone number registered with OVO, such as `081211111111`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_account: Option<String>,
}

/// A request to create a payment on a channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    /// The idempotency key to use. Generated (UUID v4) when absent; supply it to retry a
    /// request whose outcome is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// The merchant's invoice number, unique per payment.
    pub invoice_number: String,
    /// Amount in whole rupiah.
    pub amount: Amount,
    /// The basket. Where given, price x quantity must sum to `amount`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub line_items: Vec<LineItem>,
    /// Where the customer returns after paying. Mandatory for channels with a redirect; a push
    /// channel (the customer approves in the wallet's app, as with OVO) has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// The customer.
    #[serde(default)]
    pub customer: Customer,
    /// The merchant's unique reference (channels that need one default it to the invoice
    /// number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference: Option<String>,
    /// Sends this payment's notifications to another host. DOKU requires its path to equal
    /// the path configured in Back Office.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_url: Option<String>,
    /// Channel-specific extra fields, passed through where the channel has `additional_info`.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub additional_info: Map<String, Value>,
}

/// `http::Method` as its name in JSON (`"POST"`); read upper-cased, so `"post"` is `POST`.
pub(crate) mod method_serde {
    use http::Method;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub(crate) fn serialize<S: Serializer>(m: &Method, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(m.as_str())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Method, D::Error> {
        let name = String::deserialize(d)?;
        Method::from_bytes(name.trim().to_ascii_uppercase().as_bytes())
            .map_err(|_| D::Error::custom(format!("`{name}` is not an HTTP method")))
    }
}

/// How the customer is sent on to pay.
///
/// Every channel linked today answers with a [`Redirect`](Self::Redirect); the enum is
/// `#[non_exhaustive]` so that another kind of action (a QR code, a code to show) can come
/// without breaking a `match`: give it an arm that shows the customer an error or asks
/// Check Status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
#[schemars(description = "How the customer is sent on to pay.")]
#[non_exhaustive]
pub enum NextAction {
    /// Send the customer to `url` with `method`; for `POST`, as a self-submitting form
    /// carrying `form_fields`.
    Redirect {
        /// `GET` or `POST`, as DOKU's answer names it (upper-cased).
        #[serde(with = "method_serde")]
        #[schemars(with = "String")]
        method: Method,
        /// Where to send the customer.
        url: String,
        /// Form fields for a `POST` redirect.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        form_fields: Vec<Identifier>,
    },
}

impl NextAction {
    /// The URL the customer is sent to, for a [`Redirect`](Self::Redirect); `None` for an
    /// action that is not a redirect.
    pub fn redirect_url(&self) -> Option<&str> {
        match self {
            Self::Redirect { url, .. } => Some(url),
        }
    }
}

/// The result of creating a payment. A decline is `status: FAILED`, not an error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Payment {
    /// The channel id (`akulaku`, `linkaja`, ...).
    pub channel: String,
    /// The Request-Id the create was sent with.
    pub request_id: RequestId,
    /// Whether DOKU answered with its stored answer to an earlier identical request (409).
    #[serde(default)]
    pub replayed: bool,
    /// Invoice number.
    pub invoice_number: String,
    /// Amount DOKU confirmed.
    pub amount: Amount,
    /// Status.
    pub status: PaymentStatus,
    /// The merchant reference, where the channel has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference: Option<String>,
    /// What to do with the customer next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_action: Option<NextAction>,
    /// Identifiers DOKU returned (needed by cancel and refund on some channels).
    #[serde(default)]
    pub identifiers: Vec<Identifier>,
    /// DOKU's answer as received.
    pub raw: Value,
}

/// A request to cancel a payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Idempotency key (generated when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// Invoice number of the payment.
    pub invoice_number: String,
    /// The payment's merchant reference, as the `Payment` returned it
    /// (`CancelRequest::for_payment` copies it). Channels whose cancel names the payment by it
    /// require it (no default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference: Option<String>,
    /// Identifiers returned by create.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
}

/// Outcome of a cancel or refund operation itself (as opposed to the payment's status).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OperationStatus {
    /// `SUCCESS`.
    Success,
    /// `FAILED`.
    Failed,
    /// Anything else DOKU sent, kept verbatim.
    Unknown(String),
}

/// The result of a cancel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Cancellation {
    /// Channel id.
    pub channel: String,
    /// Request-Id the cancel was sent with.
    pub request_id: RequestId,
    /// Whether this is a replayed answer (409).
    #[serde(default)]
    pub replayed: bool,
    /// Invoice number.
    pub invoice_number: String,
    /// The payment's amount, when DOKU returned it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// The payment's status after the cancel.
    pub payment_status: PaymentStatus,
    /// Whether the cancel itself succeeded.
    pub cancel_status: OperationStatus,
    /// When the order was cancelled (`cancel.date` on Akulaku), when DOKU said.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub date: Option<OffsetDateTime>,
    /// When the order expires at the provider, where the answer says (Akulaku's
    /// `payment.date`, documented as the order's expiry); not the cancellation date.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub payment_expires_at: Option<OffsetDateTime>,
    /// DOKU's message, such as `Order Not Found`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Identifiers returned.
    #[serde(default)]
    pub identifiers: Vec<Identifier>,
    /// DOKU's answer as received.
    pub raw: Value,
}

/// How much to refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "amount", rename_all = "snake_case")]
pub enum RefundAmount {
    /// The whole payment.
    Full,
    /// Part of it (only channels whose capabilities say so).
    Partial(Amount),
}

/// A request to refund a paid payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// Idempotency key (generated when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// Invoice number of the payment.
    pub invoice_number: String,
    /// The payment's merchant reference, as the `Payment` returned it (`RefundRequest::full`
    /// copies it). Channels whose refund names the payment by it require it (no default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference: Option<String>,
    /// Identifiers of the payment: those create returned, or, on channels that send them
    /// only in the notification (ShopeePay), the `Notification`'s.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
    /// A new, unique reference for this refund.
    pub refund_reference: String,
    /// How much.
    pub amount: RefundAmount,
}

/// The result of a refund.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Refund {
    /// Channel id.
    pub channel: String,
    /// Request-Id the refund was sent with.
    pub request_id: RequestId,
    /// Whether this is a replayed answer (409).
    #[serde(default)]
    pub replayed: bool,
    /// Invoice number.
    pub invoice_number: String,
    /// The payment's amount, when DOKU returned it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// The payment's status (`REFUNDED`, `FAILED`, `CANCELLED`, `PENDING`).
    pub payment_status: PaymentStatus,
    /// Whether the refund itself succeeded.
    pub refund_status: OperationStatus,
    /// The refund's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_reference: Option<String>,
    /// When DOKU refunded it.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub date: Option<OffsetDateTime>,
    /// DOKU's message beside the result (`error.message`), such as why a refund `FAILED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Identifiers of the refund.
    #[serde(default)]
    pub identifiers: Vec<Identifier>,
    /// DOKU's answer as received.
    pub raw: Value,
}

/// A payment's status, as in notifications, Check Status and operation answers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaymentStatus {
    /// Waiting for the customer.
    Pending,
    /// Paid (final).
    Success,
    /// Declined or failed.
    Failed,
    /// Expired unpaid (final).
    Expired,
    /// Refunded (final).
    Refunded,
    /// DOKU timed out: ask Check Status.
    Timeout,
    /// The customer is being redirected.
    Redirect,
    /// Cancelled (`CANCELLED` or `CANCELED` on the wire).
    Cancelled,
    /// Any other value, kept verbatim (still acknowledged).
    Unknown(String),
}

impl Payment {
    /// The value of the identifier `name` DOKU returned for this payment (such as Akulaku's
    /// `ORDER_ID`).
    pub fn identifier(&self, name: &str) -> Option<&str> {
        identifier(&self.identifiers, name)
    }
}

impl CancelRequest {
    /// The cancel of `payment`: its invoice number, merchant reference and the identifiers
    /// DOKU returned, which is what a channel's cancel needs.
    pub fn for_payment(payment: &Payment) -> Self {
        Self {
            request_id: None,
            invoice_number: payment.invoice_number.clone(),
            merchant_reference: payment.merchant_reference.clone(),
            identifiers: payment.identifiers.clone(),
        }
    }
}

impl RefundRequest {
    /// The full refund of `payment` under the new `refund_reference`: its invoice number,
    /// merchant reference and the identifiers DOKU returned.
    pub fn full(payment: &Payment, refund_reference: impl Into<String>) -> Self {
        Self {
            request_id: None,
            invoice_number: payment.invoice_number.clone(),
            merchant_reference: payment.merchant_reference.clone(),
            identifiers: payment.identifiers.clone(),
            refund_reference: refund_reference.into(),
            amount: RefundAmount::Full,
        }
    }

    /// [`RefundRequest::full`] with the identifiers the payment's `notification` carried,
    /// when it carries any (channels such as ShopeePay send the identifiers a refund needs
    /// only there); else the create answer's.
    pub fn full_after(
        payment: &Payment,
        notification: &Notification,
        refund_reference: impl Into<String>,
    ) -> Self {
        let mut req = Self::full(payment, refund_reference);
        if !notification.identifiers.is_empty() {
            req.identifiers.clone_from(&notification.identifiers);
        }
        req
    }
}

impl PaymentStatus {
    /// Maps DOKU's wire value.
    ///
    /// Case-insensitive, as DOKU's own plugins compare (`success` is [`Self::Success`]), and
    /// blind to surrounding whitespace (`" SUCCESS\n"` is [`Self::Success`] too); anything
    /// else is kept verbatim, as sent, as [`Self::Unknown`]. Every reader of a status (a
    /// notification, Check Status, a channel's answer, serde) goes through this one function.
    ///
    /// ```
    /// use doku_pay_core::PaymentStatus;
    /// assert_eq!(PaymentStatus::from_doku("Success"), PaymentStatus::Success);
    /// assert_eq!(PaymentStatus::from_doku(" SUCCESS\n"), PaymentStatus::Success);
    /// assert_eq!(PaymentStatus::from_doku("canceled"), PaymentStatus::Cancelled);
    /// assert_eq!(PaymentStatus::from_doku("ON_HOLD").as_str(), "ON_HOLD");
    /// ```
    pub fn from_doku(s: &str) -> Self {
        // Compared in place (no table of statuses built per call): this runs for every
        // notification.
        let wire = s.trim();
        let is = |known: &str| known.eq_ignore_ascii_case(wire);
        if is("SUCCESS") {
            Self::Success
        } else if is("PENDING") {
            Self::Pending
        } else if is("FAILED") {
            Self::Failed
        } else if is("EXPIRED") {
            Self::Expired
        } else if is("REFUNDED") {
            Self::Refunded
        } else if is("TIMEOUT") {
            Self::Timeout
        } else if is("REDIRECT") {
            Self::Redirect
        } else if is("CANCELLED") || is("CANCELED") {
            Self::Cancelled
        } else {
            Self::Unknown(s.to_owned())
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "PENDING",
            Self::Success => "SUCCESS",
            Self::Failed => "FAILED",
            Self::Expired => "EXPIRED",
            Self::Refunded => "REFUNDED",
            Self::Timeout => "TIMEOUT",
            Self::Redirect => "REDIRECT",
            Self::Cancelled => "CANCELLED",
            Self::Unknown(s) => s,
        }
    }

    /// Whether DOKU's status table calls the status final: success, expired, refunded, and
    /// cancelled. `FAILED` is **not** final ("generate new payment request": the customer may
    /// still pay, through a new request or a retry), nor are pending, timeout (ask Check
    /// Status), redirect and unknown values.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Success | Self::Expired | Self::Refunded | Self::Cancelled
        )
    }
}

impl OperationStatus {
    /// Maps DOKU's wire value.
    ///
    /// Case-insensitive and blind to surrounding whitespace, as [`PaymentStatus::from_doku`];
    /// anything else is kept verbatim, as sent, as [`Self::Unknown`].
    ///
    /// ```
    /// use doku_pay_core::OperationStatus;
    /// assert_eq!(OperationStatus::from_doku(" success "), OperationStatus::Success);
    /// assert_eq!(OperationStatus::from_doku("QUEUED").as_str(), "QUEUED");
    /// ```
    pub fn from_doku(s: &str) -> Self {
        let wire = s.trim();
        if wire.eq_ignore_ascii_case("SUCCESS") {
            Self::Success
        } else if wire.eq_ignore_ascii_case("FAILED") {
            Self::Failed
        } else {
            Self::Unknown(s.to_owned())
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Success => "SUCCESS",
            Self::Failed => "FAILED",
            Self::Unknown(s) => s,
        }
    }
}

macro_rules! string_enum_serde {
    ($t:ty, $name:literal, $desc:literal, [$($known:literal),*]) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for $t {
            type Err = std::convert::Infallible;
            /// As `from_doku`: never fails, an unknown value is kept as `Unknown`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_doku(s))
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok(Self::from_doku(&s))
            }
        }
        impl JsonSchema for $t {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "description": $desc,
                    "examples": [$($known),*]
                })
            }
        }
    };
}

string_enum_serde!(
    PaymentStatus,
    "PaymentStatus",
    "PENDING, SUCCESS, FAILED, EXPIRED, REFUNDED, TIMEOUT, REDIRECT or CANCELLED; any other value is kept as sent.",
    [
        "PENDING",
        "SUCCESS",
        "FAILED",
        "EXPIRED",
        "REFUNDED",
        "TIMEOUT",
        "REDIRECT",
        "CANCELLED"
    ]
);
string_enum_serde!(
    OperationStatus,
    "OperationStatus",
    "SUCCESS or FAILED; any other value is kept as sent.",
    ["SUCCESS", "FAILED"]
);

/// JSON text kept exactly as received (a notification's body): never re-parsed on the
/// receiver's path, so a field of any shape, nesting or escape that DOKU adds reaches the
/// application unchanged. Serialises as the JSON it holds, through serde_json only: with
/// another serde format (bincode, MessagePack, YAML) it would not read back, so store
/// [`RawJson::as_str`] there, or the whole value as JSON text.
///
/// ```
/// use doku_pay_core::model::RawJson;
/// #[derive(serde::Deserialize)]
/// struct Mine {
///     n: u32,
/// }
/// let raw = RawJson::new(r#"{"customer": {"name": "\ud800 x"}, "n": 150}"#).unwrap();
/// assert_eq!(raw.parse::<Mine>().unwrap().n, 150);
/// // A `Value` cannot hold the lone surrogate; the raw text keeps it.
/// assert!(raw.to_value().is_err());
/// // Serialised byte for byte.
/// assert_eq!(serde_json::to_string(&raw).unwrap(), raw.as_str());
/// assert!(RawJson::new("{").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RawJson(bytes::Bytes);

impl RawJson {
    /// Checks that `text` is one JSON value and keeps it as it is.
    pub fn new(text: impl Into<String>) -> Result<Self, serde_json::Error> {
        let text = text.into();
        serde_json::from_str::<serde::de::IgnoredAny>(&text)?;
        Ok(Self(bytes::Bytes::from(text)))
    }

    /// Wraps bytes the caller already read as one UTF-8 JSON value (a verified
    /// notification's body), without copying or checking them again.
    pub(crate) fn from_checked(bytes: bytes::Bytes) -> Self {
        Self(bytes)
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        // Only checked UTF-8 text is ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The JSON text as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Parses the text into `T` (a channel's or the application's own model of the body).
    pub fn parse<'a, T: Deserialize<'a>>(&'a self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.as_str())
    }

    /// The text as a [`serde_json::Value`]. This can fail where the text itself is valid JSON
    /// that `Value` cannot hold (a lone `\ud800` escape, nesting deeper than 128): read such
    /// bodies with [`RawJson::parse`] into a type that skips those fields.
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        self.parse()
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawJson({})", self.as_str())
    }
}

impl fmt::Display for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let raw: &serde_json::value::RawValue =
            serde_json::from_str(self.as_str()).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
        Ok(Self(bytes::Bytes::from(String::from(Box::<str>::from(
            raw,
        )))))
    }
}

impl JsonSchema for RawJson {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RawJson".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "JSON exactly as DOKU sent it (any value)."
        })
    }
}

/// A verified DOKU notification, mapped by its channel's crate or, for a channel no linked
/// crate registers, read from the envelope every DOKU notification shares.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Notification {
    /// Channel id (`akulaku`, `linkaja`, ...) of the crate that mapped it; `None` for a
    /// channel no linked crate registers (read from the common envelope alone: DOKU's
    /// `channel_code`, invoice, amount, status and the raw body tell what it is). Such a
    /// notification is still a payment: it reaches the handler rather than being dropped.
    pub channel: Option<String>,
    /// DOKU's `channel.id` (`PEER_TO_PEER_AKULAKU`, ...).
    pub channel_code: String,
    /// The merchant the notification was signed for.
    pub client_id: String,
    /// The notification's own Request-Id (unique per notification; the deduplication key).
    pub request_id: RequestId,
    /// Invoice number.
    pub invoice_number: String,
    /// Amount.
    pub amount: Amount,
    /// Status.
    pub status: PaymentStatus,
    /// The Request-Id of the merchant's payment request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_request_id: Option<String>,
    /// `transaction.date`.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub date: Option<OffsetDateTime>,
    /// Identifiers the channel's notification carries for later operations (ShopeePay's
    /// `PAYMENT_REFERENCE_ID` and `TRANSACTION_SN`, which its refund needs): keep them with
    /// the payment. Empty for a channel that declares none
    /// ([`crate::PaymentChannel::notification_identifiers`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
    /// The notification body exactly as received (every field DOKU sent, known or not; a
    /// byte order mark before the JSON, if one was sent, is left out).
    pub raw: RawJson,
}

/// The answer of Check Status (`GET /orders/v1/status/{id}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatusResult {
    /// The Request-Id of the status call.
    pub request_id: RequestId,
    /// Invoice number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    /// Amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// Status (`Unknown("")` when DOKU sent none).
    pub status: PaymentStatus,
    /// DOKU's `channel.id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_code: Option<String>,
    /// Request-Id of the original payment request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_request_id: Option<String>,
    /// `transaction.date`.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub date: Option<OffsetDateTime>,
    /// DOKU's answer as received.
    pub raw: Value,
}

/// An operation a channel may offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Operation {
    /// Create a payment.
    Create,
    /// Cancel a pending payment.
    Cancel,
    /// Refund a paid payment in full.
    Refund,
    /// Refund part of a paid payment.
    PartialRefund,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Create => "create",
            Self::Cancel => "cancel",
            Self::Refund => "refund",
            Self::PartialRefund => "partial refund",
        })
    }
}
