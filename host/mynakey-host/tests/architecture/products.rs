//! What the products link, from `cargo tree`: the person's host without the lab links no
//! verifier, PDF or async code; the relying party's tools no card code; no product any test code.

use std::collections::BTreeSet;

use crate::cargo;

/// Crates the person's host without the lab (what packages ship) must not link: the verifier,
/// signed documents, their RSA and PDF code, timestamps, and the service's async stack.
const NOT_IN_THE_PERSONS_HOST: [&str; 11] = [
    "mynakey-verify",
    "mynakey-documents",
    "mynakey-verifyd",
    "ring",
    "lopdf",
    "cms",
    // RFC 3161 types: the relying party's timestamps and the lab's test TSA only.
    "x509-tsp",
    "cmpv2",
    "tokio",
    // The relying party's TSA client: the person's host never talks to a TSA, not even the lab.
    "ureq",
    "rustls",
];

/// Crates the relying party's tools must not link: card code and PC/SC.
const NOT_IN_THE_RELYING_PARTYS_TOOLS: [&str; 4] =
    ["mynakey-card", "mynakey-simulator", "pcsc", "pcsc-sys"];

/// Every package in `cargo tree ARGS` (normal dependencies, for every target platform).
fn tree(args: &[&str]) -> BTreeSet<String> {
    tree_with("normal", args)
}

/// [`tree`] over the given kinds of dependency edges (e.g. `normal,dev`).
fn tree_with(edges: &str, args: &[&str]) -> BTreeSet<String> {
    let tree = ["tree", "--offline", "-e", edges, "--target", "all"];
    let format = ["--prefix", "none", "--format", "{p}"];
    String::from_utf8(cargo(&[&tree[..], &format, args].concat()))
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn present<'a>(tree: &BTreeSet<String>, crates: &[&'a str]) -> Vec<&'a str> {
    crates
        .iter()
        .copied()
        .filter(|c| tree.contains(*c))
        .collect()
}

#[test]
fn the_persons_host_without_the_lab_links_no_verifier_pdf_or_async_code() {
    let product = tree(&["-p", "mynakey-host", "--no-default-features"]);
    assert!(product.contains("pcsc"), "{product:?}");
    assert_eq!(present(&product, &NOT_IN_THE_PERSONS_HOST), [""; 0]);
    // The lab build plays the relying party in `demo`, with its own test TSA, so it does link
    // them: the check sees them.
    let lab = tree(&["-p", "mynakey-host"]);
    assert_eq!(
        present(&lab, &NOT_IN_THE_PERSONS_HOST),
        [
            "mynakey-verify",
            "mynakey-documents",
            "ring",
            "lopdf",
            "cms",
            "x509-tsp",
            "cmpv2"
        ]
    );
}

#[test]
fn the_relying_partys_tools_link_no_card_code_or_pcsc() {
    let tools = tree(&["-p", "mynakey-rp"]);
    assert!(tools.contains("mynakey-documents"), "{tools:?}");
    assert!(
        tools.contains("ureq"),
        "the TSA client of `document finish --tsa`"
    );
    assert_eq!(present(&tools, &NOT_IN_THE_RELYING_PARTYS_TOOLS), [""; 0]);
    let host = tree(&["-p", "mynakey-host", "--no-default-features"]);
    assert_eq!(
        present(&host, &NOT_IN_THE_RELYING_PARTYS_TOOLS),
        ["mynakey-card", "pcsc", "pcsc-sys"]
    );
}

/// What every crate's tests share: the test PKI's private keys and helpers that sign with them.
const TEST_CODE: &str = "mynakey-test-support";

#[test]
fn no_product_links_test_code() {
    let products: [&[&str]; 4] = [
        &["mynakey-host"],
        &["mynakey-host", "--no-default-features"],
        &["mynakey-rp"],
        &["mynakey-verifyd"],
    ];
    for product in products {
        let linked = tree(&[&["-p"][..], product].concat());
        assert!(linked.contains(product[0]), "{product:?}: {linked:?}");
        assert!(!linked.contains(TEST_CODE), "{product:?} links {TEST_CODE}");
    }
    // The check sees it where it belongs: among the verifier's dev-dependencies.
    let with_tests = tree_with("normal,dev", &["-p", "mynakey-verify"]);
    assert!(with_tests.contains(TEST_CODE), "{with_tests:?}");
}
