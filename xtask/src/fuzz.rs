//! `cargo xtask fuzz [--seconds N] [--target NAME]`: builds the `fuzz/` crate's libFuzzer
//! targets with nightly and SanitizerCoverage (the flags cargo-fuzz passes, without needing
//! cargo-fuzz), seeds each target's corpus from the shared signature vectors' bodies and the
//! channels' JSON fixtures, and runs every target (or one) for `N` seconds with the DOKU
//! dictionary (`fuzz/doku.dict`). A crash fails the command and names the input libFuzzer
//! saved under `target/fuzz/artifacts/<target>/`: add it as a regression fixture under
//! `tests/` and fix the cause.

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

/// Builds and runs the targets; `Err` names every target that crashed.
pub(crate) fn run(root: &Path, seconds: u64, only: Option<&str>) -> Result<(), String> {
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
    let count = write_seeds(root, &seeds)?;
    println!("fuzz: {count} seed inputs");
    let mut crashed = Vec::new();
    for name in &targets {
        let corpus = target_dir.join("corpus").join(name);
        let artifacts = target_dir.join("artifacts").join(name);
        for dir in [&corpus, &artifacts] {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let binary = target_dir.join(TRIPLE).join("release").join(name);
        let started = Instant::now();
        let output = Command::new(&binary)
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-dict={}", fuzz.join("doku.dict").display()))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .arg("-print_final_stats=1")
            .arg(&corpus)
            .arg(&seeds)
            .output()
            .map_err(|e| format!("{}: {e}", binary.display()))?;
        let log = String::from_utf8_lossy(&output.stderr);
        let runs = log
            .lines()
            .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
            .map_or("?", str::trim);
        let coverage = log
            .lines()
            .rev()
            .find_map(|l| {
                l.split_once(" cov: ")
                    .map(|(_, r)| r.split(' ').next().unwrap_or("?"))
            })
            .unwrap_or("?");
        println!(
            "fuzz: {name}: {runs} executions in {:.0?}, coverage {coverage} edges, {}",
            started.elapsed(),
            if output.status.success() {
                "no crash"
            } else {
                "CRASHED"
            }
        );
        if !output.status.success() {
            eprintln!("{log}");
            crashed.push(format!("{name} (input saved in {})", artifacts.display()));
        }
    }
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz targets crashed: {}", crashed.join(", ")))
    }
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

/// Seeds: every body of the signature vectors (`crates/doku-pay-core/tests/fixtures`, the copy
/// of `../shared/vectors/signature.json`) and every channel's JSON fixture.
fn write_seeds(root: &Path, seeds: &Path) -> Result<usize, String> {
    std::fs::create_dir_all(seeds).map_err(|e| format!("{}: {e}", seeds.display()))?;
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
    let channels = root.join("channels");
    let crates =
        std::fs::read_dir(&channels).map_err(|e| format!("{}: {e}", channels.display()))?;
    for channel in crates.flatten() {
        let Ok(files) = std::fs::read_dir(channel.path().join("tests/fixtures")) else {
            continue;
        };
        for file in files.flatten() {
            if file.path().extension().is_some_and(|e| e == "json") {
                inputs.push(std::fs::read(file.path()).map_err(|e| format!("{e}"))?);
            }
        }
    }
    for (i, input) in inputs.iter().enumerate() {
        let path = seeds.join(format!("seed-{i:03}"));
        std::fs::write(&path, input).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(inputs.len())
}
