//! `xtask msrv` on this workspace, as part of the README's test command: nothing the workspace
//! builds may need a newer Rust than the `rust-version` it declares. (A test rather than a
//! CI step of its own: the tests build this binary with their own features, which CI's fuzz
//! smoke then runs, instead of building it once more for `cargo xtask`.)

#[test]
fn nothing_the_workspace_builds_needs_a_newer_rust_than_it_declares() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("msrv")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "xtask msrv:\n{stdout}\n{stderr}");
    assert!(stdout.contains("packages build with Rust"), "{stdout}");
}
