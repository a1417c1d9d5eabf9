//! Warns at build time, where `cargo test` shows it, when the servers the store tests start
//! (redis-server, PostgreSQL's initdb) are not installed: those tests will be skipped.

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}

fn main() {
    println!("cargo:rerun-if-env-changed=PATH");
    println!("cargo:rerun-if-changed=build.rs");
    let redis = on_path("redis-server");
    let postgres = on_path("initdb")
        || std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.path().join("bin/initdb").is_file());
    for (found, what, watch) in [
        (redis, "redis-server", "/usr/bin/redis-server"),
        (
            postgres,
            "PostgreSQL (initdb, postgres)",
            "/usr/lib/postgresql",
        ),
    ] {
        // A missing path makes Cargo run this again at every build, so the warning stays
        // until the server is installed.
        println!("cargo:rerun-if-changed={watch}");
        if !found {
            println!(
                "cargo:warning={what} is not installed: the store tests that need it will be \
                 SKIPPED (run scripts/test to install it; under CI=true they fail instead)"
            );
        }
    }
}
