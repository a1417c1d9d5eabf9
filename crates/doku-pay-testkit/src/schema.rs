//! What every channel's schema test checks: the channel's request rules ([`Rules::check`],
//! what the client checks before sending and the simulator checks on arrival) and the JSON
//! Schema published from them ([`Rules::schema`]) agree, on a table of documents with their
//! [`Verdict`] ([`assert_verdicts`]) and on generated requests ([`rules_agree_with_schema`]).

use doku_pay_core::rules::{CrossRule, Rules};
use doku_pay_core::validate::Violation;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

/// Checks, on 400 generated requests, that `rules` and the JSON Schema published from them
/// agree: each request is `valid` (a body both accept) with one to three documented fields
/// removed or replaced by a generated value (null, text of any length, whole numbers,
/// negatives, decimals, URLs, arrays, objects, booleans). Where the two differ, the schema may
/// only accept what a rule it cannot state refuses: a rule across fields, or decimal places
/// (left to the checker on purpose). A failure is shrunk to the smallest edit and named
/// with `what`.
pub fn rules_agree_with_schema(what: &str, rules: &Rules, valid: &Value) {
    let schema = serde_json::to_value(rules.schema("Request")).expect("a schema");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    assert!(
        rules.check(valid).is_ok(),
        "{what}: the rules take the base body"
    );
    assert!(
        validator.is_valid(valid),
        "{what}: the schema takes the base body"
    );
    let paths: Vec<String> = rules.fields.iter().map(|f| pointer(f.path)).collect();
    let edits = prop::collection::vec((prop::sample::select(paths), value()), 1..=3);
    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });
    let outcome = runner.run(&edits, |edits| {
        let mut doc = valid.clone();
        for (pointer, value) in &edits {
            edit(&mut doc, pointer, value.clone());
        }
        let by_schema = validator.is_valid(&doc);
        match rules.check(&doc) {
            Ok(()) => prop_assert!(by_schema, "the schema refuses what the rules take"),
            Err(violations) => {
                let stated = violations
                    .iter()
                    .filter(|v| schema_states(rules, v))
                    .count();
                prop_assert_eq!(
                    by_schema,
                    stated == 0,
                    "the rules refuse {:?}; the schema {}",
                    violations
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>(),
                    if by_schema { "accepts" } else { "refuses" }
                );
            }
        }
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{what}: {e}");
    }
}

/// A rule path as a JSON pointer to its first element: `order.line_items[].price` is
/// `/order/line_items/0/price`.
fn pointer(path: &str) -> String {
    format!("/{}", path.replace("[]", ".0").replace('.', "/"))
}

/// Sets (or removes) the value at `pointer` when its parent exists.
fn edit(doc: &mut Value, pointer: &str, value: Option<Value>) {
    let Some((parent, key)) = pointer.rsplit_once('/') else {
        return;
    };
    match (doc.pointer_mut(parent), value) {
        (Some(Value::Object(m)), Some(v)) => {
            m.insert(key.to_owned(), v);
        }
        (Some(Value::Object(m)), None) => {
            m.remove(key);
        }
        (Some(Value::Array(a)), v) => {
            if let Ok(i) = key.parse::<usize>()
                && i < a.len()
            {
                match v {
                    Some(v) => a[i] = v,
                    None => {
                        a.remove(i);
                    }
                }
            }
        }
        _ => {}
    }
}

/// A value a field may be given: `None` removes it.
fn value() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        Just(Some(Value::Null)),
        "[ a-zA-Z0-9._:/@+-]{0,80}".prop_map(|s| Some(json!(s))),
        (0usize..300).prop_map(|n| Some(json!("7".repeat(n)))),
        Just(Some(json!(" "))),
        any::<u64>().prop_map(|n| Some(json!(n))),
        (0u64..100_000_000).prop_map(|n| Some(json!(n))),
        any::<i32>().prop_map(|n| Some(json!(n))),
        (0u64..100_000_000, 1usize..5).prop_map(|(n, places)| {
            let text = format!("{n}.{}", "5".repeat(places));
            Some(serde_json::from_str(&text).unwrap())
        }),
        "https?://[a-z]{1,12}\\.example(/[a-z0-9]{0,8}){0,2}".prop_map(|s| Some(json!(s))),
        "(ftp|javascript):[a-z/]{0,10}".prop_map(|s| Some(json!(s))),
        Just(Some(json!([]))),
        Just(Some(json!(["x", 1]))),
        Just(Some(json!({}))),
        Just(Some(json!({"name": "x"}))),
        any::<bool>().prop_map(|b| Some(json!(b))),
    ]
}

/// Whether a rule JSON Schema states too: not one across fields, not decimal places.
fn schema_states(rules: &Rules, violation: &Violation) -> bool {
    let across = rules.cross.iter().any(|c| match c {
        CrossRule::SumEquals { items, .. } => {
            violation.field == *items && violation.rule.starts_with("sum of line items")
        }
        CrossRule::Differs { field, rule, .. } => {
            violation.field == *field && violation.rule == *rule
        }
    });
    !across && !violation.rule.contains("decimal places")
}

/// What a wire rule table and the JSON Schema published from it say of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Both accept it.
    Valid,
    /// Both refuse it.
    Invalid,
    /// The rules refuse it; JSON Schema cannot state the rule (one across fields) and
    /// accepts it, so that moving the rule into the schema later is noticed.
    ValidationOnly,
}

/// Asserts each row's verdict: `rules.check` (what the client and the simulator check)
/// and a JSON Schema validator over `rules.schema(..)` (what the docs publish) say of the
/// row's document what its [`Verdict`] says. Every disagreement is listed at once, by the
/// row's name.
pub fn assert_verdicts(rules: &Rules, rows: Vec<(&str, Value, Verdict)>) {
    let schema = serde_json::to_value(rules.schema("Request")).expect("a schema");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let failures: Vec<String> = rows
        .into_iter()
        .filter_map(|(name, doc, verdict)| {
            let by_schema = validator.is_valid(&doc);
            let by_rules = rules.check(&doc).is_ok();
            let want = (verdict != Verdict::Invalid, verdict == Verdict::Valid);
            ((by_schema, by_rules) != want).then(|| {
                format!("{name}: schema {by_schema}, rules {by_rules}, expected {verdict:?}")
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A copy of `doc` with the value at the JSON pointer set, or removed with `None` (see
/// [`crate::set`]).
pub fn edited(doc: &Value, pointer: &str, value: Option<Value>) -> Value {
    let mut doc = doc.clone();
    crate::set(&mut doc, pointer, value);
    doc
}
