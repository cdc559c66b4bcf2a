//! PAdES B-LT and B-LTA: the document security store and document timestamps from OpenSSL's
//! TSA (`openssl ts -reply`, test-support), CRLs made at test time, judged by our verifier.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, SystemTime};

use mynakey_documents::{
    add_document_timestamp, add_validation_data, finish_pdf_with, prepare_pdf, verify_pdf_with,
    DocumentError, FinishOptions, Level, PdfSigning, PdfVerification, Timestamping, TsaTrust,
    Validation, ValidationData,
};
use mynakey_test_support::crl::{make_crl, make_partition_crl, Revoked};
use mynakey_test_support::fixtures::fixture;
use mynakey_test_support::pki::{pki, sign_digest, signature_trust as trust};
use mynakey_test_support::tsa::{OpenSslTsa, TsaMode};
use mynakey_verify::RevocationAtTime;

mod common;

use common::{tsa_trust, Tsa, SIGNER_SERIAL};

fn timestamp(pdf: &[u8], mode: TsaMode) -> Result<Vec<u8>, DocumentError> {
    let (tsa, roots) = (Tsa(OpenSslTsa::new().unwrap(), mode), tsa_trust());
    let timestamping = Timestamping {
        authority: &tsa,
        trust: &roots,
    };
    add_document_timestamp(pdf, &timestamping, SystemTime::now())
}

/// A PAdES B-T PDF signed by card1.
fn b_t_pdf() -> Vec<u8> {
    let pdf = fixture("documents/contract-xref-table.pdf");
    let certificate = pki("card1-sign.der");
    let prepared = prepare_pdf(&pdf, &certificate, &PdfSigning::new(SystemTime::now())).unwrap();
    let (tsa, roots) = (Tsa(OpenSslTsa::new().unwrap(), TsaMode::Grant), tsa_trust());
    let options = FinishOptions::new().with_timestamping(Timestamping {
        authority: &tsa,
        trust: &roots,
    });
    let signature = sign_digest("card1-sign.key.der", &prepared.hash());
    finish_pdf_with(&prepared, &signature, &options).unwrap()
}

/// The CRL of the signer's root issued `at`, listing `revoked`, and the roots to offer.
fn validation_data(at: SystemTime, revoked: &[Revoked<'_>]) -> ValidationData {
    let mut data = ValidationData::default();
    data.issuers = vec![pki("sign-root-2.der"), pki("tsa-root.der")];
    data.crls = vec![make_crl("sign-root-2", at, revoked).unwrap()];
    data
}

/// Verified with the roots only: the CRLs come from the DSS.
fn verify(pdf: &[u8], now: SystemTime) -> Result<PdfVerification, DocumentError> {
    let (trust, roots) = (trust(), tsa_trust());
    verify_pdf_with(pdf, &Validation::new(&trust, now).with_tsa_trust(&roots))
}

fn level(report: &PdfVerification) -> Level {
    let [signature] = report.signatures.as_slice() else {
        panic!("{report:?}")
    };
    signature.judgement.level
}

#[test]
fn the_dss_makes_b_lt_and_a_document_timestamp_b_lta_then_renewal_keeps_it() {
    let b_t = b_t_pdf();
    let now = SystemTime::now() + Duration::from_secs(5);
    let b_lt = add_validation_data(&b_t, &validation_data(now, &[])).unwrap();
    // Incremental: the signed file is a prefix of every later one.
    assert!(b_lt.starts_with(&b_t));
    let report = verify(&b_lt, now).unwrap();
    assert_eq!(level(&report), Level::BLT, "{report:?}");
    let dss = report.dss.as_ref().unwrap();
    // card1-sign, its root, the TSA certificate and the TSA root; one CRL, used.
    assert_eq!((dss.certificates, dss.crls, dss.crls_used), (4, 1, 1));
    assert!(matches!(
        report.signatures[0].judgement.revocation,
        Some(RevocationAtTime::Good { .. })
    ));

    let b_lta = timestamp(&b_lt, TsaMode::Grant).unwrap();
    assert!(b_lta.starts_with(&b_lt));
    let report = verify(&b_lta, now).unwrap();
    assert_eq!(level(&report), Level::BLTA, "{report:?}");
    let [stamp] = report.document_timestamps.as_slice() else {
        panic!("{report:?}")
    };
    assert!(stamp.covers_whole_document && stamp.covers_dss);
    assert!(stamp.timestamp.as_ref().unwrap().tsa.contains("Test TSA"));

    // Renewal: the validation data of the first document timestamp, then a second one.
    let renewed = add_validation_data(&b_lta, &validation_data(now, &[])).unwrap();
    let renewed = timestamp(&renewed, TsaMode::Grant).unwrap();
    let report = verify(&renewed, now).unwrap();
    assert_eq!(level(&report), Level::BLTA);
    assert_eq!(report.document_timestamps.len(), 2);
    assert!(!report.document_timestamps[0].covers_whole_document);
    assert!(report.document_timestamps[1].covers_whole_document);
}

/// The DSS's `/CRLs`, as stored.
fn dss_crls(pdf: &[u8]) -> Vec<Vec<u8>> {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let follow = |o: &lopdf::Object| doc.dereference(o).unwrap().1.clone();
    let dss = follow(doc.catalog().unwrap().get(b"DSS").unwrap());
    let crls = follow(dss.as_dict().unwrap().get(b"CRLs").unwrap());
    let streams = crls.as_array().unwrap().iter().map(follow);
    let bytes = |s: &lopdf::Stream| s.decompressed_content().unwrap_or(s.content.clone());
    streams.map(|s| bytes(s.as_stream().unwrap())).collect()
}

/// The test signing certificates' CRL distribution point, as a directory name
/// (tests/fixtures/pki/README.md), in OpenSSL's settings.
const SIGN_DP_DIRNAME: &str = "fullname = dirName:dp\n[dp]\nC = JP\nO = JPKI-TEST\n\
    1.OU = JPKI for digital signature (TEST)\n2.OU = CRL Distribution Points (TEST)";

#[test]
fn the_dss_holds_only_the_crls_that_cover_a_certificate_of_the_file() {
    let b_t = b_t_pdf();
    let now = SystemTime::now() + Duration::from_secs(5);
    let partition = |idp: &str| make_partition_crl("sign-root-2", now, &[], idp).unwrap();
    let root_crl = make_crl("sign-root-2", now, &[]).unwrap();
    let other_issuer = make_crl("auth-root-2", now, &[]).unwrap();
    let other_partition = partition("fullname = URI:http://127.0.0.1:9/jpki-test/other.crl");
    let mut data = validation_data(now, &[]);
    data.crls = vec![
        other_issuer.clone(),
        root_crl.clone(),
        other_partition.clone(),
    ];
    let b_lt = add_validation_data(&b_t, &data).unwrap();
    assert!(
        dss_crls(&b_lt) == [root_crl],
        "{} CRL(s)",
        dss_crls(&b_lt).len()
    );
    assert_eq!(level(&verify(&b_lt, now).unwrap()), Level::BLT);

    // The signer's partition, named by either name of its distribution point, goes in; one
    // of its distribution point only for CA certificates does not.
    let ca_only = partition(&format!("onlyCA = TRUE\n{SIGN_DP_DIRNAME}"));
    for idp in [
        SIGN_DP_DIRNAME,
        "fullname = URI:http://127.0.0.1:9/jpki-test/sign.crl\nonlyuser = TRUE",
    ] {
        let own = partition(idp);
        data.crls = vec![other_partition.clone(), own.clone(), ca_only.clone()];
        let b_lt = add_validation_data(&b_t, &data).unwrap();
        let held = dss_crls(&b_lt);
        assert!(held == [own], "{idp}: {} CRL(s)", held.len());
        let report = verify(&b_lt, now).unwrap();
        assert_eq!(level(&report), Level::BLT, "{idp}: {report:?}");
    }

    // The TSA's chain counts too: its root's CRL covers the TSA certificate.
    let tsa_crl = make_crl("tsa-root", now, &[]).unwrap();
    data.crls = vec![other_issuer, tsa_crl.clone()];
    let held = dss_crls(&add_validation_data(&b_t, &data).unwrap());
    assert!(held == [tsa_crl], "{} CRL(s)", held.len());
    // What is not a CRL stays an error.
    data.crls = vec![b"not a CRL".to_vec()];
    let err = add_validation_data(&b_t, &data).unwrap_err();
    assert_eq!(err.code(), "CRL_PARSE", "{err}");
}

#[test]
fn revoked_after_the_timestamp_in_the_dss_stays_valid_at_signing_time() {
    let b_t = b_t_pdf();
    let now = SystemTime::now() + Duration::from_secs(5);
    let moved = Revoked {
        serial_hex: SIGNER_SERIAL,
        at: now,
        reason: "affiliationChanged",
    };
    let b_lta = timestamp(
        &add_validation_data(&b_t, &validation_data(now, &[moved])).unwrap(),
        TsaMode::Grant,
    )
    .unwrap();
    let report = verify(&b_lta, now).unwrap();
    assert_eq!(level(&report), Level::BLTA);
    assert!(matches!(
        report.signatures[0].judgement.revocation,
        Some(RevocationAtTime::RevokedAfter { .. })
    ));
    // Revoked before the timestamp: invalid.
    let compromised = Revoked {
        serial_hex: SIGNER_SERIAL,
        at: SystemTime::now() - Duration::from_secs(3600),
        reason: "keyCompromise",
    };
    let b_lt = add_validation_data(&b_t, &validation_data(now, &[compromised])).unwrap();
    assert_eq!(verify(&b_lt, now).unwrap_err().code(), "REVOKED");
}

#[test]
fn a_dss_changed_under_a_document_timestamp_breaks_it() {
    let now = SystemTime::now() + Duration::from_secs(5);
    let data = validation_data(now, &[]);
    let b_lta = timestamp(
        &add_validation_data(&b_t_pdf(), &data).unwrap(),
        TsaMode::Grant,
    )
    .unwrap();
    // One byte of the embedded CRL's signature, same length: only the timestamp covers it.
    let crl = &data.crls[0];
    let at = b_lta.windows(crl.len()).position(|w| w == crl).unwrap() + crl.len() - 1;
    let mut tampered = b_lta.clone();
    tampered[at] ^= 1;
    let err = verify(&tampered, now).unwrap_err();
    assert_eq!(err.code(), "TSA_BAD_TOKEN", "{err}");
}

#[test]
fn a_bad_document_timestamp_is_refused_before_it_is_embedded() {
    let b_lt = add_validation_data(&b_t_pdf(), &validation_data(SystemTime::now(), &[])).unwrap();
    for (mode, code) in [
        (TsaMode::OtherBytes, "TSA_BAD_TOKEN"),
        (TsaMode::Untrusted, "TSA_UNTRUSTED"),
    ] {
        let err = timestamp(&b_lt, mode).unwrap_err();
        assert_eq!(err.code(), code, "{mode:?}: {err}");
    }
    // An untrusted TSA's document timestamp, embedded anyway, is refused when verifying.
    let (tsa, any) = (
        Tsa(OpenSslTsa::new().unwrap(), TsaMode::Untrusted),
        untrusted_roots(),
    );
    let stamped = add_document_timestamp(
        &b_lt,
        &Timestamping {
            authority: &tsa,
            trust: &any,
        },
        SystemTime::now(),
    )
    .unwrap();
    let err = verify(&stamped, SystemTime::now() + Duration::from_secs(5)).unwrap_err();
    assert_eq!(err.code(), "TSA_UNTRUSTED", "{err}");
}

fn untrusted_roots() -> TsaTrust {
    TsaTrust::from_der(&[&pki("untrusted-root.der")]).unwrap()
}

/// `pdf` with an update that points the catalog's `/DSS` at `dss`.
fn with_dss(pdf: &[u8], dss: lopdf::Dictionary) -> Vec<u8> {
    let prev = lopdf::Document::load_mem(pdf).unwrap();
    let root = prev.trailer.get(b"Root").unwrap().as_reference().unwrap();
    let mut update = lopdf::IncrementalDocument::create_from(pdf.to_vec(), prev);
    update.opt_clone_object_to_new_document(root).unwrap();
    let id = update.new_document.add_object(dss);
    let catalog = update.new_document.get_dictionary_mut(root).unwrap();
    catalog.set("DSS", id);
    let mut out = Vec::new();
    update.save_to(&mut out).unwrap();
    out
}

#[test]
fn a_dss_with_more_than_validation_data_is_a_change_after_signing() {
    let b_t = b_t_pdf();
    let now = SystemTime::now() + Duration::from_secs(5);
    let script = lopdf::dictionary! { "S" => "JavaScript", "JS" => lopdf::Object::string_literal("app.alert(1)") };
    let bad = lopdf::dictionary! { "Type" => "DSS", "Certs" => vec![], "OpenAction" => script };
    let appended = with_dss(&b_t, bad.clone());
    assert_eq!(verify(&appended, now).unwrap_err().code(), "INTEGRITY");
    // Covered by a document timestamp, the same update is a finding against the signature.
    let stamped = timestamp(&appended, TsaMode::Grant).unwrap();
    let err = verify(&stamped, now).unwrap_err();
    assert_eq!(err.code(), "CHANGED_AFTER_SIGNING", "{err}");
    let findings = &err.report().unwrap().findings;
    assert!(
        findings.iter().any(|f| f.change.contains("/DSS")),
        "{findings:?}"
    );
    // A store of validation data only passes, without a CRL it is not B-LT.
    let good = lopdf::dictionary! { "Type" => "DSS", "Certs" => vec![] };
    let report = verify(&with_dss(&b_t, good), now).unwrap();
    assert_eq!(level(&report), Level::BT);
}

#[test]
fn a_document_timestamp_alone_is_no_signature() {
    let unsigned = fixture("documents/contract-xref-table.pdf");
    let stamped = timestamp(&unsigned, TsaMode::Grant).unwrap();
    let err = verify(&stamped, SystemTime::now() + Duration::from_secs(5)).unwrap_err();
    assert_eq!(err.code(), "NO_SIGNATURE", "{err}");
}
