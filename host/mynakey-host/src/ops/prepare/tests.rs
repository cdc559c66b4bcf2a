//! `prepare` on the simulated card: what is read before the PIN, what is left after it, and a
//! card pulled or swapped in between.

use std::time::{Duration, Instant, SystemTime};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::super::tests::*;
use super::*;
use mynakey_simulator::{ApduLog, CardProfile, Faults, SimCard};
use mynakey_verify as verify;

fn prepare(f: &mut Fixture, action: PrepareAction) -> PrepareResult {
    f.ops.prepare(PrepareArgs {
        action,
        reader: None,
    })
}

/// The log from now on: what the card received after the PIN.
fn after_pin(f: &Fixture) -> Vec<String> {
    f.log.sequence()
}

#[test]
fn a_prepared_login_needs_three_apdus_after_the_pin() {
    let mut f = fixture("");
    let r = prepare(&mut f, PrepareAction::Authenticate);
    let prepared = r.prepared.expect("the card is held");
    assert_eq!(prepared.reader, "mynakey simulated reader 0");
    assert_eq!(prepared.hold_ms, 60_000);
    assert_eq!(r.readers[0].card, CardState::Jpki);
    assert_eq!(r.readers[0].auth_pin_tries_left, Some(3));
    assert_eq!(
        f.log.sequence(),
        login_reads(),
        "no PIN, no signing certificate before the PIN"
    );
    f.log.clear();
    let token = authenticate(&mut f, auth_args("1234")).unwrap();
    assert_eq!(after_pin(&f), s(&["VERIFY", "SELECT EF 0017", "SIGN"]));
    let token = serde_json::to_string(&token).unwrap();
    verify::verify_login(&token, ORIGIN, CHALLENGE, &test_trust(), SystemTime::now()).unwrap();
}

#[test]
fn a_prepared_signature_reads_only_what_the_password_unlocks() {
    let mut f = fixture("");
    let r = prepare(&mut f, PrepareAction::Sign);
    assert!(r.prepared.is_some());
    assert_eq!(r.readers[0].sign_pin_tries_left, Some(5));
    assert_eq!(r.readers[0].has_signing_certificate, Some(true));
    assert!(f.log.entries().iter().all(|e| !e.is_pin_verify()));
    f.log.clear();
    sign(&mut f, sign_args(Some("abc123"), 2)).unwrap();
    let cert_reads = CardProfile::card1().sign_cert.unwrap().len().div_ceil(256);
    assert_eq!(
        after_pin(&f),
        seq(&[
            &s(&["VERIFY", "SELECT EF 0001"]),
            &reads(cert_reads),
            &s(&["SELECT EF 001A", "SIGN"].repeat(2)),
        ])
    );
}

#[test]
fn a_card_swapped_after_prepare_gets_no_verify() {
    let mut f = fixture("");
    prepare(&mut f, PrepareAction::Authenticate);
    let log2 = ApduLog::new();
    f.slot
        .swap(SimCard::new(CardProfile::card2(), Faults::default(), log2.clone()).unwrap());
    let r = authenticate(&mut f, auth_args("5678"));
    assert!(matches!(r, Err(OpsError::CardRemoved)), "{r:?}");
    assert!(log2.entries().is_empty(), "nothing reached the other card");
    // The next try reads the card that is there now, and its own tries count.
    let token = authenticate(&mut f, auth_args("5678")).unwrap();
    assert_eq!(
        STANDARD.decode(token.unverified_certificate).unwrap(),
        CardProfile::card2().auth_cert
    );
}

#[test]
fn a_card_pulled_and_put_back_after_prepare_gets_no_verify() {
    let mut f = fixture("");
    prepare(&mut f, PrepareAction::Sign);
    f.slot.remove();
    f.slot.insert();
    f.log.clear();
    let r = sign(&mut f, sign_args(Some("abc123"), 1));
    assert!(matches!(r, Err(OpsError::CardRemoved)), "{r:?}");
    assert!(f.log.entries().is_empty());
}

#[test]
fn the_last_try_is_refused_without_giving_up_the_prepared_card() {
    let mut f = fixture("");
    for pin in ["1111", "2222"] {
        assert!(authenticate(&mut f, auth_args(pin)).is_err());
    }
    f.ops.after_reply();
    let r = prepare(&mut f, PrepareAction::Authenticate);
    assert_eq!(r.readers[0].auth_pin_tries_left, Some(1));
    f.log.clear();
    assert!(matches!(
        authenticate(&mut f, auth_args("1234")),
        Err(OpsError::PinLastTry)
    ));
    assert!(f.log.entries().is_empty(), "nothing sent");
    let mut confirmed = auth_args("1234");
    confirmed.allow_last_try = true;
    authenticate(&mut f, confirmed).unwrap();
    assert_eq!(after_pin(&f), s(&["VERIFY", "SELECT EF 0017", "SIGN"]));
}

#[test]
fn a_blocked_pin_or_a_missing_signing_certificate_is_shown_not_held() {
    let mut f = fixture("");
    for pin in ["1111", "2222"] {
        assert!(authenticate(&mut f, auth_args(pin)).is_err());
    }
    let mut last = auth_args("3333");
    last.allow_last_try = true;
    assert!(authenticate(&mut f, last).is_err());
    let r = prepare(&mut f, PrepareAction::Authenticate);
    assert_eq!(r.readers[0].auth_pin_tries_left, Some(0));
    assert!(r.prepared.is_none());

    let mut f = fixture("no-signing-certificate");
    let r = prepare(&mut f, PrepareAction::Sign);
    assert_eq!(r.readers[0].has_signing_certificate, Some(false));
    assert!(r.prepared.is_none());
}

#[test]
fn an_unused_prepared_card_is_released_and_read_again() {
    let mut f = fixture("");
    prepare(&mut f, PrepareAction::Authenticate);
    let deadline = f.ops.next_deadline().expect("a deadline");
    assert!(deadline <= Instant::now() + Duration::from_secs(60));
    f.ops.expire(deadline);
    assert!(f.ops.next_deadline().is_none());
    f.log.clear();
    authenticate(&mut f, auth_args("1234")).unwrap();
    assert_eq!(
        f.log.sequence().first().map(String::as_str),
        Some(JPKI_SELECT)
    );
    assert_eq!(f.log.sequence().len(), 12);
}

#[test]
fn a_prepared_card_for_another_action_or_reader_is_let_go_first() {
    let mut f = fixture("");
    prepare(&mut f, PrepareAction::Sign);
    // Without the release the login would find its own card busy.
    authenticate(&mut f, auth_args("1234")).unwrap();
    prepare(&mut f, PrepareAction::Authenticate);
    let mut elsewhere = auth_args("1234");
    elsewhere.reader = Some("another reader".into());
    assert!(matches!(
        authenticate(&mut f, elsewhere),
        Err(OpsError::ReaderNotFound { .. })
    ));
    assert!(f.ops.next_deadline().is_none());
}

#[test]
fn prepare_shows_every_reader_and_holds_only_a_chosen_card() {
    let mut f = two_cards();
    let r = prepare(&mut f, PrepareAction::Authenticate);
    let cards: Vec<CardState> = r.readers.iter().map(|r| r.card).collect();
    assert_eq!(cards, [CardState::Jpki, CardState::Absent, CardState::Jpki]);
    assert!(r.prepared.is_none(), "two cards: the person chooses");
    let r = f.ops.prepare(PrepareArgs {
        action: PrepareAction::Authenticate,
        reader: Some("mynakey simulated reader 2".into()),
    });
    assert_eq!(
        r.prepared.map(|p| p.reader).as_deref(),
        Some("mynakey simulated reader 2")
    );
    let mut a = auth_args("5678");
    a.reader = Some("mynakey simulated reader 2".into());
    authenticate(&mut f, a).unwrap();

    let mut empty = fixture("insert-ms=600000");
    let r = prepare(&mut empty, PrepareAction::Authenticate);
    assert_eq!(r.readers[0].card, CardState::Absent);
    assert!(r.prepared.is_none());
}
