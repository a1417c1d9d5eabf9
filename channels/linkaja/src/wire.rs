//! LinkAja's wire: the guide's request table as data ([`CREATE_RULES`]) and where its answer
//! carries the result ([`CREATE_ANSWER`]), field names exactly as on the wire. The same
//! table checks what the client sends and what the simulator receives, and makes the
//! published JSON Schema ([`doku_pay_core::rules`], [`doku_pay_core::answer`]).

use doku_pay_core::Method;
use doku_pay_core::answer::{CreateAnswer, Redirect, StatusOf};
use doku_pay_core::rules::{FieldRule, Rules};
use doku_pay_core::{WireModels, WireOperation};

/// The `additional_info` key that overrides the notification URL for one payment.
pub const OVERRIDE_NOTIFICATION_URL: &str = "override_notification_url";

/// The create request's rules, as the guide's "Request Body Explanation" states them (it
/// gives no lengths).
pub static CREATE_RULES: Rules = Rules {
    fields: &[
        FieldRule::text("order.invoice_number")
            .required()
            .describe("The merchant's invoice number of the transaction."),
        // "number, Mandatory, Allowed chars: numeric": rupiah, whole.
        FieldRule::whole_number("order.amount")
            .required()
            .describe("The transaction amount."),
        // Mandatory, and the guide's sample sends `""`: present, may be empty, any text
        // (an app deep link as well as a URL).
        FieldRule::text("order.callback_url")
            .sent()
            .describe("Where the customer is redirected once the order is completed."),
        // Mandatory: "Information about customer's basket (item's name, price, and
        // quantities)"; typed `string` while the sample sends an array of objects.
        FieldRule::array("order.line_items")
            .required()
            .describe("The customer's basket: each item's name, price and quantity."),
        FieldRule::text("order.line_items[].name").required(),
        FieldRule::whole_number("order.line_items[].price").required(),
        FieldRule::whole_number("order.line_items[].quantity").required(),
        FieldRule::text("customer.name").describe("The customer's name."),
        FieldRule::text("customer.email").describe("The customer's email."),
        // Typed `number`, sample `"081112345678"`: digits, as a string or a number.
        FieldRule::digits("customer.phone").describe("The customer's phone."),
        // Typed `string`, sample an object.
        FieldRule::any("additional_info").describe("Additional info."),
        // doku-api.md section 5: DOKU POSTs the notification there, so an absolute
        // http(s) URL (whose path must equal the configured one).
        FieldRule::url("additional_info.override_notification_url").describe(
            "This payment's notification URL: only its host may differ from the configured one's.",
        ),
    ],
    cross: &[],
};

/// The answer: the redirect (`emoney_payment`), `TERMINAL_ID` and the status.
pub static CREATE_ANSWER: CreateAnswer = CreateAnswer {
    what: "a LinkAja payment answer",
    required: &["order.invoice_number", "order.amount"],
    status: &["emoney_payment.status"],
    echoes: &["order.invoice_number", "order.amount"],
    reference: None,
    identifiers: &["emoney_configuration.identifier"],
    scalar_name: "TERMINAL_ID",
    redirect: Some(Redirect {
        url: &["emoney_payment.redirect_url_http"],
        method: Some("emoney_payment.redirect_method_http"),
        default_method: Method::POST,
        fields: &[
            "emoney_payment.redirect_parameter",
            "emoney_payment.parameter",
        ],
        fields_scalar_name: "Message",
    }),
    redirect_means_pending: false,
    status_of: StatusOf::Request,
};

/// Every table above, by operation: what the generated schemas, the fuzz targets and the
/// conformance checks read ([`PaymentChannel::wire_models`](doku_pay_core::PaymentChannel::wire_models)).
pub static WIRE: WireModels =
    WireModels::create_only(WireOperation::payment(&CREATE_RULES, &CREATE_ANSWER));
