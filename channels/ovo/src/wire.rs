//! OVO Push Payment's wire: the guide's request table as data ([`PAYMENT_RULES`]; complete as
//! DOKU publishes it, five rows) and where the answer carries the result
//! ([`PAYMENT_ANSWER`]; the answer is not published, so it is read leniently: see the crate
//! docs). The same table checks what the client sends and what the simulator receives, and
//! makes the published JSON Schema.

use doku_pay_core::answer::{CreateAnswer, StatusOf};
use doku_pay_core::rules::{FieldRule, Rules};
use doku_pay_core::{WireModels, WireOperation};

/// The guide's table: all five fields mandatory.
pub static PAYMENT_RULES: Rules = Rules {
    fields: &[
        FieldRule::text("client.id")
            .required()
            .describe("The Client-Id from DOKU's Back Office."),
        FieldRule::text("order.invoice_number")
            .required()
            .max_chars(64)
            .describe("Made by the merchant; unique per request."),
        FieldRule::whole_number("order.amount")
            .required()
            .max_digits(12)
            .describe("In rupiah, without decimals."),
        FieldRule::digits("ovo_info.ovo_id")
            .required()
            .describe("The customer's OVO phone number."),
        FieldRule::text("security.check_sum")
            .required()
            .max_chars(64)
            .describe("Computed by the merchant over the request (`doku_pay_ovo::check_sum`)."),
    ],
    cross: &[],
};

/// The synchronous answer: the status is `ovo_payment.status` or `transaction.status`; an
/// echoed `order.invoice_number` or `order.amount` must match the request.
pub static PAYMENT_ANSWER: CreateAnswer = CreateAnswer {
    what: "an OVO payment answer",
    required: &[],
    status: &["ovo_payment.status", "transaction.status"],
    echoes: &["order.invoice_number", "order.amount"],
    reference: None,
    identifiers: &[],
    scalar_name: "",
    redirect: None,
    redirect_means_pending: false,
    status_of: StatusOf::Payment,
};

/// Every table above, by operation: what the generated schemas, the fuzz targets and the
/// conformance checks read ([`PaymentChannel::wire_models`](doku_pay_core::PaymentChannel::wire_models)).
pub static WIRE: WireModels =
    WireModels::create_only(WireOperation::payment(&PAYMENT_RULES, &PAYMENT_ANSWER));
