//! DOKU's Indodana paylater channel (`indodana`, DOKU `channel.id` `PEER_TO_PEER_INDODANA`).
//!
//! Scaffolded by `cargo xtask new-channel`: a working, tested channel whose facts (paths,
//! fields, rules, answers) are placeholders until checked against DOKU's channel page, as
//! `docs/adding-a-channel.md` describes.
//!
//! # Flow
//!
//! 1. [`PaymentChannel::create`] maps the unified [`PaymentRequest`] to
//!    the wire body, checks every rule (nothing is sent if one breaks; all broken
//!    rules are reported at once) and posts it to `POST /indodana-peer-to-peer/v2/generate-order`.
//! 2. DOKU answers `PENDING` with `payment.url`: the [`Payment`]'s [`NextAction::Redirect`](doku_core::NextAction::Redirect),
//!    a plain `GET`.
//! 3. The customer pays and returns to `order.callback_url`; the result arrives as an HTTP
//!    notification with `channel.id` `PEER_TO_PEER_INDODANA`, mapped by the core envelope mapping.
//!
//! # Capabilities
//!
//! Create only; cancel and refund return [`Error::Unsupported`] without any request until
//! the [`DESCRIPTOR`] declares them and the trait methods are implemented.
//!
//! # Mapping
//!
//! | unified | wire |
//! | --- | --- |
//! | `invoice_number`, `amount` | `order.invoice_number`, `order.amount` |
//! | `callback_url` | `order.callback_url` |
//! | `line_items[].{name, price, quantity}` | `order.line_items[]` |
//! | `customer.{name, email, phone}` | `customer` (omitted when all three are absent) |
//!
//! Any other unified field is refused (`not offered by Indodana`): nothing is silently
//! dropped. Violations of mapped fields name the unified field ([`MAPPING`]).
//!
//! # Answers
//!
//! Read leniently, from the paths [`wire::CREATE_ANSWER`] lists ([`doku_core::answer`]):
//! only `payment.status` is required; `order.invoice_number` and `order.amount`, when
//! echoed, must be the request's ([`Error::Untrusted`] otherwise: outcome unknown, ask Check
//! Status); unknown fields are ignored and kept in the raw body.

#[cfg(feature = "sim")]
pub mod sim;
pub mod wire;

use doku_core::rules::checked_body;
use doku_core::validate::{Violations, not_offered};
use doku_core::{
    Amount, Call, Capabilities, ChannelDescriptor, ChannelKind, Endpoint, Error, Merchant,
    Operation, Payment, PaymentChannel, PaymentRequest, RedirectStyle, RefundSupport, answer,
};
use serde_json::{Value, json};

/// The path of the create endpoint (from DOKU's channel page).
pub const CREATE_PATH: &str = "/indodana-peer-to-peer/v2/generate-order";

/// Indodana's identity, capabilities and endpoints.
pub static DESCRIPTOR: ChannelDescriptor = ChannelDescriptor {
    id: "indodana",
    display_name: "Indodana",
    channel_code: "PEER_TO_PEER_INDODANA",
    service_id: "PEER_TO_PEER",
    acquirer_id: "INDODANA",
    kind: ChannelKind::Paylater,
    capabilities: Capabilities {
        cancel: false,
        refund: RefundSupport::None,
        redirect: RedirectStyle::Url,
        min_amount: 1,
        max_amount: Amount::MAX.rupiah(),
    },
    mapping: MAPPING,
    notes: NOTES,
    endpoints: &[Endpoint::post(Operation::Create, CREATE_PATH)],
};

/// The flow and each decision taken where DOKU's pages are silent: shown on the generated
/// page. Add one line per decision as you write the channel.
pub const NOTES: &[&str] = &[];

/// Unified field → wire field: a broken rule of the wire request names the unified field.
pub const MAPPING: &[(&str, &str)] = &[
    ("invoice_number", "order.invoice_number"),
    ("amount", "order.amount"),
    ("callback_url", "order.callback_url"),
    ("line_items", "order.line_items"),
];

/// The unified fields Indodana carries besides the invoice number and the amount; any other
/// is refused.
const OFFERED: &[&str] = &[
    "callback_url",
    "line_items[].name",
    "line_items[].price",
    "line_items[].quantity",
    "customer.name",
    "customer.email",
    "customer.phone",
];

/// The Indodana channel.
#[derive(Clone, Copy, Debug, Default)]
pub struct Indodana;

doku_core::register_channel!(DESCRIPTOR, || Box::new(Indodana));

impl Indodana {
    /// The wire body for `req`, checked against [`wire::CREATE_RULES`]: all broken rules are
    /// reported at once, named by their unified field where [`MAPPING`] has one.
    pub fn to_wire(req: &PaymentRequest) -> Result<Value, Violations> {
        let refused = not_offered(req, OFFERED, DESCRIPTOR.display_name);
        let body = json!({
            "order": {
                "invoice_number": req.invoice_number,
                "amount": req.amount,
                "callback_url": req.callback_url,
                "line_items": req.line_items.iter().map(|i| json!({
                    "name": i.name, "price": i.price, "quantity": i.quantity,
                })).collect::<Vec<_>>(),
            },
            "customer": {
                "name": req.customer.name,
                "email": req.customer.email,
                "phone": req.customer.phone,
            },
        });
        checked_body(body, &wire::CREATE_RULES, refused, MAPPING)
    }
}

impl PaymentChannel for Indodana {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &DESCRIPTOR
    }

    fn create(&self, req: &PaymentRequest, _: &Merchant) -> Result<Call<Payment>, Error> {
        let body = Self::to_wire(req);
        answer::create(&DESCRIPTOR, &wire::CREATE_ANSWER, req, body)
    }

    fn wire_schemas(&self) -> Vec<(&'static str, schemars::Schema)> {
        vec![
            (
                "PaymentRequest",
                wire::CREATE_RULES.schema("PaymentRequest"),
            ),
            (
                "PaymentResponse",
                wire::CREATE_ANSWER.schema("PaymentResponse"),
            ),
        ]
    }
}
