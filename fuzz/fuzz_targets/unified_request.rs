//! Unified request decoding (`validate::decode_json::<PaymentRequest>`), every registered
//! channel's wire body from it (`PaymentChannel::create`), and `Rules::check` over arbitrary
//! JSON: never a panic; a wire body a channel builds is JSON and passes the create table it
//! states (`PaymentChannel::wire_models`), and a request a channel refuses is refused with
//! a typed validation error, nothing else.
#![no_main]

use std::sync::OnceLock;

use doku_pay_core::validate::decode_json;
use doku_pay_core::{Error, Merchant, PaymentChannel, PaymentRequest, Registry};
use libfuzzer_sys::fuzz_target;

fn channels() -> &'static [&'static dyn PaymentChannel] {
    static CHANNELS: OnceLock<Vec<&'static dyn PaymentChannel>> = OnceLock::new();
    CHANNELS.get_or_init(|| {
        let channels: Vec<_> = Registry::global().all().collect();
        assert_eq!(channels.len(), doku_pay::linked_channels().len());
        channels
    })
}

fuzz_target!(|data: &[u8]| {
    let merchant = Merchant::validation_only();
    let req = decode_json::<PaymentRequest>(data).ok();
    let value = serde_json::from_slice::<serde_json::Value>(data).ok();
    for channel in channels() {
        let id = channel.descriptor().id;
        let rules = channel
            .wire_models()
            .unwrap_or_else(|| panic!("channel `{id}` states no wire tables"))
            .create
            .rules;
        if let Some(req) = &req {
            match channel.create(req, &merchant) {
                Ok(call) => {
                    let body: serde_json::Value = serde_json::from_slice(call.body())
                        .unwrap_or_else(|e| panic!("{id}: a body that is not JSON: {e}"));
                    assert!(rules.check(&body).is_ok(), "{id}: {body}");
                }
                Err(Error::Validation(_)) => {}
                Err(other) => panic!("{id}: refused as {other:?}"),
            }
        }
        if let Some(value) = &value {
            let _ = rules.check(value);
        }
    }
});
