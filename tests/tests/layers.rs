//! The layers hold: the I/O-free protocol in `doku-pay-core` has no module cycle and no HTTP
//! client, and what channel crates and a receiver-only service compile has no reqwest, no
//! hyper client and no rustls (`cargo tree -e normal`). Every crate under `channels/` is
//! checked, found by listing the folder, so a new channel is covered without an edit here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// `cargo tree -e normal` for one package with these arguments, as text.
fn tree(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .current_dir(root())
        .args([
            "tree",
            "-e",
            "normal,features",
            "--offline",
            "--prefix",
            "none",
        ])
        .args(args)
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// What an I/O-free build must not contain: the HTTP client and TLS stacks.
fn forbidden(tree: &str) -> Vec<String> {
    let mut found: Vec<String> = tree
        .lines()
        .filter(|l| {
            l.starts_with("reqwest ")
                || l.starts_with("rustls ")
                || l.starts_with("hyper-rustls ")
                || l.starts_with("hyper-util feature \"client")
                || l.starts_with("hyper feature \"client\"")
        })
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The package name in a crate's `Cargo.toml`.
fn package_name(manifest: &Path) -> String {
    let text = std::fs::read_to_string(manifest).expect("manifest");
    text.lines()
        .find_map(|l| l.strip_prefix("name = \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("package name")
        .to_owned()
}

#[test]
fn channel_crates_and_a_receiver_only_build_have_no_http_client() {
    let mut builds: Vec<(String, Vec<String>)> = Vec::new();
    let mut channels: Vec<PathBuf> = std::fs::read_dir(root().join("channels"))
        .expect("channels/")
        .map(|e| e.expect("entry").path().join("Cargo.toml"))
        .filter(|p| p.exists())
        .collect();
    channels.sort();
    assert!(!channels.is_empty(), "no channel crates found");
    for manifest in &channels {
        let name = package_name(manifest);
        builds.push((name.clone(), vec!["-p".into(), name]));
    }
    builds.push((
        "doku-pay-receiver without default features".into(),
        vec![
            "-p".into(),
            "doku-pay-receiver".into(),
            "--no-default-features".into(),
        ],
    ));
    builds.push((
        "doku-pay-core without default features".into(),
        vec![
            "-p".into(),
            "doku-pay-core".into(),
            "--no-default-features".into(),
        ],
    ));
    for (what, args) in &builds {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let text = tree(&args);
        assert!(text.contains("doku-pay-core"), "{what}: {text}");
        assert_eq!(forbidden(&text), Vec::<String>::new(), "{what}");
    }
    // And the check can fail: the full client does pull them in.
    assert!(!forbidden(&tree(&["-p", "doku-pay-core"])).is_empty());
}

/// `use crate::x` edges between doku-pay-core's top-level modules.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = root().join("crates/doku-pay-core/src");
    let files: Vec<PathBuf> = std::fs::read_dir(&src)
        .expect("src")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    let names: BTreeSet<String> = files
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|n| n != "lib")
        .collect();
    let mut graph = BTreeMap::new();
    for path in &files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("source");
        let mut deps = BTreeSet::new();
        for line in text.lines().map(str::trim_start) {
            if line.starts_with("//") {
                continue;
            }
            let mut rest = line;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                let idents: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                    group
                        .split(['}', ','])
                        .map(|s| s.trim().split("::").next().unwrap_or(""))
                        .collect()
                } else {
                    vec![
                        rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                            .next()
                            .unwrap_or(""),
                    ]
                };
                for ident in idents {
                    if names.contains(ident) && ident != name {
                        deps.insert(ident.to_owned());
                    }
                }
            }
        }
        graph.insert(name, deps);
    }
    graph
}

#[test]
fn doku_core_modules_have_no_cycle_and_only_the_transport_does_http() {
    let graph = module_graph();
    // Depth-first search for a back edge.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for dep in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(dep, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        let cycle = visit(node, &graph, &mut Vec::new(), &mut done);
        assert_eq!(cycle, None, "module cycle in doku-pay-core");
    }
    // The protocol modules never reach the transport or the client.
    for (module, deps) in &graph {
        if module != "transport" && module != "client" {
            assert!(
                !deps.contains("transport") && !deps.contains("client"),
                "{module} imports {deps:?}"
            );
        }
    }
    assert!(
        graph["client"].contains("transport"),
        "the check can see an edge"
    );
}
