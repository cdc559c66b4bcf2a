//! The architecture, checked by the project itself: which crate may depend on which (from
//! `cargo metadata`), where the `pcsc` crate may be named, what the products link (from
//! `cargo tree`, [`products`]: never test code), that no two modules of a crate import each
//! other ([`modules`]), how long a source file may grow, and that the README's layout names the
//! crates that exist.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod modules;
mod products;

/// Each workspace crate and the workspace crates it may depend on (normal dependencies).
/// Nothing depends on the host, the relying party's tools or the verification service; verify,
/// protocol and types reach no card code.
const ALLOWED: [(&str, &[&str]); 10] = [
    ("mynakey-types", &[]),
    ("mynakey-card", &["mynakey-types"]),
    ("mynakey-protocol", &["mynakey-types"]),
    ("mynakey-verify", &["mynakey-types"]),
    // Signed documents build on the verifier's public API only.
    ("mynakey-documents", &["mynakey-types", "mynakey-verify"]),
    ("mynakey-simulator", &["mynakey-card", "mynakey-types"]),
    ("mynakey-verifyd", &["mynakey-types", "mynakey-verify"]),
    // The relying party's command line: the verifier and signed documents, no card.
    ("mynakey-rp", &["mynakey-documents", "mynakey-verify"]),
    // What every crate's tests share (a dev-dependency only): its test PKI builds proofs and
    // trust with the verifier, and it reaches no card code.
    ("mynakey-test-support", &["mynakey-verify"]),
    (
        "mynakey-host",
        &[
            "mynakey-card",
            "mynakey-documents",
            "mynakey-protocol",
            "mynakey-simulator",
            "mynakey-types",
            "mynakey-verify",
        ],
    ),
];

/// Crates that must never reach card code or PC/SC, even indirectly.
const CARD_FREE: [&str; 7] = [
    "mynakey-types",
    "mynakey-protocol",
    "mynakey-verify",
    "mynakey-documents",
    "mynakey-verifyd",
    "mynakey-rp",
    "mynakey-test-support",
];

/// The service's HTTP and Redis stack: only `mynakey-verifyd` names it, so users of the verify
/// crate never inherit it.
const SERVICE_STACK: [&str; 4] = ["tokio", "axum", "hyper", "redis"];

/// Source files longer than [`MAX_LINES`], each with the reason it stays in one piece.
const LONG_FILES: [(&str, &str); 17] = [
    ("host/mynakey-host/src/install/mod.rs", "per-OS manifest and registry planning is one table-driven decision; split when a fourth OS arrives"),
    ("host/mynakey-host/src/install/tests.rs", "install scenarios per OS and browser over a fake file system"),
    ("host/mynakey-host/src/ops/mod.rs", "the three use cases share the PIN and held-session policy that must read in one place"),
    ("host/mynakey-host/src/ops/tests.rs", "one test per policy rule of ops"),
    ("host/verify/src/trust.rs", "roots, CRL scopes and partitions are one fail-closed decision"),
    ("host/simulator/src/lib.rs", "the fault language and the simulated readers it drives"),
    ("host/simulator/src/card.rs", "the simulated card's whole command set"),
    ("host/simulator/tests/jpki.rs", "one test per JPKI rule against the simulated card"),
    ("host/card/src/jpki/mod.rs", "the JPKI application's commands and their status-word handling"),
    ("host/card/src/transport/pcsc/mod.rs", "the PC/SC adapter: its error mapping and the waits that outlive a service going and coming back"),
    ("host/card/src/transport/pcsc/fake.rs", "a fake PC/SC service with both lifecycles (Windows' and pcsc-lite's) and its readers"),
    ("host/mynakey-host/src/status_cli.rs", "status's report and its hints for each platform and state, tested as pure functions"),
    ("host/mynakey-host/tests/system.rs", "one scenario per test over pcscd + vpcd"),
    ("host/mynakey-host/tests/system_faults.rs", "one fault per test over pcscd + vpcd"),
    ("host/mynakey-host/tests/privacy.rs", "one privacy rule per test, over the wire"),
    ("host/mynakey-host/tests/wire.rs", "every command over real frames"),
    ("host/rp/tests/verify_cli.rs", "one test per rule of the verify command: exit codes, caps, reading order"),
];
const MAX_LINES: usize = 400;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// What `cargo ARGS` prints in the workspace (it must succeed).
fn cargo(args: &[&str]) -> Vec<u8> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(args)
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Workspace crate → its normal dependencies (all of them, by package name).
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let output = cargo(&[
        "metadata",
        "--format-version",
        "1",
        "--no-deps",
        "--offline",
    ]);
    let metadata: Value = serde_json::from_slice(&output).unwrap();
    let mut graph = BTreeMap::new();
    for package in metadata["packages"].as_array().unwrap() {
        let deps = package["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].is_null())
            .map(|d| d["name"].as_str().unwrap().to_owned())
            .collect();
        graph.insert(package["name"].as_str().unwrap().to_owned(), deps);
    }
    graph
}

/// Violations of [`ALLOWED`]: `(crate, workspace dependency it may not have)`.
fn forbidden_edges(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<(String, String)> {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.into_iter().collect();
    let mut wrong = Vec::new();
    for (krate, deps) in graph {
        let Some(may) = allowed.get(krate.as_str()) else {
            wrong.push((krate.clone(), "(crate missing from ALLOWED)".into()));
            continue;
        };
        for dep in deps.iter().filter(|d| graph.contains_key(*d)) {
            if !may.contains(&dep.as_str()) {
                wrong.push((krate.clone(), dep.clone()));
            }
        }
    }
    wrong
}

/// Everything `krate` reaches through workspace crates, itself included.
fn reach(graph: &BTreeMap<String, BTreeSet<String>>, krate: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![krate.to_owned()];
    while let Some(next) = todo.pop() {
        if seen.insert(next.clone()) {
            todo.extend(graph.get(&next).into_iter().flatten().cloned());
        }
    }
    seen
}

#[test]
fn crate_dependencies_point_only_the_allowed_way() {
    let graph = dependencies();
    assert_eq!(graph.len(), ALLOWED.len(), "{:?}", graph.keys());
    assert_eq!(forbidden_edges(&graph), []);
    for krate in CARD_FREE {
        let reached = reach(&graph, krate);
        assert!(
            !reached.contains("mynakey-card"),
            "{krate} reaches card code"
        );
        assert!(!reached.contains("pcsc"), "{krate} reaches PC/SC");
    }
    let pcsc_users: Vec<_> = graph
        .iter()
        .filter(|(_, d)| d.contains("pcsc"))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(pcsc_users, ["mynakey-card"]);
    for dep in SERVICE_STACK {
        let users: Vec<_> = graph
            .iter()
            .filter(|(_, d)| d.contains(dep))
            .map(|(k, _)| k.as_str())
            .collect();
        assert!(
            users.iter().all(|k| *k == "mynakey-verifyd"),
            "{dep} used by {users:?}"
        );
    }
}

#[test]
fn the_dependency_check_catches_a_wrong_edge() {
    let mut graph = dependencies();
    graph
        .get_mut("mynakey-verify")
        .unwrap()
        .insert("mynakey-card".into());
    graph
        .get_mut("mynakey-card")
        .unwrap()
        .insert("mynakey-host".into());
    graph
        .get_mut("mynakey-protocol")
        .unwrap()
        .insert("mynakey-documents".into());
    graph
        .get_mut("mynakey-documents")
        .unwrap()
        .insert("mynakey-card".into());
    assert_eq!(
        forbidden_edges(&graph),
        [
            ("mynakey-card".to_owned(), "mynakey-host".to_owned()),
            ("mynakey-documents".to_owned(), "mynakey-card".to_owned()),
            (
                "mynakey-protocol".to_owned(),
                "mynakey-documents".to_owned()
            ),
            ("mynakey-verify".to_owned(), "mynakey-card".to_owned()),
        ]
    );
    assert!(reach(&graph, "mynakey-verify").contains("pcsc"));
}

fn rust_sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("target") {
                rust_sources(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `(file, lines)` longer than [`MAX_LINES`] without a reason in [`LONG_FILES`].
fn unexplained_long_files(root: &Path, files: &[PathBuf]) -> Vec<(String, usize)> {
    let mut long = Vec::new();
    for file in files {
        let lines = std::fs::read_to_string(file).unwrap().lines().count();
        let name = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if lines > MAX_LINES && !LONG_FILES.iter().any(|(listed, _)| *listed == name) {
            long.push((name, lines));
        }
    }
    long
}

#[test]
fn no_source_file_is_long_without_a_listed_reason() {
    let root = workspace_root();
    let mut files = Vec::new();
    rust_sources(&root.join("host"), &mut files);
    rust_sources(&root.join("fuzz/src"), &mut files);
    rust_sources(&root.join("fuzz/fuzz_targets"), &mut files);
    assert!(files.len() > 50);
    assert_eq!(unexplained_long_files(&root, &files), []);
    for (listed, reason) in LONG_FILES {
        assert!(root.join(listed).is_file(), "{listed} is listed but gone");
        assert!(!reason.is_empty());
    }
}

#[test]
fn the_length_check_catches_a_long_file() {
    let dir = std::env::temp_dir().join(format!("mynakey-architecture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("long.rs");
    std::fs::write(&file, "//\n".repeat(MAX_LINES + 1)).unwrap();
    let long = unexplained_long_files(&dir, &[file]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(long, [("long.rs".to_owned(), MAX_LINES + 1)]);
}

#[test]
fn the_readme_layout_matches_the_crates() {
    let root = workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let layout = readme
        .split("## Layout")
        .nth(1)
        .and_then(|rest| rest.split("```").nth(1))
        .expect("README.md has a ## Layout code block");
    let mut crates = BTreeSet::new();
    for entry in std::fs::read_dir(root.join("host")).unwrap() {
        let path = entry.unwrap().path();
        if path.join("Cargo.toml").is_file() {
            crates.insert(format!(
                "host/{}/",
                path.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert_eq!(crates.len(), ALLOWED.len());
    for krate in &crates {
        assert!(
            layout.contains(krate.as_str()),
            "README layout misses {krate}"
        );
    }
    for named in layout.split_whitespace().filter(|w| w.ends_with('/')) {
        assert!(
            root.join(named).exists(),
            "README layout names {named}, which does not exist"
        );
    }
}

/// Product sources (under `host/`, not tests or the test-support crate) that embed a file of the
/// test PKI with `include_bytes!`.
fn test_pki_embedders(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_sources(&root.join("host"), &mut files);
    let mut embedding: Vec<String> = files
        .iter()
        .filter(|f| {
            let relative = f.strip_prefix(root).unwrap();
            !relative.starts_with("host/test-support")
                && !relative.components().any(|c| c.as_os_str() == "tests")
        })
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            text.contains("include_bytes!") && text.contains("tests/fixtures/pki/")
        })
        .map(|f| {
            f.strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    embedding.sort();
    embedding
}

/// The test PKI's keys and certificates (the simulated cards', the lab TSA's and CRL roots')
/// are embedded by the lab's crate only, which the package build does not link
/// ([`products`]); `tests/no_lab.rs` checks the package binary's bytes.
#[test]
fn only_the_lab_embeds_the_test_pki() {
    assert_eq!(
        test_pki_embedders(&workspace_root()),
        ["host/simulator/src/lib.rs"]
    );
}
