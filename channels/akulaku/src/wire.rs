//! Akulaku's wire models: the request and response bodies of generate-order, cancel and
//! refund, with field names exactly as on the wire.
//!
//! Requests deserialise leniently (a missing mandatory field becomes an empty value that
//! `validate()` reports as `required` with its path) so that a server, such as the local
//! simulator, can decode any body and report every broken rule at once. Responses are read
//! liberally (see [`doku_core::lenient`]): every field is optional, unknown fields are
//! ignored, and a minor field in an unexpected shape is read as empty rather than making the
//! whole answer undecodable.
//!
//! The JSON Schema limits (`#[schemars(...)]`) mirror what `validate()` enforces.

use doku_core::clock::parse_doku_datetime;
use doku_core::validate::{Validator, Violations};
use doku_core::{Amount, Identifier, lenient};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

/// Identifier name of Akulaku's order id, returned by generate-order.
pub const ORDER_ID: &str = "ORDER_ID";
/// Identifier name of Akulaku's unique reference, returned by generate-order.
pub const AKULAKU_UNIQUE_REFERENCE: &str = "AKULAKU_UNIQUE_REFERENCE";

/// Schema transforms: serde defaults make every field optional in the generated schema, while
/// `validate()` reports a missing mandatory field as `required`; these put the schema back in
/// line with `validate()`.
mod schema {
    use doku_core::schema::property_mut;
    pub(super) use doku_core::schema::require;

    /// Requires `fields` and restricts `amount` to 1 ..= 999 999 999 999 rupiah.
    pub(super) fn require_positive_amount(schema: &mut Schema, fields: &[&str]) {
        doku_core::schema::require_positive_amount(schema, fields);
    }
    use schemars::Schema;
    use serde_json::json;

    /// A line item: requires `fields` and restricts `price` to 0 ..= 999 999 999 999 rupiah
    /// (the guide sets no minimum for a line's price).
    pub(super) fn line_item(schema: &mut Schema, fields: &[&str]) {
        require(schema, fields);
        if let Some(price) = property_mut(schema, "price") {
            price.insert(
                "anyOf".into(),
                json!([
                    {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_u64},
                    {"type": "string", "pattern": "^[0-9]{1,12}(\\.0+)?$"}
                ]),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// generate-order

/// The request body of `POST /akulaku-peer-to-peer/v2/generate-order`.
///
/// The rules are the guide's table, no more, except these, kept stricter on purpose:
/// `order.amount` at least 1 (a zero order cannot be paid; the descriptor's minimum), and
/// `customer.phone` without a leading `0` (the guide's format is `{calling_code}{number}`, and
/// no country calling code starts with `0`: a leading `0` is a local number such as
/// `0812...`). `order.callback_url` is any non-blank string (the guide gives no format, so an
/// app deep link is accepted); a line's price and quantity have no minimum.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = generate_order_request_schema)]
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
#[schemars(transform = order_schema)]
pub struct Order {
    /// `order.invoice_number`: mandatory, unique per request, max 64.
    #[serde(default)]
    #[schemars(required, length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub invoice_number: String,
    /// `order.amount`: mandatory, whole IDR, max 12 digits (by type), at least 1 (stricter on
    /// purpose: see the body's description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(required, range(min = 1))]
    pub amount: Option<Amount>,
    /// `order.line_items`: mandatory; price x quantity must sum to `order.amount`.
    #[serde(default)]
    #[schemars(required, length(min = 1))]
    pub line_items: Vec<LineItem>,
    /// `order.callback_url`: mandatory, any non-blank string (an app deep link included): the
    /// guide gives no format.
    #[serde(default)]
    #[schemars(required, length(min = 1), regex(pattern = r"\S"))]
    pub callback_url: String,
}

/// One entry of `order.line_items`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = line_item_schema)]
pub struct LineItem {
    /// `name`: mandatory, max 255.
    #[serde(default)]
    #[schemars(required, length(min = 1, max = 255), regex(pattern = r"\S"))]
    pub name: String,
    /// `price`: mandatory, whole IDR, max 12 digits (by type); no minimum in the guide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub price: Option<Amount>,
    /// `quantity`: mandatory, max 4 digits; no minimum in the guide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(required, range(max = 9999))]
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
#[schemars(transform = order_payment_schema)]
pub struct OrderPayment {
    /// `payment.merchant_unique_reference`: mandatory, max 64, may equal the invoice number.
    #[serde(default)]
    #[schemars(required, length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub merchant_unique_reference: String,
}

/// `customer` of generate-order. `city`, `state` and `postcode` are always sent, as `""`
/// when empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = customer_schema)]
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
    /// `6281122334455` (so no leading `0`: see the body's description), max 16.
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
    /// Checks every rule of the guide's generate-order table (`akulaku-guide.txt`, summarised
    /// in `doku-api.md` section 4.2, Akulaku) and reports all broken ones with their wire
    /// paths.
    ///
    /// | field | rule |
    /// | --- | --- |
    /// | `order.invoice_number` | `required`, `max 64 characters` |
    /// | `order.amount` | `required`, `must be at least 1`, `max 12 digits` |
    /// | `order.line_items` | `required`; `sum of line items {sum} != amount {amount}` |
    /// | `order.line_items[i].name` | `required`, `max 255 characters` |
    /// | `order.line_items[i].price` | `required`, `max 12 digits` |
    /// | `order.line_items[i].quantity` | `required`, `max 4 digits` |
    /// | `order.line_items[i].sku`, `.category` | `required` |
    /// | `order.callback_url` | `required` |
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
                    v.max_digits(&path("price"), p.rupiah(), 12);
                }
            }
            match item.quantity {
                None => v.push(path("quantity"), "required"),
                Some(q) => {
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
        v.required("order.callback_url", Some(&o.callback_url));
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
    /// `order.invoice_number` (a number is read as its text).
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub invoice_number: Option<String>,
    /// `order.amount`: whole rupiah; anything that is not an amount is read as absent.
    #[serde(
        default,
        deserialize_with = "lenient::amount",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Amount>,
}

/// The response body of generate-order, read liberally: every field optional, unknown fields
/// ignored (the raw body is kept), a part in an unexpected shape read as empty. The channel
/// requires only `order.invoice_number`, `order.amount` and `payment.status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GenerateOrderResponse {
    /// `order`.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub order: ResponseOrder,
    /// `payment`.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub payment: GenerateOrderPayment,
}

/// `payment` of the generate-order response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GenerateOrderPayment {
    /// `payment.merchant_unique_reference`.
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub merchant_unique_reference: Option<String>,
    /// `payment.url`: Akulaku's payment page.
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub url: Option<String>,
    /// `payment.status`: `PENDING` (redirect to `url`) or `FAILED` (retry with a new invoice
    /// number and reference), compared case-insensitively.
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<String>,
    /// `payment.identifier[]` (optional): `ORDER_ID`, `AKULAKU_UNIQUE_REFERENCE`. An entry
    /// without `value` has an empty value; an object map or a bare string is read too.
    #[serde(
        default,
        deserialize_with = "lenient::name_values",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Vec<lenient::NameValueEntry>")]
    pub identifier: Vec<Identifier>,
}

// ---------------------------------------------------------------------------------------------
// cancel and refund requests

/// `order` of cancel and refund requests.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = order_ref_schema)]
pub struct OrderRef {
    /// `order.invoice_number`: mandatory, max 64, generate-order's invoice number (see the
    /// request body's description).
    #[serde(default)]
    #[schemars(required, length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub invoice_number: String,
}

/// `payment` of cancel and refund requests.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = payment_ref_schema)]
pub struct PaymentRef {
    /// `payment.merchant_unique_reference`: mandatory, max 64, the payment's reference from
    /// generate-order (see the request body's description).
    #[serde(default)]
    #[schemars(required, length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub merchant_unique_reference: String,
    /// `payment.identifier[]` (optional): what generate-order returned, sent as given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
}

/// The request body of `POST /akulaku-peer-to-peer/v2/cancel`.
///
/// The rules are the guide's table, no more, except this, kept on purpose:
/// `order.invoice_number` (whose mandatory column the table leaves blank) is required, and it
/// and `payment.merchant_unique_reference` are at most 64 characters. The table gives no
/// length, but both are generate-order's values, limited to 64 there: a longer one names no
/// order. `payment.identifier` is optional and sent as given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = cancel_request_schema)]
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
#[schemars(transform = refund_payment_ref_schema)]
pub struct RefundPaymentRef {
    /// `payment.merchant_unique_reference`: mandatory, max 64, the payment's reference from
    /// generate-order (see the request body's description).
    #[serde(default)]
    #[schemars(required, length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub merchant_unique_reference: String,
    /// `payment.identifier[]`: mandatory, at least one entry, none required by name: what
    /// generate-order returned, sent as given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(required, length(min = 1))]
    pub identifier: Vec<Identifier>,
}

/// `refund` of the refund request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = refund_ref_schema)]
pub struct RefundRef {
    /// `refund.merchant_unique_reference`: mandatory, no length limit, a new reference (not
    /// the payment's; see the request body's description).
    #[serde(default)]
    #[schemars(required, length(min = 1), regex(pattern = r"\S"))]
    pub merchant_unique_reference: String,
}

/// The request body of `POST /akulaku-peer-to-peer/v2/refund` (full amount only).
///
/// The rules are the guide's table, no more, except these, kept on purpose:
/// `order.invoice_number` and `payment.merchant_unique_reference` at most 64 characters (the
/// generate-order values they repeat, limited to 64 there); `payment.identifier`, a mandatory
/// array, has at least one entry (an empty array would not be sent at all), but no entry is
/// required by name; `refund.merchant_unique_reference` must differ from the payment's
/// reference (the guide calls it new; the payment's is the one value certainly not new). The
/// refund reference has no length limit: the guide gives none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = refund_request_schema)]
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

/// The order and payment references of cancel and refund: `required`, `max 64 characters`
/// (the generate-order values they repeat). The identifiers are sent as given: the guide sets
/// no rule on their entries.
fn validate_refs(v: &mut Validator, order: &OrderRef, merchant_unique_reference: &str) {
    required_max(v, "order.invoice_number", &order.invoice_number, 64);
    required_max(
        v,
        "payment.merchant_unique_reference",
        merchant_unique_reference,
        64,
    );
}

impl CancelRequest {
    /// Checks the cancel rules: `order.invoice_number` and `payment.merchant_unique_reference`
    /// `required` and `max 64 characters` (the generate-order values); `payment.identifier`
    /// optional, sent as given.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Validator::new();
        validate_refs(&mut v, &self.order, &self.payment.merchant_unique_reference);
        v.finish()
    }
}

impl RefundRequest {
    /// Checks the refund rules: those of cancel, plus `payment.identifier` `required` (the
    /// guide's "mandatory array": at least one entry, no entry named), and
    /// `refund.merchant_unique_reference` `required` and `must be a new reference, not the
    /// payment's` (no length limit: the guide gives none).
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Validator::new();
        validate_refs(&mut v, &self.order, &self.payment.merchant_unique_reference);
        if self.payment.identifier.is_empty() {
            v.push("payment.identifier", "required");
        }
        let r = &self.refund.merchant_unique_reference;
        if v.required("refund.merchant_unique_reference", Some(r))
            && *r == self.payment.merchant_unique_reference
        {
            v.push(
                "refund.merchant_unique_reference",
                "must be a new reference, not the payment's",
            );
        }
        v.finish()
    }
}

// ---------------------------------------------------------------------------------------------
// cancel and refund responses

/// `payment` of cancel and refund responses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PaymentState {
    /// `payment.status`, compared case-insensitively.
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<String>,
    /// `payment.date`: in the cancel answer the order's expiry (`yyyyMMddHHmmss` in UTC+7 in
    /// the guide's table, ISO-8601 UTC in its sample), in the refund answer a timestamp; both
    /// forms, and a JSON number of digits, are read by [`PaymentState::parsed_date`].
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub date: Option<String>,
    /// `payment.merchant_unique_reference`.
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub merchant_unique_reference: Option<String>,
    /// `payment.identifier[]` (an entry without `value` has an empty value).
    #[serde(
        default,
        deserialize_with = "lenient::name_values",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Vec<lenient::NameValueEntry>")]
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
    /// `cancel.status`: `SUCCESS` or `FAILED`, compared case-insensitively.
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<String>,
    /// `cancel.date`: when the order was cancelled.
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub date: Option<String>,
}

/// `error.message` as a string, or a list of strings joined with `; `.
fn message<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(lenient::value_text).collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        other => lenient::value_text(&other),
    })
}

/// `error` of a response, such as `{"message": "Order Not Found"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    /// `error.code` (a number is read as its text).
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub code: Option<String>,
    /// `error.message`.
    #[serde(
        default,
        deserialize_with = "message",
        skip_serializing_if = "Option::is_none"
    )]
    pub message: Option<String>,
}

/// The response body of cancel, read liberally like generate-order's. It may carry `cancel`
/// and `error` together: a `FAILED` cancel is a 200 answer with `cancel.status` `FAILED` and
/// `error.message`, a result rather than an error.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CancelResponse {
    /// `order`.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub order: ResponseOrder,
    /// `payment`.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub payment: PaymentState,
    /// `cancel`.
    #[serde(
        default,
        deserialize_with = "lenient::or_default",
        skip_serializing_if = "Option::is_none"
    )]
    pub cancel: Option<CancelResult>,
    /// `error`.
    #[serde(
        default,
        deserialize_with = "lenient::or_default",
        skip_serializing_if = "Option::is_none"
    )]
    pub error: Option<ErrorBody>,
}

/// `refund` of the refund response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RefundResult {
    /// `refund.date`.
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub date: Option<String>,
    /// `refund.status`: `SUCCESS` or `FAILED`, compared case-insensitively.
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<String>,
    /// `refund.merchant_unique_reference`.
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub merchant_unique_reference: Option<String>,
    /// `refund.identifier[]` (an entry without `value` has an empty value).
    #[serde(
        default,
        deserialize_with = "lenient::name_values",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Vec<lenient::NameValueEntry>")]
    pub identifier: Vec<Identifier>,
}

/// The response body of refund, read liberally like generate-order's. A `FAILED` refund is a
/// 200 answer (`refund.status` / `payment.status` `FAILED`), a result rather than an error.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RefundResponse {
    /// `order`.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub order: ResponseOrder,
    /// `payment`: status `REFUNDED`, `FAILED`, `CANCELED` or `PENDING`.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub payment: PaymentState,
    /// `refund`.
    #[serde(
        default,
        deserialize_with = "lenient::or_default",
        skip_serializing_if = "Option::is_none"
    )]
    pub refund: Option<RefundResult>,
    /// `error`, when DOKU sends one.
    #[serde(
        default,
        deserialize_with = "lenient::or_default",
        skip_serializing_if = "Option::is_none"
    )]
    pub error: Option<ErrorBody>,
}

// Schema transforms, one per wire type (named functions: a closure in `#[schemars]`
// needs syn's "full" feature, which this crate does not otherwise compile).

fn generate_order_request_schema(s: &mut schemars::Schema) {
    schema::require(s, &["order", "payment", "customer"]);
}

fn order_schema(s: &mut schemars::Schema) {
    schema::require_positive_amount(
        s,
        &["invoice_number", "amount", "line_items", "callback_url"],
    );
}

fn line_item_schema(s: &mut schemars::Schema) {
    schema::line_item(s, &["name", "price", "quantity", "sku", "category"]);
}

fn order_payment_schema(s: &mut schemars::Schema) {
    schema::require(s, &["merchant_unique_reference"]);
}

fn customer_schema(s: &mut schemars::Schema) {
    schema::require(s, &["id", "name", "phone"]);
}

fn order_ref_schema(s: &mut schemars::Schema) {
    schema::require(s, &["invoice_number"]);
}

fn payment_ref_schema(s: &mut schemars::Schema) {
    schema::require(s, &["merchant_unique_reference"]);
}

fn cancel_request_schema(s: &mut schemars::Schema) {
    schema::require(s, &["order", "payment"]);
}

fn refund_payment_ref_schema(s: &mut schemars::Schema) {
    schema::require(s, &["merchant_unique_reference", "identifier"]);
}

fn refund_ref_schema(s: &mut schemars::Schema) {
    schema::require(s, &["merchant_unique_reference"]);
}

fn refund_request_schema(s: &mut schemars::Schema) {
    schema::require(s, &["order", "payment", "refund"]);
}
