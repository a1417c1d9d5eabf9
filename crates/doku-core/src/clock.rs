//! Time: DOKU's timestamp format and an injectable clock.

use std::sync::Arc;

use time::format_description::well_known::Rfc3339;
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

/// Formats an instant as DOKU's header timestamp: UTC, seconds precision, `Z` suffix
/// (`2020-09-22T01:51:00Z`).
///
/// ```
/// use time::macros::datetime;
/// assert_eq!(
///     doku_core::clock::format_timestamp(datetime!(2020-09-22 08:51:00 +07:00)),
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

/// Parses a header timestamp in exactly DOKU's form (`YYYY-MM-DDTHH:MM:SSZ`).
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    let b = s.as_bytes();
    if b.len() != 20 || b[19] != b'Z' || b[10] != b'T' {
        return None;
    }
    let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    (t.offset() == UtcOffset::UTC).then_some(t)
}

/// Parses a date DOKU puts in a body: RFC 3339 / ISO-8601 (`2020-08-11T08:50:02Z`), or the
/// Akulaku form `yyyyMMddHHmmss` read as UTC+7 (WIB).
///
/// ```
/// use doku_core::clock::parse_doku_datetime;
/// assert_eq!(
///     parse_doku_datetime("20200811155002"),
///     parse_doku_datetime("2020-08-11T08:50:02Z")
/// );
/// ```
pub fn parse_doku_datetime(s: &str) -> Option<OffsetDateTime> {
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
