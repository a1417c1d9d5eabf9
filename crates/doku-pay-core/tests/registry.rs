//! Registration, lookup, conflicts, and capability checks that refuse before any request.

use std::sync::atomic::{AtomicUsize, Ordering};

use doku_pay_core::channel::Endpoint;
use doku_pay_core::registry::ChannelRegistration;
use doku_pay_core::{
    Amount, Call, CancelRequest, Capabilities, ChannelDescriptor, ChannelKind, Client, Credentials,
    Environment, Error, Merchant, Operation, Payment, PaymentChannel, PaymentRequest,
    RedirectStyle, RefundAmount, RefundRequest, RefundSupport, Registry,
};

static CALLS: AtomicUsize = AtomicUsize::new(0);

const ENDPOINTS: &[Endpoint] = &[
    Endpoint::post(Operation::Create, "/t/create"),
    Endpoint::post(Operation::Cancel, "/t/cancel"),
    Endpoint::post(Operation::Refund, "/t/refund"),
];

const fn descriptor(
    id: &'static str,
    code: &'static str,
    cancel: bool,
    refund: RefundSupport,
) -> ChannelDescriptor {
    ChannelDescriptor {
        id,
        display_name: "Test",
        channel_code: code,
        service_id: "EMONEY",
        acquirer_id: "TEST",
        kind: ChannelKind::Emoney,
        capabilities: Capabilities {
            cancel,
            refund,
            redirect: RedirectStyle::Url,
            min_amount: Amount::new_const(1),
            max_amount: Amount::MAX,
        },
        mapping: &[],
        notes: &[],
        endpoints: ENDPOINTS,
    }
}

static PLAIN: ChannelDescriptor = descriptor("plain", "EMONEY_PLAIN", false, RefundSupport::None);
static FULL_ONLY: ChannelDescriptor =
    descriptor("fullonly", "EMONEY_FULLONLY", true, RefundSupport::FullOnly);
static DUP_A: ChannelDescriptor = descriptor("dup", "EMONEY_DUP_A", false, RefundSupport::None);
static DUP_B: ChannelDescriptor = descriptor("dup", "EMONEY_DUP_B", false, RefundSupport::None);
static CODE_A: ChannelDescriptor = descriptor("code-a", "EMONEY_SAME", false, RefundSupport::None);
static CODE_B: ChannelDescriptor = descriptor("code-b", "EMONEY_SAME", false, RefundSupport::None);

/// A channel that counts every call that would reach the transport.
struct Counting(&'static ChannelDescriptor);

impl PaymentChannel for Counting {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        self.0
    }
    fn validate_create(&self, _: &PaymentRequest) -> Result<(), Error> {
        Ok(())
    }
    fn create(&self, _: &PaymentRequest, _: &Merchant) -> Result<Call<Payment>, Error> {
        CALLS.fetch_add(1, Ordering::SeqCst);
        Err(Error::Config("counted".into()))
    }
    fn cancel(
        &self,
        _: &CancelRequest,
        _: &Merchant,
    ) -> Result<Call<doku_pay_core::Cancellation>, Error> {
        CALLS.fetch_add(1, Ordering::SeqCst);
        Err(Error::Config("counted".into()))
    }
    fn refund(
        &self,
        _: &RefundRequest,
        _: &Merchant,
    ) -> Result<Call<doku_pay_core::Refund>, Error> {
        CALLS.fetch_add(1, Ordering::SeqCst);
        Err(Error::Config("counted".into()))
    }
}

doku_pay_core::register_channel!(PLAIN, || Box::new(Counting(&PLAIN)));
doku_pay_core::register_channel!(FULL_ONLY, || Box::new(Counting(&FULL_ONLY)));
doku_pay_core::register_channel!(DUP_A, || Box::new(Counting(&DUP_A)));
doku_pay_core::register_channel!(DUP_B, || Box::new(Counting(&DUP_B)));

#[test]
fn global_registry_holds_exactly_the_linked_channels_and_reports_duplicates() {
    let r = Registry::global();
    assert_eq!(r.ids(), vec!["fullonly", "plain"]);
    let conflicts: Vec<String> = r.conflicts().iter().map(ToString::to_string).collect();
    assert_eq!(conflicts, vec!["id `dup` is registered 2 times"]);
    assert!(matches!(r.get("dup"), Err(Error::Config(m)) if m.contains("registered 2 times")));
    assert!(matches!(r.get("nope"), Err(Error::UnknownChannel(_))));
    assert_eq!(
        r.by_channel_code("EMONEY_PLAIN").unwrap().descriptor().id,
        "plain"
    );
}

#[test]
fn explicit_registry_reports_shared_channel_codes() {
    let regs = [
        ChannelRegistration {
            descriptor: &CODE_A,
            constructor: || Box::new(Counting(&CODE_A)),
        },
        ChannelRegistration {
            descriptor: &CODE_B,
            constructor: || Box::new(Counting(&CODE_B)),
        },
    ];
    let r = Registry::from_registrations(&regs);
    assert_eq!(r.ids(), vec!["code-a", "code-b"]);
    assert_eq!(
        r.conflicts()[0].to_string(),
        "channel_code `EMONEY_SAME` is registered 2 times"
    );
    assert!(r.by_channel_code("EMONEY_SAME").is_err());
}

#[tokio::test]
async fn a_client_takes_a_registry_the_program_built() {
    // No `'static`, no leak: an owned registry shared with the client.
    let regs = [ChannelRegistration {
        descriptor: &CODE_A,
        constructor: || Box::new(Counting(&CODE_A)),
    }];
    let registry = std::sync::Arc::new(Registry::from_registrations(&regs));
    let creds = Credentials::new(
        "MCH-1",
        "SK-1",
        Environment::custom("http://127.0.0.1:9").unwrap(),
    )
    .unwrap();
    let client = Client::new(creds).unwrap().with_registry(registry.clone());
    assert_eq!(client.registry().ids(), vec!["code-a"]);
    assert!(client.channel("code-a").is_ok());
    assert!(
        client.channel("plain").is_err(),
        "the global registry is not used"
    );
    assert_eq!(std::sync::Arc::strong_count(&registry), 2);
}

fn req() -> RefundRequest {
    RefundRequest {
        request_id: None,
        invoice_number: "INV-1".into(),
        merchant_reference: None,
        identifiers: vec![],
        refund_reference: "R-1".into(),
        amount: RefundAmount::Full,
    }
}

#[tokio::test]
async fn operations_a_channel_lacks_are_refused_without_a_request() {
    let creds = Credentials::new(
        "MCH-1",
        "SK-1",
        Environment::custom("http://127.0.0.1:9").unwrap(),
    )
    .unwrap();
    let client = Client::new(creds).unwrap();
    let cancel = CancelRequest {
        request_id: None,
        invoice_number: "INV-1".into(),
        merchant_reference: None,
        identifiers: vec![],
    };
    let zero: PaymentRequest = serde_json::from_value(serde_json::json!({
        "invoice_number": "INV-0", "amount": 0, "callback_url": "https://x.example"
    }))
    .unwrap();
    let partial = RefundRequest {
        amount: RefundAmount::Partial(doku_pay_core::Amount::new(5).unwrap()),
        ..req()
    };
    let cases: Vec<(&str, Result<(), Error>, &str)> = vec![
        (
            "plain cancel",
            client.cancel("plain", &cancel).await.map(drop),
            "not sent: channel `plain` does not support cancel",
        ),
        (
            "plain refund",
            client.refund("plain", &req()).await.map(drop),
            "not sent: channel `plain` does not support refund",
        ),
        (
            "partial refund on a full-only channel",
            client.refund("fullonly", &partial).await.map(drop),
            "not sent: channel `fullonly` does not support partial refund",
        ),
        (
            "unknown channel",
            client.refund("nope", &req()).await.map(drop),
            "not sent: no channel `nope` is registered",
        ),
        (
            "amount below the channel's minimum",
            client.create("plain", &zero).await.map(drop),
            "not sent: invalid request: amount: must be at least 1 for plain",
        ),
    ];
    for (name, got, expect) in cases {
        let err = got.unwrap_err();
        assert_eq!(err.to_string(), expect, "{name}");
        assert_eq!(err.delivery(), doku_pay_core::Delivery::NotSent, "{name}");
    }
    assert_eq!(
        CALLS.load(Ordering::SeqCst),
        0,
        "no channel method was reached"
    );
    // A supported operation does reach the channel.
    let _ = client.refund("fullonly", &req()).await;
    assert_eq!(CALLS.load(Ordering::SeqCst), 1);
}

#[test]
fn a_channel_never_maps_another_channels_notification() {
    use doku_pay_core::signature::Components;
    use doku_pay_core::{ClientId, NotificationVerifier, SecretKey};
    let body = br#"{"channel":{"id":"EMONEY_PLAIN"},"order":{"invoice_number":"I-1","amount":1000},"transaction":{"status":"SUCCESS"}}"#;
    let secret = SecretKey::new("SK-1").unwrap();
    let ts = "2021-07-07T09:00:00Z";
    let sig = Components::notification("MCH-1", "n-1", ts, "/n", body).sign(&secret);
    let mut h = http::HeaderMap::new();
    h.insert("Client-Id", "MCH-1".parse().unwrap());
    h.insert("Request-Id", "n-1".parse().unwrap());
    h.insert("Request-Timestamp", ts.parse().unwrap());
    h.insert("Signature", sig.parse().unwrap());
    let v = NotificationVerifier::new()
        .merchant(ClientId::new("MCH-1").unwrap(), secret)
        .verify(&h, "/n", body)
        .unwrap();
    let r = Registry::global();
    let cases: &[(&str, Result<&str, &str>)] = &[
        ("plain", Ok("plain")),
        (
            "fullonly",
            Err("channel.id \"EMONEY_PLAIN\" is not EMONEY_FULLONLY (fullonly)"),
        ),
    ];
    for (id, expect) in cases {
        let got = r.get(id).unwrap().parse_notification(&v);
        match (got, expect) {
            (Ok(n), Ok(channel)) => assert_eq!(n.channel.as_deref(), Some(*channel)),
            (Err(e), Err(msg)) => assert!(e.to_string().contains(msg), "{e}"),
            (got, _) => panic!("{id}: {got:?}"),
        }
    }
    assert_eq!(
        doku_pay_core::client::route_notification(r, &v)
            .unwrap()
            .channel
            .as_deref(),
        Some("plain")
    );
}

mod wire_models {
    use doku_pay_core::answer::{CreateAnswer, OperationAnswer, StatusOf};
    use doku_pay_core::rules::{FieldRule, Rules};
    use doku_pay_core::{ChannelDescriptor, RefundSupport, WireModels, WireOperation};

    static RULES: Rules = Rules {
        fields: &[FieldRule::text("order.invoice_number").required()],
        cross: &[],
    };
    static CREATE: CreateAnswer = CreateAnswer {
        what: "a test answer",
        required: &[],
        status: &["transaction.status"],
        echoes: &[],
        reference: None,
        identifiers: &[],
        scalar_name: "",
        redirect: None,
        redirect_means_pending: false,
        status_of: StatusOf::Payment,
    };
    static OPERATION: OperationAnswer = OperationAnswer {
        what: "a test operation answer",
        status: &["transaction.status"],
        payment_status: &[],
        echoes: &[],
        invoice_number: "order.invoice_number",
        amount: "order.amount",
        date: &[],
        expires_at: None,
        message: "message",
        identifiers: "identifiers",
        reference: None,
    };
    const OP: WireOperation<OperationAnswer> =
        WireOperation::new("OpRequest", &RULES, "OpResponse", &OPERATION);

    const fn models(cancel: bool, refund: bool) -> WireModels {
        WireModels {
            create: WireOperation::new("PaymentRequest", &RULES, "PaymentResponse", &CREATE),
            cancel: if cancel { Some(OP) } else { None },
            refund: if refund { Some(OP) } else { None },
        }
    }

    use super::{Endpoint, Operation};

    const CREATE_EP: Endpoint = Endpoint::post(Operation::Create, "/t/create");
    const CANCEL_EP: Endpoint = Endpoint::post(Operation::Cancel, "/t/cancel");
    const REFUND_EP: Endpoint = Endpoint::post(Operation::Refund, "/t/refund");
    static ONLY_CREATE: [Endpoint; 1] = [CREATE_EP];
    static WITH_CANCEL: [Endpoint; 2] = [CREATE_EP, CANCEL_EP];
    static WITH_REFUND: [Endpoint; 2] = [CREATE_EP, REFUND_EP];
    static ALL: [Endpoint; 3] = [CREATE_EP, CANCEL_EP, REFUND_EP];

    /// A descriptor whose capabilities offer `cancel` and `refund`, with `endpoints`.
    const fn served(
        cancel: bool,
        refund: RefundSupport,
        endpoints: &'static [Endpoint],
    ) -> ChannelDescriptor {
        ChannelDescriptor {
            endpoints,
            ..super::descriptor("t", "T", cancel, refund)
        }
    }

    static NONE: ChannelDescriptor = served(false, RefundSupport::None, &ONLY_CREATE);
    static CANCEL: ChannelDescriptor = served(true, RefundSupport::None, &WITH_CANCEL);
    static FULL: ChannelDescriptor = served(false, RefundSupport::FullOnly, &WITH_REFUND);
    static PARTIAL: ChannelDescriptor = served(true, RefundSupport::Partial, &ALL);
    static NO_ENDPOINTS: ChannelDescriptor = served(false, RefundSupport::None, &[]);
    /// Cancel in the capabilities, without its endpoint.
    static CANCEL_WITHOUT_ENDPOINT: ChannelDescriptor =
        served(true, RefundSupport::None, &ONLY_CREATE);
    /// Refund's endpoint without refund in the capabilities.
    static REFUND_ENDPOINT_NOT_OFFERED: ChannelDescriptor =
        served(false, RefundSupport::None, &WITH_REFUND);

    /// Capabilities, endpoints and tables that agree pass; an operation offered without an
    /// endpoint (or the reverse), or tables one too many or too few, is an error naming the
    /// channel and the operation.
    #[test]
    fn tables_and_endpoints_cover_exactly_the_served_operations() {
        let rows: &[(&ChannelDescriptor, bool, bool, Result<(), &str>)] = &[
            (&NONE, false, false, Ok(())),
            (&CANCEL, true, false, Ok(())),
            (&FULL, false, true, Ok(())),
            (&PARTIAL, true, true, Ok(())),
            (
                &NONE,
                true,
                false,
                Err("t: cancel is not served but its wire tables are given"),
            ),
            (
                &NONE,
                false,
                true,
                Err("t: refund is not served but its wire tables are given"),
            ),
            (
                &CANCEL,
                false,
                false,
                Err("t: cancel is served but its wire tables are missing"),
            ),
            (
                &PARTIAL,
                true,
                false,
                Err("t: refund is served but its wire tables are missing"),
            ),
            (
                &NO_ENDPOINTS,
                false,
                false,
                Err("t: the descriptor has no create endpoint"),
            ),
            (
                &CANCEL_WITHOUT_ENDPOINT,
                false,
                false,
                Err("t: cancel is offered but has no endpoint"),
            ),
            (
                &CANCEL_WITHOUT_ENDPOINT,
                true,
                false,
                Err("t: cancel is offered but has no endpoint"),
            ),
            (
                &REFUND_ENDPOINT_NOT_OFFERED,
                false,
                true,
                Err("t: refund has an endpoint but the capabilities do not offer it"),
            ),
        ];
        for (i, (descriptor, cancel, refund, expected)) in rows.iter().enumerate() {
            let got = models(*cancel, *refund).check_against(descriptor);
            assert_eq!(
                got.map_err(|e| e.to_string()),
                expected.map_err(str::to_owned),
                "row {i}"
            );
        }
    }

    #[test]
    fn schemas_come_in_operation_order_and_rules_by_operation() {
        use doku_pay_core::Operation;
        let all = models(true, true);
        let names: Vec<&str> = all.schemas().into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "PaymentRequest",
                "PaymentResponse",
                "OpRequest",
                "OpResponse",
                "OpRequest",
                "OpResponse"
            ]
        );
        let create_only = models(false, false);
        assert_eq!(create_only.schemas().len(), 2);
        for op in [
            Operation::Cancel,
            Operation::Refund,
            Operation::PartialRefund,
        ] {
            assert!(create_only.rules(op).is_none(), "{op}");
            assert!(all.rules(op).is_some(), "{op}");
        }
        assert!(create_only.rules(Operation::Create).is_some());
    }
}
