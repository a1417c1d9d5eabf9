//! Deterministic JSON text: keys sorted at every level, two-space indentation, one trailing
//! newline, whatever serde_json's map ordering feature says.

use serde_json::{Map, Value};

/// `value` with the keys of every object sorted.
pub(crate) fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let mut out = Map::new();
            for (k, v) in entries {
                out.insert(k.clone(), sorted(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Pretty, key-sorted JSON with a trailing newline.
pub(crate) fn to_canonical_string(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(&sorted(value))
        .unwrap_or_else(|e| panic!("a serde_json::Value always serialises: {e}"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_at_every_level_and_text_ends_with_a_newline() {
        let v: Value = serde_json::json!({"b": {"z": 1, "a": [{"y": 1, "x": 2}]}, "a": null});
        let text = to_canonical_string(&v);
        assert!(text.ends_with("}\n"));
        let a = text.find("\"a\": null").expect("a");
        let b = text.find("\"b\"").expect("b");
        assert!(a < b);
        assert!(text.find("\"x\"").expect("x") < text.find("\"y\"").expect("y"));
        assert_eq!(to_canonical_string(&v), text);
    }
}
