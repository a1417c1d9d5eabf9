//! DOKU's Kredivo paylater channel (`kredivo`, DOKU `channel.id` `PEER_TO_PEER_KREDIVO`).
//!
//! # Flow
//!
//! 1. [`PaymentChannel::create`] maps the unified [`PaymentRequest`] to the wire body,
//!    checks every rule of [`wire::CREATE_RULES`] (nothing is sent if one breaks; all broken
//!    rules are reported at once, named by their unified field) and posts it to
//!    `POST /kredivo-peer-to-peer/v2/generate-order`.
//! 2. DOKU answers with `payment.url` ("obtain `payment.url`"): the [`Payment`]'s
//!    [`NextAction::Redirect`](doku_pay_core::NextAction::Redirect), a plain `GET` to Kredivo's
//!    payment page.
//! 3. The result arrives as an HTTP notification with `channel.id` `PEER_TO_PEER_KREDIVO`,
//!    mapped by the core envelope mapping.
//!
//! # Capabilities
//!
//! Create only: DOKU's pages show no cancel or refund for Kredivo, so both return
//! [`Error::Unsupported`] without any request. Amounts: 1 to [`Amount::MAX`] rupiah.
//!
//! # Mapping
//!
//! | unified | wire |
//! | --- | --- |
//! | `invoice_number`, `amount`, `callback_url` | `order.invoice_number`, `order.amount`, `order.callback_url` |
//! | `line_items[].{name, price, quantity}` | `order.line_items[].{name, price, quantity}` |
//! | `line_items[].sku` | `order.line_items[].id` |
//! | `line_items[].category` | `order.line_items[].type` |
//! | `notification_url` | `additional_info.override_notification_url` |
//!
//! Any other unified field (`customer.*`, `merchant_reference`, `additional_info`) is refused
//! (`not offered by Kredivo`): nothing is silently dropped. Violations name the unified field,
//! `line_items[i].sku` and `.category` included.
//!
//! # Rules
//!
//! The six visible rows of DOKU's request table, and nothing it does not state: see
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
pub const CREATE_PATH: &str = "/kredivo-peer-to-peer/v2/generate-order";

/// Kredivo's identity, capabilities and endpoints.
pub static DESCRIPTOR: ChannelDescriptor = ChannelDescriptor {
    id: "kredivo",
    display_name: "Kredivo",
    channel_code: "PEER_TO_PEER_KREDIVO",
    service_id: "PEER_TO_PEER",
    acquirer_id: "KREDIVO",
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
    "Only the first six rows of DOKU's request table are visible (invoice number, then the line items' name, price, quantity, id and type); they are enforced as written and nothing else is invented. `order.amount` is required although its row is not visible: it is in every sample and the sum rule refers to it; no digit limit is stated for it, so only the framework's amount type (12 digits) bounds it.",
    "`order.line_items[].quantity`: required and whole; its allowed-characters cell is cut off, so no length limit. `id` and `type` (names from the sample; their type column is cut off) are sent as strings, as in the sample, from the unified `sku` and `category`.",
    "`order.callback_url`: its row is not visible; it is sent when given (any string, no format invented) and optional. `order.line_items[].url` appears in DOKU's sample, but its row is not visible and the unified line item has no URL: it is not sent.",
    "Customer, address and `peer_to_peer_info` rows are not visible: the unified `customer.*` and `merchant_reference` are refused as not offered rather than sent in an invented shape. `notification_url` is sent as `additional_info.override_notification_url`, DOKU's per-request override common to its Non-SNAP payment requests (an absolute http(s) URL).",
    "The answer is not published beyond \"obtain `payment.url`\": it is read leniently, by analogy with DOKU's Akulaku generate-order answer. The status is `payment.status` (required; without it the answer is undecodable and any `payment.url` it carries is kept), the redirect `payment.url` (GET), identifiers `payment.identifier`; `order.invoice_number` and `order.amount`, when echoed, must be the request's (otherwise untrusted: ask Check Status).",
    "The notification is not published: `service.id` `PEER_TO_PEER` and `acquirer.id` `KREDIVO` follow Akulaku's paylater notification; the envelope is mapped as for every channel. The minimum amount of 1 is the framework's (DOKU states none).",
    "[decision] DOKU's pages do not show what the create answer's status describes: as LinkAja's (\"status of the create order request\"), a `SUCCESS` there is read as the order made, not paid: the payment stays pending, its redirect kept, until the notification or Check Status (read as paid, an unpaid order could ship; read as pending, a paid one only waits for its notification).",
];

/// Unified field → wire field: a broken rule of the wire request names the unified field
/// (`order.line_items[0].id` is `line_items[0].sku`).
pub const MAPPING: &[(&str, &str)] = &[
    ("invoice_number", "order.invoice_number"),
    ("amount", "order.amount"),
    ("callback_url", "order.callback_url"),
    ("line_items[].sku", "order.line_items[].id"),
    ("line_items[].category", "order.line_items[].type"),
    ("line_items", "order.line_items"),
    (
        "notification_url",
        "additional_info.override_notification_url",
    ),
];

/// The unified fields Kredivo carries besides the invoice number and the amount; any other
/// is refused.
const OFFERED: &[&str] = &["callback_url", "line_items[]", "notification_url"];

/// The Kredivo channel.
#[derive(Clone, Copy, Debug, Default)]
pub struct Kredivo;

doku_pay_core::register_channel!(DESCRIPTOR, || Box::new(Kredivo));

impl Kredivo {
    /// The wire body for `req`, checked against [`wire::CREATE_RULES`]: all broken rules are
    /// reported at once, named by their unified field.
    pub fn to_wire(req: &PaymentRequest) -> Result<Value, Violations> {
        let refused = not_offered(req, OFFERED, DESCRIPTOR.display_name);
        let items: Vec<Value> = req
            .line_items
            .iter()
            .map(|i| {
                json!({"name": i.name, "price": i.price, "quantity": i.quantity,
                       "id": i.sku, "type": i.category})
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

impl PaymentChannel for Kredivo {
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
