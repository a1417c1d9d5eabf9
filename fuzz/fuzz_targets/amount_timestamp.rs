//! `Amount` and `clock::parse_timestamp` against their references: an amount accepted from a
//! JSON number is the number's exact value (checked digit by digit against the text), and a
//! header timestamp is what `time`'s RFC 3339 parser reads in DOKU's layout.
#![no_main]

use doku_pay_core::Amount;
use doku_pay_core::clock::parse_timestamp;
use libfuzzer_sys::fuzz_target;
use time::format_description::well_known::Rfc3339;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Amount: the same answer from the text, from a Value and from the number reader.
    let from_text = serde_json::from_str::<Amount>(text).ok();
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        assert_eq!(
            serde_json::from_value::<Amount>(value.clone()).ok(),
            from_text,
            "{text}"
        );
        if let serde_json::Value::Number(n) = &value {
            let exact = Amount::from_json_number(&n.to_string()).ok();
            assert_eq!(exact, from_text, "{text}");
            if let Some(a) = exact {
                // Whole: the value's digits, then only zeros after the point.
                let t = n.to_string();
                if !t.contains(['e', 'E']) {
                    let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
                    assert!(frac.bytes().all(|b| b == b'0'), "{t}");
                    let int = int.trim_start_matches('-');
                    assert_eq!(int.parse::<u64>().ok(), Some(a.rupiah()), "{t}");
                }
            }
        }
    }
    // Timestamps.
    let b = text.as_bytes();
    let reference = (b.len() == 20 && b[10] == b'T' && b[19] == b'Z')
        .then(|| time::OffsetDateTime::parse(text, &Rfc3339).ok())
        .flatten();
    assert_eq!(parse_timestamp(text), reference, "{text}");
});
