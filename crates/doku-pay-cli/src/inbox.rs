//! `doku inbox list | replay`: the PostgreSQL inbox of notifications as received, to inspect
//! and to deliver again.

use clap::{Args, Subcommand, ValueEnum};
use doku_pay_receiver::{InboxEntry, InboxFilter, PostgresStore};

use crate::failure::Failure;
use crate::target::Secret;

/// Arguments of `inbox`.
#[derive(Debug, Args)]
pub(crate) struct InboxArgs {
    #[command(subcommand)]
    command: InboxCommand,
}

/// The inbox's store.
#[derive(Debug, Args)]
struct StoreArg {
    /// The PostgreSQL store of `doku listen --store` (postgres://...; prefer DOKU_STORE:
    /// flags show in process lists).
    #[arg(long, env = "DOKU_STORE", hide_env_values = true)]
    store: Secret,
}

#[derive(Debug, Subcommand)]
enum InboxCommand {
    /// List stored notifications, oldest first.
    List {
        #[command(flatten)]
        store: StoreArg,
        /// Which ones.
        #[arg(long, value_enum, default_value_t = Which::All)]
        state: Which,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Deliver stored notifications that are not done (failed, or in flight with a holder
    /// that may have died) again, byte for byte with their original signature, to a
    /// receiver, which verifies and deduplicates them as any delivery.
    Replay {
        #[command(flatten)]
        store: StoreArg,
        /// The receiver's notification URL (http://host:port/path).
        #[arg(long)]
        to: String,
        /// Only the notification with this key (as `inbox list` shows it).
        #[arg(long)]
        key: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    All,
    Pending,
    Failed,
    Inflight,
    Done,
}

impl Which {
    fn filter(self) -> InboxFilter {
        match self {
            Which::All => InboxFilter::All,
            Which::Pending => InboxFilter::Pending,
            Which::Failed => InboxFilter::Failed,
            Which::Inflight => InboxFilter::InFlight,
            Which::Done => InboxFilter::Done,
        }
    }
}

pub(crate) async fn run(a: InboxArgs, json: bool) -> Result<(), Failure> {
    match a.command {
        InboxCommand::List {
            store,
            state,
            limit,
        } => {
            let store = open(&store).await?;
            let entries = store
                .list(state.filter(), limit)
                .await
                .map_err(|e| Failure::refused(e.to_string()))?;
            for e in &entries {
                print_entry(e, json);
            }
            if !json {
                eprintln!("{} notification(s)", entries.len());
            }
            Ok(())
        }
        InboxCommand::Replay {
            store,
            to,
            key,
            limit,
        } => {
            let to = receiver_url(&to)?;
            replay(&open(&store).await?, &to, key, limit, json).await
        }
    }
}

/// The innermost cause of an error (`Connection refused`, a DNS failure, ...), which
/// `reqwest`'s own text leaves out.
fn cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = e;
    while let Some(source) = inner.source() {
        inner = source;
    }
    inner.to_string()
}

/// `--to`, checked before anything is read or sent: an `http(s)://host[:port]/path` URL.
fn receiver_url(to: &str) -> Result<reqwest::Url, Failure> {
    let bad = |why: &str| {
        Failure::input(format!(
            "--to must be the receiver's notification URL, http(s)://host[:port]/path: {why}"
        ))
    };
    let url = reqwest::Url::parse(to).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(&format!("the scheme is `{}`", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            "a query or fragment is not part of a notification path",
        ));
    }
    Ok(url)
}

async fn open(store: &StoreArg) -> Result<PostgresStore, Failure> {
    let url = store.store.expose();
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(Failure::input(
            "inbox needs a PostgreSQL store: --store postgres://... (or DOKU_STORE)",
        ));
    }
    PostgresStore::connect(url)
        .await
        .map_err(|e| crate::listen::store_failure("cannot open the inbox", &e))
}

/// A time as RFC 3339 (ISO 8601), `2026-12-01T19:46:50.575262Z`, as the rest of the CLI
/// prints times.
fn rfc3339(t: time::OffsetDateTime) -> String {
    // PostgreSQL's `timestamptz` comes back in UTC.
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

fn print_entry(e: &InboxEntry, json: bool) {
    let body = e.body.as_deref().map(String::from_utf8_lossy);
    if json {
        let doc = serde_json::json!({
            "key": e.key,
            "client_id": e.client_id,
            "request_id": e.request_id,
            "channel_code": e.channel_code,
            "state": e.state,
            "attempts": e.attempts,
            "last_error": e.last_error,
            "received_at": rfc3339(e.received_at),
            "completed_at": e.completed_at.map(rfc3339),
            "path": e.path,
            "body": body,
        });
        println!("{doc}");
    } else {
        println!(
            "{:<8} attempts={} {} channel={} received={}{}",
            e.state,
            e.attempts,
            e.key,
            e.channel_code.as_deref().unwrap_or("-"),
            rfc3339(e.received_at),
            e.last_error
                .as_deref()
                .map(|err| format!(" last_error={err:?}"))
                .unwrap_or_default(),
        );
    }
}

async fn replay(
    store: &PostgresStore,
    to: &reqwest::Url,
    key: Option<String>,
    limit: i64,
    json: bool,
) -> Result<(), Failure> {
    let entries = store
        .list(
            InboxFilter::Pending,
            if key.is_some() { i64::MAX } else { limit },
        )
        .await
        .map_err(|e| Failure::refused(e.to_string()))?;
    let entries: Vec<InboxEntry> = entries
        .into_iter()
        .filter(|e| key.as_ref().is_none_or(|k| *k == e.key))
        .collect();
    if let Some(k) = &key
        && entries.is_empty()
    {
        return Err(Failure::input(format!(
            "no pending notification with key `{k}` (done ones are not replayed)"
        )));
    }
    let http = doku_pay::transport::http_client_builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(|e| Failure::refused(format!("cannot build an HTTP client: {e}")))?;
    let mut failed = 0usize;
    for e in &entries {
        let (Some(body), Some(ts), Some(sig)) = (&e.body, &e.request_timestamp, &e.signature)
        else {
            eprintln!("skipped {}: the inbox row has no stored request", e.key);
            failed += 1;
            continue;
        };
        // DOKU signed the path it delivered to: sent to another, the receiver would refuse
        // the signature (401) or serve no such path (404).
        if let Some(path) = e.path.as_deref().filter(|p| *p != to.path()) {
            eprintln!(
                "skipped {}: it was received on {path}, and its signature covers that path; \
                 --to has {} (give the listener's URL with its --path)",
                e.key,
                to.path()
            );
            failed += 1;
            continue;
        }
        let sent = http
            .post(to.clone())
            .header("Client-Id", &e.client_id)
            .header("Request-Id", &e.request_id)
            .header("Request-Timestamp", ts)
            .header("Signature", sig)
            .header("Content-Type", "application/json")
            .body(body.clone())
            .send()
            .await;
        let (status, text) = match sent {
            Ok(r) => (
                r.status().as_u16(),
                r.text().await.unwrap_or_default().trim().to_owned(),
            ),
            Err(err) => (0, format!("not delivered ({})", cause(&err))),
        };
        if !(200..300).contains(&status) {
            failed += 1;
        }
        // No answer: no status (0 is no HTTP status).
        if json {
            let status = (status != 0).then_some(status);
            println!(
                "{}",
                serde_json::json!({"key": e.key, "status": status, "answer": text})
            );
        } else if status == 0 {
            println!("{text}: {}", e.key);
        } else {
            println!("{status} {text}: {}", e.key);
        }
    }
    if failed > 0 {
        return Err(Failure::refused(format!(
            "{failed} of {} notification(s) not acknowledged",
            entries.len()
        )));
    }
    if !json {
        eprintln!(
            "{} notification(s) replayed and acknowledged",
            entries.len()
        );
    }
    Ok(())
}
