//! One error type whose variants tell the caller what to do next.
//!
//! | variant | reached DOKU? | what to do |
//! | --- | --- | --- |
//! | [`Error::Validation`], [`Error::Unsupported`], [`Error::Config`], [`Error::UnknownChannel`], [`Error::Unreachable`] | no | fix the input or configuration; nothing was charged |
//! | [`Error::OutcomeUnknown`] | maybe | do **not** create a new request: retry with the same Request-Id, or ask Check Status |
//! | [`Error::Doku`] | yes, DOKU refused | read the status / code / message; 5xx and 429 may be retried with the same Request-Id |
//! | [`Error::Doku`] with HTTP 409 | maybe: DOKU already has this Request-Id, and this answer is not trusted as the original one | as an unknown outcome: do **not** create a new request; Check Status with the Request-Id |
//! | [`Error::Untrusted`], [`Error::Undecodable`] | yes, answer unusable | treat like an unknown outcome: Check Status; the raw body ([`Error::raw`]) and any redirect it carries ([`Error::next_action`]) are kept |
//!
//! A declined payment (`FAILED`) is data in the result, not an error.

use std::fmt;

/// A boxed underlying error: what [`Error::Unreachable`] and [`Error::OutcomeUnknown`] keep
/// (see [`Error::underlying`]).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

use crate::model::Operation;
use crate::model::{NextAction, RequestId};
use crate::notification::NotificationError;
use crate::validate::Violations;

/// Every error of this framework.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not sent: the request broke one or more rules.
    #[error("not sent: invalid request: {0}")]
    Validation(Violations),
    /// Not sent: the channel does not offer this operation.
    #[error("not sent: channel `{channel}` does not support {operation}")]
    Unsupported {
        /// Channel id.
        channel: String,
        /// The operation asked for.
        operation: Operation,
    },
    /// Not sent: no registered channel has this id or DOKU channel code.
    #[error("not sent: no channel `{0}` is registered")]
    UnknownChannel(String),
    /// Not sent: the client is misconfigured (credentials, URLs, options).
    #[error("not sent: configuration: {0}")]
    Config(String),
    /// Not sent: the connection could not be opened (nothing left this machine).
    #[error("not sent: could not connect for Request-Id {request_id}: {reason}")]
    Unreachable {
        /// The Request-Id that was going to be used.
        request_id: RequestId,
        /// Why.
        reason: String,
        /// The underlying error, for downcasting (the HTTP client's error, with the URL
        /// removed). Its text is already in `reason`, so it is not this error's `source()`:
        /// a report that walks the chain shows it once.
        underlying: Option<BoxError>,
    },
    /// Sent, outcome unknown (timeout or connection lost after sending). Retry with the same
    /// Request-Id (DOKU answers a replay with the original answer) or call Check Status.
    #[error(
        "outcome unknown for Request-Id {request_id}: {reason}; retry with the same Request-Id or call Check Status"
    )]
    OutcomeUnknown {
        /// The Request-Id that was sent.
        request_id: RequestId,
        /// Why.
        reason: String,
        /// The underlying error, when there is one, for downcasting (the HTTP client's, with
        /// the URL removed). Its text is already in `reason`, so it is not this error's
        /// `source()`.
        underlying: Option<BoxError>,
    },
    /// DOKU answered with an error.
    #[error(transparent)]
    Doku(Box<DokuError>),
    /// DOKU's answer could not be trusted: its signature did not verify, or it names another
    /// invoice number or amount than the request. The order may exist at DOKU: the body and
    /// any redirect it carries are kept so the caller can decide (Check Status first).
    #[error("answer to Request-Id {request_id} not trusted: {reason}")]
    Untrusted {
        /// The Request-Id that was sent.
        request_id: RequestId,
        /// Why.
        reason: String,
        /// The body as received (lossy UTF-8), unverified.
        raw: String,
        /// The redirect the body carries, read leniently by the channel (create only). It
        /// comes from an answer that is not trusted: use it only after Check Status agrees.
        next_action: Option<Box<NextAction>>,
    },
    /// DOKU's answer could not be read as a result.
    #[error("answer to Request-Id {request_id} (HTTP {status}) could not be read: {reason}")]
    Undecodable {
        /// The Request-Id that was sent.
        request_id: RequestId,
        /// HTTP status.
        status: u16,
        /// Why.
        reason: String,
        /// The body as received (lossy UTF-8).
        raw: String,
        /// The redirect the body carries, where the channel could read one (create only).
        next_action: Option<Box<NextAction>>,
    },
    /// A notification was rejected.
    #[error("notification rejected: {0}")]
    Notification(NotificationError),
}

// By hand, not `#[from]`: that would also make the notification error this one's `source()`,
// and a report walking the chain would show its text twice.
impl From<NotificationError> for Error {
    fn from(e: NotificationError) -> Self {
        Self::Notification(e)
    }
}

impl From<crate::credentials::ConfigError> for Error {
    fn from(e: crate::credentials::ConfigError) -> Self {
        Self::Config(e.0)
    }
}

/// Whether a request reached DOKU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Nothing was sent; safe to fix and send anew.
    NotSent,
    /// It may have been processed: never send it anew under another Request-Id; retry
    /// with the same one where [`Error::retry_with`] gives it, or ask Check Status.
    Unknown,
    /// DOKU received and answered it.
    Answered,
}

impl Error {
    /// The Request-Id to send the same request again with, when doing so is safe and may
    /// help: the connection failed ([`Error::Unreachable`]), the outcome is unknown
    /// ([`Error::OutcomeUnknown`]: DOKU answers a replay with its original answer, so nothing
    /// is charged twice), or DOKU answered 5xx or 429. `None` for everything a retry cannot
    /// change: an invalid or unsupported request, a refusal, and an unusable answer (ask
    /// Check Status instead).
    ///
    /// ```
    /// use doku_pay_core::{Error, RequestId};
    /// let id = RequestId::new("7a1c9f00-0000-4000-8000-000000000001").unwrap();
    /// let e = Error::OutcomeUnknown { request_id: id.clone(), reason: "timed out".into(), underlying: None };
    /// assert_eq!(e.retry_with(), Some(&id));
    /// assert!(!Error::Config("no secret".into()).is_retryable());
    /// ```
    pub fn retry_with(&self) -> Option<&RequestId> {
        match self {
            Self::Unreachable { request_id, .. } | Self::OutcomeUnknown { request_id, .. } => {
                Some(request_id)
            }
            Self::Doku(e) if e.status >= 500 || e.status == 429 => Some(&e.request_id),
            _ => None,
        }
    }

    /// Whether sending the same request again (with [`Error::retry_with`]'s Request-Id) is
    /// safe and may succeed.
    pub fn is_retryable(&self) -> bool {
        self.retry_with().is_some()
    }

    /// Whether the request reached DOKU.
    pub fn delivery(&self) -> Delivery {
        match self {
            Self::Validation(_)
            | Self::Unsupported { .. }
            | Self::UnknownChannel(_)
            | Self::Config(_)
            | Self::Unreachable { .. }
            | Self::Notification(_) => Delivery::NotSent,
            Self::OutcomeUnknown { .. } | Self::Untrusted { .. } | Self::Undecodable { .. } => {
                Delivery::Unknown
            }
            // A 409 is DOKU's answer to a Request-Id it already has (doku-api.md section 3):
            // the original request reached it, and this answer, not trusted as the
            // original's, does not say how it ended.
            Self::Doku(e) if e.status >= 500 || e.status == 409 => Delivery::Unknown,
            Self::Doku(_) => Delivery::Answered,
        }
    }

    /// The Request-Id involved, where a request was built.
    pub fn request_id(&self) -> Option<&RequestId> {
        match self {
            Self::Unreachable { request_id, .. }
            | Self::OutcomeUnknown { request_id, .. }
            | Self::Untrusted { request_id, .. }
            | Self::Undecodable { request_id, .. } => Some(request_id),
            Self::Doku(e) => Some(&e.request_id),
            _ => None,
        }
    }

    /// The error underneath an [`Error::Unreachable`] or [`Error::OutcomeUnknown`], for
    /// downcasting (the HTTP client's error, without the URL). Not this error's `source()`:
    /// its text is already in this error's message.
    ///
    /// ```
    /// use doku_pay_core::{Error, RequestId};
    /// let id = RequestId::new("7a1c9f00-0000-4000-8000-000000000001").unwrap();
    /// let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    /// let e = Error::Unreachable { request_id: id, reason: io.to_string(), underlying: Some(Box::new(io)) };
    /// assert!(e.underlying().unwrap().is::<std::io::Error>());
    /// assert!(std::error::Error::source(&e).is_none());
    /// ```
    pub fn underlying(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        match self {
            Self::Unreachable { underlying, .. } | Self::OutcomeUnknown { underlying, .. } => {
                underlying.as_deref()
            }
            _ => None,
        }
    }

    /// The answer's body as received, for an answer that was not used
    /// ([`Error::Untrusted`], [`Error::Undecodable`], [`Error::Doku`]).
    pub fn raw(&self) -> Option<&str> {
        match self {
            Self::Untrusted { raw, .. } | Self::Undecodable { raw, .. } => Some(raw),
            Self::Doku(e) => Some(&e.raw),
            _ => None,
        }
    }

    /// The redirect an untrusted or undecodable create answer carries, where one was read.
    pub fn next_action(&self) -> Option<&NextAction> {
        match self {
            Self::Untrusted { next_action, .. } | Self::Undecodable { next_action, .. } => {
                next_action.as_deref()
            }
            _ => None,
        }
    }

    /// Attaches the redirect `read` finds in the raw body of an [`Error::Untrusted`] or
    /// [`Error::Undecodable`] that has none yet; any other error is returned unchanged. A
    /// channel's create calls it with its own lenient redirect reader.
    pub fn with_next_action(mut self, read: impl FnOnce(&str) -> Option<NextAction>) -> Self {
        if let Self::Untrusted {
            raw, next_action, ..
        }
        | Self::Undecodable {
            raw, next_action, ..
        } = &mut self
            && next_action.is_none()
        {
            *next_action = read(raw).map(Box::new);
        }
        self
    }

    /// The validation violations, if this is a validation error.
    pub fn violations(&self) -> Option<&Violations> {
        match self {
            Self::Validation(v) => Some(v),
            _ => None,
        }
    }
}

impl From<Violations> for Error {
    fn from(v: Violations) -> Self {
        Self::Validation(v)
    }
}

/// What kind of refusal DOKU's HTTP status means (`../shared/doku-api.md`, section 7,
/// Errors).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DokuErrorKind {
    /// 400 / 422.
    InvalidRequest,
    /// 401 / 403: credentials or signature (`Invalid Header Signature`).
    Unauthorized,
    /// 404.
    NotFound,
    /// 409 not taken for the original answer (unsigned, or not its shape): DOKU already has
    /// the Request-Id, so the outcome is unknown ([`Error::delivery`]).
    Conflict,
    /// 429.
    RateLimited,
    /// 5xx: retryable with the same Request-Id.
    Server,
    /// Anything else.
    Other,
}

impl DokuErrorKind {
    /// The kind for an HTTP status.
    pub fn from_status(status: u16) -> Self {
        match status {
            400 | 422 => Self::InvalidRequest,
            401 | 403 => Self::Unauthorized,
            404 => Self::NotFound,
            409 => Self::Conflict,
            429 => Self::RateLimited,
            500..=599 => Self::Server,
            _ => Self::Other,
        }
    }
}

/// DOKU's error answer: status, code and message when present, and the raw body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DokuError {
    /// The Request-Id that was sent.
    pub request_id: RequestId,
    /// HTTP status.
    pub status: u16,
    /// What the status means.
    pub kind: DokuErrorKind,
    /// `error.code`, when present (a JSON number is kept as its text).
    pub code: Option<String>,
    /// `error.message` or `message[]`, when present.
    pub message: Option<String>,
    /// The body as received (lossy UTF-8).
    pub raw: String,
}

impl DokuError {
    /// Reads DOKU's error body leniently: `{"error":{"code","message","type"}}`,
    /// `{"message":["..."]}`, `{"message":"..."}`; anything else keeps only the raw body.
    pub fn from_response(request_id: RequestId, status: u16, body: &[u8]) -> Self {
        let raw = String::from_utf8_lossy(body).into_owned();
        let (code, message) = match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(v) => {
                let err = v.get("error");
                // A numeric code is kept as its text.
                let code = err
                    .and_then(|e| e.get("code"))
                    .and_then(crate::lenient::value_text);
                let message = err
                    .and_then(|e| e.get("message"))
                    .or_else(|| v.get("message"))
                    .and_then(message_text);
                (code, message)
            }
            Err(_) => (None, None),
        };
        Self {
            request_id,
            status,
            kind: DokuErrorKind::from_status(status),
            code,
            message,
            raw,
        }
    }

    /// Whether retrying with the same Request-Id may succeed (5xx, 429).
    pub fn retryable(&self) -> bool {
        matches!(
            self.kind,
            DokuErrorKind::Server | DokuErrorKind::RateLimited
        )
    }
}

fn message_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(items) => {
            let parts: Vec<&str> = items.iter().filter_map(|i| i.as_str()).collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        _ => None,
    }
}

impl fmt::Display for DokuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DOKU answered HTTP {} to Request-Id {}",
            self.status, self.request_id
        )?;
        if let Some(code) = &self.code {
            write!(f, " code {code}")?;
        }
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DokuError {}

impl From<DokuError> for Error {
    fn from(e: DokuError) -> Self {
        Self::Doku(Box::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each error, whether a retry with its Request-Id may change it, and whether the request
    /// reached DOKU.
    #[test]
    fn only_what_a_retry_can_change_is_retryable() {
        use Delivery::{Answered, NotSent, Unknown};
        let id = RequestId::new("7a1c9f00-0000-4000-8000-000000000001").expect("id");
        let doku = |status| Error::from(DokuError::from_response(id.clone(), status, b"{}"));
        let unusable = |raw: &str| Error::Untrusted {
            request_id: id.clone(),
            reason: "signature".into(),
            raw: raw.into(),
            next_action: None,
        };
        let rows: Vec<(&str, Error, bool, Delivery)> = vec![
            (
                "invalid",
                Error::Validation(Violations(Vec::new())),
                false,
                NotSent,
            ),
            ("config", Error::Config("x".into()), false, NotSent),
            (
                "unknown channel",
                Error::UnknownChannel("x".into()),
                false,
                NotSent,
            ),
            (
                "unreachable",
                Error::Unreachable {
                    request_id: id.clone(),
                    reason: "refused".into(),
                    underlying: None,
                },
                true,
                NotSent,
            ),
            (
                "outcome unknown",
                Error::OutcomeUnknown {
                    request_id: id.clone(),
                    reason: "timeout".into(),
                    underlying: None,
                },
                true,
                Unknown,
            ),
            ("DOKU 503", doku(503), true, Unknown),
            ("DOKU 429", doku(429), true, Answered),
            ("DOKU 400", doku(400), false, Answered),
            ("DOKU 401", doku(401), false, Answered),
            // DOKU has this Request-Id: the original request reached it, its outcome is not
            // in an answer not trusted as the original's. Sending it again gets a 409 again.
            ("DOKU 409", doku(409), false, Unknown),
            ("untrusted answer", unusable("{}"), false, Unknown),
        ];
        for (name, e, retryable, delivery) in rows {
            assert_eq!(e.is_retryable(), retryable, "{name}");
            assert_eq!(e.retry_with().is_some(), retryable, "{name}");
            if let Some(rid) = e.retry_with() {
                assert_eq!(rid, &id, "{name}");
            }
            assert_eq!(e.delivery(), delivery, "{name}");
        }
    }
}
