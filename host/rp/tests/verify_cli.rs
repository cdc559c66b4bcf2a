//! `mynakey-rp verify …` through `mynakey_rp::verify_cli::cli` (the function main.rs calls).
// Integration tests: helper functions outside #[test] may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_rp::verify_cli::cli;
use mynakey_test_support::fixtures::*;
use mynakey_test_support::pki::*;
use mynakey_verify::HashAlgorithm;

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
    login_with(&trust_dir(), extra, token)
}

/// `verify` of a login proof against the roots in `dir`.
fn login_with(dir: &TrustDir, extra: &[&str], token: &str) -> Run {
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
    let cert_arg = cert_file.display().to_string();
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
        "--certificate-file",
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
    args2[8] = "--certificate";
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
        assert!(
            r.stderr.contains("Usage: mynakey-rp verify"),
            "{args:?}: {}",
            r.stderr
        );
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

/// A signature-mode run with `cert_args` in place of the certificate options.
fn signature_with(cert_args: &[&str]) -> Run {
    let alg = HashAlgorithm::Sha256;
    let hash = alg.digest(b"document");
    let sig = card_sign(&key("card1-sign.key.der"), &alg.digest_info(&hash).unwrap());
    let dir = trust_dir();
    let (h, s) = (STANDARD.encode(&hash), STANDARD.encode(&sig));
    let mut args = vec![
        "verify",
        "--signature",
        "--hash-algorithm",
        "SHA-256",
        "--hash",
        &h,
        "--signature-value",
        &s,
        "--trust",
        dir.to_str().unwrap(),
        "--time",
        TIME,
    ];
    args.extend_from_slice(cert_args);
    run(&args, "")
}

/// Issue 11 item 1: a certificate value is never a file name. `@PATH` was read as a file: a
/// relying party passing the page's value on leaked the first byte of system files, told
/// whether a path exists, and read /dev/zero until memory ran out.
#[test]
fn certificate_values_are_never_file_names() {
    let file = pki_dir().join("card1-sign.der");
    for value in [
        format!("@{}", file.display()),
        "@/etc/passwd".to_owned(),
        "@/nonexistent/missing".to_owned(),
        "@/dev/zero".to_owned(),
    ] {
        let r = signature_with(&["--certificate", &value]);
        assert_eq!(r.code, 2, "{value}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.is_empty(), "{value}: {}", r.stdout);
        assert!(
            r.stderr.contains("--certificate takes base64 only"),
            "{value}: {}",
            r.stderr
        );
        // The same message whatever the path: no existence oracle, no content.
        assert!(!r.stderr.contains("No such file"), "{}", r.stderr);
        assert!(!r.stderr.contains("root:"), "{}", r.stderr);
    }
    // The file, named as a file, verifies.
    let r = signature_with(&["--certificate-file", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // Not both.
    let b64 = STANDARD.encode(pki("card1-sign.der"));
    let r = signature_with(&[
        "--certificate",
        &b64,
        "--certificate-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    // Not base64 at all.
    let r = signature_with(&["--certificate", "not base64!"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not standard base64"), "{}", r.stderr);
}

#[test]
fn certificate_caps_are_enforced_before_decoding_and_with_a_bounded_read() {
    // Base64 of 16 KiB + 1 bytes: refused by length, never decoded.
    let big = STANDARD.encode(vec![0x30u8; 16 * 1024 + 1]);
    let r = signature_with(&["--certificate", &big]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("16384-byte limit"), "{}", r.stderr);
    // At the cap the value is accepted as input (and then fails as a certificate: exit 1).
    let at_cap = STANDARD.encode(vec![0x30u8; 16 * 1024]);
    let r = signature_with(&["--certificate", &at_cap]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);

    // /dev/zero as a file: a bounded read refuses it at once instead of exhausting memory.
    let started = std::time::Instant::now();
    let r = signature_with(&["--certificate-file", "/dev/zero"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("16384-byte limit"), "{}", r.stderr);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    // A file one byte over the cap.
    let dir = trust_dir();
    let over = dir.0.join("big.der");
    std::fs::write(&over, vec![0u8; 16 * 1024 + 1]).unwrap();
    let r = signature_with(&["--certificate-file", over.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("16384-byte limit"), "{}", r.stderr);

    // A missing file is a setup error for the operator's own option.
    let r = signature_with(&["--certificate-file", "/nonexistent/cert.der"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--certificate-file"), "{}", r.stderr);
}

#[test]
fn crl_and_trust_files_are_read_with_a_cap() {
    // /dev/zero as a CRL: refused after 256 MiB + 1 bytes, not read to exhaustion.
    let r = login(&["--crl", "/dev/zero"], &card1_token());
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("268435456-byte limit"), "{}", r.stderr);

    // A trust file over 16 KiB is refused.
    let dir = trust_dir();
    std::fs::write(dir.0.join("auth-huge.pem"), vec![b'A'; 16 * 1024 + 1]).unwrap();
    let r = login_with(&dir, &[], &card1_token());
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("16384-byte limit"), "{}", r.stderr);
}

#[test]
fn the_token_on_stdin_is_capped_at_64_kib() {
    let huge = format!("{}{}", card1_token(), " ".repeat(64 * 1024));
    let r = login(&["--json"], &huge);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["error"]["code"], "TOKEN_SIZE", "{v}");
}

#[test]
fn a_malformed_token_fails_before_any_crl_is_read() {
    // Were the CRL read first, /dev/zero and a missing file would be setup errors (exit 2).
    for crl in ["/dev/zero", "/nonexistent.crl"] {
        let r = login(&["--crl", crl, "--json"], &"x".repeat(200));
        assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{crl}");
        assert!(r.stdout.contains("TOKEN_JSON"), "{crl}: {}", r.stdout);
    }
}
