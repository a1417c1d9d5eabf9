//! Merchant credentials and the DOKU environment they belong to.
//!
//! Credentials travel with each client value: nothing here is global, so one process can
//! serve many merchants at once. The secret key never appears in `Debug` or `Display`.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, KeyInit as _, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// A credential or environment that cannot be used: the reason, never the secret. Converts
/// into [`crate::Error::Config`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Base URL of DOKU's sandbox.
pub const SANDBOX_BASE_URL: &str = "https://api-sandbox.doku.com";
/// Base URL of DOKU's production API.
pub const PRODUCTION_BASE_URL: &str = "https://api.doku.com";

/// A merchant's `Client-Id` from DOKU Back Office (for example `MCH-0001-10791114622547`).
///
/// Non-empty, at most 128 visible ASCII characters: it is sent as a header and is a line of the
/// signed component string, so whitespace and control characters are refused.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct ClientId(String);

impl ClientId {
    /// Checks and wraps a client id.
    pub fn new(value: impl Into<String>) -> Result<Self, ConfigError> {
        let value = value.into();
        check_header_token("Client-Id", &value, 128).map_err(ConfigError)?;
        Ok(Self(value))
    }

    /// The client id as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ClientId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for ClientId {
    /// Checked as [`ClientId::new`] checks.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ClientId::new(s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClientId").field(&self.0).finish()
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ClientId {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        Self::new(s)
    }
}

/// Checks a value that goes into a header and into the component string.
pub(crate) fn check_header_token(name: &str, value: &str, max: usize) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("{name} must not be empty"));
    }
    if value.len() > max {
        return Err(format!("{name} is {} characters, max {max}", value.len()));
    }
    if !value.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(format!(
            "{name} must be visible ASCII without spaces or control characters"
        ));
    }
    Ok(())
}

/// A merchant's Secret Key.
///
/// Held in a [`secrecy::SecretString`] together with an HMAC-SHA256 state keyed with it, so
/// signing does not re-derive the key each time; both are zeroed on drop, and so is each copy
/// of the keyed state a signature uses. Prints as `[redacted]`.
#[derive(Clone)]
pub struct SecretKey {
    secret: SecretString,
    keyed: Hmac<Sha256>,
}

// The keyed state is as good as the key for forging signatures: it must be wiped on drop.
// `Hmac<Sha256>` is two SHA-256 cores and a block buffer, each wiped on drop with the
// `zeroize` features of hmac and sha2 (set in the workspace's Cargo.toml); this stops the
// build if a feature goes missing.
const _: fn() = || {
    fn wiped_on_drop<T: hmac::digest::zeroize::ZeroizeOnDrop>() {}
    wiped_on_drop::<<Sha256 as hmac::digest::block_api::EagerHash>::Core>();
    wiped_on_drop::<Sha256>();
};

impl SecretKey {
    /// Wraps a secret key. An empty key is refused.
    pub fn new(value: impl Into<String>) -> Result<Self, ConfigError> {
        let value: String = value.into();
        if value.is_empty() {
            return Err(ConfigError("secret key must not be empty".into()));
        }
        let keyed = Hmac::<Sha256>::new_from_slice(value.as_bytes())
            .map_err(|_| ConfigError("secret key rejected by HMAC".into()))?;
        Ok(Self {
            secret: SecretString::from(value),
            keyed,
        })
    }

    /// A fresh HMAC-SHA256 state keyed with this secret.
    pub(crate) fn mac(&self) -> Hmac<Sha256> {
        self.keyed.clone()
    }

    /// Whether two keys are the same secret (compared in constant time).
    pub fn same_secret(&self, other: &SecretKey) -> bool {
        use subtle::ConstantTimeEq;
        let (a, b) = (
            self.secret.expose_secret().as_bytes(),
            other.secret.expose_secret().as_bytes(),
        );
        a.len() == b.len() && bool::from(a.ct_eq(b))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Which DOKU API a client talks to.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Environment {
    /// `https://api-sandbox.doku.com`. The default: production is never chosen implicitly.
    #[default]
    Sandbox,
    /// `https://api.doku.com`.
    Production,
    /// Any other base URL, such as a local simulator (`http://127.0.0.1:7070`).
    Custom(String),
}

impl Environment {
    /// A custom base URL, checked to be `http://` or `https://` with a host; a trailing `/` is
    /// dropped.
    pub fn custom(base_url: impl Into<String>) -> Result<Self, ConfigError> {
        let url: String = base_url.into();
        let trimmed = url.trim_end_matches('/');
        // Errors quote the URL without what a user name and password would be.
        let shown = without_userinfo(trimmed);
        let parsed = url::Url::parse(trimmed)
            .map_err(|e| ConfigError(format!("environment URL `{shown}`: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(ConfigError(format!(
                "environment URL `{shown}` must be http:// or https:// with a host"
            )));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(ConfigError(
                "environment URL must not carry a user name or password".into(),
            ));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(ConfigError(format!(
                "environment URL `{shown}` must not carry a query or fragment"
            )));
        }
        Ok(Self::Custom(trimmed.to_owned()))
    }

    /// The base URL requests go to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        match self {
            Self::Sandbox => SANDBOX_BASE_URL,
            Self::Production => PRODUCTION_BASE_URL,
            Self::Custom(url) => url,
        }
    }
}

/// `url` with anything between `://` and the last `@` of its authority replaced by `***`:
/// the text an error may quote, whether or not the URL parses.
fn without_userinfo(url: &str) -> std::borrow::Cow<'_, str> {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.into();
    };
    let authority_end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..start], &url[start + at..]).into(),
        None => url.into(),
    }
}

impl FromStr for Environment {
    type Err = ConfigError;
    /// `sandbox`, `production`, or a base URL.
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        match s.trim() {
            "sandbox" => Ok(Self::Sandbox),
            "production" => Ok(Self::Production),
            other => Self::custom(other),
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sandbox => f.write_str("sandbox"),
            Self::Production => f.write_str("production"),
            Self::Custom(url) => f.write_str(url),
        }
    }
}

/// A merchant's credentials and the environment they are valid for.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The `Client-Id`.
    pub client_id: ClientId,
    /// The Secret Key.
    pub secret_key: SecretKey,
    /// Where the credentials are valid.
    pub environment: Environment,
}

impl Credentials {
    /// Checks and bundles a client id, secret key and environment.
    pub fn new(
        client_id: impl Into<String>,
        secret_key: impl Into<String>,
        environment: Environment,
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            client_id: ClientId::new(client_id)?,
            secret_key: SecretKey::new(secret_key)?,
            environment,
        })
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} on {} (secret [redacted])",
            self.client_id, self.environment
        )
    }
}

/// The merchant a channel builds a request for: its `Client-Id` and digests keyed with its
/// secret, **never the secret itself** (a channel that needs an in-body checksum, such as
/// OVO's `security.check_sum`, asks for the digest). Prints without the secret.
///
/// ```
/// use doku_pay_core::{ClientId, Merchant, SecretKey};
/// let m = Merchant::new(
///     ClientId::new("MCH-0001-10791114622547").unwrap(),
///     SecretKey::new("SK-9sCrJ1kdYUJAYlsJKlqz").unwrap(),
/// );
/// // OVO's worked example: amount + client id + invoice + OVO id, then the secret.
/// let sum = m.sha256_hex_with_secret("10000MCH-0001-10791114622547MINV20201231468081211111111");
/// assert!(sum.starts_with("641ba732") && sum.ends_with("79fa"), "{sum}");
/// assert!(!format!("{m:?}").contains("SK-9s"));
/// ```
#[derive(Clone)]
pub struct Merchant {
    client_id: ClientId,
    secret: SecretKey,
}

impl Merchant {
    /// A merchant from its Client-Id and secret key.
    pub fn new(client_id: ClientId, secret: SecretKey) -> Self {
        Self { client_id, secret }
    }

    /// A stand-in merchant (`MCH-VALIDATE`, a fixed throwaway secret) for checking a request
    /// without real credentials: what is valid never depends on the merchant's identity.
    pub fn validation_only() -> Self {
        Self {
            client_id: ClientId("MCH-VALIDATE".to_owned()),
            secret: SecretKey::new("validation-only, never sent")
                .unwrap_or_else(|_| unreachable!("a non-empty key is always accepted")),
        }
    }

    /// The merchant of these credentials.
    pub fn from_credentials(credentials: &Credentials) -> Self {
        Self::new(
            credentials.client_id.clone(),
            credentials.secret_key.clone(),
        )
    }

    /// The `Client-Id`.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }

    /// SHA-256 of `message` immediately followed by the secret key, as 64 lowercase hex
    /// digits (the in-body checksum form DOKU's OVO guide describes).
    pub fn sha256_hex_with_secret(&self, message: &str) -> String {
        use sha2::Digest as _;
        let mut hasher = Sha256::new();
        hasher.update(message.as_bytes());
        hasher.update(self.secret.secret.expose_secret().as_bytes());
        hex_lower(&hasher.finalize())
    }

    /// HMAC-SHA256 of `message` keyed with the secret key, as 64 lowercase hex digits.
    pub fn hmac_sha256_hex(&self, message: &[u8]) -> String {
        let mut mac = self.secret.mac();
        mac.update(message);
        hex_lower(&mac.finalize().into_bytes())
    }

    /// Whether `secret` is this merchant's secret (constant time).
    pub fn has_secret(&self, secret: &SecretKey) -> bool {
        self.secret.same_secret(secret)
    }
}

impl fmt::Debug for Merchant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Merchant")
            .field("client_id", &self.client_id)
            .field("secret", &"[redacted]")
            .finish()
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}
