//! A later signer may add a signature and nothing else: a page replaced or an earlier signature
//! nulled in the update makes the file CHANGED_AFTER_SIGNING, with the earlier signer still listed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lopdf::{dictionary, Document, IncrementalDocument, Object, Stream};
use mynakey_documents::{
    finish_pdf, prepare_pdf, verify_pdf, DocumentError, PdfSigning, SignatureStatus,
};
use mynakey_test_support::fixtures::fixture;
use mynakey_test_support::pki::{pki, sign_digest, signature_trust, signing_time};

const INPUTS: [&str; 2] = [
    "documents/contract-xref-table.pdf",
    "documents/contract-xref-stream.pdf",
];

fn signed(pdf: &[u8]) -> Vec<u8> {
    let prepared = prepare_pdf(
        pdf,
        &pki("card1-sign.der"),
        &PdfSigning::new(signing_time()),
    )
    .unwrap();
    finish_pdf(
        &prepared,
        &sign_digest("card1-sign.key.der", &prepared.hash()),
    )
    .unwrap()
}

/// `pdf` followed by an incremental update made by `change`.
fn updated(pdf: &[u8], change: impl FnOnce(&mut IncrementalDocument)) -> Vec<u8> {
    let prev = Document::load_mem(pdf).unwrap();
    let version = prev.version.clone();
    let mut update = IncrementalDocument::create_from(pdf.to_vec(), prev);
    update.new_document.version = version;
    for key in [b"DecodeParms".as_slice(), b"XRefStm", b"Filter"] {
        update.new_document.trailer.remove(key);
    }
    change(&mut update);
    let mut out = Vec::new();
    update.save_to(&mut out).unwrap();
    out
}

fn changed_after_signing(pdf: &[u8]) -> mynakey_documents::PdfVerification {
    match verify_pdf(pdf, &signature_trust(), signing_time()) {
        Err(DocumentError::ChangedAfterSigning(report)) => *report,
        other => panic!("expected CHANGED_AFTER_SIGNING, got {other:?}"),
    }
}

#[test]
fn two_genuine_sequential_signatures_stay_valid() {
    for input in INPUTS {
        let twice = signed(&signed(&fixture(input)));
        let verified = verify_pdf(&twice, &signature_trust(), signing_time()).unwrap();
        let statuses: Vec<_> = verified.signatures.iter().map(|s| s.status).collect();
        assert_eq!(statuses, [SignatureStatus::Valid; 2], "{input}");
        assert!(
            verified.findings.is_empty(),
            "{input}: {:?}",
            verified.findings
        );
    }
}

#[test]
fn a_second_signer_who_replaces_the_page_content_makes_the_file_invalid() {
    for input in INPUTS {
        let once = signed(&fixture(input));
        let page = *Document::load_mem(&once)
            .unwrap()
            .get_pages()
            .values()
            .next()
            .unwrap();
        let attack = updated(&once, |update| {
            let text = b"BT /F1 24 Tf 72 700 Td (Pay 1,000,000 yen) Tj ET".to_vec();
            let content = update
                .new_document
                .add_object(Stream::new(dictionary! {}, text));
            update.opt_clone_object_to_new_document(page).unwrap();
            let page = update.new_document.get_dictionary_mut(page).unwrap();
            page.set("Contents", Object::Reference(content));
        });
        let report = changed_after_signing(&signed(&attack));
        let statuses: Vec<_> = report.signatures.iter().map(|s| s.status).collect();
        assert_eq!(
            statuses,
            [SignatureStatus::ChangedLater, SignatureStatus::Valid],
            "{input}"
        );
        let page_text = format!("{} {} R", page.0, page.1);
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.signature == 1 && f.object == page_text),
            "{input}: {:?}",
            report.findings
        );
    }
}

#[test]
fn nulling_the_first_signature_keeps_its_signer_listed_and_makes_the_file_invalid() {
    let once = signed(&fixture(INPUTS[0]));
    let doc = Document::load_mem(&once).unwrap();
    let (&first, _) = doc
        .objects
        .iter()
        .find(|(_, o)| o.as_dict().is_ok_and(|d| d.has(b"ByteRange")))
        .unwrap();
    let attack = updated(&once, |update| {
        update.new_document.objects.insert(first, Object::Null);
    });
    let report = changed_after_signing(&signed(&attack));
    assert_eq!(report.signatures.len(), 2, "{report:?}");
    assert_eq!(report.signatures[0].status, SignatureStatus::ChangedLater);
    let first_text = format!("{} {} R", first.0, first.1);
    assert!(
        report.findings.iter().any(|f| f.object == first_text),
        "{:?}",
        report.findings
    );
}
