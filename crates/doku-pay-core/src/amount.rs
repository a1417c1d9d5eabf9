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
/// exact value is whole (`10000.00`, `1e4`), or from a numeric string such as `"10000.00"`
/// (DOKU's LinkAja response sends the amount that way; blanks around its digits are
/// ignored, as around a status). A fraction of a rupiah, a negative value or more than 12
/// digits is an error. Numbers are read from their text, never through a float
/// ([`Amount::from_json_number`]).
///
/// ```
/// use doku_pay_core::Amount;
/// let a: Amount = serde_json::from_str(r#""10000.00""#).unwrap();
/// assert_eq!(a.rupiah(), 10_000);
/// let padded: Amount = serde_json::from_str(r#"" 10000\n""#).unwrap();
/// assert_eq!(padded, a);
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

    /// An amount written in the source, checked when compiling: `Amount::new` for a
    /// constant, such as a channel's [`Capabilities`](crate::Capabilities) limits.
    ///
    /// ```
    /// use doku_pay_core::Amount;
    /// const MINIMUM: Amount = Amount::new_const(10_000);
    /// assert_eq!(MINIMUM.rupiah(), 10_000);
    /// ```
    ///
    /// Thirteen digits do not compile:
    ///
    /// ```compile_fail,E0080
    /// use doku_pay_core::Amount;
    /// const TOO_MUCH: Amount = Amount::new_const(1_000_000_000_000);
    /// ```
    ///
    /// # Panics
    /// Above [`Amount::MAX`]; in a `const` item that is a compile error, never a panic at run
    /// time. For a value known only at run time, use [`Amount::new`].
    pub const fn new_const(rupiah: u64) -> Self {
        match Self::new(rupiah) {
            Ok(amount) => amount,
            Err(_) => panic!("an amount has at most 12 digits (Amount::MAX)"),
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

    /// Difference, or `None` below zero (what is left to refund of a payment, say).
    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.0.checked_sub(other.0).map(Amount)
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

impl TryFrom<i64> for Amount {
    type Error = AmountError;
    /// A negative value is [`AmountError::Negative`].
    fn try_from(v: i64) -> Result<Self, AmountError> {
        u64::try_from(v).map_or(Err(AmountError::Negative), Amount::new)
    }
}

impl From<u32> for Amount {
    /// Every `u32` fits: it has at most 10 digits.
    fn from(v: u32) -> Self {
        Amount(u64::from(v))
    }
}

impl From<Amount> for u64 {
    fn from(a: Amount) -> u64 {
        a.0
    }
}

/// Why a value is not a whole-rupiah amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
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
    /// Accepts `150000`, `150000.00`, `0010000`; refuses signs, exponents, spaces and
    /// fractions.
    fn from_str(s: &str) -> Result<Self, AmountError> {
        let (negative, unsigned) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        Decimal::parse(unsigned, false)
            .ok_or(AmountError::NotANumber)?
            .amount(negative)
    }
}

impl Amount {
    /// The amount a JSON number's text denotes, computed exactly from its digits (never
    /// through a float): `10000`, `10000.000`, `1e4` and `7777771005.000000000000000000` are
    /// whole; `0.99999999999999999` is a fraction, whatever a float would round it to.
    ///
    /// The text must be a JSON number (RFC 8259: `-? int frac? exp?`, no leading zero). A
    /// negative value is refused; zero is zero whatever its sign (`-0`, `-0.0e7`), as in
    /// exact arithmetic (and as serde_json reads `-0` into a `Value`: as the integer 0).
    ///
    /// ```
    /// use doku_pay_core::{Amount, AmountError};
    /// assert_eq!(Amount::from_json_number("7777771005.000000000000000000"), Ok(Amount::new(7_777_771_005).unwrap()));
    /// assert_eq!(Amount::from_json_number("0.99999999999999999"), Err(AmountError::Fraction));
    /// assert_eq!(Amount::from_json_number("15e4").map(Amount::rupiah), Ok(150_000));
    /// assert_eq!(Amount::from_json_number("1e12"), Err(AmountError::TooManyDigits));
    /// assert_eq!(Amount::from_json_number("-0.5"), Err(AmountError::Negative));
    /// assert_eq!(Amount::from_json_number("-0"), Ok(Amount::ZERO));
    /// assert_eq!(Amount::from_json_number("\"1\""), Err(AmountError::NotANumber));
    /// ```
    pub fn from_json_number(text: &str) -> Result<Self, AmountError> {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let decimal = Decimal::parse(unsigned, true).ok_or(AmountError::NotANumber)?;
        if decimal.int.len() > 1 && decimal.int.starts_with('0') {
            return Err(AmountError::NotANumber);
        }
        decimal.amount(negative)
    }
}

/// A non-negative decimal as written: `int[.frac][e[+-]exp]`, each part ASCII digits.
/// Its value is computed exactly from the digits by [`Decimal::amount`].
struct Decimal<'a> {
    int: &'a str,
    frac: &'a str,
    /// The exponent, saturated far beyond any amount's (so `1e99999999999999999999` is
    /// too large and `1e-99999999999999999999` a fraction, without overflow).
    exp: i64,
}

impl<'a> Decimal<'a> {
    /// The largest exponent magnitude kept; beyond it every non-zero value is out of range
    /// either way (an exponent is at most this, digits at most the text's length).
    const EXP_LIMIT: i64 = 1 << 40;

    fn parse(s: &'a str, exponent_allowed: bool) -> Option<Self> {
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let (mantissa, exp) = match s.find(['e', 'E']) {
            Some(at) if exponent_allowed => (&s[..at], Some(&s[at + 1..])),
            Some(_) => return None,
            None => (s, None),
        };
        let (int, frac) = match mantissa.split_once('.') {
            Some((int, frac)) => (int, Some(frac)),
            None => (mantissa, None),
        };
        if !digits(int) || frac.is_some_and(|f| !digits(f)) {
            return None;
        }
        let exp = match exp {
            None => 0,
            Some(e) => {
                let (negative, magnitude) = match e.as_bytes().first() {
                    Some(b'-') => (true, &e[1..]),
                    Some(b'+') => (false, &e[1..]),
                    _ => (false, e),
                };
                if !digits(magnitude) {
                    return None;
                }
                let m = magnitude.bytes().fold(0i64, |acc, d| {
                    (acc * 10 + i64::from(d - b'0')).min(Self::EXP_LIMIT)
                });
                if negative { -m } else { m }
            }
        };
        Some(Self {
            int,
            frac: frac.unwrap_or(""),
            exp,
        })
    }

    /// The exact value, with a minus sign when `negative`, as whole rupiah: `Negative` below
    /// zero, `Fraction` when it is not whole, `TooManyDigits` above [`Amount::MAX`].
    fn amount(&self, negative: bool) -> Result<Amount, AmountError> {
        // The value is `digits x 10^scale`, digits being int and frac written together.
        let digits = self.int.as_bytes().iter().chain(self.frac.as_bytes());
        let scale = self.exp - self.frac.len() as i64;
        // Without leading and trailing zeros: `significant x 10^(scale + trailing)`.
        let leading = digits.clone().take_while(|d| **d == b'0').count();
        let all = self.int.len() + self.frac.len();
        if leading == all {
            return Ok(Amount::ZERO);
        }
        if negative {
            return Err(AmountError::Negative);
        }
        let trailing = digits.clone().rev().take_while(|d| **d == b'0').count();
        let significant = digits.skip(leading).take(all - leading - trailing);
        let scale = scale + trailing as i64;
        if scale < 0 {
            // The last significant digit is below the units: not whole.
            return Err(AmountError::Fraction);
        }
        let width = (all - leading - trailing) as i64 + scale;
        if width > 12 {
            return Err(AmountError::TooManyDigits);
        }
        let value = significant.fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
        Amount::new(value * 10u64.pow(scale as u32))
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

/// Reads an amount exactly. With serde_json's `arbitrary_precision` (on for the whole
/// workspace), a number that is neither a `u64` nor an `i64` reaches the visitor as a map of
/// one private key to the number's text, from JSON text, from a [`serde_json::Value`] and from
/// serde's buffer for tagged enums alike; that text is read by [`Amount::from_json_number`].
/// A float reaches `visit_f64` only when it prints back as the very text that was sent (so a
/// whole float below 2^53 is exact), or from a format that has floats.
///
/// Asking serde_json for the value's raw text instead (its `RawValue` protocol) would skip
/// the copy `arbitrary_precision` makes of each number's text; measured on the receiver's
/// real path it made no difference within the noise, so the simpler reading stayed.
impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AsItComes)
    }
}

/// The key serde_json (feature `arbitrary_precision`) gives a number that is neither a `u64`
/// nor an `i64` under, in a map of this one key to the number's text (checked by a unit test
/// below).
pub(crate) const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Text borrowed from the input where it can be, owned otherwise.
enum Text<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Text<'_> {
    fn as_str(&self) -> &str {
        match self {
            Text::Borrowed(s) => s,
            Text::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct T;
        impl<'de> Visitor<'de> for T {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("text")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text::Owned(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text::Owned(v))
            }
        }
        d.deserialize_str(T)
    }
}

/// Reads the value as the deserializer gives it.
struct AsItComes;

impl<'de> Visitor<'de> for AsItComes {
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
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Amount, E> {
        u64::try_from(v)
            .map_err(|_| AmountError::TooManyDigits)
            .and_then(Amount::new)
            .map_err(E::custom)
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Amount, E> {
        if v < 0 {
            return Err(E::custom(AmountError::Negative));
        }
        self.visit_u128(v.unsigned_abs())
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
        v.trim().parse().map_err(E::custom)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Amount, A::Error> {
        match map.next_key::<Text<'de>>()? {
            Some(key) if key.as_str() == NUMBER_TOKEN => {}
            _ => return Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
        let text = map.next_value::<Text<'de>>()?;
        Amount::from_json_number(text.as_str()).map_err(de::Error::custom)
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

#[cfg(test)]
mod tests {
    use super::NUMBER_TOKEN;

    /// The private key is serde_json's: if it renamed it, exact amounts would not read (the
    /// amount tables fail) and this says why.
    #[test]
    fn number_token_is_serde_jsons() {
        let number = format!(r#"{{"{NUMBER_TOKEN}": "1.50"}}"#);
        let n: serde_json::Number = serde_json::from_str(&number).unwrap();
        assert_eq!(n.to_string(), "1.50");
    }
}
