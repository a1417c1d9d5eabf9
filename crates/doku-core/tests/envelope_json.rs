//! `Envelope::from_json` (the single-pass reader notifications use) against serde_json, the
//! definition of what an envelope means: a table of edge cases, then generated documents and
//! mutations of every notification body in the shared vectors. For any text whose top level is
//! an object, both must give the same envelope or both must refuse it.

use doku_core::notification::Envelope;

/// The single helper: compares the reader with serde_json on `text`, through both entry
/// points.
fn agree(text: &str) -> Result<Envelope, String> {
    let ours = Envelope::from_json(text);
    assert_eq!(
        ours,
        Envelope::from_json_bytes(text.as_bytes()),
        "text and bytes differ: {text:?}"
    );
    let object = text
        .trim_start_matches([' ', '\n', '\t', '\r'])
        .starts_with('{');
    if !object {
        assert!(
            ours.is_err(),
            "top level is not an object, accepted: {text:?}"
        );
        return ours;
    }
    let theirs = serde_json::from_str::<Envelope>(text);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "different envelopes for {text:?}"),
        (Err(_), Err(_)) => {}
        (Ok(a), Err(e)) => panic!("reader accepted what serde refuses ({e}): {text:?} -> {a:?}"),
        (Err(e), Ok(b)) => panic!("reader refused what serde accepts ({e}): {text:?} -> {b:?}"),
    }
    ours
}

/// Edge cases, each with the expected outcome: `Ok` with the channel id it should read (or
/// "" for none), or `Err` with a fragment of the message.
const TABLE: &[(&str, Result<&str, &str>)] = &[
    // Shapes that are read directly.
    (r#"{}"#, Ok("")),
    (" \n\t\r{ } \n", Ok("")),
    (
        r#"{"channel":{"id":"PEER_TO_PEER_AKULAKU"}}"#,
        Ok("PEER_TO_PEER_AKULAKU"),
    ),
    (r#"{"channel":null}"#, Ok("")),
    (r#"{"channel":{"id":null}}"#, Ok("")),
    (r#"{"channel":{}}"#, Ok("")),
    (
        r#"{"channel":{"id":"A","other":[1,2,{"id":"B"}]}}"#,
        Ok("A"),
    ),
    (
        r#"{"extra":{"channel":{"id":"NOT-ME"}},"channel":{"id":"ME"}}"#,
        Ok("ME"),
    ),
    (r#"{"channel":{"id":"日本 éè"}}"#, Ok("日本 éè")),
    (r#"{"channel":{"id":""}}"#, Ok("")),
    (r#"{"order":{"amount":0}}"#, Ok("")),
    (r#"{"order":{"amount":999999999999}}"#, Ok("")),
    (
        r#"{"n":[-0,-0.5e-3,1E+2,0.0,true,false,null,"\u00e9\n\"\\\/\b\f\r\t"],"channel":{"id":"Y"}}"#,
        Ok("Y"),
    ),
    // Shapes handed to serde_json.
    (r#"{"channel":{"id":"A\u0042"}}"#, Ok("AB")),
    (r#"{"chan\u006eel":{"id":"Z"}}"#, Ok("Z")),
    (r#"{"channel":{"\u0069d":"Z"}}"#, Ok("Z")),
    (r#"{"channel":["FROM-A-SEQUENCE"]}"#, Ok("FROM-A-SEQUENCE")),
    (r#"{"order":{"amount":"90000.00"}}"#, Ok("")),
    (r#"{"order":{"amount":90000.0}}"#, Ok("")),
    (r#"{"order":{"amount":9e4}}"#, Ok("")),
    // Refused, with the field named where there is one.
    (r#"{"order":{"amount":-1}}"#, Err("`order.amount`")),
    (
        r#"{"order":{"amount":1000000000000}}"#,
        Err("`order.amount`"),
    ),
    (r#"{"order":{"amount":90000.5}}"#, Err("`order.amount`")),
    (r#"{"order":{"amount":true}}"#, Err("`order.amount`")),
    (r#"{"order":{"amount":012}}"#, Err("leading zero")),
    (r#"{"channel":{"id":5}}"#, Err("`channel.id`")),
    (r#"{"channel":"PEER_TO_PEER_AKULAKU"}"#, Err("`channel`")),
    (
        r#"{"channel":{"id":"A"},"channel":{"id":"B"}}"#,
        Err("duplicate field `channel`"),
    ),
    (
        r#"{"channel":null,"channel":null}"#,
        Err("duplicate field `channel`"),
    ),
    (
        r#"{"order":{"amount":1,"amount":2}}"#,
        Err("duplicate field `amount`"),
    ),
    (r#"{"channel":{"id":"\ud800"}}"#, Err("`channel.id`")),
    (r#"{"\ud800":1}"#, Err("hex escape")),
    (r#"{"x":"\ud800"}"#, Ok("")),
    (r#"{"x":"\u12G4"}"#, Err("invalid escape")),
    (r#"{"x":"\a"}"#, Err("invalid escape")),
    ("{\"x\":\"tab\there\"}", Err("control character")),
    (r#"{"x":1,}"#, Err("key must be a string")),
    (r#"{"x":[1,]}"#, Err("expected a value")),
    (r#"{"x":[1 2]}"#, Err("expected `,` or `]`")),
    (r#"{"x":{"a" 1}}"#, Err("expected `:`")),
    (r#"{"x":{1:2}}"#, Err("key must be a string")),
    (r#"{"x":tru}"#, Err("expected a value")),
    (r#"{"x":-}"#, Err("invalid number")),
    (r#"{"x":1.}"#, Err("no digit after")),
    (r#"{"x":1e}"#, Err("no digit in the exponent")),
    (r#"{"x":"open"#, Err("unexpected end")),
    (r#"{"x":[{"#, Err("unexpected end")),
    (r#"{"channel":{"id":"A"}"#, Err("unexpected end")),
    (r#"{} {}"#, Err("trailing characters")),
    (r#"{}x"#, Err("trailing characters")),
    ("", Err("expected `{`")),
    ("[]", Err("expected `{`")),
    ("null", Err("expected `{`")),
];

/// Ignored values may nest deeper than the reader keeps inline (128 levels), and deeper than
/// serde's recursion limit for the structs it reads (it skips ignored values iteratively).
#[test]
fn deep_nesting_in_ignored_values() {
    for depth in [1, 127, 128, 129, 300, 20_000] {
        for (open, close) in [("[", "]"), (r#"{"k":"#, "}")] {
            let text = format!(
                r#"{{"deep":{}null{},"channel":{{"id":"X"}}}}"#,
                open.repeat(depth),
                close.repeat(depth)
            );
            let env = agree(&text).unwrap_or_else(|e| panic!("depth {depth}: {e}"));
            assert_eq!(env.channel.unwrap().id.as_deref(), Some("X"));
            // One bracket short or one too many is refused at every depth.
            agree(&text.replacen(close, "", 1)).unwrap_err();
            agree(&text.replacen(close, &format!("{close}{close}"), 1)).unwrap_err();
        }
    }
}

#[test]
fn table_of_edge_cases() {
    for (text, expect) in TABLE {
        let got = agree(text);
        match (expect, &got) {
            (Ok(channel), Ok(env)) => {
                let id = env.channel.as_ref().and_then(|c| c.id.as_deref());
                assert_eq!(id.unwrap_or(""), *channel, "{text:?}");
            }
            (Err(fragment), Err(message)) => {
                assert!(
                    message.contains(fragment),
                    "{text:?}: {message:?} lacks {fragment:?}"
                );
            }
            _ => panic!("{text:?}: expected {expect:?}, got {got:?}"),
        }
    }
}

/// xorshift64*: deterministic, so a failure names a reproducible case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const KEYS: &[&str] = &[
    "service",
    "acquirer",
    "channel",
    "order",
    "transaction",
    "id",
    "invoice_number",
    "amount",
    "status",
    "date",
    "original_request_id",
    "customer",
    "x",
    "",
    "s\\u0065rvice",
    "\\u0069d",
    "amo\\u0075nt",
    "\\ud800",
    "\\ud83d\\ude00",
];

const SCALARS: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-0",
    "90000",
    "999999999999",
    "1000000000000",
    "18446744073709551616",
    "90000.0",
    "90000.5",
    "9e4",
    "1E+2",
    "-1",
    "1e400",
    "-0.0",
    "\"\"",
    "\"SUCCESS\"",
    "\"90000.00\"",
    "\"90000.5\"",
    "\"abc\"",
    "\"日本 éè\"",
    "\"a\\nb\"",
    "\"\\u00e9\"",
    "\"\\ud800\"",
    "\"\\ud83d\\ude00\"",
    "\"\\\"\\\\\\/\\b\\f\\r\\t\"",
];

const SPACE: &[&str] = &["", "", "", " ", "\n  ", "\t", "\r\n"];

fn value(rng: &mut Rng, depth: usize, out: &mut String) {
    let kind = if depth > 5 { 0 } else { rng.below(6) };
    match kind {
        0..=2 => out.push_str(rng.pick(SCALARS)),
        3 => {
            out.push('[');
            for i in 0..rng.below(4) {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(rng.pick(SPACE));
                value(rng, depth + 1, out);
            }
            out.push(']');
        }
        _ => object(rng, depth + 1, out),
    }
}

fn object(rng: &mut Rng, depth: usize, out: &mut String) {
    out.push('{');
    for i in 0..rng.below(6) {
        if i > 0 {
            out.push(',');
        }
        out.push_str(rng.pick(SPACE));
        out.push('"');
        out.push_str(rng.pick(KEYS));
        out.push('"');
        out.push_str(rng.pick(SPACE));
        out.push(':');
        out.push_str(rng.pick(SPACE));
        value(rng, depth, out);
    }
    out.push_str(rng.pick(SPACE));
    out.push('}');
}

#[test]
fn generated_documents_agree() {
    let mut rng = Rng(0x5eed_0001);
    let mut accepted = 0;
    for _ in 0..20_000 {
        let mut text = String::new();
        object(&mut rng, 0, &mut text);
        if agree(&text).is_ok() {
            accepted += 1;
        }
    }
    // Both outcomes must be well represented, or the comparison proves little.
    assert!(accepted > 2_000, "only {accepted} accepted");
    assert!(accepted < 18_000, "{accepted} accepted");
}

fn vector_bodies() -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/signature.json")).unwrap();
    v["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["body"].as_str())
        .filter(|b| b.trim_start().starts_with('{'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn mutated_vector_bodies_agree() {
    const INSERTS: &[&str] = &[
        "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "0", "-", ".", "e", " ", "\n", "\t", "n",
        "é", "\u{1}",
    ];
    let bodies = vector_bodies();
    assert!(bodies.len() >= 2, "the vectors hold notification bodies");
    let mut rng = Rng(0x5eed_0002);
    let (mut accepted, mut total) = (0, 0);
    for body in &bodies {
        assert!(agree(body).is_ok(), "vector body must read: {body}");
        for _ in 0..5_000 {
            let mut chars: Vec<char> = body.chars().collect();
            for _ in 0..=rng.below(2) {
                let at = rng.below(chars.len() + 1);
                match rng.below(3) {
                    0 if at < chars.len() => {
                        chars.remove(at);
                    }
                    1 if at < chars.len() => {
                        chars[at] = rng.pick(INSERTS).chars().next().unwrap_or(' ');
                    }
                    _ => {
                        for (k, c) in rng.pick(INSERTS).chars().enumerate() {
                            chars.insert(at + k, c);
                        }
                    }
                }
            }
            let text: String = chars.into_iter().collect();
            total += 1;
            if agree(&text).is_ok() {
                accepted += 1;
            }
        }
    }
    assert!(accepted > total / 20, "only {accepted} of {total} accepted");
}

/// Bytes that are not UTF-8: `from_json_bytes` must refuse exactly what checking UTF-8 first
/// and then reading the text refuses, wherever the bad bytes land.
#[test]
fn invalid_utf8_is_refused_wherever_it_lands() {
    const BAD: &[&[u8]] = &[
        b"\xff",
        b"\x80",
        b"\xc0\xaf",         // overlong '/'
        b"\xc3",             // truncated 2-byte sequence
        b"\xe6\x97",         // truncated 3-byte sequence
        b"\xed\xa0\x80",     // UTF-16 surrogate
        b"\xf4\x90\x80\x80", // above U+10FFFF
        b"\xf8\x88\x80\x80\x80",
        "é".as_bytes(), // valid, for contrast
        "日本".as_bytes(),
    ];
    fn reference(bytes: &[u8]) -> Option<Envelope> {
        serde_json::from_str(std::str::from_utf8(bytes).ok()?).ok()
    }
    let mut rng = Rng(0x5eed_0003);
    let (mut refused, mut total) = (0, 0);
    for body in vector_bodies() {
        let body = body.into_bytes();
        for _ in 0..3_000 {
            let mut bytes = body.clone();
            let at = rng.below(bytes.len() + 1);
            let bad = BAD[rng.below(BAD.len())];
            if rng.below(2) == 0 || at == bytes.len() {
                bytes.splice(at..at, bad.iter().copied());
            } else {
                let end = (at + bad.len()).min(bytes.len());
                bytes.splice(at..end, bad.iter().copied());
            }
            let ours = Envelope::from_json_bytes(&bytes).ok();
            assert_eq!(
                ours,
                reference(&bytes),
                "{:?}",
                String::from_utf8_lossy(&bytes)
            );
            total += 1;
            refused += usize::from(ours.is_none());
        }
    }
    // Inserts of valid text inside strings are accepted; everything else is refused.
    assert!(
        refused > total / 2 && refused < total,
        "{refused} of {total} refused"
    );
}
