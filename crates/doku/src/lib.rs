//! DOKU payments for Rust: the facade.
//!
//! Re-exports everything of [`doku_core`] (the unified models, the transport, the client, the
//! registry, notification verification) and links the channel crates enabled by features,
//! one per channel, all on by default:
//!
//! | feature | channel crate | id |
//! | --- | --- | --- |
//! | `linkaja` | [`linkaja`] (`doku-linkaja`) | `linkaja` |
//! | `akulaku` | [`akulaku`] (`doku-akulaku`) | `akulaku` |
//! | `ovo` | [`ovo`] (`doku-ovo`) | `ovo` |
//! | `dokuwallet` | [`dokuwallet`] (`doku-dokuwallet`) | `dokuwallet` |
//! | `shopeepay` | [`shopeepay`] (`doku-shopeepay`) | `shopeepay` |
//! | `kredivo` | [`kredivo`] (`doku-kredivo`) | `kredivo` |
//! | `indodana` | [`indodana`] (`doku-indodana`) | `indodana` |
//! | `receiver` (off by default) | `doku-receiver` as [`receiver`](crate): the axum notification receiver | |
//! | `sim` (off by default) | `doku-sim` as [`sim`](crate), with the enabled channels' simulator models | |
//!
//! A channel registers itself with `inventory`; its registration only survives linking if the
//! program references the channel crate. This crate does (`pub use doku_linkaja as linkaja`),
//! so depending on `doku` is enough for [`Registry::global`] to hold every enabled channel:
//!
//! ```
//! let ids = doku::Registry::global().ids();
//! let linked: Vec<&str> = doku::linked_channels().iter().map(|d| d.id).collect();
//! assert_eq!(ids, linked);
//! # #[cfg(all(feature = "linkaja", feature = "akulaku", feature = "ovo", feature = "dokuwallet", feature = "shopeepay", feature = "kredivo", feature = "indodana"))]
//! assert_eq!(ids, ["akulaku", "dokuwallet", "indodana", "kredivo", "linkaja", "ovo", "shopeepay"]);
//! ```

pub use doku_core::*;

/// The LinkAja e-money channel (`doku-linkaja`).
#[cfg(feature = "linkaja")]
pub use doku_linkaja as linkaja;

/// The Akulaku paylater channel (`doku-akulaku`).
#[cfg(feature = "akulaku")]
pub use doku_akulaku as akulaku;

/// The OVO Push Payment channel (`doku-ovo`).
#[cfg(feature = "ovo")]
pub use doku_ovo as ovo;

/// The DOKU e-Wallet e-money channel (`doku-dokuwallet`).
#[cfg(feature = "dokuwallet")]
pub use doku_dokuwallet as dokuwallet;

/// The Kredivo paylater channel (`doku-kredivo`).
#[cfg(feature = "kredivo")]
pub use doku_kredivo as kredivo;
/// The ShopeePay e-money channel (`doku-shopeepay`).
#[cfg(feature = "shopeepay")]
pub use doku_shopeepay as shopeepay;

/// The Indodana paylater channel (`doku-indodana`).
#[cfg(feature = "indodana")]
pub use doku_indodana as indodana;

/// The axum notification receiver (`doku-receiver`).
#[cfg(feature = "receiver")]
pub use doku_receiver as receiver;

/// The local DOKU simulator (`doku-sim`).
#[cfg(feature = "sim")]
pub use doku_sim as sim;

/// The descriptors of the channels this build of the facade links, ordered by id. It names
/// each channel crate's descriptor, which also keeps every enabled channel crate linked.
pub fn linked_channels() -> Vec<&'static ChannelDescriptor> {
    [
        #[cfg(feature = "akulaku")]
        &doku_akulaku::DESCRIPTOR,
        #[cfg(feature = "dokuwallet")]
        &doku_dokuwallet::DESCRIPTOR,
        #[cfg(feature = "indodana")]
        &doku_indodana::DESCRIPTOR,
        #[cfg(feature = "kredivo")]
        &doku_kredivo::DESCRIPTOR,
        #[cfg(feature = "linkaja")]
        &doku_linkaja::DESCRIPTOR,
        #[cfg(feature = "ovo")]
        &doku_ovo::DESCRIPTOR,
        #[cfg(feature = "shopeepay")]
        &doku_shopeepay::DESCRIPTOR,
    ]
    .into_iter()
    .collect()
}

/// The README's quickstart, compiled as a doctest.
#[cfg(all(doctest, feature = "receiver"))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
