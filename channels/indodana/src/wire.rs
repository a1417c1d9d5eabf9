//! Indodana's wire: the request table of `POST /indodana-peer-to-peer/v2/generate-order` as
//! data ([`CREATE_RULES`]) and where the answer carries the result ([`CREATE_ANSWER`]), field
//! names exactly as on the wire. The one table checks what the client sends, what the
//! simulator receives, and makes the published JSON Schema ([`doku_pay_core::rules`],
//! [`doku_pay_core::answer`]).

use doku_pay_core::answer::{CreateAnswer, Redirect, StatusOf};
use doku_pay_core::rules::{CrossRule, FieldRule, Rules};
use doku_pay_core::{WireModels, WireOperation};

/// The create request's rules: the visible rows of DOKU's table and the fields sent only when
/// given.
pub static CREATE_RULES: Rules = Rules {
    fields: &[
        // Row 1: "Mandatory", max 64.
        FieldRule::text("order.invoice_number")
            .required()
            .max_chars(64)
            .describe("Made by the merchant; unique per request."),
        // Row 2: "Mandatory", IDR without decimals, digits, max 16.
        FieldRule::whole_number("order.amount")
            .required()
            .max_digits(16)
            .describe("In rupiah, without decimals."),
        // Its items' fields are mandatory.
        FieldRule::array("order.line_items").required(),
        // Row 3: "Mandatory", max 128.
        FieldRule::text("order.line_items[].name")
            .required()
            .max_chars(128),
        // Row 4: "Mandatory", decimal, max length "16.2"; price x quantity sums to the amount.
        FieldRule::decimal("order.line_items[].price", 2)
            .required()
            .max_digits(16)
            .describe("The item's price; prices times quantities add up to `order.amount`."),
        // Row 5: "Mandatory", digits, max 8.
        FieldRule::whole_number("order.line_items[].quantity")
            .required()
            .max_digits(8),
        // Row 6 is cut after its type (string): optional, as the sample sends it.
        FieldRule::text("order.line_items[].id"),
        // Rows not visible: sent only when given.
        FieldRule::text("order.line_items[].category"),
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
    what: "an Indodana generate-order answer",
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
