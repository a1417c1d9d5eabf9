//! Errors of the simulator's Rust API (the HTTP side answers DOKU-style error bodies).

/// Why a simulator operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The configuration is invalid.
    #[error("simulator configuration: {0}")]
    Config(String),
    /// The listener could not be bound.
    #[error("cannot listen: {0}")]
    Io(std::io::Error),
    /// No order has this invoice number (for this merchant).
    #[error("no order `{0}`")]
    NotFound(String),
    /// Several merchants have an order with this invoice number: name the merchant.
    #[error("invoice `{0}` exists for several merchants: give the Client-Id")]
    Ambiguous(String),
    /// The order is not in a state that allows the operation.
    #[error("order `{invoice}` is {status}, not pending")]
    InvalidState {
        /// The invoice number.
        invoice: String,
        /// Its current status.
        status: crate::status::OrderStatus,
    },
    /// A wait ended before its condition held.
    #[error("timed out waiting for {0}")]
    Timeout(String),
}

impl SimError {
    /// The HTTP status the control API answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Config(_) => 400,
            Self::Io(_) | Self::Timeout(_) => 500,
            Self::NotFound(_) => 404,
            Self::Ambiguous(_) | Self::InvalidState { .. } => 409,
        }
    }

    /// A short machine-readable code for the control API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Config(_) => "invalid_config",
            Self::Io(_) => "io",
            Self::NotFound(_) => "order_not_found",
            Self::Ambiguous(_) => "ambiguous_invoice",
            Self::InvalidState { .. } => "invalid_state",
            Self::Timeout(_) => "timeout",
        }
    }
}

// By hand, not `#[from]`: that would also make the I/O error this one's `source()`, and a
// report walking the chain would show its text twice.
impl From<std::io::Error> for SimError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}
