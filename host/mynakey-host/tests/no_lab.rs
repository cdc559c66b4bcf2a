//! No lab in the product: the build packages ship (`--no-default-features`, no `simulator`)
//! refuses `demo`, `simulate` and `--simulator` with a clear message, and holds no byte run of
//! any test private key nor of the lab TSA's certificates. Both builds send `verify` and
//! `document` to `mynakey-rp`.
//!
//! `tests/run.sh` builds that binary once (`cargo build --release -p mynakey-host
//! --no-default-features`, kept as `target/no-lab/mynakey-host`) and runs this file with
//! `MYNAKEY_PACKAGE_BIN` pointing at it. Without that variable the package tests return at once;
//! the control test (the developer binary does hold the keys) always runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mynakey_test_support::fixtures::ORIGIN;
use mynakey_test_support::pki::pki_dir;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Length of the key windows searched for: long enough that a match is never chance.
const WINDOW: usize = 32;
/// Windows taken from each file, spread over its length (every byte of a key is secret).
const WINDOWS_PER_KEY: usize = 16;
/// The lab TSA's certificates (its key, `tsa.key.der`, is among the keys): test-only, so never
/// in the product either.
const TSA_CERTIFICATES: [&str; 2] = ["tsa.der", "tsa-root.der"];
/// What the lab embeds for its TSA and the CRLs its test roots issue: the developer build must
/// hold each of them.
const LAB_PKI_FILES: [&str; 5] = [
    "tsa.key.der",
    "tsa.der",
    "tsa-root.der",
    "tsa-root.key.der",
    "sign-root-2.key.der",
];

fn package_binary(name: &str) -> Option<PathBuf> {
    match std::env::var_os("MYNAKEY_PACKAGE_BIN") {
        Some(path) => {
            let path = PathBuf::from(path);
            assert!(
                path.is_file(),
                "MYNAKEY_PACKAGE_BIN={} is missing",
                path.display()
            );
            Some(path)
        }
        None => {
            eprintln!("{name}: skipped (tests/run.sh builds the package binary)");
            None
        }
    }
}

/// Every private key of the test PKI and the lab TSA's certificates, as `(file, bytes)`.
fn test_only_files() -> Vec<(String, Vec<u8>)> {
    let dir = pki_dir();
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.ends_with(".key.der") || TSA_CERTIFICATES.contains(&name.as_ref())
        })
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 13,
        "test keys and TSA certificates not found in {}",
        dir.display()
    );
    files
}

/// The files with a byte window found in `binary`. One pass over the binary: a table of the
/// windows' first two bytes picks the few places worth comparing.
fn test_only_bytes_in(binary: &[u8]) -> BTreeSet<String> {
    let mut windows = Vec::new();
    for (name, file) in test_only_files() {
        let step = (file.len() - WINDOW) / (WINDOWS_PER_KEY - 1);
        for offset in (0..WINDOWS_PER_KEY).map(|i| i * step) {
            windows.push((name.clone(), file[offset..offset + WINDOW].to_vec()));
        }
    }
    // A window also found in another file of the test PKI (every PKCS#8 key's header, a key's
    // public modulus in its certificate, a shared issuer name) would name the wrong file: only
    // windows of one file each are searched.
    let pki: Vec<Vec<u8>> = std::fs::read_dir(pki_dir())
        .unwrap()
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .collect();
    windows.retain(|(_, window)| {
        let holders = pki
            .iter()
            .filter(|f| f.windows(WINDOW).any(|w| w == window));
        holders.count() == 1
    });
    let prefix = |bytes: &[u8]| usize::from(u16::from_be_bytes([bytes[0], bytes[1]]));
    let mut first_two = vec![false; 1 << 16];
    for (_, window) in &windows {
        first_two[prefix(window)] = true;
    }
    let mut found = BTreeSet::new();
    for candidate in binary.windows(WINDOW) {
        if first_two[prefix(candidate)] {
            for (name, _) in windows.iter().filter(|(_, w)| w == candidate) {
                found.insert(name.clone());
            }
        }
    }
    found
}

fn run(binary: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::new(binary)
        .args(args)
        .env("MYNAKEY_LOG_LEVEL", "off")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_package_refuses_the_lab_with_a_clear_message() {
    let Some(binary) = package_binary("the_package_refuses_the_lab_with_a_clear_message") else {
        return;
    };
    for args in [
        &["demo"][..],
        &["--simulator"],
        &[
            "chrome-extension://dedionhfdmdcponbglgdkifomcnkbdka/",
            "--simulator",
        ],
        &["--sim-readers", "card1,card2"],
        &["status", "--simulator"],
        &["simulate", "--vpcd", "127.0.0.1:35963"],
    ] {
        let (code, stderr) = run(&binary, args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains("without the `simulator` feature"),
            "{args:?}: {stderr}"
        );
    }
    let (code, _) = run(&binary, &["--version"]);
    assert_eq!(code, 0);
}

#[test]
fn the_package_holds_no_test_private_key_or_lab_tsa() {
    let Some(binary) = package_binary("the_package_holds_no_test_private_key_or_lab_tsa") else {
        return;
    };
    let bytes = std::fs::read(binary).unwrap();
    assert_eq!(test_only_bytes_in(&bytes), BTreeSet::new());
}

/// The control: the developer build embeds the simulated cards' keys, the lab TSA's key and
/// certificates and the CRL-issuing roots' keys, so the search above finds each of them when
/// they are there.
#[test]
fn the_developer_binary_holds_the_simulated_cards_keys_and_the_lab_tsa() {
    let bytes = std::fs::read(env!("CARGO_BIN_EXE_mynakey-host")).unwrap();
    let found = test_only_bytes_in(&bytes);
    assert!(found.contains("card1-sign.key.der"), "{found:?}");
    for file in LAB_PKI_FILES {
        assert!(found.contains(file), "{file} not found: {found:?}");
    }
}

/// `verify` and `document` moved to `mynakey-rp`: whatever follows them (a login to check on
/// stdin, a step, `--help`), the host exits 2 with the one line that names the new command, and
/// writes nothing to stdout.
fn assert_the_relying_partys_commands_moved(binary: &Path) {
    for (args, new) in [
        (&["verify"][..], "mynakey-rp verify"),
        (
            &["verify", "--origin", ORIGIN, "--challenge", "x", "--json"],
            "mynakey-rp verify",
        ),
        (
            &["verify", "--pdf", "signed.pdf", "--help"],
            "mynakey-rp verify",
        ),
        (&["document", "prepare"], "mynakey-rp document"),
        (&["document", "finish", "--bogus"], "mynakey-rp document"),
    ] {
        let output = Command::new(binary)
            .args(args)
            .env("MYNAKEY_LOG_LEVEL", "off")
            .env("MYNAKEY_CONFIG", "/nonexistent/mynakey-test-config.json")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(&format!("`{new}`")), "{args:?}: {stderr}");
    }
}

#[test]
fn the_developer_build_names_mynakey_rp_for_verify_and_document() {
    assert_the_relying_partys_commands_moved(Path::new(env!("CARGO_BIN_EXE_mynakey-host")));
}

#[test]
fn the_package_names_mynakey_rp_for_verify_and_document() {
    let Some(binary) = package_binary("the_package_names_mynakey_rp_for_verify_and_document")
    else {
        return;
    };
    assert_the_relying_partys_commands_moved(&binary);
}
