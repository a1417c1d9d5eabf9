//! OVO Push Payment in the simulator (feature `sim`): the guide's five request rules as data,
//! `client.id` checked against the `Client-Id` header and `security.check_sum` against the
//! merchant's secret, and DOKU's synchronous answer: the customer approves in the OVO app
//! within DOKU's 70 s (times the simulator's time factor), then the create is answered with
//! the final status and the notification is sent. The OVO id `081200000000` declines.

use std::time::Duration;

use doku_pay_core::ChannelDescriptor;
use doku_pay_sim::rules;
use doku_pay_sim::{
    BodyCredentials, ChannelSamples, CustomerAction, JsonSamples, NewOrder, OrderView, Outcome,
    Rejection, SimChannel, SimRegistration, SimRequest, Synchronous,
};
use serde_json::{Value, json};

use crate::wire::PAYMENT_RULES;

/// OVO's in-body credentials: `client.id`, and `security.check_sum` ([`crate::check_sum`]).
pub const CREDENTIALS: BodyCredentials = BodyCredentials {
    client_id: "client.id",
    check_sum: "security.check_sum",
    compute: crate::check_sum,
};

/// The OVO id whose push the simulated customer declines.
pub const DECLINING_OVO_ID: &str = "081200000000";

/// The simulator's OVO plugin.
#[derive(Clone, Copy, Debug, Default)]
pub struct OvoSim;

doku_pay_sim::inventory::submit! {
    SimRegistration::new(|| Box::new(OvoSim))
}

impl SimChannel for OvoSim {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        &crate::DESCRIPTOR
    }

    fn samples(&self) -> Option<&'static dyn ChannelSamples> {
        Some(&SAMPLES)
    }

    fn decode_create(&self, request: &SimRequest<'_>) -> Result<NewOrder, Rejection> {
        let b = rules::check(request.body(), &PAYMENT_RULES)?;
        CREDENTIALS.check(request, &b)?;
        let text = |path| rules::text_at(&b, path).unwrap_or_default();
        let outcome = match doku_pay_core::answer::text(&b, "ovo_info.ovo_id").as_deref() {
            Some(DECLINING_OVO_ID) => Outcome::Failed,
            _ => Outcome::Paid,
        };
        let delay = Duration::from_secs(70);
        let synchronous = Some(Synchronous { delay, outcome });
        Ok(NewOrder {
            invoice_number: text("order.invoice_number").to_owned(),
            amount: rules::whole_at(&b, "order.amount").unwrap_or_default(),
            synchronous,
            ..NewOrder::default()
        })
    }

    fn body_credentials(&self) -> Option<BodyCredentials> {
        Some(CREDENTIALS)
    }

    fn create_response(&self, o: &OrderView<'_>) -> Value {
        json!({
            "order": {"invoice_number": o.invoice_number, "amount": o.amount},
            "ovo_payment": {"status": o.status.doku_status()}
        })
    }
}

/// OVO's sample: a push to a wallet that approves; nothing for the customer to do after.
pub static SAMPLES: JsonSamples = JsonSamples {
    payment: r#"{"amount": 10000, "customer": {"wallet_account": "081211111111"}}"#,
    customer: CustomerAction::Nothing,
};
