//! Akulaku's wire models: the request and response bodies of generate-order, cancel and
//! refund, with field names exactly as on the wire.
//!
//! Requests deserialise leniently (a missing mandatory field becomes an empty value that
//! `validate()` reports as `required` with its path) so that a server, such as the local
//! simulator, can decode any body and report every broken rule at once. Responses are read
//! leniently too: every field is optional and unknown fields are ignored.
//!
//! The JSON Schema limits (`#[schemars(...)]`) mirror what `validate()` enforces.

use doku_core::clock::parse_doku_datetime;
use doku_core::validate::{Validator, Violations};
use doku_core::{Amount, Identifier};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Identifier name of Akulaku's order id, returned by generate-order.
pub const ORDER_ID: &str = "ORDER_ID";
/// Identifier name of Akulaku's unique reference, returned by generate-order.
pub const AKULAKU_UNIQUE_REFERENCE: &str = "AKULAKU_UNIQUE_REFERENCE";

/// Schema transforms: serde defaults make every field optional in the generated schema, while
/// `validate()` reports a missing mandatory field as `required`; these put the schema back in
/// line with `validate()`.
mod schema {
    pub(super) use doku_core::schema::require;
    use doku_core::schema::{positive_amount, property_mut};
    use schemars::Schema;
    use serde_json::json;

    /// Requires `fields` and restricts the `amount` property to 1 ..= 999 999 999 999 rupiah.
    pub(super) fn require_positive_amount(schema: &mut Schema, fields: &[&str]) {
        require(schema, fields);
        positive_amount(schema, "amount");
    }

    /// A line item: requires `fields` and restricts `price` to 1 ..= 999 999 999 999 rupiah.
    pub(super) fn line_item(schema: &mut Schema, fields: &[&str]) {
        require(schema, fields);
        positive_amount(schema, "price");
    }

    /// `payment.identifier` of refund: at least one entry, among them `ORDER_ID` and
    /// `AKULAKU_UNIQUE_REFERENCE`.
    pub(super) fn refund_payment(schema: &mut Schema, fields: &[&str]) {
        require(schema, fields);
        if let Some(identifier) = property_mut(schema, "identifier") {
            let contains = |name: &str| {
                json!({"contains": {
                    "type": "object",
                    "properties": {"name": {"const": name}},
                    "required": ["name"]
                }})
            };
            identifier.insert(
                "allOf".into(),
                json!([
                    contains(super::ORDER_ID),
                    contains(super::AKULAKU_UNIQUE_REFERENCE)
                ]),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// generate-order

/// The request body of `POST /akulaku-peer-to-peer/v2/generate-order`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = |s: &mut schemars::Schema| schema::require(s, &["order", "payment", "customer"]))]
pub struct GenerateOrderRequest {
    /// `order`.
    #[serde(default)]
    #[schemars(required)]
    pub order: Order,
    /// `payment`.
    #[serde(default)]
    #[schemars(required)]
    pub payment: OrderPayment,
    /// `customer`.
    #[serde(default)]
    #[schemars(required)]
    pub customer: Customer,
}

/// `order` of generate-order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = |s: &mut schemars::Schema| schema::require_positive_amount(s, &["invoice_number", "amount", "line_items", "callback_url"]))]
pub struct Order {
    /// `order.invoice_number`: mandatory, unique per request, max 64.
    #[serde(default)]
    #[schemars(required, length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub invoice_number: String,
    /// `order.amount`: mandatory, whole IDR, max 12 digits (by type), at least 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(required, range(min = 1))]
    pub amount: Option<Amount>,
    /// `order.line_items`: mandatory; price x quantity must sum to `order.amount`.
    #[serde(default)]
    #[schemars(required, length(min = 1))]
    pub line_items: Vec<LineItem>,
    /// `order.callback_url`: mandatory absolute http(s) URL.
    #[serde(default)]
    #[schemars(required, length(min = 1), regex(pattern = r"^https?://[^/?#\s]+"))]
    pub callback_url: String,
}

/// One entry of `order.line_items`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = |s: &mut schemars::Schema| schema::line_item(s, &["name", "price", "quantity", "sku", "category"]))]
pub struct LineItem {
    /// `name`: mandatory, max 255.
    #[serde(default)]
    #[schemars(required, length(min = 1, max = 255), regex(pattern = r"\S"))]
    pub name: String,
    /// `price`: mandatory, whole IDR, at least 1, max 12 digits (by type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub price: Option<Amount>,
    /// `quantity`: mandatory, at least 1, max 4 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(required, range(min = 1, max = 9999))]
    pub quantity: Option<u64>,
    /// `sku`: mandatory.
    #[serde(default)]
    #[schemars(required, length(min = 1), regex(pattern = r"\S"))]
    pub sku: String,
    /// `category`: mandatory.
    #[serde(default)]
    #[schemars(required, length(min = 1), regex(pattern = r"\S"))]
    pub category: String,
}

/// `payment` of generate-order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = |s: &mut schemars::Schema| schema::require(s, &["merchant_unique_reference"]))]
pub struct OrderPayment {
    /// `payment.merchant_unique_reference`: mandatory, max 64, may equal the invoice number.
    #[serde(default)]
    #[schemars(required, length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub merchant_unique_reference: String,
}

/// `customer` of generate-order. `city`, `state` and `postcode` are always sent, as `""`
/// when empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = |s: &mut schemars::Schema| schema::require(s, &["id", "name", "phone"]))]
pub struct Customer {
    /// `customer.id`: mandatory, max 50.
    #[serde(default)]
    #[schemars(required, length(min = 1, max = 50), regex(pattern = r"\S"))]
    pub id: String,
    /// `customer.name`: mandatory, max 64.
    #[serde(default)]
    #[schemars(required, length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub name: String,
    /// `customer.phone`: mandatory, digits only, `{calling_code}{number}` such as
    /// `6281122334455` (so no leading `0`), max 16.
    #[serde(default)]
    #[schemars(
        required,
        length(min = 1, max = 16),
        regex(pattern = r"^[1-9][0-9]{0,15}$")
    )]
    pub phone: String,
    /// `customer.address`: optional, max 400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 400))]
    pub address: Option<String>,
    /// `customer.city`: optional, max 64, sent as `""` when empty.
    #[serde(default)]
    #[schemars(required, length(max = 64))]
    pub city: String,
    /// `customer.state`: optional, max 64, sent as `""` when empty.
    #[serde(default)]
    #[schemars(required, length(max = 64))]
    pub state: String,
    /// `customer.postcode`: optional, digits only, max 64, a string, sent as `""` when empty.
    #[serde(default)]
    #[schemars(required, length(max = 64), regex(pattern = r"^[0-9]*$"))]
    pub postcode: String,
}

impl GenerateOrderRequest {
    /// Checks every rule of doku-api.md 4.2 and reports all broken ones with their wire paths.
    ///
    /// | field | rule |
    /// | --- | --- |
    /// | `order.invoice_number` | `required`, `max 64 characters` |
    /// | `order.amount` | `required`, `must be at least 1`, `max 12 digits` |
    /// | `order.line_items` | `required`; `sum of line items {sum} != amount {amount}` |
    /// | `order.line_items[i].name` | `required`, `max 255 characters` |
    /// | `order.line_items[i].price` | `required`, `must be at least 1`, `max 12 digits` |
    /// | `order.line_items[i].quantity` | `required`, `must be at least 1`, `max 4 digits` |
    /// | `order.line_items[i].sku`, `.category` | `required` |
    /// | `order.callback_url` | `required`, `absolute http(s) URL` |
    /// | `payment.merchant_unique_reference` | `required`, `max 64 characters` |
    /// | `customer.id` | `required`, `max 50 characters` |
    /// | `customer.name` | `required`, `max 64 characters` |
    /// | `customer.phone` | `required`, `digits only`, `{calling_code}{number}, no leading 0`, `max 16 characters` |
    /// | `customer.address` | `max 400 characters` |
    /// | `customer.city`, `customer.state` | `max 64 characters` |
    /// | `customer.postcode` | `digits only`, `max 64 characters` |
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Validator::new();
        let o = &self.order;
        required_max(&mut v, "order.invoice_number", &o.invoice_number, 64);
        match o.amount {
            None => v.push("order.amount", "required"),
            Some(a) => {
                v.min("order.amount", a.rupiah(), 1);
                v.max_digits("order.amount", a.rupiah(), 12);
            }
        }
        if o.line_items.is_empty() {
            v.push("order.line_items", "required");
        }
        // The sum is checked only when every price and quantity is present.
        let mut sum: Option<Option<Amount>> = Some(Some(Amount::ZERO));
        for (i, item) in o.line_items.iter().enumerate() {
            let path = |f: &str| format!("order.line_items[{i}].{f}");
            required_max(&mut v, &path("name"), &item.name, 255);
            match item.price {
                None => v.push(path("price"), "required"),
                Some(p) => {
                    v.min(&path("price"), p.rupiah(), 1);
                    v.max_digits(&path("price"), p.rupiah(), 12);
                }
            }
            match item.quantity {
                None => v.push(path("quantity"), "required"),
                Some(q) => {
                    v.min(&path("quantity"), q, 1);
                    v.max_digits(&path("quantity"), q, 4);
                }
            }
            v.required(&path("sku"), Some(&item.sku));
            v.required(&path("category"), Some(&item.category));
            sum = match (sum, item.price, item.quantity) {
                (Some(acc), Some(p), Some(q)) => Some(
                    acc.and_then(|acc| p.checked_mul(q).and_then(|line| acc.checked_add(line))),
                ),
                _ => None,
            };
        }
        if let (Some(amount), Some(sum), false) = (o.amount, sum, o.line_items.is_empty()) {
            match sum {
                Some(s) if s == amount => {}
                Some(s) => v.push(
                    "order.line_items",
                    format!("sum of line items {s} != amount {amount}"),
                ),
                None => v.push(
                    "order.line_items",
                    format!("sum of line items exceeds 12 digits != amount {amount}"),
                ),
            }
        }
        if v.required("order.callback_url", Some(&o.callback_url)) {
            v.url("order.callback_url", &o.callback_url);
        }
        required_max(
            &mut v,
            "payment.merchant_unique_reference",
            &self.payment.merchant_unique_reference,
            64,
        );
        let c = &self.customer;
        required_max(&mut v, "customer.id", &c.id, 50);
        required_max(&mut v, "customer.name", &c.name, 64);
        if v.required("customer.phone", Some(&c.phone)) {
            v.digits("customer.phone", &c.phone);
            if c.phone.starts_with('0') {
                v.push("customer.phone", "{calling_code}{number}, no leading 0");
            }
            v.max_chars("customer.phone", &c.phone, 16);
        }
        if let Some(address) = &c.address {
            v.max_chars("customer.address", address, 400);
        }
        v.max_chars("customer.city", &c.city, 64);
        v.max_chars("customer.state", &c.state, 64);
        v.digits("customer.postcode", &c.postcode);
        v.max_chars("customer.postcode", &c.postcode, 64);
        v.finish()
    }
}

/// `required` then `max N characters`.
fn required_max(v: &mut Validator, field: &str, value: &str, max: usize) {
    if v.required(field, Some(value)) {
        v.max_chars(field, value, max);
    }
}

/// `order` of a response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResponseOrder {
    /// `order.invoice_number`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    /// `order.amount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
}

/// The response body of generate-order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GenerateOrderResponse {
    /// `order`.
    #[serde(default)]
    pub order: ResponseOrder,
    /// `payment`.
    #[serde(default)]
    pub payment: GenerateOrderPayment,
}

/// `payment` of the generate-order response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GenerateOrderPayment {
    /// `payment.merchant_unique_reference`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_unique_reference: Option<String>,
    /// `payment.url`: Akulaku's payment page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `payment.status`: `PENDING` (redirect to `url`) or `FAILED` (retry with a new invoice
    /// number and reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `payment.identifier[]`: `ORDER_ID`, `AKULAKU_UNIQUE_REFERENCE`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
}

// ---------------------------------------------------------------------------------------------
// cancel and refund requests

/// `order` of cancel and refund requests.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = |s: &mut schemars::Schema| schema::require(s, &["invoice_number"]))]
pub struct OrderRef {
    /// `order.invoice_number`: mandatory, max 64.
    #[serde(default)]
    #[schemars(required, length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub invoice_number: String,
}

/// `payment` of cancel and refund requests.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = |s: &mut schemars::Schema| schema::require(s, &["merchant_unique_reference"]))]
pub struct PaymentRef {
    /// `payment.merchant_unique_reference`: mandatory, max 64 (the payment's reference).
    #[serde(default)]
    #[schemars(required, length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub merchant_unique_reference: String,
    /// `payment.identifier[]`: what generate-order returned (optional for cancel, mandatory
    /// for refund).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
}

/// The request body of `POST /akulaku-peer-to-peer/v2/cancel`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = |s: &mut schemars::Schema| schema::require(s, &["order", "payment"]))]
pub struct CancelRequest {
    /// `order`.
    #[serde(default)]
    #[schemars(required)]
    pub order: OrderRef,
    /// `payment`.
    #[serde(default)]
    #[schemars(required)]
    pub payment: PaymentRef,
}

/// `payment` of the refund request: like [`PaymentRef`], but `identifier` is mandatory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = |s: &mut schemars::Schema| schema::refund_payment(s, &["merchant_unique_reference", "identifier"]))]
pub struct RefundPaymentRef {
    /// `payment.merchant_unique_reference`: mandatory, max 64 (the payment's reference).
    #[serde(default)]
    #[schemars(required, length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub merchant_unique_reference: String,
    /// `payment.identifier[]`: mandatory, what generate-order returned: `ORDER_ID` and
    /// `AKULAKU_UNIQUE_REFERENCE` among them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(required, length(min = 1))]
    pub identifier: Vec<Identifier>,
}

/// `refund` of the refund request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = |s: &mut schemars::Schema| schema::require(s, &["merchant_unique_reference"]))]
pub struct RefundRef {
    /// `refund.merchant_unique_reference`: mandatory, max 64, new (not the payment's).
    #[serde(default)]
    #[schemars(required, length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub merchant_unique_reference: String,
}

/// The request body of `POST /akulaku-peer-to-peer/v2/refund` (full amount only).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = |s: &mut schemars::Schema| schema::require(s, &["order", "payment", "refund"]))]
pub struct RefundRequest {
    /// `order`.
    #[serde(default)]
    #[schemars(required)]
    pub order: OrderRef,
    /// `payment`.
    #[serde(default)]
    #[schemars(required)]
    pub payment: RefundPaymentRef,
    /// `refund`.
    #[serde(default)]
    #[schemars(required)]
    pub refund: RefundRef,
}

fn validate_refs(
    v: &mut Validator,
    order: &OrderRef,
    merchant_unique_reference: &str,
    identifier: &[Identifier],
) {
    required_max(v, "order.invoice_number", &order.invoice_number, 64);
    required_max(
        v,
        "payment.merchant_unique_reference",
        merchant_unique_reference,
        64,
    );
    for (i, id) in identifier.iter().enumerate() {
        v.required(&format!("payment.identifier[{i}].name"), Some(&id.name));
        v.required(&format!("payment.identifier[{i}].value"), Some(&id.value));
    }
}

impl CancelRequest {
    /// Checks the cancel rules: `order.invoice_number` and `payment.merchant_unique_reference`
    /// `required` and `max 64 characters`; each `payment.identifier[i].name` / `.value`
    /// `required`.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Validator::new();
        validate_refs(
            &mut v,
            &self.order,
            &self.payment.merchant_unique_reference,
            &self.payment.identifier,
        );
        v.finish()
    }
}

impl RefundRequest {
    /// Checks the refund rules: those of cancel, plus `payment.identifier` `required` (at
    /// least one) and `must contain ORDER_ID` / `must contain AKULAKU_UNIQUE_REFERENCE` (the
    /// guide makes it mandatory for refund, unlike cancel), and `refund.merchant_unique_reference` `required`, `max 64 characters`
    /// and `must be a new reference, not the payment's`.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Validator::new();
        validate_refs(
            &mut v,
            &self.order,
            &self.payment.merchant_unique_reference,
            &self.payment.identifier,
        );
        if self.payment.identifier.is_empty() {
            v.push("payment.identifier", "required");
        } else {
            for name in [ORDER_ID, AKULAKU_UNIQUE_REFERENCE] {
                if !self.payment.identifier.iter().any(|i| i.name == name) {
                    v.push("payment.identifier", format!("must contain {name}"));
                }
            }
        }
        let r = &self.refund.merchant_unique_reference;
        if v.required("refund.merchant_unique_reference", Some(r)) {
            v.max_chars("refund.merchant_unique_reference", r, 64);
            if *r == self.payment.merchant_unique_reference {
                v.push(
                    "refund.merchant_unique_reference",
                    "must be a new reference, not the payment's",
                );
            }
        }
        v.finish()
    }
}

// ---------------------------------------------------------------------------------------------
// cancel and refund responses

/// `payment` of cancel and refund responses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PaymentState {
    /// `payment.status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `payment.date`: documented as `yyyyMMddHHmmss` in UTC+7, sent as ISO-8601 UTC in the
    /// samples; both are read by [`PaymentState::parsed_date`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// `payment.merchant_unique_reference`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_unique_reference: Option<String>,
    /// `payment.identifier[]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
}

impl PaymentState {
    /// `payment.date` read as ISO-8601, or as `yyyyMMddHHmmss` in UTC+7.
    pub fn parsed_date(&self) -> Option<OffsetDateTime> {
        self.date.as_deref().and_then(parse_doku_datetime)
    }
}

/// `cancel` of the cancel response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CancelResult {
    /// `cancel.status`: `SUCCESS` or `FAILED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `cancel.date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// `error` of a response, such as `{"message": "Order Not Found"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    /// `error.message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The response body of cancel. It may carry `cancel` and `error` together.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CancelResponse {
    /// `order`.
    #[serde(default)]
    pub order: ResponseOrder,
    /// `payment`.
    #[serde(default)]
    pub payment: PaymentState,
    /// `cancel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel: Option<CancelResult>,
    /// `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

/// `refund` of the refund response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RefundResult {
    /// `refund.date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// `refund.status`: `SUCCESS` or `FAILED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `refund.merchant_unique_reference`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_unique_reference: Option<String>,
    /// `refund.identifier[]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
}

/// The response body of refund.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RefundResponse {
    /// `order`.
    #[serde(default)]
    pub order: ResponseOrder,
    /// `payment`: status `REFUNDED`, `FAILED`, `CANCELED` or `PENDING`.
    #[serde(default)]
    pub payment: PaymentState,
    /// `refund`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund: Option<RefundResult>,
    /// `error`, when DOKU sends one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}
