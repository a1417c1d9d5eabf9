//! Property: every channel's request rules ([`Rules::check`], what the client checks before
//! sending and the simulator checks on arrival) and the JSON Schema published from them
//! ([`Rules::schema`]) agree on generated requests. Each case is the channel's own valid wire
//! body with one to three of its documented fields removed or replaced by a generated value
//! (null, text of any length, whole numbers, negatives, decimals, URLs, arrays, objects,
//! booleans). Where the two differ, the schema may only accept what a rule it cannot state
//! refuses: a rule across fields, or decimal places (left to the checker on purpose).
//! proptest shrinks a failure to the smallest edit.

use doku_pay::rules::{CrossRule, Rules};
use doku_pay::{ClientId, Merchant, Operation, PaymentChannel, Registry, SecretKey};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

/// The channel's request rules for `operation`, by channel id.
fn rules(id: &str, operation: Operation) -> &'static Rules {
    match (id, operation) {
        ("akulaku", Operation::Create) => &doku_pay::akulaku::wire::GENERATE_ORDER_RULES,
        ("akulaku", Operation::Cancel) => &doku_pay::akulaku::wire::CANCEL_RULES,
        ("akulaku", Operation::Refund) => &doku_pay::akulaku::wire::REFUND_RULES,
        ("dokuwallet", Operation::Create) => &doku_pay::dokuwallet::wire::CREATE_RULES,
        ("indodana", Operation::Create) => &doku_pay::indodana::wire::CREATE_RULES,
        ("kredivo", Operation::Create) => &doku_pay::kredivo::wire::CREATE_RULES,
        ("linkaja", Operation::Create) => &doku_pay::linkaja::wire::CREATE_RULES,
        ("ovo", Operation::Create) => &doku_pay::ovo::wire::PAYMENT_RULES,
        ("shopeepay", Operation::Create) => &doku_pay::shopeepay::wire::CREATE_RULES,
        ("shopeepay", Operation::Refund) => &doku_pay::shopeepay::wire::REFUND_RULES,
        (other, op) => panic!("channel `{other}` ({op:?}) is registered but not listed here"),
    }
}

/// Every registered channel's operations with a valid wire body each: the create the
/// channel builds from its simulator sample, and its cancel and refund from the guides'
/// samples kept as fixtures.
fn cases() -> Vec<(String, &'static Rules, Value)> {
    let merchant = Merchant::new(
        ClientId::new("MCH-0001-10791114622547").unwrap(),
        SecretKey::new("SK-TESTVECTOR-0001").unwrap(),
    );
    let registry = Registry::global();
    let mut plugins = doku_pay_sim::registered();
    plugins.sort_by_key(|p| p.descriptor().id);
    let mut cases = Vec::new();
    for plugin in &plugins {
        let id = plugin.descriptor().id;
        let channel: &dyn PaymentChannel = registry.get(id).unwrap();
        let req = plugin.samples().unwrap().payment_request("INV-PROP-0001");
        let call = channel.create(&req, &merchant).unwrap();
        let body: Value = serde_json::from_slice(call.body()).unwrap();
        cases.push((format!("{id} create"), rules(id, Operation::Create), body));
    }
    let fixture = |text: &str| serde_json::from_str::<Value>(text).unwrap();
    cases.push((
        "akulaku cancel".into(),
        rules("akulaku", Operation::Cancel),
        fixture(include_str!(
            "../../channels/akulaku/tests/fixtures/cancel-request.json"
        )),
    ));
    cases.push((
        "akulaku refund".into(),
        rules("akulaku", Operation::Refund),
        fixture(include_str!(
            "../../channels/akulaku/tests/fixtures/refund-request.json"
        )),
    ));
    cases.push((
        "shopeepay refund".into(),
        rules("shopeepay", Operation::Refund),
        fixture(include_str!(
            "../../channels/shopeepay/tests/fixtures/guide-refund-request.json"
        )),
    ));
    assert_eq!(plugins.len(), 7, "seven channels registered");
    cases
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
fn schema_states(rules: &Rules, violation: &doku_pay::validate::Violation) -> bool {
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

#[test]
fn the_published_schemas_and_the_rules_agree_on_generated_requests() {
    for (name, rules, valid) in cases() {
        let schema = serde_json::to_value(rules.schema("Request")).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        assert!(
            rules.check(&valid).is_ok(),
            "{name}: the base body is valid"
        );
        assert!(
            validator.is_valid(&valid),
            "{name}: the schema takes the base"
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
                    let stated: Vec<_> = violations
                        .iter()
                        .filter(|v| schema_states(rules, v))
                        .collect();
                    prop_assert_eq!(
                        by_schema,
                        stated.is_empty(),
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
            panic!("{name}: {e}");
        }
    }
}
