//! Tables of fixtures for the value types: amounts, timestamps, environments, credentials.

use doku_pay_core::clock::{format_timestamp, parse_doku_datetime, parse_timestamp};
use doku_pay_core::{
    Amount, AmountError, Api, ClientId, Credentials, Environment, Method, NextAction,
    OperationStatus, PaymentStatus, RequestId,
};
use time::macros::datetime;

#[test]
fn amounts_from_json() {
    let cases: &[(&str, Result<u64, &str>)] = &[
        ("150000", Ok(150_000)),
        ("0", Ok(0)),
        ("999999999999", Ok(999_999_999_999)),
        ("\"10000.00\"", Ok(10_000)),
        ("\"10000\"", Ok(10_000)),
        ("\"10000.0\"", Ok(10_000)),
        ("10000.00", Ok(10_000)),
        ("\"0010000\"", Ok(10_000)),
        ("1000000000000", Err("at most 12 digits")),
        ("\"1000000000000\"", Err("at most 12 digits")),
        ("\"10000.50\"", Err("whole rupiah")),
        ("10000.5", Err("whole rupiah")),
        ("-1", Err("negative")),
        ("\"-1\"", Err("negative")),
        ("\"\"", Err("must be a number")),
        ("\"1e5\"", Err("must be a number")),
        // Blanks around the digits are ignored (as around a status); inside, they are not.
        ("\" 100\\n\"", Ok(100)),
        ("\"1 00\"", Err("must be a number")),
        ("\"100.\"", Err("must be a number")),
        ("\"+100\"", Err("must be a number")),
        ("null", Err("invalid type")),
        ("true", Err("invalid type")),
        ("1e300", Err("at most 12 digits")),
        // Exact: read from the number's text, never through a float.
        ("0.99999999999999999", Err("whole rupiah")),
        ("2020080.99999999991115500", Err("whole rupiah")),
        ("999999999999.99999999999", Err("whole rupiah")),
        ("7777771005.000000000000000000", Ok(7_777_771_005)),
        ("999999999999.000", Ok(999_999_999_999)),
        ("1000000000000.000", Err("at most 12 digits")),
        ("1e4", Ok(10_000)),
        ("15E+4", Ok(150_000)),
        ("1.5e1", Ok(15)),
        ("150000e-1", Ok(15_000)),
        ("1e-1", Err("whole rupiah")),
        ("1e12", Err("at most 12 digits")),
        ("0e99999999999999999999", Ok(0)),
        ("1e99999999999999999999", Err("at most 12 digits")),
        ("1e-99999999999999999999", Err("whole rupiah")),
        ("18446744073709551616", Err("at most 12 digits")),
        ("123456789012345678901234567890", Err("at most 12 digits")),
        ("-123456789012345678901234567890", Err("negative")),
        ("-0", Ok(0)),
        ("-0.0e3", Ok(0)),
        ("-0.5", Err("negative")),
        ("\"-0\"", Ok(0)),
        ("\"0.99999999999999999\"", Err("whole rupiah")),
        ("\"7777771005.000000000000000000\"", Ok(7_777_771_005)),
        ("\"0000000000000001\"", Ok(1)),
        ("\"\\u0031000\"", Ok(1000)),
        ("\"\\u002d1\"", Err("negative")),
        (" \t7\n ", Ok(7)),
        ("{}", Err("invalid type")),
        ("[1]", Err("invalid type")),
    ];
    for (json, expected) in cases {
        for (how, got) in amount_read_every_way(json) {
            match (got, expected) {
                (Ok(v), Ok(e)) => assert_eq!(v, *e, "{json} {how}"),
                (Err(err), Err(e)) => assert!(err.contains(e), "{json} {how}: {err}"),
                (got, expected) => panic!("{json} {how}: got {got:?}, expected {expected:?}"),
            }
        }
    }
}

/// `json` read as an [`Amount`] from the text, from a `serde_json::Value`, and inside an
/// enum that serde buffers before reading (the refund's amount written before its tag).
fn amount_read_every_way(json: &str) -> [(&'static str, Result<u64, String>); 3] {
    use serde::Deserialize;
    let text = serde_json::from_str::<Amount>(json).map_err(|e| e.to_string());
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    let value = Amount::deserialize(&value).map_err(|e| e.to_string());
    let buffered = serde_json::from_str::<doku_pay_core::RefundAmount>(&format!(
        r#"{{"amount": {json}, "type": "partial"}}"#
    ))
    .map_err(|e| e.to_string())
    .map(|r| match r {
        doku_pay_core::RefundAmount::Partial(a) => a,
        doku_pay_core::RefundAmount::Full => panic!("{json}: read as full"),
    });
    [
        ("from text", text.map(Amount::rupiah)),
        ("from a Value", value.map(Amount::rupiah)),
        ("buffered", buffered.map(Amount::rupiah)),
    ]
}

#[test]
fn amount_serialises_as_integer_and_checks_arithmetic() {
    let a = Amount::new(30_000).unwrap();
    assert_eq!(serde_json::to_string(&a).unwrap(), "30000");
    assert_eq!(a.checked_mul(3), Some(Amount::new(90_000).unwrap()));
    assert_eq!(Amount::MAX.checked_add(Amount::new(1).unwrap()), None);
    assert_eq!(Amount::MAX.checked_mul(2), None);
    assert_eq!(
        Amount::new(1_000_000_000_000),
        Err(AmountError::TooManyDigits)
    );
    // What is left to refund: never below zero.
    assert_eq!(
        a.checked_sub(Amount::new(10_000).unwrap()),
        Amount::new(20_000).ok()
    );
    assert_eq!(a.checked_sub(a), Some(Amount::ZERO));
    assert_eq!(Amount::ZERO.checked_sub(Amount::new(1).unwrap()), None);
    // Conversions: from every u32, from i64 and u64 checked, back to u64.
    assert_eq!(Amount::from(u32::MAX).rupiah(), 4_294_967_295);
    assert_eq!(Amount::try_from(-1_i64), Err(AmountError::Negative));
    assert_eq!(Amount::try_from(i64::MAX), Err(AmountError::TooManyDigits));
    assert_eq!(Amount::try_from(150_000_i64), Amount::new(150_000));
    assert_eq!(u64::from(Amount::MAX), 999_999_999_999);
}

/// Ids read from configuration are checked as their constructors check them; DOKU's
/// refusal is a standard error.
#[test]
fn ids_and_errors_behave_as_std_types() {
    let id: ClientId = serde_json::from_str(r#""MCH-0001""#).unwrap();
    assert_eq!(
        (id.as_ref(), id.to_string()),
        ("MCH-0001", "MCH-0001".to_owned())
    );
    for bad in [r#""""#, r#""MCH 0001""#, r#""MCH-\n""#] {
        let err = serde_json::from_str::<ClientId>(bad).unwrap_err();
        assert!(err.to_string().contains("Client-Id"), "{bad}: {err}");
    }
    let rid: RequestId = serde_json::from_str(r#""req-1""#).unwrap();
    assert_eq!(rid.as_ref(), "req-1");
    let doku = doku_pay_core::DokuError::from_response(
        rid,
        400,
        br#"{"error":{"code":"invalid_parameter","message":"bad amount"}}"#,
    );
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(doku.clone());
    assert_eq!(
        boxed.to_string(),
        "DOKU answered HTTP 400 to Request-Id req-1 code invalid_parameter: bad amount"
    );
    let wrapped = doku_pay_core::Error::from(doku);
    assert_eq!(wrapped.to_string(), boxed.to_string());
}

#[test]
fn timestamps() {
    assert_eq!(
        format_timestamp(datetime!(2020-09-22 08:51:00 +07:00)),
        "2020-09-22T01:51:00Z"
    );
    assert_eq!(
        format_timestamp(datetime!(2020-09-22 01:51:00.999 UTC)),
        "2020-09-22T01:51:00Z"
    );
    let cases: &[(&str, bool)] = &[
        ("2020-09-22T01:51:00Z", true),
        ("2020-09-22T01:51:00+00:00", false),
        ("2020-09-22T01:51:00.123Z", false),
        ("2020-09-22 01:51:00Z", false),
        ("2020-13-22T01:51:00Z", false),
        ("2016-12-31T23:59:60Z", true),
        ("2021-07-07T23:59:60Z", false),
        ("2016-12-31T23:58:60Z", false),
        ("", false),
    ];
    for (s, ok) in cases {
        assert_eq!(parse_timestamp(s).is_some(), *ok, "{s}");
    }
}

/// `parse_timestamp` reads DOKU's layout by position; `time`'s RFC 3339 parser restricted to
/// that layout is the reference. Every day of four years (a leap year and a century rule
/// included), edge times, and every single-character change of a valid stamp must agree.
#[test]
fn timestamps_agree_with_rfc3339() {
    use time::format_description::well_known::Rfc3339;
    fn reference(s: &str) -> Option<time::OffsetDateTime> {
        let b = s.as_bytes();
        if b.len() != 20 || b[19] != b'Z' || b[10] != b'T' {
            return None;
        }
        time::OffsetDateTime::parse(s, &Rfc3339).ok()
    }
    let mut stamps = vec![];
    for year in [0, 1900, 2000, 2023, 2024, 9999] {
        for month in 0..=13 {
            for day in [0, 1, 28, 29, 30, 31, 32] {
                stamps.push(format!("{year:04}-{month:02}-{day:02}T00:00:00Z"));
            }
        }
    }
    for (h, m, sec) in [
        (0, 0, 0),
        (23, 59, 59),
        (23, 59, 60),
        (12, 30, 60),
        (24, 0, 0),
        (0, 60, 0),
        (99, 99, 99),
    ] {
        // A leap second only on a month's last day, as `time` reads RFC 3339.
        for date in [
            "2024-12-31",
            "2021-07-07",
            "2024-02-29",
            "2024-02-28",
            "2023-02-28",
            "2016-06-30",
        ] {
            stamps.push(format!("{date}T{h:02}:{m:02}:{sec:02}Z"));
        }
    }
    let base = "2021-07-07T09:00:00Z";
    for at in 0..base.len() {
        for c in ['0', '5', '9', 'T', 'Z', 't', 'z', '-', ':', ' ', '+', 'a'] {
            let mut s = base.to_owned();
            s.replace_range(at..=at, &c.to_string());
            stamps.push(s);
        }
    }
    let mut accepted = 0;
    for s in &stamps {
        let ours = parse_timestamp(s);
        assert_eq!(ours, reference(s), "{s}");
        accepted += usize::from(ours.is_some());
    }
    assert!(
        accepted > 100 && accepted < stamps.len() / 2,
        "{accepted} of {}",
        stamps.len()
    );
}

#[test]
fn doku_body_dates() {
    let cases: &[(&str, Option<time::OffsetDateTime>)] = &[
        (
            "2020-08-11T08:50:02Z",
            Some(datetime!(2020-08-11 08:50:02 UTC)),
        ),
        ("20200811155002", Some(datetime!(2020-08-11 08:50:02 UTC))),
        (
            "2021-12-27T05:47:39+07:00",
            Some(datetime!(2021-12-26 22:47:39 UTC)),
        ),
        ("20201311155002", None),
        ("2020081115500", None),
        ("yesterday", None),
    ];
    for (s, expected) in cases {
        assert_eq!(parse_doku_datetime(s), *expected, "{s}");
    }
}

#[test]
fn environments() {
    let cases: &[(&str, Result<&str, &str>)] = &[
        ("sandbox", Ok("https://api-sandbox.doku.com")),
        ("production", Ok("https://api.doku.com")),
        ("http://127.0.0.1:7070", Ok("http://127.0.0.1:7070")),
        ("http://127.0.0.1:7070/", Ok("http://127.0.0.1:7070")),
        (
            "https://proxy.example/doku/",
            Ok("https://proxy.example/doku"),
        ),
        ("ftp://x", Err("must be http")),
        ("127.0.0.1:7070", Err("relative URL")),
        ("http://x/?a=b", Err("query")),
        (
            "http://user:pass@127.0.0.1:7070",
            Err("user name or password"),
        ),
        ("not a url", Err("environment URL")),
        // A password is never quoted back, whichever rule the URL breaks.
        ("ftp://user:s3cret@x", Err("`ftp://***@x` must be http")),
        (
            "http://user:s3cret@x/?a=b",
            Err("must not carry a user name or password"),
        ),
        (
            "http://user:s3cret@[::1",
            Err("`http://***@[::1`: invalid IPv6"),
        ),
    ];
    for (s, expected) in cases {
        match (s.parse::<Environment>(), expected) {
            (Ok(env), Ok(url)) => assert_eq!(env.base_url(), *url, "{s}"),
            (Err(e), Err(msg)) => {
                assert!(e.to_string().contains(msg), "{s}: {e}");
                assert!(!e.to_string().contains("s3cret"), "{s}: {e}");
            }
            (got, exp) => panic!("{s}: got {got:?}, expected {exp:?}"),
        }
        // `Environment::Custom` built by hand, without `Environment::custom`'s checks: a
        // client refuses it, or uses it normalised, exactly as if it had been parsed.
        if matches!(*s, "sandbox" | "production") {
            continue;
        }
        let credentials = Credentials {
            environment: Environment::Custom((*s).to_owned()),
            ..Credentials::new("MCH-1", "SK-1", Environment::Sandbox).unwrap()
        };
        match (Api::new(credentials), expected) {
            (Ok(api), Ok(url)) => assert_eq!(api.base_url(), *url, "Custom({s})"),
            (Err(e), Err(msg)) => {
                assert!(e.to_string().contains(msg), "Custom({s}): {e}");
                assert!(!e.to_string().contains("s3cret"), "Custom({s}): {e}");
            }
            (got, exp) => panic!("Custom({s}): got {got:?}, expected {exp:?}"),
        }
    }
    assert_eq!(
        Environment::default(),
        Environment::Sandbox,
        "production is never the default"
    );
    // Every transport setting has a builder method: no struct literal needed.
    let api = Api::builder(Credentials::new("MCH-1", "SK-1", Environment::Sandbox).unwrap())
        .timeout(std::time::Duration::from_secs(90))
        .connect_timeout(std::time::Duration::from_secs(3))
        .max_response_bytes(1 << 20)
        .verify_response_signature(false)
        .retry(doku_pay_core::RetryPolicy::NONE)
        .build()
        .unwrap();
    let want = doku_pay_core::TransportConfig {
        timeout: std::time::Duration::from_secs(90),
        connect_timeout: std::time::Duration::from_secs(3),
        max_response_bytes: 1 << 20,
        verify_response_signature: false,
        retry: doku_pay_core::RetryPolicy::NONE,
    };
    assert_eq!(api.config(), &want);
}

#[test]
fn secrets_never_print() {
    let c = Credentials::new("MCH-0001", "SK-VERY-SECRET-VALUE", Environment::Sandbox).unwrap();
    for text in [
        format!("{c:?}"),
        format!("{c}"),
        format!("{:?}", c.secret_key),
        c.secret_key.to_string(),
    ] {
        assert!(!text.contains("VERY-SECRET"), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }
    let api = doku_pay_core::Api::new(c).unwrap();
    assert!(!format!("{api:?}").contains("VERY-SECRET"));
}

#[test]
fn credential_and_request_id_rules() {
    let bad_client_ids = ["", "MCH 0001", "MCH\n0001", &"x".repeat(129)];
    for id in bad_client_ids {
        assert!(
            Credentials::new(id, "sk", Environment::Sandbox).is_err(),
            "{id:?}"
        );
    }
    assert!(Credentials::new("MCH-1", "", Environment::Sandbox).is_err());
    let cases: &[(&str, bool)] = &[
        ("d895fb53-479c-4f77-a76a-ab81b40d77cb", true),
        (&"a".repeat(128), true),
        (&"a".repeat(129), false),
        ("", false),
        ("has space", false),
        ("new\nline", false),
    ];
    for (id, ok) in cases {
        assert_eq!(RequestId::new(*id).is_ok(), *ok, "{id:?}");
        assert_eq!(
            serde_json::from_value::<RequestId>(serde_json::json!(id)).is_ok(),
            *ok
        );
    }
    assert_eq!(RequestId::new_v4().as_str().len(), 36);
}

#[test]
fn statuses_round_trip() {
    // Wire value, parsed, serialised, final in DOKU's status table.
    let cases: &[(&str, PaymentStatus, &str, bool)] = &[
        ("PENDING", PaymentStatus::Pending, "PENDING", false),
        ("SUCCESS", PaymentStatus::Success, "SUCCESS", true),
        // DOKU: FAILED is not final ("generate new payment request").
        ("FAILED", PaymentStatus::Failed, "FAILED", false),
        ("EXPIRED", PaymentStatus::Expired, "EXPIRED", true),
        ("REFUNDED", PaymentStatus::Refunded, "REFUNDED", true),
        ("TIMEOUT", PaymentStatus::Timeout, "TIMEOUT", false),
        ("REDIRECT", PaymentStatus::Redirect, "REDIRECT", false),
        ("CANCELLED", PaymentStatus::Cancelled, "CANCELLED", true),
        ("CANCELED", PaymentStatus::Cancelled, "CANCELLED", true),
        // Case-insensitive, as DOKU's own plugins compare.
        ("success", PaymentStatus::Success, "SUCCESS", true),
        ("Pending", PaymentStatus::Pending, "PENDING", false),
        ("failed", PaymentStatus::Failed, "FAILED", false),
        ("Canceled", PaymentStatus::Cancelled, "CANCELLED", true),
        // Surrounding whitespace ignored: a padded SUCCESS must never read as unknown (a
        // handler ignoring unknown statuses would acknowledge a paid order as nothing).
        (" SUCCESS", PaymentStatus::Success, "SUCCESS", true),
        ("SUCCESS\n", PaymentStatus::Success, "SUCCESS", true),
        ("\tpending ", PaymentStatus::Pending, "PENDING", false),
        // Unknown values are kept as sent, padding included.
        (
            " ON HOLD ",
            PaymentStatus::Unknown(" ON HOLD ".into()),
            " ON HOLD ",
            false,
        ),
        (
            "SOMETHING_NEW",
            PaymentStatus::Unknown("SOMETHING_NEW".into()),
            "SOMETHING_NEW",
            false,
        ),
        ("", PaymentStatus::Unknown(String::new()), "", false),
    ];
    for (wire, status, out, is_final) in cases {
        let parsed: PaymentStatus = serde_json::from_value(serde_json::json!(wire)).unwrap();
        assert_eq!(&parsed, status, "{wire}");
        assert_eq!(wire.parse::<PaymentStatus>().as_ref(), Ok(status), "{wire}");
        assert_eq!(parsed.is_final(), *is_final, "{wire}");
        assert_eq!(
            serde_json::to_value(&parsed).unwrap(),
            serde_json::json!(out)
        );
    }
    let ops: &[(&str, OperationStatus)] = &[
        ("SUCCESS", OperationStatus::Success),
        ("success", OperationStatus::Success),
        ("Failed", OperationStatus::Failed),
        (" SUCCESS\n", OperationStatus::Success),
        ("DONE", OperationStatus::Unknown("DONE".into())),
        (" Odd", OperationStatus::Unknown(" Odd".into())),
    ];
    for (wire, status) in ops {
        assert_eq!(&OperationStatus::from_doku(wire), status, "{wire}");
        let parsed: OperationStatus = serde_json::from_value(serde_json::json!(wire)).unwrap();
        assert_eq!(&parsed, status, "{wire}");
        assert_eq!(
            wire.parse::<OperationStatus>().as_ref(),
            Ok(status),
            "{wire}"
        );
    }
}

#[test]
fn redirect_methods_in_json() {
    // A redirect's method as JSON: read (trimmed, upper-cased), the method, written back.
    let cases: &[(&str, Result<Method, &str>, &str)] = &[
        ("POST", Ok(Method::POST), "POST"),
        ("GET", Ok(Method::GET), "GET"),
        ("post", Ok(Method::POST), "POST"),
        (" get ", Ok(Method::GET), "GET"),
        ("G E T", Err("`G E T` is not an HTTP method"), ""),
        ("", Err("`` is not an HTTP method"), ""),
    ];
    for (wire, want, out) in cases {
        let json =
            serde_json::json!({"type": "redirect", "method": wire, "url": "https://x.example/"});
        let got = serde_json::from_value::<NextAction>(json);
        match (got, want) {
            (Ok(next), Ok(method)) => {
                let NextAction::Redirect { method: m, .. } = &next else {
                    panic!("{wire:?}: {next:?} is not a redirect");
                };
                assert_eq!(m, method, "{wire:?}");
                assert_eq!(
                    serde_json::to_value(&next).unwrap()["method"],
                    serde_json::json!(out),
                    "{wire:?}"
                );
            }
            (Err(e), Err(message)) => assert!(e.to_string().contains(message), "{wire:?}: {e}"),
            (got, want) => panic!("{wire:?}: got {got:?}, want {want:?}"),
        }
    }
}
