//! DOKU payments for Rust: the facade.
//!
//! Re-exports everything of [`doku_pay_core`] (the unified models, the transport, the client, the
//! registry, notification verification) and links the channel crates enabled by features,
//! one per channel, all on by default:
//!
//! | feature | channel crate | id |
//! | --- | --- | --- |
//! | `linkaja` | [`linkaja`] (`doku-pay-linkaja`) | `linkaja` |
//! | `akulaku` | [`akulaku`] (`doku-pay-akulaku`) | `akulaku` |
//! | `ovo` | [`ovo`] (`doku-pay-ovo`) | `ovo` |
//! | `dokuwallet` | [`dokuwallet`] (`doku-pay-dokuwallet`) | `dokuwallet` |
//! | `shopeepay` | [`shopeepay`] (`doku-pay-shopeepay`) | `shopeepay` |
//! | `kredivo` | [`kredivo`] (`doku-pay-kredivo`) | `kredivo` |
//! | `indodana` | [`indodana`] (`doku-pay-indodana`) | `indodana` |
//! | `receiver` (off by default) | `doku-pay-receiver` as [`receiver`](crate): the axum notification receiver | |
//! | `sim` (off by default) | `doku-pay-sim` as [`sim`](crate), with the enabled channels' simulator models | |
//!
//! A channel registers itself with `inventory`; its registration only survives linking if the
//! program references the channel crate. This crate does (`pub use doku_pay_linkaja as linkaja`),
//! so depending on `doku-pay` is enough for [`Registry::global`] to hold every enabled channel:
//!
//! ```
//! let ids = doku_pay::Registry::global().ids();
//! let linked: Vec<&str> = doku_pay::linked_channels().iter().map(|d| d.id).collect();
//! assert_eq!(ids, linked);
//! # #[cfg(all(feature = "linkaja", feature = "akulaku", feature = "ovo", feature = "dokuwallet", feature = "shopeepay", feature = "kredivo", feature = "indodana"))]
//! assert_eq!(ids, ["akulaku", "dokuwallet", "indodana", "kredivo", "linkaja", "ovo", "shopeepay"]);
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

pub use doku_pay_core::*;

/// The LinkAja e-money channel (`doku-pay-linkaja`).
#[cfg(feature = "linkaja")]
pub use doku_pay_linkaja as linkaja;

/// The Akulaku paylater channel (`doku-pay-akulaku`).
#[cfg(feature = "akulaku")]
pub use doku_pay_akulaku as akulaku;

/// The OVO Push Payment channel (`doku-pay-ovo`).
#[cfg(feature = "ovo")]
pub use doku_pay_ovo as ovo;

/// The DOKU e-Wallet e-money channel (`doku-pay-dokuwallet`).
#[cfg(feature = "dokuwallet")]
pub use doku_pay_dokuwallet as dokuwallet;

/// The Kredivo paylater channel (`doku-pay-kredivo`).
#[cfg(feature = "kredivo")]
pub use doku_pay_kredivo as kredivo;
/// The ShopeePay e-money channel (`doku-pay-shopeepay`).
#[cfg(feature = "shopeepay")]
pub use doku_pay_shopeepay as shopeepay;

/// The Indodana paylater channel (`doku-pay-indodana`).
#[cfg(feature = "indodana")]
pub use doku_pay_indodana as indodana;

/// The axum notification receiver (`doku-pay-receiver`).
#[cfg(feature = "receiver")]
pub use doku_pay_receiver as receiver;

/// The local DOKU simulator (`doku-pay-sim`).
#[cfg(feature = "sim")]
pub use doku_pay_sim as sim;

/// The descriptors of the channels this build of the facade links, ordered by id. It names
/// each channel crate's descriptor, which also keeps every enabled channel crate linked.
pub fn linked_channels() -> Vec<&'static ChannelDescriptor> {
    [
        #[cfg(feature = "akulaku")]
        &doku_pay_akulaku::DESCRIPTOR,
        #[cfg(feature = "dokuwallet")]
        &doku_pay_dokuwallet::DESCRIPTOR,
        #[cfg(feature = "indodana")]
        &doku_pay_indodana::DESCRIPTOR,
        #[cfg(feature = "kredivo")]
        &doku_pay_kredivo::DESCRIPTOR,
        #[cfg(feature = "linkaja")]
        &doku_pay_linkaja::DESCRIPTOR,
        #[cfg(feature = "ovo")]
        &doku_pay_ovo::DESCRIPTOR,
        #[cfg(feature = "shopeepay")]
        &doku_pay_shopeepay::DESCRIPTOR,
    ]
    .into_iter()
    .collect()
}

/// The README's quickstart, compiled as a doctest.
#[cfg(all(doctest, feature = "receiver"))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
