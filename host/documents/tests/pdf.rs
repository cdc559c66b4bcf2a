//! PAdES: signature fields appended to PDFs of both cross-reference kinds, verified, and
//! refused after any change.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mynakey_documents::{finish_pdf, prepare_pdf, verify_pdf, PdfSigning, PreparedPdf};
use mynakey_test_support::fixtures::fixture;
use mynakey_test_support::pki::{pki, sign_digest, signature_trust, signing_time};

const INPUTS: [&str; 2] = [
    "documents/contract-xref-table.pdf",
    "documents/contract-xref-stream.pdf",
];

fn signed(pdf: &[u8]) -> Vec<u8> {
    let signing = PdfSigning::new(signing_time())
        .with_name("署名 太郎")
        .with_reason("Contract agreed");
    let prepared = prepare_pdf(pdf, &pki("card1-sign.der"), &signing).unwrap();
    finish_pdf(
        &prepared,
        &sign_digest("card1-sign.key.der", &prepared.hash()),
    )
    .unwrap()
}

#[test]
fn both_kinds_of_pdf_are_signed_without_touching_the_original_bytes() {
    for input in INPUTS {
        let original = fixture(input);
        let pdf = signed(&original);
        assert_eq!(&pdf[..original.len()], original.as_slice(), "{input}");
        let verified = verify_pdf(&pdf, &signature_trust(), signing_time()).unwrap();
        let [signature] = verified.signatures.as_slice() else {
            panic!("{input}: {verified:?}")
        };
        assert_eq!(signature.sub_filter, "ETSI.CAdES.detached");
        assert_eq!(
            signature.signing_time.as_deref(),
            Some("2026-01-15T09:30:00Z")
        );
        assert_eq!(signature.reason.as_deref(), Some("Contract agreed"));
        assert!(signature.covers_whole_document);
        assert!(signature.signer.name.is_some());
    }
}

#[test]
fn a_signed_pdf_can_be_signed_again_and_both_signatures_verify() {
    let once = signed(&fixture(INPUTS[0]));
    let twice = signed(&once);
    let verified = verify_pdf(&twice, &signature_trust(), signing_time()).unwrap();
    let covers: Vec<bool> = verified
        .signatures
        .iter()
        .map(|s| s.covers_whole_document)
        .collect();
    assert_eq!(covers, [false, true]);
}

#[test]
fn one_changed_byte_anywhere_covered_is_refused() {
    let original = fixture(INPUTS[1]);
    let pdf = signed(&original);
    // Inside the original file (its compressed objects), and inside the update (its /M date).
    let text_at = original.len() / 2;
    let m_at = pdf.windows(3).rposition(|w| w == b"D:2").unwrap() + 2;
    for at in [text_at, m_at] {
        let mut bad = pdf.clone();
        bad[at] ^= 1;
        assert!(
            verify_pdf(&bad, &signature_trust(), signing_time()).is_err(),
            "byte {at}"
        );
    }
}

#[test]
fn bytes_appended_after_signing_are_refused() {
    let mut pdf = signed(&fixture(INPUTS[0]));
    pdf.extend_from_slice(b"\n% appended\n");
    let err = verify_pdf(&pdf, &signature_trust(), signing_time()).unwrap_err();
    assert_eq!(err.code(), "INTEGRITY", "{err}");
}

#[test]
fn an_unsigned_pdf_has_no_signature() {
    let err = verify_pdf(&fixture(INPUTS[0]), &signature_trust(), signing_time()).unwrap_err();
    assert_eq!(err.code(), "NO_SIGNATURE");
}

#[test]
fn the_prepared_state_survives_json() {
    let signing = PdfSigning::new(signing_time());
    let prepared = prepare_pdf(&fixture(INPUTS[1]), &pki("card1-sign.der"), &signing).unwrap();
    let back: PreparedPdf =
        serde_json::from_str(&serde_json::to_string(&prepared).unwrap()).unwrap();
    let pdf = finish_pdf(&back, &sign_digest("card1-sign.key.der", &back.hash())).unwrap();
    verify_pdf(&pdf, &signature_trust(), signing_time()).unwrap();
}

/// `finish` gets the prepared state back from wherever a service kept it: a moved or inverted
/// gap, or a PDF changed since prepare, is refused and no file comes out.
#[test]
fn finish_refuses_a_prepared_state_that_was_changed() {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let prepared = prepare_pdf(
        &fixture(INPUTS[1]),
        &pki("card1-sign.der"),
        &PdfSigning::new(signing_time()),
    )
    .unwrap();
    let signature = sign_digest("card1-sign.key.der", &prepared.hash());
    let json = serde_json::to_value(&prepared).unwrap();
    let (start, end) = (
        json["contents"]["start"].as_u64().unwrap(),
        json["contents"]["end"].as_u64().unwrap(),
    );
    let mut pdf = engine.decode(json["pdf"].as_str().unwrap()).unwrap();
    pdf[200] ^= 1;
    let changed_pdf = engine.encode(&pdf);
    let edits: [(&str, serde_json::Value); 4] = [
        (
            "inverted gap",
            serde_json::json!({"start": end, "end": start}),
        ),
        (
            "moved gap",
            serde_json::json!({"start": start + 2, "end": end + 2}),
        ),
        (
            "gap past the end",
            serde_json::json!({"start": start, "end": u64::MAX}),
        ),
        ("changed PDF", json["contents"].clone()),
    ];
    for (what, contents) in edits {
        let mut edited = json.clone();
        edited["contents"] = contents;
        if what == "changed PDF" {
            edited["pdf"] = changed_pdf.clone().into();
        }
        let back: PreparedPdf = serde_json::from_value(edited).unwrap();
        let err = finish_pdf(&back, &signature).unwrap_err();
        assert_eq!(err.code(), "PREPARED", "{what}: {err}");
    }
}
