//! Issue 30: an Android phone's smartphone certificate (token `JPKIAPGPSETOKEN`) on a
//! contactless reader, simulated: the PIN before the authentication certificate, the kind on
//! the wire, an unknown tries count guarded like the last try.

use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::tests::*;
use super::*;
use mynakey_card::jpki::TokenKind;
use mynakey_simulator::{ApduLog, CardProfile, Faults, SimCard, SimReaders};
use mynakey_verify as verify;

fn phone(faults: &str) -> Fixture {
    phone_with(CardProfile::android(), faults)
}

fn phone_with(profile: CardProfile, faults: &str) -> Fixture {
    let log = ApduLog::new();
    let card = SimCard::new(profile, Faults::parse(faults).unwrap(), log.clone()).unwrap();
    let readers = SimReaders::with_cards(vec![Some(card)]);
    let slot = readers.slot(0).unwrap();
    Fixture {
        ops: Ops::new(Box::new(readers), Config::default()),
        log,
        slot,
    }
}

fn auth_cert_reads() -> Vec<String> {
    reads(CardProfile::android().auth_cert.len().div_ceil(256))
}

fn pin_verifies(f: &Fixture) -> usize {
    f.log.entries().iter().filter(|e| e.is_pin_verify()).count()
}

#[test]
fn a_phone_login_sends_the_pin_before_reading_the_certificate() {
    let mut f = phone("");
    let proof = authenticate(&mut f, auth_args("1234")).unwrap();
    assert_eq!(
        f.log.sequence(),
        seq(&[
            &s(&[JPKI_SELECT, "SELECT EF 000A", "READ BINARY"]),
            &s(&["SELECT EF 0006", "READ BINARY", "SELECT EF 0018", "VERIFY?"]),
            &s(&["VERIFY", "SELECT EF 000A"]),
            &auth_cert_reads(),
            &s(&["SELECT EF 0017", "SIGN"]),
        ])
    );
    assert_eq!(f.log.entries()[2].sw(), 0x6982, "refused before the PIN");
    assert_eq!(
        STANDARD.decode(&proof.unverified_certificate).unwrap(),
        CardProfile::android().auth_cert
    );
    let proof = serde_json::to_string(&proof).unwrap();
    verify::verify_login(&proof, ORIGIN, CHALLENGE, &test_trust(), SystemTime::now()).unwrap();
}

#[test]
fn prepare_names_the_phone_and_leaves_the_pin_then_the_certificate() {
    let mut f = phone("");
    let r = f.ops.prepare(PrepareArgs {
        action: PrepareAction::Authenticate,
        reader: None,
    });
    assert!(r.prepared.is_some());
    assert_eq!(r.readers[0].token_kind, Some(TokenKind::Android));
    assert_eq!(r.readers[0].auth_pin_tries_left, Some(3));
    assert_eq!(pin_verifies(&f), 0);
    f.log.clear();
    let proof = authenticate(&mut f, auth_args("1234")).unwrap();
    assert_eq!(
        f.log.sequence(),
        seq(&[
            &s(&["VERIFY", "SELECT EF 000A"]),
            &auth_cert_reads(),
            &s(&["SELECT EF 0017", "SIGN"]),
        ])
    );
    let proof = serde_json::to_string(&proof).unwrap();
    verify::verify_login(&proof, ORIGIN, CHALLENGE, &test_trust(), SystemTime::now()).unwrap();
}

#[test]
fn status_and_prepare_show_the_token_kind() {
    let mut f = phone("");
    let status = f.ops.status();
    assert_eq!(status.readers[0].token_kind, Some(TokenKind::Android));
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["readers"][0]["tokenKind"], "android");
    assert_eq!(json["readers"][0]["tokenLabel"], "JPKIAPGPSETOKEN");
    let r = f.ops.prepare(PrepareArgs {
        action: PrepareAction::Sign,
        reader: None,
    });
    assert_eq!(r.readers[0].token_kind, Some(TokenKind::Android));
    assert_eq!(r.readers[0].sign_pin_tries_left, Some(5));
    let mut card = fixture("");
    assert_eq!(
        card.ops.status().readers[0].token_kind,
        Some(TokenKind::Card)
    );
}

#[test]
fn a_phone_signs_a_batch_with_and_without_prepare_and_in_a_held_session() {
    let mut f = phone("");
    f.ops.prepare(PrepareArgs {
        action: PrepareAction::Sign,
        reader: None,
    });
    let out = sign(&mut f, sign_args(Some("abc123"), 2)).unwrap();
    f.ops.after_reply();
    let again = sign(&mut f, sign_args(Some("abc123"), 2)).unwrap();
    f.ops.after_reply();
    assert_eq!(out.certificate, again.certificate);
    let cert = STANDARD.decode(&out.certificate).unwrap();
    for (i, sig) in out.signatures.iter().enumerate() {
        verify::verify_signature(
            &[i as u8; 32],
            HashAlgorithm::Sha256,
            &STANDARD.decode(sig).unwrap(),
            &cert,
            &test_trust(),
            SystemTime::now(),
        )
        .unwrap();
    }
    let held = get_cert(&mut f, "abc123", true).unwrap();
    let mut args = sign_args(None, 2);
    args.certificate = Some(held.certificate);
    assert_eq!(sign(&mut f, args).unwrap().signatures.len(), 2);
    assert_eq!(pin_verifies(&f), 3, "one VERIFY per password typed");
}

#[test]
fn wrong_pins_count_down_and_the_last_try_is_guarded_on_a_phone() {
    let mut f = phone("");
    for (pin, left) in [("1111", 2), ("2222", 1)] {
        let e = authenticate(&mut f, auth_args(pin)).unwrap_err();
        assert!(
            matches!(e, OpsError::PinIncorrect { tries_left } if tries_left == left),
            "{e}"
        );
        f.ops.after_reply();
    }
    f.log.clear();
    let e = authenticate(&mut f, auth_args("1234")).unwrap_err();
    assert!(matches!(e, OpsError::PinLastTry), "{e}");
    assert_eq!(pin_verifies(&f), 0, "no PIN sent");
    let mut confirmed = auth_args("1234");
    confirmed.allow_last_try = true;
    authenticate(&mut f, confirmed).unwrap();
}

/// No source shows a phone's answer to the tries query; one that gives no count makes every
/// VERIFY a possible last try: refused until the person confirms, and the wire says so.
#[test]
fn a_phone_without_a_tries_count_needs_the_last_try_confirmation() {
    let mut f = phone("sw=20:9000");
    let e = authenticate(&mut f, auth_args("1234")).unwrap_err();
    assert!(matches!(e, OpsError::PinTriesUnknown), "{e}");
    let wire = e.to_wire();
    assert_eq!(wire.code.as_str(), "PIN_LAST_TRY");
    assert_eq!(wire.details.tries_left, None, "the count is unknown");
    assert_eq!(pin_verifies(&f), 0, "no PIN sent");
    f.ops.after_reply();
    let mut confirmed = auth_args("1234");
    confirmed.allow_last_try = true;
    let proof = serde_json::to_string(&authenticate(&mut f, confirmed).unwrap()).unwrap();
    verify::verify_login(&proof, ORIGIN, CHALLENGE, &test_trust(), SystemTime::now()).unwrap();
    // The same for the signing password once prepare read the label; without it nothing tells
    // the phone from a card, so the card's refusal stands (and no PIN goes either way).
    f.ops.after_reply();
    let e = sign(&mut f, sign_args(Some("abc123"), 1)).unwrap_err();
    assert_eq!(e.to_wire().code.as_str(), "CARD_ERROR", "{e}");
    f.ops.prepare(PrepareArgs {
        action: PrepareAction::Sign,
        reader: None,
    });
    let e = sign(&mut f, sign_args(Some("abc123"), 1)).unwrap_err();
    assert!(matches!(e, OpsError::PinTriesUnknown), "{e}");
    assert_eq!(pin_verifies(&f), 1, "only the confirmed login's PIN");
    // A card that gives no count is still refused outright (no confirmation helps).
    let mut card = fixture("sw=20:9000");
    let mut args = auth_args("1234");
    args.allow_last_try = true;
    let e = authenticate(&mut card, args).unwrap_err();
    assert_eq!(e.to_wire().code.as_str(), "CARD_ERROR", "{e}");
}

#[test]
fn a_phone_certificate_without_the_authentication_policy_signs_nothing() {
    let profile = CardProfile {
        auth_cert: CardProfile::card1().sign_cert.unwrap(),
        ..CardProfile::android()
    };
    let mut f = phone_with(profile, "");
    let e = authenticate(&mut f, auth_args("1234")).unwrap_err();
    assert_eq!(e.to_wire().code.as_str(), "CARD_ERROR", "{e}");
    assert!(f.log.entries().iter().all(|e| e.describe() != "SIGN"));
}

#[test]
fn a_phone_taken_away_mid_request_is_card_removed() {
    // Removed when the SIGN arrives: after the PIN and the certificate.
    let n = 11 + CardProfile::android().auth_cert.len().div_ceil(256);
    let mut f = phone(&format!("remove-after={}", n - 1));
    let e = authenticate(&mut f, auth_args("1234")).unwrap_err();
    assert!(matches!(e, OpsError::CardRemoved), "{e}");
    assert_eq!(
        f.log.sequence().last().map(String::as_str),
        Some("SELECT EF 0017")
    );
}
