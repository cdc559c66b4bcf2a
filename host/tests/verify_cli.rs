//! `mynakey-host verify …` through `mynakey::verify::cli` (the function main.rs calls).
// Integration tests: helper functions outside #[test] may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod verify_common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey::verify::{cli, HashAlgorithm};
use verify_common::*;

struct Run {
    code: u8,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], stdin: &str) -> Run {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = cli(&args, &mut stdin.as_bytes(), &mut out, &mut err);
    Run {
        code,
        stdout: String::from_utf8(out).unwrap(),
        stderr: String::from_utf8(err).unwrap(),
    }
}

/// A temporary trust directory holding the four test roots (classified by their OU);
/// removed on drop.
struct TrustDir(PathBuf);

impl TrustDir {
    fn to_str(&self) -> Option<&str> {
        self.0.to_str()
    }
}

impl Drop for TrustDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn trust_dir() -> TrustDir {
    // One directory per call: tests run in parallel.
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("mynakey-verify-cli-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in [
        "auth-root-1.der",
        "auth-root-2.der",
        "sign-root-1.der",
        "sign-root-2.der",
    ] {
        std::fs::write(dir.join(f), pki(f)).unwrap();
    }
    TrustDir(dir)
}

const TIME: &str = "2026-11-26T00:00:00Z";

fn login(extra: &[&str], token: &str) -> Run {
    let dir = trust_dir();
    let mut args = vec![
        "verify",
        "--origin",
        ORIGIN,
        "--challenge",
        CHALLENGE,
        "--trust",
        dir.to_str().unwrap(),
        "--time",
        TIME,
    ];
    args.extend_from_slice(extra);
    run(&args, token)
}

#[test]
fn valid_login_proof_prints_the_identity_and_exits_0() {
    let r = login(&[], &(card1_token() + "\n"));
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("VALID login proof\n"), "{}", r.stdout);
    assert!(r.stdout.contains("01A2B3C4"), "{}", r.stdout);
    assert!(r.stdout.contains("not checked"), "{}", r.stdout);
    assert!(r.stderr.is_empty());
}

#[test]
fn json_output_is_one_object() {
    let r = login(&["--json"], &card1_token());
    assert_eq!(r.code, 0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["kind"], "login proof");
    assert_eq!(v["identity"]["serialNumber"], "01A2B3C4");

    let r = login(&["--json"], "{}");
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["error"]["code"], "TOKEN_SIZE");
    assert_eq!(v["error"]["check"], "token");
}

#[test]
fn invalid_proof_names_the_failed_check_and_exits_1() {
    let token = token_for(
        "card1-auth.der",
        "card1-auth.key.der",
        "https://evil.example.jp",
        CHALLENGE,
    );
    let r = login(&[], &token);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .starts_with("INVALID login proof: the signature check failed (SIGNATURE_INVALID)"),
        "{}",
        r.stdout
    );
}

#[test]
fn crl_option_reports_revocation_with_its_reason() {
    let crl = pki_dir().join("auth.crl");
    let token = token_for("auth-revoked.der", "card1-auth.key.der", ORIGIN, CHALLENGE);
    let r = login(&["--crl", crl.to_str().unwrap()], &token);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("REVOKED"), "{}", r.stdout);
    assert!(r.stdout.contains("keyCompromise"), "{}", r.stdout);

    let r = login(&["--crl", crl.to_str().unwrap()], &card1_token());
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("not revoked (CRL checked)"),
        "{}",
        r.stdout
    );
}

#[test]
fn default_trust_is_the_real_jpki_roots_which_reject_the_test_pki() {
    let r = run(
        &["--origin", ORIGIN, "--challenge", CHALLENGE, "--json"],
        &card1_token(),
    );
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["error"]["code"], "UNTRUSTED");
}

#[test]
fn signature_mode_verifies_and_prints_the_holder() {
    let alg = HashAlgorithm::Sha384;
    let hash = alg.digest(b"document");
    let sig = card_sign(&key("card1-sign.key.der"), &alg.digest_info(&hash).unwrap());
    let cert_file = pki_dir().join("card1-sign.der");
    let cert_arg = format!("@{}", cert_file.display());
    let dir = trust_dir();
    let (h, s) = (STANDARD.encode(&hash), STANDARD.encode(&sig));
    let args = [
        "verify",
        "--signature",
        "--hash-algorithm",
        "SHA-384",
        "--hash",
        &h,
        "--signature-value",
        &s,
        "--certificate",
        &cert_arg,
        "--trust",
        dir.to_str().unwrap(),
        "--time",
        TIME,
    ];
    let r = run(&args, "");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("VALID signature\n"));
    assert!(r.stdout.contains("テスト 花子"), "{}", r.stdout);
    assert!(r.stdout.contains("1985-03-15 (昭和)"), "{}", r.stdout);
    assert!(r.stdout.contains("female"), "{}", r.stdout);

    // The certificate inline as base64, wrong hash → invalid.
    let cert_b64 = STANDARD.encode(pki("card1-sign.der"));
    let other = STANDARD.encode(alg.digest(b"other"));
    let mut args2 = args;
    args2[5] = &other;
    args2[9] = &cert_b64;
    let r = run(&args2, "");
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("SIGNATURE_INVALID"), "{}", r.stdout);
}

#[test]
fn usage_errors_exit_2() {
    let cases: [&[&str]; 7] = [
        &[],
        &["--origin", ORIGIN],
        &["--origin", ORIGIN, "--challenge", CHALLENGE, "--bogus"],
        &[
            "--origin",
            ORIGIN,
            "--challenge",
            CHALLENGE,
            "--time",
            "yesterday",
        ],
        &[
            "--origin",
            ORIGIN,
            "--challenge",
            CHALLENGE,
            "--trust",
            "/nonexistent",
        ],
        &[
            "--origin",
            ORIGIN,
            "--challenge",
            CHALLENGE,
            "--crl",
            "/nonexistent.crl",
        ],
        &["--signature", "--hash-algorithm", "MD5"],
    ];
    for args in cases {
        let r = run(args, &card1_token());
        assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
        assert!(r.stderr.contains("usage:"), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}");
    }
    let r = run(&["verify", "--help"], "");
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("--signature"));
}

#[test]
fn equals_form_of_options_is_accepted() {
    let dir = trust_dir();
    let trust = format!("--trust={}", dir.0.display());
    let origin = format!("--origin={ORIGIN}");
    let challenge = format!("--challenge={CHALLENGE}");
    let time = format!("--time={TIME}");
    let r = run(&[&origin, &challenge, &trust, &time], &card1_token());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}
