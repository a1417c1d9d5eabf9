//! Liberal readers for DOKU's answers: a minor field in an unexpected shape never makes a
//! whole answer undecodable (the raw body is kept beside the typed result anyway).
//!
//! Use them with `#[serde(default, deserialize_with = "...")]` on the fields of an answer's
//! wire model. Each one accepts every JSON value and turns what it cannot read into the
//! field's empty value; only the fields that carry the result (invoice number, amount,
//! status) are checked by the channel after decoding.
//!
//! * [`text`]: a string, or a number or boolean as its JSON text (a table typing a field as
//!   `number` while the sample sends a string, or the reverse).
//! * [`amount`]: an [`Amount`] read as [`Amount`]'s own `Deserialize` reads it; anything else
//!   is absent.
//! * [`name_values`] / [`name_values_named`]: DOKU's `identifier[]` and
//!   `redirect_parameter[]`: an array of `{name, value}` entries (a missing `name` or `value`
//!   is empty, a number is its text), an object used as a map (`{"ORDER_ID": "1"}`, as
//!   Akulaku's cancel table describes `payment.identifier`), or a bare string where a guide's
//!   table types the field as a string (one entry under a name the channel chooses).
//! * [`or_default`]: any `Deserialize + Default` type; a value of another shape is the
//!   default.
//!
//! Statuses need no reader of their own: [`PaymentStatus::from_doku`](crate::PaymentStatus::from_doku)
//! and [`OperationStatus::from_doku`](crate::OperationStatus::from_doku) (and their `Deserialize`)
//! already ignore case and surrounding blanks, and keep an unknown value as sent.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::amount::Amount;
use crate::model::Identifier;

/// The JSON Schema of one `{name, value}` entry of an answer, as [`name_values`] reads it:
/// both parts optional. Use it as `#[schemars(with = "Vec<lenient::NameValueEntry>")]` on a
/// field read with [`name_values`] (which also reads an object map or a bare string).
#[derive(Clone, Debug, Default, PartialEq, Eq, schemars::JsonSchema)]
pub struct NameValueEntry {
    /// `name`; empty when missing.
    pub name: Option<String>,
    /// `value`; empty when missing, a number is read as its text.
    pub value: Option<String>,
}

/// The value at a dotted `path` (`payment.status`); `null` is absent.
pub fn at<'a>(body: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(body, |v, segment| v.get(segment))
        .filter(|v| !v.is_null())
}

/// The text of a scalar: a string as is, a number or boolean as its JSON text.
pub fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An optional text field: a string, or a number / boolean as its text; anything else
/// (`null`, an array, an object) is absent.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(value_text(&Value::deserialize(d)?))
}

/// An optional amount: what [`Amount`] reads (an integer, or a numeric string with a zero
/// fraction such as `"10000.00"`); anything else (a fraction of a rupiah, a negative number,
/// text) is absent.
pub fn amount<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Amount>, D::Error> {
    Ok(Amount::deserialize(Value::deserialize(d)?).ok())
}

/// Any `Default` type; a value that does not decode as `T` is `T::default()`.
pub fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    Ok(T::deserialize(Value::deserialize(d)?).unwrap_or_default())
}

/// `{name, value}` entries read from `v`: an array of entries, an object used as a map, or a
/// bare scalar (one entry named `scalar_name`). An entry that is not an object is skipped;
/// a missing `name` or `value` is empty; `null` or any other shape is no entry.
pub fn name_values_from(v: &Value, scalar_name: &str) -> Vec<Identifier> {
    fn entry(e: &Value) -> Option<Identifier> {
        let o = e.as_object()?;
        let get = |k: &str| o.get(k).and_then(value_text).unwrap_or_default();
        Some(Identifier::new(get("name"), get("value")))
    }
    match v {
        Value::Array(items) => items.iter().filter_map(entry).collect(),
        // One `{name, value}` entry not wrapped in an array.
        Value::Object(o) if o.contains_key("name") => entry(v).into_iter().collect(),
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| Identifier::new(k.clone(), value_text(v).unwrap_or_default()))
            .collect(),
        other => value_text(other)
            .map(|s| Identifier::new(scalar_name, s))
            .into_iter()
            .collect(),
    }
}

/// [`name_values_from`] as a serde reader, a bare string named `""`.
pub fn name_values<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Identifier>, D::Error> {
    Ok(name_values_from(&Value::deserialize(d)?, ""))
}

/// [`name_values_from`] with the name a bare string gets: use it from a channel's own
/// `deserialize_with` function, such as
/// `fn identifier<'de, D: Deserializer<'de>>(d: D) -> ... { name_values_named(d, "TERMINAL_ID") }`.
pub fn name_values_named<'de, D: Deserializer<'de>>(
    d: D,
    scalar_name: &str,
) -> Result<Vec<Identifier>, D::Error> {
    Ok(name_values_from(&Value::deserialize(d)?, scalar_name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn name_values_accept_every_shape() {
        let id = Identifier::new;
        let rows: Vec<(Value, Vec<Identifier>)> = vec![
            (json!([{"name": "A", "value": "1"}]), vec![id("A", "1")]),
            (json!([{"name": "Message"}]), vec![id("Message", "")]),
            (json!([{"name": "N", "value": 7}]), vec![id("N", "7")]),
            (json!([{"value": "v"}, 3, null]), vec![id("", "v")]),
            (json!({"name": "A", "value": "1"}), vec![id("A", "1")]),
            (
                json!({"ORDER_ID": "1", "X": 2}),
                vec![id("ORDER_ID", "1"), id("X", "2")],
            ),
            (json!("e2etest"), vec![id("S", "e2etest")]),
            (json!(12), vec![id("S", "12")]),
            (json!(null), vec![]),
        ];
        for (v, want) in rows {
            assert_eq!(name_values_from(&v, "S"), want, "{v}");
        }
    }
}
