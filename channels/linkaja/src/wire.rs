//! LinkAja's wire models: the bodies of `POST /linkaja-emoney/v2/ServiceRequestPayment`, with
//! field names exactly as on the wire.
//!
//! Requests deserialise leniently (a missing mandatory field becomes an empty value that
//! [`PaymentRequest::validate`] reports as `required` with its path) so that a server, such as
//! the local simulator, can decode any body and report every broken rule at once. Responses
//! are read leniently too: every field is optional and unknown fields are ignored.
//!
//! The JSON Schema limits (`#[schemars(...)]`) mirror what `validate()` enforces.

use doku_core::validate::{Validator, Violations};
use doku_core::{Amount, Identifier};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Schema transforms: serde defaults make every field optional in the generated schema, while
/// `validate()` reports a missing mandatory field as `required`; these put the schema back in
/// line with `validate()`.
mod schema {
    pub(super) use doku_core::schema::require;
    use doku_core::schema::{positive_amount, property_mut};
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

    /// Requires `fields` and restricts the `amount` property to 1 ..= 999 999 999 999 rupiah.
    pub(super) fn require_positive_amount(schema: &mut Schema, fields: &[&str]) {
        require(schema, fields);
        positive_amount(schema, "amount");
    }
}

/// The key in `additional_info` that sends this payment's notifications to another URL.
pub const OVERRIDE_NOTIFICATION_URL: &str = "override_notification_url";

/// The request body of `POST /linkaja-emoney/v2/ServiceRequestPayment`.
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
    /// `additional_info` (optional), passed through as given. `override_notification_url`
    /// in it sends this payment's notifications to another host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Map<String, Value>>,
}

/// `order` of the request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = |s: &mut schemars::Schema| schema::require_positive_amount(s, &["invoice_number", "amount", "callback_url", "line_items"]))]
pub struct Order {
    /// `order.invoice_number`: mandatory.
    #[serde(default)]
    #[schemars(required, length(min = 1), regex(pattern = r"\S"))]
    pub invoice_number: String,
    /// `order.amount`: mandatory, whole rupiah, at least 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(required, range(min = 1))]
    pub amount: Option<Amount>,
    /// `order.callback_url`: mandatory absolute http(s) URL the customer returns to.
    #[serde(default)]
    #[schemars(required, length(min = 1), regex(pattern = r"^https?://[^/?#\s]+"))]
    pub callback_url: String,
    /// `order.line_items`: mandatory (the guide marks it so), at least one item. LinkAja does
    /// not document that the items sum to the amount (the guide's own sample does not), so
    /// that is not checked.
    #[serde(default)]
    #[schemars(required, length(min = 1))]
    pub line_items: Vec<LineItem>,
}

/// One entry of `order.line_items`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = |s: &mut schemars::Schema| schema::require(s, &["name", "price", "quantity"]))]
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
    /// `customer.phone`: digits only (documented as a number; sent as a string to keep a
    /// leading `0`).
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
    /// | `order.callback_url` | `required`, `absolute http(s) URL` |
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
        if v.required("order.callback_url", Some(&o.callback_url)) {
            v.url("order.callback_url", &o.callback_url);
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

/// A `{name, value}` pair as DOKU answers it, read leniently (a missing value is empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NameValue {
    /// `name`.
    #[serde(default)]
    pub name: String,
    /// `value`.
    #[serde(default)]
    pub value: String,
}

impl From<NameValue> for Identifier {
    fn from(p: NameValue) -> Self {
        Identifier::new(p.name, p.value)
    }
}

/// The response body of `POST /linkaja-emoney/v2/ServiceRequestPayment`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PaymentResponse {
    /// `order`.
    #[serde(default)]
    pub order: ResponseOrder,
    /// `emoney_configuration`.
    #[serde(default)]
    pub emoney_configuration: EmoneyConfiguration,
    /// `emoney_payment`.
    #[serde(default)]
    pub emoney_payment: EmoneyPayment,
}

/// `order` of the response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResponseOrder {
    /// `order.invoice_number`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    /// `order.amount`: a JSON number or a numeric string such as `"10000.00"`; a fraction of
    /// a rupiah is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
}

/// `emoney_configuration` of the response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EmoneyConfiguration {
    /// `emoney_configuration.identifier[]`, such as `TERMINAL_ID`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<NameValue>,
}

/// `emoney_payment` of the response: where and how to send the customer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EmoneyPayment {
    /// `emoney_payment.redirect_method_http`, such as `POST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_method_http: Option<String>,
    /// `emoney_payment.redirect_url_http`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url_http: Option<String>,
    /// `emoney_payment.redirect_parameter[]`: the form fields to send.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirect_parameter: Vec<NameValue>,
    /// `emoney_payment.status`: `PENDING` or `SUCCESS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}
