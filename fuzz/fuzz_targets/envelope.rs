//! The envelope reader against serde_json: it reads only what serde_json's grammar accepts
//! (UTF-8, one value, an object, after a byte order mark if any), and every object a `Value`
//! holds whose amount, if any, is an amount, where the `Value` is the text (no key of the
//! envelope or of its objects repeated: a `Value` keeps only the last copy, the reader one
//! copy where all agree and none where they differ).
#![no_main]

use std::collections::HashSet;
use std::fmt;

use doku_pay_core::Amount;
use doku_pay_core::notification::Envelope;
use libfuzzer_sys::fuzz_target;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Whether an object at most `depth` levels down (0: the body itself) repeats a key.
#[derive(Clone, Copy)]
struct Repeats {
    depth: u8,
}

impl<'de> DeserializeSeed<'de> for Repeats {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Repeats {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut keys = HashSet::new();
        let mut repeats = false;
        while let Some(key) = map.next_key::<String>()? {
            repeats |= !keys.insert(key);
            repeats |= match self.depth.checked_sub(1) {
                Some(depth) => map.next_value_seed(Repeats { depth })?,
                None => map.next_value::<IgnoredAny>().map(|_| false)?,
            };
        }
        Ok(repeats)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
}

fn repeats_a_key(data: &[u8]) -> bool {
    let mut d = serde_json::Deserializer::from_slice(data);
    Repeats { depth: 1 }.deserialize(&mut d).unwrap_or(false)
}

fuzz_target!(|data: &[u8]| {
    let ours = Envelope::from_json_bytes(data);
    // A byte order mark before the JSON is skipped; serde_json does not skip it.
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
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
        if let (Err(err), true) = (&ours, amount_ok) {
            // The one other refusal: a key repeated (the `Value` is not the text).
            assert!(repeats_a_key(data), "refused a readable envelope: {err}");
        }
    }
});
