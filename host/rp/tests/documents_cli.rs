//! `mynakey-rp document prepare|finish` then `verify --pdf` / `verify --cms`, in process (the
//! functions main.rs calls), with the test card's key playing the card.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_rp::cli::DocumentStep;
use mynakey_rp::document_cli;
use mynakey_rp::verify_cli::cli;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};

use mynakey_test_support::hostile_pdf;
use mynakey_test_support::pki::*;

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
    let signature = sign_digest("card1-sign.key.der", &hash);
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

/// `verify --json --pdf` run as its own process: an abort shows as a signal, not an exit code.
fn verify_process(pdf: &[u8]) -> (Option<i32>, Value) {
    let dir = std::env::temp_dir().join(format!("mynakey-hostile-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("trust")).unwrap();
    std::fs::write(dir.join("trust/sign-root-2.der"), pki("sign-root-2.der")).unwrap();
    let path = dir.join(format!("{}.pdf", pdf.len()));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mynakey-rp"))
        .args(["verify", "--json", "--trust"])
        .arg(dir.join("trust"))
        .arg("--pdf")
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
    )
}

#[test]
fn hostile_pdfs_are_refused_by_a_process_that_exits_normally() {
    let (code, verdict) = verify_process(&hostile_pdf::nested_arrays(10_000));
    assert_eq!(code, Some(1), "10,000 nested arrays: {verdict}");
    assert_eq!(
        verdict["error"]["code"], "DOCUMENT_TOO_COMPLEX",
        "{verdict}"
    );
    let (code, verdict) = verify_process(&hostile_pdf::inflation_bomb(2048));
    assert_eq!(code, Some(1), "inflation bomb: {verdict}");
    assert_eq!(
        verdict["error"]["code"], "DOCUMENT_TOO_COMPLEX",
        "{verdict}"
    );
}

/// `pdf` (a classic cross-reference table) followed by an update redefining object `number`
/// as `null`, written by hand as an attacker would.
fn null_object(pdf: &[u8], number: usize) -> Vec<u8> {
    let text = String::from_utf8_lossy(pdf);
    let after = |key: &str| -> usize {
        let at = text.rfind(key).unwrap() + key.len();
        let digits: String = text[at..]
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().unwrap()
    };
    let (prev, size, root) = (after("startxref"), after("/Size"), after("/Root"));
    let mut out = pdf.to_vec();
    let offset = out.len() + 1;
    out.extend(format!("\n{number} 0 obj\nnull\nendobj\n").as_bytes());
    let xref = out.len();
    out.extend(
        format!(
            "xref\n{number} 1\n{offset:010} 00000 n \ntrailer\n<< /Size {size} /Root {root} 0 R \
             /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    out
}

#[test]
fn a_later_signer_who_nulls_the_first_signature_gets_findings_in_the_json() {
    let original = std::fs::read(pki_dir().join("../documents/contract-xref-table.pdf")).unwrap();
    let once = sign("pdf", &original);
    let text = String::from_utf8_lossy(&once);
    let before_sig = &text[..text.find("/ByteRange").unwrap()];
    let header = &before_sig[..before_sig.rfind(" 0 obj").unwrap()];
    let number: usize = header[header.rfind(char::is_whitespace).unwrap() + 1..]
        .parse()
        .unwrap();
    let twice = sign("pdf", &null_object(&once, number));
    let (code, verdict) = verify(&[], &[("--pdf", &twice)]);
    assert_eq!(code, 1, "{verdict}");
    assert_eq!(
        verdict["error"]["code"], "CHANGED_AFTER_SIGNING",
        "{verdict}"
    );
    let result = &verdict["result"];
    assert_eq!(
        result["signatures"][0]["status"], "changedLater",
        "{verdict}"
    );
    assert_eq!(result["signatures"][1]["status"], "valid", "{verdict}");
    let finding = &result["findings"][0];
    assert_eq!(finding["signature"], 1, "{verdict}");
    assert_eq!(finding["object"], format!("{number} 0 R"), "{verdict}");
}
