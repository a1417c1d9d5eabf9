//! Indodana's wire: the request table of `POST /indodana-peer-to-peer/v2/generate-order` as data
//! ([`CREATE_RULES`]) and where the answer carries the result ([`CREATE_ANSWER`]), field
//! names exactly as on the wire.
//!
//! Fill these in from DOKU's channel page: one [`FieldRule`] per row of the guide's table,
//! nothing the guide does not state. The one table checks what the client sends, what the
//! simulator receives, and makes the published JSON Schema (`tests/schema.rs` checks that the
//! schema and the checker agree). Answers are read leniently from the listed paths
//! ([`doku_core::answer`]).

use doku_core::answer::{CreateAnswer, Redirect};
use doku_core::rules::{CrossRule, FieldRule, Rules};

/// The create request's rules, as DOKU's page for Indodana states them.
pub static CREATE_RULES: Rules = Rules {
    fields: &[
        FieldRule::text("order.invoice_number")
            .required()
            .max_chars(64),
        FieldRule::whole_number("order.amount")
            .required()
            .max_digits(12),
        FieldRule::url("order.callback_url").required(),
        FieldRule::array("order.line_items"),
        FieldRule::text("order.line_items[].name")
            .required()
            .max_chars(255),
        FieldRule::whole_number("order.line_items[].price")
            .required()
            .max_digits(12),
        FieldRule::whole_number("order.line_items[].quantity")
            .required()
            .max_digits(4),
        FieldRule::text("customer.name").max_chars(64),
        FieldRule::text("customer.email").max_chars(128),
        FieldRule::digits("customer.phone").max_chars(16),
    ],
    cross: &[CrossRule::SumEquals {
        items: "order.line_items",
        price: "price",
        quantity: "quantity",
        total: "order.amount",
    }],
};

/// Where DOKU's answer carries the result: only `payment.status` is required.
pub static CREATE_ANSWER: CreateAnswer = CreateAnswer {
    what: "a Indodana payment answer",
    required: &[],
    status: &["payment.status"],
    echoes: &["order.invoice_number", "order.amount"],
    reference: None,
    identifiers: &["payment.identifier"],
    scalar_name: "",
    redirect: Some(Redirect::get("payment.url")),
};
