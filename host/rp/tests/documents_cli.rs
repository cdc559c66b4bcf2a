//! `mynakey-rp document prepare|finish` then `verify --pdf` / `verify --cms`, in process (the
//! functions main.rs calls), with the test card's key playing the card.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod verify_common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_rp::cli::DocumentStep;
use mynakey_rp::document_cli;
use mynakey_rp::verify_cli::cli;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};

use verify_common::*;

fn step(step: DocumentStep, input: &Value) -> (u8, Value) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = document_cli::run(&step, &mut input.to_string().as_bytes(), &mut out, &mut err);
    (code, serde_json::from_slice(&out).unwrap())
}

/// prepare → the card signs the hash → finish; the signed bytes.
fn sign(format: &str, document: &[u8]) -> Vec<u8> {
    let (code, prepared) = step(
        DocumentStep::Prepare,
        &json!({"format": format, "document": STANDARD.encode(document),
            "certificate": STANDARD.encode(pki("card1-sign.der")), "signingTime": "2026-01-15T09:30:00Z"}),
    );
    assert_eq!(code, 0, "{prepared}");
    assert_eq!(prepared["hashAlgorithm"], "SHA-256");
    let hash = STANDARD.decode(prepared["hash"].as_str().unwrap()).unwrap();
    let mut digest_info = SHA256_DIGEST_INFO.to_vec();
    digest_info.extend_from_slice(&hash);
    let signature = card_sign(&key("card1-sign.key.der"), &digest_info);
    let input = json!({"prepared": prepared["prepared"], "signature": STANDARD.encode(signature)});
    let (code, finished) = step(DocumentStep::Finish, &input);
    assert_eq!(code, 0, "{finished}");
    STANDARD
        .decode(finished["signed"].as_str().unwrap())
        .unwrap()
}

fn verify(extra: &[&str], files: &[(&str, &[u8])]) -> (u8, Value) {
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

#[test]
fn a_pdf_prepared_and_finished_by_the_cli_verifies_and_a_changed_byte_does_not() {
    let original = std::fs::read(pki_dir().join("../documents/contract-xref-stream.pdf")).unwrap();
    let pdf = sign("pdf", &original);
    let (code, verdict) = verify(&[], &[("--pdf", &pdf)]);
    assert_eq!(code, 0, "{verdict}");
    assert_eq!(verdict["kind"], "pdf");
    let signature = &verdict["result"]["signatures"][0];
    assert_eq!(signature["signingTime"], "2026-01-15T09:30:00Z");
    assert!(signature["signer"]["name"].is_string());
    let mut changed = pdf.clone();
    changed[original.len() / 2] ^= 1;
    let (code, verdict) = verify(&[], &[("--pdf", &changed)]);
    assert_eq!((code, &verdict["valid"]), (1, &json!(false)), "{verdict}");
}

#[test]
fn a_p7s_from_the_cli_verifies_against_its_content_only() {
    let text = "契約書: the parties agree.\n".as_bytes();
    let p7s = sign("cms", text);
    let (code, verdict) = verify(&[], &[("--cms", &p7s), ("--content", text)]);
    assert_eq!(code, 0, "{verdict}");
    assert_eq!(verdict["result"]["signingTime"], "2026-01-15T09:30:00Z");
    let (code, verdict) = verify(&[], &[("--cms", &p7s), ("--content", b"another text")]);
    assert_eq!(code, 1);
    assert_eq!(verdict["error"]["code"], "INTEGRITY");
}

#[test]
fn finish_refuses_a_signature_that_does_not_fit() {
    let (_, prepared) = step(
        DocumentStep::Prepare,
        &json!({"format": "cms", "document": "AAAA", "certificate": STANDARD.encode(pki("card1-sign.der"))}),
    );
    let input = json!({"prepared": prepared["prepared"], "signature": STANDARD.encode([1u8; 256])});
    let (code, out) = step(DocumentStep::Finish, &input);
    assert_eq!(
        (code, &out["error"]["code"]),
        (1, &json!("SIGNATURE_MISMATCH"))
    );
}

#[test]
fn document_options_do_not_mix_with_the_others() {
    let (code, _) = verify(&["--signature"], &[("--pdf", b"%PDF-1.7")]);
    assert_eq!(code, 2);
    let (code, _) = verify(&[], &[("--cms", b"x")]);
    assert_eq!(code, 2, "--cms needs --content");
}
