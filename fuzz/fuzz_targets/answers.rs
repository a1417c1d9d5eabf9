//! Every registered channel's answer readers (create, and cancel and refund where the channel
//! offers them) on an arbitrary HTTP status and body, as the transport hands them over: a 2xx
//! or a 409 goes to the call's reader, any other status to `DokuError::from_response`.
//!
//! The requests are each channel's simulator samples, built once; the first bytes pick the
//! channel, the operation and the status, the rest is the body. Never a panic; an answer read
//! as a result is JSON and carries what the reader promises: the request's invoice number and
//! amount (a payment), every echoed field equal to what the request sent there, the fields
//! the channel requires and a status, a redirect only for a payment still open, the raw body;
//! an answer that is not JSON is undecodable (DOKU's refusal for a 409), and every error keeps
//! the body as received.
#![no_main]

use std::sync::OnceLock;

use bytes::Bytes;
use doku_pay_core::answer::{self, CreateAnswer, OperationAnswer};
use doku_pay_core::lenient;
use doku_pay_core::{
    Amount, CancelRequest, Cancellation, ClientId, DokuError, Error, Merchant, NextAction,
    Notification, Operation, PaymentChannel, PaymentRequest, PaymentStatus, Refund, RefundRequest,
    Registry, RequestId, SecretKey, Sent,
};
use doku_pay_sim::{OrderStatus, OrderView, SimChannel, SimRequest};
use http::HeaderMap;
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

const CLIENT: &str = "MCH-0001-10791114622547";
const SECRET: &str = "SK-TESTVECTOR-0001";

/// The statuses an answer comes with: mostly what reaches a reader, some that do not.
const STATUSES: [u16; 12] = [200, 200, 201, 202, 409, 409, 400, 401, 404, 422, 500, 503];

/// One channel: its requests (from its simulator samples) and how it reads answers.
struct Channel {
    channel: &'static dyn PaymentChannel,
    create: (PaymentRequest, &'static CreateAnswer),
    cancel: Option<(CancelRequest, &'static OperationAnswer)>,
    refund: Option<(RefundRequest, &'static OperationAnswer)>,
}

fn merchant() -> Merchant {
    Merchant::new(
        ClientId::new(CLIENT).unwrap(),
        SecretKey::new(SECRET).unwrap(),
    )
}

/// Every registered channel with its sample requests: the create from its samples, and the
/// cancel and refund of the payment the client read from the simulator's answer to it (so
/// they carry the references and identifiers a real payment has).
fn channels() -> &'static [Channel] {
    static CHANNELS: OnceLock<Vec<Channel>> = OnceLock::new();
    CHANNELS.get_or_init(|| {
        let registry = Registry::global();
        let mut plugins = doku_pay_sim::registered();
        plugins.sort_by_key(|p| p.descriptor().id);
        let ids: Vec<&str> = plugins.iter().map(|p| p.descriptor().id).collect();
        assert_eq!(
            registry.ids(),
            ids,
            "every channel has its simulator plugin"
        );
        assert_eq!(ids.len(), doku_pay::linked_channels().len(), "{ids:?}");
        plugins.iter().map(|p| sample(registry, &**p)).collect()
    })
}

fn sample(registry: &'static Registry, plugin: &dyn SimChannel) -> Channel {
    let descriptor = plugin.descriptor();
    let id = descriptor.id;
    let channel = registry.get(id).unwrap();
    let samples = plugin.samples().expect("every channel has samples");
    // How the channel reads its answers: the promises this target checks a result against.
    let wire = channel
        .wire_models()
        .unwrap_or_else(|| panic!("channel `{id}` states no wire tables"));
    let create_answer = wire.create.answer;
    let cancel_answer = wire.cancel.map(|w| w.answer);
    let refund_answer = wire.refund.map(|w| w.answer);
    assert_eq!(
        descriptor.supports(Operation::Cancel),
        cancel_answer.is_some()
    );
    assert_eq!(
        descriptor.supports(Operation::Refund),
        refund_answer.is_some()
    );
    let merchant = merchant();
    let req = samples.payment_request("INV-FUZZ-0001");
    let call = channel
        .create(&req, &merchant)
        .expect("the sample is valid");
    let headers = HeaderMap::new();
    let path = call.endpoint().path;
    let order = plugin
        .decode_create(&SimRequest::new(call.body(), &headers, &merchant, path))
        .expect("the simulator takes the sample");
    let view = OrderView {
        client_id: CLIENT,
        invoice_number: &order.invoice_number,
        amount: order.amount,
        status: match order.synchronous {
            Some(_) => OrderStatus::Paid,
            None => OrderStatus::Pending,
        },
        request_id: call.request_id().as_str(),
        merchant_reference: order.merchant_reference.as_deref(),
        refund_reference: Some("REF-FUZZ-0001"),
        order_id: 1,
        created_at: OffsetDateTime::UNIX_EPOCH,
        updated_at: OffsetDateTime::UNIX_EPOCH,
        base_url: "http://127.0.0.1:9",
    };
    let answer = serde_json::to_vec(&plugin.create_response(&view)).unwrap();
    let objects = Value::Object(plugin.channel_objects(&view));
    let rid = call.request_id().clone();
    let payment = call
        .read(Sent::answer(rid, 200, answer))
        .expect("the client reads the simulator's answer");
    let identifiers = channel
        .notification_identifiers()
        .iter()
        .find_map(|p| answer::at(&objects, p))
        .map(|v| lenient::name_values_from(v, ""))
        .unwrap_or_default();
    let notification: Notification = serde_json::from_value(json!({
        "channel": id, "channel_code": descriptor.channel_code, "client_id": CLIENT,
        "request_id": "fuzz-notification", "invoice_number": payment.invoice_number,
        "amount": payment.amount, "status": "SUCCESS", "identifiers": identifiers, "raw": {}
    }))
    .unwrap();
    let cancel = cancel_answer.map(|a| {
        let req = samples.cancel_request(&payment).expect("a cancel sample");
        (req, a)
    });
    let refund = refund_answer.map(|a| {
        let req = samples
            .refund_request(&payment, &notification, "REF-FUZZ-0001")
            .expect("a refund sample");
        (req, a)
    });
    Channel {
        channel,
        create: (req, create_answer),
        cancel,
        refund,
    }
}

/// Every echoed field the answer carries equals what the request sent there: as an amount
/// where the request sent a number, as text otherwise.
fn assert_echoes(answer: &Value, request: &Value, echoes: &[&str]) {
    for path in echoes {
        let (Some(asked), Some(answered)) = (answer::at(request, path), answer::text(answer, path))
        else {
            continue;
        };
        if asked.is_number() {
            let asked = Amount::deserialize(asked).ok();
            assert_eq!(answer::amount(answer, path), asked, "{path}: {answered}");
        } else {
            assert_eq!(lenient::value_text(asked), Some(answered), "{path}");
        }
    }
}

/// An error keeps the answer's body as received.
fn assert_keeps_body(e: &Error, body: &[u8], status: u16) {
    let lossy = String::from_utf8_lossy(body);
    match e {
        Error::Undecodable { raw, status: s, .. } => {
            assert_eq!(raw, &lossy);
            assert_eq!(*s, status);
        }
        Error::Untrusted { raw, .. } => assert_eq!(raw, &lossy),
        Error::Doku(d) => {
            assert_eq!(d.raw, lossy);
            assert_eq!(d.status, status);
        }
        other => panic!("an answer read as {other:?}"),
    }
}

fn read_create(ch: &Channel, status: u16, body: &[u8]) {
    let (req, description) = &ch.create;
    let call = ch.channel.create(req, &merchant()).unwrap();
    let request: Value = serde_json::from_slice(call.body()).unwrap();
    let rid = call.request_id().clone();
    let parsed = serde_json::from_slice::<Value>(body).ok();
    let out = call.read(Sent::answer(
        rid.clone(),
        status,
        Bytes::copy_from_slice(body),
    ));
    let p = match out {
        Ok(p) => p,
        Err(e) => {
            assert_keeps_body(&e, body, status);
            if parsed.is_none() {
                assert!(
                    matches!(e, Error::Undecodable { .. })
                        || (status == 409 && matches!(e, Error::Doku(_))),
                    "{e:?}"
                );
            }
            return;
        }
    };
    let answer = parsed.expect("a payment read from a body that is not JSON");
    assert_eq!(p.channel, ch.channel.descriptor().id);
    assert_eq!(p.request_id, rid);
    assert_eq!(p.replayed, status == 409);
    assert_eq!(p.invoice_number, req.invoice_number);
    assert_eq!(p.amount, req.amount);
    assert_eq!(p.raw, answer);
    assert_echoes(&answer, &request, description.echoes);
    for path in description.required {
        assert!(answer::text(&answer, path).is_some(), "required {path}");
    }
    let redirect_url = description
        .redirect
        .as_ref()
        .and_then(|r| r.url.iter().find_map(|u| answer::text(&answer, u)));
    assert!(
        description
            .status
            .iter()
            .any(|s| answer::text(&answer, s).is_some())
            || (description.redirect_means_pending && redirect_url.is_some()),
        "a payment without a status"
    );
    // A create request's SUCCESS is not a paid payment.
    if description.status_of == answer::StatusOf::Request {
        assert_ne!(p.status, PaymentStatus::Success);
    }
    if let Some(NextAction::Redirect { url, .. }) = &p.next_action {
        assert!(!p.status.is_final() && p.status != PaymentStatus::Failed);
        assert_eq!(Some(url), redirect_url.as_ref());
    }
    assert_eq!(
        p.merchant_reference,
        description
            .reference
            .and_then(|r| answer::text(&request, r))
    );
}

/// What cancel and refund results have in common.
struct OperationResult<'a> {
    request_id: &'a RequestId,
    channel: &'a str,
    replayed: bool,
    invoice_number: &'a str,
    amount: Option<Amount>,
    raw: &'a Value,
}

/// A cancel or refund result, seen through what they have in common.
trait Operated {
    fn result(&self) -> OperationResult<'_>;
}

/// Both results carry the common fields under the same names.
macro_rules! operated {
    ($($result:ty),*) => {$(
        impl Operated for $result {
            fn result(&self) -> OperationResult<'_> {
                OperationResult {
                    request_id: &self.request_id,
                    channel: &self.channel,
                    replayed: self.replayed,
                    invoice_number: &self.invoice_number,
                    amount: self.amount,
                    raw: &self.raw,
                }
            }
        }
    )*};
}

operated!(Cancellation, Refund);

fn assert_operation(
    r: &OperationResult<'_>,
    ch: &Channel,
    description: &OperationAnswer,
    request: &Value,
    asked_invoice: &str,
    answer: &Value,
    status: u16,
) {
    assert_eq!(r.channel, ch.channel.descriptor().id);
    assert_eq!(r.replayed, status == 409);
    assert_eq!(r.raw, answer);
    assert!(
        description
            .status
            .iter()
            .chain(description.payment_status)
            .any(|s| answer::text(answer, s).is_some()),
        "a result without a status"
    );
    assert_echoes(answer, request, description.echoes);
    let invoice = answer::text(answer, description.invoice_number);
    assert_eq!(
        r.invoice_number,
        invoice.as_deref().unwrap_or(asked_invoice)
    );
    assert_eq!(r.amount, answer::amount(answer, description.amount));
}

/// Reads `body` (answered with `status`) through `call`, a cancel or refund of `invoice`.
/// A result is checked against the answer and the request sent, and handed back with both
/// for the operation's own checks; an error must keep the body.
fn read_operation<T: Operated>(
    call: doku_pay_core::Call<T>,
    ch: &Channel,
    description: &OperationAnswer,
    invoice: &str,
    status: u16,
    body: &[u8],
) -> Option<(T, Value, Value)> {
    let request: Value = serde_json::from_slice(call.body()).unwrap();
    let rid = call.request_id().clone();
    let parsed = serde_json::from_slice::<Value>(body).ok();
    match call.read(Sent::answer(
        rid.clone(),
        status,
        Bytes::copy_from_slice(body),
    )) {
        Ok(out) => {
            let answer = parsed.expect("a result read from a body that is not JSON");
            let r = out.result();
            assert_eq!(r.request_id, &rid);
            assert_operation(&r, ch, description, &request, invoice, &answer, status);
            Some((out, answer, request))
        }
        Err(e) => {
            assert_keeps_body(&e, body, status);
            None
        }
    }
}

fn read_cancel(ch: &Channel, status: u16, body: &[u8]) {
    if let Some((req, description)) = &ch.cancel {
        let call = ch.channel.cancel(req, &merchant()).unwrap();
        read_operation(call, ch, description, &req.invoice_number, status, body);
    }
}

fn read_refund(ch: &Channel, status: u16, body: &[u8]) {
    let Some((req, description)) = &ch.refund else {
        return;
    };
    let call = ch.channel.refund(req, &merchant()).unwrap();
    if let Some((f, answer, request)) =
        read_operation(call, ch, description, &req.invoice_number, status, body)
    {
        let reference = description
            .reference
            .and_then(|p| answer::text(&answer, p).or_else(|| answer::text(&request, p)));
        assert_eq!(
            f.refund_reference,
            Some(reference.unwrap_or_else(|| req.refund_reference.clone()))
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let [c, op, s, body @ ..] = data else {
        return;
    };
    let channels = channels();
    let ch = &channels[usize::from(*c) % channels.len()];
    let status = STATUSES[usize::from(*s) % STATUSES.len()];
    if !(200..300).contains(&status) && status != 409 {
        // What the transport makes of any other answer: DOKU's error.
        let rid = RequestId::new("fuzz-0001").unwrap();
        let e = DokuError::from_response(rid.clone(), status, body);
        assert_eq!((e.request_id, e.status), (rid, status));
        assert_eq!(e.raw, String::from_utf8_lossy(body));
        return;
    }
    // The operations the channel offers: create, then cancel, then refund.
    let offered = 1 + u8::from(ch.cancel.is_some()) + u8::from(ch.refund.is_some());
    match (op % offered, ch.cancel.is_some()) {
        (0, _) => read_create(ch, status, body),
        (1, true) => read_cancel(ch, status, body),
        _ => read_refund(ch, status, body),
    }
});
