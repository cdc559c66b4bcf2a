//! Trust stores (the real J-LIS roots, directories of roots) and CRL loading.
// Integration tests: helper functions outside #[test] may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_test_support::fixtures::*;
use mynakey_test_support::pki::*;
use mynakey_verify::{verify_login, Purpose, RevocationReason, Trust, VerifyError};
use x509_cert::crl::CertificateList;
use x509_cert::der::asn1::BitString;
use x509_cert::der::{Decode, Encode};

fn roots_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("roots")
}

/// A fresh empty directory under the target's temp space.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mynakey-verify-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn copy(dir: &Path, from: &str, to: &str) {
    std::fs::write(dir.join(to), pki(from)).unwrap();
}

#[test]
fn the_six_real_jpki_roots_load_classified_with_readme_fingerprints() {
    let trust = Trust::jpki().unwrap();
    let auth = trust.roots(Purpose::Authentication);
    let sign = trust.roots(Purpose::Signature);
    let fps = |v: &[mynakey_verify::RootInfo]| {
        v.iter().map(|r| r.fingerprint.clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        fps(&auth),
        [
            "4DCFC4CA0AAF9FB2A3081B3F0C991C320B3ACC008667A341EEAEC5AF1D58CA7D",
            "0D98DE47FC11B7F67126874B7028B6026A803D2638D6EDFE53176953961FADE6",
            "64114F29620C24ED2631D46476A040E7EE740D956089C00B036A6A8118C322B5",
        ]
    );
    assert_eq!(
        fps(&sign),
        [
            "19645405A1FE14377434BD55957628AC4038557C542403A2243F21C706FC9355",
            "79679C33E4CC9319440F1AD120A597FF1844E2EF217063ADB176966FD5E6FBEB",
            "D227F6CDE11D35C5252178F106F843D24651944975413B539FA2FB68DBFA365F",
        ]
    );
    for r in &auth {
        assert_eq!(
            r.subject,
            "OU=Japan Agency for Local Authority Information Systems,\
             OU=JPKI for user authentication,O=JPKI,C=JP"
        );
    }
    for r in &sign {
        assert!(
            r.subject.contains("OU=JPKI for digital signature"),
            "{}",
            r.subject
        );
    }
    // The 2015 generation has expired (its signature still verified when it was loaded).
    assert_eq!(auth[0].not_after, "2025-10-19T14:59:59Z");
    assert_eq!(sign[0].not_after, "2025-10-19T14:59:59Z");
    assert_eq!(
        auth[0].subject_key_identifier.as_deref(),
        Some("9567951B5CA70D84A0FFF1D85A87F1AAB1340385")
    );
}

#[test]
fn from_dir_classifies_the_real_roots_by_ou_like_jpki() {
    let from_dir = Trust::from_dir(&roots_dir()).unwrap();
    let builtin = Trust::jpki().unwrap();
    for p in [Purpose::Authentication, Purpose::Signature] {
        let mut a: Vec<_> = from_dir
            .roots(p)
            .into_iter()
            .map(|r| r.fingerprint)
            .collect();
        let mut b: Vec<_> = builtin
            .roots(p)
            .into_iter()
            .map(|r| r.fingerprint)
            .collect();
        a.sort();
        b.sort();
        assert_eq!(a, b, "{p:?}");
    }
}

#[test]
fn from_dir_loads_test_roots_der_and_pem_and_verifies_with_them() {
    let dir = temp_dir("roots");
    copy(&dir, "auth-root-1.der", "a.der");
    let pem = |name: &str| {
        let b64 = STANDARD.encode(pki(name));
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    };
    // Two certificates in one PEM file.
    std::fs::write(
        dir.join("b.pem"),
        pem("auth-root-2.der") + &pem("sign-root-2.der"),
    )
    .unwrap();
    std::fs::write(dir.join("README.md"), "ignored").unwrap();
    let trust = Trust::from_dir(&dir).unwrap();
    assert_eq!(trust.roots(Purpose::Authentication).len(), 2);
    assert_eq!(trust.roots(Purpose::Signature).len(), 1);
    verify_login(&card1_token(), ORIGIN, CHALLENGE, &trust, now()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn from_dir_refuses_what_is_not_a_classifiable_root() {
    let dir = temp_dir("bad-ee");
    copy(&dir, "card1-auth.der", "auth-card.der");
    let e = Trust::from_dir(&dir).unwrap_err();
    assert!(
        matches!(&e, VerifyError::TrustStore(m) if m.contains("not a CA")),
        "{e:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    let dir = temp_dir("bad-prefix");
    copy(&dir, "auth-root-2.der", "sign-root.der");
    let e = Trust::from_dir(&dir).unwrap_err();
    assert!(
        matches!(&e, VerifyError::TrustStore(m) if m.contains("OU says authentication")),
        "{e:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    let dir = temp_dir("empty");
    assert!(matches!(
        Trust::from_dir(&dir),
        Err(VerifyError::TrustStore(_))
    ));
    assert!(matches!(
        Trust::from_dir(&dir.join("missing")),
        Err(VerifyError::TrustStore(_))
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn from_der_refuses_end_entity_certificates_as_roots() {
    let e = Trust::from_der(&[&pki("card1-auth.der")], &[]).unwrap_err();
    assert!(matches!(e, VerifyError::TrustStore(_)), "{e:?}");
}

/// `auth.crl` re-signed with another key (same issuer name).
fn resigned_crl(key_file: &str) -> Vec<u8> {
    let mut crl = CertificateList::from_der(&pki("auth.crl")).unwrap();
    let tbs = crl.tbs_cert_list.to_der().unwrap();
    crl.signature = BitString::from_bytes(&sign(key_file, &tbs)).unwrap();
    crl.to_der().unwrap()
}

#[test]
fn crl_loading_checks_its_signature_against_the_trusted_roots() {
    let mut trust = test_trust();
    trust.add_crl(&pki("auth.crl")).unwrap();
    trust.add_crl(&pki("sign.crl")).unwrap();

    let e = Trust::empty().add_crl(&pki("auth.crl")).unwrap_err();
    assert!(
        matches!(&e, VerifyError::CrlUntrusted(m) if m.contains("no trusted root")),
        "{e:?}"
    );

    let e = test_trust()
        .add_crl(&resigned_crl("untrusted-root.key.der"))
        .unwrap_err();
    assert!(
        matches!(&e, VerifyError::CrlUntrusted(m) if m.contains("none")),
        "{e:?}"
    );

    let mut tampered = pki("auth.crl");
    let n = tampered.len();
    tampered[n - 3] ^= 1;
    assert!(matches!(
        test_trust().add_crl(&tampered),
        Err(VerifyError::CrlUntrusted(_))
    ));

    assert!(matches!(
        test_trust().add_crl(b"garbage"),
        Err(VerifyError::CrlParse(_))
    ));
}

#[test]
fn crl_must_come_from_the_root_that_issued_the_certificate() {
    // Signed by root 1: same issuer name, loads fine, but card 1 was issued by root 2.
    let mut trust = test_trust();
    trust.add_crl(&resigned_crl("auth-root-1.key.der")).unwrap();
    let e = verify_login(&card1_token(), ORIGIN, CHALLENGE, &trust, now()).unwrap_err();
    assert_eq!(e, VerifyError::CrlUnavailable);
    trust.add_crl(&pki("auth.crl")).unwrap();
    let id = verify_login(&card1_token(), ORIGIN, CHALLENGE, &trust, now()).unwrap();
    assert!(id.revocation_checked);
}

#[test]
fn the_newest_crl_wins_and_pem_crls_load() {
    let pem = format!(
        "-----BEGIN X509 CRL-----\n{}\n-----END X509 CRL-----\n",
        STANDARD.encode(pki("auth.crl"))
    );
    for order in [["stale", "current"], ["current", "stale"]] {
        let mut trust = test_trust();
        for which in order {
            match which {
                "stale" => trust.add_crl(&pki("auth-stale.crl")).unwrap(),
                _ => trust.add_crl(pem.as_bytes()).unwrap(),
            }
        }
        let token = token_for("auth-revoked.der", "card1-auth.key.der", ORIGIN, CHALLENGE);
        let e = verify_login(&token, ORIGIN, CHALLENGE, &trust, now()).unwrap_err();
        assert!(
            matches!(
                e,
                VerifyError::Revoked {
                    reason: RevocationReason::KeyCompromise,
                    ..
                }
            ),
            "{order:?}: {e:?}"
        );
        assert!(e.to_string().contains("keyCompromise"), "{e}");
    }
}

#[test]
fn revoked_certificate_is_valid_without_a_crl_and_before_the_crl_was_issued() {
    let token = token_for("auth-revoked.der", "card1-auth.key.der", ORIGIN, CHALLENGE);
    verify_login(&token, ORIGIN, CHALLENGE, &test_trust(), now()).unwrap();
    let mut trust = test_trust();
    trust.add_crl(&pki("auth.crl")).unwrap();
    let e = verify_login(
        &token,
        ORIGIN,
        CHALLENGE,
        &trust,
        at("2026-01-01T00:00:00Z"),
    )
    .unwrap_err();
    assert_eq!(
        e,
        VerifyError::CrlNotYetValid {
            this_update: "2026-01-15T00:00:00Z".into()
        }
    );
}
