//! The compact revocation index with a million-entry CRL signed by the test PKI (generated
//! once per test binary), checked through the public login API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_test_support::fixtures::{CHALLENGE, ORIGIN};
use mynakey_test_support::pki::{self, at, auth_crl, test_trust, CARD1_AUTH_SERIAL};
use mynakey_verify::{verify_login, LoginToken, RevocationReason, VerifyError};

const MILLION: u32 = 1_000_000;

fn token(card: &str) -> String {
    pki::token(card, ORIGIN, CHALLENGE)
}

/// One million generated serials plus card1-auth's, valid 2026-11-01 .. 2026-12-01.
fn million_crl() -> &'static [u8] {
    static CRL: OnceLock<Vec<u8>> = OnceLock::new();
    CRL.get_or_init(|| {
        auth_crl(
            MILLION,
            &[CARD1_AUTH_SERIAL],
            "2026-11-01T00:00:00Z",
            "2026-12-01T00:00:00Z",
        )
    })
}

#[test]
fn a_serial_listed_among_a_million_is_revoked_and_others_are_not() {
    let mut trust = test_trust();
    trust.add_crl(million_crl()).unwrap();
    let now = at("2026-11-26T00:00:00Z");
    let infos = trust.crls(now);
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0].entries, MILLION as usize + 1);
    assert!(infos[0].current);
    assert_eq!(
        infos[0].next_update.as_deref(),
        Some("2026-12-01T00:00:00Z")
    );

    let err = verify_login(&token("card1-auth"), ORIGIN, CHALLENGE, &trust, now).unwrap_err();
    assert_eq!(
        err,
        VerifyError::Revoked {
            reason: RevocationReason::AffiliationChanged,
            revocation_date: "2026-01-10T00:00:00Z".into(),
        }
    );
    let ok = verify_login(&token("card2-auth"), ORIGIN, CHALLENGE, &trust, now).unwrap();
    assert!(ok.revocation_checked);
}

#[test]
fn after_next_update_the_million_entry_crl_is_stale() {
    let mut trust = test_trust();
    trust.add_crl(million_crl()).unwrap();
    let later = at("2026-12-02T00:00:00Z");
    assert!(!trust.crls(later)[0].current);
    let token = LoginToken::parse(&token("card2-auth")).unwrap();
    let err = token.verify(ORIGIN, CHALLENGE, &trust, later).unwrap_err();
    assert_eq!(
        err,
        VerifyError::CrlStale {
            next_update: Some("2026-12-01T00:00:00Z".into())
        }
    );
}

#[test]
fn a_changed_entry_fails_the_signature_checked_at_load() {
    let mut crl = auth_crl(
        1000,
        &[CARD1_AUTH_SERIAL],
        "2026-11-01T00:00:00Z",
        "2026-12-01T00:00:00Z",
    );
    // Un-list card1-auth: its serial's last byte (C4) becomes C5.
    let at = crl
        .windows(4)
        .position(|w| w == CARD1_AUTH_SERIAL.to_be_bytes())
        .unwrap();
    crl[at + 3] ^= 1;
    let err = test_trust().add_crl(&crl).unwrap_err();
    assert!(matches!(err, VerifyError::CrlUntrusted(_)), "{err:?}");
}

#[test]
fn a_malformed_token_is_refused_before_any_trust_is_needed() {
    let err = LoginToken::parse("{\"format\": \"web-eid:1.0\"}")
        .err()
        .unwrap();
    assert!(matches!(err, VerifyError::TokenSize { .. }), "{err:?}");
    let mut bad_cert: serde_json::Value = serde_json::from_str(&token("card2-auth")).unwrap();
    bad_cert["unverifiedCertificate"] = STANDARD.encode([0x30u8, 3, 1, 1, 0]).into();
    let err = LoginToken::parse(&bad_cert.to_string()).err().unwrap();
    assert!(matches!(err, VerifyError::CertificateParse(_)), "{err:?}");
}
