//! `sign` and `verify`: what a developer needs when DOKU answers "Invalid Header Signature".

use clap::{Args, ValueEnum};
use doku_pay::SecretKey;
use doku_pay::signature::{Components, TimestampLabel};
use serde::Serialize;

use crate::failure::Failure;
use crate::input::read_bytes;

/// Which component string to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Kind {
    /// A request to DOKU (POST with a body, or GET without).
    Request,
    /// DOKU's answer (Response-Timestamp; the path the merchant called).
    Response,
    /// A notification from DOKU (the path of your own notification URL).
    Notification,
}

/// Headers, path and body to sign or verify.
#[derive(Debug, Args)]
pub(crate) struct SigInput {
    /// Raw headers as sent or received, one `Name: value` per line (a file, or - for stdin);
    /// Client-Id, Request-Id, Request-Timestamp / Response-Timestamp and Signature are read
    /// from it. Flags override it.
    #[arg(long, value_name = "FILE")]
    headers: Option<String>,
    /// Client-Id.
    #[arg(long, env = "DOKU_CLIENT_ID")]
    client_id: Option<String>,
    /// Request-Id.
    #[arg(long)]
    request_id: Option<String>,
    /// Request-Timestamp (Response-Timestamp with --kind response), e.g. 2020-08-11T08:45:42Z.
    /// Default: now (sign only).
    #[arg(long)]
    timestamp: Option<String>,
    /// Request-Target: the path only, e.g. /akulaku-peer-to-peer/v2/generate-order (for a
    /// notification: the path of your notification URL).
    #[arg(long)]
    path: String,
    /// The exact body bytes (a file, or - for stdin). Omit for a GET: no Digest line.
    #[arg(long, value_name = "FILE")]
    body: Option<String>,
    /// Which component string.
    #[arg(long, value_enum, default_value_t = Kind::Request)]
    kind: Kind,
    /// Secret Key (prefer the environment variable: flags show in process lists).
    #[arg(long, env = "DOKU_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<crate::target::Secret>,
}

/// Arguments of `sign`.
#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    #[command(flatten)]
    input: SigInput,
    /// Print only the headers to send, one `Name: value` per line (for `curl -H @FILE`).
    #[arg(long)]
    headers_only: bool,
}

/// Arguments of `verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    input: SigInput,
    /// The Signature header value to check (default: the one in --headers).
    #[arg(long)]
    signature: Option<String>,
}

#[derive(Debug, Default)]
struct HeaderValues {
    client_id: Option<String>,
    request_id: Option<String>,
    timestamp: Option<String>,
    signature: Option<String>,
}

fn parse_headers(text: &str) -> HeaderValues {
    let mut h = HeaderValues::default();
    for line in text.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = Some(value.trim().to_owned());
        match name.trim().to_ascii_lowercase().as_str() {
            "client-id" => h.client_id = value,
            "request-id" => h.request_id = value,
            "request-timestamp" | "response-timestamp" => h.timestamp = value,
            "signature" => h.signature = value,
            _ => {}
        }
    }
    h
}

#[derive(Debug, Serialize)]
struct Computed {
    component: String,
    digest: Option<String>,
    signature: String,
    /// The signed message's headers, `Name: value` each, as sent (`doku verify --headers`
    /// reads this form; `curl -H` takes each line).
    headers: Vec<String>,
}

struct Resolved {
    computed: Computed,
    secret: SecretKey,
    header_signature: Option<String>,
}

fn resolve(input: SigInput, timestamp_required: bool) -> Result<Resolved, Failure> {
    if input.headers.as_deref() == Some("-") && input.body.as_deref() == Some("-") {
        return Err(Failure::input(
            "--headers and --body cannot both read stdin",
        ));
    }
    let from_file = match &input.headers {
        Some(path) => {
            let bytes = read_bytes(path)?;
            parse_headers(&String::from_utf8_lossy(&bytes))
        }
        None => HeaderValues::default(),
    };
    let secret = input
        .secret_key
        .ok_or_else(|| Failure::input("no secret key: set DOKU_SECRET_KEY or --secret-key"))
        .and_then(|s| SecretKey::new(s.expose()).map_err(|e| Failure::input(e.to_string())))?;
    let client_id = input.client_id.or(from_file.client_id).ok_or_else(|| {
        Failure::input("no Client-Id: give --client-id, DOKU_CLIENT_ID or --headers")
    })?;
    let request_id = input
        .request_id
        .or(from_file.request_id)
        .ok_or_else(|| Failure::input("no Request-Id: give --request-id or --headers"))?;
    let timestamp = match input.timestamp.or(from_file.timestamp) {
        Some(t) => t,
        None if timestamp_required => {
            return Err(Failure::input(
                "no timestamp: give --timestamp or --headers with Request-Timestamp",
            ));
        }
        None => doku_pay::clock::format_timestamp(time::OffsetDateTime::now_utc()),
    };
    if !input.path.starts_with('/') || input.path.contains("://") {
        return Err(Failure::input(format!(
            "--path must be the path only, starting with `/` (got `{}`)",
            input.path
        )));
    }
    let body = input.body.as_deref().map(read_bytes).transpose()?;
    let body_ref = body.as_deref();
    let components = match input.kind {
        Kind::Request => {
            Components::request(&client_id, &request_id, &timestamp, &input.path, body_ref)
        }
        Kind::Notification => Components::notification(
            &client_id,
            &request_id,
            &timestamp,
            &input.path,
            body_ref.ok_or_else(|| Failure::input("a notification has a body: give --body"))?,
        ),
        Kind::Response => {
            let mut c =
                Components::request(&client_id, &request_id, &timestamp, &input.path, body_ref);
            c.timestamp_label = TimestampLabel::Response;
            if body_ref.is_none() {
                return Err(Failure::input("a response has a body: give --body"));
            }
            c
        }
    };
    let signature = components.sign(&secret);
    let timestamp_name = match input.kind {
        Kind::Response => "Response-Timestamp",
        Kind::Request | Kind::Notification => "Request-Timestamp",
    };
    let mut headers = vec![
        format!("Client-Id: {client_id}"),
        format!("Request-Id: {request_id}"),
        format!("{timestamp_name}: {timestamp}"),
        format!("Signature: {signature}"),
    ];
    // A body is JSON (not signed: said so that a client sending these lines sends it as such).
    if components.digest.is_some() {
        headers.push("Content-Type: application/json".to_owned());
    }
    let computed = Computed {
        component: components.to_string(),
        digest: components.digest.map(|d| d.to_string()),
        headers,
        signature,
    };
    Ok(Resolved {
        computed,
        secret,
        header_signature: from_file.signature,
    })
}

fn print_computed(c: &Computed) {
    println!("component string (signed exactly; lines joined by \\n, no trailing newline):");
    for line in c.component.lines() {
        println!("  {line}");
    }
    match &c.digest {
        Some(d) => println!("digest:    {d}"),
        None => println!("digest:    none (a GET has no Digest line)"),
    }
    println!("signature: {}", c.signature);
}

pub(crate) fn sign(a: SignArgs, json: bool) -> Result<(), Failure> {
    if a.headers_only && json {
        return Err(Failure::input(
            "--headers-only prints `Name: value` lines, not JSON: give one of --headers-only and --json",
        ));
    }
    let r = resolve(a.input, false)?;
    if a.headers_only {
        for h in &r.computed.headers {
            println!("{h}");
        }
    } else if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&r.computed)
                .map_err(|e| Failure::refused(e.to_string()))?
        );
    } else {
        print_computed(&r.computed);
        println!("headers (as sent; `doku verify --headers` reads these lines):");
        for h in &r.computed.headers {
            println!("{h}");
        }
    }
    Ok(())
}

pub(crate) fn verify(a: VerifyArgs, json: bool) -> Result<(), Failure> {
    let given_flag = a.signature.clone();
    let r = resolve(a.input, true)?;
    let given = given_flag.or(r.header_signature.clone()).ok_or_else(|| {
        Failure::input("no signature to check: give --signature or --headers with Signature")
    })?;
    let outcome = doku_pay::signature::verify(&r.secret, &r.computed.component, &given);
    if json {
        let v = serde_json::json!({
            "component": r.computed.component,
            "digest": r.computed.digest,
            "expected": r.computed.signature,
            "given": given,
            "matches": outcome.is_ok(),
            "reason": outcome.err().map(|e| e.to_string()),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| Failure::refused(e.to_string()))?
        );
    } else {
        print_computed(&r.computed);
        println!("given:     {given}");
        match outcome {
            Ok(()) => println!("result:    signature matches"),
            Err(e) => {
                println!("result:    MISMATCH ({e})");
                println!(
                    "check: the secret key of this Client-Id and environment; the path only (no host or query);"
                );
                println!(
                    "       the body bytes exactly as sent (not re-serialised); the timestamp exactly as in the header."
                );
            }
        }
    }
    match outcome {
        Ok(()) => Ok(()),
        Err(e) => Err(Failure::refused(format!("verification failed: {e}"))),
    }
}
