//! The `PaymentChannel` trait, its wire tables by operation, and the descriptor that states a
//! channel's capabilities as data.

use std::fmt;

use crate::answer::{CreateAnswer, OperationAnswer};
use crate::call::Call;
pub use crate::call::{Endpoint, Retry};
use crate::credentials::Merchant;
pub use crate::descriptor::{
    Capabilities, ChannelDescriptor, ChannelKind, RedirectStyle, RefundSupport, is_plain_path,
};
use crate::error::Error;
pub use crate::model::Operation;
use crate::model::{
    CancelRequest, Cancellation, Notification, Payment, PaymentRequest, Refund, RefundRequest,
};
use crate::notification::{NotificationError, VerifiedNotification};
use crate::rules::Rules;

/// One operation's wire tables: the guide's request table, how the answer is read, and the
/// names of their generated JSON Schemas.
#[derive(Debug)]
pub struct WireOperation<A: 'static> {
    /// The request's schema name, like `GenerateOrderRequest`.
    pub request_schema: &'static str,
    /// The guide's request table, checked before anything is sent (and by the simulator).
    pub rules: &'static Rules,
    /// The answer's schema name, like `GenerateOrderResponse`.
    pub response_schema: &'static str,
    /// How the answer is read.
    pub answer: &'static A,
}

// By hand: derived, they would require `A: Clone`/`Copy`, though only references are held.
impl<A> Clone for WireOperation<A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A> Copy for WireOperation<A> {}

impl<A> WireOperation<A> {
    /// The tables of one operation: the request's schema name and table, the answer's schema
    /// name and reading.
    pub const fn new(
        request_schema: &'static str,
        rules: &'static Rules,
        response_schema: &'static str,
        answer: &'static A,
    ) -> Self {
        Self {
            request_schema,
            rules,
            response_schema,
            answer,
        }
    }
}

impl WireOperation<CreateAnswer> {
    /// A create's tables under the usual names, `PaymentRequest` and `PaymentResponse`.
    pub const fn payment(rules: &'static Rules, answer: &'static CreateAnswer) -> Self {
        Self::new("PaymentRequest", rules, "PaymentResponse", answer)
    }
}

impl WireOperation<OperationAnswer> {
    /// A cancel's tables under the usual names, `CancelRequest` and `CancelResponse`.
    pub const fn cancel(rules: &'static Rules, answer: &'static OperationAnswer) -> Self {
        Self::new("CancelRequest", rules, "CancelResponse", answer)
    }

    /// A refund's tables under the usual names, `RefundRequest` and `RefundResponse`.
    pub const fn refund(rules: &'static Rules, answer: &'static OperationAnswer) -> Self {
        Self::new("RefundRequest", rules, "RefundResponse", answer)
    }
}

/// A channel's wire tables for every operation it offers ([`PaymentChannel::wire_models`]):
/// what the generated JSON Schemas, the fuzz targets and the conformance checks read, so that
/// a new channel is covered by each of them without being named anywhere.
///
/// Channel crates build it as a literal (or with [`WireModels::create_only`]), so a new
/// operation would be a new field: a breaking change, made with the operation itself.
///
/// ```
/// use doku_pay_core::answer::{CreateAnswer, StatusOf};
/// use doku_pay_core::channel::{WireModels, WireOperation};
/// use doku_pay_core::rules::{FieldRule, Rules};
///
/// static RULES: Rules = Rules {
///     fields: &[FieldRule::text("order.invoice_number").required().max_chars(64)],
///     cross: &[],
/// };
/// static ANSWER: CreateAnswer = CreateAnswer {
///     what: "a made-up create answer",
///     required: &[],
///     status: &["transaction.status"],
///     echoes: &["order.invoice_number"],
///     reference: None,
///     identifiers: &[],
///     scalar_name: "",
///     redirect: None,
///     redirect_means_pending: false,
///     status_of: StatusOf::Payment,
/// };
/// static WIRE: WireModels = WireModels::create_only(WireOperation::payment(&RULES, &ANSWER));
/// let names: Vec<&str> = WIRE.schemas().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["PaymentRequest", "PaymentResponse"]);
/// assert!(WIRE.rules(doku_pay_core::Operation::Cancel).is_none());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct WireModels {
    /// Create.
    pub create: WireOperation<CreateAnswer>,
    /// Cancel, where the channel offers it.
    pub cancel: Option<WireOperation<OperationAnswer>>,
    /// Refund, where the channel offers it.
    pub refund: Option<WireOperation<OperationAnswer>>,
}

impl WireModels {
    /// The tables of a channel that only creates payments.
    pub const fn create_only(create: WireOperation<CreateAnswer>) -> Self {
        Self {
            create,
            cancel: None,
            refund: None,
        }
    }

    /// The request table of `op`, if these tables have one. A partial refund uses the refund
    /// table (and endpoint); whether the channel offers `op` is the descriptor's to say
    /// ([`ChannelDescriptor::supports`]).
    pub fn rules(&self, op: Operation) -> Option<&'static Rules> {
        match op {
            Operation::Create => Some(self.create.rules),
            Operation::Cancel => self.cancel.map(|w| w.rules),
            Operation::Refund | Operation::PartialRefund => self.refund.map(|w| w.rules),
        }
    }

    /// Every table's JSON Schema with its name: create's request and answer, then cancel's,
    /// then refund's.
    pub fn schemas(&self) -> Vec<(&'static str, schemars::Schema)> {
        let create = &self.create;
        let mut out = vec![
            (
                create.request_schema,
                create.rules.schema(create.request_schema),
            ),
            (
                create.response_schema,
                create.answer.schema(create.response_schema),
            ),
        ];
        for w in [self.cancel, self.refund].into_iter().flatten() {
            out.push((w.request_schema, w.rules.schema(w.request_schema)));
            out.push((w.response_schema, w.answer.schema(w.response_schema)));
        }
        out
    }

    /// Whether these tables cover exactly the operations `descriptor` serves: each of cancel
    /// and refund offered in the capabilities exactly when it has an endpoint, create with an
    /// endpoint, and tables for exactly the operations served. The first mismatch is the
    /// error.
    pub fn check_against(&self, descriptor: &ChannelDescriptor) -> Result<(), WireMismatch> {
        let channel = descriptor.id;
        for operation in [Operation::Create, Operation::Cancel, Operation::Refund] {
            // Every channel creates; `supports(Create)` is only whether its endpoint exists.
            let offered = operation == Operation::Create || descriptor.supports(operation);
            if offered != descriptor.endpoint(operation).is_some() {
                return Err(WireMismatch::Endpoint {
                    channel,
                    operation,
                    offered,
                });
            }
            if offered != self.rules(operation).is_some() {
                return Err(WireMismatch::Tables {
                    channel,
                    operation,
                    served: offered,
                });
            }
        }
        Ok(())
    }
}

/// A descriptor and wire tables that disagree ([`WireModels::check_against`]): a channel
/// crate's defect, found by its tests.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireMismatch {
    /// The capabilities offer the operation but no endpoint serves it (`offered`), or an
    /// endpoint serves what the capabilities do not offer.
    Endpoint {
        /// The channel's id.
        channel: &'static str,
        /// The operation.
        operation: Operation,
        /// Whether the capabilities offer it.
        offered: bool,
    },
    /// The descriptor serves the operation but its tables are missing (`served`), or they
    /// are given for an operation it does not serve.
    Tables {
        /// The channel's id.
        channel: &'static str,
        /// The operation.
        operation: Operation,
        /// Whether the descriptor serves it.
        served: bool,
    },
}

impl fmt::Display for WireMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Endpoint {
                channel,
                operation: Operation::Create,
                ..
            } => write!(f, "{channel}: the descriptor has no create endpoint"),
            Self::Endpoint {
                channel,
                operation,
                offered: true,
            } => write!(f, "{channel}: {operation} is offered but has no endpoint"),
            Self::Endpoint {
                channel, operation, ..
            } => write!(
                f,
                "{channel}: {operation} has an endpoint but the capabilities do not offer it"
            ),
            Self::Tables {
                channel,
                operation,
                served: true,
            } => write!(
                f,
                "{channel}: {operation} is served but its wire tables are missing"
            ),
            Self::Tables {
                channel, operation, ..
            } => write!(
                f,
                "{channel}: {operation} is not served but its wire tables are given"
            ),
        }
    }
}

impl std::error::Error for WireMismatch {}

/// A DOKU payment channel: what it sends and how it reads DOKU's answers, as pure functions.
///
/// A channel does no I/O. Each operation turns a unified request and the [`Merchant`] (the
/// Client-Id and secret-keyed digests, never the secret) into a [`Call`]: the endpoint with
/// its policy, the exact body, and the reader that turns DOKU's answer into the unified
/// result. The transport ([`crate::Api::call`]) signs, sends with the endpoint's timeout and
/// retry policy, verifies the answer's signature and hands it to the reader. So every
/// channel is tested from fixtures, and a new channel writes no HTTP, signing or retry code.
///
/// Callers normally go through [`crate::Client`], which checks the descriptor's capabilities
/// before calling the channel, so an operation a channel lacks is refused without a request.
pub trait PaymentChannel: Send + Sync + 'static {
    /// The channel's static description.
    fn descriptor(&self) -> &'static ChannelDescriptor;

    /// Checks a create request against the channel's rules without sending anything. The
    /// default builds the call for [`Merchant::validation_only`] and drops it (a channel's
    /// operations are pure, so this is exactly the check a real create makes).
    fn validate_create(&self, req: &PaymentRequest) -> Result<(), Error> {
        self.create(req, &Merchant::validation_only()).map(drop)
    }

    /// The call that creates a payment.
    fn create(&self, req: &PaymentRequest, merchant: &Merchant) -> Result<Call<Payment>, Error>;

    /// The call that cancels a pending payment. The default refuses with the typed
    /// unsupported error.
    fn cancel(
        &self,
        _req: &CancelRequest,
        _merchant: &Merchant,
    ) -> Result<Call<Cancellation>, Error> {
        Err(self.descriptor().unsupported(Operation::Cancel))
    }

    /// The call that refunds a paid payment. The default refuses with the typed unsupported
    /// error.
    fn refund(&self, _req: &RefundRequest, _merchant: &Merchant) -> Result<Call<Refund>, Error> {
        Err(self.descriptor().unsupported(Operation::Refund))
    }

    /// The channel's wire tables (request rules and answer readings) for each operation it
    /// offers: the generated JSON Schemas, the fuzz targets and the conformance checks read
    /// them, so a channel that states them is covered without being named anywhere. The
    /// default is none (a channel without tables, such as a test's notification-only one).
    fn wire_models(&self) -> Option<&'static WireModels> {
        None
    }

    /// JSON Schemas of the channel's wire models, named like `GenerateOrderRequest`, for the
    /// generated docs. The default is [`WireModels::schemas`] of
    /// [`PaymentChannel::wire_models`], none without them.
    fn wire_schemas(&self) -> Vec<(&'static str, schemars::Schema)> {
        self.wire_models()
            .map(WireModels::schemas)
            .unwrap_or_default()
    }

    /// Where this channel's notification carries identifiers a later operation needs (the
    /// first path present is read into [`Notification::identifiers`]), such as ShopeePay's
    /// `shopeepay_payment.identifier`. The default is none.
    fn notification_identifiers(&self) -> &'static [&'static str] {
        &[]
    }

    /// Maps a verified notification to the unified [`Notification`]. The default reads the
    /// common envelope (order, transaction) and the identifiers at
    /// [`PaymentChannel::notification_identifiers`]; channels override it to read their own
    /// objects.
    fn parse_notification(
        &self,
        n: &VerifiedNotification,
    ) -> Result<Notification, NotificationError> {
        self.descriptor().check_notification(n)?;
        let mut out = n.to_notification(self.descriptor().id)?;
        let paths = self.notification_identifiers();
        if !paths.is_empty() {
            out.identifiers = n.identifiers_at(paths);
        }
        Ok(out)
    }
}
