//! Project automation, run as `cargo xtask <command>` (the alias lives in `.cargo/config.toml`).
//!
//! * `cargo xtask codegen` writes the JSON Schemas of every public request, response and
//!   notification model (unified and per channel) to `docs/schemas/`, a page per registered
//!   channel to `docs/channels/<id>.md`, and the capability matrix to
//!   `docs/channels/README.md` (with a machine-readable `docs/channels/capabilities.json`).
//! * `cargo xtask codegen --check` regenerates in memory and fails, listing the files that
//!   differ, are missing or should not be there.
//! * `cargo xtask new-channel <name> --code <DOKU_CHANNEL_CODE> --kind emoney|paylater
//!   [--redirect url|form|none] [--display-name NAME] [--path PATH] [--timeout SECS] [--checksum]`
//!   scaffolds `channels/<name>` as a compiling, tested crate and wires it into the workspace
//!   and the `doku-pay` facade.
//! * `cargo xtask msrv` checks that nothing the workspace builds needs a newer Rust than its
//!   declared `rust-version`.
//! * `cargo xtask fuzz [--seconds N] [--target NAME] [--jobs J]` builds the `fuzz/` crate's
//!   libFuzzer targets with nightly and runs each (seven: `xtask/src/fuzz.rs` lists them) for
//!   N seconds (20 by default), J at once (one per core by default); a crash fails it.
//!
//! The generator knows no channel by name: it iterates [`doku_pay::Registry::global`], which
//! holds every channel the facade links with its default features.

mod codegen;
mod fuzz;
mod json;
mod msrv;
mod new_channel;
mod schema_walk;
#[cfg(test)]
mod unified_agreement;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// `cargo xtask`: generated docs and the new-channel scaffold.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about)]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// The xtask commands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Writes `docs/schemas/**` and `docs/channels/**` from the code.
    Codegen {
        /// Regenerates in memory and fails when any generated file differs from the tree.
        #[arg(long)]
        check: bool,
    },
    /// Checks that every package the workspace builds declares a `rust-version` no newer
    /// than the workspace's.
    Msrv,
    /// Builds the `fuzz/` targets with nightly and runs each for a while.
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Only this target (a file stem of `fuzz/fuzz_targets/`).
        #[arg(long)]
        target: Option<String>,
        /// Targets run at once (default: one per core).
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Scaffolds `channels/<name>` as a new channel crate and wires it into the facade.
    NewChannel {
        /// The channel id and folder name: lower-case ASCII, `[a-z][a-z0-9-]*`.
        name: String,
        /// DOKU's `channel.id` for this channel, UPPER_SNAKE (e.g. `EMONEY_SHOPEEPAY`).
        #[arg(long)]
        code: String,
        /// E-money wallet or paylater.
        #[arg(long, value_enum)]
        kind: Kind,
        /// How the customer is sent to pay: a URL (GET), a form (method and fields), or
        /// none (a push payment approved in the wallet's app, answered synchronously).
        #[arg(long, value_enum, default_value = "url")]
        redirect: Redirect,
        /// The human name (`OVO Push Payment`). Default: the code without its service
        /// prefix, as given (`EMONEY_OVO` -> `OVO`).
        #[arg(long)]
        display_name: Option<String>,
        /// The create endpoint's path from DOKU's page (`/shopeepay-emoney/v2/order`).
        /// Default: DOKU's usual pattern for the kind, `/<name>-emoney/v1/payment` or
        /// `/<name>-peer-to-peer/v2/generate-order`: check it.
        #[arg(long)]
        path: Option<String>,
        /// The create endpoint's timeout per attempt, in seconds (a synchronous channel
        /// waits longer than DOKU's answer: OVO 90). Default: the transport's (30 s).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=600))]
        timeout: Option<u64>,
        /// The body carries `client.id` and a `security.check_sum` made with the merchant's
        /// secret (`Merchant::sha256_hex_with_secret`), checked by the simulator.
        #[arg(long)]
        checksum: bool,
    },
}

/// How a scaffolded channel sends the customer to pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Redirect {
    /// DOKU answers a URL the customer is sent to (`GET`).
    Url,
    /// DOKU answers a form: method, URL and fields.
    Form,
    /// None: a push payment, approved in the wallet's app and answered synchronously.
    None,
}

/// The kind of channel to scaffold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Kind {
    /// An e-money wallet.
    Emoney,
    /// A paylater provider.
    Paylater,
}

/// A `cargo` command: the Cargo running this xtask (`$CARGO`), or `cargo` from the path.
fn cargo() -> std::process::Command {
    std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The workspace root, found at run time: the nearest directory at or above the current one
/// whose `Cargo.toml` declares `[workspace]` and which holds `xtask/`.
///
/// Never the compile-time `CARGO_MANIFEST_DIR`: a binary reused from a shared target
/// directory may have been built from another copy of the workspace.
fn workspace_root() -> Result<PathBuf, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("current directory: {e}"))?;
    let mut dir: Option<&Path> = Some(&cwd);
    while let Some(d) = dir {
        let manifest = d.join("Cargo.toml");
        if d.join("xtask").is_dir()
            && std::fs::read_to_string(&manifest).is_ok_and(|t| t.contains("[workspace]"))
        {
            return Ok(d.to_path_buf());
        }
        dir = d.parent();
    }
    Err(format!(
        "no workspace root (a Cargo.toml with [workspace] beside xtask/) at or above {}",
        cwd.display()
    ))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = workspace_root().and_then(|root| match cli.command {
        Command::Codegen { check } => codegen::run(&root, check),
        Command::Msrv => msrv::run(),
        Command::Fuzz {
            seconds,
            target,
            jobs,
        } => fuzz::run(&root, seconds, target.as_deref(), jobs),
        Command::NewChannel {
            name,
            code,
            kind,
            redirect,
            display_name,
            path,
            timeout,
            checksum,
        } => {
            let options = new_channel::Options {
                kind,
                redirect,
                display_name,
                path,
                timeout,
                checksum,
            };
            new_channel::run(&root, &name, &code, &options)
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
