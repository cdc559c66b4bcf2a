//! What the `document` tests share: the steps run in process, `verify` over files, the test
//! TSA's roots.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_rp::cli::{DocumentStep, FinishArgs};
use mynakey_rp::document_cli;
use mynakey_rp::verify_cli::cli;
use mynakey_test_support::pki::*;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};

/// One `document` step on `input`: its exit code and output.
pub fn step(step: DocumentStep, input: &Value) -> (u8, Value) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = document_cli::run(&step, &mut input.to_string().as_bytes(), &mut out, &mut err);
    (code, serde_json::from_slice(&out).unwrap())
}

/// prepare → the card signs the hash → finish with `finish`'s options: its exit code and output.
pub fn sign_with(format: &str, document: &[u8], finish: FinishArgs) -> (u8, Value) {
    let (code, prepared) = step(
        DocumentStep::Prepare,
        &json!({"format": format, "document": STANDARD.encode(document),
            "certificate": STANDARD.encode(pki("card1-sign.der")), "signingTime": "2026-01-15T09:30:00Z"}),
    );
    assert_eq!(code, 0, "{prepared}");
    assert_eq!(prepared["hashAlgorithm"], "SHA-256");
    let hash = STANDARD.decode(prepared["hash"].as_str().unwrap()).unwrap();
    let signature = sign_digest("card1-sign.key.der", &hash);
    let input = json!({"prepared": prepared["prepared"], "signature": STANDARD.encode(signature)});
    step(DocumentStep::Finish(finish), &input)
}

/// `verify --json --trust DIR(sign-root-2)` with `files` written under their option names.
pub fn verify(extra: &[&str], files: &[(&str, &[u8])]) -> (u8, Value) {
    // One directory per call: tests run in parallel.
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("mynakey-documents-cli-{}-{n}", std::process::id()));
    std::fs::create_dir_all(dir.join("trust")).unwrap();
    std::fs::write(dir.join("trust/sign-root-2.der"), pki("sign-root-2.der")).unwrap();
    let mut args: Vec<String> = vec![
        "verify".into(),
        "--json".into(),
        "--trust".into(),
        dir.join("trust").display().to_string(),
    ];
    for (option, bytes) in files {
        let path = dir.join(option.trim_start_matches('-'));
        std::fs::write(&path, bytes).unwrap();
        args.extend([option.to_string(), path.display().to_string()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = cli(&args, &mut &b""[..], &mut out, &mut err);
    std::fs::remove_dir_all(&dir).unwrap();
    (code, serde_json::from_slice(&out).unwrap_or(Value::Null))
}

/// A directory holding the test TSA root: `--tsa-trust`.
pub fn tsa_trust_dir() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("mynakey-tsa-trust-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tsa-root.der"), pki("tsa-root.der")).unwrap();
    dir.display().to_string()
}

/// `finish` with the TSA at `url` and its roots.
pub fn with_tsa(url: &str, timeout: u64) -> FinishArgs {
    FinishArgs {
        tsa: Some(url.to_owned()),
        tsa_trust: Some(tsa_trust_dir().into()),
        tsa_timeout: timeout,
        tsa_tls_roots: Vec::new(),
    }
}
