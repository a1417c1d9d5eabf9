//! The simulator's request decoding: every registered plugin's `decode_create`,
//! `decode_cancel` and `decode_refund` (what the engine calls on an authenticated request) on
//! arbitrary bodies, against the channel's guide table (`Rules::check`, the documented
//! meaning: "the same table a channel's client checks before sending is checked here over
//! the raw request").
//!
//! The first bytes pick the channel and the operation, and whether the body's credentials
//! (`SimChannel::body_credentials`, OVO's `client.id` and checksum) are set right, so that
//! the fuzzer gets past a channel's check of them; the rest is the body. Never a panic; an
//! operation the channel does not offer is unsupported whatever the body; a body that is not
//! a JSON object is malformed; an object the table refuses is refused with exactly the
//! table's violations; an object the table accepts is decoded (a channel whose body carries
//! credentials may still refuse wrong ones, and only those), into the invoice number and
//! amount the body carries, the amount exactly the body's whole number and what the client's
//! `Amount` reads there, where it reads one.
#![no_main]

use std::sync::OnceLock;

use doku_pay_core::rules::{Rules, text_at, whole_at};
use doku_pay_core::{ClientId, Merchant, Operation, SecretKey, answer};
use doku_pay_sim::{Rejection, SimChannel, SimRequest};
use http::HeaderMap;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const CLIENT: &str = "MCH-0001-10791114622547";
const SECRET: &str = "SK-TESTVECTOR-0001";

/// A plugin and its guide tables for create, cancel and refund (`None`: not offered).
struct Plugin {
    plugin: Box<dyn SimChannel>,
    rules: [Option<&'static Rules>; 3],
}

/// The guide tables the channel `id` states, for create, cancel and refund.
fn tables(id: &str) -> [Option<&'static Rules>; 3] {
    let channel = doku_pay::Registry::global().get(id).unwrap();
    let wire = channel
        .wire_models()
        .unwrap_or_else(|| panic!("channel `{id}` states no wire tables"));
    [Operation::Create, Operation::Cancel, Operation::Refund].map(|op| wire.rules(op))
}

fn plugins() -> &'static [Plugin] {
    static PLUGINS: OnceLock<Vec<Plugin>> = OnceLock::new();
    PLUGINS.get_or_init(|| {
        let mut plugins: Vec<Plugin> = doku_pay_sim::registered()
            .into_iter()
            .map(|plugin| Plugin {
                rules: tables(plugin.descriptor().id),
                plugin,
            })
            .collect();
        plugins.sort_by_key(|p| p.plugin.descriptor().id);
        assert_eq!(plugins.len(), doku_pay::linked_channels().len());
        for p in &plugins {
            let d = p.plugin.descriptor();
            let offered = [Operation::Create, Operation::Cancel, Operation::Refund]
                .map(|op| d.endpoint(op).is_some() && d.supports(op));
            assert_eq!(offered, p.rules.map(|r| r.is_some()), "{}", d.id);
        }
        plugins
    })
}

fn merchant() -> &'static Merchant {
    static MERCHANT: OnceLock<Merchant> = OnceLock::new();
    MERCHANT.get_or_init(|| {
        Merchant::new(
            ClientId::new(CLIENT).unwrap(),
            SecretKey::new(SECRET).unwrap(),
        )
    })
}

/// What a decode returned: the invoice number and the amount (create only).
type Decoded = Result<(String, Option<u64>), Rejection>;

fn decode(plugin: &dyn SimChannel, op: usize, request: &SimRequest<'_>) -> Decoded {
    match op {
        0 => plugin
            .decode_create(request)
            .map(|o| (o.invoice_number, Some(o.amount))),
        1 => plugin
            .decode_cancel(request)
            .map(|o| (o.invoice_number, None)),
        _ => plugin
            .decode_refund(request)
            .map(|o| (o.invoice_number, None)),
    }
}

fuzz_target!(|data: &[u8]| {
    let [c, flags, body @ ..] = data else {
        return;
    };
    let plugins = plugins();
    let p = &plugins[usize::from(*c) % plugins.len()];
    let id = p.plugin.descriptor().id;
    let op = usize::from(flags % 3);
    // A body that carries the merchant's credentials (OVO's `client.id` and checksum keyed
    // with the secret): set them right on request, so that the channel's table is reached.
    let credentials = p.plugin.body_credentials();
    let fixed;
    let body = match (serde_json::from_slice::<Value>(body), credentials) {
        (Ok(mut v @ Value::Object(_)), Some(creds)) if flags & 0x80 != 0 => {
            creds.sign(merchant(), &mut v);
            fixed = serde_json::to_vec(&v).unwrap();
            &fixed[..]
        }
        _ => body,
    };
    let headers = HeaderMap::new();
    let request = SimRequest::new(body, &headers, merchant(), "/fuzz");
    let decoded = decode(&*p.plugin, op, &request);
    let Some(rules) = p.rules[op] else {
        assert!(
            matches!(decoded, Err(Rejection::Unsupported(_))),
            "{decoded:?}"
        );
        return;
    };
    let object = serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object);
    let Some(value) = object else {
        assert!(
            matches!(decoded, Err(Rejection::Malformed(_))),
            "{decoded:?}"
        );
        return;
    };
    assert!(std::str::from_utf8(body).is_ok(), "read invalid UTF-8");
    match (rules.check(&value), decoded) {
        (Err(violations), decoded) => {
            assert_eq!(decoded, Err(Rejection::Invalid(violations)));
        }
        (Ok(()), Ok((invoice, amount))) => {
            assert_eq!(
                Some(invoice.as_str()),
                text_at(&value, "order.invoice_number")
            );
            if let Some(amount) = amount {
                // The body's whole number exactly, as `Amount` reads it where it can (a
                // guide that states no length lets more than `Amount`'s 12 digits through).
                assert_eq!(Some(amount), whole_at(&value, "order.amount"));
                if let Some(read) = answer::amount(&value, "order.amount") {
                    assert_eq!(read.rupiah(), amount, "order.amount");
                }
            }
        }
        (Ok(()), Err(Rejection::Invalid(v))) if flags & 0x80 == 0 && credentials.is_some() => {
            let fields = credentials.map(|c| c.fields()).unwrap_or_default();
            for broken in v.iter() {
                assert!(fields.contains(&broken.field.as_str()), "{broken}");
            }
        }
        (Ok(()), Err(e)) => panic!("{id} refused what its table accepts: {e:?}"),
    }
});
