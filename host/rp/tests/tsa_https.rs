//! `document finish` and `document ltv` with an https TSA whose TLS certificate a private CA
//! issued (the test TSA over rustls, its certificate under `tsa-tls-root.der`): trusted only with
//! `--tsa-tls-root`, never by the Mozilla roots alone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_rp::cli::{DocumentStep, FinishArgs, LtvArgs};
use mynakey_test_support::pki::*;
use mynakey_test_support::scratch_dir;
use mynakey_test_support::tsa::{TestTsa, TsaMode};
use serde_json::{json, Value};

mod common;
use common::{sign_with, step, tsa_trust_dir, verify, with_tsa};

/// `name` of the test PKI as a PEM file in `dir`, written by OpenSSL.
fn pem(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(name.replace(".der", ".pem"));
    let done = Command::new("openssl")
        .args(["x509", "-inform", "DER", "-in"])
        .arg(pki_dir().join(name))
        .arg("-out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(done.status.success(), "{done:?}");
    out
}

/// `finish` over `tsa` (https) with these TLS root files.
fn finish_over(tsa: &TestTsa, tls_roots: &[PathBuf], document: &[u8]) -> (u8, Value) {
    let args = FinishArgs {
        tsa_tls_roots: tls_roots.to_vec(),
        ..with_tsa(tsa.url(), 5)
    };
    sign_with("pdf", document, args)
}

fn contract() -> Vec<u8> {
    std::fs::read(pki_dir().join("../documents/contract-xref-table.pdf")).unwrap()
}

fn signed(out: &Value) -> Vec<u8> {
    STANDARD.decode(out["signed"].as_str().unwrap()).unwrap()
}

#[test]
fn finish_over_https_with_the_private_tls_root_makes_b_t() {
    let tsa = TestTsa::start_https(TsaMode::Grant).unwrap();
    assert!(tsa.url().starts_with("https://127.0.0.1:"), "{}", tsa.url());
    let dir = scratch_dir("rp-tls-roots").unwrap();
    let root = pem(&dir, "tsa-tls-root.der");
    // One file with two certificates (another root first) works as well as the root alone.
    let bundle = dir.join("bundle.pem");
    let other = std::fs::read(pem(&dir, "tsa-root.der")).unwrap();
    std::fs::write(&bundle, [other, std::fs::read(&root).unwrap()].concat()).unwrap();
    for roots in [vec![root], vec![bundle]] {
        let (code, finished) = finish_over(&tsa, &roots, &contract());
        assert_eq!((code, &finished["level"]), (0, &json!("B-T")), "{finished}");
        let trust_dir = tsa_trust_dir();
        let pdf = signed(&finished);
        let (code, verdict) = verify(&["--tsa-trust", &trust_dir], &[("--pdf", &pdf)]);
        assert_eq!(code, 0, "{verdict}");
        assert_eq!(
            verdict["result"]["signatures"][0]["level"], "B-T",
            "{verdict}"
        );
    }
}

#[test]
fn an_https_tsa_under_an_untrusted_ca_or_a_bad_root_file_signs_nothing() {
    let tsa = TestTsa::start_https(TsaMode::Grant).unwrap();
    let dir = scratch_dir("rp-tls-roots").unwrap();
    // The Mozilla roots alone, and with a root that did not issue the TSA's TLS certificate.
    for roots in [vec![], vec![pem(&dir, "tsa-root.der")]] {
        let (code, out) = finish_over(&tsa, &roots, &contract());
        assert_eq!(
            (code, &out["error"]["code"]),
            (1, &json!("TSA_UNREACHABLE"))
        );
        let message = out["error"]["message"].as_str().unwrap();
        assert!(message.contains("TLS certificate is not trusted"), "{out}");
        assert!(message.contains("--tsa-tls-root"), "{out}");
        assert!(out.get("signed").is_none(), "{out}");
    }
    let garbage = dir.join("not-a-root.pem");
    std::fs::write(
        &garbage,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let missing = dir.join("missing.pem");
    let private_key = pki_dir().join("tsa-tls.key.der");
    for bad in [garbage, missing, private_key] {
        let (code, out) = finish_over(&tsa, std::slice::from_ref(&bad), &contract());
        assert_eq!(
            (code, &out["error"]["code"]),
            (1, &json!("BAD_INPUT")),
            "{out}"
        );
        let message = out["error"]["message"].as_str().unwrap();
        assert!(message.contains(&bad.display().to_string()), "{out}");
        assert!(out.get("signed").is_none(), "{out}");
    }
}

#[test]
fn ltv_over_https_with_the_private_tls_root_archives_the_pdf() {
    let tsa = TestTsa::start_https(TsaMode::Grant).unwrap();
    let dir = scratch_dir("rp-tls-roots").unwrap();
    let root = pem(&dir, "tsa-tls-root.der");
    let (code, finished) = finish_over(&tsa, std::slice::from_ref(&root), &contract());
    assert_eq!(code, 0, "{finished}");
    let args = LtvArgs {
        tsa: tsa.url().to_owned(),
        tsa_trust: tsa_trust_dir().into(),
        tsa_timeout: 5,
        tsa_tls_roots: vec![root],
        issuers: None,
        crls: Vec::new(),
    };
    let input = json!({"document": finished["signed"]});
    let (code, archived) = step(DocumentStep::Ltv(args.clone()), &input);
    assert_eq!(
        (code, &archived["level"]),
        (0, &json!("B-LTA")),
        "{archived}"
    );
    let trust_dir = tsa_trust_dir();
    let pdf = signed(&archived);
    let (code, verdict) = verify(&["--tsa-trust", &trust_dir], &[("--pdf", &pdf)]);
    assert_eq!(code, 0, "{verdict}");
    let stamps = &verdict["result"]["documentTimestamps"];
    assert_eq!(stamps.as_array().map(Vec::len), Some(1), "{verdict}");
    // The same without the TLS root: refused, nothing archived.
    let untrusted = LtvArgs {
        tsa_tls_roots: Vec::new(),
        ..args
    };
    let (code, out) = step(DocumentStep::Ltv(untrusted), &input);
    assert_eq!(
        (code, &out["error"]["code"]),
        (1, &json!("TSA_UNREACHABLE")),
        "{out}"
    );
    assert!(out.get("signed").is_none(), "{out}");
}
