//! `cargo xtask fuzz [--seconds N] [--target NAME] [--jobs J]`: builds the `fuzz/` crate's
//! libFuzzer targets with nightly and SanitizerCoverage (the flags cargo-fuzz passes, without
//! needing cargo-fuzz), seeds each target's corpus, and runs every target (or one) for `N`
//! seconds, `J` at once (one per core by default), with the DOKU dictionary
//! (`fuzz/doku.dict`). A crash fails the command and names the input libFuzzer saved under
//! `target/fuzz/artifacts/<target>/`: add it as a regression fixture under the crate's
//! `tests/` and fix the cause.
//!
//! The targets (`fuzz/fuzz_targets/*.rs`, each file's doc comment says what it checks):
//!
//! | target | what it drives | against |
//! | --- | --- | --- |
//! | `notification` | `NotificationVerifier::verify` on arbitrary headers and body, and on the body signed | forged input never accepted; signed input accepted exactly when the envelope reads |
//! | `envelope` | `Envelope::from_json_bytes` | serde_json (grammar, UTF-8, `Value`) |
//! | `amount_timestamp` | `Amount`, `clock::parse_timestamp` | the number's exact digits, `time`'s RFC 3339 |
//! | `unified_request` | `validate::decode_json::<PaymentRequest>`, every registered channel's `create`, `Rules::check` | a built wire body is JSON and passes the channel's create table; a refusal is a validation error |
//! | `answers` | every registered channel's create, cancel and refund readers (`Call::read`) on an arbitrary status and body; `DokuError::from_response` | what `answer.rs` promises: echoes equal the request, required fields and a status present, a redirect only while open, the body kept |
//! | `sim_request` | every simulator plugin's `decode_create` / `decode_cancel` / `decode_refund` | the channel's `Rules::check` (same violations), the body's invoice and amount |
//! | `receiver` | `NotificationService::call` (tower) with a `MemoryStore`, raw and signed | 2xx only for a signed notification the handler took; unsigned input never reaches it |
//!
//! Seeds (`write_seeds`): the bodies of the signature vectors, every channel's JSON
//! fixtures and the wire bodies the channels build from their unified fixtures, each framed
//! as the target reads its input (channel, operation and status bytes; the receiver's
//! request form). `.ci/run` runs every target 3 s so that none rots; a long run is
//! `cargo xtask fuzz --seconds 1800`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The coverage instrumentation libFuzzer needs (as cargo-fuzz sets it), plus the checks a
/// debug build has, so an overflow is a crash.
const RUSTFLAGS: &str = "--cfg fuzzing -Cpasses=sancov-module \
    -Cllvm-args=-sanitizer-coverage-level=4 \
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
    -Cllvm-args=-sanitizer-coverage-pc-table \
    -Cllvm-args=-sanitizer-coverage-trace-compares \
    -Cdebug-assertions -Coverflow-checks";

const TRIPLE: &str = "x86_64-unknown-linux-gnu";

/// Builds and runs the targets, `jobs` at once (one per core by default: each target is one
/// process on one core); `Err` names every target that crashed.
pub(crate) fn run(
    root: &Path,
    seconds: u64,
    only: Option<&str>,
    jobs: Option<usize>,
) -> Result<(), String> {
    let fuzz = root.join("fuzz");
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("fuzz");
    let targets = targets(&fuzz, only)?;
    let started = Instant::now();
    let status = Command::new("cargo")
        .args(["+nightly", "build", "--locked", "--release", "--bins"])
        .args(["--target", TRIPLE])
        .current_dir(&fuzz)
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("RUSTFLAGS", RUSTFLAGS)
        .status()
        .map_err(|e| format!("cargo +nightly: {e} (is the nightly toolchain installed?)"))?;
    if !status.success() {
        return Err("building the fuzz targets failed".into());
    }
    println!("fuzz: built in {:.0?}", started.elapsed());
    let seeds = target_dir.join("seeds");
    let count = write_seeds(root, &seeds, &targets)?;
    println!("fuzz: {count} seed inputs");
    let jobs = jobs
        .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
        .unwrap_or(1)
        .max(1);
    let dict = fuzz.join("doku.dict");
    let mut crashed = Vec::new();
    for batch in targets.chunks(jobs) {
        // One thread per target of the batch, each waiting for its process (and draining its
        // output, so that no process stalls on a full pipe).
        let results = std::thread::scope(|scope| {
            let runs: Vec<_> = batch
                .iter()
                .map(|name| {
                    let (target_dir, seeds, dict) = (&target_dir, &seeds, &dict);
                    scope.spawn(move || run_target(name, target_dir, seeds, dict, seconds))
                })
                .collect();
            runs.into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("a fuzz runner panicked".into()))
                })
                .collect::<Vec<_>>()
        });
        for result in results {
            let run = result?;
            println!(
                "fuzz: {}: {} executions in {:.0?}, coverage {} edges, {}",
                run.name,
                run.executions,
                run.elapsed,
                run.coverage,
                if run.crashed { "CRASHED" } else { "no crash" }
            );
            if run.crashed {
                eprintln!("{}", run.log);
                crashed.push(format!(
                    "{} (input saved in {})",
                    run.name,
                    run.artifacts.display()
                ));
            }
        }
    }
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz targets crashed: {}", crashed.join(", ")))
    }
}

/// What one target's run found.
struct TargetRun {
    name: String,
    executions: String,
    coverage: String,
    elapsed: std::time::Duration,
    crashed: bool,
    log: String,
    artifacts: PathBuf,
}

/// Runs the target `name` for `seconds` over its corpus and seeds.
fn run_target(
    name: &str,
    target_dir: &Path,
    seeds: &Path,
    dict: &Path,
    seconds: u64,
) -> Result<TargetRun, String> {
    let corpus = target_dir.join("corpus").join(name);
    let artifacts = target_dir.join("artifacts").join(name);
    for dir in [&corpus, &artifacts] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let binary = target_dir.join(TRIPLE).join("release").join(name);
    let started = Instant::now();
    let output = Command::new(&binary)
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-dict={}", dict.display()))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg("-print_final_stats=1")
        .arg(&corpus)
        .arg(seeds.join(name))
        .output()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    let executions = log
        .lines()
        .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
        .map_or("?", str::trim)
        .to_owned();
    let coverage = log
        .lines()
        .rev()
        .find_map(|l| {
            l.split_once(" cov: ")
                .map(|(_, r)| r.split(' ').next().unwrap_or("?"))
        })
        .unwrap_or("?")
        .to_owned();
    Ok(TargetRun {
        name: name.to_owned(),
        executions,
        coverage,
        elapsed: started.elapsed(),
        crashed: !output.status.success(),
        log,
        artifacts,
    })
}

/// The targets: `fuzz/fuzz_targets/*.rs`, or the one asked for.
fn targets(fuzz: &Path, only: Option<&str>) -> Result<Vec<String>, String> {
    let dir = fuzz.join("fuzz_targets");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    match only {
        None => Ok(names),
        Some(one) if names.iter().any(|n| n == one) => Ok(vec![one.to_owned()]),
        Some(one) => Err(format!(
            "no fuzz target {one}; there are: {}",
            names.join(", ")
        )),
    }
}

/// The seed inputs: every body of the signature vectors (`crates/doku-pay-core/tests/fixtures`,
/// the copy of `../shared/vectors/signature.json`), every channel's JSON fixture (the guides'
/// requests and answers) and the wire body each channel builds from its unified fixtures
/// (what the simulator receives from this library), each written in the layout of the
/// targets it feeds (see `framed`).
fn write_seeds(root: &Path, seeds: &Path, targets: &[String]) -> Result<usize, String> {
    let bodies = bodies(root)?;
    let mut count = 0;
    for target in targets {
        let dir = seeds.join(target);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for (i, input) in framed(target, &bodies).iter().enumerate() {
            let path = dir.join(format!("seed-{i:04}"));
            std::fs::write(&path, input).map_err(|e| format!("{}: {e}", path.display()))?;
            count += 1;
        }
    }
    Ok(count)
}

/// Every seed body.
fn bodies(root: &Path) -> Result<Vec<Vec<u8>>, String> {
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    let vectors = root.join("crates/doku-pay-core/tests/fixtures/signature.json");
    let text =
        std::fs::read_to_string(&vectors).map_err(|e| format!("{}: {e}", vectors.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", vectors.display()))?;
    for vector in v["vectors"].as_array().into_iter().flatten() {
        if let Some(body) = vector["body"].as_str() {
            inputs.push(body.as_bytes().to_vec());
        }
    }
    let registry = doku_pay::Registry::global();
    let merchant = doku_pay::Merchant::validation_only();
    let channels = root.join("channels");
    let crates =
        std::fs::read_dir(&channels).map_err(|e| format!("{}: {e}", channels.display()))?;
    let mut crates: Vec<_> = crates.flatten().map(|c| c.path()).collect();
    crates.sort();
    for channel in crates {
        let Ok(files) = std::fs::read_dir(channel.join("tests/fixtures")) else {
            continue;
        };
        let mut files: Vec<_> = files.flatten().map(|f| f.path()).collect();
        files.sort();
        for file in files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "json"))
        {
            let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
            // A unified request: also the wire body its channel sends for it.
            let unified = file
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("unified"));
            let id = channel.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if let (true, Ok(ch)) = (unified, registry.get(id)) {
                let req: doku_pay::PaymentRequest = serde_json::from_slice(&bytes)
                    .map_err(|e| format!("{}: {e}", file.display()))?;
                let call = ch
                    .create(&req, &merchant)
                    .map_err(|e| format!("{}: {e}", file.display()))?;
                inputs.push(call.body().to_vec());
            }
            inputs.push(bytes);
        }
    }
    Ok(inputs)
}

/// How many channels the `answers` and `sim_request` targets pick from by their first byte:
/// every channel the facade links (and so the fuzz crate, through it), in id order, as the
/// targets order them.
fn channel_count() -> u8 {
    u8::try_from(doku_pay::linked_channels().len()).unwrap_or(u8::MAX)
}

/// The seed inputs of `target`, from the bodies: as they are for the targets that read a
/// body alone; behind the channel, operation and status bytes (200) of `answers`; behind
/// `sim_request`'s channel and operation byte (with the body's credentials,
/// `SimChannel::body_credentials`, set right); as a signed
/// POST of the receiver's request form (`flags`, `METHOD PATH`, headers, empty line, body).
fn framed(target: &str, bodies: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let prefixed = |prefix: &dyn Fn(u8, u8) -> Vec<u8>| -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for body in bodies {
            for channel in 0..channel_count() {
                for op in 0..3 {
                    let mut input = prefix(channel, op);
                    input.extend_from_slice(body);
                    out.push(input);
                }
            }
        }
        out
    };
    match target {
        "answers" => prefixed(&|channel, op| vec![channel, op, 0]),
        "sim_request" => prefixed(&|channel, op| vec![channel, op | 0x80]),
        "receiver" => bodies
            .iter()
            .map(|body| {
                let mut input = b"\0POST /payments/notifications\n\
                    content-type: application/json\n\n"
                    .to_vec();
                input.extend_from_slice(body);
                input
            })
            .collect(),
        _ => bodies.to_vec(),
    }
}
