//! The simulator finds the channel plugins through `inventory`, and the explicit list works
//! as the fallback.

use doku_pay_sim::{SimConfig, Simulator};

#[tokio::test]
async fn registered_and_explicit_plugins_serve_every_endpoint() {
    let expected = [
        ("akulaku", "/akulaku-peer-to-peer/v2/generate-order"),
        ("akulaku", "/akulaku-peer-to-peer/v2/cancel"),
        ("akulaku", "/akulaku-peer-to-peer/v2/refund"),
        ("linkaja", "/linkaja-emoney/v2/ServiceRequestPayment"),
    ];
    let registered = Simulator::builder(SimConfig::default()).registered_channels();
    let explicit = Simulator::builder(SimConfig::default())
        .channel(doku_pay_akulaku::sim::AkulakuSim)
        .channel(doku_pay_linkaja::sim::LinkAjaSim);
    for (name, builder) in [("registered", registered), ("explicit", explicit)] {
        let mut ids = builder.channel_ids();
        ids.sort_unstable();
        assert_eq!(ids, ["akulaku", "linkaja"], "{name}");
        let sim = builder.start().await.unwrap();
        let mut endpoints = sim.endpoints();
        endpoints.sort_unstable();
        let mut want: Vec<&str> = expected.iter().map(|(_, p)| *p).collect();
        want.sort_unstable();
        assert_eq!(endpoints, want, "{name}");
        sim.shutdown().await;
    }
}
