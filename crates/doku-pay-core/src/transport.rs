//! The transport: the single place where HTTP happens.
//!
//! [`Api::post`] serialises the body once, signs those exact bytes, sends them with the DOKU
//! headers, verifies the response signature (on by default), and maps the answer:
//!
//! * 2xx: the typed body;
//! * 409 with a validly signed body of the expected shape: DOKU's original answer to an
//!   idempotent replay (`replayed = true`);
//! * 5xx and 429: retried with bounded exponential backoff, **same Request-Id, same bytes**;
//! * connection refused: nothing was sent, retried the same way;
//! * timeout or connection lost after sending: [`Error::OutcomeUnknown`], never retried under a
//!   new Request-Id;
//! * other statuses: [`Error::Doku`] with status, code, message and raw body.
//!
//! Every request runs in a `tracing` span `doku.request` with method, path, Request-Id,
//! status, attempts and duration; no secret is ever recorded.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, Method};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::call::{Call, Sent};
use crate::channel::{Endpoint, PaymentChannel, Retry};
use crate::clock::{SharedClock, SystemClock, format_timestamp};
use crate::credentials::{Credentials, Environment, Merchant};
use crate::error::{DokuError, Error};
use crate::model::{PaymentStatus, RequestId, StatusResult};
use crate::notification::Envelope;
use crate::signature::Components;

/// Path of DOKU's Check Status endpoint (the id is appended as one path segment).
pub const CHECK_STATUS_PATH: &str = "/orders/v1/status/";

pub use crate::signature::headers;

/// A `reqwest` client builder with the TLS this crate uses: rustls on *ring*, Mozilla's root
/// certificates (`webpki-roots`, so no system store is needed), HTTP/2 and HTTP/1.1.
///
/// Every client the crate family builds starts here. Build yours here too when you give
/// one to [`ApiBuilder::http_client`] (for a proxy or your own timeouts) and your
/// application has not installed a default rustls `CryptoProvider`: the `reqwest` these
/// crates enable carries no provider of its own (its `rustls` feature would bring
/// aws-lc-rs), and `reqwest` panics when it builds a client with neither.
///
/// The TLS configuration is fixed: on this builder `reqwest` ignores its own TLS options
/// (`add_root_certificate`, `identity`, `danger_accept_invalid_certs`, `min_tls_version`,
/// `tls_sni`, ...), and a later `tls_backend_rustls()` drops the configuration again. For
/// other roots or a client certificate, give `reqwest` TLS of your own (its `rustls` or
/// `native-tls` feature) and build the client from `reqwest::Client::builder()`.
///
/// ```
/// let http = doku_pay_core::transport::http_client_builder()
///     .connect_timeout(std::time::Duration::from_secs(3))
///     .build()
///     .expect("client");
/// # drop(http);
/// ```
pub fn http_client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().tls_backend_preconfigured(tls_config().clone())
}

/// The rustls configuration of [`http_client_builder`], made once.
fn tls_config() -> &'static rustls::ClientConfig {
    static CONFIG: std::sync::OnceLock<rustls::ClientConfig> = std::sync::OnceLock::new();
    CONFIG.get_or_init(|| {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            // ring implements every protocol version rustls enables by default.
            .unwrap_or_else(|e| unreachable!("ring lacks a default TLS version: {e}"))
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        config
    })
}

/// When and how often a request is retried. Only safe failures are retried: connection
/// refused (nothing sent), 5xx and 429, always with the same Request-Id and bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// Wait before the first retry; doubled each time.
    pub initial_backoff: Duration,
    /// The longest wait between attempts (also caps a 429's `Retry-After`).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub const NONE: RetryPolicy = RetryPolicy {
        max_retries: 0,
        initial_backoff: Duration::ZERO,
        max_backoff: Duration::ZERO,
    };

    fn backoff(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        retry_after.unwrap_or(exp).min(self.max_backoff)
    }
}

/// Transport settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransportConfig {
    /// Time allowed for one attempt, from sending to the end of the answer. Default 30 s
    /// (OVO answers synchronously in up to 70 s: raise it for such channels).
    pub timeout: Duration,
    /// Time allowed to open a connection. Default 10 s.
    pub connect_timeout: Duration,
    /// Check DOKU's response signature (default `true`). DOKU calls it optional; turning it
    /// off accepts any answer that looks right.
    pub verify_response_signature: bool,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Largest answer body read (default 4 MiB); a larger one is an error.
    pub max_response_bytes: usize,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            verify_response_signature: true,
            retry: RetryPolicy::default(),
            max_response_bytes: 4 << 20,
        }
    }
}

/// The timeout and retries of one request.
#[derive(Clone, Copy, Debug)]
struct Policy {
    timeout: Duration,
    retry: RetryPolicy,
}

/// An HTTP answer before interpretation.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    attempts: u32,
}

struct Inner {
    credentials: Credentials,
    /// The credentials' merchant as channels see it, made once rather than per request.
    merchant: Merchant,
    http: reqwest::Client,
    config: TransportConfig,
    base_url: String,
    base_path: String,
    clock: SharedClock,
    on_attempt: Option<AttemptHook>,
}

/// Called with the headers of every attempt before it is sent: see
/// [`ApiBuilder::on_attempt`].
pub type AttemptHook = Arc<dyn Fn(&mut http::HeaderMap) + Send + Sync>;

/// A client's connection to DOKU: one merchant's credentials, an HTTP client and settings.
/// Cheap to clone; hold one per merchant.
#[derive(Clone)]
pub struct Api {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("credentials", &self.inner.credentials)
            .field("base_url", &self.inner.base_url)
            .field("config", &self.inner.config)
            .finish()
    }
}

/// Builds an [`Api`].
pub struct ApiBuilder {
    credentials: Credentials,
    config: TransportConfig,
    http: Option<reqwest::Client>,
    clock: Option<SharedClock>,
    on_attempt: Option<AttemptHook>,
}

impl std::fmt::Debug for ApiBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiBuilder")
            .field("credentials", &self.credentials)
            .field("config", &self.config)
            .field("on_attempt", &self.on_attempt.is_some())
            .finish_non_exhaustive()
    }
}

impl ApiBuilder {
    /// Adds headers to every attempt before it is sent, such as OpenTelemetry's
    /// `traceparent` from the current context (the middleware hook of this client). The
    /// signature covers neither these headers nor their order; a hook cannot change the
    /// signed ones (`Client-Id`, `Request-Id`, `Request-Timestamp`, `Signature`, `Digest`),
    /// which are set after it runs.
    ///
    /// ```
    /// # use doku_pay_core::{Api, Credentials, Environment};
    /// let creds = Credentials::new("MCH-1", "SK-1", Environment::Sandbox).unwrap();
    /// let api = Api::builder(creds)
    ///     .on_attempt(|headers: &mut http::HeaderMap| {
    ///         headers.insert("traceparent", http::HeaderValue::from_static(
    ///             "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    ///     })
    ///     .build()
    ///     .unwrap();
    /// # drop(api);
    /// ```
    pub fn on_attempt(
        mut self,
        hook: impl Fn(&mut http::HeaderMap) + Send + Sync + 'static,
    ) -> Self {
        self.on_attempt = Some(Arc::new(hook));
        self
    }

    /// Replaces the whole configuration.
    pub fn config(mut self, config: TransportConfig) -> Self {
        self.config = config;
        self
    }

    /// Time allowed per attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// Time allowed to open a connection (default 10 s). Applies to the client this builder
    /// makes; one given with [`http_client`](Self::http_client) keeps its own.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// Largest answer body read (default 4 MiB); a larger one is an error.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.config.max_response_bytes = limit;
        self
    }

    /// Retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.config.retry = retry;
        self
    }

    /// Whether to verify DOKU's response signatures (default `true`).
    pub fn verify_response_signature(mut self, on: bool) -> Self {
        self.config.verify_response_signature = on;
        self
    }

    /// Uses this `reqwest` client (its own timeouts apply too). Build it from
    /// [`http_client_builder`] unless your application gives `reqwest` TLS of its own (its
    /// `rustls` or `native-tls` feature, or an installed default rustls `CryptoProvider`).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Uses this clock for request timestamps.
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Api, Error> {
        // `Environment::Custom` can be built without `Environment::custom`'s checks: they run
        // again here, so a trailing `/`, a query or a user name in the URL never reaches a
        // request (or a span) whatever way the environment was made.
        let base_url = match &self.credentials.environment {
            Environment::Custom(url) => Environment::custom(url.as_str())?.base_url().to_owned(),
            known => known.base_url().to_owned(),
        };
        let parsed = reqwest::Url::parse(&base_url)
            .map_err(|e| Error::Config(format!("base URL `{base_url}`: {e}")))?;
        let base_path = parsed.path().trim_end_matches('/').to_owned();
        let http = match self.http {
            Some(h) => h,
            None => http_client_builder()
                .connect_timeout(self.config.connect_timeout)
                .user_agent(concat!("doku-rs/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| Error::Config(format!("HTTP client: {e}")))?,
        };
        Ok(Api {
            inner: Arc::new(Inner {
                merchant: Merchant::from_credentials(&self.credentials),
                credentials: self.credentials,
                http,
                config: self.config,
                base_url,
                base_path,
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                on_attempt: self.on_attempt,
            }),
        })
    }
}

/// The `error.type` of a failed request: which way it failed, for spans and metrics.
fn error_type(e: &Error) -> &'static str {
    match e {
        Error::Unreachable { .. } => "unreachable",
        Error::OutcomeUnknown { .. } => "outcome_unknown",
        Error::Doku(_) => "doku_refused",
        Error::Untrusted { .. } => "untrusted",
        Error::Undecodable { .. } => "undecodable",
        _ => "other",
    }
}

/// Records one request with the `metrics` facade (a no-op until the application installs a
/// recorder, such as a Prometheus exporter): `doku_client_requests_total` and
/// `doku_client_request_duration_seconds`, labelled by method, path, status and outcome.
fn record_metrics(
    method: &Method,
    target: &str,
    status: Option<u16>,
    outcome: &'static str,
    started: Instant,
) {
    let labels = [
        ("http_request_method", method.as_str().to_owned()),
        ("url_path", target.to_owned()),
        (
            "http_response_status_code",
            status.map_or_else(String::new, |s| s.to_string()),
        ),
        ("outcome", outcome.to_owned()),
    ];
    metrics::counter!("doku_client_requests_total", &labels).increment(1);
    metrics::histogram!("doku_client_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
}

/// Characters escaped in a path segment: controls, space, and the URL delimiters.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

impl Api {
    /// A client with the default configuration.
    pub fn new(credentials: Credentials) -> Result<Self, Error> {
        Self::builder(credentials).build()
    }

    /// A builder for a client with custom settings.
    pub fn builder(credentials: Credentials) -> ApiBuilder {
        ApiBuilder {
            credentials,
            config: TransportConfig::default(),
            http: None,
            clock: None,
            on_attempt: None,
        }
    }

    /// The merchant's credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// The settings.
    pub fn config(&self) -> &TransportConfig {
        &self.inner.config
    }

    /// The base URL requests go to, without a trailing `/` (the environment's, checked).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The merchant these credentials belong to, as channels see it (no secret exposed).
    pub fn merchant(&self) -> &Merchant {
        &self.inner.merchant
    }

    /// Sends a channel's [`Call`] with its endpoint's policy (timeout, retry) and reads the
    /// answer with the call's reader. Errors keep any redirect the answer carried.
    pub async fn call<T>(&self, call: Call<T>) -> Result<T, Error> {
        let endpoint = call.endpoint();
        let policy = self.policy(Some(endpoint));
        let method = endpoint.method.clone();
        let body = (method != Method::GET).then(|| call.body().clone());
        match self
            .send_raw(
                method,
                endpoint.path,
                body,
                call.request_id().clone(),
                policy,
            )
            .await
        {
            Ok(sent) => call.read(sent),
            Err(e) => Err(call.fail(e)),
        }
    }

    /// Creates a payment through `channel` directly (no registry, no capability check: see
    /// [`crate::Client::create`] for those).
    pub async fn create(
        &self,
        channel: &dyn PaymentChannel,
        req: &crate::PaymentRequest,
    ) -> Result<crate::Payment, Error> {
        self.call(channel.create(req, self.merchant())?).await
    }

    /// Cancels through `channel` directly.
    pub async fn cancel(
        &self,
        channel: &dyn PaymentChannel,
        req: &crate::CancelRequest,
    ) -> Result<crate::Cancellation, Error> {
        self.call(channel.cancel(req, self.merchant())?).await
    }

    /// Refunds through `channel` directly.
    pub async fn refund(
        &self,
        channel: &dyn PaymentChannel,
        req: &crate::RefundRequest,
    ) -> Result<crate::Refund, Error> {
        self.call(channel.refund(req, self.merchant())?).await
    }

    /// The timeout and retry policy for a request to `endpoint` (the transport's own for
    /// `None`).
    fn policy(&self, endpoint: Option<&Endpoint>) -> Policy {
        let config = &self.inner.config;
        let timeout = endpoint
            .and_then(|e| e.timeout_secs)
            .map_or(config.timeout, Duration::from_secs);
        let retry = match endpoint.map(|e| e.retry) {
            Some(Retry::Never) => RetryPolicy::NONE,
            _ => config.retry,
        };
        Policy { timeout, retry }
    }

    /// Signs and POSTs `body` as JSON to `path` and decodes the answer as `T`.
    ///
    /// The body is serialised once; the digest, the signature and every retry use those
    /// exact bytes and the same Request-Id (`request_id`, or a fresh UUID v4).
    pub async fn post<B, T>(
        &self,
        path: &str,
        body: &B,
        request_id: Option<&RequestId>,
    ) -> Result<Sent<T>, Error>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::Config(format!("request body does not serialise: {e}")))?;
        self.post_bytes(path, Bytes::from(bytes), request_id).await
    }

    /// Signs and POSTs exactly these bytes, and decodes the answer as `T`.
    pub async fn post_bytes<T: DeserializeOwned>(
        &self,
        path: &str,
        body: Bytes,
        request_id: Option<&RequestId>,
    ) -> Result<Sent<T>, Error> {
        let rid = request_id.cloned().unwrap_or_else(RequestId::new_v4);
        self.send(Method::POST, path, Some(body), rid, self.policy(None))
            .await
    }

    /// Signs (GET form, no Digest) and GETs `path`, decoding the answer as `T`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        request_id: Option<&RequestId>,
    ) -> Result<Sent<T>, Error> {
        let rid = request_id.cloned().unwrap_or_else(RequestId::new_v4);
        self.send(Method::GET, path, None, rid, self.policy(None))
            .await
    }

    /// Check Status: `GET /orders/v1/status/{invoice number or Request-Id}`.
    ///
    /// DOKU advises calling it no sooner than 60 seconds after payment, and whenever a
    /// notification is missing or a request's outcome is unknown.
    pub async fn check_status(&self, invoice_or_request_id: &str) -> Result<StatusResult, Error> {
        let mut v = crate::validate::Validator::new();
        if v.required("invoice_or_request_id", Some(invoice_or_request_id)) {
            v.max_chars("invoice_or_request_id", invoice_or_request_id, 128);
            // URL parsers resolve these as path segments: what was signed would not be sent.
            if matches!(invoice_or_request_id, "." | "..") {
                v.push("invoice_or_request_id", "must not be `.` or `..`");
            }
        }
        v.finish()?;
        let path = format!(
            "{CHECK_STATUS_PATH}{}",
            utf8_percent_encode(invoice_or_request_id, SEGMENT)
        );
        let sent: Sent<Envelope> = self.get(&path, None).await?;
        let raw = sent.raw_json();
        let env = sent.body;
        let (status, date, original_request_id) = match env.transaction {
            Some(t) => (
                t.status
                    .as_deref()
                    .map(PaymentStatus::from_doku)
                    .unwrap_or_else(|| PaymentStatus::Unknown(String::new())),
                t.date
                    .as_deref()
                    .and_then(crate::clock::parse_doku_datetime),
                t.original_request_id.map(String::from),
            ),
            None => (PaymentStatus::Unknown(String::new()), None, None),
        };
        let (invoice_number, amount) = match env.order {
            Some(o) => (o.invoice_number.map(String::from), o.amount),
            None => (None, None),
        };
        Ok(StatusResult {
            request_id: sent.request_id,
            invoice_number,
            amount,
            status,
            channel_code: env.channel.and_then(|c| c.id).map(String::from),
            original_request_id,
            date,
            raw,
        })
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        rid: RequestId,
        policy: Policy,
    ) -> Result<Sent<T>, Error> {
        self.send_raw(method, path, body, rid, policy)
            .await?
            .decode()
    }

    async fn send_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        rid: RequestId,
        policy: Policy,
    ) -> Result<Sent<Bytes>, Error> {
        if !path.starts_with('/') || path.contains(['?', '#']) || path.contains(char::is_whitespace)
        {
            return Err(Error::Config(format!(
                "request path `{path}` must start with `/` and carry no query"
            )));
        }
        let target = format!("{}{path}", self.inner.base_path);
        // OpenTelemetry's HTTP client conventions, so that an OTel layer exports the span as
        // an HTTP client span (`otel.kind`, `http.request.method`, `url.path`,
        // `http.response.status_code`, `http.request.resend_count`, `error.type`).
        let span = tracing::info_span!(
            "doku.request",
            otel.name = %format_args!("{method} {target}"),
            otel.kind = "client",
            http.request.method = %method,
            url.path = %target,
            server.address = %self.inner.base_url,
            doku.request_id = %rid,
            http.response.status_code = tracing::field::Empty,
            http.request.resend_count = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        async {
            let started = Instant::now();
            let result = self
                .execute(&method, path, &target, body, &rid, policy)
                .await;
            let span = tracing::Span::current();
            let answer = match result {
                Ok(a) => a,
                Err(e) => {
                    span.record("error.type", error_type(&e));
                    record_metrics(&method, &target, None, error_type(&e), started);
                    tracing::warn!(error = %e, "DOKU request failed");
                    return Err(e);
                }
            };
            span.record("http.response.status_code", answer.status);
            span.record("http.request.resend_count", answer.attempts - 1);
            let status = answer.status;
            let out = self.interpret(&target, rid, answer);
            let outcome = out.as_ref().map_or_else(error_type, |_| "ok");
            record_metrics(&method, &target, Some(status), outcome, started);
            match &out {
                Ok(_) => tracing::info!("DOKU request answered"),
                Err(e) => {
                    span.record("error.type", outcome);
                    tracing::warn!(error = %e, "DOKU request refused");
                }
            }
            out
        }
        .instrument(span)
        .await
    }

    async fn execute(
        &self,
        method: &Method,
        path: &str,
        target: &str,
        body: Option<Bytes>,
        rid: &RequestId,
        policy: Policy,
    ) -> Result<Answer, Error> {
        let inner = &*self.inner;
        let url = format!("{}{path}", inner.base_url);
        let client_id = inner.credentials.client_id.as_str();
        let retry = policy.retry;
        let mut attempts = 0u32;
        let mut reached = false;
        loop {
            attempts += 1;
            let timestamp = format_timestamp(inner.clock.now());
            let signature =
                Components::request(client_id, rid.as_str(), &timestamp, target, body.as_deref())
                    .sign(&inner.credentials.secret_key);
            let mut req = inner
                .http
                .request(method.clone(), &url)
                .timeout(policy.timeout);
            if let Some(hook) = &inner.on_attempt {
                let mut extra = http::HeaderMap::new();
                hook(&mut extra);
                for signed in [
                    headers::CLIENT_ID,
                    headers::REQUEST_ID,
                    headers::REQUEST_TIMESTAMP,
                    headers::SIGNATURE,
                    "Digest",
                ] {
                    extra.remove(signed);
                }
                req = req.headers(extra);
            }
            let mut req = req
                .header(headers::CLIENT_ID, client_id)
                .header(headers::REQUEST_ID, rid.as_str())
                .header(headers::REQUEST_TIMESTAMP, &timestamp)
                .header(headers::SIGNATURE, signature);
            if let Some(b) = &body {
                req = req
                    .header(http::header::CONTENT_TYPE, "application/json")
                    .body(b.clone());
            }
            let retry_now = attempts <= retry.max_retries;
            match req.send().await {
                Err(e) if e.is_connect() => {
                    let e = e.without_url();
                    let reason = error_chain(&e);
                    tracing::debug!(attempt = attempts, error = %reason, "connect failed");
                    if retry_now {
                        tokio::time::sleep(retry.backoff(attempts, None)).await;
                        continue;
                    }
                    return Err(if reached {
                        Error::OutcomeUnknown {
                            request_id: rid.clone(),
                            reason: format!(
                                "an earlier attempt was answered 5xx/429, then {reason}"
                            ),
                            underlying: Some(Box::new(e)),
                        }
                    } else {
                        Error::Unreachable {
                            request_id: rid.clone(),
                            reason,
                            underlying: Some(Box::new(e)),
                        }
                    });
                }
                Err(e) if e.is_timeout() => {
                    return Err(Error::OutcomeUnknown {
                        request_id: rid.clone(),
                        reason: format!("no answer within {:?}", policy.timeout),
                        underlying: Some(Box::new(e.without_url())),
                    });
                }
                Err(e) => {
                    let e = e.without_url();
                    return Err(Error::OutcomeUnknown {
                        request_id: rid.clone(),
                        reason: format!("connection lost after sending: {}", error_chain(&e)),
                        underlying: Some(Box::new(e)),
                    });
                }
                Ok(mut resp) => {
                    reached = true;
                    let status = resp.status().as_u16();
                    let headers = std::mem::take(resp.headers_mut());
                    let body = read_capped(resp, inner.config.max_response_bytes)
                        .await
                        .map_err(|reason| Error::OutcomeUnknown {
                            request_id: rid.clone(),
                            reason,
                            underlying: None,
                        })?;
                    if (status >= 500 || status == 429) && retry_now {
                        let retry_after = headers
                            .get(http::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.trim().parse::<u64>().ok())
                            .map(Duration::from_secs);
                        tracing::debug!(attempt = attempts, status, "retrying");
                        tokio::time::sleep(retry.backoff(attempts, retry_after)).await;
                        continue;
                    }
                    return Ok(Answer {
                        status,
                        headers,
                        body,
                        attempts,
                    });
                }
            }
        }
    }

    /// DOKU's answer as the call's reader gets it: a 2xx (its signature verified), or a 409
    /// signed like one (DOKU's stored answer to the original request, or its refusal: the
    /// reader tells them apart by the body's shape); anything else is DOKU's error.
    fn interpret(
        &self,
        target: &str,
        rid: RequestId,
        answer: Answer,
    ) -> Result<Sent<Bytes>, Error> {
        let Answer {
            status,
            headers,
            body,
            attempts,
        } = answer;
        let verify = self.inner.config.verify_response_signature;
        let signed = headers.contains_key(headers::SIGNATURE);
        let success = (200..300).contains(&status);
        if (success || status == 409) && verify {
            if status == 409 && !signed {
                // An unsigned 409 cannot be trusted as the original answer: DOKU's error,
                // whose delivery is unknown (DOKU has the Request-Id; `Error::delivery`).
                return Err(DokuError::from_response(rid, status, &body).into());
            }
            self.verify_response(target, &rid, &headers, &body)?;
        }
        if success || status == 409 {
            return Ok(Sent {
                request_id: rid,
                status,
                replayed: status == 409,
                attempts,
                body: body.clone(),
                raw: body,
            });
        }
        if verify && signed {
            self.verify_response(target, &rid, &headers, &body)?;
        }
        Err(DokuError::from_response(rid, status, &body).into())
    }

    /// Checks DOKU's response signature: `Response-Timestamp`, the path called, the digest of
    /// the body, the echoed Client-Id and Request-Id.
    fn verify_response(
        &self,
        target: &str,
        rid: &RequestId,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), Error> {
        let untrusted = |reason: String| Error::Untrusted {
            request_id: rid.clone(),
            reason,
            raw: String::from_utf8_lossy(body).into_owned(),
            next_action: None,
        };
        let get = |name: &str| -> Result<Option<&str>, Error> {
            match headers.get(name) {
                None => Ok(None),
                Some(v) => v
                    .to_str()
                    .map(Some)
                    .map_err(|_| untrusted(format!("{name} header is not ASCII"))),
            }
        };
        let ours = self.inner.credentials.client_id.as_str();
        let client_id = get(headers::CLIENT_ID)?.unwrap_or(ours);
        if client_id != ours {
            return Err(untrusted(format!(
                "answer is for Client-Id `{client_id}`, not `{ours}`"
            )));
        }
        let echoed = get(headers::REQUEST_ID)?.unwrap_or(rid.as_str());
        if echoed != rid.as_str() {
            return Err(untrusted(format!(
                "answer echoes Request-Id `{echoed}`, not `{rid}`"
            )));
        }
        let timestamp = get(headers::RESPONSE_TIMESTAMP)?
            .ok_or_else(|| untrusted("no Response-Timestamp header".into()))?;
        let signature =
            get(headers::SIGNATURE)?.ok_or_else(|| untrusted("no Signature header".into()))?;
        Components::response(client_id, rid.as_str(), timestamp, target, body)
            .verify(&self.inner.credentials.secret_key, signature)
            .map_err(|e| untrusted(format!("response {e}")))
    }
}

async fn read_capped(mut resp: reqwest::Response, limit: usize) -> Result<Bytes, String> {
    let mut buf = BytesMut::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if buf.len() + chunk.len() > limit {
                    return Err(format!("answer larger than {limit} bytes"));
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(buf.freeze()),
            Err(e) if e.is_timeout() => return Err("answer not complete within the timeout".into()),
            Err(e) => return Err(format!("answer cut off: {}", error_chain(&e))),
        }
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        out.push_str(": ");
        out.push_str(&s.to_string());
        src = s.source();
    }
    out
}
