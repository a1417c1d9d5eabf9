//! DOKU's request, response and notification signatures (`../shared/doku-api.md`, section 2,
//! Request headers and signature).
//!
//! The component string is the lines below joined by `\n`, with no trailing newline; the
//! `Digest` line is present whenever there is a body (POST requests, responses, notifications)
//! and absent for a GET request:
//!
//! ```text
//! Client-Id:{client id}
//! Request-Id:{request id}
//! Request-Timestamp:{timestamp}      (Response-Timestamp for a response)
//! Request-Target:{path}
//! Digest:{base64(SHA-256(body bytes))}
//! ```
//!
//! The signature header is `HMACSHA256=` + base64(HMAC-SHA256(secret key, component string)).
//!
//! ```
//! use doku_pay_core::{SecretKey, signature::{Components, sign}};
//! let secret = SecretKey::new("SK-TESTVECTOR-0001").unwrap();
//! let body = br#"{"order":{"invoice_number":"INV-20210124-0001","amount":150000}}"#;
//! let components = Components::request(
//!     "MCH-0001-10791114622547",
//!     "cc682442-6c22-493e-8121-b9ef6b3fa728",
//!     "2020-08-11T08:45:42Z",
//!     "/linkaja-emoney/v2/ServiceRequestPayment",
//!     Some(body),
//! );
//! assert_eq!(
//!     sign(&secret, &components.to_string()),
//!     "HMACSHA256=4qihvVmDFQ0qqoq28IMt1pB46FcbHf5kzRlTmGZvmgU="
//! );
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::Mac;
use sha2::{Digest as _, Sha256};

use crate::credentials::SecretKey;

/// Header names DOKU uses.
pub mod headers {
    /// `Client-Id`.
    pub const CLIENT_ID: &str = "Client-Id";
    /// `Request-Id`.
    pub const REQUEST_ID: &str = "Request-Id";
    /// `Request-Timestamp`.
    pub const REQUEST_TIMESTAMP: &str = "Request-Timestamp";
    /// `Response-Timestamp`.
    pub const RESPONSE_TIMESTAMP: &str = "Response-Timestamp";
    /// `Signature`.
    pub const SIGNATURE: &str = "Signature";
}

/// The prefix of every DOKU signature header value.
pub const SIGNATURE_PREFIX: &str = "HMACSHA256=";

/// Which timestamp label the component string uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampLabel {
    /// `Request-Timestamp`: requests and notifications.
    Request,
    /// `Response-Timestamp`: DOKU's answers.
    Response,
}

impl TimestampLabel {
    fn as_str(self) -> &'static str {
        match self {
            Self::Request => "Request-Timestamp",
            Self::Response => "Response-Timestamp",
        }
    }
}

/// The parts of a component string. `Display` renders the exact string that is signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Components<'a> {
    /// `Client-Id` line.
    pub client_id: &'a str,
    /// `Request-Id` line.
    pub request_id: &'a str,
    /// Which timestamp label.
    pub timestamp_label: TimestampLabel,
    /// The timestamp value.
    pub timestamp: &'a str,
    /// `Request-Target`: the path only (for a notification, the receiver's own path).
    pub target: &'a str,
    /// `Digest` line value, `None` for a GET request.
    pub digest: Option<BodyDigest>,
}

impl<'a> Components<'a> {
    /// A request's components; `body` is `None` for a GET, which omits the `Digest` line.
    pub fn request(
        client_id: &'a str,
        request_id: &'a str,
        timestamp: &'a str,
        target: &'a str,
        body: Option<&[u8]>,
    ) -> Self {
        Self {
            client_id,
            request_id,
            timestamp_label: TimestampLabel::Request,
            timestamp,
            target,
            digest: body.map(BodyDigest::of),
        }
    }

    /// A DOKU response's components: `Response-Timestamp`, the path the merchant called, and
    /// the digest of the response body.
    pub fn response(
        client_id: &'a str,
        request_id: &'a str,
        response_timestamp: &'a str,
        target: &'a str,
        body: &[u8],
    ) -> Self {
        Self {
            client_id,
            request_id,
            timestamp_label: TimestampLabel::Response,
            timestamp: response_timestamp,
            target,
            digest: Some(BodyDigest::of(body)),
        }
    }

    /// A notification's components: `Request-Target` is the receiver's own path and the digest
    /// is over the raw body bytes as received.
    pub fn notification(
        client_id: &'a str,
        request_id: &'a str,
        timestamp: &'a str,
        own_path: &'a str,
        raw_body: &[u8],
    ) -> Self {
        Self::request(client_id, request_id, timestamp, own_path, Some(raw_body))
    }

    /// Signs these components.
    pub fn sign(&self, secret: &SecretKey) -> String {
        let mut mac = secret.mac();
        self.feed(&mut mac);
        let mut out = String::with_capacity(SIGNATURE_PREFIX.len() + 44);
        out.push_str(SIGNATURE_PREFIX);
        STANDARD.encode_string(mac.finalize().into_bytes(), &mut out);
        out
    }

    /// Verifies a `Signature` header value against these components in constant time.
    pub fn verify(&self, secret: &SecretKey, signature: &str) -> Result<(), SignatureError> {
        let mut mac = secret.mac();
        self.feed(&mut mac);
        verify_tag(mac, signature)
    }

    /// Feeds the component string to the MAC without building it as a `String`: assembled
    /// in a buffer on the stack and fed in one call when it fits (it always does for DOKU's
    /// header lengths), piece by piece otherwise.
    fn feed(&self, mac: &mut hmac::Hmac<Sha256>) {
        let mut buf = [0u8; 512];
        let mut len = 0;
        let mut fits = true;
        for part in self.parts() {
            match buf.get_mut(len..len + part.len()) {
                Some(dst) if fits => {
                    dst.copy_from_slice(part);
                    len += part.len();
                }
                _ => fits = false,
            }
        }
        if fits {
            mac.update(&buf[..len]);
        } else {
            for part in self.parts() {
                mac.update(part);
            }
        }
    }

    /// The component string's pieces, in order.
    fn parts(&self) -> impl Iterator<Item = &[u8]> {
        let digest: [&[u8]; 2] = match &self.digest {
            Some(d) => [b"\nDigest:", &d.0],
            None => [b"", b""],
        };
        [
            b"Client-Id:".as_slice(),
            self.client_id.as_bytes(),
            b"\nRequest-Id:",
            self.request_id.as_bytes(),
            b"\n",
            self.timestamp_label.as_str().as_bytes(),
            b":",
            self.timestamp.as_bytes(),
            b"\nRequest-Target:",
            self.target.as_bytes(),
        ]
        .into_iter()
        .chain(digest)
    }
}

impl fmt::Display for Components<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Client-Id:{}\nRequest-Id:{}\n{}:{}\nRequest-Target:{}",
            self.client_id,
            self.request_id,
            self.timestamp_label.as_str(),
            self.timestamp,
            self.target
        )?;
        if let Some(d) = &self.digest {
            write!(f, "\nDigest:{d}")?;
        }
        Ok(())
    }
}

/// base64 (standard alphabet, padded) of SHA-256 of `body`: the `Digest` line's value.
pub fn digest(body: &[u8]) -> String {
    BodyDigest::of(body).as_str().to_owned()
}

/// A `Digest` line value: base64 (standard alphabet, padded) of the SHA-256 of a body, always
/// 44 ASCII characters, held inline so that signing and verifying allocate nothing for it.
///
/// ```
/// use doku_pay_core::signature::BodyDigest;
/// let d = BodyDigest::of(b"");
/// assert_eq!(d, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
/// assert_eq!(d.len(), 44);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BodyDigest([u8; 44]);

impl BodyDigest {
    /// The digest of `body`.
    pub fn of(body: &[u8]) -> Self {
        let mut out = [0u8; 44];
        // 32 bytes always encode to exactly 44 padded characters.
        let written = STANDARD
            .encode_slice(Sha256::digest(body), &mut out)
            .unwrap_or_default();
        debug_assert_eq!(written, 44);
        Self(out)
    }

    /// The 44 characters.
    pub fn as_str(&self) -> &str {
        // Always ASCII: base64 output.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The 44 characters as bytes.
    pub fn as_bytes(&self) -> &[u8; 44] {
        &self.0
    }
}

impl std::ops::Deref for BodyDigest {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for BodyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for BodyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq<str> for BodyDigest {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for BodyDigest {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Signs an already built component string: `HMACSHA256=` + base64(HMAC-SHA256).
pub fn sign(secret: &SecretKey, component: &str) -> String {
    let mut mac = secret.mac();
    mac.update(component.as_bytes());
    let mut out = String::from(SIGNATURE_PREFIX);
    STANDARD.encode_string(mac.finalize().into_bytes(), &mut out);
    out
}

/// Verifies a `Signature` header value over an already built component string, in constant
/// time.
pub fn verify(secret: &SecretKey, component: &str, signature: &str) -> Result<(), SignatureError> {
    let mut mac = secret.mac();
    mac.update(component.as_bytes());
    verify_tag(mac, signature)
}

/// Compares the MAC's tag with a `Signature` header value: the tag is encoded and the 44
/// characters compared in constant time (as 64-bit words, each through `subtle`). Base64 is
/// canonical both ways (the decoder refuses non-zero trailing bits), so this accepts exactly
/// the values that decode to the tag. Only a mismatch decodes the value, to say why.
fn verify_tag(mac: hmac::Hmac<Sha256>, signature: &str) -> Result<(), SignatureError> {
    use subtle::ConstantTimeEq;
    let b64 = signature
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or(SignatureError::WrongPrefix)?;
    let mut ours = [0u8; 48];
    let mut theirs = [0u8; 48];
    let written = STANDARD
        .encode_slice(mac.finalize().into_bytes(), &mut ours)
        .unwrap_or_default();
    debug_assert_eq!(written, 44);
    if b64.len() != 44 {
        return Err(SignatureError::WrongLength);
    }
    theirs[..44].copy_from_slice(b64.as_bytes());
    let mut equal = subtle::Choice::from(1);
    for (a, b) in ours.chunks_exact(8).zip(theirs.chunks_exact(8)) {
        let word = |c: &[u8]| u64::from_le_bytes(c.try_into().unwrap_or_default());
        equal &= word(a).ct_eq(&word(b));
    }
    if bool::from(equal) {
        Ok(())
    } else {
        Err(decode_signature(signature)
            .err()
            .unwrap_or(SignatureError::Mismatch))
    }
}

/// Decodes `HMACSHA256=<base64>` into the 32 MAC bytes.
fn decode_signature(signature: &str) -> Result<[u8; 32], SignatureError> {
    let b64 = signature
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or(SignatureError::WrongPrefix)?;
    let mut out = [0u8; 32];
    // 32 bytes encode to 44 characters; anything longer cannot be a valid signature.
    if b64.len() != 44 {
        return Err(SignatureError::WrongLength);
    }
    match STANDARD.decode_slice(b64, &mut out) {
        Ok(32) => Ok(out),
        Ok(_) => Err(SignatureError::WrongLength),
        Err(_) => Err(SignatureError::BadBase64),
    }
}

/// The headers DOKU sends with a notification (`Client-Id`, `Request-Id`,
/// `Request-Timestamp`, `Signature`), signed with the merchant's `secret` over the receiver's
/// own `path` and the raw `body`: what a test of a notification handler posts, or hands to
/// [`NotificationVerifier::verify`](crate::NotificationVerifier::verify), to stand in for
/// DOKU.
///
/// ```
/// use doku_pay_core::signature::notification_headers;
/// use doku_pay_core::{ClientId, NotificationVerifier, RequestId, SecretKey};
///
/// let (client, secret) = (ClientId::new("MCH-TEST-1").unwrap(), SecretKey::new("SK-TEST").unwrap());
/// let body = br#"{"order":{"invoice_number":"INV-1","amount":10000},"transaction":{"status":"SUCCESS"}}"#;
/// let headers = notification_headers(
///     &client,
///     &secret,
///     &RequestId::new_v4(),
///     "2021-01-27T03:24:24Z",
///     "/payments/notifications",
///     body,
/// );
/// let verified = NotificationVerifier::new()
///     .merchant(client, secret)
///     .verify(&headers, "/payments/notifications", body)
///     .unwrap();
/// assert_eq!(verified.client_id(), "MCH-TEST-1");
/// ```
pub fn notification_headers(
    client_id: &crate::ClientId,
    secret: &SecretKey,
    request_id: &crate::RequestId,
    timestamp: &str,
    path: &str,
    body: &[u8],
) -> http::HeaderMap {
    let signature = Components::notification(
        client_id.as_str(),
        request_id.as_str(),
        timestamp,
        path,
        body,
    )
    .sign(secret);
    let mut headers = http::HeaderMap::with_capacity(4);
    // Every value is visible ASCII: ids are checked when made, a signature is base64, and a
    // timestamp that is not a header value is left out (the verifier then names it missing).
    for (name, value) in [
        ("client-id", client_id.as_str()),
        ("request-id", request_id.as_str()),
        ("request-timestamp", timestamp),
        ("signature", signature.as_str()),
    ] {
        if let Ok(value) = http::HeaderValue::from_str(value) {
            headers.insert(http::HeaderName::from_static(name), value);
        }
    }
    headers
}

/// Why a signature did not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The value does not start with `HMACSHA256=`.
    #[error("signature must start with `HMACSHA256=`")]
    WrongPrefix,
    /// The part after the prefix is not standard padded base64.
    #[error("signature is not valid base64")]
    BadBase64,
    /// The decoded value is not 32 bytes.
    #[error("signature is not 32 bytes of HMAC-SHA256")]
    WrongLength,
    /// Well formed, but not the signature of these components with this key.
    #[error("signature does not match")]
    Mismatch,
}
