//! A channel's request as data: the endpoint (with its timeout and retry policy), the exact
//! body bytes, and the reader that turns DOKU's answer into the unified result.
//!
//! Channels build [`Call`]s with pure functions of the unified request and the
//! [`Merchant`](crate::Merchant); the transport ([`Api::call`](crate::Api::call)) signs and sends the
//! bytes, retries safely, verifies the answer's signature and hands the answer to the call's
//! reader. So a channel is testable from fixtures with no HTTP at all: build the call, check
//! its body, feed its reader an answer.

use std::fmt;

use bytes::Bytes;
use http::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{DokuError, Error};
use crate::model::Operation;
use crate::model::{NextAction, RequestId};

/// A typed answer from DOKU.
#[derive(Clone, Debug)]
pub struct Sent<T> {
    /// The Request-Id the request was sent with.
    pub request_id: RequestId,
    /// HTTP status (2xx, or 409 for a replay).
    pub status: u16,
    /// `true` when DOKU answered 409 with its original answer.
    pub replayed: bool,
    /// How many attempts were made.
    pub attempts: u32,
    /// The decoded body.
    pub body: T,
    /// The body bytes as received.
    pub raw: Bytes,
}

impl<T> Sent<T> {
    /// The raw body as JSON (`Null` if it is not JSON, which cannot happen for a decoded body).
    pub fn raw_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.raw).unwrap_or(serde_json::Value::Null)
    }

    /// The error for an answer that decoded but is not a success answer of the expected shape
    /// (a channel's own check, such as a missing `order.invoice_number`). A 409 of that kind is
    /// DOKU's refusal of a replay (or its stored answer to a refused request), not the
    /// original success: [`Error::Doku`] with status 409; any other status is
    /// [`Error::Undecodable`].
    pub fn not_an_answer(&self, reason: impl Into<String>) -> Error {
        if self.status == 409 {
            return DokuError::from_response(self.request_id.clone(), self.status, &self.raw)
                .into();
        }
        Error::Undecodable {
            request_id: self.request_id.clone(),
            status: self.status,
            reason: reason.into(),
            raw: String::from_utf8_lossy(&self.raw).into_owned(),
            next_action: None,
        }
    }

    /// The error for an answer that contradicts the request (another invoice number or
    /// amount): [`Error::Untrusted`], whose outcome is unknown — ask Check Status. It keeps
    /// the raw body; a channel attaches the redirect it carries with
    /// [`Error::with_next_action`].
    pub fn contradicts(&self, reason: impl Into<String>) -> Error {
        Error::Untrusted {
            request_id: self.request_id.clone(),
            reason: format!("answer contradicts the request: {}", reason.into()),
            raw: String::from_utf8_lossy(&self.raw).into_owned(),
            next_action: None,
        }
    }
}

impl<T> Sent<T> {
    /// Checks the invoice number and amount an answer echoes, where it echoes them, against
    /// the request's: an answer about another payment is [`Sent::contradicts`] (outcome
    /// unknown: ask Check Status).
    pub fn check_echo(
        &self,
        echoed: (Option<&str>, Option<crate::Amount>),
        asked: (&str, crate::Amount),
    ) -> Result<(), Error> {
        if let Some(invoice) = echoed.0.filter(|i| *i != asked.0) {
            return Err(self.contradicts(format!(
                "order.invoice_number `{invoice}` != requested `{}`",
                asked.0
            )));
        }
        match echoed.1 {
            Some(amount) if amount != asked.1 => {
                Err(self.contradicts(format!("order.amount {amount} != requested {}", asked.1)))
            }
            _ => Ok(()),
        }
    }
}

impl<T> Sent<T> {
    /// A payment read from this answer (its Request-Id, replay flag and raw body) with these
    /// fields, and no merchant reference, redirect or identifiers yet.
    pub fn payment(
        &self,
        channel: &str,
        invoice_number: impl Into<String>,
        amount: crate::Amount,
        status: crate::PaymentStatus,
    ) -> crate::Payment {
        crate::Payment {
            channel: channel.to_owned(),
            request_id: self.request_id.clone(),
            replayed: self.replayed,
            invoice_number: invoice_number.into(),
            amount,
            status,
            merchant_reference: None,
            next_action: None,
            identifiers: Vec::new(),
            raw: self.raw_json(),
        }
    }
}

impl Sent<Bytes> {
    /// An answer as the transport hands it to a call's reader (also for tests: feed a
    /// reader a fixture).
    pub fn answer(request_id: RequestId, status: u16, raw: impl Into<Bytes>) -> Self {
        let raw = raw.into();
        Self {
            request_id,
            status,
            replayed: status == 409,
            attempts: 1,
            body: raw.clone(),
            raw,
        }
    }

    /// Decodes the body as `W` (a channel's lenient wire model of the answer). A body that
    /// does not decode is [`Sent::not_an_answer`]: DOKU's refusal for a 409, else
    /// [`Error::Undecodable`].
    pub fn decode<W: DeserializeOwned>(self) -> Result<Sent<W>, Error> {
        match serde_json::from_slice::<W>(&self.raw) {
            Ok(body) => Ok(Sent {
                request_id: self.request_id,
                status: self.status,
                replayed: self.replayed,
                attempts: self.attempts,
                body,
                raw: self.raw,
            }),
            Err(e) => Err(self.not_an_answer(e.to_string())),
        }
    }
}

/// One HTTP endpoint of a channel, with the policy the transport sends it with.
///
/// ```
/// use doku_pay_core::channel::{Endpoint, Operation, Retry};
/// // OVO answers synchronously after up to 70 s: wait 90 s for it.
/// const PAY: Endpoint = Endpoint::post(Operation::Create, "/ovo-emoney/v1/payment").timeout_secs(90);
/// assert_eq!(PAY.timeout_secs, Some(90));
/// assert_eq!(PAY.retry, Retry::SafeFailures);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// The operation it serves.
    pub operation: Operation,
    /// The HTTP method (DOKU's Non-SNAP endpoints are `POST`); serialised as its name.
    #[serde(serialize_with = "crate::model::method_serde::serialize")]
    pub method: Method,
    /// The path, such as `/akulaku-peer-to-peer/v2/generate-order`.
    pub path: &'static str,
    /// How long one attempt waits for DOKU's answer, in seconds; `None` uses the transport's
    /// setting (30 s by default). A synchronous channel (OVO: up to 70 s) declares more.
    pub timeout_secs: Option<u64>,
    /// Which failures the transport retries (always with the same Request-Id and bytes).
    pub retry: Retry,
}

/// Which failures of an endpoint's request the transport retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Retry {
    /// Failures where DOKU did not process the request or says to try again: connection
    /// refused, 5xx, 429 (the transport's retry policy).
    SafeFailures,
    /// Never: every failure is returned at once.
    Never,
}

impl Endpoint {
    /// A `POST` endpoint with the transport's timeout and safe retries.
    pub const fn post(operation: Operation, path: &'static str) -> Self {
        Self {
            operation,
            method: Method::POST,
            path,
            timeout_secs: None,
            retry: Retry::SafeFailures,
        }
    }

    /// The same endpoint waiting `secs` seconds per attempt.
    pub const fn timeout_secs(mut self, secs: u64) -> Self {
        self.timeout_secs = Some(secs);
        self
    }

    /// The same endpoint never retried.
    pub const fn never_retry(mut self) -> Self {
        self.retry = Retry::Never;
        self
    }
}

type Reader<T> = Box<dyn FnOnce(Sent<Bytes>) -> Result<T, Error> + Send>;
type Salvage = Box<dyn Fn(&str) -> Option<NextAction> + Send + Sync>;

/// One request a channel wants sent, and how to read its answer. Made by
/// [`PaymentChannel`](crate::PaymentChannel)'s operations; sent by
/// [`Api::call`](crate::Api::call).
///
/// ```
/// use doku_pay_core::call::{Call, Sent};
/// use doku_pay_core::channel::{Endpoint, Operation};
/// use doku_pay_core::RequestId;
///
/// static PAY: Endpoint = Endpoint::post(Operation::Create, "/example/v1/payment");
/// let rid = RequestId::new("rid-1").unwrap();
/// let call = Call::new(&PAY, Some(&rid), &serde_json::json!({"order": {"amount": 1}}), |sent| {
///     Ok(sent.decode::<serde_json::Value>()?.body["status"].clone())
/// })
/// .unwrap();
/// assert_eq!(call.body().as_ref(), br#"{"order":{"amount":1}}"#);
/// let status = call.read(Sent::answer(rid, 200, r#"{"status":"PENDING"}"#)).unwrap();
/// assert_eq!(status, "PENDING");
/// ```
pub struct Call<T> {
    endpoint: &'static Endpoint,
    request_id: RequestId,
    body: Bytes,
    read: Reader<T>,
    salvage: Option<Salvage>,
}

impl<T> Call<T> {
    /// A call to `endpoint` with `body` serialised once (the digest, the signature and every
    /// retry use these bytes) under `request_id`, or a fresh UUID v4; `read` turns the
    /// answer into the result.
    pub fn new<B: Serialize + ?Sized>(
        endpoint: &'static Endpoint,
        request_id: Option<&RequestId>,
        body: &B,
        read: impl FnOnce(Sent<Bytes>) -> Result<T, Error> + Send + 'static,
    ) -> Result<Self, Error> {
        let body = serde_json::to_vec(body)
            .map_err(|e| Error::Config(format!("request body does not serialise: {e}")))?;
        Ok(Self {
            endpoint,
            request_id: request_id.cloned().unwrap_or_else(RequestId::new_v4),
            body: Bytes::from(body),
            read: Box::new(read),
            salvage: None,
        })
    }

    /// Reads the redirect an untrusted or undecodable answer carries with `find`, so that the
    /// error keeps it ([`Error::next_action`]).
    pub fn salvage_redirect(
        mut self,
        find: impl Fn(&str) -> Option<NextAction> + Send + Sync + 'static,
    ) -> Self {
        self.salvage = Some(Box::new(find));
        self
    }

    /// The endpoint, with its policy.
    pub fn endpoint(&self) -> &'static Endpoint {
        self.endpoint
    }

    /// The Request-Id it is sent with.
    pub fn request_id(&self) -> &RequestId {
        &self.request_id
    }

    /// The exact body bytes.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Reads DOKU's answer into the result (errors keep any redirect the answer carries).
    pub fn read(self, answer: Sent<Bytes>) -> Result<T, Error> {
        let salvage = self.salvage;
        (self.read)(answer).map_err(|e| Self::salvaged(e, salvage.as_ref()))
    }

    /// The transport's error for this call, with any redirect the answer carried.
    pub fn fail(&self, e: Error) -> Error {
        Self::salvaged(e, self.salvage.as_ref())
    }

    fn salvaged(e: Error, salvage: Option<&Salvage>) -> Error {
        match salvage {
            Some(find) => e.with_next_action(find),
            None => e,
        }
    }
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("endpoint", self.endpoint)
            .field("request_id", &self.request_id)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish_non_exhaustive()
    }
}
