//! DOKU's own e-money wallet, DOKU e-Wallet (`dokuwallet`, DOKU `channel.id` `EMONEY_DOKU`).
//!
//! # Flow
//!
//! 1. [`PaymentChannel::create`] maps the unified [`PaymentRequest`] to the wire body
//!    ([`wire::CREATE_RULES`]), checks every rule (nothing is sent if one breaks; all broken
//!    rules are reported at once, named by their unified field) and posts it to
//!    `POST /dokuwallet-emoney/v1/payment`.
//! 2. DOKU answers with the payment page's URL, `payment.url`: the [`Payment`]'s
//!    [`NextAction::Redirect`](doku_pay_core::NextAction::Redirect), a plain `GET`.
//! 3. The customer pays on DOKU's page and is sent to `order.success_url` (or
//!    `order.failed_url`); the result arrives as an HTTP notification with `channel.id`
//!    `EMONEY_DOKU`, mapped by the core envelope mapping.
//!
//! # Capabilities
//!
//! Create only: DOKU documents no cancel and no refund for DOKU e-Wallet (Non-SNAP), so
//! cancel and refund return [`Error::Unsupported`] without any request.
//!
//! # Mapping
//!
//! | unified | wire |
//! | --- | --- |
//! | `invoice_number`, `amount` | `order.invoice_number`, `order.amount` |
//! | `line_items[].{name, price, quantity}` | `order.line_items[]` (optional; when given, price x quantity must sum to the amount) |
//! | `callback_url` | `order.success_url` and `order.failed_url` (the unified request has one return URL) |
//! | `notification_url` | `order.notify_url` |
//! | `additional_info` | `additional_info`, passed through |
//! | (fixed) | `order.auto_redirect` `false`, as DOKU's own library sends it |
//!
//! Any other unified field is refused (`not offered by DOKU e-Wallet`): nothing is silently
//! dropped.
//!
//! # Rules
//!
//! DOKU's request table is cut off after its fourth row in every available copy
//! (`doku-channels.md` section 2.4): `order.invoice_number` (mandatory, max 64),
//! `order.amount` (mandatory, digits, max 12), `order.line_items[].name` (mandatory when
//! line items are sent, max 255) and `order.line_items[].price` (the sum of price x quantity
//! must equal the amount). Only these are enforced; `quantity` is required in a line item
//! because the documented sum is made of it. The other fields of the sample
//! (`success_url`, `failed_url`, `notify_url`, `auto_redirect`) have no visible row and get
//! no rule beyond their sample's type.
//!
//! # Answers
//!
//! Not published beyond its start: read leniently from the paths [`wire::CREATE_ANSWER`]
//! lists. The redirect is `payment.url` (DOKU's prose), else `doku_wallet_payment_page.url`
//! (what merchants' code reads); an answer with a redirect and no status is pending. An
//! echoed `order.invoice_number` or `order.amount` must be the request's
//! ([`Error::Untrusted`] otherwise, the redirect kept: ask Check Status). DOKU's own response
//! sample names another invoice than its request sample; they come from different runs.

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
pub const CREATE_PATH: &str = "/dokuwallet-emoney/v1/payment";

/// DOKU e-Wallet's identity, capabilities and endpoints.
pub static DESCRIPTOR: ChannelDescriptor = ChannelDescriptor {
    id: "dokuwallet",
    display_name: "DOKU e-Wallet",
    channel_code: "EMONEY_DOKU",
    service_id: "EMONEY",
    acquirer_id: "DOKU",
    kind: ChannelKind::Emoney,
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
    "The customer is sent to `payment.url` (DOKU's prose; `doku_wallet_payment_page.url`, what merchants' code reads, is read too); an answer with that URL and no status is pending.",
    "The unified `callback_url` is sent as both `order.success_url` and `order.failed_url`: the return page reads the outcome from the notification or Check Status.",
    "`order.auto_redirect` is sent as `false`, as DOKU's own PHP library does; its row is not visible.",
    "DOKU's request table is cut off after four rows: only those rules are enforced (line items optional, summing to the amount when given; `quantity` required in an item because the sum is made of it).",
    "No cancel or refund is documented for DOKU e-Wallet (Non-SNAP).",
    "[decision] DOKU's pages do not show what the create answer's status describes: as LinkAja's (\"status of the create order request\"), a `SUCCESS` there is read as the order made, not paid: the payment stays pending, its redirect kept, until the notification or Check Status (read as paid, an unpaid order could ship; read as pending, a paid one only waits for its notification).",
    "[decision] The amount is at least 1 (a payment of nothing cannot be paid) and at most 12 digits (the framework's one amount type): DOKU's visible rows state no limit.",
    "[decision] `channel.id` `EMONEY_DOKU` (with `service.id` `EMONEY`, `acquirer.id` `DOKU`) routes the notification here: DOKU's pages show no notification for DOKU e-Wallet, so the code follows LinkAja's `EMONEY_LINKAJA`. A notification carrying another code still reaches the application, as one no linked crate claims.",
];

/// Unified field → wire field: a broken rule of the wire request names the unified field.
pub const MAPPING: &[(&str, &str)] = &[
    ("invoice_number", "order.invoice_number"),
    ("amount", "order.amount"),
    ("line_items", "order.line_items"),
    ("callback_url", "order.success_url"),
    ("callback_url", "order.failed_url"),
    ("notification_url", "order.notify_url"),
    ("additional_info", "additional_info"),
];

/// The unified fields DOKU e-Wallet carries besides the invoice number and the amount; any
/// other is refused.
const OFFERED: &[&str] = &[
    "callback_url",
    "notification_url",
    "additional_info",
    "line_items[].name",
    "line_items[].price",
    "line_items[].quantity",
];

/// The DOKU e-Wallet channel.
#[derive(Clone, Copy, Debug, Default)]
pub struct DokuWallet;

doku_pay_core::register_channel!(DESCRIPTOR, || Box::new(DokuWallet));

impl DokuWallet {
    /// The wire body for `req`, checked against [`wire::CREATE_RULES`]: all broken rules are
    /// reported at once, named by their unified field where [`MAPPING`] has one.
    pub fn to_wire(req: &PaymentRequest) -> Result<Value, Violations> {
        let items: Vec<Value> = req
            .line_items
            .iter()
            .map(|i| json!({"name": i.name, "price": i.price, "quantity": i.quantity}))
            .collect();
        let body = json!({
            "order": {
                "invoice_number": req.invoice_number,
                "amount": req.amount,
                "line_items": (!items.is_empty()).then_some(items),
                "success_url": req.callback_url,
                "failed_url": req.callback_url,
                "notify_url": req.notification_url,
                "auto_redirect": false,
            },
            "additional_info": req.additional_info,
        });
        let refused = not_offered(req, OFFERED, DESCRIPTOR.display_name);
        checked_body(body, &wire::CREATE_RULES, refused, MAPPING)
    }
}

impl PaymentChannel for DokuWallet {
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
