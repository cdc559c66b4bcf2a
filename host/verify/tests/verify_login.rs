//! Login-proof verification against the test PKI: one test per failing check, plus
//! positive proofs made with the fixture private keys.
// Integration tests: helper functions outside #[test] may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mynakey_test_support::fixtures::*;
use mynakey_test_support::pki::*;
use mynakey_verify::{verify_login, LoginIdentity, Purpose, RevocationReason, Trust, VerifyError};
use sha2::{Digest, Sha256};
use x509_cert::der::{Decode, Encode};

fn verify(token: &str) -> Result<LoginIdentity, VerifyError> {
    verify_login(token, ORIGIN, CHALLENGE, &test_trust(), now())
}

#[test]
fn card1_proof_verifies_and_reports_the_certificate() {
    let id = verify(&card1_token()).unwrap();
    assert_eq!(id.serial_number, "01A2B3C4");
    assert_eq!(id.subject, "CN=TESTA1B2C3D4E5F13000001,C=JP");
    assert_eq!(
        id.issuer,
        "OU=Japan Agency for Local Authority Information Systems (TEST ONLY),\
         OU=JPKI for user authentication (TEST),O=JPKI-TEST,C=JP"
    );
    assert_eq!(id.not_before, "2025-06-01T00:00:00Z");
    assert_eq!(id.not_after, "2035-05-31T14:59:59Z");
    assert_eq!(id.trust_anchor, fingerprint("auth-root-2.der"));
    assert!(!id.revocation_checked);

    // accountKey = hex(SHA-256(DER issuer Name ‖ DER serialNumber)), computed independently.
    let cert = x509_cert::Certificate::from_der(&pki("card1-auth.der")).unwrap();
    let mut h = Sha256::new();
    h.update(cert.tbs_certificate.issuer.to_der().unwrap());
    h.update(cert.tbs_certificate.serial_number.to_der().unwrap());
    let expected: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(id.account_key, expected);

    let json = serde_json::to_value(&id).unwrap();
    for key in [
        "issuer",
        "serialNumber",
        "subject",
        "notBefore",
        "notAfter",
        "accountKey",
    ] {
        assert!(json.get(key).is_some(), "{key} in {json}");
    }
}

#[test]
fn card2_proof_verifies_with_a_different_account_key() {
    let token = token_for("card2-auth.der", "card2-auth.key.der", ORIGIN, CHALLENGE);
    let id2 = verify(&token).unwrap();
    let id1 = verify(&card1_token()).unwrap();
    assert_eq!(id2.serial_number, "02A2B3C4");
    assert_ne!(id1.account_key, id2.account_key);
    // Stable for the same certificate.
    let again = verify(&token_for(
        "card2-auth.der",
        "card2-auth.key.der",
        ORIGIN,
        CHALLENGE,
    ))
    .unwrap();
    assert_eq!(again.account_key, id2.account_key);
}

#[test]
fn a_proof_with_a_port_and_a_long_challenge_verifies() {
    let origin = "https://login.example.jp:8443";
    // 96 bytes → 128 base64 characters, the longest challenge the host accepts.
    let challenge = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [7u8; 96]);
    assert_eq!(challenge.len(), 128);
    let token = token_for("card1-auth.der", "card1-auth.key.der", origin, &challenge);
    verify_login(&token, origin, &challenge, &test_trust(), now()).unwrap();
}

fn good() -> String {
    card1_token()
}

/// Card 1's key, but another certificate (the negative variants reuse card 1's auth key).
fn with_cert(file: &str) -> String {
    token_for(file, "card1-auth.key.der", ORIGIN, CHALLENGE)
}

fn cert() -> Vec<u8> {
    pki("card1-auth.der")
}

fn sig() -> Vec<u8> {
    proof_signature(&key("card1-auth.key.der"), ORIGIN, CHALLENGE)
}

fn crl_trust(crl: &str) -> Trust {
    let mut t = test_trust();
    t.add_crl(&pki(crl)).unwrap();
    t
}

fn tampered_signature() -> String {
    let mut s = sig();
    s[100] ^= 0x01;
    token_json("web-eid:1.0", &cert(), "RS256", &s)
}

fn tampered_certificate() -> String {
    let mut c = cert();
    // A byte inside the subject CN "TESTA1B2…": the certificate still parses.
    let pos = c.windows(8).position(|w| w == b"TESTA1B2").unwrap();
    c[pos + 4] = b'Z';
    token_json("web-eid:1.0", &c, "RS256", &sig())
}

/// One `#[test]` per failing check:
/// `name: (token, expected origin, expected challenge, trust) => expected error pattern,`
macro_rules! rejects {
    ($($name:ident: ($token:expr, $origin:expr, $challenge:expr, $trust:expr) => $pat:pat $(if $guard:expr)?),* $(,)?) => {$(
        #[test]
        fn $name() {
            match verify_login(&$token, $origin, $challenge, &$trust, now()) {
                Err(e) => assert!(matches!(&e, $pat $(if $guard)?), "unexpected error {e:?}"),
                Ok(id) => panic!("verified unexpectedly: {id:?}"),
            }
        }
    )*};
}

const OTHER_CHALLENGE: &str = "Z1Lw8n9ZkW1o2Qm3Zr5x0X3v8H2c3d4e5f6g7h8i9j0=";

rejects! {
    rejects_wrong_origin: (good(), "https://evil.example.jp", CHALLENGE, test_trust())
        => VerifyError::SignatureInvalid(_),
    rejects_wrong_challenge: (good(), ORIGIN, OTHER_CHALLENGE, test_trust())
        => VerifyError::SignatureInvalid(_),
    rejects_expired_certificate: (with_cert("auth-expired.der"), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::CertificateExpired { not_after } if not_after == "2020-01-01T00:00:00Z",
    rejects_not_yet_valid_certificate: (with_cert("auth-notyet.der"), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::CertificateNotYetValid { not_before } if not_before == "2040-01-01T00:00:00Z",
    rejects_untrusted_root_with_the_same_name: (with_cert("auth-untrusted.der"), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::Untrusted { purpose: "authentication", .. },
    rejects_wrong_policy: (with_cert("auth-wrong-policy.der"), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::Policy { expected: "1.2.392.200149.8.5.1.3.30", .. },
    rejects_wrong_key_usage: (with_cert("auth-wrong-ku.der"), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::KeyUsage(_),
    rejects_revoked_with_reason: (with_cert("auth-revoked.der"), ORIGIN, CHALLENGE, crl_trust("auth.crl"))
        => VerifyError::Revoked { reason: RevocationReason::KeyCompromise, revocation_date }
            if revocation_date == "2026-01-10T00:00:00Z",
    rejects_stale_crl: (good(), ORIGIN, CHALLENGE, crl_trust("auth-stale.crl"))
        => VerifyError::CrlStale { next_update: Some(n) } if n == "2026-02-15T00:00:00Z",
    rejects_tampered_signature: (tampered_signature(), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::SignatureInvalid(_),
    rejects_truncated_signature: (token_json("web-eid:1.0", &cert(), "RS256", &sig()[..255]), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::SignatureInvalid(_),
    rejects_tampered_certificate: (tampered_certificate(), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::Untrusted { .. },
    rejects_certificate_that_is_not_der: (token_json("web-eid:1.0", &cert()[..500], "RS256", &sig()), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::CertificateParse(_),
    rejects_truncated_token: (good()[..good().len() / 2], ORIGIN, CHALLENGE, test_trust())
        => VerifyError::TokenJson(_),
    rejects_token_too_large: (format!("{}{}", good(), " ".repeat(10_001 - good().len())), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::TokenSize { len: 10_001 },
    rejects_token_too_small: ("{\"format\":\"web-eid:1.0\"}", ORIGIN, CHALLENGE, test_trust())
        => VerifyError::TokenSize { len: 24 },
    rejects_wrong_format_string: (token_json("web-eid:2.0", &cert(), "RS256", &sig()), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::TokenFormat(f) if f == "web-eid:2.0",
    rejects_format_1_1_whose_fields_it_does_not_know: (token_json("web-eid:1.1", &cert(), "RS256", &sig()), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::TokenFormat(_),
    rejects_wrong_algorithm: (token_json("web-eid:1.0", &cert(), "ES384", &sig()), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::TokenAlgorithm(a) if a == "ES384",
    rejects_unknown_field: (good().replacen('{', "{\"origin\":\"https://bank.example.jp\",", 1), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::TokenJson(m) if m.contains("origin"),
    rejects_missing_field: (good().replacen("\"appVersion\"", "\"appVersio\"", 1), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::TokenJson(_),
    rejects_signature_that_is_not_base64: (good().replacen("\"signature\":\"", "\"signature\":\"*", 1), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::TokenEncoding("signature"),
    rejects_expected_origin_with_a_path: (good(), "https://bank.example.jp/login", CHALLENGE, test_trust())
        => VerifyError::OriginInvalid { .. },
    rejects_expected_challenge_too_short: (good(), ORIGIN, "abc", test_trust())
        => VerifyError::ChallengeInvalid,
    rejects_signing_certificate_in_a_login_proof: (token_for("card1-sign.der", "card1-sign.key.der", ORIGIN, CHALLENGE), ORIGIN, CHALLENGE, test_trust())
        => VerifyError::Policy { .. },
    rejects_when_only_signature_roots_are_trusted: (good(), ORIGIN, CHALLENGE, Trust::from_der(&[], &[&pki("sign-root-2.der")]).unwrap())
        => VerifyError::Untrusted { detail, .. } if detail.contains("no trusted authentication root"),
    real_jpki_roots_do_not_trust_the_test_pki: (good(), ORIGIN, CHALLENGE, Trust::jpki().unwrap())
        => VerifyError::Untrusted { .. },
}

#[test]
fn checks_run_in_order_certificate_before_signature() {
    // An expired certificate *and* a wrong origin: validity is checked first.
    let token = token_for(
        "auth-expired.der",
        "card1-auth.key.der",
        OTHER_ORIGIN,
        CHALLENGE,
    );
    let e = verify(&token).unwrap_err();
    assert!(matches!(e, VerifyError::CertificateExpired { .. }), "{e:?}");
    assert_eq!((e.code(), e.check()), ("CERTIFICATE_EXPIRED", "validity"));
    // Policy before chain: the wrong-policy certificate chains fine but fails the policy.
    let e = verify(&token_for(
        "auth-wrong-policy.der",
        "card1-auth.key.der",
        ORIGIN,
        CHALLENGE,
    ))
    .unwrap_err();
    assert_eq!(e.check(), "policy");
}

#[test]
fn the_signature_binds_the_servers_values_not_the_tokens() {
    // A proof made for another origin verifies only for that origin.
    let token = token_for(
        "card1-auth.der",
        "card1-auth.key.der",
        "https://evil.example.jp",
        CHALLENGE,
    );
    assert!(matches!(
        verify(&token),
        Err(VerifyError::SignatureInvalid(_))
    ));
    verify_login(
        &token,
        "https://evil.example.jp",
        CHALLENGE,
        &test_trust(),
        now(),
    )
    .unwrap();
}

#[test]
fn policy_check_can_be_switched_off_for_foreign_test_pkis() {
    let token = token_for(
        "auth-wrong-policy.der",
        "card1-auth.key.der",
        ORIGIN,
        CHALLENGE,
    );
    let mut trust = test_trust();
    assert!(trust.requires_policy(), "on by default");
    trust.set_require_policy(false);
    verify_login(&token, ORIGIN, CHALLENGE, &trust, now()).unwrap();
}

#[test]
fn root_is_chosen_by_signature_not_by_name() {
    let root1 = pki("auth-root-1.der");
    let root2 = pki("auth-root-2.der");
    let card = x509_cert::Certificate::from_der(&pki("card1-auth.der")).unwrap();
    let r1 = x509_cert::Certificate::from_der(&root1).unwrap();
    // A lookup by name alone would take root 1: it is listed first and has the issuer's name...
    assert_eq!(r1.tbs_certificate.subject, card.tbs_certificate.issuer);
    let trust = Trust::from_der(&[&root1, &root2], &[]).unwrap();
    assert_eq!(
        trust.roots(Purpose::Authentication)[0].fingerprint,
        fingerprint("auth-root-1.der")
    );
    // ...but root 1's key did not sign the certificate, so it alone does not verify it.
    let only_root1 = Trust::from_der(&[&root1], &[]).unwrap();
    let e = verify_login(&card1_token(), ORIGIN, CHALLENGE, &only_root1, now()).unwrap_err();
    assert!(matches!(e, VerifyError::Untrusted { .. }), "{e:?}");
    // With both, the verifier tries root 1, rejects it, and accepts root 2.
    let id = verify_login(&card1_token(), ORIGIN, CHALLENGE, &trust, now()).unwrap();
    assert_eq!(id.trust_anchor, fingerprint("auth-root-2.der"));
}

#[test]
fn root_validity_is_checked_at_now() {
    // auth-notyet is valid 2040–2045; its root ends 2043-07-15.
    let token = token_for("auth-notyet.der", "card1-auth.key.der", ORIGIN, CHALLENGE);
    let e = verify_login(
        &token,
        ORIGIN,
        CHALLENGE,
        &test_trust(),
        at("2044-01-01T00:00:00Z"),
    )
    .unwrap_err();
    assert!(
        matches!(&e, VerifyError::RootNotValid { fingerprint: f, not_after, .. }
            if *f == fingerprint("auth-root-2.der") && not_after == "2043-07-15T14:59:59Z"),
        "{e:?}"
    );
    verify_login(
        &token,
        ORIGIN,
        CHALLENGE,
        &test_trust(),
        at("2041-01-01T00:00:00Z"),
    )
    .unwrap();
}

#[test]
fn validity_boundaries_are_inclusive() {
    let token = card1_token();
    let v = |t| verify_login(&token, ORIGIN, CHALLENGE, &test_trust(), at(t));
    assert!(v("2025-06-01T00:00:00Z").is_ok());
    assert!(v("2035-05-31T14:59:59Z").is_ok());
    assert!(matches!(
        v("2025-05-31T23:59:59Z"),
        Err(VerifyError::CertificateNotYetValid { .. })
    ));
    assert!(matches!(
        v("2035-05-31T15:00:00Z"),
        Err(VerifyError::CertificateExpired { .. })
    ));
}
