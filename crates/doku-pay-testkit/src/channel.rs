//! The checks every channel crate's fixture tests make, written once: the test merchant,
//! violations as `field: rule` lines, unified requests edited field by field, how a create
//! call reads one of DOKU's answers, the create-only capabilities and the registration.
//!
//! A channel's tests keep what is its own (its fixtures, its rule table, its answers) and
//! call these for the rest:
//!
//! ```
//! use doku_pay_core::{Operation, PaymentChannel, PaymentRequest};
//! use doku_pay_testkit::channel;
//! # fn check(ch: &dyn PaymentChannel, unified: &PaymentRequest) {
//! let too_long = channel::with(unified, serde_json::json!({"invoice_number": "I".repeat(65)}));
//! assert_eq!(
//!     channel::violations(ch, &too_long),
//!     ["invoice_number: max 64 characters"]
//! );
//! channel::assert_offers_only(ch, &[Operation::Create]);
//! # }
//! ```

use doku_pay_core::{
    Call, ChannelDescriptor, ClientId, Error, Merchant, Operation, Payment, PaymentChannel,
    PaymentRequest, Registry, SecretKey, Sent,
};
use serde_json::Value;

/// The merchant the channel crates' fixtures are made for: Client-Id `MCH-0001`, secret
/// `SK-0001`.
pub fn merchant() -> Merchant {
    Merchant::new(
        ClientId::new("MCH-0001").expect("client id"),
        SecretKey::new("SK-0001").expect("secret"),
    )
}

/// The `field: rule` of every violation `channel.validate_create(req)` reports, in its
/// order; none when the request is valid. Any other error fails the test.
pub fn violations(channel: &dyn PaymentChannel, req: &PaymentRequest) -> Vec<String> {
    match channel.validate_create(req) {
        Ok(()) => Vec::new(),
        Err(Error::Validation(v)) => v
            .iter()
            .map(|v| format!("{}: {}", v.field, v.rule))
            .collect(),
        Err(e) => panic!("{e}"),
    }
}

/// `req` with the top-level fields of `change` (a JSON object) replaced; `null` clears an
/// optional field.
pub fn with(req: &PaymentRequest, change: Value) -> PaymentRequest {
    let mut doc = serde_json::to_value(req).expect("a unified request is JSON");
    for (k, v) in change.as_object().expect("the change is a JSON object") {
        doc[k] = v.clone();
    }
    serde_json::from_value(doc).expect("still a unified request")
}

/// The violation a channel reports for a unified `field` it has no place for.
pub fn refused(descriptor: &ChannelDescriptor, field: &str) -> String {
    format!("{field}: not offered by {}", descriptor.display_name)
}

/// What `call` makes of DOKU answering `answer` with 200: the payment status's name, or
/// `undecodable` / `untrusted` for those errors, and whether a redirect came with it (offered
/// by the payment, or kept in the error). Any other error fails the test.
pub fn create_reads(call: Call<Payment>, answer: &Value) -> (String, bool) {
    let rid = call.request_id().clone();
    let body = serde_json::to_vec(answer).expect("json");
    match call.read(Sent::answer(rid, 200, body)) {
        Ok(p) => (p.status.as_str().to_owned(), p.next_action.is_some()),
        Err(e @ Error::Undecodable { .. }) => ("undecodable".into(), e.next_action().is_some()),
        Err(e @ Error::Untrusted { .. }) => ("untrusted".into(), e.next_action().is_some()),
        Err(e) => panic!("{answer}: {e}"),
    }
}

/// The operations besides create that a channel may offer.
const OTHERS: [Operation; 3] = [
    Operation::Cancel,
    Operation::Refund,
    Operation::PartialRefund,
];

/// Asserts that the channel's descriptor offers exactly `offered` (create, cancel, refund,
/// partial refund), that it refuses each other operation with the typed unsupported error,
/// and that the channel itself refuses to build a cancel or refund it does not offer.
pub fn assert_offers_only(channel: &dyn PaymentChannel, offered: &[Operation]) {
    let d = channel.descriptor();
    for op in std::iter::once(Operation::Create).chain(OTHERS) {
        let offers = offered.contains(&op);
        assert_eq!(d.supports(op), offers, "{}: {op:?}", d.id);
        if !offers {
            assert!(
                matches!(d.require(op), Err(Error::Unsupported { .. })),
                "{}: {op:?}",
                d.id
            );
        }
    }
    if !offered.contains(&Operation::Cancel) {
        let cancel = serde_json::from_value(serde_json::json!({"invoice_number": "INV-1"}))
            .expect("a cancel request");
        assert!(
            matches!(
                channel.cancel(&cancel, &merchant()),
                Err(Error::Unsupported { .. })
            ),
            "{}: cancel",
            d.id
        );
    }
    if !offered.contains(&Operation::Refund) {
        let refund = serde_json::from_value(serde_json::json!({
            "invoice_number": "INV-1",
            "refund_reference": "RF-1",
            "amount": {"type": "full"}
        }))
        .expect("a refund request");
        assert!(
            matches!(
                channel.refund(&refund, &merchant()),
                Err(Error::Unsupported { .. })
            ),
            "{}: refund",
            d.id
        );
    }
}

/// Asserts that `descriptor` has the `id` and DOKU `channel_code` given (written out by the
/// test, so that a typo in the descriptor is caught), that the global registry finds its
/// channel under both, that the channel's wire schemas are named `schemas`, in order, and that
/// its wire tables cover exactly the operations it offers.
pub fn assert_registered(
    descriptor: &'static ChannelDescriptor,
    id: &str,
    channel_code: &str,
    schemas: &[&str],
) {
    assert_eq!((descriptor.id, descriptor.channel_code), (id, channel_code));
    let registry = Registry::global();
    let channel = registry
        .get(descriptor.id)
        .unwrap_or_else(|e| panic!("{}: {e}", descriptor.id));
    assert_eq!(channel.descriptor(), descriptor);
    let by_code = registry
        .by_channel_code(descriptor.channel_code)
        .unwrap_or_else(|e| panic!("{}: {e}", descriptor.channel_code));
    assert_eq!(by_code.descriptor().id, descriptor.id);
    let names: Vec<&str> = channel.wire_schemas().iter().map(|(n, _)| *n).collect();
    assert_eq!(names, schemas, "{}: wire schemas", descriptor.id);
    let wire = channel
        .wire_models()
        .unwrap_or_else(|| panic!("{}: no wire tables (`wire_models`)", descriptor.id));
    wire.check_against(descriptor)
        .unwrap_or_else(|e| panic!("{e}"));
}
