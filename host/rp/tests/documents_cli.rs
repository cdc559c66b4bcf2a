//! `mynakey-rp document prepare|finish` then `verify --pdf` / `verify --cms`, in process (the
//! functions main.rs calls), with the test card's key playing the card.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_rp::cli::{DocumentStep, FinishArgs};
use mynakey_test_support::tsa::{TestTsa, TsaMode};

mod common;
use common::{sign_with, step, tsa_trust_dir, verify, with_tsa};
use serde_json::{json, Value};

use mynakey_test_support::hostile_pdf;
use mynakey_test_support::pki::*;

/// prepare → the card signs the hash → finish; the signed bytes.
fn sign(format: &str, document: &[u8]) -> Vec<u8> {
    let (code, finished) = sign_with(format, document, FinishArgs::default());
    assert_eq!(code, 0, "{finished}");
    STANDARD
        .decode(finished["signed"].as_str().unwrap())
        .unwrap()
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
    let (code, out) = step(DocumentStep::Finish(Default::default()), &input);
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

#[test]
fn finish_with_a_tsa_makes_b_t_and_verify_judges_it_at_the_timestamp() {
    let tsa = TestTsa::start(TsaMode::Grant).unwrap();
    let text = "契約書: kept for years.\n".as_bytes();
    let pdf = std::fs::read(pki_dir().join("../documents/contract-xref-table.pdf")).unwrap();
    for (format, document) in [("cms", text), ("pdf", pdf.as_slice())] {
        let (code, finished) = sign_with(format, document, with_tsa(tsa.url(), 10));
        assert_eq!((code, &finished["level"]), (0, &json!("B-T")), "{finished}");
        let signed = STANDARD
            .decode(finished["signed"].as_str().unwrap())
            .unwrap();
        let files: Vec<(&str, &[u8])> = match format {
            "cms" => vec![("--cms", &signed), ("--content", text)],
            _ => vec![("--pdf", &signed)],
        };
        let trust_dir = tsa_trust_dir();
        let (code, verdict) = verify(&["--tsa-trust", &trust_dir], &files);
        assert_eq!(code, 0, "{verdict}");
        let result = &verdict["result"];
        let judged = if format == "cms" {
            result
        } else {
            &result["signatures"][0]
        };
        assert_eq!(judged["level"], "B-T", "{verdict}");
        assert_eq!(judged["judgedAt"], judged["timestamp"]["genTime"]);
        assert_eq!(judged["revocation"]["status"], "notChecked");
        // Without the TSA roots: judged now, the timestamp reported as not checked.
        let (code, verdict) = verify(&[], &files);
        assert_eq!(code, 0, "{verdict}");
        let judged = if format == "cms" {
            &verdict["result"]
        } else {
            &verdict["result"]["signatures"][0]
        };
        assert_eq!(
            (&judged["level"], &judged["timestampNotChecked"]),
            (&json!("B-B"), &json!(true))
        );
    }
}

#[test]
fn a_failing_tsa_gives_its_code_and_no_signed_document() {
    // A port nobody listens on: bound, then closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let unreachable = format!("http://{closed}/tsa");
    let servers = [
        (TsaMode::HttpError(500), "TSA_HTTP_ERROR"),
        (TsaMode::Reject, "TSA_REJECTED"),
        (TsaMode::OtherBytes, "TSA_BAD_TOKEN"),
        (TsaMode::Untrusted, "TSA_UNTRUSTED"),
        (
            TsaMode::Slow(std::time::Duration::from_secs(4)),
            "TSA_TIMEOUT",
        ),
    ];
    let mut cases: Vec<(String, &str)> = servers
        .into_iter()
        .map(|(mode, code)| (TestTsa::start(mode).unwrap().url().to_owned(), code))
        .collect();
    cases.push((unreachable, "TSA_UNREACHABLE"));
    for (url, expected) in cases {
        let (code, out) = sign_with("cms", b"text", with_tsa(&url, 1));
        assert_eq!(
            (code, &out["error"]["code"]),
            (1, &json!(expected)),
            "{out}"
        );
        assert!(out.get("signed").is_none(), "{out}");
    }
}

#[test]
fn a_pdf_whose_signer_moved_house_after_the_timestamp_verifies_as_revoked_after_signing() {
    use mynakey_test_support::crl::{make_crl, Revoked};
    let tsa = TestTsa::start(TsaMode::Grant).unwrap();
    let pdf = std::fs::read(pki_dir().join("../documents/contract-xref-table.pdf")).unwrap();
    let (code, finished) = sign_with("pdf", &pdf, with_tsa(tsa.url(), 10));
    assert_eq!(code, 0, "{finished}");
    let signed = STANDARD
        .decode(finished["signed"].as_str().unwrap())
        .unwrap();
    // A newer CRL lists card1-sign.der (serial 01A2B3C5): revoked a second after signing.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(2);
    let revoked = Revoked {
        serial_hex: "01A2B3C5",
        at: later,
        reason: "affiliationChanged",
    };
    let crl = make_crl("sign-root-2", later, &[revoked]).unwrap();
    let time = mynakey_test_support::crl::asn1_time(later);
    let time = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &time[..4],
        &time[4..6],
        &time[6..8],
        &time[8..10],
        &time[10..12],
        &time[12..14]
    );
    let tsa_trust = tsa_trust_dir();
    let files: Vec<(&str, &[u8])> = vec![("--pdf", &signed), ("--crl", &crl)];
    let (code, verdict) = verify(&["--tsa-trust", &tsa_trust, "--time", &time], &files);
    assert_eq!(code, 0, "{verdict}");
    let revocation = &verdict["result"]["signatures"][0]["revocation"];
    assert_eq!(revocation["status"], "revokedAfter", "{verdict}");
    assert_eq!(revocation["reason"], "affiliationChanged");
    assert_eq!(revocation["revocationDate"], time.as_str());
    // Judged at the verification time instead (no TSA roots): revoked.
    let (code, verdict) = verify(&["--time", &time], &files);
    assert_eq!(
        (code, &verdict["error"]["code"]),
        (1, &json!("REVOKED")),
        "{verdict}"
    );
}
