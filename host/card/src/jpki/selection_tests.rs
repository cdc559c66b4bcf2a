//! What `Jpki` sends given what its connection has selected, and the tries count a VERIFY needs.

use mynakey_types::secret::Secret;

use super::*;
use crate::transport::scripted::ScriptedCard;

const SELECT_AP: &str = "00A4040C0AD392F000260100000001";
const SELECT_0018: &str = "00A4020C020018";
const SELECT_0017: &str = "00A4020C020017";
const QUERY: &str = "00200080";
const VERIFY_1234: &str = "002000800431323334";

/// A scripted card expecting `steps` (command, answer) in order.
fn scripted(steps: &[(&str, &str)]) -> ScriptedCard {
    let script = ScriptedCard::new();
    for (command, answer) in steps {
        script.expect_hex(command, answer);
    }
    script
}

fn auth_pin() -> Pin {
    Pin::parse(PinKind::Auth, &Secret::new("1234".into())).unwrap()
}

#[test]
fn a_selected_ap_or_ef_is_not_selected_again() {
    let script = scripted(&[
        (SELECT_AP, "9000"),
        (SELECT_0018, "9000"),
        (QUERY, "63C3"),
        (QUERY, "63C3"),
    ]);
    let mut jpki = Jpki::new(script.clone());
    jpki.select_ap().unwrap();
    jpki.select_ap().unwrap();
    assert_eq!(
        jpki.pin_status(PinKind::Auth).unwrap().status(),
        PinStatus::TriesLeft(3)
    );
    assert_eq!(
        jpki.pin_status(PinKind::Auth).unwrap().status(),
        PinStatus::TriesLeft(3)
    );
    assert_eq!(script.remaining(), 0);
}

#[test]
fn the_key_ef_is_selected_before_every_sign_even_when_selected() {
    let script = ScriptedCard::new();
    for _ in 0..2 {
        script
            .expect_hex(SELECT_0017, "9000")
            .expect_hex("802A00800300010200", "AABB9000");
    }
    let mut jpki = Jpki::new(script.clone());
    for _ in 0..2 {
        assert_eq!(jpki.sign(KeyPair::Auth, &[0, 1, 2]).unwrap(), [0xAA, 0xBB]);
    }
    assert_eq!(script.remaining(), 0);
}

#[test]
fn a_failed_select_or_a_transport_error_forgets_the_selection() {
    let script = scripted(&[
        (SELECT_0018, "6A82"),
        (SELECT_0018, "9000"),
        (QUERY, "63C3"),
    ]);
    let mut jpki = Jpki::new(script.clone());
    assert!(jpki.pin_status(PinKind::Auth).is_err());
    let _ = jpki.pin_status(PinKind::Auth).unwrap();
    assert_eq!(script.remaining(), 0);
    // A transport error (the card was reset or swapped): the AP is selected again.
    struct Gone;
    impl Transport for Gone {
        fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
            Err(TransportError::CardRemoved)
        }
    }
    let mut jpki = Jpki::new(Gone);
    jpki.selected = Selection {
        ap: true,
        ef: Some(Ef::AuthPin),
    };
    assert!(jpki.pin_status(PinKind::Auth).is_err());
    assert_eq!(jpki.selected, Selection::default());
}

#[test]
fn verify_uses_the_count_just_read_and_sends_one_verify() {
    let script = scripted(&[
        (SELECT_0018, "9000"),
        (QUERY, "63C3"),
        (VERIFY_1234, "9000"),
    ]);
    let mut jpki = Jpki::new(script.clone());
    let count = jpki.pin_status(PinKind::Auth).unwrap();
    jpki.verify_pin(count, auth_pin()).unwrap();
    assert_eq!(script.remaining(), 0);
}

#[test]
fn a_count_from_another_connection_sends_no_verify() {
    let first = scripted(&[(SELECT_0018, "9000"), (QUERY, "63C3")]);
    let count = Jpki::new(first.clone()).pin_status(PinKind::Auth).unwrap();
    // The second card was never asked for its count: no VERIFY may reach it.
    let second = ScriptedCard::new();
    let err = Jpki::new(second.clone())
        .verify_pin(count, auth_pin())
        .unwrap_err();
    assert!(matches!(err, JpkiError::StaleTriesCount(_)), "{err:?}");
    assert_eq!(second.remaining(), 0);
}

#[test]
fn an_older_count_or_one_for_the_other_pin_sends_no_verify() {
    let script = scripted(&[
        (SELECT_0018, "9000"),
        (QUERY, "63C3"),
        ("00A4020C02001B", "9000"),
        (QUERY, "63C5"),
    ]);
    let mut jpki = Jpki::new(script.clone());
    let older = jpki.pin_status(PinKind::Auth).unwrap();
    let sign = jpki.pin_status(PinKind::Sign).unwrap();
    for count in [older, sign] {
        let err = jpki.verify_pin(count, auth_pin()).unwrap_err();
        assert!(matches!(err, JpkiError::StaleTriesCount(_)), "{err:?}");
    }
    assert_eq!(script.remaining(), 0);
}

#[test]
fn a_count_allows_one_verify_and_a_blocked_count_none() {
    let script = scripted(&[
        (SELECT_0018, "9000"),
        (QUERY, "63C3"),
        (VERIFY_1234, "63C2"),
        (QUERY, "63C0"),
    ]);
    let mut jpki = Jpki::new(script.clone());
    let count = jpki.pin_status(PinKind::Auth).unwrap();
    let again = TriesCount {
        kind: count.kind,
        status: count.status,
        query: count.query,
    };
    assert!(matches!(
        jpki.verify_pin(count, auth_pin()),
        Err(JpkiError::PinIncorrect { tries_left: 2 })
    ));
    assert!(matches!(
        jpki.verify_pin(again, auth_pin()),
        Err(JpkiError::StaleTriesCount(_))
    ));
    let blocked = jpki.pin_status(PinKind::Auth).unwrap();
    assert_eq!(blocked.status(), PinStatus::Blocked);
    assert!(matches!(
        jpki.verify_pin(blocked, auth_pin()),
        Err(JpkiError::PinBlocked)
    ));
    assert_eq!(script.remaining(), 0);
}
