//! OVO Push Payment's wire models, field names as on the wire, and the guide's rules.
//!
//! The request table is complete as DOKU publishes it (five rows); the answer is not
//! published, so [`PaymentResponse`] reads every field leniently (see the crate docs).

use doku_core::validate::{Validator, Violations};
use doku_core::{Amount, lenient, schema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

fn order(s: &mut schemars::Schema) {
    schema::require_positive_amount(s, &["invoice_number", "amount"]);
}

/// `POST /ovo-emoney/v1/payment`. Every field is mandatory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = schema::require_all)]
pub struct PaymentRequest {
    /// `client`.
    #[serde(default)]
    pub client: Client,
    /// `order`.
    #[serde(default)]
    pub order: Order,
    /// `ovo_info`.
    #[serde(default)]
    pub ovo_info: OvoInfo,
    /// `security`.
    #[serde(default)]
    pub security: Security,
}

/// `client`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = schema::require_all)]
pub struct Client {
    /// `client.id`: the merchant's Client-Id (the `Client-Id` header's value).
    #[serde(default)]
    #[schemars(length(min = 1), regex(pattern = r"\S"))]
    pub id: String,
}

/// `order`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = order)]
pub struct Order {
    /// `order.invoice_number`: mandatory, at most 64 characters.
    #[serde(default)]
    #[schemars(length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub invoice_number: String,
    /// `order.amount`: mandatory, whole rupiah, at most 12 digits (by type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
}

/// `ovo_info`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = schema::require_all)]
pub struct OvoInfo {
    /// `ovo_info.ovo_id`: mandatory, the customer's OVO phone number, digits only (no
    /// length limit is documented).
    #[serde(default)]
    #[schemars(regex(pattern = r"^[0-9]+$"))]
    pub ovo_id: String,
}

/// `security`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = schema::require_all)]
pub struct Security {
    /// `security.check_sum`: SHA-256 of amount + client id + invoice number + OVO id + the
    /// secret key, lowercase hex (at most 64 characters).
    #[serde(default)]
    #[schemars(length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub check_sum: String,
}

impl PaymentRequest {
    /// Checks every rule of the guide's table and reports all broken ones with wire paths.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Validator::new();
        v.required("client.id", Some(&self.client.id));
        if v.required("order.invoice_number", Some(&self.order.invoice_number)) {
            v.max_chars("order.invoice_number", &self.order.invoice_number, 64);
        }
        match self.order.amount {
            None => v.push("order.amount", "required"),
            Some(a) => {
                v.min("order.amount", a.rupiah(), 1);
            }
        }
        if v.required("ovo_info.ovo_id", Some(&self.ovo_info.ovo_id)) {
            v.digits("ovo_info.ovo_id", &self.ovo_info.ovo_id);
        }
        if v.required("security.check_sum", Some(&self.security.check_sum)) {
            v.max_chars("security.check_sum", &self.security.check_sum, 64);
        }
        v.finish()
    }
}

/// The synchronous answer, read leniently: DOKU does not publish it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub struct PaymentResponse {
    /// `order`, when echoed.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub order: AnswerOrder,
    /// `ovo_payment` (third-party accounts show `status` here).
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub ovo_payment: StatusHolder,
    /// `transaction`, as in DOKU's notifications and Check Status.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub transaction: StatusHolder,
}

/// `order` of the answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub struct AnswerOrder {
    /// `order.invoice_number`.
    #[serde(default, deserialize_with = "lenient::text")]
    pub invoice_number: Option<String>,
    /// `order.amount`.
    #[serde(default, deserialize_with = "lenient::amount")]
    pub amount: Option<Amount>,
}

/// An object carrying a `status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub struct StatusHolder {
    /// `status`: `SUCCESS`, `FAILED`, `TIMEOUT`, ...
    #[serde(default, deserialize_with = "lenient::text")]
    pub status: Option<String>,
}
