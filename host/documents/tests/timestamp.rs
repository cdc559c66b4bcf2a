//! CAdES-T and PAdES B-T against OpenSSL's own TSA (`openssl ts -reply`, test-support), and
//! the signer judged at the timestamp's time with CRLs made at test time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, SystemTime};

use mynakey_documents::{
    finish_cms_with, finish_pdf, finish_pdf_with, prepare_cms, prepare_pdf, verify_cms_with,
    verify_pdf_with, FinishOptions, Level, PdfSigning, TimestampAuthority, TimestampError,
    Timestamping, TsaTrust, Validation,
};
use mynakey_test_support::crl::{make_crl, Revoked};
use mynakey_test_support::fixtures::fixture;
use mynakey_test_support::pki::{pki, sign_digest, signature_trust as trust};
use mynakey_test_support::tsa::{OpenSslTsa, TsaMode};
use mynakey_verify::{RevocationAtTime, Trust};
use sha2::{Digest, Sha256};

const CONTENT: &[u8] = b"A contract kept for years.\n";
mod common;

use common::{tsa_trust, Tsa, SIGNER_SERIAL};

fn stamped_cms(mode: TsaMode) -> Result<Vec<u8>, mynakey_documents::DocumentError> {
    let digest: [u8; 32] = Sha256::digest(CONTENT).into();
    let prepared = prepare_cms(&digest, &pki("card1-sign.der"), SystemTime::now()).unwrap();
    let (tsa, roots) = (Tsa(OpenSslTsa::new().unwrap(), mode), tsa_trust());
    let options = FinishOptions::new().with_timestamping(Timestamping {
        authority: &tsa,
        trust: &roots,
    });
    finish_cms_with(
        &prepared,
        &sign_digest("card1-sign.key.der", &prepared.hash()),
        &options,
    )
}

/// A B-T PDF and the B-B one finished from the same prepared state.
fn stamped_pdf() -> (Vec<u8>, Vec<u8>) {
    let pdf = fixture("documents/contract-xref-table.pdf");
    let prepared = prepare_pdf(
        &pdf,
        &pki("card1-sign.der"),
        &PdfSigning::new(SystemTime::now()),
    )
    .unwrap();
    let (tsa, roots) = (Tsa(OpenSslTsa::new().unwrap(), TsaMode::Grant), tsa_trust());
    let options = FinishOptions::new().with_timestamping(Timestamping {
        authority: &tsa,
        trust: &roots,
    });
    let signature = sign_digest("card1-sign.key.der", &prepared.hash());
    (
        finish_pdf_with(&prepared, &signature, &options).unwrap(),
        finish_pdf(&prepared, &signature).unwrap(),
    )
}

fn with_crl(this_update: SystemTime, revoked: &[Revoked<'_>]) -> Trust {
    let mut trust = trust();
    trust
        .add_crl(&make_crl("sign-root-2", this_update, revoked).unwrap())
        .unwrap();
    trust
}

#[test]
fn a_cades_t_signature_is_judged_at_the_timestamps_time() {
    let p7s = stamped_cms(TsaMode::Grant).unwrap();
    let roots = tsa_trust();
    let (trust, now) = (trust(), SystemTime::now());
    let verified = verify_cms_with(
        &p7s,
        CONTENT,
        &Validation::new(&trust, now).with_tsa_trust(&roots),
    )
    .unwrap();
    let judgement = &verified.judgement;
    assert_eq!(judgement.level, Level::BT);
    let timestamp = judgement.timestamp.as_ref().unwrap();
    assert_eq!(judgement.judged_at, timestamp.gen_time);
    assert!(timestamp.tsa.contains("Test TSA"), "{timestamp:?}");
    // Without TSA roots the token is not checked: B-B, judged now, and said so.
    let plain = verify_cms_with(&p7s, CONTENT, &Validation::new(&trust, now)).unwrap();
    assert_eq!(plain.judgement.level, Level::BB);
    assert!(plain.judgement.timestamp_not_checked);
    // The token's imprint covers the signature value: a changed content still fails.
    let err = verify_cms_with(
        &p7s,
        b"other",
        &Validation::new(&trust, now).with_tsa_trust(&roots),
    )
    .unwrap_err();
    assert_eq!(err.code(), "INTEGRITY");
}

#[test]
fn a_pades_b_t_pdf_keeps_the_signed_bytes_and_verifies_at_the_timestamps_time() {
    let (pdf, plain) = stamped_pdf();
    // Only the reserved /Contents differs: the bytes the card's hash covers are the same.
    let gap_start = plain.windows(9).rposition(|w| w == b"/Contents").unwrap();
    let gap_end = gap_start + plain[gap_start..].iter().position(|b| *b == b'>').unwrap();
    assert_eq!(pdf.len(), plain.len());
    let differ: Vec<usize> = (0..pdf.len()).filter(|i| pdf[*i] != plain[*i]).collect();
    assert!(!differ.is_empty());
    assert!(
        differ.iter().all(|i| (gap_start..gap_end).contains(i)),
        "{differ:?}"
    );
    let (trust, roots) = (trust(), tsa_trust());
    let report = verify_pdf_with(
        &pdf,
        &Validation::new(&trust, SystemTime::now()).with_tsa_trust(&roots),
    )
    .unwrap();
    let [signature] = report.signatures.as_slice() else {
        panic!("{report:?}")
    };
    assert_eq!(signature.judgement.level, Level::BT);
    assert!(signature.covers_whole_document);
}

#[test]
fn bad_tsa_answers_give_no_signature_and_their_own_codes() {
    for (mode, code) in [
        (TsaMode::HttpError(503), "TSA_HTTP_ERROR"),
        (TsaMode::Reject, "TSA_REJECTED"),
        (TsaMode::OtherBytes, "TSA_BAD_TOKEN"),
        (TsaMode::Untrusted, "TSA_UNTRUSTED"),
    ] {
        let err = stamped_cms(mode).unwrap_err();
        assert_eq!(err.code(), code, "{mode:?}: {err}");
    }
}

/// Answers every request with the first answer it got: a replayed token.
struct Replay(Tsa, std::sync::Mutex<Option<Vec<u8>>>);

impl TimestampAuthority for Replay {
    fn post(&self, request: &[u8]) -> Result<Vec<u8>, TimestampError> {
        let mut first = self.1.lock().unwrap();
        if first.is_none() {
            *first = Some(self.0.post(request)?);
        }
        Ok(first.clone().unwrap())
    }
}

#[test]
fn a_replayed_token_is_refused_for_its_nonce() {
    let digest: [u8; 32] = Sha256::digest(CONTENT).into();
    let prepared = prepare_cms(&digest, &pki("card1-sign.der"), SystemTime::now()).unwrap();
    let signature = sign_digest("card1-sign.key.der", &prepared.hash());
    let replay = Replay(
        Tsa(OpenSslTsa::new().unwrap(), TsaMode::Grant),
        std::sync::Mutex::new(None),
    );
    let roots = tsa_trust();
    let options = FinishOptions::new().with_timestamping(Timestamping {
        authority: &replay,
        trust: &roots,
    });
    // The same signature value (PKCS#1 v1.5 is deterministic): only the nonce differs.
    finish_cms_with(&prepared, &signature, &options).unwrap();
    let err = finish_cms_with(&prepared, &signature, &options).unwrap_err();
    assert_eq!(err.code(), "TSA_BAD_TOKEN");
    assert!(err.to_string().contains("nonce"), "{err}");
}

#[test]
fn revoked_after_the_timestamp_stays_valid_and_says_so() {
    let p7s = stamped_cms(TsaMode::Grant).unwrap();
    let roots = tsa_trust();
    let now = SystemTime::now() + Duration::from_secs(5);
    // The holder moved house after signing: a CRL issued later lists the certificate.
    let revoked = Revoked {
        serial_hex: SIGNER_SERIAL,
        at: now,
        reason: "affiliationChanged",
    };
    let trust = with_crl(now, &[revoked]);
    let verified = verify_cms_with(
        &p7s,
        CONTENT,
        &Validation::new(&trust, now).with_tsa_trust(&roots),
    )
    .unwrap();
    match verified.judgement.revocation {
        Some(RevocationAtTime::RevokedAfter {
            ref revocation_date,
            ..
        }) => {
            assert!(
                *revocation_date > verified.judgement.judged_at,
                "{verified:?}"
            )
        }
        ref other => panic!("{other:?}"),
    }
    // Judged now, as without a timestamp, the same CRL makes it invalid.
    let err = verify_cms_with(&p7s, CONTENT, &Validation::new(&trust, now)).unwrap_err();
    assert_eq!(err.code(), "REVOKED");
}

#[test]
fn revoked_before_the_timestamp_is_invalid() {
    let p7s = stamped_cms(TsaMode::Grant).unwrap();
    let roots = tsa_trust();
    let now = SystemTime::now() + Duration::from_secs(5);
    let revoked = Revoked {
        serial_hex: SIGNER_SERIAL,
        at: SystemTime::now() - Duration::from_secs(3600),
        reason: "keyCompromise",
    };
    let trust = with_crl(now, &[revoked]);
    let err = verify_cms_with(
        &p7s,
        CONTENT,
        &Validation::new(&trust, now).with_tsa_trust(&roots),
    )
    .unwrap_err();
    assert_eq!(err.code(), "REVOKED");
}

#[test]
fn no_crl_issued_after_the_timestamp_is_indeterminate() {
    let p7s = stamped_cms(TsaMode::Grant).unwrap();
    let roots = tsa_trust();
    let now = SystemTime::now() + Duration::from_secs(5);
    // A CRL from before the timestamp says nothing about revocations up to it.
    let trust = with_crl(SystemTime::now() - Duration::from_secs(3600), &[]);
    let err = verify_cms_with(
        &p7s,
        CONTENT,
        &Validation::new(&trust, now).with_tsa_trust(&roots),
    )
    .unwrap_err();
    assert_eq!(err.code(), "NO_CRL_AFTER_TIMESTAMP");
    // A later, empty one: not revoked.
    let trust = with_crl(now, &[]);
    let verified = verify_cms_with(
        &p7s,
        CONTENT,
        &Validation::new(&trust, now).with_tsa_trust(&roots),
    )
    .unwrap();
    assert!(matches!(
        verified.judgement.revocation,
        Some(RevocationAtTime::Good { .. })
    ));
}

#[test]
fn a_token_from_another_tsa_root_is_refused_when_verifying() {
    let p7s = stamped_cms(TsaMode::Grant).unwrap();
    // The verifier trusts only the JPKI-like signing root as a "TSA root".
    let other = TsaTrust::from_der(&[&pki("sign-root-2.der")]).unwrap();
    let trust = trust();
    let err = verify_cms_with(
        &p7s,
        CONTENT,
        &Validation::new(&trust, SystemTime::now()).with_tsa_trust(&other),
    )
    .unwrap_err();
    assert_eq!(err.code(), "TSA_UNTRUSTED");
}
