//! Kredivo's wire: the request table of `POST /kredivo-peer-to-peer/v2/generate-order` as data
//! ([`CREATE_RULES`]) and where the answer carries the result ([`CREATE_ANSWER`]), field names
//! exactly as on the wire. The one table checks what the client sends, what the simulator
//! receives, and makes the published JSON Schema ([`doku_pay_core::rules`], [`doku_pay_core::answer`]).

use doku_pay_core::answer::{CreateAnswer, Redirect, StatusOf};
use doku_pay_core::rules::{CrossRule, FieldRule, Rules};
use doku_pay_core::{WireModels, WireOperation};

/// The create request's rules: the six visible rows of DOKU's table, `order.amount` (in every
/// sample, and the sum rule's total) and the fields sent only when given.
pub static CREATE_RULES: Rules = Rules {
    fields: &[
        // Row 1: "Mandatory", max 64.
        FieldRule::text("order.invoice_number")
            .required()
            .max_chars(64)
            .describe("Made by the merchant; unique per request."),
        // Row not visible: required (every sample; the sum rule's total), no limit stated.
        FieldRule::whole_number("order.amount").required(),
        FieldRule::array("order.line_items").required(),
        // Row 2: "Mandatory", max 255.
        FieldRule::text("order.line_items[].name")
            .required()
            .max_chars(255)
            .describe("The product's name."),
        // Row 3: "Mandatory", digits, max 12; price x quantity sums to order.amount.
        FieldRule::whole_number("order.line_items[].price")
            .required()
            .max_digits(12)
            .describe("The item's price; prices times quantities add up to `order.amount`."),
        // Row 4: "Mandatory", integer (its allowed-characters cell is cut off).
        FieldRule::whole_number("order.line_items[].quantity").required(),
        // Rows 5 and 6: "Mandatory", item id / SKU and item type / category; strings in the
        // sample (their type column is cut off).
        FieldRule::text("order.line_items[].id")
            .required()
            .describe("The item's ID (SKU number)."),
        FieldRule::text("order.line_items[].type")
            .required()
            .describe("The item's type (category)."),
        // Rows not visible: sent only when given.
        FieldRule::text("order.callback_url"),
        // DOKU's per-request notification override: DOKU POSTs there.
        FieldRule::url("additional_info.override_notification_url").describe(
            "This payment's notification URL: only its host may differ from the configured one's.",
        ),
    ],
    cross: &[CrossRule::SumEquals {
        items: "order.line_items",
        price: "price",
        quantity: "quantity",
        total: "order.amount",
    }],
};

/// Where DOKU's answer carries the result (not published; Akulaku's generate-order answer by
/// analogy): only `payment.status` is required.
pub static CREATE_ANSWER: CreateAnswer = CreateAnswer {
    what: "a Kredivo generate-order answer",
    required: &[],
    status: &["payment.status"],
    echoes: &["order.invoice_number", "order.amount"],
    reference: None,
    identifiers: &["payment.identifier"],
    scalar_name: "",
    redirect: Some(Redirect::get(&["payment.url"])),
    redirect_means_pending: false,
    status_of: StatusOf::Request,
};

/// Every table above, by operation: what the generated schemas, the fuzz targets and the
/// conformance checks read ([`PaymentChannel::wire_models`](doku_pay_core::PaymentChannel::wire_models)).
pub static WIRE: WireModels =
    WireModels::create_only(WireOperation::payment(&CREATE_RULES, &CREATE_ANSWER));
