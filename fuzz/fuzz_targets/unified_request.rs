//! Unified request decoding (`validate::decode_json::<PaymentRequest>`), a channel's wire body
//! from it (LinkAja's `to_wire`), and `Rules::check` over arbitrary JSON: never a panic; a
//! wire body `to_wire` returns passes the rules it was checked against.
#![no_main]

use doku_pay_core::PaymentRequest;
use doku_pay_core::validate::decode_json;
use doku_pay_linkaja::{LinkAja, wire};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = decode_json::<PaymentRequest>(data) {
        if let Ok(body) = LinkAja::to_wire(&req) {
            assert!(wire::CREATE_RULES.check(&body).is_ok(), "{body}");
        }
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = wire::CREATE_RULES.check(&value);
    }
});
