//! `cargo xtask new-channel <name> --code <DOKU_CHANNEL_CODE> --kind emoney|paylater
//! [--redirect url|form|none] [--display-name NAME] [--timeout SECS] [--checksum]`.
//!
//! Creates `channels/<name>` (package `doku-pay-<name>`) from the templates under
//! `xtask/templates/channel/`: a descriptor, the unified-to-wire `MAPPING`, wire models with
//! `validate()` and matching schema limits, a lenient answer reader, the registration, a
//! `PaymentChannel` implementation whose operations are pure functions returning `Call`s, a
//! `sim` feature with the simulator plugin (rules as data, samples), fixtures, fixture tests,
//! a schema agreement test and a test against the simulator.
//!
//! `--redirect none` makes a push channel (no `callback_url`, `customer.wallet_account` on the
//! wire, `RedirectStyle::None`, a synchronous answer in the simulator); `--checksum` puts
//! `client.id` and `security.check_sum` (from `Merchant::sha256_hex_with_secret`) in the body
//! and has the simulator check both; `--timeout` sets the create endpoint's `timeout_secs`.
//!
//! Templates use `{{placeholder}}`s and whole-line conditionals (`{{#if push}}`,
//! `{{#else}}`, `{{/if}}`; flags `push`, `redirect`, `url`, `form`, `checksum`).
//!
//! It then wires the crate in, so that its registration links:
//!
//! * the root `Cargo.toml`: `doku-pay-<name> = { path = "channels/<name>", version }` in
//!   `[workspace.dependencies]`, beside the other channels;
//! * `crates/doku-pay/Cargo.toml`: `doku-pay-<name> = { workspace = true, optional = true }`, a
//!   feature of the channel's name (added to `default`) and `doku-pay-<name>?/sim` in the `sim`
//!   feature;
//! * `crates/doku-pay/src/lib.rs`: `pub use doku_pay_<name> as <name>;`, the descriptor in
//!   `linked_channels()` (which keeps the crate linked) and the feature table row;
//! * the facade's literal lists of every default channel id and channel code (in its source
//!   and tests), which gain the new channel in id order.
//!
//! Every edit checks first whether it is already there, so re-running after a partial
//! failure does not duplicate anything.

use std::fs;
use std::path::{Path, PathBuf};

use toml_edit::{Array, DocumentMut, InlineTable, Item, Value};

use crate::{Kind, Redirect};

/// A template file: its path under `channels/<name>/` and its text.
struct Template {
    path: &'static str,
    text: &'static str,
}

/// The channel crate's templates, embedded at build time.
const TEMPLATES: &[Template] = &[
    Template {
        path: "Cargo.toml",
        text: include_str!("../templates/channel/Cargo.toml.tmpl"),
    },
    Template {
        path: "src/lib.rs",
        text: include_str!("../templates/channel/src/lib.rs.tmpl"),
    },
    Template {
        path: "src/wire.rs",
        text: include_str!("../templates/channel/src/wire.rs.tmpl"),
    },
    Template {
        path: "src/sim.rs",
        text: include_str!("../templates/channel/src/sim.rs.tmpl"),
    },
    Template {
        path: "tests/channel.rs",
        text: include_str!("../templates/channel/tests/channel.rs.tmpl"),
    },
    Template {
        path: "tests/schema.rs",
        text: include_str!("../templates/channel/tests/schema.rs.tmpl"),
    },
    Template {
        path: "tests/sim.rs",
        text: include_str!("../templates/channel/tests/sim.rs.tmpl"),
    },
    Template {
        path: "tests/fixtures/unified-request.json",
        text: include_str!("../templates/channel/tests/fixtures/unified-request.json.tmpl"),
    },
    Template {
        path: "tests/fixtures/request.json",
        text: include_str!("../templates/channel/tests/fixtures/request.json.tmpl"),
    },
    Template {
        path: "tests/fixtures/response.json",
        text: include_str!("../templates/channel/tests/fixtures/response.json.tmpl"),
    },
];

/// What `cargo xtask new-channel` was asked for besides the name and code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Options {
    /// E-money or paylater.
    pub(crate) kind: Kind,
    /// How the customer is sent to pay.
    pub(crate) redirect: Redirect,
    /// `--display-name`.
    pub(crate) display_name: Option<String>,
    /// `--path`: the create endpoint's path.
    pub(crate) path: Option<String>,
    /// `--timeout`: the create endpoint's timeout in seconds.
    pub(crate) timeout: Option<u64>,
    /// `--checksum`: `client.id` and `security.check_sum` in the body.
    pub(crate) checksum: bool,
}

impl Options {
    /// A redirect-URL channel of `kind`, no checksum, default timeout and display name.
    #[cfg(test)]
    fn of(kind: Kind) -> Self {
        Self {
            kind,
            redirect: Redirect::Url,
            display_name: None,
            path: None,
            timeout: None,
            checksum: false,
        }
    }
}

/// The merchant and request of the scaffold's fixtures (`tests/fixtures/request.json`).
const FIXTURE_CLIENT_ID: &str = "MCH-0001";
const FIXTURE_SECRET: &str = "SK-0001";
const FIXTURE_INVOICE: &str = "INV-20260101-0001";
const FIXTURE_AMOUNT: u64 = 150_000;
const FIXTURE_WALLET_ID: &str = "081211111111";

/// The names a new channel goes by, and the template flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Names {
    /// Channel id, folder name and facade feature: `shopee-pay`.
    pub(crate) name: String,
    /// Package: `doku-shopee-pay`.
    pub(crate) krate: String,
    /// Crate identifier: `doku_shopee_pay`.
    pub(crate) ident: String,
    /// Module name in the facade: `shopee_pay`.
    pub(crate) module: String,
    /// Type name: `ShopeePay`.
    pub(crate) ty: String,
    /// Human name: `--display-name`, else the code without its service prefix (`SHOPEEPAY`).
    pub(crate) display: String,
    /// DOKU `channel.id`: `EMONEY_SHOPEEPAY`.
    pub(crate) code: String,
    /// DOKU `service.id`: `EMONEY` or `PEER_TO_PEER`.
    pub(crate) service: String,
    /// DOKU `acquirer.id`: the code without the service prefix.
    pub(crate) acquirer: String,
    /// `Emoney` or `Paylater` (the `ChannelKind` variant).
    pub(crate) kind_variant: &'static str,
    /// `e-money` or `paylater`.
    pub(crate) kind_text: &'static str,
    /// The create endpoint's path, to be confirmed from DOKU's channel page.
    pub(crate) create_path: String,
    /// How the customer is sent to pay.
    pub(crate) redirect: Redirect,
    /// Whether the body carries `client.id` and `security.check_sum`.
    pub(crate) checksum: bool,
    /// The create endpoint's timeout in seconds, when not the transport's.
    pub(crate) timeout: Option<u64>,
    /// `security.check_sum` of the request fixture.
    pub(crate) fixture_check_sum: String,
}

impl Names {
    /// The value of a template flag.
    fn flag(&self, flag: &str) -> bool {
        match flag {
            "push" => self.redirect == Redirect::None,
            "redirect" => self.redirect != Redirect::None,
            "url" => self.redirect == Redirect::Url,
            "form" => self.redirect == Redirect::Form,
            "checksum" => self.checksum,
            other => panic!("unknown template flag `{other}`"),
        }
    }

    /// The `RedirectStyle` variant.
    fn redirect_style(&self) -> &'static str {
        match self.redirect {
            Redirect::Url => "Url",
            Redirect::Form => "Form",
            Redirect::None => "None",
        }
    }
}

/// Checks the arguments and derives every name.
pub(crate) fn names(name: &str, code: &str, options: &Options) -> Result<Names, String> {
    let name_ok = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--");
    if !name_ok {
        return Err(format!(
            "channel name `{name}` must be lower-case ASCII: [a-z][a-z0-9-]*, no trailing or double `-`"
        ));
    }
    if matches!(name, "core" | "sim" | "receiver" | "cli" | "default") {
        return Err(format!("channel name `{name}` is reserved"));
    }
    let code_ok = code.starts_with(|c: char| c.is_ascii_uppercase())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && !code.ends_with('_')
        && !code.contains("__");
    if !code_ok {
        return Err(format!(
            "--code `{code}` must be DOKU's channel code in UPPER_SNAKE, such as EMONEY_SHOPEEPAY"
        ));
    }
    // With the other kind's service and flag.
    let (service, kind_variant, kind_text, (other, other_flag)) = match options.kind {
        Kind::Emoney => ("EMONEY", "Emoney", "e-money", ("PEER_TO_PEER", "paylater")),
        Kind::Paylater => ("PEER_TO_PEER", "Paylater", "paylater", ("EMONEY", "emoney")),
    };
    if matches!(code, "EMONEY" | "PEER_TO_PEER") {
        return Err(format!(
            "--code `{code}` is a service id: give the channel's own code, such as {code}_DANA"
        ));
    }
    // DOKU's codes start with their service's id: a code of the other kind would get a
    // `service.id` its notifications never carry.
    if code
        .strip_prefix(other)
        .is_some_and(|rest| rest.starts_with('_'))
    {
        return Err(format!(
            "--code `{code}` is a code of service {other}: pass --kind {other_flag}"
        ));
    }
    let acquirer = code
        .strip_prefix(service)
        .and_then(|rest| rest.strip_prefix('_'))
        .filter(|rest| !rest.is_empty())
        .map(String::from)
        .unwrap_or_else(|| name.replace('-', "_").to_ascii_uppercase());
    // Never guessed from the name ("Ovo" for OVO): the flag, else the code's own spelling.
    let display = match &options.display_name {
        Some(d) => {
            let d = d.trim();
            if d.is_empty()
                || d.chars()
                    .any(|c| c.is_control() || matches!(c, '"' | '\\' | '`'))
            {
                return Err(format!(
                    "--display-name `{d}` must be non-empty, without quotes, backslashes, backticks or control characters"
                ));
            }
            d.to_owned()
        }
        None => acquirer.replace('_', " "),
    };
    let ty: String = name
        .split('-')
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect();
    let module = name.replace('-', "_");
    let create_path = match (&options.path, options.kind) {
        (Some(path), _) => {
            let ok = path.starts_with('/')
                && path.len() > 1
                && path
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'));
            if !ok {
                return Err(format!(
                    "--path `{path}` must be an absolute path such as /shopeepay-emoney/v2/order"
                ));
            }
            path.clone()
        }
        (None, Kind::Emoney) => format!("/{name}-emoney/v1/payment"),
        (None, Kind::Paylater) => format!("/{name}-peer-to-peer/v2/generate-order"),
    };
    let wallet = if options.redirect == Redirect::None {
        FIXTURE_WALLET_ID
    } else {
        ""
    };
    let merchant = doku_pay_core::Merchant::new(
        doku_pay_core::ClientId::new(FIXTURE_CLIENT_ID).map_err(|e| e.to_string())?,
        doku_pay_core::SecretKey::new(FIXTURE_SECRET).map_err(|e| e.to_string())?,
    );
    let fixture_check_sum = merchant.sha256_hex_with_secret(&format!(
        "{FIXTURE_AMOUNT}{FIXTURE_CLIENT_ID}{FIXTURE_INVOICE}{wallet}"
    ));
    Ok(Names {
        name: name.to_owned(),
        krate: format!("doku-pay-{name}"),
        ident: format!("doku_pay_{module}"),
        module,
        ty,
        display,
        code: code.to_owned(),
        service: service.to_owned(),
        acquirer,
        kind_variant,
        kind_text,
        create_path,
        redirect: options.redirect,
        checksum: options.checksum,
        timeout: options.timeout,
        fixture_check_sum,
    })
}

/// Keeps the lines of `text` whose `{{#if flag}}` / `{{#else}}` / `{{/if}}` conditions hold
/// (directives stand alone on their line and nest), then substitutes the `{{...}}`
/// placeholders.
fn render(text: &str, n: &Names) -> String {
    // One entry per open `if`: (its flag's value, whether in its `else`).
    let mut open: Vec<(bool, bool)> = Vec::new();
    let mut kept = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if let Some(flag) = t.strip_prefix("{{#if ").and_then(|r| r.strip_suffix("}}")) {
            open.push((n.flag(flag), false));
        } else if t == "{{#else}}" {
            open.last_mut().expect("{{#else}} outside {{#if}}").1 = true;
        } else if t == "{{/if}}" {
            open.pop().expect("{{/if}} outside {{#if}}");
        } else if open.iter().all(|(value, in_else)| value != in_else) {
            kept.push_str(line);
        }
    }
    assert!(open.is_empty(), "unclosed {{#if}}");

    let timeout_call = n
        .timeout
        .map(|s| format!(".timeout_secs({s})"))
        .unwrap_or_default();
    let timeout_option = n
        .timeout
        .map_or("None".to_owned(), |s| format!("Some({s})"));
    let timeout_text = n.timeout.map_or(
        "the transport's timeout (30 s by default; declare DOKU's wait with `.timeout_secs(..)`)"
            .to_owned(),
        |s| format!("{s} s"),
    );
    // The simulated customer answers within the endpoint's wait.
    let answer_delay = (n.timeout.unwrap_or(30) * 2 / 3).max(1).to_string();
    let pairs: [(&str, &str); 18] = [
        ("{{name}}", &n.name),
        ("{{crate}}", &n.krate),
        ("{{ident}}", &n.ident),
        ("{{module}}", &n.module),
        ("{{Type}}", &n.ty),
        ("{{display}}", &n.display),
        ("{{CODE}}", &n.code),
        ("{{SERVICE}}", &n.service),
        ("{{ACQUIRER}}", &n.acquirer),
        ("{{Kind}}", n.kind_variant),
        ("{{kind}}", n.kind_text),
        ("{{create_path}}", &n.create_path),
        ("{{RedirectStyle}}", n.redirect_style()),
        ("{{timeout_call}}", &timeout_call),
        ("{{timeout_option}}", &timeout_option),
        ("{{timeout_text}}", &timeout_text),
        ("{{answer_delay_secs}}", &answer_delay),
        ("{{fixture_check_sum}}", &n.fixture_check_sum),
    ];
    let mut out = kept;
    for (placeholder, value) in pairs {
        out = out.replace(placeholder, value);
    }
    out
}

/// `cargo xtask new-channel`.
pub(crate) fn run(root: &Path, name: &str, code: &str, options: &Options) -> Result<(), String> {
    let n = names(name, code, options)?;
    let dir = root.join("channels").join(&n.name);
    if dir.exists() {
        return Err(format!("{} already exists", dir.display()));
    }
    let existing = existing_channels(root)?;
    if let Some(other) = existing.iter().find(|c| c.code == n.code) {
        return Err(format!(
            "channel code {} is already used by channels/{}",
            n.code, other.dir
        ));
    }
    if existing.iter().any(|c| c.id == n.name) {
        return Err(format!("a channel with id `{}` already exists", n.name));
    }
    // Read and plan every manifest and facade edit before writing anything.
    let workspace_path = root.join("Cargo.toml");
    let workspace = read(&workspace_path)?;
    let new_workspace = wire_workspace(&workspace, &n, &existing)?;
    let facade = root.join("crates/doku-pay");
    let manifest_path = facade.join("Cargo.toml");
    let lib_path = facade.join("src/lib.rs");
    let manifest = read(&manifest_path)?;
    let lib = read(&lib_path)?;
    let new_manifest = wire_manifest(&manifest, &n, &existing)?;
    let new_lib = wire_lib(&lib, &n, &existing)?;

    for t in TEMPLATES {
        let path = dir.join(t.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        fs::write(&path, render(t.text, &n)).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("created channels/{}/{}", n.name, t.path);
    }
    // The facade's literal lists of every default channel (ids and codes, in id order), in
    // its lib.rs (written once, with its manifest's new lines) and its tests.
    let mut all = existing.clone();
    all.push(Channel {
        dir: n.name.clone(),
        id: n.name.clone(),
        code: n.code.clone(),
    });
    all.sort_by(|a, b| a.id.cmp(&b.id));
    let lists = |text: &str| {
        extend_cfg_blocks(
            &extend_literal_lists(text, &existing, &all),
            &existing,
            &n.name,
        )
    };
    let new_lib = lists(&new_lib);
    write_if_changed(root, &workspace_path, &workspace, &new_workspace)?;
    write_if_changed(root, &manifest_path, &manifest, &new_manifest)?;
    write_if_changed(root, &lib_path, &lib, &new_lib)?;
    let mut touched = vec![lib_path.clone()];
    for path in rust_files(&facade.join("tests"))? {
        let text = read(&path)?;
        if write_if_changed(root, &path, &text, &lists(&text))? {
            touched.push(path);
        }
    }

    // Line lengths depend on the names: let rustfmt lay the new code out.
    let mut to_format = vec![dir.join("src/lib.rs")];
    to_format.extend(rust_files(&dir.join("tests"))?);
    to_format.extend(touched);
    format_files(&to_format);
    lock_fuzz_workspace(root);

    println!();
    println!(
        "Channel `{}` ({}, \"{}\") scaffolded in channels/{} and wired into the workspace and the doku-pay facade.",
        n.name, n.code, n.display, n.name
    );
    if options.display_name.is_none() {
        println!(
            "  The display name is the code's own spelling, \"{}\": pass --display-name to name it as DOKU does.",
            n.display
        );
    }
    if n.redirect == Redirect::None && n.timeout.is_none() {
        println!(
            "  A push channel answered synchronously usually needs --timeout (DOKU's wait plus a margin; OVO: 90)."
        );
    }
    println!("Next (docs/adding-a-channel.md):");
    println!(
        "  1. make channels/{}/src/{{lib,wire,sim}}.rs and the fixtures true to DOKU's channel page;",
        n.name
    );
    println!("  2. cargo test -p {} -p doku-pay", n.krate);
    println!("  3. cargo xtask codegen   # schemas, the channel page and the matrix");
    println!("  4. cargo run -p doku-pay-cli -- demo   # the channel runs from its samples");
    Ok(())
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes `new` unless it equals `old`, saying so with the path from the repository's root;
/// whether it wrote.
fn write_if_changed(root: &Path, path: &Path, old: &str, new: &str) -> Result<bool, String> {
    if old == new {
        return Ok(false);
    }
    fs::write(path, new).map_err(|e| format!("{}: {e}", path.display()))?;
    println!(
        "updated {}",
        path.strip_prefix(root).unwrap_or(path).display()
    );
    Ok(true)
}

/// Records the new crate in `fuzz/Cargo.lock`: the fuzz workspace links every channel through
/// the facade and builds `--locked`. Adds only the new entry (the new crate's dependencies
/// are all locked already): offline first, then online where the fuzz workspace's own
/// dependencies (`libfuzzer-sys`) were never downloaded here. A failure is reported, not
/// fatal.
fn lock_fuzz_workspace(root: &Path) {
    let manifest = root.join("fuzz/Cargo.toml");
    if !manifest.is_file() {
        return;
    }
    let metadata = |offline: bool| {
        let mut cmd = crate::cargo();
        cmd.arg("metadata");
        if offline {
            cmd.arg("--offline");
        }
        cmd.args(["--format-version", "1", "--manifest-path"])
            .arg(&manifest)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if metadata(true) || metadata(false) {
        println!("updated fuzz/Cargo.lock (the fuzz targets take the new channel)")
    } else {
        eprintln!(
            "warning: could not update fuzz/Cargo.lock; run `cargo metadata --manifest-path fuzz/Cargo.toml`"
        )
    }
}

/// Runs `rustfmt` (edition 2024; `$RUSTFMT` overrides the program) over `files` and the
/// modules they declare. A missing rustfmt is reported, not fatal: `cargo fmt` fixes it later.
fn format_files(files: &[PathBuf]) {
    let program = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".to_owned());
    let status = std::process::Command::new(&program)
        .args(["--edition", "2024"])
        .args(files)
        .status();
    match status {
        Ok(s) if s.success() => println!("formatted {} files with {program}", files.len()),
        Ok(s) => eprintln!("warning: {program} exited with {s}; run `cargo fmt --all`"),
        Err(e) => eprintln!("warning: could not run {program} ({e}); run `cargo fmt --all`"),
    }
}

/// An existing channel crate, read from `channels/*/src/lib.rs`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Channel {
    dir: String,
    id: String,
    code: String,
}

/// The channels under `channels/`, with the `id` and `channel_code` of their descriptor.
fn existing_channels(root: &Path) -> Result<Vec<Channel>, String> {
    let mut out = Vec::new();
    let dir = root.join("channels");
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    for entry in entries.flatten() {
        let lib = entry.path().join("src/lib.rs");
        let Ok(text) = fs::read_to_string(&lib) else {
            continue;
        };
        // The descriptor's fields, read after its declaration.
        let descriptor = text
            .find("ChannelDescriptor = ChannelDescriptor {")
            .map_or(text.as_str(), |i| &text[i..]);
        let (Some(id), Some(code)) = (
            field_value(descriptor, "id"),
            field_value(descriptor, "channel_code"),
        ) else {
            continue;
        };
        out.push(Channel {
            dir: entry.file_name().to_string_lossy().into_owned(),
            id,
            code,
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The string of the first `    <field>: "<value>",` line (a descriptor field).
fn field_value(text: &str, field: &str) -> Option<String> {
    let prefix = format!("{field}: \"");
    text.lines().find_map(|l| {
        let rest = l.trim_start().strip_prefix(&prefix)?;
        let end = rest.find('"')?;
        Some(rest[..end].to_owned())
    })
}

fn rust_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(rust_files(&p)?);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// Inserts `line` after the last line of `text` for which `anchor` holds, within the TOML
/// table `[table]`; `None` when no line there matches.
fn insert_after_last(
    text: &str,
    table: &str,
    anchor: impl Fn(&str) -> bool,
    line: &str,
) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let header = format!("[{table}]");
    let mut in_table = false;
    let mut at = None;
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim();
        if t.starts_with('[') {
            in_table = t == header;
        } else if in_table && anchor(t) {
            at = Some(i + 1);
        }
    }
    let at = at?;
    let mut out: Vec<&str> = lines[..at].to_vec();
    out.push(line);
    out.extend_from_slice(&lines[at..]);
    let mut joined = out.join("\n");
    if text.ends_with('\n') {
        joined.push('\n');
    }
    Some(joined)
}

/// Whether `[table]` of `text` has the key `key`.
fn has_key(doc: &DocumentMut, table: &[&str], key: &str) -> bool {
    let mut item = doc.as_item();
    for t in table {
        match item.get(t) {
            Some(next) => item = next,
            None => return false,
        }
    }
    item.get(key).is_some()
}

/// The root manifest with `doku-pay-<name> = { path = "channels/<name>", version }` in
/// `[workspace.dependencies]` (after the other channels' lines) and, unless a glob covers it,
/// the crate in `members`.
fn wire_workspace(text: &str, n: &Names, existing: &[Channel]) -> Result<String, String> {
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("Cargo.toml: {e}"))?;
    let members = doc
        .get_mut("workspace")
        .and_then(|w| w.get_mut("members"))
        .and_then(Item::as_array_mut)
        .ok_or("Cargo.toml: no [workspace] members list")?;
    let member = format!("channels/{}", n.name);
    if !members
        .iter()
        .any(|m| matches!(m.as_str(), Some("channels/*")) || m.as_str() == Some(&member))
    {
        members.push(member);
    }
    let path = format!("channels/{}", n.name);
    if has_key(&doc, &["workspace", "dependencies"], &n.krate) {
        return Ok(doc.to_string());
    }
    let text = doc.to_string();
    // With the family's version: publishable, like every channel crate.
    let version = env!("CARGO_PKG_VERSION");
    let line = format!(
        "{} = {{ path = \"{path}\", version = \"{version}\" }}",
        n.krate
    );
    let after_channel = |l: &str| {
        existing
            .iter()
            .any(|c| l.starts_with(&format!("doku-pay-{} = ", c.id)))
    };
    if let Some(out) = insert_after_last(&text, "workspace.dependencies", after_channel, &line) {
        return Ok(out);
    }
    // No channel there yet: at the end of the table.
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("Cargo.toml: {e}"))?;
    let deps = doc
        .get_mut("workspace")
        .and_then(|w| w.get_mut("dependencies"))
        .and_then(Item::as_table_like_mut)
        .ok_or("Cargo.toml: no [workspace.dependencies] table")?;
    let mut dep = InlineTable::new();
    dep.insert("path", Value::from(path));
    dep.insert("version", Value::from(env!("CARGO_PKG_VERSION")));
    deps.insert(&n.krate, Item::Value(Value::InlineTable(dep)));
    Ok(doc.to_string())
}

/// The facade manifest with the channel's dependency (`{ workspace = true, optional = true }`)
/// and feature (a comment and `<name> = ["dep:doku-pay-<name>"]`), each after the other
/// channels' lines, the feature in `default`, and `doku-pay-<name>?/sim` in `sim` before
/// `dep:doku-pay-sim`.
fn wire_manifest(text: &str, n: &Names, existing: &[Channel]) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("crates/doku-pay/Cargo.toml: {e}"))?;
    let features = doc
        .entry("features")
        .or_insert_with(toml_edit::table)
        .as_table_mut()
        .ok_or("crates/doku-pay/Cargo.toml: [features] is not a table")?;
    push_unique(features, "default", &n.name, true, None)?;
    push_unique(
        features,
        "sim",
        &format!("{}?/sim", n.krate),
        false,
        Some("dep:doku-pay-sim"),
    )?;
    let has_feature = features.contains_key(&n.name);
    let has_dep = has_key(&doc, &["dependencies"], &n.krate);
    let mut text = doc.to_string();

    if !has_feature {
        let comment = format!(
            "# {} {} (links `{}` so that its registration is kept).",
            n.display, n.kind_text, n.krate
        );
        let line = format!("{comment}\n{} = [\"dep:{}\"]", n.name, n.krate);
        let is_channel_feature = |l: &str| {
            existing
                .iter()
                .any(|c| l == format!("{} = [\"dep:doku-pay-{}\"]", c.id, c.id))
        };
        text = match insert_after_last(&text, "features", is_channel_feature, &line) {
            Some(out) => out,
            None => {
                let mut doc: DocumentMut = text
                    .parse()
                    .map_err(|e| format!("crates/doku-pay/Cargo.toml: {e}"))?;
                let features = doc["features"]
                    .as_table_mut()
                    .ok_or("crates/doku-pay/Cargo.toml: [features] is not a table")?;
                let mut arr = Array::new();
                arr.push(format!("dep:{}", n.krate));
                features.insert(&n.name, Item::Value(Value::Array(arr)));
                if let Some(mut key) = features.key_mut(&n.name) {
                    key.leaf_decor_mut().set_prefix(format!("{comment}\n"));
                }
                doc.to_string()
            }
        };
    }
    if !has_dep {
        let line = format!("{} = {{ workspace = true, optional = true }}", n.krate);
        let is_channel_dep = |l: &str| {
            existing
                .iter()
                .any(|c| l.starts_with(&format!("doku-pay-{} = ", c.id)))
        };
        text = match insert_after_last(&text, "dependencies", is_channel_dep, &line) {
            Some(out) => out,
            None => {
                let mut doc: DocumentMut = text
                    .parse()
                    .map_err(|e| format!("crates/doku-pay/Cargo.toml: {e}"))?;
                let deps = doc
                    .entry("dependencies")
                    .or_insert_with(toml_edit::table)
                    .as_table_like_mut()
                    .ok_or("crates/doku-pay/Cargo.toml: [dependencies] is not a table")?;
                let mut dep = InlineTable::new();
                dep.insert("workspace", Value::from(true));
                dep.insert("optional", Value::from(true));
                deps.insert(&n.krate, Item::Value(Value::InlineTable(dep)));
                doc.to_string()
            }
        };
    }
    // What the text edits wrote must still be a manifest.
    text.parse::<DocumentMut>()
        .map_err(|e| format!("crates/doku-pay/Cargo.toml after the edit: {e}"))?;
    Ok(text)
}

/// Adds `value` to the array feature `feature` unless present, before the entry `before`
/// when there is one, else at the end; creates the feature only when `create` is set.
fn push_unique(
    features: &mut toml_edit::Table,
    feature: &str,
    value: &str,
    create: bool,
    before: Option<&str>,
) -> Result<(), String> {
    if !features.contains_key(feature) {
        if !create {
            return Ok(());
        }
        features.insert(feature, Item::Value(Value::Array(Array::new())));
    }
    let arr = features
        .get_mut(feature)
        .and_then(Item::as_array_mut)
        .ok_or_else(|| format!("crates/doku-pay/Cargo.toml: feature `{feature}` is not a list"))?;
    if !arr.iter().any(|v| v.as_str() == Some(value)) {
        let at = before.and_then(|b| arr.iter().position(|v| v.as_str() == Some(b)));
        match at {
            Some(i) => arr.insert(i, value),
            None => arr.push(value),
        }
    }
    Ok(())
}

/// The facade's `lib.rs` with the re-export, the `linked_channels()` entry and the feature
/// table row.
fn wire_lib(text: &str, n: &Names, existing: &[Channel]) -> Result<String, String> {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let use_line = format!("pub use {} as {};", n.ident, n.module);
    let descriptor_line = format!("&{}::DESCRIPTOR,", n.ident);

    // 1. The re-export, after the last channel re-export (`#[cfg(feature = ..)]` + `pub use
    //    doku_x as x;`).
    if !lines.iter().any(|l| l.trim() == use_line) {
        let last = lines
            .iter()
            .enumerate()
            .filter(|(i, l)| {
                *i > 0
                    && lines[i - 1].trim_start().starts_with("#[cfg(feature = \"")
                    && existing.iter().any(|c| {
                        let module = c.id.replace('-', "_");
                        l.trim() == format!("pub use doku_pay_{module} as {module};")
                    })
            })
            .map(|(i, _)| i)
            .next_back()
            .ok_or("crates/doku-pay/src/lib.rs: no `#[cfg(feature = ..)] pub use doku_<channel> as <channel>;` found to follow")?;
        let block = [
            String::new(),
            format!(
                "/// The {} {} channel (`{}`).",
                n.display, n.kind_text, n.krate
            ),
            format!("#[cfg(feature = \"{}\")]", n.name),
            use_line.clone(),
        ];
        lines.splice(last + 1..last + 1, block);
    }

    // 2. `linked_channels()`: `#[cfg(feature = "x")]` + `&doku_x::DESCRIPTOR,` pairs, in id
    //    order.
    if !lines.iter().any(|l| l.trim() == descriptor_line) {
        let entries: Vec<(usize, String)> = lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                let t = l.trim();
                let ident = t.strip_prefix('&')?.strip_suffix("::DESCRIPTOR,")?;
                (i > 0 && lines[i - 1].trim().starts_with("#[cfg(feature = \""))
                    .then(|| (i - 1, ident.to_owned()))
            })
            .collect();
        let Some((first, _)) = entries.first() else {
            return Err(
                "crates/doku-pay/src/lib.rs: no `#[cfg(feature = ..)] &doku_<channel>::DESCRIPTOR,` entries found (linked_channels)"
                    .into(),
            );
        };
        let indent: String = lines[*first]
            .chars()
            .take_while(|c| c.is_whitespace())
            .collect();
        let at = entries
            .iter()
            .find(|(_, ident)| ident.as_str() > n.ident.as_str())
            .map(|(i, _)| *i)
            .unwrap_or_else(|| entries.last().map(|(i, _)| i + 2).unwrap_or(*first));
        let block = [
            format!("{indent}#[cfg(feature = \"{}\")]", n.name),
            format!("{indent}{descriptor_line}"),
        ];
        lines.splice(at..at, block);
    }

    // 3. The feature table row in the crate docs: `//! | `x` | ... |` rows.
    let row_prefix = format!("//! | `{}` |", n.name);
    if !lines.iter().any(|l| l.starts_with(&row_prefix)) {
        let last_row = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                l.starts_with("//! | `") && l.contains("(`doku-") && !l.contains("`sim`")
            })
            .map(|(i, _)| i)
            .next_back();
        if let Some(i) = last_row {
            lines.insert(
                i + 1,
                format!(
                    "//! | `{name}` | [`{module}`] (`{krate}`) | `{name}` |",
                    name = n.name,
                    module = n.module,
                    krate = n.krate
                ),
            );
        }
    }

    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// Replaces literal lists naming every existing channel (`["akulaku", "linkaja"]` of ids,
/// or of channel codes in id order) with the lists including the new one, and extends
/// `cfg(all(feature = ..))` conditions naming every existing channel feature.
fn extend_literal_lists(text: &str, existing: &[Channel], all: &[Channel]) -> String {
    if existing.is_empty() {
        return text.to_owned();
    }
    let quoted = |items: Vec<&str>| {
        items
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let old_ids = format!(
        "[{}]",
        quoted(existing.iter().map(|c| c.id.as_str()).collect())
    );
    let new_ids = format!("[{}]", quoted(all.iter().map(|c| c.id.as_str()).collect()));
    let old_codes = format!(
        "[{}]",
        quoted(existing.iter().map(|c| c.code.as_str()).collect())
    );
    let new_codes = format!(
        "[{}]",
        quoted(all.iter().map(|c| c.code.as_str()).collect())
    );
    let mut out = text
        .replace(&old_ids, &new_ids)
        .replace(&old_codes, &new_codes);

    // `#[cfg(all(feature = "a", feature = "b"))]` naming every existing channel.
    let new_feature = all
        .iter()
        .find(|c| !existing.contains(c))
        .map(|c| c.id.clone());
    if let Some(new_feature) = new_feature {
        let lines: Vec<String> = out
            .lines()
            .map(|l| {
                let names_all = existing
                    .iter()
                    .all(|c| l.contains(&format!("feature = \"{}\"", c.id)));
                let has_new = l.contains(&format!("feature = \"{new_feature}\""));
                if l.contains("cfg(all(")
                    && names_all
                    && !has_new
                    && let Some(pos) = l.find("))]")
                {
                    let mut changed = l.to_owned();
                    changed.insert_str(pos, &format!(", feature = \"{new_feature}\""));
                    return changed;
                }
                l.to_owned()
            })
            .collect();
        let mut joined = lines.join("\n");
        if out.ends_with('\n') {
            joined.push('\n');
        }
        out = joined;
    }
    out
}

/// Extends runs of per-channel blocks such as
///
/// ```text
/// if cfg!(feature = "akulaku") {
///     ids.push("akulaku");
/// }
/// ```
///
/// with the same block for the new channel, in id order. A block starts at a line
/// `if cfg!(feature = "<id>") {` and ends at the next line closing it at the same
/// indentation; the first existing channel's block is copied with its id replaced.
fn extend_cfg_blocks(text: &str, existing: &[Channel], new_id: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let opener = |id: &str| format!("if cfg!(feature = \"{id}\") {{");
    if lines.iter().any(|l| l.trim() == opener(new_id)) {
        return text.to_owned();
    }
    // (start, end inclusive, id) of each block.
    let mut blocks: Vec<(usize, usize, &str)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(c) = existing.iter().find(|c| line.trim() == opener(&c.id)) else {
            continue;
        };
        let indent = &line[..line.len() - line.trim_start().len()];
        let close = format!("{indent}}}");
        if let Some(end) = (i + 1..lines.len()).find(|&j| lines[j] == close) {
            blocks.push((i, end, c.id.as_str()));
        }
    }
    let Some(&(t_start, t_end, t_id)) = blocks.first() else {
        return text.to_owned();
    };
    let copy: Vec<String> = lines[t_start..=t_end]
        .iter()
        .map(|l| l.replace(&format!("\"{t_id}\""), &format!("\"{new_id}\"")))
        .collect();
    // Before the first block of a greater id, else after the last block.
    let at = blocks
        .iter()
        .find(|(_, _, id)| *id > new_id)
        .map(|(start, _, _)| *start)
        .unwrap_or_else(|| blocks.last().map_or(t_end + 1, |(_, end, _)| end + 1));
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    out.splice(at..at, copy);
    let mut joined = out.join("\n");
    if text.ends_with('\n') {
        joined.push('\n');
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    fn existing() -> Vec<Channel> {
        [
            ("akulaku", "PEER_TO_PEER_AKULAKU"),
            ("linkaja", "EMONEY_LINKAJA"),
        ]
        .into_iter()
        .map(|(id, code)| Channel {
            dir: id.into(),
            id: id.into(),
            code: code.into(),
        })
        .collect()
    }

    #[test]
    fn validates_names_and_codes() {
        let emoney = Options::of(Kind::Emoney);
        for bad in ["", "Linkaja", "1pay", "a_b", "pay-", "a--b", "sim", "ovo!"] {
            assert!(names(bad, "EMONEY_X", &emoney).is_err(), "{bad}");
        }
        for bad in ["", "emoney_x", "EMONEY-X", "_X", "X_", "A__B"] {
            assert!(names("x", bad, &emoney).is_err(), "{bad}");
        }
        let n = names("shopee-pay", "EMONEY_SHOPEEPAY", &emoney).expect("valid");
        assert_eq!(n.krate, "doku-pay-shopee-pay");
        assert_eq!(n.ident, "doku_pay_shopee_pay");
        assert_eq!(n.module, "shopee_pay");
        assert_eq!(n.ty, "ShopeePay");
        assert_eq!(n.service, "EMONEY");
        assert_eq!(n.acquirer, "SHOPEEPAY");
        let p = names(
            "kredivo",
            "PEER_TO_PEER_KREDIVO",
            &Options::of(Kind::Paylater),
        )
        .expect("valid");
        assert_eq!(p.service, "PEER_TO_PEER");
        assert_eq!(p.acquirer, "KREDIVO");
        assert_eq!(p.create_path, "/kredivo-peer-to-peer/v2/generate-order");
        let given = Options {
            path: Some("/shopeepay-emoney/v2/order".into()),
            ..emoney.clone()
        };
        let n = names("shopeepay", "EMONEY_SHOPEE_PAY", &given).expect("valid");
        assert_eq!(n.create_path, "/shopeepay-emoney/v2/order");
        for bad in ["", "/", "shopeepay/v2", "/a b", "/a\"/b"] {
            let o = Options {
                path: Some(bad.into()),
                ..emoney.clone()
            };
            assert!(names("x", "EMONEY_X", &o).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_code_and_the_kind_agree() {
        let (emoney, paylater) = (Options::of(Kind::Emoney), Options::of(Kind::Paylater));
        for (code, options, want) in [
            ("EMONEY_DANA", &emoney, Ok("EMONEY")),
            ("PEER_TO_PEER_DANA", &paylater, Ok("PEER_TO_PEER")),
            ("QRIS_DANA", &emoney, Ok("EMONEY")),
            ("PEER_TO_PEER_GOPAY", &emoney, Err("pass --kind paylater")),
            ("EMONEY_GOPAY", &paylater, Err("pass --kind emoney")),
            ("EMONEY", &emoney, Err("is a service id")),
            ("PEER_TO_PEER", &paylater, Err("is a service id")),
        ] {
            match (names("x", code, options), want) {
                (Ok(n), Ok(service)) => assert_eq!(n.service, service, "{code}"),
                (Err(e), Err(refusal)) => assert!(e.contains(refusal), "{code}: {e}"),
                (got, want) => panic!("{code}: {:?}, wanted {want:?}", got.map(|n| n.service)),
            }
        }
    }

    #[test]
    fn the_display_name_is_given_or_the_codes_own_spelling() {
        let emoney = Options::of(Kind::Emoney);
        // Never "Ovo": the code's last segment as given.
        assert_eq!(names("ovo", "EMONEY_OVO", &emoney).unwrap().display, "OVO");
        let two_words = names("x", "EMONEY_SHOPEE_PAY", &emoney).unwrap();
        assert_eq!(two_words.display, "SHOPEE PAY");
        let given = Options {
            display_name: Some(" OVO Push Payment ".into()),
            ..emoney.clone()
        };
        assert_eq!(
            names("ovo", "EMONEY_OVO", &given).unwrap().display,
            "OVO Push Payment"
        );
        for bad in ["", " ", "a\"b", "a\\b", "a`b", "a\nb"] {
            let o = Options {
                display_name: Some(bad.into()),
                ..emoney.clone()
            };
            assert!(names("ovo", "EMONEY_OVO", &o).is_err(), "{bad:?}");
        }
    }

    /// Every combination of the options the templates branch on.
    fn every_variant() -> Vec<Options> {
        let mut out = Vec::new();
        for redirect in [Redirect::Url, Redirect::Form, Redirect::None] {
            for checksum in [false, true] {
                for timeout in [None, Some(90)] {
                    out.push(Options {
                        kind: Kind::Emoney,
                        redirect,
                        display_name: None,
                        path: None,
                        timeout,
                        checksum,
                    });
                }
            }
        }
        out
    }

    #[test]
    fn templates_have_no_unknown_placeholders_or_flags() {
        for options in every_variant() {
            let n = names("zzdemo", "EMONEY_ZZDEMO", &options).expect("valid");
            for t in TEMPLATES {
                let out = render(t.text, &n);
                assert!(!out.contains("{{"), "{options:?} {}: {out}", t.path);
                if t.path.ends_with(".json") {
                    let parsed = serde_json::from_str::<serde_json::Value>(&out);
                    assert!(parsed.is_ok(), "{options:?} {}: {out}", t.path);
                }
            }
        }
    }

    #[test]
    fn conditionals_keep_the_lines_of_their_branch() {
        let mut n = names("zz", "EMONEY_ZZ", &Options::of(Kind::Emoney)).expect("valid");
        let text = "a\n{{#if push}}\nb\n{{#else}}\nc\n{{#if checksum}}\nd\n{{/if}}\n{{/if}}\ne\n";
        assert_eq!(render(text, &n), "a\nc\ne\n");
        n.checksum = true;
        assert_eq!(render(text, &n), "a\nc\nd\ne\n");
        n.redirect = Redirect::None;
        assert_eq!(render(text, &n), "a\nb\ne\n");
    }

    #[test]
    fn the_fixture_checksum_is_the_documented_formula() {
        let push = Options {
            redirect: Redirect::None,
            checksum: true,
            ..Options::of(Kind::Emoney)
        };
        let n = names("zz", "EMONEY_ZZ", &push).expect("valid");
        let m = doku_pay_core::Merchant::new(
            doku_pay_core::ClientId::new("MCH-0001").unwrap(),
            doku_pay_core::SecretKey::new("SK-0001").unwrap(),
        );
        assert_eq!(
            n.fixture_check_sum,
            m.sha256_hex_with_secret("150000MCH-0001INV-20260101-0001081211111111")
        );
    }

    const WORKSPACE: &str = r#"[workspace]
members = ["crates/*", "channels/*", "xtask"]

[workspace.dependencies]
doku-pay-core = { path = "crates/doku-pay-core", default-features = false }
doku-pay-linkaja = { path = "channels/linkaja" }
doku-pay-akulaku = { path = "channels/akulaku" }
doku-pay = { path = "crates/doku-pay", default-features = false }
serde = "1"
"#;

    #[test]
    fn wires_the_workspace_once() {
        let n = names("dana", "EMONEY_DANA", &Options::of(Kind::Emoney)).expect("valid");
        let w = wire_workspace(WORKSPACE, &n, &existing()).expect("workspace");
        assert!(
            w.contains("doku-pay-akulaku = { path = \"channels/akulaku\" }\ndoku-pay-dana = { path = \"channels/dana\", version = \"0.1.0\" }\ndoku-pay = "),
            "{w}"
        );
        assert!(
            w.contains(r#"members = ["crates/*", "channels/*", "xtask"]"#),
            "{w}"
        );
        assert_eq!(wire_workspace(&w, &n, &existing()).expect("again"), w);
        let listed = WORKSPACE.replace("\"channels/*\", ", "");
        let w = wire_workspace(&listed, &n, &existing()).expect("workspace");
        assert!(
            w.contains(r#"members = ["crates/*", "xtask", "channels/dana"]"#),
            "{w}"
        );
    }

    const MANIFEST: &str = r#"[package]
name = "doku-pay"

[features]
default = ["linkaja", "akulaku"]
# LinkAja
linkaja = ["dep:doku-pay-linkaja"]
# Akulaku
akulaku = ["dep:doku-pay-akulaku"]
sim = ["doku-pay-linkaja?/sim", "doku-pay-akulaku?/sim", "dep:doku-pay-sim"]
receiver = ["dep:doku-pay-receiver"]

[dependencies]
doku-pay-core.workspace = true
doku-pay-linkaja = { workspace = true, optional = true }
doku-pay-akulaku = { workspace = true, optional = true }
doku-pay-sim = { workspace = true, optional = true }
"#;

    const LIB: &str = r#"//! | feature | channel crate | id |
//! | --- | --- | --- |
//! | `linkaja` | [`linkaja`] (`doku-pay-linkaja`) | `linkaja` |
//! | `akulaku` | [`akulaku`] (`doku-pay-akulaku`) | `akulaku` |
//! | `receiver` (off by default) | `doku-pay-receiver` as [`receiver`](crate) | |
//! | `sim` (off by default) | `doku-pay-sim` as [`sim`](crate) | |
//!
//! # #[cfg(all(feature = "linkaja", feature = "akulaku"))]
//! assert_eq!(ids, ["akulaku", "linkaja"]);

pub use doku_pay_core::*;

/// LinkAja.
#[cfg(feature = "linkaja")]
pub use doku_pay_linkaja as linkaja;

/// Akulaku.
#[cfg(feature = "akulaku")]
pub use doku_pay_akulaku as akulaku;

/// Receiver.
#[cfg(feature = "receiver")]
pub use doku_pay_receiver as receiver;

/// Sim.
#[cfg(feature = "sim")]
pub use doku_pay_sim as sim;

pub fn linked_channels() -> Vec<&'static ChannelDescriptor> {
    [
        #[cfg(feature = "akulaku")]
        &doku_pay_akulaku::DESCRIPTOR,
        #[cfg(feature = "linkaja")]
        &doku_pay_linkaja::DESCRIPTOR,
    ]
    .into_iter()
    .collect()
}
"#;

    #[test]
    fn wires_the_facade_once() {
        let options = Options {
            display_name: Some("DANA".into()),
            ..Options::of(Kind::Emoney)
        };
        let n = names("dana", "EMONEY_DANA", &options).expect("valid");
        let m = wire_manifest(MANIFEST, &n, &existing()).expect("manifest");
        assert!(
            m.contains(r#"default = ["linkaja", "akulaku", "dana"]"#),
            "{m}"
        );
        assert!(
            m.contains("akulaku = [\"dep:doku-pay-akulaku\"]\n# DANA e-money (links `doku-pay-dana` so that its registration is kept).\ndana = [\"dep:doku-pay-dana\"]\nsim = "),
            "{m}"
        );
        assert!(
            m.contains(r#"sim = ["doku-pay-linkaja?/sim", "doku-pay-akulaku?/sim", "doku-pay-dana?/sim", "dep:doku-pay-sim"]"#),
            "{m}"
        );
        assert!(
            m.contains("doku-pay-akulaku = { workspace = true, optional = true }\ndoku-pay-dana = { workspace = true, optional = true }\ndoku-pay-sim"),
            "{m}"
        );
        assert_eq!(wire_manifest(&m, &n, &existing()).expect("again"), m);

        let l = wire_lib(LIB, &n, &existing()).expect("lib");
        assert!(
            l.contains("pub use doku_pay_akulaku as akulaku;\n\n/// The DANA e-money channel (`doku-pay-dana`).\n#[cfg(feature = \"dana\")]\npub use doku_pay_dana as dana;\n\n/// Receiver."),
            "{l}"
        );
        let linked = "        #[cfg(feature = \"akulaku\")]\n        &doku_pay_akulaku::DESCRIPTOR,\n        #[cfg(feature = \"dana\")]\n        &doku_pay_dana::DESCRIPTOR,\n        #[cfg(feature = \"linkaja\")]";
        assert!(l.contains(linked), "{l}");
        assert!(
            l.contains("//! | `dana` | [`dana`] (`doku-pay-dana`) | `dana` |\n//! | `receiver`"),
            "{l}"
        );
        assert_eq!(wire_lib(&l, &n, &existing()).expect("again"), l);

        let existing = existing();
        let mut all = existing.clone();
        all.push(Channel {
            dir: "dana".into(),
            id: "dana".into(),
            code: "EMONEY_DANA".into(),
        });
        all.sort_by(|a, b| a.id.cmp(&b.id));
        let lists = extend_literal_lists(&l, &existing, &all);
        assert!(lists.contains(r#"assert_eq!(ids, ["akulaku", "dana", "linkaja"]);"#));
        assert!(
            lists.contains(
                r#"cfg(all(feature = "linkaja", feature = "akulaku", feature = "dana"))]"#
            )
        );
        let codes = extend_literal_lists(
            r#"["PEER_TO_PEER_AKULAKU", "EMONEY_LINKAJA"]"#,
            &existing,
            &all,
        );
        assert_eq!(
            codes,
            r#"["PEER_TO_PEER_AKULAKU", "EMONEY_DANA", "EMONEY_LINKAJA"]"#
        );

        let blocks = "fn expected_ids() -> Vec<&'static str> {\n    let mut ids = Vec::new();\n    if cfg!(feature = \"akulaku\") {\n        ids.push(\"akulaku\");\n    }\n    if cfg!(feature = \"linkaja\") {\n        ids.push(\"linkaja\");\n    }\n    ids\n}\n";
        let extended = extend_cfg_blocks(blocks, &existing, "dana");
        assert_eq!(
            extended,
            "fn expected_ids() -> Vec<&'static str> {\n    let mut ids = Vec::new();\n    if cfg!(feature = \"akulaku\") {\n        ids.push(\"akulaku\");\n    }\n    if cfg!(feature = \"dana\") {\n        ids.push(\"dana\");\n    }\n    if cfg!(feature = \"linkaja\") {\n        ids.push(\"linkaja\");\n    }\n    ids\n}\n"
        );
        assert_eq!(extend_cfg_blocks(&extended, &existing, "dana"), extended);
        let last = extend_cfg_blocks(blocks, &existing, "zz");
        assert!(last.contains(
            "ids.push(\"linkaja\");\n    }\n    if cfg!(feature = \"zz\") {\n        ids.push(\"zz\");\n    }\n    ids"
        ));
    }
}
