//! Channel registration through `inventory`, and lookup by id or DOKU channel code.
//!
//! A channel crate registers itself with [`register_channel!`](crate::register_channel).
//! Registration needs the crate to be linked: a dependency that no code names is dropped by the
//! linker together with its registration, which is why the `doku-pay` facade references each
//! channel crate it enables. [`Registry::from_registrations`] builds a registry from an
//! explicit list instead, as a fallback to automatic registration.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use crate::channel::{ChannelDescriptor, PaymentChannel};
use crate::error::Error;
use crate::model::Notification;
use crate::notification::{NotificationError, VerifiedNotification};

/// One channel's registration: its descriptor and a constructor.
pub struct ChannelRegistration {
    /// The descriptor.
    pub descriptor: &'static ChannelDescriptor,
    /// Builds the channel.
    pub constructor: fn() -> Box<dyn PaymentChannel>,
}

inventory::collect!(ChannelRegistration);

/// Registers a channel type with the global registry.
///
/// ```
/// use doku_pay_core::channel::{Capabilities, ChannelKind, Endpoint, Operation, RedirectStyle, RefundSupport};
/// use doku_pay_core::{Amount, Call, ChannelDescriptor, Error, Merchant, Payment, PaymentChannel, PaymentRequest, Registry};
///
/// static DESCRIPTOR: ChannelDescriptor = ChannelDescriptor {
///     id: "example",
///     display_name: "Example Wallet",
///     channel_code: "EMONEY_EXAMPLE",
///     service_id: "EMONEY",
///     acquirer_id: "EXAMPLE",
///     kind: ChannelKind::Emoney,
///     capabilities: Capabilities {
///         cancel: false,
///         refund: RefundSupport::None,
///         redirect: RedirectStyle::Url,
///         min_amount: Amount::new_const(1),
///         max_amount: Amount::MAX,
///     },
///     mapping: &[],
///     notes: &[],
///     endpoints: &[Endpoint::post(Operation::Create, "/example/v1/payment")],
/// };
///
/// struct Example;
///
/// impl PaymentChannel for Example {
///     fn descriptor(&self) -> &'static ChannelDescriptor {
///         &DESCRIPTOR
///     }
///     fn validate_create(&self, _: &PaymentRequest) -> Result<(), Error> {
///         Ok(())
///     }
///     fn create(&self, req: &PaymentRequest, _: &Merchant) -> Result<Call<Payment>, Error> {
///         Err(Error::Config("an example does not send".into()))
///     }
/// }
///
/// doku_pay_core::register_channel!(DESCRIPTOR, || Box::new(Example));
///
/// assert_eq!(Registry::global().get("example").unwrap().descriptor().channel_code, "EMONEY_EXAMPLE");
/// ```
#[macro_export]
macro_rules! register_channel {
    ($descriptor:expr, $constructor:expr) => {
        $crate::inventory::submit! {
            $crate::registry::ChannelRegistration {
                descriptor: &$descriptor,
                constructor: $constructor,
            }
        }
    };
}

/// Two registrations claimed the same id or channel code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field} `{value}` is registered {count} times")]
pub struct Conflict {
    /// `id` or `channel_code`.
    pub field: &'static str,
    /// The contested value.
    pub value: String,
    /// How many registrations claim it.
    pub count: usize,
}

/// The registered channels, each built once.
pub struct Registry {
    channels: BTreeMap<&'static str, Box<dyn PaymentChannel>>,
    by_code: BTreeMap<&'static str, &'static str>,
    conflicts: Vec<Conflict>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("ids", &self.ids())
            .field("conflicts", &self.conflicts)
            .finish()
    }
}

impl Registry {
    /// The registry of every channel linked into this program (built once).
    pub fn global() -> &'static Registry {
        Self::global_arc()
    }

    /// [`Registry::global`] as a shared handle, for a [`crate::Client`] or a receiver that
    /// takes `Arc<Registry>` (any registry of your own works the same way).
    pub fn shared() -> Arc<Registry> {
        Arc::clone(Self::global_arc())
    }

    fn global_arc() -> &'static Arc<Registry> {
        static GLOBAL: OnceLock<Arc<Registry>> = OnceLock::new();
        GLOBAL.get_or_init(|| {
            Arc::new(Self::from_registrations(
                inventory::iter::<ChannelRegistration>,
            ))
        })
    }

    /// A registry of exactly these registrations. Ids and channel codes claimed more than
    /// once are kept out of lookups and reported by [`Registry::conflicts`].
    pub fn from_registrations<'a>(regs: impl IntoIterator<Item = &'a ChannelRegistration>) -> Self {
        let mut groups: BTreeMap<&'static str, Vec<&ChannelRegistration>> = BTreeMap::new();
        for r in regs {
            groups.entry(r.descriptor.id).or_default().push(r);
        }
        let mut conflicts = Vec::new();
        let mut channels = BTreeMap::new();
        let mut codes: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
        for (id, group) in groups {
            if group.len() > 1 {
                conflicts.push(Conflict {
                    field: "id",
                    value: id.to_owned(),
                    count: group.len(),
                });
                continue;
            }
            let r = group[0];
            codes.entry(r.descriptor.channel_code).or_default().push(id);
            channels.insert(id, (r.constructor)());
        }
        let mut by_code = BTreeMap::new();
        for (code, ids) in codes {
            if ids.len() > 1 {
                conflicts.push(Conflict {
                    field: "channel_code",
                    value: code.to_owned(),
                    count: ids.len(),
                });
            } else {
                by_code.insert(code, ids[0]);
            }
        }
        Self {
            channels,
            by_code,
            conflicts,
        }
    }

    /// Every usable channel, ordered by id.
    pub fn all(&self) -> impl Iterator<Item = &dyn PaymentChannel> {
        self.channels.values().map(|c| c.as_ref())
    }

    /// The ids of every usable channel, ordered.
    pub fn ids(&self) -> Vec<&'static str> {
        self.channels.keys().copied().collect()
    }

    /// Every usable channel's descriptor, ordered by id.
    pub fn descriptors(&self) -> Vec<&'static ChannelDescriptor> {
        self.all().map(|c| c.descriptor()).collect()
    }

    /// The channel with this id.
    pub fn get(&self, id: &str) -> Result<&dyn PaymentChannel, Error> {
        if let Some(c) = self
            .conflicts
            .iter()
            .find(|c| c.field == "id" && c.value == id)
        {
            return Err(Error::Config(c.to_string()));
        }
        self.channels
            .get(id)
            .map(|c| c.as_ref())
            .ok_or_else(|| Error::UnknownChannel(id.to_owned()))
    }

    /// The channel whose DOKU `channel.id` is `code` (`PEER_TO_PEER_AKULAKU`).
    pub fn by_channel_code(&self, code: &str) -> Result<&dyn PaymentChannel, Error> {
        if let Some(c) = self
            .conflicts
            .iter()
            .find(|c| c.field == "channel_code" && c.value == code)
        {
            return Err(Error::Config(c.to_string()));
        }
        let id = self
            .by_code
            .get(code)
            .ok_or_else(|| Error::UnknownChannel(code.to_owned()))?;
        self.get(id)
    }

    /// Ids or codes that more than one registration claimed.
    pub fn conflicts(&self) -> &[Conflict] {
        &self.conflicts
    }
}

/// Routes a verified notification through `registry` by its `channel.id` and maps it with
/// that channel's [`PaymentChannel::parse_notification`].
/// [`NotificationError::UnknownChannel`] when no registered channel claims the code (or the
/// body names none), [`NotificationError::Misconfigured`] when two linked crates claim it.
pub fn route_notification(
    registry: &Registry,
    n: &VerifiedNotification,
) -> Result<Notification, NotificationError> {
    let code = n.channel_code().unwrap_or_default();
    match registry.by_channel_code(code) {
        Ok(channel) => channel.parse_notification(n),
        Err(Error::UnknownChannel(code)) => Err(NotificationError::UnknownChannel(code)),
        Err(e) => Err(NotificationError::Misconfigured(e.to_string())),
    }
}
