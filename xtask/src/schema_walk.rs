//! Walks a JSON Schema (as schemars writes it) into a field table: one row per field, with
//! its dotted path (`order.line_items[].sku`), type, whether it is required and its limits.
//!
//! Understood: `properties`, `required`, `$ref` into `$defs` (siblings of a `$ref` apply
//! too), `anyOf` / `oneOf` (a `null` branch makes a field nullable), `type` (a string or a
//! list), `items`, `enum` / `const`, `minLength` / `maxLength`, `pattern`, `minimum` /
//! `maximum` (and their exclusive forms), `minItems` / `maxItems`, and string `format`s.

use serde_json::{Map, Value};

/// One row of a field table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Row {
    /// Dotted path, with `[]` for array items: `order.line_items[].sku`.
    pub(crate) path: String,
    /// Type, such as `string`, `integer or string`, `array of object`.
    pub(crate) ty: String,
    /// Required within its parent object.
    pub(crate) required: bool,
    /// The limits, such as `max 64 characters; digits only`.
    pub(crate) limits: String,
    /// The first sentence of the field's description.
    pub(crate) description: String,
}

/// A field's description after resolving references and unions.
#[derive(Clone, Debug, Default)]
struct Desc {
    ty: String,
    limits: Vec<String>,
    description: String,
    /// The object schema whose properties are nested fields.
    object: Option<Value>,
    /// The schema of array items, when the field is an array.
    items: Option<Box<Desc>>,
}

/// Every field of `root`, depth first, properties in key order.
pub(crate) fn rows(root: &Value) -> Vec<Row> {
    let defs = root
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    let top = describe(root, &defs, 0);
    if let Some(obj) = &top.object {
        walk_object(obj, "", &defs, &mut out, 0);
    } else if let Some(items) = &top.items {
        push_nested(items, "[]", &defs, &mut out, 0);
    }
    out
}

/// The deepest nesting followed (schemas of recursive types stop here).
const MAX_DEPTH: usize = 12;

fn walk_object(
    obj: &Value,
    prefix: &str,
    defs: &Map<String, Value>,
    out: &mut Vec<Row>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some(props) = obj.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required: Vec<&str> = obj
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut names: Vec<&String> = props.keys().collect();
    names.sort();
    for name in names {
        let path = format!("{prefix}{name}");
        let d = describe(&props[name.as_str()], defs, depth + 1);
        out.push(Row {
            path: path.clone(),
            ty: d.ty.clone(),
            required: required.contains(&name.as_str()),
            limits: d.limits.join("; "),
            description: d.description.clone(),
        });
        if let Some(o) = &d.object {
            walk_object(o, &format!("{path}."), defs, out, depth + 1);
        } else if let Some(items) = &d.items {
            push_nested(items, &format!("{path}[]"), defs, out, depth + 1);
        }
    }
}

/// Rows for the items of an array at `path` (itself already listed).
fn push_nested(
    items: &Desc,
    path: &str,
    defs: &Map<String, Value>,
    out: &mut Vec<Row>,
    depth: usize,
) {
    if let Some(o) = &items.object {
        walk_object(o, &format!("{path}."), defs, out, depth + 1);
    } else if let Some(inner) = &items.items {
        push_nested(inner, &format!("{path}[]"), defs, out, depth + 1);
    }
}

/// Resolves a local `$ref` (`#/$defs/Name`), merging the referencing schema's own keywords
/// over the definition's.
fn resolve(schema: &Value, defs: &Map<String, Value>, depth: usize) -> Value {
    let Some(obj) = schema.as_object() else {
        return schema.clone();
    };
    let Some(target) = obj.get("$ref").and_then(Value::as_str) else {
        return schema.clone();
    };
    let name = target.strip_prefix("#/$defs/").unwrap_or(target);
    let Some(def) = defs.get(name) else {
        return schema.clone();
    };
    let mut base = if depth > MAX_DEPTH {
        Map::new()
    } else {
        resolve(def, defs, depth + 1)
            .as_object()
            .cloned()
            .unwrap_or_default()
    };
    for (k, v) in obj {
        if k != "$ref" {
            base.insert(k.clone(), v.clone());
        }
    }
    Value::Object(base)
}

/// The one item of `each`, if it has exactly one.
fn only<T>(mut each: impl Iterator<Item = T>) -> Option<T> {
    let first = each.next()?;
    each.next().is_none().then_some(first)
}

/// The types a schema's own `type` names (`"string"`, or a list), none without `type`.
fn declared_types(schema: &Map<String, Value>) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether a schema's own `type` allows `ty`.
fn declares(schema: &Map<String, Value>, ty: &str) -> bool {
    declared_types(schema).contains(&ty)
}

/// `branch` of a union in `outer`, with the `items`, `properties` and `required` written
/// beside the union added where the branch can be an array or an object.
fn with_structure_beside(mut branch: Value, outer: &Map<String, Value>) -> Value {
    let Some(fields) = branch.as_object_mut() else {
        return branch;
    };
    if declares(fields, "array")
        && let Some(items) = outer.get("items")
    {
        fields.entry("items").or_insert_with(|| items.clone());
    }
    if declares(fields, "object") {
        if let Some(Value::Object(props)) = outer.get("properties")
            && let Value::Object(own) = fields
                .entry("properties")
                .or_insert_with(|| Value::Object(Map::new()))
        {
            for (k, v) in props {
                own.entry(k.as_str()).or_insert_with(|| v.clone());
            }
        }
        if let Some(Value::Array(names)) = outer.get("required")
            && let Value::Array(own) = fields
                .entry("required")
                .or_insert_with(|| Value::Array(Vec::new()))
        {
            for n in names {
                if !own.contains(n) {
                    own.push(n.clone());
                }
            }
        }
    }
    branch
}

fn is_null_schema(s: &Value) -> bool {
    s.get("type").and_then(Value::as_str) == Some("null")
        || s.get("const").is_some_and(Value::is_null)
}

fn describe(schema: &Value, defs: &Map<String, Value>, depth: usize) -> Desc {
    let s = resolve(schema, defs, depth);
    let Some(obj) = s.as_object() else {
        // `true` (anything) or `false` (nothing).
        return Desc {
            ty: if s == Value::Bool(false) {
                "never".into()
            } else {
                "any".into()
            },
            ..Desc::default()
        };
    };
    let description = obj
        .get("description")
        .and_then(Value::as_str)
        .map(first_sentence)
        .unwrap_or_default();
    let union = obj
        .get("anyOf")
        .or_else(|| obj.get("oneOf"))
        .and_then(Value::as_array);
    let mut d = if let Some(branches) = union {
        // What a branch's values are made of may stand beside the union rather than in the
        // branch (schemars writes an optional array as `{"anyOf": [{"type": "array"},
        // {"type": "null"}], "items": ...}`): it applies to each branch that can be an array
        // (`items`) or an object (`properties`, `required`, added to the branch's own).
        let resolved: Vec<Value> = branches
            .iter()
            .map(|b| with_structure_beside(resolve(b, defs, depth + 1), obj))
            .collect();
        let non_null: Vec<&Value> = resolved.iter().filter(|b| !is_null_schema(b)).collect();
        if non_null.len() == 1 {
            describe(non_null[0], defs, depth + 1)
        } else {
            let parts: Vec<Desc> = non_null
                .iter()
                .map(|b| describe(b, defs, depth + 1))
                .collect();
            let mut tys: Vec<String> = Vec::new();
            for p in &parts {
                if !tys.contains(&p.ty) {
                    tys.push(p.ty.clone());
                }
            }
            let limits = parts
                .iter()
                .filter(|p| !p.limits.is_empty())
                .map(|p| format!("as {}: {}", p.ty, p.limits.join(", ")))
                .collect();
            // The nested fields of the one branch that has them (an object, an array); of
            // several objects (a tagged union) none: each field's rules depend on the branch.
            let object = only(parts.iter().filter_map(|p| p.object.clone()));
            let items = only(parts.iter().filter_map(|p| p.items.clone()));
            Desc {
                ty: tys.join(" or "),
                limits,
                object,
                items,
                ..Desc::default()
            }
        }
    } else {
        describe_plain(obj, defs, depth)
    };
    // Keywords beside a union or a `$ref` (such as `minimum`) constrain the field too; fields
    // beside a union whose branches name no object (`anyOf: [{}, null]`, a value of any
    // type) are still listed, under a field whose type stays what the branches say.
    if union.is_some() {
        d.limits.extend(limits_of(obj));
        if d.object.is_none() && d.items.is_none() && obj.contains_key("properties") {
            d.object = Some(Value::Object(obj.clone()));
        }
    }
    if !description.is_empty() {
        d.description = description;
    }
    d
}

fn describe_plain(obj: &Map<String, Value>, defs: &Map<String, Value>, depth: usize) -> Desc {
    let mut types: Vec<String> = declared_types(obj).into_iter().map(String::from).collect();
    types.retain(|t| t != "null");
    if types.is_empty() {
        if obj.contains_key("properties") {
            types.push("object".into());
        } else if obj.contains_key("items") {
            types.push("array".into());
        } else if let Some(c) = obj.get("const") {
            types.push(json_type(c).into());
        } else if let Some(Value::Array(e)) = obj.get("enum")
            && let Some(first) = e.iter().find(|v| !v.is_null())
        {
            types.push(json_type(first).into());
        }
    }
    let mut d = Desc {
        limits: limits_of(obj),
        ..Desc::default()
    };
    if types.iter().any(|t| t == "object") && obj.contains_key("properties") {
        d.object = Some(Value::Object(obj.clone()));
    }
    if types.iter().any(|t| t == "array")
        && let Some(items) = obj.get("items")
    {
        let item = describe(items, defs, depth + 1);
        let ty = types
            .iter()
            .map(|t| {
                if t == "array" {
                    format!("array of {}", item.ty)
                } else {
                    t.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" or ");
        if item.object.is_none() && item.items.is_none() && !item.limits.is_empty() {
            d.limits
                .push(format!("each item: {}", item.limits.join(", ")));
        }
        d.ty = ty;
        d.items = Some(Box::new(item));
        return d;
    }
    d.ty = if types.is_empty() {
        "any".into()
    } else {
        types.join(" or ")
    };
    d
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The limits a schema's own keywords state, in a fixed order.
fn limits_of(obj: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    let num = |k: &str| obj.get(k).map(number_text);
    // `not blank` (pattern `\S`) says more than `not empty` (minLength 1).
    let not_blank = obj.get("pattern").and_then(Value::as_str) == Some("\\S");
    let min_length = obj
        .get("minLength")
        .and_then(Value::as_u64)
        .filter(|&m| !(not_blank && m == 1));
    match (min_length, obj.get("maxLength").and_then(Value::as_u64)) {
        (Some(1), Some(max)) => out.push(format!("not empty, max {max} characters")),
        (Some(min), Some(max)) => out.push(format!("{min} to {max} characters")),
        (Some(1), None) => out.push("not empty".into()),
        (Some(min), None) => out.push(format!("min {min} characters")),
        (None, Some(max)) => out.push(format!("max {max} characters")),
        (None, None) => {}
    }
    if let Some(p) = obj.get("pattern").and_then(Value::as_str) {
        out.push(match p {
            "^[0-9]*$" => "digits only".into(),
            "^[0-9]+$" => "digits only, not empty".into(),
            "\\S" => "not blank".into(),
            _ => format!("pattern `{p}`"),
        });
    }
    match (num("minimum"), num("maximum")) {
        (Some(min), Some(max)) => out.push(format!("{min} to {max}")),
        (Some(min), None) => out.push(format!("at least {min}")),
        (None, Some(max)) => out.push(format!("at most {max}")),
        (None, None) => {}
    }
    if let Some(v) = num("exclusiveMinimum") {
        out.push(format!("greater than {v}"));
    }
    if let Some(v) = num("exclusiveMaximum") {
        out.push(format!("less than {v}"));
    }
    match (
        obj.get("minItems").and_then(Value::as_u64),
        obj.get("maxItems").and_then(Value::as_u64),
    ) {
        (Some(min), Some(max)) => out.push(format!("{min} to {max} items")),
        (Some(min), None) => out.push(format!(
            "at least {min} item{}",
            if min == 1 { "" } else { "s" }
        )),
        (None, Some(max)) => out.push(format!("at most {max} items")),
        (None, None) => {}
    }
    if let Some(f) = obj.get("format").and_then(Value::as_str) {
        // Integer widths are stated by minimum / maximum already.
        if !f.starts_with("int") && !f.starts_with("uint") {
            out.push(format!("format `{f}`"));
        }
    }
    if let Some(c) = obj.get("const") {
        out.push(format!("exactly `{}`", value_text(c)));
    }
    if let Some(Value::Array(e)) = obj.get("enum") {
        let values: Vec<String> = e.iter().map(|v| format!("`{}`", value_text(v))).collect();
        out.push(format!("one of {}", values.join(", ")));
    }
    out
}

fn number_text(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The first sentence (or line) of a description, on one line: up to the first `. ` outside
/// parentheses (so "(e.g. 62811)" stays whole).
fn first_sentence(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut depth = 0usize;
    for (i, c) in one_line.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '.' if depth == 0 && one_line[i + 1..].starts_with(' ') => {
                return one_line[..=i].to_string();
            }
            _ => {}
        }
    }
    one_line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_sentence_ends_outside_parentheses() {
        for (text, want) in [
            ("A note. More text.", "A note."),
            ("One line,\n  wrapped. Next.", "One line, wrapped."),
            ("A phone (e.g. 62811). More.", "A phone (e.g. 62811)."),
            ("No full stop", "No full stop"),
            ("Unbalanced) then. Rest.", "Unbalanced) then."),
        ] {
            assert_eq!(first_sentence(text), want, "{text}");
        }
    }

    #[test]
    fn walks_refs_arrays_unions_and_limits() {
        let schema = serde_json::json!({
            "type": "object",
            "required": ["order"],
            "properties": {
                "order": {"$ref": "#/$defs/Order"},
                "note": {"type": ["string", "null"], "description": "A note. More text."}
            },
            "$defs": {
                "Order": {
                    "type": "object",
                    "required": ["line_items", "amount"],
                    "properties": {
                        "amount": {"anyOf": [{"type": "integer", "maximum": 99}, {"type": "string", "pattern": "^[0-9]+$"}], "minimum": 1},
                        "line_items": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Item"}},
                        "extras": {"anyOf": [{"type": "array"}, {"type": "null"}], "minItems": 1, "items": {"$ref": "#/$defs/Item"}},
                        "info": {"anyOf": [{}, {"type": "null"}], "properties": {"url": {"type": "string"}}},
                        "pick": {"oneOf": [{"type": "object", "properties": {"type": {"const": "full"}}}, {"type": "object", "properties": {"type": {"const": "part"}, "value": {"type": "integer"}}}]},
                        "meta": {"anyOf": [{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}, {"type": "string"}, {"type": "null"}], "properties": {"b": {"type": "integer"}}, "required": ["b"]}
                    }
                },
                "Item": {
                    "type": "object",
                    "required": ["sku"],
                    "properties": {
                        "sku": {"type": "string", "minLength": 1, "maxLength": 64},
                        "phone": {"anyOf": [{"type": "string", "pattern": "^[0-9]*$", "maxLength": 16}, {"type": "null"}]}
                    }
                }
            }
        });
        let rows = rows(&schema);
        let paths: Vec<&str> = rows.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "note",
                "order",
                "order.amount",
                "order.extras",
                "order.extras[].phone",
                "order.extras[].sku",
                "order.info",
                "order.info.url",
                "order.line_items",
                "order.line_items[].phone",
                "order.line_items[].sku",
                "order.meta",
                "order.meta.a",
                "order.meta.b",
                "order.pick"
            ]
        );
        assert_eq!(rows[0].description, "A note.");
        assert!(!rows[0].required);
        assert!(rows[1].required);
        assert_eq!(rows[2].ty, "integer or string");
        assert_eq!(
            rows[2].limits,
            "as integer: at most 99; as string: digits only, not empty; at least 1"
        );
        // An optional array (its items beside the union with null) is walked like a
        // required one.
        assert_eq!(rows[3].ty, "array of object");
        assert!(!rows[3].required);
        assert_eq!(rows[3].limits, "at least 1 item");
        assert!(rows[5].required);
        // A value of any type (`{}` or null) with fields beside: still any, fields listed.
        assert_eq!(
            (rows[6].ty.as_str(), rows[7].ty.as_str()),
            ("any", "string")
        );
        assert_eq!(rows[8].ty, "array of object");
        assert_eq!(rows[8].limits, "at least 1 item");
        assert_eq!(rows[9].ty, "string");
        assert_eq!(rows[9].limits, "max 16 characters; digits only");
        assert!(rows[10].required);
        assert_eq!(rows[10].limits, "not empty, max 64 characters");
        // An object or a string: the object branch's fields and those beside the union,
        // each required as its own list says.
        assert_eq!(rows[11].ty, "object or string");
        assert!(rows[12].required && rows[13].required);
        assert_eq!(rows[13].ty, "integer");
        // Of a tagged union's objects no field is listed: its rules depend on the branch.
        assert_eq!(rows[14].ty, "object");
    }
}
