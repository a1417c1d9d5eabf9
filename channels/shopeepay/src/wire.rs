//! ShopeePay's wire: DOKU's request tables for `POST /shopeepay-emoney/v2/order` (cut off
//! after its first row) and `POST /shopeepay-emoney/v2/refund` (complete) as data, and where
//! the answers carry their results, field names exactly as on the wire. The same tables
//! check what the client sends and what the simulator receives, and make the published JSON
//! Schemas.

use doku_pay_core::answer::{CreateAnswer, OperationAnswer, Redirect, StatusOf};
use doku_pay_core::rules::{FieldRule, Rules};
use doku_pay_core::{WireModels, WireOperation};

/// The identifier naming ShopeePay's payment reference (from the notification).
pub const PAYMENT_REFERENCE_ID: &str = "PAYMENT_REFERENCE_ID";
/// The identifier naming ShopeePay's transaction serial number (from the notification).
pub const TRANSACTION_SN: &str = "TRANSACTION_SN";

/// The create request's rules: the one visible row, and the sample's fields with their
/// sample's types (`doku-channels.md` section 4.4).
pub static CREATE_RULES: Rules = Rules {
    fields: &[
        // "Mandatory; merchant-made, unique per request" (the rest of the cell is cut off).
        FieldRule::text("order.invoice_number")
            .required()
            .describe("Made by the merchant; unique per request."),
        // Row not visible; in the sample, and in every DOKU request.
        FieldRule::whole_number("order.amount").required(),
        FieldRule::text("order.callback_url"),
        FieldRule::whole_number("order.expired_time"),
    ],
    cross: &[],
};

/// The refund request's rules: DOKU's table is complete, both fields mandatory.
pub static REFUND_RULES: Rules = Rules {
    fields: &[
        FieldRule::text("order.invoice_number")
            .required()
            .describe("The invoice number of the payment being refunded."),
        FieldRule::array("shopeepay_payment.identifier")
            .required()
            .describe("Copied from the payment's notification."),
    ],
    cross: &[],
};

/// Where the create answer carries the result: only its start (the order) is published.
pub static CREATE_ANSWER: CreateAnswer = CreateAnswer {
    what: "a ShopeePay order answer",
    required: &[],
    status: &["shopeepay_payment.status", "payment.status"],
    echoes: &["order.invoice_number", "order.amount"],
    reference: None,
    identifiers: &["shopeepay_payment.identifier"],
    scalar_name: "",
    redirect: Some(Redirect::get(&[
        "shopeepay_payment.redirect_url_http",
        "shopeepay_payment.redirect_url_app",
        "payment.url",
    ])),
    redirect_means_pending: true,
    status_of: StatusOf::Request,
};

/// Where the refund answer carries the result (not published: "HTTP 200, SUCCESS").
pub static REFUND_ANSWER: OperationAnswer = OperationAnswer {
    what: "a ShopeePay refund answer",
    status: &["refund.status", "shopeepay_payment.refund_status"],
    payment_status: &[
        "payment.status",
        "shopeepay_payment.status",
        "transaction.status",
    ],
    echoes: &["order.invoice_number"],
    invoice_number: "order.invoice_number",
    amount: "order.amount",
    date: &["refund.date", "transaction.date"],
    expires_at: None,
    message: "error.message",
    identifiers: "shopeepay_payment.identifier",
    reference: None,
};

/// Every table above, by operation: what the generated schemas, the fuzz targets and the
/// conformance checks read ([`PaymentChannel::wire_models`](doku_pay_core::PaymentChannel::wire_models)).
pub static WIRE: WireModels = WireModels {
    create: WireOperation::new(
        "OrderRequest",
        &CREATE_RULES,
        "OrderResponse",
        &CREATE_ANSWER,
    ),
    cancel: None,
    refund: Some(WireOperation::refund(&REFUND_RULES, &REFUND_ANSWER)),
};
