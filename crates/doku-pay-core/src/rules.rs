//! A guide's request rules written once, as data, and what reads them.
//!
//! A channel lists its guide's request table as a [`Rules`] value (one [`FieldRule`] per
//! documented field, plus the [`CrossRule`]s that span fields). The one table drives three
//! things, so they cannot disagree:
//!
//! * the client's check before anything is sent ([`Rules::check`] on the wire body the
//!   channel built; [`checked_body`] also drops absent fields and names violations in the
//!   unified request's terms);
//! * the simulator's check of what it receives (`doku_pay_sim::rules::check`, the same table
//!   over the raw request);
//! * the published JSON Schema of the request ([`Rules::schema`]).
//!
//! Paths are wire paths; `[]` stands for every element of an array
//! (`order.line_items[].name`), and violations name the element
//! (`order.line_items[1].name`). Unknown fields are accepted: DOKU documents none as refused.
//!
//! ```
//! use doku_pay_core::rules::{FieldRule, Rules, check_value};
//! static RULES: Rules = Rules {
//!     fields: &[
//!         FieldRule::text("order.invoice_number").required().max_chars(64),
//!         FieldRule::whole_number("order.amount").required().max_digits(12),
//!     ],
//!     cross: &[],
//! };
//! let body = serde_json::json!({"order": {"amount": 1.5}});
//! let err = check_value(&body, &RULES).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "order.invoice_number: required; order.amount: must be a whole number"
//! );
//! ```

use schemars::Schema;
use serde_json::{Map, Value, json};

use crate::validate::{Validator, Violation, Violations, finish_mapped};

/// Whether a field must be there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// The guide marks it optional: it may be absent or empty.
    Optional,
    /// It must be sent, but may be empty (`""`): an optional field the guide says to send
    /// even when empty, or a mandatory one whose guide sample is `""`.
    Sent,
    /// Mandatory: present, not `null`, not blank (a string) and not empty (an array).
    Required,
}

/// The JSON shape a field's value must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Any JSON value.
    Any,
    /// A JSON string.
    Text,
    /// A JSON number without decimals and not negative ("numeric", "without decimal").
    WholeNumber,
    /// Digits only: a string of digits, or a whole JSON number (the guides type such fields
    /// `number` while their samples send strings, e.g. a phone number with a leading `0`).
    Digits,
    /// A JSON array.
    Array,
    /// A JSON array or object (the guide's table and sample disagree).
    ArrayOrObject,
    /// An absolute `http(s)` URL (a field the guide names as a URL DOKU itself calls).
    Url,
    /// A JSON number, not negative, with at most `fraction` decimal places (a guide's
    /// "decimal", max length such as `16.2`: 16 digits before the point, 2 after).
    Decimal {
        /// Decimal places allowed.
        fraction: usize,
    },
}

/// One documented field and its rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldRule {
    /// The wire path, `[]` for every array element.
    pub path: &'static str,
    /// Whether it must be there.
    pub presence: Presence,
    /// Its shape.
    pub kind: Kind,
    /// The longest value: characters of a string, digits of a number ("Max length").
    pub max_len: Option<usize>,
    /// `{calling_code}{number}`: a phone number that starts with its calling code, so never
    /// with `0`.
    pub calling_code_first: bool,
    /// What the field is, from the channel's guide: the schema's `description`, and the
    /// generated channel page's.
    pub description: Option<&'static str>,
}

impl FieldRule {
    const fn new(path: &'static str, kind: Kind) -> Self {
        Self {
            path,
            presence: Presence::Optional,
            kind,
            max_len: None,
            calling_code_first: false,
            description: None,
        }
    }

    /// An optional field of any shape.
    pub const fn any(path: &'static str) -> Self {
        Self::new(path, Kind::Any)
    }

    /// An optional string.
    pub const fn text(path: &'static str) -> Self {
        Self::new(path, Kind::Text)
    }

    /// An optional whole number.
    pub const fn whole_number(path: &'static str) -> Self {
        Self::new(path, Kind::WholeNumber)
    }

    /// An optional digits-only value.
    pub const fn digits(path: &'static str) -> Self {
        Self::new(path, Kind::Digits)
    }

    /// An optional array.
    pub const fn array(path: &'static str) -> Self {
        Self::new(path, Kind::Array)
    }

    /// An optional array or object.
    pub const fn array_or_object(path: &'static str) -> Self {
        Self::new(path, Kind::ArrayOrObject)
    }

    /// An optional absolute `http(s)` URL.
    pub const fn url(path: &'static str) -> Self {
        Self::new(path, Kind::Url)
    }

    /// An optional decimal number with at most `fraction` decimal places; its digits before
    /// the point are limited with [`FieldRule::max_digits`].
    pub const fn decimal(path: &'static str, fraction: usize) -> Self {
        Self::new(path, Kind::Decimal { fraction })
    }

    /// Mandatory.
    pub const fn required(mut self) -> Self {
        self.presence = Presence::Required;
        self
    }

    /// Sent even when empty.
    pub const fn sent(mut self) -> Self {
        self.presence = Presence::Sent;
        self
    }

    /// At most `n` characters.
    pub const fn max_chars(mut self, n: usize) -> Self {
        self.max_len = Some(n);
        self
    }

    /// At most `n` digits.
    pub const fn max_digits(self, n: usize) -> Self {
        self.max_chars(n)
    }

    /// Starts with a calling code (not `0`).
    pub const fn calling_code_first(mut self) -> Self {
        self.calling_code_first = true;
        self
    }

    /// What the field is, as the channel's guide describes it (no rule: the rules are the
    /// other builders).
    pub const fn describe(mut self, text: &'static str) -> Self {
        self.description = Some(text);
        self
    }
}

/// A rule that spans fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrossRule {
    /// The sum of `price x quantity` over the `items` array equals `total` (Akulaku: "Total
    /// price and quantity must match with the order.amount"). Checked only when every
    /// operand is a whole number.
    SumEquals {
        /// The array, e.g. `order.line_items`.
        items: &'static str,
        /// The price field of an element.
        price: &'static str,
        /// The quantity field of an element.
        quantity: &'static str,
        /// The total, e.g. `order.amount`.
        total: &'static str,
    },
    /// `field` differs from `other` (a reference documented as new). Checked when both are
    /// strings.
    Differs {
        /// The field reported.
        field: &'static str,
        /// The field it must differ from.
        other: &'static str,
        /// The rule as reported.
        rule: &'static str,
    },
}

/// A request body's rules: the guide's table as data.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// One entry per documented field.
    pub fields: &'static [FieldRule],
    /// Rules across fields.
    pub cross: &'static [CrossRule],
}

/// Checks an already parsed body against `rules`.
pub fn check_value(body: &Value, rules: &Rules) -> Result<(), Violations> {
    let mut v = Validator::new();
    for rule in rules.fields {
        for (path, value) in resolve(body, rule.path) {
            check_field(&mut v, rule, &path, value);
        }
    }
    for rule in rules.cross {
        check_cross(&mut v, body, rule);
    }
    v.finish()
}

impl Rules {
    /// Checks a wire body: every broken rule at once, named by wire path.
    pub fn check(&self, body: &Value) -> Result<(), Violations> {
        check_value(body, self)
    }

    /// The JSON Schema of a body these rules accept (draft 2020-12): the same table, so the
    /// schema and [`Rules::check`] agree (tested by every channel over its guide's samples
    /// and boundary values).
    pub fn schema(&self, title: &str) -> Schema {
        let mut root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": title,
            "type": "object",
        });
        for rule in self.fields {
            let mut node = &mut root;
            let segments: Vec<&str> = rule.path.split('.').collect();
            for (i, segment) in segments.iter().enumerate() {
                let (name, items) = match segment.strip_suffix("[]") {
                    Some(name) => (name, true),
                    None => (*segment, false),
                };
                let last = i + 1 == segments.len();
                // No `type` here: a group holding only optional fields may be anything (the
                // checker reads its fields as absent); `require_path` makes a group an
                // object when a field beneath it must be there.
                let parent = node.as_object_mut().expect("schema nodes are objects");
                let props = parent
                    .entry("properties")
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .expect("properties is an object");
                let child = props.entry(name).or_insert_with(|| json!({}));
                if last && !items {
                    merge(child, field_schema(rule));
                }
                node = if items {
                    // `items` only: the array's own rule, if any, says what else it may be
                    // (`null` when optional); the checker fans out over arrays only.
                    let child = child.as_object_mut().expect("schema nodes are objects");
                    child.entry("items").or_insert_with(|| json!({}))
                } else {
                    child
                };
                if last && items {
                    merge(node, field_schema(rule));
                }
            }
        }
        for rule in self.fields {
            if rule.presence != Presence::Optional {
                require_path(&mut root, rule.path);
            }
        }
        Schema::try_from(root).expect("an object is a schema")
    }
}

fn merge(node: &mut Value, extra: Value) {
    if let (Some(node), Value::Object(extra)) = (node.as_object_mut(), extra) {
        for (k, v) in extra {
            node.insert(k, v);
        }
    }
}

/// Marks every segment of `path` required in its parent, except an array fanned out with
/// `[]` (its elements' fields are required in `items`).
fn require_path(root: &mut Value, path: &str) {
    let mut node = root;
    for segment in path.split('.') {
        let (name, items) = match segment.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (segment, false),
        };
        let Some(obj) = node.as_object_mut() else {
            return;
        };
        // An array is not required by its elements' rules: they apply to elements present.
        if !items {
            if obj.get("type").is_none() {
                obj.insert("type".into(), json!("object"));
            }
            let required = obj.entry("required").or_insert_with(|| json!([]));
            if let Some(list) = required.as_array_mut()
                && !list.iter().any(|v| v == name)
            {
                list.push(json!(name));
            }
        }
        let Some(child) = obj.get_mut("properties").and_then(|p| p.get_mut(name)) else {
            return;
        };
        node = if items {
            match child.get_mut("items") {
                Some(items) => items,
                None => return,
            }
        } else {
            child
        };
    }
}

/// The schema of one field's value, as [`check_value`] reads it.
fn field_schema(rule: &FieldRule) -> Value {
    let required = rule.presence == Presence::Required;
    let mut s = Map::new();
    match rule.kind {
        Kind::Any => {}
        Kind::Text | Kind::Url => {
            s.insert("type".into(), json!("string"));
            if required {
                s.insert("minLength".into(), json!(1));
                s.insert("pattern".into(), json!("\\S"));
            }
            if let Some(max) = rule.max_len {
                s.insert("maxLength".into(), json!(max));
            }
            if rule.kind == Kind::Url {
                s.insert(
                    "pattern".into(),
                    json!("^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]+"),
                );
            }
        }
        Kind::Decimal { .. } => {
            // The decimal places are the checker's alone: `multipleOf` on binary floats
            // refuses exact decimals such as 0.07 in some validators.
            s.insert("type".into(), json!("number"));
            s.insert("minimum".into(), json!(0));
            if let Some(max) = rule.max_len.filter(|m| *m < 20) {
                s.insert("exclusiveMaximum".into(), json!(10u64.pow(max as u32)));
            }
        }
        Kind::WholeNumber => {
            s.insert("type".into(), json!("integer"));
            s.insert("minimum".into(), json!(0));
            if let Some(max) = rule.max_len.filter(|m| *m < 20) {
                s.insert("maximum".into(), json!(10u64.pow(max as u32) - 1));
            }
        }
        Kind::Digits => {
            let first = if rule.calling_code_first {
                "[1-9]"
            } else {
                "[0-9]"
            };
            let rest = rule.max_len.map_or_else(
                || "*".to_owned(),
                |m| format!("{{0,{}}}", m.saturating_sub(1)),
            );
            let pattern = if required {
                format!("^{first}[0-9]{rest}$")
            } else {
                format!("^({first}[0-9]{rest})?$")
            };
            let mut number =
                json!({"type": "integer", "minimum": u8::from(rule.calling_code_first)});
            if let Some(max) = rule.max_len.filter(|m| *m < 20) {
                number["maximum"] = json!(10u64.pow(max as u32) - 1);
            }
            s.insert(
                "anyOf".into(),
                json!([{"type": "string", "pattern": pattern}, number]),
            );
        }
        Kind::Array => {
            s.insert("type".into(), json!("array"));
            if required {
                s.insert("minItems".into(), json!(1));
            }
        }
        Kind::ArrayOrObject => {
            s.insert("type".into(), json!(["array", "object"]));
        }
    }
    let mut schema = if rule.presence == Presence::Optional {
        // An optional field may be sent as `null` (read as absent).
        json!({"anyOf": [Value::Object(s), {"type": "null"}]})
    } else {
        Value::Object(s)
    };
    if let Some(text) = rule.description {
        schema["description"] = json!(text);
    }
    schema
}

/// Drops every `null` member of the objects in `body`, and every member left an empty
/// object (recursively): an unset optional field or group is not sent at all, which is what
/// every guide's samples show.
pub fn drop_nulls(body: &mut Value) {
    match body {
        Value::Object(map) => {
            map.values_mut().for_each(drop_nulls);
            map.retain(|_, v| !v.is_null() && v.as_object().is_none_or(|o| !o.is_empty()));
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// What a channel's `to_wire` ends with: drops absent (`null`) fields from the wire `body` it
/// built, checks it against `rules`, and reports every broken rule at once, together with
/// `extra` (such as [`crate::validate::not_offered`]), each named as the caller wrote it in
/// the unified request (through the channel's `mapping`).
pub fn checked_body(
    mut body: Value,
    rules: &Rules,
    extra: Vec<Violation>,
    mapping: &[(&str, &str)],
) -> Result<Value, Violations> {
    drop_nulls(&mut body);
    finish_mapped(extra, rules.check(&body), mapping).map(|()| body)
}

/// Every value `path` names, with its concrete path. A `[]` segment fans out over the
/// array's elements (none when the array is absent: its own rule reports that).
fn resolve<'a>(body: &'a Value, path: &str) -> Vec<(String, Option<&'a Value>)> {
    let mut out: Vec<(String, Option<&'a Value>)> = vec![(String::new(), Some(body))];
    for segment in path.split('.') {
        let (name, fan_out) = match segment.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (segment, false),
        };
        let mut next = Vec::new();
        for (prefix, value) in out {
            let joined = if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}.{name}")
            };
            let child = value.and_then(|v| v.get(name));
            if fan_out {
                if let Some(items) = child.and_then(Value::as_array) {
                    for (i, item) in items.iter().enumerate() {
                        next.push((format!("{joined}[{i}]"), Some(item)));
                    }
                }
            } else {
                next.push((joined, child));
            }
        }
        out = next;
    }
    out
}

/// The value at a plain dotted path (no `[]`).
pub fn at<'a>(body: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(body, |v, segment| v.get(segment))
        .filter(|v| !v.is_null())
}

/// The string at `path`.
pub fn text_at<'a>(body: &'a Value, path: &str) -> Option<&'a str> {
    at(body, path).and_then(Value::as_str)
}

/// The whole number at `path`.
pub fn whole_at(body: &Value, path: &str) -> Option<u64> {
    at(body, path).and_then(Value::as_u64)
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn check_field(v: &mut Validator, rule: &FieldRule, path: &str, value: Option<&Value>) {
    let value = match (value, rule.presence) {
        (None | Some(Value::Null), Presence::Optional) => return,
        (None | Some(Value::Null), _) => return v.push(path, "required"),
        (Some(value), Presence::Required) if is_empty(value) => {
            return v.push(path, "required");
        }
        (Some(value), _) => value,
    };
    let max = rule.max_len;
    match rule.kind {
        Kind::Any => {}
        Kind::Array if !value.is_array() => v.push(path, "must be an array"),
        Kind::ArrayOrObject if !(value.is_array() || value.is_object()) => {
            v.push(path, "must be an array or an object");
        }
        Kind::Array | Kind::ArrayOrObject => {}
        Kind::Url => match value.as_str() {
            None => v.push(path, "absolute http(s) URL"),
            Some(s) => {
                if v.url(path, s)
                    && let Some(max) = max
                {
                    v.max_chars(path, s, max);
                }
            }
        },
        Kind::Text => match value.as_str() {
            None => v.push(path, "must be a string"),
            Some(s) => {
                if let Some(max) = max {
                    v.max_chars(path, s, max);
                }
            }
        },
        Kind::WholeNumber => match value.as_u64() {
            None => v.push(path, "must be a whole number"),
            Some(n) => max_digits(v, path, &n.to_string(), max),
        },
        Kind::Decimal { fraction } => match value {
            Value::Number(n) if n.as_f64().is_some_and(|f| f >= 0.0) => {
                let text = n.to_string();
                let (whole, decimals) = text.split_once('.').unwrap_or((&text, ""));
                if text.contains(['e', 'E']) || decimals.len() > fraction {
                    v.push(path, format!("at most {fraction} decimal places"));
                }
                max_digits(v, path, whole, max);
            }
            _ => v.push(path, "must be a number, not negative"),
        },
        Kind::Digits => {
            let digits = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) if n.is_u64() => n.to_string(),
                _ => return v.push(path, "digits only"),
            };
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return v.push(path, "digits only");
            }
            if rule.calling_code_first && digits.starts_with('0') {
                v.push(path, "{calling_code}{number}, no leading 0");
            }
            if let Some(max) = max {
                v.max_chars(path, &digits, max);
            }
        }
    }
}

fn max_digits(v: &mut Validator, path: &str, digits: &str, max: Option<usize>) {
    if let Some(max) = max
        && digits.len() > max
    {
        v.push(path, format!("max {max} digits"));
    }
}

fn check_cross(v: &mut Validator, body: &Value, rule: &CrossRule) {
    match *rule {
        CrossRule::SumEquals {
            items,
            price,
            quantity,
            total,
        } => {
            let Some(total) = whole_at(body, total) else {
                return;
            };
            let Some(list) = at(body, items).and_then(Value::as_array) else {
                return;
            };
            if list.is_empty() {
                return;
            }
            let mut sum: Option<u128> = Some(0);
            for item in list {
                match (item.get(price).and_then(Value::as_u64), item.get(quantity)) {
                    (Some(p), Some(q)) => match q.as_u64() {
                        Some(q) => {
                            sum = sum.map(|s| s + u128::from(p) * u128::from(q));
                        }
                        None => return,
                    },
                    _ => return,
                }
            }
            if let Some(sum) = sum.filter(|s| *s != u128::from(total)) {
                v.push(items, format!("sum of line items {sum} != amount {total}"));
            }
        }
        CrossRule::Differs {
            field,
            other,
            rule: text,
        } => {
            if let (Some(a), Some(b)) = (text_at(body, field), text_at(body, other))
                && a == b
            {
                v.push(field, text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static RULES: Rules = Rules {
        fields: &[
            FieldRule::text("order.invoice_number")
                .required()
                .max_chars(4),
            FieldRule::whole_number("order.amount")
                .required()
                .max_digits(3),
            FieldRule::array("order.items").required(),
            FieldRule::whole_number("order.items[].price").required(),
            FieldRule::whole_number("order.items[].quantity").required(),
            FieldRule::text("order.callback_url").sent(),
            FieldRule::digits("customer.phone")
                .required()
                .calling_code_first()
                .max_digits(5),
            FieldRule::digits("customer.postcode").sent(),
            FieldRule::text("customer.address"),
            FieldRule::array_or_object("payment.identifier"),
            FieldRule::text("refund.ref").required(),
        ],
        cross: &[
            CrossRule::SumEquals {
                items: "order.items",
                price: "price",
                quantity: "quantity",
                total: "order.amount",
            },
            CrossRule::Differs {
                field: "refund.ref",
                other: "payment.ref",
                rule: "new",
            },
        ],
    };

    fn errors(body: Value) -> Vec<String> {
        match check_value(&body, &RULES) {
            Ok(()) => Vec::new(),
            Err(v) => v.iter().map(ToString::to_string).collect(),
        }
    }

    fn valid() -> Value {
        json!({
            "order": {"invoice_number": "INV1", "amount": 300, "callback_url": "",
                      "items": [{"price": 100, "quantity": 2}, {"price": 100, "quantity": 1}]},
            "customer": {"phone": "62811", "postcode": ""},
            "payment": {"ref": "P"},
            "refund": {"ref": "R"}
        })
    }

    #[test]
    fn decimals_keep_their_places_and_digits() {
        static PRICE: Rules = Rules {
            fields: &[FieldRule::decimal("price", 2).required().max_digits(3)],
            cross: &[],
        };
        let rows: &[(Value, &[&str])] = &[
            (json!(999), &[]),
            (json!(999.99), &[]),
            (json!(0.5), &[]),
            (json!(1.234), &["price: at most 2 decimal places"]),
            (json!(1000), &["price: max 3 digits"]),
            (json!(-1), &["price: must be a number, not negative"]),
            (json!("10.00"), &["price: must be a number, not negative"]),
        ];
        for (price, want) in rows {
            let got: Vec<String> = match PRICE.check(&json!({ "price": price })) {
                Ok(()) => Vec::new(),
                Err(v) => v.iter().map(ToString::to_string).collect(),
            };
            assert_eq!(got, *want, "{price}");
        }
    }

    #[test]
    fn boundaries_pass_and_every_broken_rule_is_reported() {
        assert_eq!(errors(valid()), Vec::<String>::new());
        let mut b = valid();
        b["customer"]["phone"] = json!(62811);
        b["customer"]["postcode"] = json!(12345);
        b["payment"]["identifier"] = json!({"ORDER_ID": "1"});
        b["unknown"] = json!(true);
        assert_eq!(errors(b), Vec::<String>::new());

        let b = json!({
            "order": {"invoice_number": "INV12", "amount": 1.5,
                      "items": [{"price": "1", "quantity": 1}, {"quantity": -1}]},
            "customer": {"phone": "081234", "address": 7},
            "payment": {"ref": "P", "identifier": "x"},
            "refund": {"ref": "P"}
        });
        assert_eq!(
            errors(b),
            [
                "order.invoice_number: max 4 characters",
                "order.amount: must be a whole number",
                "order.items[0].price: must be a whole number",
                "order.items[1].price: required",
                "order.items[1].quantity: must be a whole number",
                "order.callback_url: required",
                "customer.phone: {calling_code}{number}, no leading 0",
                "customer.phone: max 5 characters",
                "customer.postcode: required",
                "customer.address: must be a string",
                "payment.identifier: must be an array or an object",
                "refund.ref: new",
            ]
        );
        let b = json!({"order": {"invoice_number": " ", "amount": 1000, "items": []},
                       "customer": {"phone": "+62", "postcode": "1-2"}});
        assert_eq!(
            errors(b),
            [
                "order.invoice_number: required",
                "order.amount: max 3 digits",
                "order.items: required",
                "order.callback_url: required",
                "customer.phone: digits only",
                "customer.postcode: digits only",
                "refund.ref: required",
            ]
        );
        let mut b = valid();
        b["order"]["items"][1]["quantity"] = json!(2);
        assert_eq!(
            errors(b),
            ["order.items: sum of line items 400 != amount 300"]
        );
    }

    #[test]
    fn a_description_is_the_fields_schema_description_and_changes_no_rule() {
        static DESCRIBED: Rules = Rules {
            fields: &[
                FieldRule::text("order.invoice_number")
                    .required()
                    .describe("The invoice."),
                FieldRule::text("order.note").describe("A note."),
                FieldRule::text("order.plain"),
            ],
            cross: &[],
        };
        let schema = DESCRIBED.schema("Described");
        let props = &schema.as_value()["properties"]["order"]["properties"];
        // Beside `anyOf` for an optional field, so that a reader of the schema finds it.
        assert_eq!(props["invoice_number"]["description"], "The invoice.");
        assert_eq!(props["note"]["description"], "A note.");
        assert!(props["note"]["anyOf"].is_array());
        assert!(props["plain"].get("description").is_none());
        for body in [json!({}), json!({"order": {"invoice_number": " "}})] {
            assert!(DESCRIBED.check(&body).is_err(), "{body}");
        }
        assert!(
            DESCRIBED
                .check(&json!({"order": {"invoice_number": "I"}}))
                .is_ok()
        );
    }
}
