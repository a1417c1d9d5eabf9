//! The envelope reader against serde_json: it reads only what serde_json's grammar accepts
//! (UTF-8, one value, an object), and every object a `Value` holds whose amount, if any, is an
//! amount, unless a key of the envelope or of one of its sections is repeated (a `Value`
//! keeps the last copy; the reader refuses the repetition, or what it read first).
#![no_main]

use doku_pay_core::Amount;
use doku_pay_core::notification::Envelope;
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

fuzz_target!(|data: &[u8]| {
    let ours = Envelope::from_json_bytes(data);
    let grammar = serde_json::from_slice::<serde::de::IgnoredAny>(data).is_ok()
        && std::str::from_utf8(data).is_ok();
    if ours.is_ok() {
        assert!(grammar, "read what serde_json refuses");
    }
    if let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(data) {
        let order = o.get("order").filter(|v| v.is_object());
        let amount_ok = order
            .and_then(|v| v.get("amount"))
            .is_none_or(|a| a.is_null() || serde_json::from_value::<Amount>(a.clone()).is_ok());
        if let Err(err) = ours
            && amount_ok
        {
            assert!(repeats_a_key(data), "refused a readable envelope: {err}");
        }
    }
});

/// Whether the top-level object, or an object directly in it (a section such as `order`),
/// repeats a key.
fn repeats_a_key(data: &[u8]) -> bool {
    let Ok(Pairs(top)) = serde_json::from_slice::<Pairs>(data) else {
        return false;
    };
    let repeats = |pairs: &[(String, Box<RawValue>)]| {
        let mut seen = HashSet::new();
        !pairs.iter().all(|(k, _)| seen.insert(k.as_str()))
    };
    repeats(&top)
        || top.iter().any(|(_, v)| {
            serde_json::from_str::<Pairs>(v.get()).is_ok_and(|Pairs(section)| repeats(&section))
        })
}

/// An object's entries in order, repeated keys kept.
struct Pairs(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Pairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Box<RawValue>>()? {
                    pairs.push((k, v));
                }
                Ok(Pairs(pairs))
            }
        }
        d.deserialize_map(Entries)
    }
}
