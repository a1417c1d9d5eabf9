//! DOKU e-Wallet's wire: the visible rows of DOKU's request table for
//! `POST /dokuwallet-emoney/v1/payment` as data ([`CREATE_RULES`]) and where the answer
//! carries the result ([`CREATE_ANSWER`]), field names exactly as on the wire. The same table
//! checks what the client sends and what the simulator receives, and makes the published
//! JSON Schema.

use doku_pay_core::answer::{CreateAnswer, Redirect, StatusOf};
use doku_pay_core::rules::{CrossRule, FieldRule, Rules};
use doku_pay_core::{WireModels, WireOperation};

/// The request's rules: the four visible rows of DOKU's table, and the sample's other fields
/// with their sample's types only (`doku-channels.md` section 2.4).
pub static CREATE_RULES: Rules = Rules {
    fields: &[
        // "Mandatory; letters, digits, special characters; max 64".
        FieldRule::text("order.invoice_number")
            .required()
            .max_chars(64)
            .describe("Made by the merchant; unique per request."),
        // "Mandatory; IDR, no decimals; digits; max 12".
        FieldRule::whole_number("order.amount")
            .required()
            .max_digits(12)
            .describe("In rupiah, without decimals."),
        // Conditional: may be omitted; when sent, each item's name is mandatory.
        FieldRule::array("order.line_items"),
        FieldRule::text("order.line_items[].name")
            .required()
            .max_chars(255)
            .describe("The item's name; needed only when line items are sent."),
        FieldRule::whole_number("order.line_items[].price")
            .required()
            .describe("The item's price; prices times quantities add up to `order.amount`."),
        // Not visible: required because the documented sum is price x quantity.
        FieldRule::whole_number("order.line_items[].quantity").required(),
        // In the sample, rows not visible.
        FieldRule::text("order.success_url")
            .describe("Where the customer is redirected after paying."),
        FieldRule::text("order.failed_url"),
        FieldRule::text("order.notify_url"),
        FieldRule::any("order.auto_redirect"),
        FieldRule::any("additional_info"),
    ],
    cross: &[CrossRule::SumEquals {
        items: "order.line_items",
        price: "price",
        quantity: "quantity",
        total: "order.amount",
    }],
};

/// Where the answer carries the result: only its start is published.
pub static CREATE_ANSWER: CreateAnswer = CreateAnswer {
    what: "a DOKU e-Wallet payment answer",
    required: &[],
    status: &["payment.status", "transaction.status"],
    echoes: &["order.invoice_number", "order.amount"],
    reference: None,
    identifiers: &["payment.identifier"],
    scalar_name: "",
    redirect: Some(Redirect::get(&[
        "payment.url",
        "doku_wallet_payment_page.url",
    ])),
    redirect_means_pending: true,
    status_of: StatusOf::Request,
};

/// Every table above, by operation: what the generated schemas, the fuzz targets and the
/// conformance checks read ([`PaymentChannel::wire_models`](doku_pay_core::PaymentChannel::wire_models)).
pub static WIRE: WireModels =
    WireModels::create_only(WireOperation::payment(&CREATE_RULES, &CREATE_ANSWER));
