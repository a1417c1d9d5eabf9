//! A push channel in the simulator: the plugin checks an in-body checksum keyed with the
//! merchant's secret and the body's `client.id` against the `Client-Id` header (through
//! `SimRequest::merchant`), and answers synchronously after the customer's delay, time-scaled.

use std::time::{Duration, Instant};

use doku_pay_core::channel::{
    Capabilities, ChannelDescriptor, ChannelKind, Endpoint, Operation, RedirectStyle, RefundSupport,
};
use doku_pay_core::clock::format_timestamp;
use doku_pay_core::signature::Components;
use doku_pay_core::validate::Validator;
use doku_pay_core::{Amount, Merchant, SecretKey};
use doku_pay_sim::{
    MerchantConfig, NewOrder, OrderStatus, OrderView, Outcome, Rejection, SimChannel, SimConfig,
    SimHandle, SimRequest, Simulator, Synchronous,
};
use serde_json::{Value, json};

const PATH: &str = "/pushpay/v1/payment";
const ID: &str = "MCH-PUSH-0001";
const SECRET: &str = "SK-push-secret";

static DESCRIPTOR: ChannelDescriptor = ChannelDescriptor {
    id: "pushpay",
    display_name: "Push Pay",
    channel_code: "EMONEY_PUSHPAY",
    service_id: "EMONEY",
    acquirer_id: "PUSHPAY",
    kind: ChannelKind::Emoney,
    capabilities: Capabilities {
        cancel: false,
        refund: RefundSupport::None,
        redirect: RedirectStyle::None,
        min_amount: Amount::new_const(1),
        max_amount: Amount::MAX,
    },
    mapping: &[],
    notes: &[],
    endpoints: &[Endpoint::post(Operation::Create, PATH)],
};

/// The customer's phone for which the wallet declines.
const DECLINING_WALLET: &str = "081200000000";

/// OVO-like: `security.check_sum = sha256(amount + client.id + invoice + wallet + secret)`.
fn checksum(m: &Merchant, amount: u64, client_id: &str, invoice: &str, wallet: &str) -> String {
    m.sha256_hex_with_secret(&format!("{amount}{client_id}{invoice}{wallet}"))
}

struct PushPay;

impl SimChannel for PushPay {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &DESCRIPTOR
    }

    fn decode_create(&self, request: &SimRequest<'_>) -> Result<NewOrder, Rejection> {
        let b: Value = serde_json::from_slice(request.body()).map_err(Rejection::malformed)?;
        let text = |p: &str| b.pointer(p).and_then(Value::as_str).unwrap_or_default();
        let (client_id, invoice, wallet) = (
            text("/client/id"),
            text("/order/invoice_number"),
            text("/wallet/id"),
        );
        let amount = b.pointer("/order/amount").and_then(Value::as_u64);
        let mut v = Validator::new();
        if client_id != request.client_id() {
            v.push("client.id", "must equal the Client-Id header");
        }
        let expected = checksum(
            request.merchant(),
            amount.unwrap_or_default(),
            client_id,
            invoice,
            wallet,
        );
        if text("/security/check_sum") != expected {
            v.push("security.check_sum", "does not match");
        }
        v.finish()?;
        Ok(NewOrder {
            invoice_number: invoice.to_owned(),
            amount: amount.unwrap_or_default(),
            synchronous: Some(Synchronous {
                delay: Duration::from_secs(70),
                outcome: if wallet == DECLINING_WALLET {
                    Outcome::Failed
                } else {
                    Outcome::Paid
                },
            }),
            ..NewOrder::default()
        })
    }

    fn create_response(&self, o: &OrderView<'_>) -> Value {
        json!({"order": {"invoice_number": o.invoice_number, "amount": o.amount},
               "push_payment": {"status": o.status.doku_status()}})
    }
}

async fn start(config: SimConfig) -> SimHandle {
    Simulator::builder(config.merchant(MerchantConfig::new(ID, SECRET)))
        .channel(PushPay)
        .start()
        .await
        .expect("simulator starts")
}

fn body(invoice: &str, wallet: &str, client_id: &str, secret: &str) -> Vec<u8> {
    let m = Merchant::new(
        doku_pay_core::ClientId::new(client_id).unwrap(),
        SecretKey::new(secret).unwrap(),
    );
    serde_json::to_vec(&json!({
        "client": {"id": client_id},
        "order": {"invoice_number": invoice, "amount": 10000},
        "wallet": {"id": wallet},
        "security": {"check_sum": checksum(&m, 10000, client_id, invoice, wallet)},
    }))
    .unwrap()
}

/// POSTs `body` signed by the merchant; the status and the JSON answer.
async fn post(sim: &SimHandle, body: &[u8], request_id: &str) -> (u16, Value) {
    let ts = format_timestamp(time::OffsetDateTime::now_utc());
    let sig = Components::request(ID, request_id, &ts, PATH, Some(body))
        .sign(&SecretKey::new(SECRET).unwrap());
    let resp = doku_pay_core::transport::http_client_builder()
        .build()
        .expect("HTTP client")
        .post(format!("{}{PATH}", sim.base_url()))
        .header("Client-Id", ID)
        .header("Request-Id", request_id)
        .header("Request-Timestamp", &ts)
        .header("Signature", sig.as_str())
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_push_create_is_answered_final_after_the_customers_time_scaled_delay() {
    // 70 s of DOKU time at 1e-4: 7 ms.
    let sim = start(SimConfig::default().time_factor(1e-4)).await;
    let (status, answer) = post(&sim, &body("INV-PUSH-1", "081211111111", ID, SECRET), "r-1").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["push_payment"]["status"], "SUCCESS");
    let order = sim.order("INV-PUSH-1").unwrap();
    assert_eq!(order.status, OrderStatus::Paid);
    // Its notification was started like any completed payment's (this merchant has no URL).
    let d = sim.deliveries("INV-PUSH-1").unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].transaction_status, "SUCCESS");

    // The wallet declines: FAILED, in the answer and the order.
    let (status, answer) = post(
        &sim,
        &body("INV-PUSH-2", DECLINING_WALLET, ID, SECRET),
        "r-2",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(answer["push_payment"]["status"], "FAILED");
    assert_eq!(sim.order("INV-PUSH-2").unwrap().status, OrderStatus::Failed);

    // A replay gets the final answer, with 409, and changes nothing.
    let (status, replay) = post(&sim, &body("INV-PUSH-1", "081211111111", ID, SECRET), "r-1").await;
    assert_eq!(status, 409);
    assert_eq!(replay["push_payment"]["status"], "SUCCESS");
    assert_eq!(sim.stats().orders, 2);
    assert_eq!(sim.deliveries("INV-PUSH-1").unwrap().len(), 1);
}

#[tokio::test]
async fn the_configured_delay_overrides_the_plugins_and_is_time_scaled() {
    // 300 s of DOKU time at 1e-3: 300 ms (the plugin's own 70 s would be 70 ms).
    let sim = start(
        SimConfig::default()
            .time_factor(1e-3)
            .answer_delay("pushpay", Duration::from_secs(300)),
    )
    .await;
    let started = Instant::now();
    let (status, _) = post(
        &sim,
        &body("INV-PUSH-SLOW", "081211111111", ID, SECRET),
        "r-s",
    )
    .await;
    let took = started.elapsed();
    assert_eq!(status, 200);
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test]
async fn the_control_api_can_complete_a_push_payment_while_the_create_waits() {
    // 10 000 s at 1e-3: the create would wait 10 s; the customer declines at once instead.
    let sim = std::sync::Arc::new(
        start(
            SimConfig::default()
                .time_factor(1e-3)
                .answer_delay("pushpay", Duration::from_secs(10_000)),
        )
        .await,
    );
    let started = Instant::now();
    let s = sim.clone();
    let create = tokio::spawn(async move {
        post(&s, &body("INV-PUSH-CTL", "081211111111", ID, SECRET), "r-c").await
    });
    loop {
        if let Ok(o) = sim.order("INV-PUSH-CTL") {
            assert_eq!(o.status, OrderStatus::Pending);
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    sim.complete("INV-PUSH-CTL", Outcome::Failed).unwrap();
    let (status, answer) = create.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(answer["push_payment"]["status"], "FAILED");
    assert!(started.elapsed() < Duration::from_secs(5));
    // Completed once: one notification.
    assert_eq!(sim.deliveries("INV-PUSH-CTL").unwrap().len(), 1);
}

#[tokio::test]
async fn the_plugin_checks_the_checksum_and_client_id_against_the_merchant() {
    let sim = start(SimConfig::default().time_factor(1e-4)).await;
    // Keyed with another secret.
    let (status, answer) = post(&sim, &body("INV-PUSH-B1", "0812", ID, "SK-guessed"), "b-1").await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer.to_string().contains("security.check_sum"),
        "{answer}"
    );
    // Another merchant's client.id in the body (its checksum consistent with it).
    let (status, answer) = post(
        &sim,
        &body("INV-PUSH-B2", "0812", "MCH-OTHER-0002", SECRET),
        "b-2",
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.to_string().contains("client.id"), "{answer}");
    assert_eq!(sim.stats().orders, 0);
}
