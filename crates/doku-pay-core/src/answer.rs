//! DOKU's answers read from paths a channel lists, liberally: a channel describes where its
//! answer carries the status, the echoed request fields, the redirect and the identifiers
//! ([`CreateAnswer`], [`OperationAnswer`]); this module reads them, the same way for every
//! channel, and builds the [`Call`] that sends the request.
//!
//! What "liberally" means (ARCHITECTURE.md, invariant 10):
//!
//! * a text field is a string, or a number or boolean as its JSON text; blank is absent;
//! * an amount is what [`Amount`] reads (an integer or `"10000.00"`);
//! * identifiers are `{name, value}` entries in any shape [`lenient::name_values_from`] reads;
//! * statuses are compared case-insensitively, an unknown one kept as sent;
//! * every other field, known or not, stays in the result's `raw` body.
//!
//! Only what carries the result is checked: the answer must have the fields a channel lists
//! as required (otherwise [`Error::Undecodable`], the body and any redirect kept), and an
//! echoed field that differs from what was sent makes the answer [`Error::Untrusted`].
//!
//! ```
//! use doku_pay_core::answer::{CreateAnswer, Redirect, StatusOf};
//! static ANSWER: CreateAnswer = CreateAnswer {
//!     what: "an Example payment answer",
//!     required: &["order.invoice_number"],
//!     status: &["payment.status"],
//!     echoes: &["order.invoice_number", "order.amount"],
//!     reference: None,
//!     identifiers: &["payment.identifier"],
//!     scalar_name: "",
//!     redirect: Some(Redirect::get(&["payment.url"])),
//!     redirect_means_pending: false,
//!     status_of: StatusOf::Payment,
//! };
//! let raw = r#"{"order": {"invoice_number": "INV-1"}, "payment": {"status": "pending",
//!               "url": "https://pay.example/1"}}"#;
//! let next = ANSWER.redirect_in(raw).expect("a redirect");
//! assert_eq!(serde_json::to_value(next).unwrap()["url"], "https://pay.example/1");
//! ```

use bytes::Bytes;
use http::Method;
use schemars::Schema;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::call::{Call, Sent};
use crate::clock::parse_doku_datetime;
use crate::descriptor::ChannelDescriptor;
use crate::error::Error;
use crate::lenient;
use crate::model::{
    CancelRequest, Cancellation, Identifier, NextAction, Operation, OperationStatus, Payment,
    PaymentRequest, PaymentStatus, Refund, RefundRequest,
};
use crate::validate::Violations;
use crate::{Amount, RequestId};

/// Where a create answer carries the redirect the customer follows.
#[derive(Clone, Debug)]
pub struct Redirect {
    /// The URL: the first of these paths present (an unpublished answer may carry it where
    /// DOKU's prose says or where merchants' code reads it).
    pub url: &'static [&'static str],
    /// The HTTP method's field, if the answer names one.
    pub method: Option<&'static str>,
    /// The method when the answer names none (or names something that is not an HTTP
    /// method token).
    pub default_method: Method,
    /// The form fields (`{name, value}` entries); the first path present is read.
    pub fields: &'static [&'static str],
    /// The name a form field sent as a bare string gets.
    pub fields_scalar_name: &'static str,
}

impl Redirect {
    /// A plain `GET` of the URL at the first of the `url` paths present.
    pub const fn get(url: &'static [&'static str]) -> Self {
        Self {
            url,
            method: None,
            default_method: Method::GET,
            fields: &[],
            fields_scalar_name: "",
        }
    }
}

/// How a channel's create answer is read (see the [module](self)).
#[derive(Clone, Debug)]
pub struct CreateAnswer {
    /// What the answer is, for errors: `"an Akulaku generate-order answer"`.
    pub what: &'static str,
    /// Paths that must be present (not blank) for the body to be this answer at all.
    pub required: &'static [&'static str],
    /// The payment status: the first of these paths present. Also required.
    pub status: &'static [&'static str],
    /// Paths whose answered value, when present, must equal what the request sent at the
    /// same path (the invoice number, the amount, the merchant's reference).
    pub echoes: &'static [&'static str],
    /// The request path of the merchant's own reference, kept in [`Payment::merchant_reference`]
    /// (what cancel and refund need later).
    pub reference: Option<&'static str>,
    /// The identifiers DOKU returns: the first of these paths present.
    pub identifiers: &'static [&'static str],
    /// The name an identifier sent as a bare string gets.
    pub scalar_name: &'static str,
    /// Where the redirect is, for a channel that redirects.
    pub redirect: Option<Redirect>,
    /// For an answer DOKU does not publish: without a status, an answer carrying a redirect
    /// URL is a pending payment (rather than undecodable).
    pub redirect_means_pending: bool,
    /// What the status describes: the payment, or the create request itself (as LinkAja's
    /// guide documents its `emoney_payment.status`).
    pub status_of: StatusOf,
}

/// What a create answer's status describes, as the channel's guide documents it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusOf {
    /// The payment ("the current payment status"): `SUCCESS` is paid, final.
    Payment,
    /// The create request ("status of the create order request"): `SUCCESS` says the order
    /// was made, not that it was paid, so the payment is pending and its redirect kept (the
    /// notification or Check Status says when it is paid); any other status is read as the
    /// payment's (`FAILED`: nothing to pay).
    Request,
}

/// How a channel's cancel or refund answer is read (see the [module](self)).
#[derive(Clone, Copy, Debug)]
pub struct OperationAnswer {
    /// What the answer is, for errors: `"an Akulaku cancel answer"`.
    pub what: &'static str,
    /// The operation's own status (`cancel.status`, `refund.status`): the first of these
    /// paths present.
    pub status: &'static [&'static str],
    /// The payment's status after the operation: the first of these paths present.
    pub payment_status: &'static [&'static str],
    /// Paths whose answered value, when present, must equal what the request sent there.
    pub echoes: &'static [&'static str],
    /// The invoice number (the request's when absent).
    pub invoice_number: &'static str,
    /// The amount.
    pub amount: &'static str,
    /// The operation's date: the first of these paths that reads as a date.
    pub date: &'static [&'static str],
    /// The order's expiry, where the answer carries it.
    pub expires_at: Option<&'static str>,
    /// DOKU's message (a string, or an array of strings joined with `; `).
    pub message: &'static str,
    /// The identifiers DOKU returns.
    pub identifiers: &'static str,
    /// The refund's reference: answered, or what the request sent at this path.
    pub reference: Option<&'static str>,
}

pub use crate::lenient::at;

/// The text at `path` (a string, or a number or boolean as its text); blank is absent.
pub fn text(body: &Value, path: &str) -> Option<String> {
    at(body, path)
        .and_then(lenient::value_text)
        .filter(|t| !t.trim().is_empty())
}

/// The amount at `path`, as [`Amount`] reads it.
pub fn amount(body: &Value, path: &str) -> Option<Amount> {
    at(body, path).and_then(|v| Amount::deserialize(v).ok())
}

/// The date at `path` (ISO 8601, or DOKU's compact local form).
pub fn date(body: &Value, path: &str) -> Option<OffsetDateTime> {
    text(body, path).as_deref().and_then(parse_doku_datetime)
}

/// A message: a string (or scalar), or an array of them joined with `; `.
pub fn message(body: &Value, path: &str) -> Option<String> {
    match at(body, path)? {
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(lenient::value_text).collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        other => lenient::value_text(other),
    }
}

fn first<'a>(body: &Value, paths: &'a [&'a str]) -> Option<String> {
    paths.iter().find_map(|p| text(body, p))
}

fn identifiers(body: &Value, paths: &[&str], scalar_name: &str) -> Vec<Identifier> {
    paths
        .iter()
        .find_map(|p| at(body, p))
        .map(|v| lenient::name_values_from(v, scalar_name))
        .unwrap_or_default()
}

/// The answer as JSON: not JSON at all is undecodable.
fn parse(sent: &Sent<Bytes>) -> Result<Value, Error> {
    serde_json::from_slice(&sent.raw).map_err(|e| sent.not_an_answer(e.to_string()))
}

fn not_an_answer<T>(sent: &Sent<T>, what: &str, missing: &[String]) -> Error {
    sent.not_an_answer(format!("not {what}: no {}", missing.join(", ")))
}

/// Whether the answer carries `path` in a form it can be read: an amount where the request
/// sent a number there, a text otherwise.
fn readable(answer: &Value, request: &Value, path: &str) -> bool {
    match at(request, path) {
        Some(asked) if asked.is_number() => amount(answer, path).is_some(),
        _ => text(answer, path).is_some(),
    }
}

/// Every echoed field present in the answer must equal what was sent there: compared as
/// amounts where the request sent a number, as text otherwise.
fn check_echoes<T>(
    sent: &Sent<T>,
    answer: &Value,
    request: &Value,
    paths: &[&str],
) -> Result<(), Error> {
    for path in paths {
        let (Some(asked), Some(answered)) = (at(request, path), text(answer, path)) else {
            continue;
        };
        if asked.is_number() {
            let asked = Amount::deserialize(asked).ok();
            if amount(answer, path) != asked {
                let asked = asked.map_or_else(String::new, |a| a.to_string());
                return Err(sent.contradicts(format!("{path} {answered} != requested {asked}")));
            }
        } else if let Some(asked) = lenient::value_text(asked).filter(|a| *a != answered) {
            return Err(sent.contradicts(format!("{path} `{answered}` != requested `{asked}`")));
        }
    }
    Ok(())
}

impl CreateAnswer {
    /// Reads the answer to `request` (the wire body that was sent) as a [`Payment`].
    pub fn read(
        &self,
        channel: &ChannelDescriptor,
        req: &PaymentRequest,
        request: &Value,
        sent: Sent<Bytes>,
    ) -> Result<Payment, Error> {
        let body = parse(&sent)?;
        let mut missing: Vec<String> = self
            .required
            .iter()
            .filter(|p| !readable(&body, request, p))
            .map(|p| (*p).to_owned())
            .collect();
        let redirect_url = self.redirect.as_ref().and_then(|r| first(&body, r.url));
        let status = first(&body, self.status).or_else(|| {
            (self.redirect_means_pending && redirect_url.is_some()).then(|| "PENDING".to_owned())
        });
        if status.is_none() {
            missing.push(self.status.join(" or "));
        }
        let Some(status) = status.filter(|_| missing.is_empty()) else {
            return Err(not_an_answer(&sent, self.what, &missing));
        };
        check_echoes(&sent, &body, request, self.echoes)?;
        let status = self.payment_status(&status);
        Ok(Payment {
            channel: channel.id.to_owned(),
            request_id: sent.request_id,
            replayed: sent.replayed,
            invoice_number: req.invoice_number.clone(),
            amount: req.amount,
            next_action: self.next_action(&body, &status),
            merchant_reference: self.reference.and_then(|p| text(request, p)),
            identifiers: identifiers(&body, self.identifiers, self.scalar_name),
            status,
            raw: body,
        })
    }

    /// The payment's status for the answer's status `wire` (see [`StatusOf`]).
    fn payment_status(&self, wire: &str) -> PaymentStatus {
        match (self.status_of, PaymentStatus::from_doku(wire)) {
            (StatusOf::Request, PaymentStatus::Success) => PaymentStatus::Pending,
            (_, status) => status,
        }
    }

    /// The redirect in an answer with `status`: none once the payment failed or is final.
    fn next_action(&self, body: &Value, status: &PaymentStatus) -> Option<NextAction> {
        let r = self.redirect.as_ref()?;
        if *status == PaymentStatus::Failed || status.is_final() {
            return None;
        }
        Some(NextAction::Redirect {
            method: r
                .method
                .and_then(|p| text(body, p))
                .and_then(|m| Method::from_bytes(m.trim().to_ascii_uppercase().as_bytes()).ok())
                .unwrap_or_else(|| r.default_method.clone()),
            url: first(body, r.url)?,
            form_fields: identifiers(body, r.fields, r.fields_scalar_name),
        })
    }

    /// The redirect in a raw answer that could not be used otherwise (an unsigned or
    /// contradicting answer to an order that may exist): what [`Error::next_action`] keeps.
    pub fn redirect_in(&self, raw: &str) -> Option<NextAction> {
        let body: Value = serde_json::from_str(raw).ok()?;
        let status =
            first(&body, self.status).map_or(PaymentStatus::Pending, |s| self.payment_status(&s));
        self.next_action(&body, &status)
    }

    /// The JSON Schema of the answer as it is read: every path this reads, each in the
    /// shapes it accepts; anything else is kept too.
    pub fn schema(&self, title: &str) -> Schema {
        let mut s = answer_schema(title);
        for p in self.required.iter().chain(self.status).chain(self.echoes) {
            put(&mut s, p, leaf_text());
        }
        for p in self.identifiers {
            put(&mut s, p, leaf_identifiers());
        }
        if let Some(r) = &self.redirect {
            for p in r.url {
                put(&mut s, p, leaf_text());
            }
            if let Some(m) = r.method {
                put(&mut s, m, leaf_text());
            }
            for p in r.fields {
                put(&mut s, p, leaf_identifiers());
            }
        }
        Schema::try_from(s).expect("an object is a schema")
    }
}

impl OperationAnswer {
    fn check(&self, sent: &Sent<Bytes>, request: &Value) -> Result<Value, Error> {
        let body = parse(sent)?;
        if first(&body, self.status).is_none() && first(&body, self.payment_status).is_none() {
            let paths: Vec<&str> = self
                .status
                .iter()
                .chain(self.payment_status)
                .copied()
                .collect();
            return Err(not_an_answer(sent, self.what, &[paths.join(" or ")]));
        }
        check_echoes(sent, &body, request, self.echoes)?;
        Ok(body)
    }

    fn payment_status(&self, body: &Value) -> PaymentStatus {
        PaymentStatus::from_doku(&first(body, self.payment_status).unwrap_or_default())
    }

    fn status(&self, body: &Value) -> OperationStatus {
        OperationStatus::from_doku(&first(body, self.status).unwrap_or_default())
    }

    fn date(&self, body: &Value) -> Option<OffsetDateTime> {
        self.date.iter().find_map(|p| date(body, p))
    }

    /// Reads a cancel answer.
    pub fn cancellation(
        &self,
        channel: &ChannelDescriptor,
        req: &CancelRequest,
        request: &Value,
        sent: Sent<Bytes>,
    ) -> Result<Cancellation, Error> {
        let body = self.check(&sent, request)?;
        Ok(Cancellation {
            channel: channel.id.to_owned(),
            request_id: sent.request_id,
            replayed: sent.replayed,
            invoice_number: text(&body, self.invoice_number)
                .unwrap_or_else(|| req.invoice_number.clone()),
            amount: amount(&body, self.amount),
            payment_status: self.payment_status(&body),
            cancel_status: self.status(&body),
            date: self.date(&body),
            payment_expires_at: self.expires_at.and_then(|p| date(&body, p)),
            message: message(&body, self.message),
            identifiers: identifiers(&body, &[self.identifiers], ""),
            raw: body,
        })
    }

    /// Reads a refund answer.
    pub fn refund(
        &self,
        channel: &ChannelDescriptor,
        req: &RefundRequest,
        request: &Value,
        sent: Sent<Bytes>,
    ) -> Result<Refund, Error> {
        let body = self.check(&sent, request)?;
        Ok(Refund {
            channel: channel.id.to_owned(),
            request_id: sent.request_id,
            replayed: sent.replayed,
            invoice_number: text(&body, self.invoice_number)
                .unwrap_or_else(|| req.invoice_number.clone()),
            amount: amount(&body, self.amount),
            payment_status: self.payment_status(&body),
            refund_status: self.status(&body),
            refund_reference: self
                .reference
                .and_then(|p| text(&body, p).or_else(|| text(request, p)))
                .or_else(|| Some(req.refund_reference.clone())),
            date: self.date(&body),
            message: message(&body, self.message),
            identifiers: identifiers(&body, &[self.identifiers], ""),
            raw: body,
        })
    }

    /// The JSON Schema of the answer as it is read.
    pub fn schema(&self, title: &str) -> Schema {
        let mut s = answer_schema(title);
        let texts = self.status.iter().chain(self.payment_status);
        let texts = texts
            .chain(self.echoes)
            .chain(self.date)
            .chain(&self.expires_at);
        for p in texts.chain(std::iter::once(&self.invoice_number)) {
            put(&mut s, p, leaf_text());
        }
        put(&mut s, self.amount, json!({"type": ["integer", "string"]}));
        put(
            &mut s,
            self.message,
            json!({"type": ["string", "array"], "items": {"type": "string"}}),
        );
        put(&mut s, self.identifiers, leaf_identifiers());
        if let Some(p) = self.reference {
            put(&mut s, p, leaf_text());
        }
        Schema::try_from(s).expect("an object is a schema")
    }
}

fn answer_schema(title: &str) -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "description": "Read leniently: text may be a string or a number, blank is absent, \
                        statuses in any case; fields not listed are kept in `raw`.",
        "type": "object",
    })
}

fn leaf_text() -> Value {
    json!({"type": ["string", "number", "boolean", "null"]})
}

fn leaf_identifiers() -> Value {
    json!({
        "type": ["array", "object", "string", "null"],
        "items": {"type": "object", "properties": {
            "name": {"type": ["string", "number", "null"]},
            "value": {"type": ["string", "number", "null"]}
        }}
    })
}

/// Sets the schema of `path` in an object schema (parents become objects).
fn put(schema: &mut Value, path: &str, leaf: Value) {
    let mut node = schema;
    for segment in path.split('.') {
        let Some(obj) = node.as_object_mut() else {
            return;
        };
        obj.entry("type").or_insert_with(|| json!("object"));
        node = obj
            .entry("properties")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("properties is an object")
            .entry(segment)
            .or_insert_with(|| json!({}));
    }
    if node
        .as_object()
        .is_some_and(|o| o.get("properties").is_none())
    {
        *node = leaf;
    }
}

/// The [`Call`] that sends a payment's wire `body` (what the channel's `to_wire` built and
/// checked) and reads its answer with `answer`; an amount outside the channel's limits is
/// reported with the body's own violations, and an unusable answer keeps the redirect it
/// carries.
pub fn create(
    channel: &'static ChannelDescriptor,
    answer: &'static CreateAnswer,
    req: &PaymentRequest,
    body: Result<Value, Violations>,
) -> Result<Call<Payment>, Error> {
    let mut broken = channel.amount_violations(req.amount);
    let body = match body {
        Ok(body) if broken.is_empty() => body,
        Ok(_) => return Err(Error::Validation(Violations(broken))),
        Err(Violations(found)) => {
            broken.extend(found);
            return Err(Error::Validation(Violations(broken)));
        }
    };
    let asked = req.clone();
    let call = call(channel, Operation::Create, req.request_id.as_ref(), body, {
        move |request, sent| answer.read(channel, &asked, &request, sent)
    })?;
    Ok(match answer.redirect {
        Some(_) => call.salvage_redirect(move |raw| answer.redirect_in(raw)),
        None => call,
    })
}

/// The [`Call`] that sends a cancel's wire `body` and reads its answer with `answer`.
pub fn cancel(
    channel: &'static ChannelDescriptor,
    answer: &'static OperationAnswer,
    req: &CancelRequest,
    body: Value,
) -> Result<Call<Cancellation>, Error> {
    let asked = req.clone();
    call(channel, Operation::Cancel, req.request_id.as_ref(), body, {
        move |request, sent| answer.cancellation(channel, &asked, &request, sent)
    })
}

/// The [`Call`] that sends a refund's wire `body` and reads its answer with `answer`.
pub fn refund(
    channel: &'static ChannelDescriptor,
    answer: &'static OperationAnswer,
    req: &RefundRequest,
    body: Value,
) -> Result<Call<Refund>, Error> {
    let asked = req.clone();
    call(channel, Operation::Refund, req.request_id.as_ref(), body, {
        move |request, sent| answer.refund(channel, &asked, &request, sent)
    })
}

fn call<T>(
    channel: &'static ChannelDescriptor,
    op: Operation,
    request_id: Option<&RequestId>,
    body: Value,
    read: impl FnOnce(Value, Sent<Bytes>) -> Result<T, Error> + Send + 'static,
) -> Result<Call<T>, Error> {
    let endpoint = channel.require(op)?;
    let request = body.clone();
    Call::new(endpoint, request_id, &body, move |answer| {
        read(request, answer)
    })
}
