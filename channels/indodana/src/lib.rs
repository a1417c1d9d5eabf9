//! DOKU's Indodana paylater channel (`indodana`, DOKU `channel.id` `PEER_TO_PEER_INDODANA`).
//!
//! # Flow
//!
//! 1. [`PaymentChannel::create`] maps the unified [`PaymentRequest`] to the wire body,
//!    checks every rule of [`wire::CREATE_RULES`] (nothing is sent if one breaks; all broken
//!    rules are reported at once, named by their unified field) and posts it to
//!    `POST /indodana-peer-to-peer/v2/generate-order`.
//! 2. DOKU answers with `payment.url`: the [`Payment`]'s
//!    [`NextAction::Redirect`](doku_pay_core::NextAction::Redirect), a plain `GET` to Indodana's
//!    payment page.
//! 3. After paying, the customer returns to `order.callback_url`; the result arrives as an HTTP
//!    notification with `channel.id` `PEER_TO_PEER_INDODANA`, mapped by the core envelope
//!    mapping.
//!
//! # Capabilities
//!
//! Create only: DOKU's pages show no cancel or refund for Indodana, so both return
//! [`Error::Unsupported`] without any request. Amounts: 1 to [`Amount::MAX`] rupiah (the
//! wire allows 16 digits; the framework's amount holds 12).
//!
//! # Mapping
//!
//! | unified | wire |
//! | --- | --- |
//! | `invoice_number`, `amount`, `callback_url` | `order.invoice_number`, `order.amount`, `order.callback_url` |
//! | `line_items[].{name, price, quantity, category}` | `order.line_items[].{name, price, quantity, category}` |
//! | `line_items[].sku` | `order.line_items[].id` |
//! | `notification_url` | `additional_info.override_notification_url` |
//!
//! Any other unified field (`customer.*`, `merchant_reference`, `additional_info`) is refused
//! (`not offered by Indodana`): nothing is silently dropped.
//!
//! # Rules
//!
//! The visible rows of DOKU's request table (Indodana's own limits: amount 16 digits, name
//! 128 characters, price `16.2`, quantity 8 digits), and nothing it does not state: see
//! [`wire::CREATE_RULES`].
//!
//! # Decisions where DOKU's pages are silent
//!
//! Each is a line of [`NOTES`], shown on the generated page: the request rows after the
//! sixth, the answer and the notification are not in the available copies of DOKU's page.

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "sim")]
pub mod sim;
pub mod wire;

use doku_pay_core::rules::checked_body;
use doku_pay_core::validate::{Violations, not_offered};
use doku_pay_core::{
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
        min_amount: Amount::new_const(1),
        max_amount: Amount::MAX,
    },
    mapping: MAPPING,
    notes: NOTES,
    endpoints: &[Endpoint::post(Operation::Create, CREATE_PATH)],
};

/// The flow and each decision taken where DOKU's pages are silent: shown on the generated
/// page.
pub const NOTES: &[&str] = &[
    "NOTE: DOKU allows `order.amount` up to 16 digits, but the framework's amount type holds at most 12 (IDR 999,999,999,999): the maximum amount is that, not DOKU's. The wire rule keeps DOKU's 16 digits.",
    "Only the first rows of DOKU's request table are visible; they are enforced as written (invoice number max 64; amount required, max 16 digits; line item name max 128, price a decimal of up to 16 digits and 2 decimal places, quantity max 8 digits, all required; price x quantity sums to the amount) and nothing else is invented. `order.line_items` is required: its items' fields are mandatory.",
    "The unified line item price is whole rupiah, so this client sends whole prices, which the `16.2` rule allows. The sum rule is checked when every price is whole; a raw body with fractional prices (which the simulator may receive) is checked for the decimal places, not the sum.",
    "`order.line_items[].id`: its row is cut after the type (string); the sample has it. Decision: optional, a string, sent from the unified `sku` when given. `category` (the sample's name; Kredivo's `type`) has no visible row: optional, sent from the unified `category` when given. `order.line_items[].url` is in the sample, has no visible row and no unified field: not sent.",
    "`order.callback_url`: DOKU's prose says the customer returns there after paying; its row is not visible, so it is optional, sent when given, any string (no format invented).",
    "Customer, billing and shipping address and `peer_to_peer_info` rows are not visible: the unified `customer.*` and `merchant_reference` are refused as not offered rather than sent in an invented shape. `notification_url` is sent as `additional_info.override_notification_url`, DOKU's per-request override common to its Non-SNAP payment requests (an absolute http(s) URL).",
    "The answer is not published (the page has its tables; the copies do not): it is read leniently, by analogy with DOKU's Akulaku generate-order answer. The status is `payment.status` (required; without it the answer is undecodable and any `payment.url` it carries is kept), the redirect `payment.url` (GET), identifiers `payment.identifier`; `order.invoice_number` and `order.amount`, when echoed, must be the request's (otherwise untrusted: ask Check Status).",
    "The notification is not published: `service.id` `PEER_TO_PEER` and `acquirer.id` `INDODANA` follow Akulaku's paylater notification; the envelope is mapped as for every channel. The minimum amount of 1 is the framework's (DOKU states none).",
    "[decision] DOKU's pages do not show what the create answer's status describes: as LinkAja's (\"status of the create order request\"), a `SUCCESS` there is read as the order made, not paid: the payment stays pending, its redirect kept, until the notification or Check Status (read as paid, an unpaid order could ship; read as pending, a paid one only waits for its notification).",
];

/// Unified field → wire field: a broken rule of the wire request names the unified field.
pub const MAPPING: &[(&str, &str)] = &[
    ("invoice_number", "order.invoice_number"),
    ("amount", "order.amount"),
    ("callback_url", "order.callback_url"),
    ("line_items[].sku", "order.line_items[].id"),
    ("line_items", "order.line_items"),
    (
        "notification_url",
        "additional_info.override_notification_url",
    ),
];

/// The unified fields Indodana carries besides the invoice number and the amount; any other
/// is refused.
const OFFERED: &[&str] = &["callback_url", "line_items[]", "notification_url"];

/// The Indodana channel.
#[derive(Clone, Copy, Debug, Default)]
pub struct Indodana;

doku_pay_core::register_channel!(DESCRIPTOR, || Box::new(Indodana));

impl Indodana {
    /// The wire body for `req`, checked against [`wire::CREATE_RULES`]: all broken rules are
    /// reported at once, named by their unified field.
    pub fn to_wire(req: &PaymentRequest) -> Result<Value, Violations> {
        let refused = not_offered(req, OFFERED, DESCRIPTOR.display_name);
        let items: Vec<Value> = req
            .line_items
            .iter()
            .map(|i| {
                json!({"name": i.name, "price": i.price, "quantity": i.quantity,
                       "id": i.sku, "category": i.category})
            })
            .collect();
        let body = json!({
            "order": {
                "invoice_number": req.invoice_number,
                "amount": req.amount,
                "line_items": items,
                "callback_url": req.callback_url,
            },
            "additional_info": {"override_notification_url": req.notification_url},
        });
        checked_body(body, &wire::CREATE_RULES, refused, MAPPING)
    }
}

impl PaymentChannel for Indodana {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &DESCRIPTOR
    }

    fn create(&self, req: &PaymentRequest, _: &Merchant) -> Result<Call<Payment>, Error> {
        answer::create(&DESCRIPTOR, &wire::CREATE_ANSWER, req, Self::to_wire(req))
    }

    fn wire_models(&self) -> Option<&'static doku_pay_core::WireModels> {
        Some(&wire::WIRE)
    }
}
