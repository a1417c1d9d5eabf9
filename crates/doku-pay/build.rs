//! Hands the facade's tests the features this build enables (`DOKU_ENABLED_FEATURES`, comma
//! separated), so that they can check the registry against them without naming a channel.

fn main() {
    let mut features: Vec<String> = std::env::vars()
        .filter_map(|(k, _)| {
            k.strip_prefix("CARGO_FEATURE_")
                .map(|f| f.to_ascii_lowercase().replace('_', "-"))
        })
        .collect();
    features.sort();
    println!(
        "cargo:rustc-env=DOKU_ENABLED_FEATURES={}",
        features.join(",")
    );
}
