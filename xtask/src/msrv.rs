//! `cargo xtask msrv`: the declared minimum supported Rust version, checked without its
//! toolchain (only the current stable and nightly are installed here).
//!
//! * Every package the workspace builds (its members and their whole dependency graph, dev
//!   and build dependencies included) must declare a `rust-version` no newer than the
//!   workspace's: cargo's MSRV-aware resolver picks such versions, and this check fails when
//!   a dependency added or upgraded by hand raises the floor.
//! * The workspace's own code is held to it by clippy's `incompatible_msrv` lint (standard
//!   library items stabilised after `rust-version`), which `.ci/run` denies with
//!   `-D warnings`. The floor is sqlx 0.9's (see ARCHITECTURE.md, "Crate family, publishing,
//!   MSRV"); edition 2024 alone would need 1.85.

use serde_json::Value;

/// A `major.minor[.patch]` version, compared numerically.
fn version(text: &str) -> Option<(u64, u64, u64)> {
    let mut parts = text.split('.').map(|p| p.parse::<u64>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

/// The packages whose `rust-version` is newer than `msrv`, as `name version (rust-version)`.
fn too_new(metadata: &Value, msrv: (u64, u64, u64)) -> Vec<String> {
    let used: Vec<&str> = metadata["resolve"]["nodes"]
        .as_array()
        .map(|nodes| nodes.iter().filter_map(|n| n["id"].as_str()).collect())
        .unwrap_or_default();
    let mut out: Vec<String> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["id"].as_str().is_some_and(|id| used.contains(&id)))
        .filter_map(|p| {
            let rv = p["rust_version"].as_str()?;
            (version(rv)? > msrv).then(|| format!("{} {} ({rv})", p["name"], p["version"]))
        })
        .collect();
    out.sort();
    out
}

/// Runs the check.
pub(crate) fn run() -> Result<(), String> {
    let output = crate::cargo()
        .args(["metadata", "--format-version", "1", "--locked"])
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let metadata: Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    let members: Vec<&Value> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["source"].is_null())
        .collect();
    let declared: Vec<&str> = members
        .iter()
        .filter_map(|p| p["rust_version"].as_str())
        .collect();
    let msrv_text = declared
        .first()
        .ok_or("no workspace member declares rust-version")?;
    if declared.len() != members.len() || declared.iter().any(|d| d != msrv_text) {
        return Err(format!(
            "every workspace member must declare the same rust-version (found {declared:?} over {} members)",
            members.len()
        ));
    }
    let msrv = version(msrv_text).ok_or("rust-version is not a version")?;
    let offenders = too_new(&metadata, msrv);
    let total = metadata["resolve"]["nodes"].as_array().map_or(0, Vec::len);
    if offenders.is_empty() {
        println!("msrv: {total} packages build with Rust {msrv_text} or older");
        Ok(())
    } else {
        Err(format!(
            "these packages need a newer Rust than the declared {msrv_text}:\n  {}",
            offenders.join("\n  ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_dependency_newer_than_the_msrv_is_named() {
        let metadata = json!({
            "packages": [
                {"id": "a", "name": "a", "version": "1.0.0", "rust_version": "1.85"},
                {"id": "b", "name": "b", "version": "2.0.0", "rust_version": "1.86.0"},
                {"id": "c", "name": "c", "version": "3.0.0", "rust_version": null},
                {"id": "d", "name": "d", "version": "4.0.0", "rust_version": "1.90"}
            ],
            "resolve": {"nodes": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}
        });
        assert_eq!(too_new(&metadata, (1, 85, 0)), ["\"b\" \"2.0.0\" (1.86.0)"]);
        assert_eq!(too_new(&metadata, (1, 86, 0)), Vec::<String>::new());
        assert_eq!(version("1.85"), Some((1, 85, 0)));
        assert_eq!(version("x"), None);
    }
}
