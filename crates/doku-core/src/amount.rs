//! Money: whole Indonesian rupiah in one integer newtype, from edge to edge.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A whole-rupiah (IDR) amount: no fractions, not negative, at most 12 digits.
///
/// Serialises as a JSON integer. Deserialises from a JSON integer, from a JSON number whose
/// fraction is zero (`10000.00`), or from a numeric string such as `"10000.00"` (DOKU's LinkAja
/// response sends the amount that way). A fraction of a rupiah, a negative value or more than
/// 12 digits is an error.
///
/// ```
/// use doku_core::Amount;
/// let a: Amount = serde_json::from_str(r#""10000.00""#).unwrap();
/// assert_eq!(a.rupiah(), 10_000);
/// assert!(serde_json::from_str::<Amount>(r#""10000.50""#).is_err());
/// assert!(serde_json::from_str::<Amount>("-1").is_err());
/// assert!(serde_json::from_str::<Amount>("1000000000000").is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(u64);

impl Amount {
    /// The largest amount DOKU accepts: 12 digits.
    pub const MAX: Amount = Amount(999_999_999_999);
    /// Zero rupiah.
    pub const ZERO: Amount = Amount(0);

    /// An amount of `rupiah`, or an error above [`Amount::MAX`].
    pub const fn new(rupiah: u64) -> Result<Self, AmountError> {
        if rupiah > Self::MAX.0 {
            Err(AmountError::TooManyDigits)
        } else {
            Ok(Self(rupiah))
        }
    }

    /// The whole rupiah value.
    pub const fn rupiah(self) -> u64 {
        self.0
    }

    /// Sum, or `None` above [`Amount::MAX`].
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0
            .checked_add(other.0)
            .and_then(|v| Amount::new(v).ok())
    }

    /// Product with a quantity, or `None` above [`Amount::MAX`].
    pub fn checked_mul(self, quantity: u64) -> Option<Amount> {
        self.0
            .checked_mul(quantity)
            .and_then(|v| Amount::new(v).ok())
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl TryFrom<u64> for Amount {
    type Error = AmountError;
    fn try_from(v: u64) -> Result<Self, AmountError> {
        Amount::new(v)
    }
}

/// Why a value is not a whole-rupiah amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Below zero.
    #[error("amount must not be negative")]
    Negative,
    /// Has a non-zero fraction of a rupiah.
    #[error("amount must be whole rupiah (no fraction)")]
    Fraction,
    /// More than 12 digits.
    #[error("amount must have at most 12 digits")]
    TooManyDigits,
    /// Not a number at all.
    #[error("amount must be a number")]
    NotANumber,
}

impl FromStr for Amount {
    type Err = AmountError;
    /// Accepts `150000`, `150000.00`; refuses signs, exponents, spaces and fractions.
    fn from_str(s: &str) -> Result<Self, AmountError> {
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s, None),
        };
        if let Some(rest) = int.strip_prefix('-') {
            if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
                return Err(AmountError::Negative);
            }
            return Err(AmountError::NotANumber);
        }
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AmountError::NotANumber);
        }
        if let Some(f) = frac {
            if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
                return Err(AmountError::NotANumber);
            }
            if f.bytes().any(|b| b != b'0') {
                return Err(AmountError::Fraction);
            }
        }
        let digits = int.trim_start_matches('0');
        if digits.len() > 12 {
            return Err(AmountError::TooManyDigits);
        }
        let v: u64 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| AmountError::NotANumber)?
        };
        Amount::new(v)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole-rupiah amount as a JSON number or numeric string")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                Amount::new(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                if v < 0 {
                    return Err(E::custom(AmountError::Negative));
                }
                Amount::new(v.unsigned_abs()).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
                if !v.is_finite() {
                    return Err(E::custom(AmountError::NotANumber));
                }
                if v < 0.0 {
                    return Err(E::custom(AmountError::Negative));
                }
                if v.fract() != 0.0 {
                    return Err(E::custom(AmountError::Fraction));
                }
                if v > Amount::MAX.0 as f64 {
                    return Err(E::custom(AmountError::TooManyDigits));
                }
                Amount::new(v as u64).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Amount {
    fn schema_name() -> Cow<'static, str> {
        "Amount".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Whole Indonesian rupiah (IDR): no fraction, not negative, at most 12 digits. Sent as an integer; a numeric string with a zero fraction (\"10000.00\") is accepted on input.",
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_u64},
                {"type": "string", "pattern": "^[0-9]{1,12}(\\.0+)?$"}
            ]
        })
    }
}
