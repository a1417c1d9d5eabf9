//! Transforms for the JSON Schemas of wire models (`#[schemars(transform = ...)]`).
//!
//! Wire models decode leniently (`#[serde(default)]`) so that `validate()` can report a missing
//! mandatory field as `required` with its path; schemars then sees every field as optional.
//! These transforms put the generated schema back in line with `validate()`, which the channel
//! crates' schema-agreement tests check.
//!
//! ```
//! use schemars::JsonSchema;
//!
//! #[derive(serde::Deserialize, JsonSchema)]
//! #[schemars(transform = |s: &mut schemars::Schema| {
//!     doku_core::schema::require(s, &["invoice_number", "amount"]);
//!     doku_core::schema::positive_amount(s, "amount");
//! })]
//! struct Order {
//!     #[serde(default)]
//!     invoice_number: Option<String>,
//!     #[serde(default)]
//!     amount: Option<doku_core::Amount>,
//! }
//!
//! let schema = serde_json::to_value(schemars::schema_for!(Order)).unwrap();
//! assert_eq!(schema["required"], serde_json::json!(["invoice_number", "amount"]));
//! assert_eq!(schema["properties"]["amount"]["anyOf"][0]["minimum"], 1);
//! ```

use schemars::Schema;
use serde_json::{Map, Value, json};

/// Lists `fields` as the object's `required` properties and makes them non-nullable (an
/// `Option` field's schema allows `null`, which `validate()` reports as `required`).
pub fn require(schema: &mut Schema, fields: &[&str]) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    obj.insert(
        "required".into(),
        fields.iter().map(|f| Value::from(*f)).collect(),
    );
    for field in fields {
        let Some(prop) = property_mut(schema, field) else {
            continue;
        };
        if let Some(Value::Array(types)) = prop.get_mut("type") {
            types.retain(|t| t != "null");
        }
        if let Some(Value::Array(branches)) = prop.get_mut("anyOf") {
            branches.retain(|b| b.get("type").and_then(Value::as_str) != Some("null"));
        }
    }
}

/// The schema object of property `name`, if the schema has it inline.
pub fn property_mut<'a>(schema: &'a mut Schema, name: &str) -> Option<&'a mut Map<String, Value>> {
    schema
        .as_object_mut()?
        .get_mut("properties")?
        .as_object_mut()?
        .get_mut(name)?
        .as_object_mut()
}

/// Restricts the [`Amount`](crate::Amount) property `name` to 1 ..= 999 999 999 999 rupiah
/// (as an integer, or a numeric string with a zero fraction); other keys (such as the
/// description) are kept.
pub fn positive_amount(schema: &mut Schema, name: &str) {
    if let Some(amount) = property_mut(schema, name) {
        amount.insert(
            "anyOf".into(),
            json!([
                {"type": "integer", "minimum": 1, "maximum": 999_999_999_999_u64},
                {"type": "string", "pattern": "^0*[1-9][0-9]{0,11}(\\.0+)?$"}
            ]),
        );
    }
}

/// Requires `fields` and restricts the `amount` property to 1 ..= 999 999 999 999 rupiah:
/// the usual `order` object of a request.
pub fn require_positive_amount(schema: &mut Schema, fields: &[&str]) {
    require(schema, fields);
    positive_amount(schema, "amount");
}

/// Requires every property of the object (a wire object whose fields are all mandatory, as
/// in a guide's table), for `#[schemars(transform = doku_core::schema::require_all)]`.
pub fn require_all(schema: &mut Schema) {
    let names: Vec<String> = schema
        .as_object()
        .and_then(|o| o.get("properties"))
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    require(schema, &names);
}
