//! Checking a notification against what the merchant expected, and reconciling through Check
//! Status when a notification is missing or doubtful.

use async_trait::async_trait;
use doku_pay_core::{Amount, ClientId, Error, Notification, PaymentStatus, StatusResult};

/// How a notification or a Check Status answer differs from what the merchant expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Mismatch {
    /// Another merchant's notification (a receiver for several merchants accepts each
    /// one's signature: one merchant's key must not settle another's invoice).
    #[error("notification is for merchant `{actual}`, expected `{expected}`")]
    Merchant {
        /// The merchant the order belongs to.
        expected: String,
        /// The Client-Id the notification was signed for.
        actual: String,
    },
    /// Another invoice number.
    #[error("invoice number is `{actual}`, expected `{expected}`")]
    Invoice {
        /// What the merchant expected.
        expected: String,
        /// What DOKU reported.
        actual: String,
    },
    /// Another amount (or none reported).
    #[error("amount is {}, expected {expected}", actual.map_or_else(|| "missing".to_owned(), |a| a.to_string()))]
    Amount {
        /// What the merchant expected.
        expected: Amount,
        /// What DOKU reported.
        actual: Option<Amount>,
    },
}

/// Checks that a notification is for `merchant`'s `invoice` and `amount`, before acting on
/// it (a notification that verifies is authentic, but the application must still check it
/// is about the order it is about to fulfil, for the full amount, and, where one receiver
/// serves several merchants, signed with the key of the merchant the order belongs to:
/// invoice numbers are each merchant's own, and any merchant's key signs a notification
/// the receiver accepts). A mismatch is for review, not for a retry: keep the notification
/// and return `Ok` from the handler (an `Err` answers 500, and DOKU's retries bring the same
/// notification).
///
/// ```
/// use doku_pay_core::{Amount, ClientId, Notification, PaymentStatus};
/// use doku_pay_receiver::{Mismatch, expect_payment};
/// # let n: Notification = serde_json::from_value(serde_json::json!({
/// #     "channel": "linkaja", "channel_code": "EMONEY_LINKAJA", "client_id": "MCH-1",
/// #     "request_id": "r-1", "invoice_number": "INV-1", "amount": 150000,
/// #     "status": "SUCCESS", "raw": {}})).unwrap();
/// let merchant = ClientId::new("MCH-1").unwrap();
/// let expected = Amount::new(150_000).unwrap();
/// assert_eq!(expect_payment(&n, &merchant, "INV-1", expected), Ok(()));
/// assert!(matches!(
///     expect_payment(&n, &merchant, "INV-1", Amount::new(150_001).unwrap()),
///     Err(Mismatch::Amount { .. })
/// ));
/// assert!(matches!(
///     expect_payment(&n, &ClientId::new("MCH-2").unwrap(), "INV-1", expected),
///     Err(Mismatch::Merchant { .. })
/// ));
/// # assert_eq!(n.status, PaymentStatus::Success);
/// ```
pub fn expect_payment(
    n: &Notification,
    merchant: &ClientId,
    invoice: &str,
    amount: Amount,
) -> Result<(), Mismatch> {
    if n.client_id != merchant.as_str() {
        return Err(Mismatch::Merchant {
            expected: merchant.as_str().to_owned(),
            actual: n.client_id.clone(),
        });
    }
    if n.invoice_number != invoice {
        return Err(Mismatch::Invoice {
            expected: invoice.to_owned(),
            actual: n.invoice_number.clone(),
        });
    }
    if n.amount != amount {
        return Err(Mismatch::Amount {
            expected: amount,
            actual: Some(n.amount),
        });
    }
    Ok(())
}

/// Something that can ask DOKU's Check Status: `doku_pay_core::Client` and `doku_pay_core::Api` (with
/// the `client` feature, the default), and test doubles.
#[async_trait]
pub trait CheckStatus: Send + Sync {
    /// `GET /orders/v1/status/{invoice number or Request-Id}`.
    async fn check_status(&self, invoice_or_request_id: &str) -> Result<StatusResult, Error>;
}

#[cfg(feature = "client")]
#[async_trait]
impl CheckStatus for doku_pay_core::Api {
    async fn check_status(&self, invoice_or_request_id: &str) -> Result<StatusResult, Error> {
        doku_pay_core::Api::check_status(self, invoice_or_request_id).await
    }
}

#[cfg(feature = "client")]
#[async_trait]
impl CheckStatus for doku_pay_core::Client {
    async fn check_status(&self, invoice_or_request_id: &str) -> Result<StatusResult, Error> {
        doku_pay_core::Client::check_status(self, invoice_or_request_id).await
    }
}

/// What Check Status says about a payment the merchant expected.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ReconcileOutcome {
    /// Paid (`SUCCESS`) for the expected invoice and amount: safe to fulfil.
    Paid(StatusResult),
    /// Not final yet (`PENDING`, `REDIRECT`, `TIMEOUT`, or a status this crate does not know):
    /// ask again later.
    Pending(StatusResult),
    /// Declined (`FAILED`): not paid now, but **not final** in DOKU's status table ("generate
    /// new payment request"). Do not fulfil; do not treat the order as closed either: offer
    /// the customer a new payment request, and keep acting on later notifications.
    Failed(StatusResult),
    /// Final without payment (`EXPIRED`, `CANCELLED`, `REFUNDED`).
    NotPaid(StatusResult),
    /// DOKU reports another invoice or amount: do not fulfil; investigate.
    Mismatch {
        /// How it differs.
        mismatch: Mismatch,
        /// DOKU's answer.
        status: StatusResult,
    },
}

/// Asks Check Status about `invoice_or_request_id` (an invoice number, or the Request-Id of
/// the payment request) and compares the answer with the `expected` amount, and with the
/// invoice number when the query was one. Use it when a notification is missing (DOKU
/// advises no sooner than 60 seconds after payment), doubtful, or a create's outcome was
/// unknown.
///
/// Errors are Check Status's own (not found, unreachable, ...).
///
/// ```no_run
/// # async fn demo(client: doku_pay_core::Client) -> Result<(), doku_pay_core::Error> {
/// use doku_pay_core::Amount;
/// use doku_pay_receiver::{ReconcileOutcome, reconcile};
/// match reconcile(&client, "INV-1", Amount::new(150_000).unwrap()).await? {
///     ReconcileOutcome::Paid(_) => { /* fulfil */ }
///     ReconcileOutcome::Pending(_) => { /* ask again later */ }
///     ReconcileOutcome::NotPaid(_) => { /* release the order */ }
///     other => { /* alert */ let _ = other; }
/// }
/// # Ok(()) }
/// ```
pub async fn reconcile<S: CheckStatus + ?Sized>(
    source: &S,
    invoice_or_request_id: &str,
    expected: Amount,
) -> Result<ReconcileOutcome, Error> {
    let status = source.check_status(invoice_or_request_id).await?;
    Ok(classify(status, invoice_or_request_id, expected))
}

fn classify(status: StatusResult, query: &str, expected: Amount) -> ReconcileOutcome {
    // The query names the invoice unless it is the payment request's Request-Id.
    let queried_by_request_id = status.original_request_id.as_deref() == Some(query);
    if let Some(actual) = &status.invoice_number
        && !queried_by_request_id
        && actual != query
    {
        return ReconcileOutcome::Mismatch {
            mismatch: Mismatch::Invoice {
                expected: query.to_owned(),
                actual: actual.clone(),
            },
            status,
        };
    }
    match status.status {
        PaymentStatus::Success => {
            if status.amount == Some(expected) {
                ReconcileOutcome::Paid(status)
            } else {
                ReconcileOutcome::Mismatch {
                    mismatch: Mismatch::Amount {
                        expected,
                        actual: status.amount,
                    },
                    status,
                }
            }
        }
        PaymentStatus::Failed => ReconcileOutcome::Failed(status),
        PaymentStatus::Expired | PaymentStatus::Cancelled | PaymentStatus::Refunded => {
            ReconcileOutcome::NotPaid(status)
        }
        _ => ReconcileOutcome::Pending(status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doku_pay_core::RequestId;

    fn status(invoice: Option<&str>, amount: Option<u64>, s: &str) -> StatusResult {
        StatusResult {
            request_id: RequestId::new("status-1").unwrap(),
            invoice_number: invoice.map(str::to_owned),
            amount: amount.map(|a| Amount::new(a).unwrap()),
            status: PaymentStatus::from_doku(s),
            channel_code: Some("EMONEY_TESTPAY".into()),
            original_request_id: Some("req-1".into()),
            date: None,
            raw: serde_json::Value::Null,
        }
    }

    #[test]
    fn classifies_every_case() {
        let exp = Amount::new(1000).unwrap();
        /// Query, reported invoice, reported amount, reported status, expected outcome.
        type Row<'a> = (&'a str, Option<&'a str>, Option<u64>, &'a str, &'a str);
        let rows: &[Row<'_>] = &[
            ("INV-1", Some("INV-1"), Some(1000), "SUCCESS", "paid"),
            ("req-1", Some("INV-1"), Some(1000), "SUCCESS", "paid"),
            ("INV-1", Some("INV-1"), Some(999), "SUCCESS", "amount"),
            ("INV-1", Some("INV-1"), None, "SUCCESS", "amount"),
            ("INV-1", Some("INV-2"), Some(1000), "SUCCESS", "invoice"),
            ("INV-1", Some("INV-1"), Some(1000), "PENDING", "pending"),
            ("INV-1", Some("INV-1"), Some(1000), "TIMEOUT", "pending"),
            ("INV-1", Some("INV-1"), Some(1000), "WHATEVER", "pending"),
            ("INV-1", Some("INV-1"), Some(1000), "FAILED", "failed"),
            ("INV-1", Some("INV-1"), Some(1000), "failed", "failed"),
            ("INV-1", Some("INV-1"), Some(1000), "Success", "paid"),
            ("INV-1", Some("INV-1"), Some(1000), "EXPIRED", "not_paid"),
            ("INV-1", Some("INV-1"), Some(1000), "REFUNDED", "not_paid"),
            ("INV-1", None, Some(1000), "SUCCESS", "paid"),
        ];
        for (query, invoice, amount, s, want) in rows {
            let got = match classify(status(*invoice, *amount, s), query, exp) {
                ReconcileOutcome::Paid(_) => "paid",
                ReconcileOutcome::Pending(_) => "pending",
                ReconcileOutcome::NotPaid(_) => "not_paid",
                ReconcileOutcome::Failed(_) => "failed",
                ReconcileOutcome::Mismatch {
                    mismatch: Mismatch::Amount { .. },
                    ..
                } => "amount",
                ReconcileOutcome::Mismatch {
                    mismatch: Mismatch::Invoice { .. },
                    ..
                } => "invoice",
                // Check Status is asked with the merchant's own credentials.
                ReconcileOutcome::Mismatch {
                    mismatch: Mismatch::Merchant { .. },
                    ..
                } => "merchant",
            };
            assert_eq!(
                got, *want,
                "query {query} invoice {invoice:?} amount {amount:?} {s}"
            );
        }
    }
}
