//! Verifying DOKU's HTTP notifications.
//!
//! The only way to obtain a [`VerifiedNotification`] is [`NotificationVerifier::verify`]: it
//! checks the signature over the **raw body bytes** and the receiver's **own path** (DOKU sends
//! no `Request-Target` header) in constant time, optionally checks the timestamp window, and
//! only then parses the JSON envelope leniently (unknown fields ignored, raw body kept).
//!
//! ```
//! use doku_pay_core::{ClientId, SecretKey, notification::NotificationVerifier};
//! use http::HeaderMap;
//!
//! let verifier = NotificationVerifier::new().merchant(
//!     ClientId::new("MCH-0001-10791114622547").unwrap(),
//!     SecretKey::new("SK-TESTVECTOR-0001").unwrap(),
//! );
//! let body = br#"{"service":{"id":"EMONEY"},"acquirer":{"id":"LINKAJA"},"channel":{"id":"EMONEY_LINKAJA"},"transaction":{"status":"SUCCESS","date":"2021-01-27T03:24:23Z","original_request_id":"15022aab-444f-4b04-afa8-ddfce89432ec"},"order":{"invoice_number":"INV-20210124-0001","amount":150000}}"#;
//! let mut headers = HeaderMap::new();
//! headers.insert("Client-Id", "MCH-0001-10791114622547".parse().unwrap());
//! headers.insert("Request-Id", "479b663f-5c9d-400d-8e80-3e548a8f7639".parse().unwrap());
//! headers.insert("Request-Timestamp", "2020-08-11T08:45:42Z".parse().unwrap());
//! headers.insert("Signature",
//!     "HMACSHA256=7YyysEmGwaUjcDNmAlnVGPZd3KKKUeMeaKZX2JJ03d0=".parse().unwrap());
//! let n = verifier.verify(&headers, "/payments/notifications", body).unwrap();
//! assert_eq!(n.channel_code(), Some("EMONEY_LINKAJA"));
//! // The same bytes under another path do not verify.
//! assert!(verifier.verify(&headers, "/other", body).is_err());
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use serde::Deserialize;

use compact_str::CompactString;

/// A short string of the envelope (an id, a status, a date, an invoice number), held inline
/// up to 24 bytes so that parsing a notification allocates little; it reads as a `&str`
/// (`Deref`), and its storage is not part of this crate's API.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnvelopeText(CompactString);

impl std::ops::Deref for EnvelopeText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for EnvelopeText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for EnvelopeText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for EnvelopeText {
    fn from(s: &str) -> Self {
        Self(CompactString::new(s))
    }
}

impl From<EnvelopeText> for String {
    fn from(t: EnvelopeText) -> Self {
        t.0.into()
    }
}

impl PartialEq<str> for EnvelopeText {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for EnvelopeText {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

use crate::amount::Amount;
use crate::clock::{SharedClock, SystemClock, parse_doku_datetime, parse_iso8601};
use crate::credentials::{ClientId, Credentials, SecretKey};
use crate::model::{Notification, PaymentStatus, RawJson, RequestId};
use crate::signature::{BodyDigest, Components, SignatureError, headers};

/// Liberal readers for the envelope: a text field DOKU sends as a number is read as text, and
/// a field or object of a shape nobody expects is read as absent instead of refusing an
/// authentic notification for it. Only the amount stays strict: money is exact.
mod liberal {
    use std::fmt;
    use std::marker::PhantomData;

    use compact_str::CompactString;
    use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

    use super::EnvelopeText;
    use serde::{Deserialize, Deserializer};

    // Under serde_json's `arbitrary_precision` (on for the workspace), a number that is
    // neither a `u64` nor an `i64` is a map of this one key to the number's text.
    use crate::amount::NUMBER_TOKEN;

    /// The first key of a map: serde_json's number token, or any other key.
    pub(super) enum FirstKey {
        Number,
        Other,
    }

    impl<'de> Deserialize<'de> for FirstKey {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct K;
            impl<'de> Visitor<'de> for K {
                type Value = FirstKey;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a key")
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                    Ok(if v == NUMBER_TOKEN {
                        FirstKey::Number
                    } else {
                        FirstKey::Other
                    })
                }
            }
            d.deserialize_str(K)
        }
    }

    /// A string, or a number's text (exactly as written); anything else is absent.
    pub(super) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<EnvelopeText>, D::Error> {
        Ok(compact(d)?.map(EnvelopeText))
    }

    fn compact<'de, D: Deserializer<'de>>(d: D) -> Result<Option<CompactString>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<CompactString>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("text")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Some(CompactString::new(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Some(CompactString::new(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Some(CompactString::new(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Some(CompactString::new(v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                match m.next_key::<FirstKey>()? {
                    // A number's exact text, as written.
                    Some(FirstKey::Number) => {
                        let text = m.next_value::<std::borrow::Cow<'de, str>>()?;
                        return Ok(Some(CompactString::new(text)));
                    }
                    Some(_) => drop(m.next_value::<IgnoredAny>()?),
                    None => return Ok(None),
                }
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(None)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(None)
            }
        }
        d.deserialize_any(V)
    }

    /// An object read as `T`; anything else (a string, an array, ...) is absent.
    pub(super) fn object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Option<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            // A map is read as the object, with no first-key peek on this hot path: a
            // decimal number in an object's place (under `arbitrary_precision`, a map of
            // serde_json's number key) reads as an object with none of its fields, which
            // every caller treats as the object missing (measured: the peek cost ~100 ns
            // per notification).
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(m)).map(Some)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(None)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// `{ "id": "..." }` objects of the envelope (`service`, `acquirer`, `channel`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct IdObject {
    /// The id, as an open string.
    #[serde(default, deserialize_with = "liberal::text")]
    pub id: Option<EnvelopeText>,
}

/// The envelope's `order`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct EnvelopeOrder {
    /// `order.invoice_number`.
    #[serde(default, deserialize_with = "liberal::text")]
    pub invoice_number: Option<EnvelopeText>,
    /// `order.amount`.
    #[serde(default)]
    pub amount: Option<Amount>,
}

/// The envelope's `transaction`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct EnvelopeTransaction {
    /// `transaction.status`.
    #[serde(default, deserialize_with = "liberal::text")]
    pub status: Option<EnvelopeText>,
    /// `transaction.date`.
    #[serde(default, deserialize_with = "liberal::text")]
    pub date: Option<EnvelopeText>,
    /// `transaction.original_request_id`.
    #[serde(default, deserialize_with = "liberal::text")]
    pub original_request_id: Option<EnvelopeText>,
}

/// The parts every DOKU notification (and Check Status answer) shares. Unknown fields are
/// ignored: DOKU may add fields at any time. Read liberally: text fields sent as numbers are
/// read as text, and a field or object of an unexpected shape is absent; only `order.amount`
/// is strict (a whole rupiah number or numeric string), since money is exact.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Envelope {
    /// `service`.
    #[serde(default, deserialize_with = "liberal::object")]
    pub service: Option<IdObject>,
    /// `acquirer`.
    #[serde(default, deserialize_with = "liberal::object")]
    pub acquirer: Option<IdObject>,
    /// `channel` (routing key).
    #[serde(default, deserialize_with = "liberal::object")]
    pub channel: Option<IdObject>,
    /// `order`.
    #[serde(default, deserialize_with = "liberal::object")]
    pub order: Option<EnvelopeOrder>,
    /// `transaction`.
    #[serde(default, deserialize_with = "liberal::object")]
    pub transaction: Option<EnvelopeTransaction>,
}

impl Envelope {
    /// Reads an envelope from JSON text: serde's derived `Deserialize` (unknown fields
    /// skipped whatever their shape, nesting or escapes), the whole text checked against the
    /// JSON grammar, nothing allowed after the value, and the value an object (serde's derive
    /// would also read an array positionally). The error names the field path where there is
    /// one.
    ///
    /// ```
    /// use doku_pay_core::notification::Envelope;
    /// let e = Envelope::from_json(r#"{"order": {"amount": 90000}, "extra": [1, {"x": null}]}"#)
    ///     .unwrap();
    /// assert_eq!(e.order.unwrap().amount.unwrap().rupiah(), 90_000);
    /// let err = Envelope::from_json(r#"{"order": {"amount": -1}}"#).unwrap_err();
    /// assert!(err.to_string().starts_with("`order.amount`: "), "{err}");
    /// assert!(Envelope::from_json(r#"{"order": {}} x"#).is_err());
    /// assert!(Envelope::from_json("[]").is_err());
    /// // A key written twice: read once when both copies agree, absent when they differ.
    /// let twice = r#"{"order": {"amount": 1, "amount": 1}, "channel": {"id": "A"}, "channel": {"id": "B"}}"#;
    /// let e = Envelope::from_json(twice).unwrap();
    /// assert_eq!(e.order.unwrap().amount.unwrap().rupiah(), 1);
    /// assert_eq!(e.channel, None);
    /// // A byte order mark before the object is skipped (RFC 8259 allows ignoring it).
    /// assert!(Envelope::from_json("\u{feff}{}").is_ok());
    /// ```
    pub fn from_json(text: &str) -> Result<Self, crate::validate::DecodeError> {
        Self::read(text).map(|(envelope, _)| envelope)
    }

    /// [`Envelope::from_json`], and the text it was read from when that is not `text`: the
    /// body with its repeated keys folded (what the channel's own readings must read too).
    fn read(text: &str) -> Result<(Self, Option<String>), crate::validate::DecodeError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let first = text
            .trim_start_matches([' ', '\t', '\n', '\r'])
            .bytes()
            .next();
        if first != Some(b'{') {
            return Err(crate::validate::DecodeError(
                "body must be a JSON object".into(),
            ));
        }
        match serde_json::from_str(text) {
            Ok(envelope) => Ok((envelope, None)),
            // serde's derive refuses an object that names a field twice. Off the hot path
            // (only text that did not read comes here), each repeated key is folded: one
            // copy when all agree, none when they differ (the field is then absent, as one
            // of an unexpected shape is), and the folded text is read instead.
            Err(_) => match repeated::fold(text) {
                Some((folded, true)) => match serde_json::from_str(&folded) {
                    Ok(envelope) => Ok((envelope, Some(folded))),
                    // The error's position would be in the folded text: left out.
                    Err(_) => Err(crate::validate::DecodeError(format!(
                        "{} (in the body read with each repeated key once)",
                        Self::explain(&folded)
                            .split(" at line ")
                            .next()
                            .unwrap_or_default()
                    ))),
                },
                _ => Err(crate::validate::DecodeError(Self::explain(text))),
            },
        }
    }

    /// [`Envelope::from_json`] for bytes as received: bytes that are not UTF-8 are refused
    /// anywhere in the body, skipped fields included (JSON text is UTF-8, RFC 8259), then the
    /// text is read.
    ///
    /// ```
    /// use doku_pay_core::notification::Envelope;
    /// let e = Envelope::from_json_bytes("{\"channel\": {\"id\": \"日本\"}}".as_bytes()).unwrap();
    /// assert_eq!(e.channel.unwrap().id.as_deref(), Some("日本"));
    /// assert!(Envelope::from_json_bytes(b"{\"x\": \"\xff\"}").is_err());
    /// ```
    pub fn from_json_bytes(json: &[u8]) -> Result<Self, crate::validate::DecodeError> {
        Self::read_bytes(json).map(|(envelope, _)| envelope)
    }

    /// [`Envelope::read`] for bytes as received.
    fn read_bytes(json: &[u8]) -> Result<(Self, Option<String>), crate::validate::DecodeError> {
        let text = std::str::from_utf8(json).map_err(|e| {
            crate::validate::DecodeError(format!("not UTF-8 at byte {}", e.valid_up_to()))
        })?;
        Self::read(text)
    }

    /// The error for text that does not read: parsed again (only on this path) through
    /// `serde_path_to_error`, so that the message names the field.
    fn explain(text: &str) -> String {
        let mut de = serde_json::Deserializer::from_str(text);
        let err = match serde_path_to_error::deserialize::<_, Self>(&mut de) {
            Ok(_) => match de.end() {
                Ok(()) => return "unreadable".into(),
                Err(e) => return e.to_string(),
            },
            Err(e) => e,
        };
        let path = err.path().to_string();
        if path.is_empty() || path == "." {
            err.into_inner().to_string()
        } else {
            format!("`{path}`: {}", err.into_inner())
        }
    }
}

/// A UTF-8 byte order mark, which a body may carry before its JSON (RFC 8259 lets a reader
/// ignore it).
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Objects that name a key more than once (RFC 8259 leaves their meaning to the reader).
mod repeated {
    use std::collections::{HashMap, HashSet};
    use std::fmt;

    use serde::Deserialize as _;
    use serde::de::{self, MapAccess, Visitor};
    use serde_json::value::RawValue;

    /// How deep [`fold`] looks: the envelope's objects and the identifiers a channel reads
    /// (`peer_to_peer_info.identifier[].name` is four levels down). What lies deeper is
    /// skipped by every reading of the envelope (whatever keys it repeats) and is kept as
    /// written: folding it would cost a pass over the text per level.
    const DEPTH: usize = 4;

    /// An object's entries as written, their values unread.
    struct Entries(Vec<(String, Box<RawValue>)>);

    impl<'de> de::Deserialize<'de> for Entries {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Entries;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Entries, A::Error> {
                    let mut entries = Vec::new();
                    while let Some(entry) = m.next_entry::<String, Box<RawValue>>()? {
                        entries.push(entry);
                    }
                    Ok(Entries(entries))
                }
            }
            d.deserialize_map(V)
        }
    }

    /// Whether two copies of a member (folded text) are the same JSON value: the same text,
    /// or texts serde_json reads as equal values (members in another order, a character
    /// escaped; a number is compared as written, so `1` and `1.0` differ).
    fn agree(a: &str, b: &str) -> bool {
        a == b
            || matches!(
                (
                    serde_json::from_str::<serde_json::Value>(a),
                    serde_json::from_str::<serde_json::Value>(b),
                ),
                (Ok(x), Ok(y)) if x == y
            )
    }

    /// Whether an object of `json`, down to [`DEPTH`], names a key twice: one pass that keeps
    /// nothing but each object's keys (borrowed from the text unless escaped), so that a
    /// body without repeats (every real one) is not folded. `false` for text that does not
    /// read.
    pub(super) fn any(json: &str) -> bool {
        use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, SeqAccess};
        use std::borrow::Cow;

        #[derive(Clone, Copy)]
        struct Repeats(usize);
        impl<'de> DeserializeSeed<'de> for Repeats {
            type Value = bool;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
                d.deserialize_any(self)
            }
        }
        impl<'de> Visitor<'de> for Repeats {
            type Value = bool;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<bool, A::Error> {
                // A list while short (every real object), a set beyond: linear either way.
                let mut few: Vec<Cow<'de, str>> = Vec::new();
                let mut many: HashSet<Cow<'de, str>> = HashSet::new();
                let mut repeats = false;
                while let Some(key) = m.next_key::<Cow<'de, str>>()? {
                    if few.len() < 16 {
                        repeats |= few.contains(&key);
                        few.push(key);
                    } else {
                        if many.is_empty() {
                            many.extend(few.iter().cloned());
                        }
                        repeats |= !many.insert(key);
                    }
                    repeats |= if self.0 + 1 < DEPTH {
                        m.next_value_seed(Repeats(self.0 + 1))?
                    } else {
                        m.next_value::<IgnoredAny>().map(|_| false)?
                    };
                }
                Ok(repeats)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<bool, A::Error> {
                let mut repeats = false;
                while let Some(inner) = if self.0 + 1 < DEPTH {
                    s.next_element_seed(Repeats(self.0 + 1))?
                } else {
                    s.next_element::<IgnoredAny>()?.map(|_| false)
                } {
                    repeats |= inner;
                }
                Ok(repeats)
            }
            fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_str<E>(self, _: &str) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_unit<E>(self) -> Result<bool, E> {
                Ok(false)
            }
        }
        let mut de = serde_json::Deserializer::from_str(json);
        Repeats(0).deserialize(&mut de).unwrap_or(false)
    }

    /// `json` (one JSON value) with the repeated keys of its objects folded, down to
    /// [`DEPTH`]: a key whose copies all agree is kept once, where it first appears; a key
    /// whose copies differ is dropped. The flag says whether anything was folded. `None`
    /// when `json` is not JSON that serde_json reads into strings (a lone surrogate in a
    /// key).
    pub(super) fn fold(json: &str) -> Option<(String, bool)> {
        fold_at(json, 0)
    }

    fn fold_at(json: &str, depth: usize) -> Option<(String, bool)> {
        let json = json.trim_matches([' ', '\t', '\n', '\r']);
        if depth >= DEPTH {
            return Some((json.to_owned(), false));
        }
        match json.as_bytes().first() {
            Some(b'{') => {
                let mut de = serde_json::Deserializer::from_str(json);
                let Entries(entries) = Entries::deserialize(&mut de).ok()?;
                de.end().ok()?;
                // (key, value, whether every copy agrees), in first-appearance order.
                let mut kept: Vec<(String, String, bool)> = Vec::with_capacity(entries.len());
                let mut at: HashMap<String, usize> = HashMap::with_capacity(entries.len());
                let mut folded = false;
                for (key, value) in entries {
                    let (value, inner) = fold_at(value.get(), depth + 1)?;
                    folded |= inner;
                    match at.get(&key) {
                        Some(&i) => {
                            folded = true;
                            let (_, first, same) = &mut kept[i];
                            *same = *same && agree(first, &value);
                        }
                        None => {
                            at.insert(key.clone(), kept.len());
                            kept.push((key, value, true));
                        }
                    }
                }
                let mut out = String::with_capacity(json.len());
                out.push('{');
                for (key, value, _) in kept.iter().filter(|(_, _, same)| *same) {
                    if out.len() > 1 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(key).ok()?);
                    out.push(':');
                    out.push_str(value);
                }
                out.push('}');
                Some((out, folded))
            }
            Some(b'[') => {
                let items: Vec<Box<RawValue>> = serde_json::from_str(json).ok()?;
                let mut out = String::with_capacity(json.len());
                let mut folded = false;
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    let (item, inner) = fold_at(item.get(), depth + 1)?;
                    folded |= inner;
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&item);
                }
                out.push(']');
                Some((out, folded))
            }
            _ => Some((json.to_owned(), false)),
        }
    }
}

/// Why a notification was rejected. None of these is worth a retry by DOKU except where the
/// receiver itself failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotificationError {
    /// The body is larger than the configured limit.
    #[error("body is {size} bytes, limit {limit}")]
    BodyTooLarge {
        /// Bytes received.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A required header is absent.
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    /// A header is present but malformed.
    #[error("invalid {header} header: {reason}")]
    InvalidHeader {
        /// Which header.
        header: &'static str,
        /// Why.
        reason: String,
    },
    /// No secret is configured for this Client-Id.
    #[error("unknown merchant Client-Id `{0}`")]
    UnknownMerchant(String),
    /// The signature does not verify.
    #[error("{0}")]
    Signature(SignatureError),
    /// The Request-Timestamp is outside the configured window.
    #[error("Request-Timestamp {timestamp} is more than {window_secs} s from now")]
    OutsideWindow {
        /// The header value.
        timestamp: String,
        /// The window.
        window_secs: u64,
    },
    /// The (authentic) body is not a JSON object of the envelope's shape, or lacks what a
    /// notification must carry (invoice, amount, status).
    #[error("body is not a DOKU notification: {0}")]
    Malformed(String),
    /// Authentic, for a DOKU channel code no registered channel claims (the receiver hands
    /// such a notification to the application from its envelope).
    #[error("no registered channel has DOKU channel code `{0}`")]
    UnknownChannel(String),
    /// Authentic, but the registry cannot route it: two linked crates claim its channel code.
    /// The fault is the application's setup, not the notification's.
    #[error("cannot route the notification: {0}")]
    Misconfigured(String),
}

impl NotificationError {
    /// The HTTP status a receiver should answer: 413 too large, 401 not authentic, 500 for
    /// the receiver's own misconfiguration (so that DOKU retries once it is fixed), 400
    /// otherwise. Bad input never gets a 5xx.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::BodyTooLarge { .. } => 413,
            Self::UnknownMerchant(_) | Self::Signature(_) | Self::OutsideWindow { .. } => 401,
            Self::Misconfigured(_) => 500,
            _ => 400,
        }
    }
}

/// A notification whose signature verified. Only [`NotificationVerifier::verify`] makes one.
#[derive(Clone, Debug)]
pub struct VerifiedNotification {
    client_id: CompactString,
    request_id: RequestId,
    timestamp: CompactString,
    body_digest: BodyDigest,
    /// Boxed: the verified value moves through several `Result`s on the receiver's hot path,
    /// and the inline envelope made those moves cost more than the allocation (measured on
    /// `real_path_akulaku`: 1.31 µs inline, 1.25 µs boxed).
    envelope: Box<Envelope>,
    /// The body with its repeated keys folded, when it had any: what the envelope was read
    /// from, and what a channel's own readings read (`identifiers_at`).
    folded: Option<Box<str>>,
    raw: Bytes,
}

impl VerifiedNotification {
    /// The merchant it was signed for.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The notification's own Request-Id (the deduplication key).
    pub fn request_id(&self) -> &RequestId {
        &self.request_id
    }

    /// The `Request-Timestamp` header, as received (the signature covers this text).
    pub fn timestamp(&self) -> &str {
        &self.timestamp
    }

    /// The `Request-Timestamp` header read as an instant: any ISO 8601 form
    /// ([`parse_iso8601`]); `None` when it is none.
    pub fn timestamp_instant(&self) -> Option<time::OffsetDateTime> {
        parse_iso8601(&self.timestamp)
    }

    /// The body's SHA-256 (base64, the signature's `Digest`): what was delivered, so that
    /// a notification that reuses a Request-Id with another body counts as a new event.
    pub fn body_digest(&self) -> &BodyDigest {
        &self.body_digest
    }

    /// The parsed envelope.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// DOKU's `channel.id`, the routing key.
    pub fn channel_code(&self) -> Option<&str> {
        self.envelope.channel.as_ref()?.id.as_deref()
    }

    /// The raw body bytes as received.
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// The raw body as a [`serde_json::Value`] (for the application; the receiver's path
    /// never re-parses the body). See [`RawJson::to_value`] for what `Value` cannot hold; a
    /// key written twice holds its last copy there (serde_json's reading), whereas the
    /// envelope reads one copy where they agree and none where they differ.
    pub fn raw_json(&self) -> Result<serde_json::Value, NotificationError> {
        serde_json::from_slice(&self.json())
            .map_err(|e| NotificationError::Malformed(e.to_string()))
    }

    /// The body's JSON text: the raw bytes without a byte order mark before it, if any.
    fn json(&self) -> Bytes {
        match self.raw.strip_prefix(BOM) {
            Some(_) => self.raw.slice(BOM.len()..),
            None => self.raw.clone(),
        }
    }

    /// Maps the common envelope to the unified [`Notification`] for channel `channel_id`.
    /// `order.invoice_number`, `order.amount` and `transaction.status` are required; every
    /// other field is kept in [`Notification::raw`], exactly as received.
    pub fn to_notification(&self, channel_id: &str) -> Result<Notification, NotificationError> {
        self.map(Some(channel_id))
    }

    /// Reads the envelope every DOKU notification shares into a [`Notification`] whose
    /// `channel` is `None`: for a channel no linked crate registers, so that its payment
    /// still reaches the application. The same fields are required as for
    /// [`VerifiedNotification::to_notification`].
    pub fn to_envelope_notification(&self) -> Result<Notification, NotificationError> {
        self.map(None)
    }

    /// The `{name, value}` identifiers at the first of `paths` the body carries (read as
    /// [`crate::lenient::name_values_from`] reads them), such as ShopeePay's
    /// `shopeepay_payment.identifier`. Parses the body: only channels that declare paths pay
    /// for it. A body that writes a key twice is read as the envelope was: one copy where
    /// they agree, none where they differ.
    pub fn identifiers_at(&self, paths: &[&str]) -> Vec<crate::model::Identifier> {
        // The envelope's own repeated members were folded when it was read; a channel's
        // objects are not among them, so the body is folded here unless that was done.
        let json = self.json();
        let Ok(text) = std::str::from_utf8(&json) else {
            return Vec::new();
        };
        let folded = match &self.folded {
            Some(folded) => Some(std::borrow::Cow::Borrowed(&**folded)),
            None if repeated::any(text) => repeated::fold(text)
                .and_then(|(folded, any)| any.then_some(std::borrow::Cow::Owned(folded))),
            None => None,
        };
        let Ok(body) = serde_json::from_str::<serde_json::Value>(folded.as_deref().unwrap_or(text))
        else {
            return Vec::new();
        };
        paths
            .iter()
            .find_map(|p| crate::lenient::at(&body, p))
            .map(|v| crate::lenient::name_values_from(v, ""))
            .unwrap_or_default()
    }

    fn map(&self, channel_id: Option<&str>) -> Result<Notification, NotificationError> {
        let malformed = |what: &str| NotificationError::Malformed(format!("missing {what}"));
        let order = self
            .envelope
            .order
            .as_ref()
            .ok_or_else(|| malformed("order"))?;
        let tx = self
            .envelope
            .transaction
            .as_ref()
            .ok_or_else(|| malformed("transaction"))?;
        Ok(Notification {
            channel: channel_id.map(str::to_owned),
            channel_code: self.channel_code().unwrap_or_default().to_owned(),
            client_id: String::from(self.client_id.as_str()),
            request_id: self.request_id.clone(),
            invoice_number: order
                .invoice_number
                .as_deref()
                .map(str::to_owned)
                .ok_or_else(|| malformed("order.invoice_number"))?,
            amount: order.amount.ok_or_else(|| malformed("order.amount"))?,
            status: PaymentStatus::from_doku(
                tx.status
                    .as_deref()
                    .ok_or_else(|| malformed("transaction.status"))?,
            ),
            identifiers: Vec::new(),
            original_request_id: tx.original_request_id.as_deref().map(str::to_owned),
            date: tx.date.as_deref().and_then(parse_doku_datetime),
            // The body was read as one UTF-8 JSON object before this value was made.
            raw: RawJson::from_checked(self.json()),
        })
    }
}

/// Verifies notifications for one or more merchants, selected by `Client-Id`.
#[derive(Clone, Debug)]
pub struct NotificationVerifier {
    /// Ordered rather than hashed: a lookup is a few string comparisons, cheaper than hashing
    /// the Client-Id for the handful of merchants a receiver serves.
    keys: BTreeMap<String, SecretKey>,
    max_body_bytes: usize,
    window: Option<Duration>,
    clock: SharedClock,
}

impl Default for NotificationVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl NotificationVerifier {
    /// Default body limit: 64 KiB.
    pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

    /// A verifier with no merchants, a 64 KiB body limit and no timestamp window.
    pub fn new() -> Self {
        Self {
            keys: BTreeMap::new(),
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
            window: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// Accepts notifications signed for this merchant.
    pub fn merchant(mut self, client_id: ClientId, secret: SecretKey) -> Self {
        self.keys.insert(client_id.as_str().to_owned(), secret);
        self
    }

    /// Accepts notifications for these credentials' merchant.
    pub fn credentials(self, c: &Credentials) -> Self {
        self.merchant(c.client_id.clone(), c.secret_key.clone())
    }

    /// The Client-Ids of the merchants this verifier accepts, sorted. Empty for
    /// [`NotificationVerifier::new`]: such a verifier refuses every notification.
    pub fn client_ids(&self) -> impl ExactSizeIterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// The body size limit.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// The configured body size limit.
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes
    }

    /// Rejects notifications whose Request-Timestamp is further than `window` from now.
    /// Off by default: DOKU retries up to 12 hours after the first attempt and does not say
    /// whether a retry is re-signed with a fresh timestamp.
    pub fn timestamp_window(mut self, window: Duration) -> Self {
        self.window = Some(window);
        self
    }

    /// Uses this clock for the timestamp window.
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Verifies a notification: body size, headers, merchant, signature over the raw bytes and
    /// `own_path` (the path DOKU was configured to call), timestamp window, then the envelope.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        own_path: &str,
        body: &[u8],
    ) -> Result<VerifiedNotification, NotificationError> {
        if body.len() > self.max_body_bytes {
            return Err(NotificationError::BodyTooLarge {
                size: body.len(),
                limit: self.max_body_bytes,
            });
        }
        self.verify_bytes(headers, own_path, Bytes::copy_from_slice(body))
    }

    /// [`NotificationVerifier::verify`] for a body already held as [`Bytes`] (as a server
    /// framework hands it over), without copying it.
    pub fn verify_bytes(
        &self,
        headers: &HeaderMap,
        own_path: &str,
        body: Bytes,
    ) -> Result<VerifiedNotification, NotificationError> {
        if body.len() > self.max_body_bytes {
            return Err(NotificationError::BodyTooLarge {
                size: body.len(),
                limit: self.max_body_bytes,
            });
        }
        // One pass over the headers finds all four (the first value of each, as
        // `HeaderMap::get` would): cheaper than four hashed lookups.
        let mut found: [Option<&http::HeaderValue>; 4] = [None; 4];
        for (name, value) in headers {
            let slot = if name == names::CLIENT_ID {
                0
            } else if name == names::REQUEST_ID {
                1
            } else if name == names::REQUEST_TIMESTAMP {
                2
            } else if name == names::SIGNATURE {
                3
            } else {
                continue;
            };
            found[slot].get_or_insert(value);
        }
        let client_id = header(found[0], headers::CLIENT_ID)?;
        let request_id = header(found[1], headers::REQUEST_ID)?;
        let timestamp = header(found[2], headers::REQUEST_TIMESTAMP)?;
        let signature = header(found[3], headers::SIGNATURE)?;
        let request_id =
            RequestId::new(request_id).map_err(|reason| NotificationError::InvalidHeader {
                header: headers::REQUEST_ID,
                reason: reason.to_string(),
            })?;
        let secret = self
            .keys
            .get(client_id)
            .ok_or_else(|| NotificationError::UnknownMerchant(client_id.to_owned()))?;
        let components =
            Components::notification(client_id, request_id.as_str(), timestamp, own_path, &body);
        components
            .verify(secret, signature)
            .map_err(NotificationError::Signature)?;
        let body_digest = components.digest.unwrap_or_else(|| BodyDigest::of(&body));
        // The signature covers the timestamp's text as received: it is read as a time only
        // for a window, and then in any ISO 8601 form ("ISO8601 UTC+0" is all DOKU says).
        if let Some(window) = self.window {
            let ts = parse_iso8601(timestamp).ok_or_else(|| NotificationError::InvalidHeader {
                header: headers::REQUEST_TIMESTAMP,
                reason: "not an ISO 8601 date and time".into(),
            })?;
            let skew = (self.clock.now() - ts).unsigned_abs();
            if skew > window {
                return Err(NotificationError::OutsideWindow {
                    timestamp: timestamp.to_owned(),
                    window_secs: window.as_secs(),
                });
            }
        }
        // UTF-8, a JSON object (serde's derive would also read an array positionally), the
        // envelope's fields.
        let (envelope, folded) =
            Envelope::read_bytes(&body).map_err(|e| NotificationError::Malformed(e.to_string()))?;
        Ok(VerifiedNotification {
            client_id: CompactString::new(client_id),
            request_id,
            timestamp: CompactString::new(timestamp),
            body_digest,
            envelope: Box::new(envelope),
            folded: folded.map(String::into_boxed_str),
            raw: body,
        })
    }
}

/// Pre-parsed header names: comparing with a `HeaderName` skips parsing the name each time.
mod names {
    use http::HeaderName;
    pub(super) static CLIENT_ID: HeaderName = HeaderName::from_static("client-id");
    pub(super) static REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
    pub(super) static REQUEST_TIMESTAMP: HeaderName = HeaderName::from_static("request-timestamp");
    pub(super) static SIGNATURE: HeaderName = HeaderName::from_static("signature");
}

fn header<'a>(
    value: Option<&'a http::HeaderValue>,
    name: &'static str,
) -> Result<&'a str, NotificationError> {
    let v = value.ok_or(NotificationError::MissingHeader(name))?;
    // A `HeaderValue` never holds control characters other than tab, so ASCII here is what
    // `HeaderValue::to_str` accepts (visible ASCII, space, tab), checked a word at a time.
    let bytes = v.as_bytes();
    let s = std::str::from_utf8(bytes)
        .ok()
        .filter(|_| bytes.is_ascii())
        .ok_or_else(|| NotificationError::InvalidHeader {
            header: name,
            reason: "not visible ASCII".into(),
        })?;
    if s.is_empty() {
        return Err(NotificationError::MissingHeader(name));
    }
    Ok(s)
}
