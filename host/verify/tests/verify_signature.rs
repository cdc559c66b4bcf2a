//! Document-signature verification against the test PKI, with signatures made by the fixture
//! private keys the way the card makes them (PKCS#1 v1.5 over a DigestInfo).
// Integration tests: helper functions outside #[test] may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mynakey_test_support::pki::*;
use mynakey_verify::{
    verify_signature, DateOfBirth, Era, HashAlgorithm, Sex, SignerIdentity, Trust, VerifyError,
};

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
        assert_eq!(id.certificate.serial_number, "01A2B3C5");
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
        assert_eq!(id.certificate.trust_anchor, fingerprint("sign-root-2.der"));
        assert!(
            id.certificate
                .subject
                .contains("CN=TESTS9R8Q7P6N5M13000001"),
            "{}",
            id.certificate.subject
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

const ALG: HashAlgorithm = HashAlgorithm::Sha256;

fn hash() -> Vec<u8> {
    signed("card1-sign.key.der", ALG).0
}

fn sig() -> Vec<u8> {
    signed("card1-sign.key.der", ALG).1
}

fn cert() -> Vec<u8> {
    pki("card1-sign.der")
}

fn flip(mut v: Vec<u8>, i: usize) -> Vec<u8> {
    v[i] ^= 0x80;
    v
}

fn tampered_cert() -> Vec<u8> {
    let mut c = cert();
    let pos = c.windows(8).position(|w| w == b"TESTS9R8").unwrap();
    c[pos + 4] = b'Z';
    c
}

fn with_sign_crl() -> Trust {
    let mut t = test_trust();
    t.add_crl(&pki("sign.crl")).unwrap();
    t
}

/// One `#[test]` per failing check:
/// `name: (hash, algorithm, signature, certificate, trust, time) => expected error pattern,`
macro_rules! rejects {
    ($($name:ident: ($hash:expr, $alg:expr, $sig:expr, $cert:expr, $trust:expr, $time:expr) => $pat:pat $(if $guard:expr)?),* $(,)?) => {$(
        #[test]
        fn $name() {
            match verify_signature(&$hash, $alg, &$sig, &$cert, &$trust, $time) {
                Err(e) => assert!(matches!(&e, $pat $(if $guard)?), "unexpected error {e:?}"),
                Ok(id) => panic!("verified unexpectedly: {id:?}"),
            }
        }
    )*};
}

rejects! {
    rejects_other_hash: (flip(hash(), 0), ALG, sig(), cert(), test_trust(), now())
        => VerifyError::SignatureInvalid(_),
    rejects_tampered_signature: (hash(), ALG, flip(sig(), 7), cert(), test_trust(), now())
        => VerifyError::SignatureInvalid(_),
    rejects_tampered_certificate: (hash(), ALG, sig(), tampered_cert(), test_trust(), now())
        => VerifyError::Untrusted { purpose: "signature", .. },
    rejects_hash_of_the_wrong_length: (hash()[..20], ALG, sig(), cert(), test_trust(), now())
        => VerifyError::HashLength { algorithm: HashAlgorithm::Sha256, expected: 32, actual: 20 },
    rejects_sha512_signature_declared_as_sha256: (
        signed("card1-sign.key.der", HashAlgorithm::Sha512).0[..32],
        ALG,
        signed("card1-sign.key.der", HashAlgorithm::Sha512).1,
        cert(), test_trust(), now()
    ) => VerifyError::SignatureInvalid(_),
    rejects_certificate_without_non_repudiation: (hash(), ALG, sig(), pki("sign-no-nonrep.der"), test_trust(), now())
        => VerifyError::KeyUsage(m) if m.contains("nonRepudiation"),
    rejects_authentication_certificate_for_signing: (
        hash(), ALG, signed("card1-auth.key.der", ALG).1, pki("card1-auth.der"), test_trust(), now()
    ) => VerifyError::KeyUsage(_),
    rejects_when_only_auth_roots_are_trusted: (
        hash(), ALG, sig(), cert(),
        Trust::from_der(&[&pki("auth-root-1.der"), &pki("auth-root-2.der")], &[]).unwrap(), now()
    ) => VerifyError::Untrusted { detail, .. } if detail.contains("no trusted signature root"),
    real_jpki_roots_do_not_trust_the_test_pki: (hash(), ALG, sig(), cert(), Trust::jpki().unwrap(), now())
        => VerifyError::Untrusted { .. },
    rejects_garbage_certificate: (hash(), ALG, sig(), *b"not a certificate", test_trust(), now())
        => VerifyError::CertificateParse(_),
    // sign.crl's thisUpdate is 2026-01-15.
    rejects_crl_issued_after_the_verification_time: (
        hash(), ALG, sig(), cert(), with_sign_crl(), at("2025-12-01T00:00:00Z")
    ) => VerifyError::CrlNotYetValid { .. },
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
    assert!(!id.certificate.revocation_checked);
    trust.add_crl(&pki("sign.crl")).unwrap();
    let id = verify_signature(&hash, alg, &sig, &cert, &trust, now()).unwrap();
    assert!(id.certificate.revocation_checked);
}
