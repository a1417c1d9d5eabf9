//! Time: DOKU's timestamp format and an injectable clock.

use std::sync::Arc;

use time::format_description::well_known::{Iso8601, Rfc3339};
use time::macros::{format_description, offset};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Something that tells the time. Injected wherever time matters so tests can fix it.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock stopped at one instant, for tests.
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// A shared clock handle.
pub type SharedClock = Arc<dyn Clock>;

impl std::fmt::Debug for dyn Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

/// Formats an instant as DOKU's header timestamp: UTC, seconds precision, `Z` suffix
/// (`2020-09-22T01:51:00Z`).
///
/// ```
/// use time::macros::datetime;
/// assert_eq!(
///     doku_pay_core::clock::format_timestamp(datetime!(2020-09-22 08:51:00 +07:00)),
///     "2020-09-22T01:51:00Z"
/// );
/// ```
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parses a header timestamp in exactly DOKU's form (`YYYY-MM-DDTHH:MM:SSZ`): the instants
/// `time`'s RFC 3339 parser gives for that layout, with the calendar checked (month lengths,
/// leap years). A leap second, `23:59:60`, is accepted only where one can be inserted, on the
/// last day of a month, and read as the last instant of `23:59:59` (`time` has no 61st second);
/// anywhere else it is refused, as `time` refuses it.
///
/// Read by position rather than through `time`'s RFC 3339 parser, which costs several times
/// more: this runs once per notification, on the receiver's hot path.
///
/// ```
/// use doku_pay_core::clock::parse_timestamp;
/// use time::macros::datetime;
/// assert_eq!(parse_timestamp("2024-02-29T23:59:59Z"), Some(datetime!(2024-02-29 23:59:59 UTC)));
/// assert_eq!(parse_timestamp("2023-02-29T00:00:00Z"), None);
/// assert_eq!(parse_timestamp("2024-02-29T23:59:59+00:00"), None);
/// assert_eq!(parse_timestamp("2016-12-31T23:59:60Z"), Some(datetime!(2016-12-31 23:59:59.999_999_999 UTC)));
/// assert_eq!(parse_timestamp("2021-07-07T23:59:60Z"), None);
/// ```
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    let b: &[u8; 20] = s.as_bytes().try_into().ok()?;
    let layout_ok = b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z';
    if !layout_ok {
        return None;
    }
    let num = |at: usize, len: usize| -> Option<u16> {
        b[at..at + len].iter().try_fold(0u16, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u16::from(d - b'0'))
        })
    };
    let year = i32::from(num(0, 4)?);
    let month = time::Month::try_from(u8::try_from(num(5, 2)?).ok()?).ok()?;
    let day = u8::try_from(num(8, 2)?).ok()?;
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let clock = if (hour, minute, second) == (23, 59, 60) {
        // RFC 3339 allows a leap second; `time` takes one only at the end of a month (where
        // one can be inserted) and reads it as the last instant of the minute.
        if date.day() != date.month().length(year) {
            return None;
        }
        time::Time::from_hms_nano(23, 59, 59, 999_999_999).ok()?
    } else {
        time::Time::from_hms(
            u8::try_from(hour).ok()?,
            u8::try_from(minute).ok()?,
            u8::try_from(second).ok()?,
        )
        .ok()?
    };
    Some(PrimitiveDateTime::new(date, clock).assume_utc())
}

/// Formats an instant in the compact WIB form some DOKU bodies use (Akulaku's
/// `payment.date`): `yyyyMMddHHmmss` in UTC+7, the form [`parse_doku_datetime`] reads.
///
/// ```
/// use time::macros::datetime;
/// let t = datetime!(2020-08-11 08:50:02 UTC);
/// assert_eq!(doku_pay_core::clock::format_wib_compact(t), "20200811155002");
/// assert_eq!(doku_pay_core::clock::parse_doku_datetime("20200811155002"), Some(t));
/// ```
pub fn format_wib_compact(t: OffsetDateTime) -> String {
    let t = t.to_offset(offset!(+7));
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parses a notification's `Request-Timestamp` as DOKU's guides describe it, "ISO 8601,
/// UTC+0", in any of that standard's forms: DOKU's own `2020-09-22T01:51:00Z` (read by
/// [`parse_timestamp`], the fast path), fractional seconds (`2026-12-01T02:00:00.123Z`), a
/// numeric offset (`+00:00`, or another offset, converted), and the basic format
/// (`20260101T020000Z`). `None` when the text is no ISO 8601 date and time.
///
/// The signature covers the header text as received, so this reading matters only for a
/// timestamp window: without one, a notification's timestamp is never parsed.
///
/// ```
/// use doku_pay_core::clock::parse_iso8601;
/// use time::macros::datetime;
/// let t = datetime!(2026-12-01 02:00:00 UTC);
/// assert_eq!(parse_iso8601("2026-12-01T02:00:00Z"), Some(t));
/// assert_eq!(parse_iso8601("2026-12-01T02:00:00.123Z"), Some(t + time::Duration::milliseconds(123)));
/// assert_eq!(parse_iso8601("2026-12-01T09:00:00+07:00"), Some(t));
/// assert_eq!(parse_iso8601("20261201T020000Z"), Some(t));
/// assert_eq!(parse_iso8601("yesterday"), None);
/// ```
pub fn parse_iso8601(s: &str) -> Option<OffsetDateTime> {
    parse_timestamp(s)
        .or_else(|| OffsetDateTime::parse(s, &Rfc3339).ok())
        .or_else(|| OffsetDateTime::parse(s, &Iso8601::DEFAULT).ok())
}

/// Parses a date DOKU puts in a body: RFC 3339 / ISO-8601 (`2020-08-11T08:50:02Z`), or the
/// Akulaku form `yyyyMMddHHmmss` read as UTC+7 (WIB).
///
/// ```
/// use doku_pay_core::clock::parse_doku_datetime;
/// assert_eq!(
///     parse_doku_datetime("20200811155002"),
///     parse_doku_datetime("2020-08-11T08:50:02Z")
/// );
/// ```
pub fn parse_doku_datetime(s: &str) -> Option<OffsetDateTime> {
    // DOKU's own layout first, read by position: several times cheaper than the general
    // RFC 3339 parser, and it is what notifications carry (the receiver's hot path).
    if let Some(t) = parse_timestamp(s) {
        return Some(t);
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    if s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit()) {
        let fmt = format_description!("[year][month][day][hour][minute][second]");
        let p = PrimitiveDateTime::parse(s, &fmt).ok()?;
        return Some(p.assume_offset(offset!(+7)));
    }
    None
}
