//! `doku`: DOKU payments from the command line.
//!
//! * `doku demo`: the whole flow offline, on the embedded simulator.
//! * `doku channels`: the registered channels and their capabilities.
//! * `doku create | cancel | refund <channel> --request FILE`, `doku status <id>`: the unified
//!   models as JSON in and out.
//! * `doku listen`: a notification receiver printing each verified notification as a JSON line.
//! * `doku sign`, `doku verify`: the component string, digest and signature, for debugging
//!   `Invalid Header Signature`.
//! * `doku sim`: the local DOKU simulator, standalone.
//! * `doku inbox list | replay`: the PostgreSQL inbox of `doku listen --store postgres://...`.
//!
//! Exit codes: 0 success; 1 DOKU answered with an error, or answered a create, cancel or
//! refund `FAILED`, or a check failed; 2 bad input or usage, nothing sent; 3 outcome unknown
//! (no answer: retry with the same Request-Id or check status; or an answer that leaves it
//! open: a create `TIMEOUT`, a status this library does not know).

mod demo;
mod failure;
mod inbox;
mod input;
mod listen;
mod ops;
mod signing;
mod simcmd;
mod target;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// DOKU payments from the command line: an offline demo, payment operations, signature tools,
/// a local DOKU simulator and a notification listener.
///
/// Credentials come from DOKU_CLIENT_ID, DOKU_SECRET_KEY and DOKU_ENV (sandbox, production, or
/// a base URL such as http://127.0.0.1:7070) or the matching flags. With none given, commands
/// that talk to DOKU use an embedded simulator and say so on stderr. Production is never the
/// default.
#[derive(Debug, Parser)]
#[command(name = "doku", version)]
struct Cli {
    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the end-to-end demo offline: simulator, receiver, every linked channel, every operation it offers.
    Demo(demo::DemoArgs),
    /// List the registered channels and their capabilities.
    Channels,
    /// Print a unified PaymentRequest a channel accepts (its simulator sample), for `create`;
    /// with `--notification`, the notification body that payment brings once paid.
    Sample(ops::SampleArgs),
    /// Create a payment from a unified PaymentRequest (JSON file, or - for stdin).
    Create(ops::OpArgs),
    /// Cancel a payment from a unified CancelRequest (JSON file, or - for stdin).
    Cancel(ops::OpArgs),
    /// Refund a payment from a unified RefundRequest (JSON file, or - for stdin).
    Refund(ops::OpArgs),
    /// Check Status of an invoice number or a payment request's Request-Id.
    Status(ops::StatusArgs),
    /// Receive DOKU notifications; print each verified one as a JSON line.
    #[command(
        after_help = "Exit codes: 0 stopped by SIGTERM or SIGINT (Ctrl-C); 1 the store \
        cannot be reached or fails; 2 bad input: a flag, a file, a store URL or TLS settings \
        that cannot work (a certificate the store refuses, or one from a CA not trusted), an \
        address that cannot be listened on; 130 stopped at once by a second signal."
    )]
    Listen(listen::ListenArgs),
    /// Print the component string, digest and signature for headers, path and body.
    Sign(signing::SignArgs),
    /// Check a signature against headers, path and body; exit 1 when it does not match.
    Verify(signing::VerifyArgs),
    /// Run the local DOKU simulator standalone.
    Sim(simcmd::SimArgs),
    /// Inspect or replay the notifications stored in a PostgreSQL inbox.
    Inbox(inbox::InboxArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Naming the facade's channel list keeps every channel crate (and its registration) linked.
    let _ = doku_pay::linked_channels();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let json = cli.json;
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Demo(a) => demo::run(a, json).await,
            Command::Channels => ops::channels(json),
            Command::Sample(a) => ops::sample(a).await,
            Command::Create(a) => ops::create(a, json).await,
            Command::Cancel(a) => ops::cancel(a, json).await,
            Command::Refund(a) => ops::refund(a, json).await,
            Command::Status(a) => ops::status(a, json).await,
            Command::Listen(a) => listen::run(a).await,
            Command::Sign(a) => signing::sign(a, json),
            Command::Verify(a) => signing::verify(a, json),
            Command::Sim(a) => simcmd::run(a).await,
            Command::Inbox(a) => inbox::run(a, json).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            f.print(json);
            ExitCode::from(f.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    /// Every command that takes a secret, by flag (the environment reaches the same fields):
    /// the parsed arguments' `Debug` never shows it.
    #[test]
    fn no_secret_in_the_arguments_debug() {
        let secret = "SK-ARGS-DEBUG-SECRET";
        let merchant = format!("MCH-1:{secret}");
        let store = format!("redis://:{secret}@127.0.0.1:6379/");
        let rows: Vec<Vec<&str>> = vec![
            vec![
                "create",
                "akulaku",
                "--request",
                "-",
                "--secret-key",
                secret,
            ],
            vec!["status", "INV-1", "--secret-key", secret],
            vec!["listen", "--secret-key", secret],
            vec!["sign", "--path", "/p", "--secret-key", secret],
            vec!["verify", "--path", "/p", "--secret-key", secret],
            vec!["sim", "--merchant", &merchant, "--secret-key", secret],
            vec!["listen", "--store", &store],
            vec!["inbox", "list", "--store", &store],
        ];
        for args in rows {
            let cli = Cli::try_parse_from(std::iter::once("doku").chain(args.iter().copied()))
                .unwrap_or_else(|e| panic!("{args:?}: {e}"));
            let shown = format!("{cli:?}");
            assert!(!shown.contains(secret), "{args:?}: {shown}");
            assert!(shown.contains("[redacted]"), "{args:?}: {shown}");
        }
    }
}
