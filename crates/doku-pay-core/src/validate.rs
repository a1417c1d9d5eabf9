//! Validation that reports every broken rule at once, each with its field path and rule.
//!
//! ```
//! use doku_pay_core::validate::Validator;
//! let mut v = Validator::new();
//! v.max_chars("order.invoice_number", &"x".repeat(65), 64);
//! v.digits("customer.phone", "+62 812");
//! let err = v.finish().unwrap_err();
//! assert_eq!(err.to_string(),
//!     "order.invoice_number: max 64 characters; customer.phone: digits only");
//! ```

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Violation {
    /// The wire field path, such as `order.line_items[1].sku`.
    pub field: String,
    /// The rule, such as `max 64 characters`.
    pub rule: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.rule)
    }
}

/// Every rule a request broke (never empty when returned as an error).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Violations(pub Vec<Violation>);

impl Violations {
    /// Whether any violation names `field`.
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|v| v.field == field)
    }

    /// Iterates the violations.
    pub fn iter(&self) -> std::slice::Iter<'_, Violation> {
        self.0.iter()
    }

    /// How many rules were broken.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no rule was broken (never the case for one returned as an error).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl IntoIterator for Violations {
    type Item = Violation;
    type IntoIter = std::vec::IntoIter<Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

/// Collects violations; each check records a violation and returns whether it passed.
#[derive(Debug, Default)]
pub struct Validator {
    violations: Vec<Violation>,
}

impl Validator {
    /// An empty validator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a violation.
    pub fn push(&mut self, field: impl Into<String>, rule: impl Into<String>) {
        self.violations.push(Violation {
            field: field.into(),
            rule: rule.into(),
        });
    }

    /// `value` must be present and not blank.
    pub fn required(&mut self, field: &str, value: Option<&str>) -> bool {
        match value {
            Some(v) if !v.trim().is_empty() => true,
            _ => {
                self.push(field, "required");
                false
            }
        }
    }

    /// At most `max` characters (Unicode scalar values, not bytes).
    pub fn max_chars(&mut self, field: &str, value: &str, max: usize) -> bool {
        if value.chars().count() > max {
            self.push(field, format!("max {max} characters"));
            false
        } else {
            true
        }
    }

    /// Only ASCII digits (the empty string passes; pair with [`Validator::required`]).
    pub fn digits(&mut self, field: &str, value: &str) -> bool {
        if value.bytes().all(|b| b.is_ascii_digit()) {
            true
        } else {
            self.push(field, "digits only");
            false
        }
    }

    /// At most `max` decimal digits.
    pub fn max_digits(&mut self, field: &str, value: u64, max: u32) -> bool {
        if value >= 10u64.saturating_pow(max) {
            self.push(field, format!("max {max} digits"));
            false
        } else {
            true
        }
    }

    /// At least `min`.
    pub fn min(&mut self, field: &str, value: u64, min: u64) -> bool {
        if value < min {
            self.push(field, format!("must be at least {min}"));
            false
        } else {
            true
        }
    }

    /// An absolute `http://` or `https://` URL.
    pub fn url(&mut self, field: &str, value: &str) -> bool {
        match url::Url::parse(value) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => true,
            _ => {
                self.push(field, "absolute http(s) URL");
                false
            }
        }
    }

    /// Whether nothing was recorded so far.
    pub fn is_ok(&self) -> bool {
        self.violations.is_empty()
    }

    /// `Ok` when nothing was recorded, else every violation.
    pub fn finish(self) -> Result<(), Violations> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(Violations(self.violations))
        }
    }
}

/// Decodes JSON, naming the field path of a value that does not fit, such as
/// `order.amount: amount must be whole rupiah (no fraction) at line 1 column 52`.
///
/// ```
/// let err = doku_pay_core::validate::decode_json::<doku_pay_core::PaymentRequest>(
///     br#"{"invoice_number":"I","amount":"10.50","callback_url":"https://x.example"}"#,
/// )
/// .unwrap_err();
/// assert!(err.to_string().starts_with("amount: amount must be whole rupiah"), "{err}");
/// ```
///
/// The whole input must be one JSON value in UTF-8: bytes after it (a corrupted or
/// concatenated file) and invalid UTF-8 anywhere, skipped fields included, are refused.
///
/// ```
/// use doku_pay_core::validate::decode_json;
/// let ok = br#"{"invoice_number":"I","amount":1}"#;
/// assert!(decode_json::<doku_pay_core::PaymentRequest>(ok).is_ok());
/// let trailing = br#"{"invoice_number":"I","amount":1}, "x": 2}"#;
/// let err = decode_json::<doku_pay_core::PaymentRequest>(trailing).unwrap_err();
/// assert!(err.to_string().contains("trailing"));
/// ```
pub fn decode_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    decode(body).map_err(DecodeError)
}

/// JSON that does not decode: says where (the field path, when there is one) and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub(crate) String);

fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let text =
        std::str::from_utf8(body).map_err(|e| format!("not UTF-8 at byte {}", e.valid_up_to()))?;
    let de = &mut serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path.is_empty() || path == "." {
            inner.to_string()
        } else {
            format!("{path}: {inner}")
        }
    })?;
    de.end().map_err(|e| e.to_string())?;
    Ok(value)
}

/// The unified fields a channel cannot carry: every field given in `request` (a leaf that is
/// not `null`, `""`, `[]` or `{}`) whose path is not in `accepted`, as `not offered by
/// {channel}`, so that nothing is silently dropped. Paths are unified paths
/// (`customer.email`, `line_items[1].sku`); in `accepted`, `[]` stands for any index and a
/// prefix accepts everything below it (`additional_info`). `request_id`, `invoice_number`
/// and `amount` are always accepted.
///
/// ```
/// use doku_pay_core::validate::not_offered;
/// let req = serde_json::json!({
///     "invoice_number": "INV-1", "amount": 1, "callback_url": "https://x.example",
///     "line_items": [{"name": "a", "price": 1, "quantity": 1, "sku": "S"}],
///     "customer": {"name": "A", "email": ""}
/// });
/// let refused: Vec<String> = not_offered(&req, &["line_items[].name", "line_items[].price",
///     "line_items[].quantity", "customer.name"], "OVO")
///     .iter().map(ToString::to_string).collect();
/// assert_eq!(refused, ["callback_url: not offered by OVO", "line_items[0].sku: not offered by OVO"]);
/// ```
pub fn not_offered(request: &impl Serialize, accepted: &[&str], channel: &str) -> Vec<Violation> {
    fn walk(
        value: &serde_json::Value,
        path: &mut String,
        pattern: &mut String,
        out: &mut Vec<(String, String)>,
    ) {
        match value {
            serde_json::Value::Null => {}
            serde_json::Value::String(s) if s.is_empty() => {}
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    let (p, q) = (path.len(), pattern.len());
                    for s in [&mut *path, &mut *pattern] {
                        if !s.is_empty() {
                            s.push('.');
                        }
                        s.push_str(key);
                    }
                    walk(v, path, pattern, out);
                    path.truncate(p);
                    pattern.truncate(q);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let (p, q) = (path.len(), pattern.len());
                    path.push_str(&format!("[{i}]"));
                    pattern.push_str("[]");
                    walk(v, path, pattern, out);
                    path.truncate(p);
                    pattern.truncate(q);
                }
            }
            _ => out.push((path.clone(), pattern.clone())),
        }
    }
    let Ok(value) = serde_json::to_value(request) else {
        return Vec::new();
    };
    let mut given = Vec::new();
    walk(&value, &mut String::new(), &mut String::new(), &mut given);
    let always = ["request_id", "invoice_number", "amount"];
    given
        .into_iter()
        .filter(|(_, pattern)| {
            !always.iter().chain(accepted).any(|a| {
                pattern == a
                    || pattern
                        .strip_prefix(a)
                        .is_some_and(|rest| rest.starts_with(['.', '[']))
            })
        })
        .map(|(field, _)| Violation {
            field,
            rule: format!("not offered by {channel}"),
        })
        .collect()
}

/// The unified path a channel's `mapping` (`(unified, wire)` pairs) gives `wire_path`: the
/// pair whose wire path is `wire_path` or an ancestor of it; unchanged when none is. In a
/// pair, `[]` stands for any element index, carried over to the unified side
/// (`("line_items[].sku", "order.line_items[].id")` renames `order.line_items[2].id`); a
/// pair naming a field inside the elements wins over one naming the whole array.
///
/// ```
/// let mapping = [
///     ("line_items[].sku", "order.line_items[].id"),
///     ("line_items", "order.line_items"),
/// ];
/// let unified = |p| doku_pay_core::validate::unified_path(&mapping, p);
/// assert_eq!(unified("order.line_items[1].name"), "line_items[1].name");
/// assert_eq!(unified("order.line_items[2].id"), "line_items[2].sku");
/// assert_eq!(unified("customer.phone"), "customer.phone");
/// ```
pub fn unified_path(mapping: &[(&str, &str)], wire_path: &str) -> String {
    mapping
        .iter()
        .filter_map(|(unified, wire)| {
            let (rest, indices) = strip_pattern(wire_path, wire)?;
            (rest.is_empty() || rest.starts_with(['.', '['])).then(|| {
                let mut out = String::new();
                let mut indices = indices.into_iter();
                for (i, part) in unified.split("[]").enumerate() {
                    if i > 0 {
                        out.push_str(indices.next().unwrap_or("[]"));
                    }
                    out.push_str(part);
                }
                (wire.len(), out + rest)
            })
        })
        .max_by_key(|(specificity, _)| *specificity)
        .map_or_else(|| wire_path.to_owned(), |(_, path)| path)
}

/// `path` with the prefix `pattern` removed (`[]` in the pattern matches any `[i]`), and the
/// `[i]` each `[]` matched.
fn strip_pattern<'a>(path: &'a str, pattern: &str) -> Option<(&'a str, Vec<&'a str>)> {
    let mut rest = path;
    let mut indices = Vec::new();
    for (i, part) in pattern.split("[]").enumerate() {
        if i > 0 {
            let end = rest.strip_prefix('[')?.find(']')? + 2;
            indices.push(&rest[..end]);
            rest = &rest[end..];
        }
        rest = rest.strip_prefix(part)?;
    }
    Some((rest, indices))
}

/// Every violation of a channel's request at once, named as the caller wrote them: the
/// unified fields the channel refused (`refused`, from [`not_offered`]) and the wire
/// request's own violations (`wire`), each wire path that `mapping` lists as `(unified,
/// wire)` renamed to its unified field (`ovo_info.ovo_id` → `customer.wallet_account`). An
/// entry also renames the paths below it (`("line_items", "order.line_items")` renames
/// `order.line_items[1].sku` to `line_items[1].sku`).
///
/// ```
/// use doku_pay_core::validate::{Violation, Violations, finish_mapped};
/// let wire = Err(Violations(vec![Violation { field: "ovo_info.ovo_id".into(), rule: "required".into() }]));
/// let err = finish_mapped(Vec::new(), wire, &[("customer.wallet_account", "ovo_info.ovo_id")]);
/// assert_eq!(err.unwrap_err().to_string(), "customer.wallet_account: required");
/// ```
pub fn finish_mapped(
    mut refused: Vec<Violation>,
    wire: Result<(), Violations>,
    mapping: &[(&str, &str)],
) -> Result<(), Violations> {
    if let Err(Violations(found)) = wire {
        refused.extend(found.into_iter().map(|mut v| {
            v.field = unified_path(mapping, &v.field);
            v
        }));
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(Violations(refused))
    }
}
