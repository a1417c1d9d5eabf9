//! A single-pass reader of the notification [`Envelope`], with the result of
//! `serde_json::from_str::<Envelope>` on every input whose top level is an object, in under
//! half its time (about 1.5 times serde_json's own skim of the same body, which keeps nothing).
//!
//! Why it exists: a notification is verified and parsed on every call DOKU makes, and the
//! derived `Deserialize` took longer than the HMAC check itself for the envelope's eight
//! fields. This reader walks the body once, checks the whole of it against the JSON grammar
//! (the same checks serde_json makes on values it ignores), and reads only the envelope's
//! fields.
//!
//! Agreement with serde_json is kept by construction and checked by tests:
//! * the common shapes (objects of plain strings, integer amounts, `null`) are read here;
//! * every other shape of a field the envelope reads (an escaped string, a fractional or
//!   string amount, a wrong type, an array where an object is expected) is cut out as one JSON
//!   value and handed to serde_json itself, so its meaning and its errors are serde_json's;
//! * `tests/envelope_json.rs` compares this reader with serde_json over a table of edge
//!   cases and tens of thousands of generated, mutated and non-UTF-8 documents.

use std::borrow::Cow;

use compact_str::CompactString;
use serde::de::DeserializeOwned;

use super::{Envelope, EnvelopeOrder, EnvelopeTransaction, IdObject};
use crate::amount::Amount;

/// Reads `json` as an [`Envelope`]. The error names the field (when inside one), what was
/// wrong and the byte offset.
pub(super) fn parse(json: &[u8]) -> std::result::Result<Envelope, String> {
    // JSON text is UTF-8 (RFC 8259): one check of the whole text, then the reader treats
    // non-ASCII bytes as plain string content.
    let text = std::str::from_utf8(json).map_err(|e| format!("body is not UTF-8: {e}"))?;
    let mut r = Reader {
        s: text,
        b: json,
        i: 0,
    };
    r.envelope().map_err(|e| e.to_string())
}

/// A grammar or type error at a byte offset, inside a field when `path` is set.
#[derive(Debug)]
struct JsonError {
    at: usize,
    path: Option<&'static str>,
    what: Cow<'static, str>,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.path {
            Some(p) => write!(f, "`{p}`: {} (byte {})", self.what, self.at),
            None => write!(f, "invalid JSON at byte {}: {}", self.at, self.what),
        }
    }
}

/// Boxed, so that every `Result` the reader passes around fits in two registers.
type Result<T> = std::result::Result<T, Box<JsonError>>;

/// Which kind of container each open level of a skipped value is: a bit per level for the
/// first 128 levels (no allocation), a vector beyond.
struct Frames {
    bits: u128,
    depth: usize,
    deep: Vec<bool>,
}

impl Frames {
    const INLINE: usize = 128;

    fn new() -> Self {
        Self {
            bits: 0,
            depth: 0,
            deep: Vec::new(),
        }
    }

    fn push(&mut self, object: bool) {
        if self.depth < Self::INLINE {
            let bit = 1u128 << self.depth;
            if object {
                self.bits |= bit;
            } else {
                self.bits &= !bit;
            }
        } else {
            self.deep.push(object);
        }
        self.depth += 1;
    }

    /// The innermost open container: `Some(true)` for an object, `Some(false)` for an array.
    fn top(&self) -> Option<bool> {
        match self.depth {
            0 => None,
            d if d <= Self::INLINE => Some(self.bits & (1u128 << (d - 1)) != 0),
            _ => self.deep.last().copied(),
        }
    }

    fn pop(&mut self) {
        if self.depth > Self::INLINE {
            self.deep.pop();
        }
        self.depth = self.depth.saturating_sub(1);
    }
}

/// The bytes that end a run of plain string content: `"`, `\\` and control characters.
static STOPS: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// The keys one envelope level reads: their names (for messages) and a lookup from a key's
/// bytes to its index (`NAMES.len()` for any other key), a `match` on byte strings that
/// compiles to a length switch and a few integer comparisons.
trait Level {
    const NAMES: &'static [&'static str];
    fn index(key: &[u8]) -> usize;
}

struct Top;
impl Level for Top {
    const NAMES: &'static [&'static str] =
        &["service", "acquirer", "channel", "order", "transaction"];
    fn index(key: &[u8]) -> usize {
        match key {
            b"service" => 0,
            b"acquirer" => 1,
            b"channel" => 2,
            b"order" => 3,
            b"transaction" => 4,
            _ => 5,
        }
    }
}

struct Id;
impl Level for Id {
    const NAMES: &'static [&'static str] = &["id"];
    fn index(key: &[u8]) -> usize {
        usize::from(key != b"id")
    }
}

struct Order;
impl Level for Order {
    const NAMES: &'static [&'static str] = &["invoice_number", "amount"];
    fn index(key: &[u8]) -> usize {
        match key {
            b"invoice_number" => 0,
            b"amount" => 1,
            _ => 2,
        }
    }
}

struct Transaction;
impl Level for Transaction {
    const NAMES: &'static [&'static str] = &["status", "date", "original_request_id"];
    fn index(key: &[u8]) -> usize {
        match key {
            b"status" => 0,
            b"date" => 1,
            b"original_request_id" => 2,
            _ => 3,
        }
    }
}

struct Reader<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    #[cold]
    fn err(&self, what: impl Into<Cow<'static, str>>) -> Box<JsonError> {
        Box::new(JsonError {
            at: self.i,
            path: None,
            what: what.into(),
        })
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        if self.peek().is_some_and(|c| c > b' ') {
            return;
        }
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// Skips whitespace and returns the next byte without consuming it, or 0 at the end (a
    /// 0 byte is never valid outside a string, so no token is mistaken for it).
    fn tok(&mut self) -> u8 {
        self.ws();
        self.peek().unwrap_or(0)
    }

    /// The error for a token that is not one of `expecting`.
    #[cold]
    fn unexpected(&self, expecting: &'static str) -> Box<JsonError> {
        if self.i >= self.b.len() {
            self.err(format!("unexpected end, expected {expecting}"))
        } else {
            self.err(format!("expected {expecting}"))
        }
    }

    /// The error for an object key that is not a string.
    #[cold]
    fn not_a_key(&self) -> Box<JsonError> {
        if self.i >= self.b.len() {
            self.err("unexpected end, expected a key")
        } else {
            self.err("key must be a string")
        }
    }

    fn expect(&mut self, byte: u8, expecting: &'static str) -> Result<()> {
        if self.tok() == byte {
            self.i += 1;
            Ok(())
        } else {
            Err(self.unexpected(expecting))
        }
    }

    /// The whole document: an object, then only whitespace.
    fn envelope(&mut self) -> Result<Envelope> {
        let mut env = Envelope::default();
        self.object::<Top>(|r, field| {
            match field {
                0 => env.service = r.id_object("service", "service.id")?,
                1 => env.acquirer = r.id_object("acquirer", "acquirer.id")?,
                2 => env.channel = r.id_object("channel", "channel.id")?,
                3 => env.order = r.order()?,
                _ => env.transaction = r.transaction()?,
            }
            Ok(())
        })?;
        self.ws();
        if self.i != self.b.len() {
            return Err(self.err("trailing characters after the object"));
        }
        Ok(env)
    }

    /// Reads `{ "key": value, ... }` where `names` are the keys this level reads: calls
    /// `field` with the key's index and the reader at its value, which `field` must consume.
    /// Other keys' values are skipped; a key of `names` given twice is refused, as serde's
    /// derive refuses it.
    fn object<L: Level>(
        &mut self,
        mut field: impl FnMut(&mut Self, usize) -> Result<()>,
    ) -> Result<()> {
        self.expect(b'{', "`{`")?;
        if self.tok() == b'}' {
            self.i += 1;
            return Ok(());
        }
        let mut seen = 0u32;
        loop {
            let at = self.key_in::<L>()?;
            self.expect(b':', "`:`")?;
            self.ws();
            if at < L::NAMES.len() {
                let bit = 1u32 << at;
                if seen & bit != 0 {
                    return Err(self.err(format!("duplicate field `{}`", L::NAMES[at])));
                }
                seen |= bit;
                field(self, at)?;
            } else {
                self.skip_value()?;
            }
            match self.tok() {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected("`,` or `}`")),
            }
        }
    }

    /// Reads an object key of an envelope level and returns its index in `names`
    /// (`names.len()` for any other key). Escapes are decoded by serde_json, which checks
    /// surrogate pairs as it does for field names.
    fn key_in<L: Level>(&mut self) -> Result<usize> {
        if self.tok() != b'"' {
            return Err(self.not_a_key());
        }
        let open = self.i;
        let escaped = self.string()?;
        if !escaped {
            return Ok(L::index(&self.b[open + 1..self.i - 1]));
        }
        match serde_json::from_slice::<String>(&self.b[open..self.i]) {
            Ok(key) => Ok(L::index(key.as_bytes())),
            Err(e) => Err(Box::new(JsonError {
                at: open,
                path: None,
                what: serde_message(&e).into(),
            })),
        }
    }

    /// A string starting at the opening quote; leaves the reader after the closing quote and
    /// returns whether the string held escapes. Checks escapes as serde_json does for any
    /// string (a known escape letter, or `u` and four hex digits) and refuses control
    /// characters.
    #[inline]
    fn string(&mut self) -> Result<bool> {
        self.i += 1;
        self.skip_plain();
        if self.peek() == Some(b'"') {
            self.i += 1;
            return Ok(false);
        }
        self.string_rest()
    }

    /// The rest of a string from a byte that is not plain ASCII content; returns whether it
    /// held escapes.
    #[inline(never)]
    fn string_rest(&mut self) -> Result<bool> {
        let mut escaped = false;
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    escaped = true;
                    self.i += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                        Some(b'u') => {
                            let hex = self.b.get(self.i + 1..self.i + 5);
                            match hex {
                                Some(h) if h.iter().all(u8::is_ascii_hexdigit) => self.i += 5,
                                Some(_) => return Err(self.err("invalid escape")),
                                None => return Err(self.err("unexpected end inside a string")),
                            }
                        }
                        Some(_) => return Err(self.err("invalid escape")),
                        None => return Err(self.err("unexpected end inside a string")),
                    }
                }
                Some(_) => return Err(self.err("control character inside a string")),
                None => return Err(self.err("unexpected end inside a string")),
            }
            self.skip_plain();
        }
    }

    /// Skips plain ASCII string bytes (the bulk of any string) up to the next `"`, `\\`,
    /// control character or non-ASCII byte: eight bytes per step while eight remain.
    fn skip_plain(&mut self) {
        const ONES: u64 = u64::MAX / 255;
        const HIGH: u64 = ONES << 7;
        let rest = self.b.get(self.i..).unwrap_or_default();
        let mut chunks = rest.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let w = u64::from_le_bytes(word);
            // A byte of `w` is flagged when it is below 0x20, equal to `"` or `\\`, or not
            // ASCII (its own high bit).
            let ctrl = w.wrapping_sub(ONES * 0x20) & !w;
            let q = w ^ (ONES * u64::from(b'"'));
            let quote = q.wrapping_sub(ONES) & !q;
            let bs = w ^ (ONES * u64::from(b'\\'));
            let backslash = bs.wrapping_sub(ONES) & !bs;
            let hit = (ctrl | quote | backslash) & HIGH;
            if hit != 0 {
                self.i += (hit.trailing_zeros() / 8) as usize;
                return;
            }
            self.i += 8;
        }
        let tail = chunks.remainder();
        self.i += tail
            .iter()
            .position(|&c| STOPS[usize::from(c)])
            .unwrap_or(tail.len());
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<()> {
        if self.b.get(self.i..self.i + word.len()) == Some(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(self.err("expected a value"))
        }
    }

    /// A number's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Result<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.i += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.err("invalid number: leading zero"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.err("invalid number: no digit after `.`"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("invalid number: no digit in the exponent"));
            }
        }
        Ok(())
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    /// Skips one JSON value of any shape and depth, checking its grammar. Iterative: depth
    /// costs no stack.
    fn skip_value(&mut self) -> Result<()> {
        let mut frames = Frames::new();
        loop {
            // A value is expected here.
            match self.tok() {
                b'{' => {
                    self.i += 1;
                    if self.tok() == b'}' {
                        self.i += 1;
                    } else {
                        frames.push(true);
                        self.skip_key_colon()?;
                        continue;
                    }
                }
                b'[' => {
                    self.i += 1;
                    if self.tok() == b']' {
                        self.i += 1;
                    } else {
                        frames.push(false);
                        continue;
                    }
                }
                b'"' => {
                    self.string()?;
                }
                b'-' | b'0'..=b'9' => self.number()?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                _ => return Err(self.unexpected("a value")),
            }
            // A value ended: close containers until one continues with a comma.
            loop {
                let Some(object) = frames.top() else {
                    return Ok(());
                };
                match self.tok() {
                    b',' => {
                        self.i += 1;
                        if object {
                            self.skip_key_colon()?;
                        }
                        break;
                    }
                    b'}' if object => {
                        self.i += 1;
                        frames.pop();
                    }
                    b']' if !object => {
                        self.i += 1;
                        frames.pop();
                    }
                    _ if object => return Err(self.unexpected("`,` or `}`")),
                    _ => return Err(self.unexpected("`,` or `]`")),
                }
            }
        }
    }

    fn skip_key_colon(&mut self) -> Result<()> {
        if self.tok() != b'"' {
            return Err(self.not_a_key());
        }
        self.string()?;
        self.expect(b':', "`:`")
    }

    /// Skips the value at the reader and has serde_json read it as `T`: the path for every
    /// shape this reader does not read itself, so that shape means what it means to serde.
    fn delegate<T: DeserializeOwned>(&mut self, path: &'static str) -> Result<T> {
        let start = self.i;
        self.skip_value()?;
        serde_json::from_slice(&self.b[start..self.i]).map_err(|e| {
            Box::new(JsonError {
                at: start,
                path: Some(path),
                what: serde_message(&e).into(),
            })
        })
    }

    /// `null` as `None`; otherwise `read` for the shape it handles, or serde_json.
    fn optional<T: DeserializeOwned>(
        &mut self,
        path: &'static str,
        read: impl FnOnce(&mut Self) -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            return Ok(None);
        }
        let start = self.i;
        match read(self)? {
            Some(v) => Ok(Some(v)),
            None => {
                self.i = start;
                self.delegate::<Option<T>>(path)
            }
        }
    }

    /// A string field: a plain string is read here; escapes and other types go to serde_json.
    fn text(&mut self, path: &'static str) -> Result<Option<CompactString>> {
        self.optional(path, |r| {
            if r.peek() != Some(b'"') {
                return Ok(None);
            }
            let open = r.i;
            let escaped = r.string()?;
            if escaped {
                return Ok(None);
            }
            Ok(Some(CompactString::new(&r.s[open + 1..r.i - 1])))
        })
    }

    /// An amount: an integer of at most 12 digits is read here; fractions, strings, other
    /// types and longer numbers go to serde_json and [`Amount`]'s own rules.
    fn amount(&mut self) -> Result<Option<Amount>> {
        self.optional("order.amount", |r| {
            let start = r.i;
            if !matches!(r.peek(), Some(b'0'..=b'9')) {
                return Ok(None);
            }
            let n = r.digits();
            let plain = n <= 12
                && !matches!(r.peek(), Some(b'.' | b'e' | b'E'))
                && !(n > 1 && r.b[start] == b'0');
            if !plain {
                return Ok(None);
            }
            let value = r.b[start..r.i]
                .iter()
                .fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'));
            Ok(Amount::new(value).ok())
        })
    }

    /// A nested envelope object: `null`, an object read here, or anything else by serde_json.
    fn nested<L: Level, T: DeserializeOwned + Default>(
        &mut self,
        path: &'static str,
        mut field: impl FnMut(&mut Self, &mut T, usize) -> Result<()>,
    ) -> Result<Option<T>> {
        self.optional(path, |r| {
            if r.peek() != Some(b'{') {
                return Ok(None);
            }
            let mut value = T::default();
            r.object::<L>(|r, at| field(r, &mut value, at))?;
            Ok(Some(value))
        })
    }

    fn id_object(&mut self, parent: &'static str, path: &'static str) -> Result<Option<IdObject>> {
        self.nested::<Id, _>(parent, |r, v: &mut IdObject, _| {
            v.id = r.text(path)?;
            Ok(())
        })
    }

    fn order(&mut self) -> Result<Option<EnvelopeOrder>> {
        self.nested::<Order, _>("order", |r, v: &mut EnvelopeOrder, at| {
            match at {
                0 => v.invoice_number = r.text("order.invoice_number")?,
                _ => v.amount = r.amount()?,
            }
            Ok(())
        })
    }

    fn transaction(&mut self) -> Result<Option<EnvelopeTransaction>> {
        self.nested::<Transaction, _>("transaction", |r, v: &mut EnvelopeTransaction, at| {
            match at {
                0 => v.status = r.text("transaction.status")?,
                1 => v.date = r.text("transaction.date")?,
                _ => v.original_request_id = r.text("transaction.original_request_id")?,
            }
            Ok(())
        })
    }
}
/// serde_json's message without its position, which is relative to the cut-out value.
fn serde_message(e: &serde_json::Error) -> String {
    let mut s = e.to_string();
    if let Some(at) = s.rfind(" at line ") {
        s.truncate(at);
    }
    s
}
