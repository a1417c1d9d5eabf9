//! Akulaku's wire: the guide's request tables as data ([`GENERATE_ORDER_RULES`],
//! [`CANCEL_RULES`], [`REFUND_RULES`]) and where its answers carry their results
//! ([`CREATE_ANSWER`], [`CANCEL_ANSWER`], [`REFUND_ANSWER`]), with field names exactly as on
//! the wire. The same tables check what the client sends, what the simulator receives, and
//! make the published JSON Schemas ([`doku_pay_core::rules`], [`doku_pay_core::answer`]).

use doku_pay_core::answer::{CreateAnswer, OperationAnswer, Redirect, StatusOf};
use doku_pay_core::rules::{CrossRule, FieldRule, Rules};
use doku_pay_core::{WireModels, WireOperation};

/// The identifier naming DOKU's order id (`payment.identifier[]`).
pub const ORDER_ID: &str = "ORDER_ID";
/// The identifier naming Akulaku's own reference (`payment.identifier[]`).
pub const AKULAKU_UNIQUE_REFERENCE: &str = "AKULAKU_UNIQUE_REFERENCE";

/// Generate-order's request table (`akulaku-guide.txt`).
pub static GENERATE_ORDER_RULES: Rules = Rules {
    fields: &[
        FieldRule::text("order.invoice_number")
            .required()
            .max_chars(64)
            .describe("Made by the merchant to identify the order; unique per request."),
        FieldRule::whole_number("order.amount")
            .required()
            .max_digits(12)
            .describe("In rupiah, without decimals."),
        FieldRule::array("order.line_items").required(),
        FieldRule::text("order.line_items[].name")
            .required()
            .max_chars(255)
            .describe("The product's name."),
        FieldRule::whole_number("order.line_items[].price")
            .required()
            .max_digits(12)
            .describe("The item's price; prices times quantities add up to `order.amount`."),
        FieldRule::whole_number("order.line_items[].quantity")
            .required()
            .max_digits(4)
            .describe("How many of the product."),
        FieldRule::text("order.line_items[].sku")
            .required()
            .describe("The item's SKU."),
        FieldRule::text("order.line_items[].category")
            .required()
            .describe("The item's category."),
        FieldRule::text("order.callback_url")
            .required()
            .describe("Where the customer is redirected once the order is completed."),
        FieldRule::text("payment.merchant_unique_reference")
            .required()
            .max_chars(64)
            .describe(
                "The merchant's unique reference of the payment (may be the invoice number).",
            ),
        FieldRule::text("customer.id")
            .required()
            .max_chars(50)
            .describe("The merchant's unique identifier of the customer."),
        FieldRule::text("customer.name")
            .required()
            .max_chars(64)
            .describe("The customer's name, shown by Akulaku."),
        FieldRule::digits("customer.phone")
            .required()
            .calling_code_first()
            .max_chars(16)
            .describe(
                "The customer's phone: calling code, then number (for example 6281122334455).",
            ),
        FieldRule::text("customer.address")
            .max_chars(400)
            .describe("The customer's address."),
        FieldRule::text("customer.city")
            .sent()
            .max_chars(64)
            .describe("The customer's city; sent even when empty."),
        FieldRule::text("customer.state")
            .sent()
            .max_chars(64)
            .describe("The customer's province; sent even when empty."),
        FieldRule::digits("customer.postcode")
            .sent()
            .max_chars(64)
            .describe("The customer's postcode; sent even when empty."),
    ],
    cross: &[CrossRule::SumEquals {
        items: "order.line_items",
        price: "price",
        quantity: "quantity",
        total: "order.amount",
    }],
};

/// Cancel's request table: the references are generate-order's values (64 characters).
pub static CANCEL_RULES: Rules = Rules {
    fields: &[
        FieldRule::text("order.invoice_number")
            .required()
            .max_chars(64)
            .describe("The invoice number of the payment's generate-order request."),
        FieldRule::text("payment.merchant_unique_reference")
            .required()
            .max_chars(64)
            .describe("The merchant's unique reference of the payment's order."),
        FieldRule::array_or_object("payment.identifier")
            .describe("Name and value pairs from the generate-order answer, each optional."),
    ],
    cross: &[],
};

/// Refund's request table: `payment.identifier` is a mandatory array; the refund's own
/// reference is new (no length given).
pub static REFUND_RULES: Rules = Rules {
    fields: &[
        FieldRule::text("order.invoice_number")
            .required()
            .max_chars(64)
            .describe("The invoice number of the payment being refunded."),
        FieldRule::text("payment.merchant_unique_reference")
            .required()
            .max_chars(64)
            .describe("The payment's reference, as in its generate-order request."),
        FieldRule::array("payment.identifier")
            .required()
            .describe("The payment's identifiers (name and value pairs)."),
        FieldRule::text("refund.merchant_unique_reference")
            .required()
            .describe("The merchant's new, unique reference of this refund."),
    ],
    cross: &[CrossRule::Differs {
        field: "refund.merchant_unique_reference",
        other: "payment.merchant_unique_reference",
        rule: "must be a new reference, not the payment's",
    }],
};

/// Generate-order's answer: `PENDING` with `payment.url`, or `FAILED`.
pub static CREATE_ANSWER: CreateAnswer = CreateAnswer {
    what: "an Akulaku generate-order answer",
    required: &["order.invoice_number", "order.amount"],
    status: &["payment.status"],
    echoes: &[
        "order.invoice_number",
        "order.amount",
        "payment.merchant_unique_reference",
    ],
    reference: Some("payment.merchant_unique_reference"),
    identifiers: &["payment.identifier"],
    scalar_name: "",
    redirect: Some(Redirect::get(&["payment.url"])),
    redirect_means_pending: false,
    status_of: StatusOf::Payment,
};

/// Cancel's answer; `payment.date` is the order's expiry.
pub static CANCEL_ANSWER: OperationAnswer = OperationAnswer {
    what: "an Akulaku cancel answer",
    status: &["cancel.status"],
    payment_status: &["payment.status"],
    echoes: &["order.invoice_number", "payment.merchant_unique_reference"],
    invoice_number: "order.invoice_number",
    amount: "order.amount",
    date: &["cancel.date"],
    expires_at: Some("payment.date"),
    message: "error.message",
    identifiers: "payment.identifier",
    reference: None,
};

/// Refund's answer.
pub static REFUND_ANSWER: OperationAnswer = OperationAnswer {
    what: "an Akulaku refund answer",
    status: &["refund.status"],
    payment_status: &["payment.status"],
    echoes: &[
        "order.invoice_number",
        "payment.merchant_unique_reference",
        "refund.merchant_unique_reference",
    ],
    invoice_number: "order.invoice_number",
    amount: "order.amount",
    date: &["refund.date", "payment.date"],
    expires_at: None,
    message: "error.message",
    identifiers: "refund.identifier",
    reference: Some("refund.merchant_unique_reference"),
};

/// Every table above, by operation: what the generated schemas, the fuzz targets and the
/// conformance checks read ([`PaymentChannel::wire_models`](doku_pay_core::PaymentChannel::wire_models)).
pub static WIRE: WireModels = WireModels {
    create: WireOperation::new(
        "GenerateOrderRequest",
        &GENERATE_ORDER_RULES,
        "GenerateOrderResponse",
        &CREATE_ANSWER,
    ),
    cancel: Some(WireOperation::cancel(&CANCEL_RULES, &CANCEL_ANSWER)),
    refund: Some(WireOperation::refund(&REFUND_RULES, &REFUND_ANSWER)),
};
