//! Shared helpers of the workspace-level tests: a simulator with the real channels, a
//! notification receiver, signed raw requests and clients pointed at the simulator.

use doku_pay_core::ChannelDescriptor;
use doku_pay_sim::ChannelSamples;

/// A linked channel as the data-driven tests run it: its descriptor and its samples.
#[derive(Clone, Copy)]
pub struct SampleChannel {
    /// The channel's descriptor (what it offers).
    pub d: &'static ChannelDescriptor,
    /// Its sample requests and what its customer does.
    pub samples: &'static dyn ChannelSamples,
}

impl SampleChannel {
    /// The channel id.
    pub fn id(&self) -> &'static str {
        self.d.id
    }

    /// `INV-{tag}-{ID}-{n}`: an invoice number of this channel.
    pub fn invoice(&self, tag: &str, n: usize) -> String {
        format!("INV-{tag}-{}-{n:02}", self.d.id.to_ascii_uppercase())
    }

    /// The create endpoint's path (for per-endpoint faults).
    pub fn create_path(&self) -> &'static str {
        self.d
            .endpoint(doku_pay_core::Operation::Create)
            .map_or("", |e| e.path)
    }
}

/// Every channel the facade links by default, with the samples of its simulator plugin,
/// ordered by id. Panics when a linked channel's plugin supplies no samples: every channel
/// runs end to end.
pub fn sample_channels() -> Vec<SampleChannel> {
    // Naming the facade's list keeps every default channel crate (and its registrations)
    // linked.
    let linked: Vec<&str> = doku_pay::linked_channels().iter().map(|d| d.id).collect();
    let mut plugins = doku_pay_sim::registered();
    plugins.sort_by_key(|p| p.descriptor().id);
    plugins.dedup_by_key(|p| p.descriptor().id);
    let channels: Vec<SampleChannel> = plugins
        .iter()
        .map(|p| SampleChannel {
            d: p.descriptor(),
            samples: p
                .samples()
                .unwrap_or_else(|| panic!("channel `{}` supplies no samples", p.descriptor().id)),
        })
        .collect();
    let ids: Vec<&str> = channels.iter().map(SampleChannel::id).collect();
    assert_eq!(ids, linked, "every linked channel has a simulator plugin");
    channels
}

pub use doku_pay_testkit::sim::{
    CAP, CLIENT_ID as MERCHANT, NOTIFY_PATH, Raw, Received, Receiver, SECRET, api,
    notifying as config, post_raw, start_notifying as start_sim, verifier,
};
