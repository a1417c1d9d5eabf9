//! The simulator a channel crate's tests run against: every registered channel (the test
//! crate links its own with the `sim` feature), one merchant, DOKU's delays scaled down ten
//! thousand times.
//!
//! ```no_run
//! # async fn run() {
//! use doku_pay_testkit::sim;
//! let sim = sim::start().await;
//! let client = doku_pay_core::Client::new(sim::credentials(&sim)).expect("client");
//! # let _ = client; }
//! ```

use doku_pay_core::{Credentials, Environment};
use doku_pay_sim::{MerchantConfig, SimConfig, SimHandle, Simulator};

/// The merchant's Client-Id.
pub const CLIENT_ID: &str = "MCH-SIM-0001";
/// The merchant's secret.
pub const SECRET: &str = "SK-sim-0001";

/// Starts the simulator on 127.0.0.1 (an ephemeral port) with every registered channel and
/// the merchant [`CLIENT_ID`] / [`SECRET`]; it stops when the handle drops.
pub async fn start() -> SimHandle {
    let config = SimConfig::default()
        .merchant(MerchantConfig::new(CLIENT_ID, SECRET))
        .time_factor(0.000_1);
    Simulator::builder(config)
        .registered_channels()
        .start()
        .await
        .expect("simulator starts")
}

/// The merchant's credentials against `sim`.
pub fn credentials(sim: &SimHandle) -> Credentials {
    let env = Environment::custom(sim.base_url()).expect("the simulator's URL");
    Credentials::new(CLIENT_ID, SECRET, env).expect("credentials")
}
