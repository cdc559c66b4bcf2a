//! Document-signature verification against the test PKI, with signatures made by the fixture
//! private keys the way the card makes them (PKCS#1 v1.5 over a DigestInfo).
// Integration tests: helper functions outside #[test] may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod verify_common;

use mynakey::verify::{
    verify_signature, DateOfBirth, Era, HashAlgorithm, Sex, SignerIdentity, Trust, VerifyError,
};
use verify_common::*;

const DOCUMENT: &[u8] = b"%PDF-1.7 test contract";

fn signed(key_file: &str, alg: HashAlgorithm) -> (Vec<u8>, Vec<u8>) {
    let hash = alg.digest(DOCUMENT);
    let digest_info = alg.digest_info(&hash).unwrap();
    (hash, card_sign(&key(key_file), &digest_info))
}

fn verify_card1(alg: HashAlgorithm) -> Result<SignerIdentity, VerifyError> {
    let (hash, sig) = signed("card1-sign.key.der", alg);
    verify_signature(
        &hash,
        alg,
        &sig,
        &pki("card1-sign.der"),
        &test_trust(),
        now(),
    )
}

#[test]
fn card1_signature_verifies_with_every_hash_and_decodes_the_four_attributes() {
    for alg in HashAlgorithm::ALL {
        let id = verify_card1(alg).unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(id.serial_number, "01A2B3C5");
        assert_eq!(id.name.as_deref(), Some("テスト 花子"));
        assert_eq!(id.name_substitute.as_deref(), Some("0"));
        assert_eq!(id.sex, Some(Sex::Female));
        assert_eq!(
            id.date_of_birth,
            Some(DateOfBirth {
                raw: "319850315".into(),
                date: Some("1985-03-15".into()),
                era: Some(Era::Showa),
                era_name: Some("昭和"),
            })
        );
        assert_eq!(
            id.address.as_deref(),
            Some("東京都テスト市試験町一丁目2番3号")
        );
        assert_eq!(id.address_substitute.as_deref(), Some("0"));
        assert_eq!(id.trust_anchor, fingerprint("sign-root-2.der"));
        assert!(
            id.subject.contains("CN=TESTS9R8Q7P6N5M13000001"),
            "{}",
            id.subject
        );
    }
}

#[test]
fn card2_signature_decodes_male_heisei() {
    let (hash, sig) = signed("card2-sign.key.der", HashAlgorithm::Sha256);
    let id = verify_signature(
        &hash,
        HashAlgorithm::Sha256,
        &sig,
        &pki("card2-sign.der"),
        &test_trust(),
        now(),
    )
    .unwrap();
    assert_eq!(id.name.as_deref(), Some("テスト 次郎"));
    assert_eq!(id.sex, Some(Sex::Male));
    let dob = id.date_of_birth.unwrap();
    assert_eq!(
        (dob.date.as_deref(), dob.era),
        (Some("1995-07-07"), Some(Era::Heisei))
    );
    assert_eq!(
        id.address.as_deref(),
        Some("大阪府試験市テスト町四丁目5番6号")
    );
}

#[test]
fn signer_identity_serialises_in_camel_case() {
    let id = verify_card1(HashAlgorithm::Sha256).unwrap();
    let json = serde_json::to_value(&id).unwrap();
    assert_eq!(json["name"], "テスト 花子");
    assert_eq!(json["sex"], "female");
    assert_eq!(json["dateOfBirth"]["date"], "1985-03-15");
    assert_eq!(json["dateOfBirth"]["era"], "showa");
    assert_eq!(json["serialNumber"], "01A2B3C5");
    assert!(json["accountKey"].as_str().unwrap().len() == 64);
    assert_eq!(json["revocationChecked"], false);
}

#[test]
fn each_failing_check_has_its_own_error() {
    let alg = HashAlgorithm::Sha256;
    let (hash, sig) = signed("card1-sign.key.der", alg);
    let cert = pki("card1-sign.der");
    let mut other_hash = hash.clone();
    other_hash[0] ^= 1;
    let mut tampered_sig = sig.clone();
    tampered_sig[7] ^= 0x80;
    let mut tampered_cert = cert.clone();
    let pos = tampered_cert
        .windows(8)
        .position(|w| w == b"TESTS9R8")
        .unwrap();
    tampered_cert[pos + 4] = b'Z';
    let (_, auth_sig) = signed("card1-auth.key.der", alg);
    let (sha512_hash, sha512_sig) = signed("card1-sign.key.der", HashAlgorithm::Sha512);
    let with_crl = || {
        let mut t = test_trust();
        t.add_crl(&pki("sign.crl")).unwrap();
        t
    };

    type Check = fn(&VerifyError) -> bool;
    /// (name, hash, algorithm, signature, certificate, trust, expected error)
    type Row = (
        &'static str,
        Vec<u8>,
        HashAlgorithm,
        Vec<u8>,
        Vec<u8>,
        Trust,
        Check,
    );
    let rows: Vec<Row> = vec![
        (
            "other hash",
            other_hash,
            alg,
            sig.clone(),
            cert.clone(),
            test_trust(),
            |e| matches!(e, VerifyError::SignatureInvalid(_)),
        ),
        (
            "tampered signature",
            hash.clone(),
            alg,
            tampered_sig,
            cert.clone(),
            test_trust(),
            |e| matches!(e, VerifyError::SignatureInvalid(_)),
        ),
        (
            "tampered certificate",
            hash.clone(),
            alg,
            sig.clone(),
            tampered_cert,
            test_trust(),
            |e| {
                matches!(
                    e,
                    VerifyError::Untrusted {
                        purpose: "signature",
                        ..
                    }
                )
            },
        ),
        (
            "hash of the wrong length",
            hash[..20].to_vec(),
            alg,
            sig.clone(),
            cert.clone(),
            test_trust(),
            |e| {
                *e == VerifyError::HashLength {
                    algorithm: HashAlgorithm::Sha256,
                    expected: 32,
                    actual: 20,
                }
            },
        ),
        (
            "SHA-512 signature declared as SHA-256 (DigestInfo mismatch)",
            sha512_hash[..32].to_vec(),
            alg,
            sha512_sig,
            cert.clone(),
            test_trust(),
            |e| matches!(e, VerifyError::SignatureInvalid(_)),
        ),
        (
            "no nonRepudiation",
            hash.clone(),
            alg,
            sig.clone(),
            pki("sign-no-nonrep.der"),
            test_trust(),
            |e| matches!(e, VerifyError::KeyUsage(m) if m.contains("nonRepudiation")),
        ),
        (
            "authentication certificate used for signing",
            hash.clone(),
            alg,
            auth_sig,
            pki("card1-auth.der"),
            test_trust(),
            |e| matches!(e, VerifyError::KeyUsage(_)),
        ),
        (
            "only auth roots trusted",
            hash.clone(),
            alg,
            sig.clone(),
            cert.clone(),
            Trust::from_der(&[&pki("auth-root-1.der"), &pki("auth-root-2.der")], &[]).unwrap(),
            |e| matches!(e, VerifyError::Untrusted { detail, .. } if detail.contains("no trusted signature root")),
        ),
        (
            "the real J-LIS roots do not trust the test PKI",
            hash.clone(),
            alg,
            sig.clone(),
            cert.clone(),
            Trust::jpki().unwrap(),
            |e| matches!(e, VerifyError::Untrusted { .. }),
        ),
        (
            "certificate is garbage",
            hash.clone(),
            alg,
            sig.clone(),
            b"not a certificate".to_vec(),
            test_trust(),
            |e| matches!(e, VerifyError::CertificateParse(_)),
        ),
        (
            "CRL not yet issued at the signing time",
            hash.clone(),
            alg,
            sig.clone(),
            cert.clone(),
            with_crl(),
            |e| matches!(e, VerifyError::CrlNotYetValid { .. }),
        ),
    ];
    for (i, (name, hash, alg, sig, cert, trust, check)) in rows.into_iter().enumerate() {
        // The last row verifies at 2025-12-01, before sign.crl's thisUpdate (2026-01-15).
        let when = if i == 10 {
            at("2025-12-01T00:00:00Z")
        } else {
            now()
        };
        match verify_signature(&hash, alg, &sig, &cert, &trust, when) {
            Err(e) => assert!(check(&e), "{name}: unexpected error {e:?}"),
            Ok(id) => panic!("{name}: verified unexpectedly: {id:?}"),
        }
    }
}

#[test]
fn signing_crl_is_checked_and_kept_apart_from_the_auth_crl() {
    let alg = HashAlgorithm::Sha256;
    let (hash, sig) = signed("card1-sign.key.der", alg);
    let cert = pki("card1-sign.der");
    let mut trust = test_trust();
    trust.add_crl(&pki("auth.crl")).unwrap();
    // Only an auth CRL: signatures are not revocation-checked.
    let id = verify_signature(&hash, alg, &sig, &cert, &trust, now()).unwrap();
    assert!(!id.revocation_checked);
    trust.add_crl(&pki("sign.crl")).unwrap();
    let id = verify_signature(&hash, alg, &sig, &cert, &trust, now()).unwrap();
    assert!(id.revocation_checked);
}
