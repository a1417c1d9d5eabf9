//! LinkAja's wire models: the bodies of `POST /linkaja-emoney/v2/ServiceRequestPayment`, with
//! field names exactly as on the wire.
//!
//! Requests deserialise leniently (a missing mandatory field becomes an empty value that
//! [`PaymentRequest::validate`] reports as `required` with its path) so that a server, such as
//! the local simulator, can decode any body and report every broken rule at once. Responses
//! are read liberally (see [`doku_core::lenient`]): every field is optional, unknown fields
//! are ignored, and a minor field in an unexpected shape is read as empty rather than making
//! the whole answer undecodable.
//!
//! The JSON Schema limits (`#[schemars(...)]`) mirror what `validate()` enforces.

use doku_core::validate::{Validator, Violations};
use doku_core::{Amount, Identifier, lenient};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Schema transforms: serde defaults make every field optional in the generated schema, while
/// `validate()` reports a missing mandatory field as `required`; these put the schema back in
/// line with `validate()`.
mod schema {
    use doku_core::schema::property_mut;
    pub(super) use doku_core::schema::{require, require_positive_amount};
    use schemars::Schema;
    use serde_json::json;

    /// `order` is required; `additional_info.override_notification_url`, when present, is an
    /// absolute http(s) URL.
    pub(super) fn payment_request(schema: &mut Schema) {
        require(schema, &["order"]);
        if let Some(info) = property_mut(schema, "additional_info") {
            info.insert(
                "properties".into(),
                json!({
                    super::OVERRIDE_NOTIFICATION_URL: {
                        "type": "string",
                        "pattern": "^https?://[^/?#\\s]+"
                    }
                }),
            );
        }
    }
}

/// The key in `additional_info` that sends this payment's notifications to another URL.
pub const OVERRIDE_NOTIFICATION_URL: &str = "override_notification_url";

/// The request body of `POST /linkaja-emoney/v2/ServiceRequestPayment`.
///
/// The rules are the guide's table, no more, except these, kept stricter on purpose:
/// `order.amount` at least 1 (a zero payment cannot be paid; the descriptor's minimum) and at
/// most 12 digits (the framework's one amount type, `Amount`); `order.line_items` at least one
/// item, each with `name`, `price` and `quantity` (the guide marks the basket mandatory and
/// describes it as the items' names, prices and quantities, which an empty list does not
/// give); `customer.phone` digits only (the guide types it as a number);
/// `additional_info.override_notification_url` an absolute http(s) URL (DOKU's notification
/// rule, doku-api.md section 5, not LinkAja's table: DOKU POSTs the notification there).
/// `order.callback_url` only has to be present: the guide gives no format and its own sample
/// sends `""`, so an empty string or an app deep link such as `myapp://done` is accepted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = schema::payment_request)]
pub struct PaymentRequest {
    /// `order`.
    #[serde(default)]
    #[schemars(required)]
    pub order: Order,
    /// `customer` (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer>,
    /// `additional_info` (optional), passed through as given, its `override_notification_url`
    /// an absolute http(s) URL that receives this payment's notifications (see the body's
    /// description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Map<String, Value>>,
}

/// `order` of the request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = order_schema)]
pub struct Order {
    /// `order.invoice_number`: mandatory.
    #[serde(default)]
    #[schemars(required, length(min = 1), regex(pattern = r"\S"))]
    pub invoice_number: String,
    /// `order.amount`: mandatory, whole rupiah, 1 to 12 digits (stricter than the guide, which
    /// gives no limit, on purpose: see the body's description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(required, range(min = 1))]
    pub amount: Option<Amount>,
    /// `order.callback_url`: mandatory, any string (`""` as in the guide's sample, or an app
    /// deep link such as `myapp://done`): the guide gives no format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(required, with = "String")]
    pub callback_url: Option<String>,
    /// `order.line_items`: mandatory, at least one item (see the body's description); no sum
    /// rule, since LinkAja documents none and the guide's own sample does not sum to its
    /// amount.
    #[serde(default)]
    #[schemars(required, length(min = 1))]
    pub line_items: Vec<LineItem>,
}

/// One entry of `order.line_items`: the guide's table describes the basket as "item's name,
/// price, and quantities", so each entry must carry all three (the unified model requires
/// them by type).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = line_item_schema)]
pub struct LineItem {
    /// `name`: mandatory.
    #[serde(default)]
    #[schemars(required, length(min = 1), regex(pattern = r"\S"))]
    pub name: String,
    /// `price`: mandatory, whole rupiah.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub price: Option<Amount>,
    /// `quantity`: mandatory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub quantity: Option<u64>,
}

/// `customer` of the request; every field optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Customer {
    /// `customer.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `customer.email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `customer.phone`: digits only, since the guide types it as a number (sent as a string
    /// to keep a leading `0`, as in the guide's sample `081112345678`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]*$"))]
    pub phone: Option<String>,
}

impl PaymentRequest {
    /// Checks every documented rule and reports all broken ones with their wire paths.
    ///
    /// | field | rule |
    /// | --- | --- |
    /// | `order.invoice_number` | `required` |
    /// | `order.amount` | `required`, `must be at least 1` (12 digits at most by type) |
    /// | `order.callback_url` | `required` (present; any string, `""` as in the guide's sample) |
    /// | `order.line_items` | `required` (at least one) |
    /// | `order.line_items[i].name`, `.price`, `.quantity` | `required` |
    /// | `customer.phone` | `digits only` |
    /// | `additional_info.override_notification_url` | `absolute http(s) URL` (a string) |
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Validator::new();
        let o = &self.order;
        v.required("order.invoice_number", Some(&o.invoice_number));
        match o.amount {
            None => v.push("order.amount", "required"),
            Some(a) => {
                v.min("order.amount", a.rupiah(), 1);
            }
        }
        if o.callback_url.is_none() {
            v.push("order.callback_url", "required");
        }
        if o.line_items.is_empty() {
            v.push("order.line_items", "required");
        }
        for (i, item) in o.line_items.iter().enumerate() {
            v.required(&format!("order.line_items[{i}].name"), Some(&item.name));
            if item.price.is_none() {
                v.push(format!("order.line_items[{i}].price"), "required");
            }
            if item.quantity.is_none() {
                v.push(format!("order.line_items[{i}].quantity"), "required");
            }
        }
        if let Some(phone) = self.customer.as_ref().and_then(|c| c.phone.as_deref()) {
            v.digits("customer.phone", phone);
        }
        if let Some(url) = self
            .additional_info
            .as_ref()
            .and_then(|m| m.get(OVERRIDE_NOTIFICATION_URL))
        {
            let field = "additional_info.override_notification_url";
            match url.as_str() {
                Some(s) => {
                    v.url(field, s);
                }
                None => v.push(field, "absolute http(s) URL"),
            }
        }
        v.finish()
    }
}

/// `emoney_configuration.identifier`: an array of `{name, value}` (the sample), a bare string
/// (the table's type, read as the `TERMINAL_ID` the sample names), or an object map.
fn identifier<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Identifier>, D::Error> {
    lenient::name_values_named(d, "TERMINAL_ID")
}

/// `emoney_payment.redirect_parameter`: an array of `{name, value}` (the sample), a bare
/// string (the table's `parameter`, "Custom message", read as the `Message` field the sample
/// names), or an object map.
fn redirect_parameter<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Identifier>, D::Error> {
    lenient::name_values_named(d, "Message")
}

/// The response body of `POST /linkaja-emoney/v2/ServiceRequestPayment`, read liberally:
/// every field optional, unknown fields ignored (the raw body is kept beside the result), a
/// part in an unexpected shape read as empty. The channel requires only `order.invoice_number`,
/// `order.amount` and `emoney_payment.status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PaymentResponse {
    /// `order`.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub order: ResponseOrder,
    /// `emoney_configuration`.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub emoney_configuration: EmoneyConfiguration,
    /// `emoney_payment`.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub emoney_payment: EmoneyPayment,
}

/// `order` of the response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResponseOrder {
    /// `order.invoice_number` (a number is read as its text).
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub invoice_number: Option<String>,
    /// `order.amount`: a JSON number or a numeric string such as `"10000.00"`; a fraction of
    /// a rupiah (or anything else) is read as absent, which the channel reports.
    #[serde(
        default,
        deserialize_with = "lenient::amount",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Amount>,
}

/// `emoney_configuration` of the response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EmoneyConfiguration {
    /// `emoney_configuration.identifier[]`, such as `TERMINAL_ID`. The table types it as a
    /// string, the sample as an array of `{name, value}`: both are read; an entry without
    /// `value` has an empty value.
    #[serde(
        default,
        deserialize_with = "identifier",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Vec<lenient::NameValueEntry>")]
    pub identifier: Vec<Identifier>,
}

/// `emoney_payment` of the response: where and how to send the customer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EmoneyPayment {
    /// `emoney_payment.redirect_method_http`, such as `POST`. When it is missing or blank the
    /// redirect is a `POST` form: the guide's only sample is `POST` and LinkAja's redirect
    /// carries form fields; it never silently becomes `GET`.
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub redirect_method_http: Option<String>,
    /// `emoney_payment.redirect_url_http`.
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub redirect_url_http: Option<String>,
    /// `emoney_payment.redirect_parameter[]`: the form fields to send (the table calls it
    /// `parameter` and types it as a string; both names and both shapes are read; an entry
    /// without `value` has an empty value).
    #[serde(
        default,
        alias = "parameter",
        deserialize_with = "redirect_parameter",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Vec<lenient::NameValueEntry>")]
    pub redirect_parameter: Vec<Identifier>,
    /// `emoney_payment.status`: `PENDING` or `SUCCESS`, compared case-insensitively.
    #[serde(
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<String>,
}

// Schema transforms, one per wire type (named functions: a closure in `#[schemars]`
// needs syn's "full" feature, which this crate does not otherwise compile).

fn order_schema(s: &mut schemars::Schema) {
    schema::require_positive_amount(
        s,
        &["invoice_number", "amount", "callback_url", "line_items"],
    );
}

fn line_item_schema(s: &mut schemars::Schema) {
    schema::require(s, &["name", "price", "quantity"]);
}
