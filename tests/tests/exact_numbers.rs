//! Numbers a merchant passes through leave as written: a unified request's `additional_info`
//! values go into the signed wire body with their exact value and digits (serde_json's
//! `arbitrary_precision`, on for the workspace), never rounded through a float.

use doku_pay_core::validate::decode_json;
use doku_pay_core::{ClientId, Merchant, PaymentChannel, PaymentRequest, SecretKey};
use doku_pay_linkaja::LinkAja;

/// The unified request `additional_info.x = <written>` through LinkAja's `to_wire` and its
/// `create` call: the JSON text of `x` in the serialised wire body and in the call's body.
fn sent_as(written: &str) -> (String, String) {
    let request = format!(
        r#"{{"invoice_number": "INV-EXACT-1", "amount": 150000,
            "line_items": [{{"name": "Roti", "price": 50000, "quantity": 3}}],
            "callback_url": "https://merchant.example/return",
            "customer": {{"name": "Jessica", "phone": "081112345678"}},
            "additional_info": {{"x": {written}}}}}"#
    );
    let req: PaymentRequest = decode_json(request.as_bytes()).unwrap();
    let wire = serde_json::to_string(&LinkAja::to_wire(&req).unwrap()).unwrap();
    let merchant = Merchant::new(
        ClientId::new("MCH-0001-10791114622547").unwrap(),
        SecretKey::new("SK-TESTVECTOR-0001").unwrap(),
    );
    let call = LinkAja.create(&req, &merchant).unwrap();
    let body = String::from_utf8(call.body().to_vec()).unwrap();
    (field_text(&wire), field_text(&body))
}

/// The text after `"x":` up to the end of its value (the value is a scalar or an array of
/// scalars in this table).
fn field_text(body: &str) -> String {
    let start = body
        .find(r#""x":"#)
        .unwrap_or_else(|| panic!("no x in {body}"))
        + 4;
    let rest = &body[start..];
    let end = if rest.starts_with('[') {
        rest.find(']').unwrap() + 1
    } else {
        rest.find([',', '}']).unwrap()
    };
    rest[..end].to_owned()
}

#[test]
fn additional_info_numbers_leave_exactly_as_written() {
    let cases: &[(&str, &str)] = &[
        // (as written, as sent)
        (
            "123456789012345678901234567890",
            "123456789012345678901234567890",
        ),
        (
            "-123456789012345678901234567890",
            "-123456789012345678901234567890",
        ),
        ("18446744073709551616", "18446744073709551616"),
        ("18446744073709551615", "18446744073709551615"),
        ("-9223372036854775808", "-9223372036854775808"),
        (
            "0.1000000000000000055511151231257827",
            "0.1000000000000000055511151231257827",
        ),
        ("0.99999999999999999", "0.99999999999999999"),
        ("1.10", "1.10"),
        ("100000.000", "100000.000"),
        ("-0", "-0"),
        ("2.5e-3", "2.5e-3"),
        (
            "[1.50,7777771005.000000000000000000]",
            "[1.50,7777771005.000000000000000000]",
        ),
        // The one respelling: serde_json writes an exponent as `e` with its sign (the same
        // value, digit for digit).
        ("1E400", "1e+400"),
        ("6.02e23", "6.02e+23"),
    ];
    for (written, expected) in cases {
        let (wire, body) = sent_as(written);
        assert_eq!(wire, *expected, "to_wire, {written}");
        assert_eq!(body, *expected, "the create call's body, {written}");
    }
}
