//! The envelope reader against serde_json: it reads only what serde_json's grammar accepts
//! (UTF-8, one value, an object), and every object a `Value` holds whose amount, if any, is an
//! amount and whose fields are not repeated.
#![no_main]

use doku_pay_core::Amount;
use doku_pay_core::notification::Envelope;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

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
        if ours.is_err() && amount_ok {
            // The one other refusal: a known field repeated (a `Value` keeps the last).
            let err = ours.unwrap_err();
            assert!(
                err.to_string().contains("duplicate field"),
                "refused a readable envelope: {err}"
            );
        }
    }
});
