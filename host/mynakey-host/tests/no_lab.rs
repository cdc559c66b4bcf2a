//! No lab in the product: the build packages ship (`--no-default-features`, no `simulator`)
//! refuses `demo`, `simulate` and `--simulator` with a clear message, and holds no byte run of
//! any test private key. Both builds send `verify` and `document` to `mynakey-rp`.
//!
//! `tests/run.sh` builds that binary once (`cargo build --release -p mynakey-host
//! --no-default-features`, kept as `target/no-lab/mynakey-host`) and runs this file with
//! `MYNAKEY_PACKAGE_BIN` pointing at it. Without that variable the package tests return at once;
//! the control test (the developer binary does hold the keys) always runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mynakey_test_support::fixtures::ORIGIN;
use mynakey_test_support::pki::pki_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Length of the key windows searched for: long enough that a match is never chance.
const WINDOW: usize = 32;
/// Windows taken from each key, spread over its length (every byte of a key is secret).
const WINDOWS_PER_KEY: usize = 16;

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

fn test_private_keys() -> Vec<(String, Vec<u8>)> {
    let dir = pki_dir();
    let mut keys: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".key.der"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    keys.sort();
    assert!(keys.len() >= 9, "test keys not found in {}", dir.display());
    keys
}

/// The first key window found in `binary`, as `(key file, offset in the key)`. One pass over
/// the binary: a table of the windows' first two bytes picks the few places worth comparing.
fn key_byte_run_in(binary: &[u8]) -> Option<(String, usize)> {
    let mut windows = Vec::new();
    for (name, key) in test_private_keys() {
        let step = (key.len() - WINDOW) / (WINDOWS_PER_KEY - 1);
        for offset in (0..WINDOWS_PER_KEY).map(|i| i * step) {
            windows.push((name.clone(), offset, key[offset..offset + WINDOW].to_vec()));
        }
    }
    let prefix = |bytes: &[u8]| usize::from(u16::from_be_bytes([bytes[0], bytes[1]]));
    let mut first_two = vec![false; 1 << 16];
    for (_, _, window) in &windows {
        first_two[prefix(window)] = true;
    }
    for candidate in binary.windows(WINDOW) {
        if first_two[prefix(candidate)] {
            if let Some((name, offset, _)) = windows.iter().find(|(_, _, w)| w == candidate) {
                return Some((name.clone(), *offset));
            }
        }
    }
    None
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
fn the_package_holds_no_test_private_key() {
    let Some(binary) = package_binary("the_package_holds_no_test_private_key") else {
        return;
    };
    let bytes = std::fs::read(binary).unwrap();
    assert_eq!(key_byte_run_in(&bytes), None);
}

/// The control: the developer build embeds the simulated cards' keys, so the search above
/// finds them when they are there.
#[test]
fn the_developer_binary_holds_the_simulated_cards_keys() {
    let bytes = std::fs::read(env!("CARGO_BIN_EXE_mynakey-host")).unwrap();
    assert!(key_byte_run_in(&bytes).is_some());
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
