//! The JPKI application against the simulated card: reads, PINs, signing, and the card faults.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mynakey_card::apdu::StatusWord;
use mynakey_card::jpki::*;
use mynakey_card::transport::scripted::ScriptedCard;
use mynakey_simulator::{ApduLog, CardProfile, Faults, SimCard};
use mynakey_types::secret::Secret;
use mynakey_types::HashAlgorithm;

fn card(faults: &str) -> (SimCard, ApduLog) {
    let log = ApduLog::new();
    (
        SimCard::new(
            CardProfile::card1(),
            Faults::parse(faults).unwrap(),
            log.clone(),
        )
        .unwrap(),
        log,
    )
}

/// The card's "security status not satisfied", passed on as a card error.
fn is_6982(err: &JpkiError) -> bool {
    matches!(
        err,
        JpkiError::Card {
            sw: StatusWord::SecurityStatusNotSatisfied,
            ..
        }
    )
}

fn pin(kind: PinKind, s: &str) -> Pin {
    Pin::parse(kind, &Secret::new(s.into())).unwrap()
}

/// One PIN entry: the tries query, then the VERIFY that takes its count.
fn verify<T: mynakey_card::transport::Transport>(
    jpki: &mut Jpki<T>,
    kind: PinKind,
    s: &str,
) -> Result<(), JpkiError> {
    let count = jpki.pin_status(kind)?;
    jpki.verify_pin(count, pin(kind, s))
}

fn tries<T: mynakey_card::transport::Transport>(jpki: &mut Jpki<T>, kind: PinKind) -> PinStatus {
    jpki.pin_status(kind).unwrap().status()
}

#[test]
fn reads_the_auth_certificate_by_der_length_without_filler() {
    let (mut sim, log) = card("");
    let mut jpki = Jpki::new(&mut sim);
    jpki.select_ap().unwrap();
    let cert = jpki.read_certificate(KeyPair::Auth).unwrap();
    assert_eq!(cert, CardProfile::card1().auth_cert);
    // 1029 bytes: 256 + 256 + 256 + 256 + 5, the last Le exactly the remainder.
    let reads: Vec<String> = log
        .entries()
        .iter()
        .filter(|e| e.ins() == 0xB0)
        .map(|e| hex(&e.command))
        .collect();
    assert_eq!(reads.len(), cert.len().div_ceil(256));
    assert_eq!(reads[0], "00B0000000");
    assert_eq!(
        reads.last().unwrap(),
        &format!("00B00400{:02X}", cert.len() - 1024)
    );
}

#[test]
fn short_reads_advance_by_what_the_card_returned() {
    let (mut sim, log) = card("short-reads=100");
    let mut jpki = Jpki::new(&mut sim);
    jpki.select_ap().unwrap();
    assert_eq!(
        jpki.read_certificate(KeyPair::Auth).unwrap(),
        CardProfile::card1().auth_cert
    );
    let reads = log.entries().iter().filter(|e| e.ins() == 0xB0).count();
    assert_eq!(reads, CardProfile::card1().auth_cert.len().div_ceil(100));
}

#[test]
fn signing_certificate_needs_the_password() {
    let (mut sim, _) = card("");
    let mut jpki = Jpki::new(&mut sim);
    jpki.select_ap().unwrap();
    let err = jpki.read_certificate(KeyPair::Sign).unwrap_err();
    assert!(is_6982(&err), "{err:?}");
    assert_eq!(tries(&mut jpki, PinKind::Sign), PinStatus::TriesLeft(5));
    verify(&mut jpki, PinKind::Sign, "abc123").unwrap();
    assert_eq!(
        jpki.read_certificate(KeyPair::Sign).unwrap(),
        CardProfile::card1().sign_cert.unwrap()
    );
}

#[test]
fn a_card_without_signing_certificate_says_so() {
    let (mut sim, _) = card("no-signing-certificate");
    let mut jpki = Jpki::new(&mut sim);
    jpki.select_ap().unwrap();
    assert_eq!(jpki.has_signing_certificate().unwrap(), Some(false));
    assert!(matches!(
        jpki.read_certificate(KeyPair::Sign),
        Err(JpkiError::NoSigningCertificate)
    ));
}

#[test]
fn tries_count_down_then_block() {
    let (mut sim, _) = card("");
    let mut jpki = Jpki::new(&mut sim);
    jpki.select_ap().unwrap();
    assert_eq!(tries(&mut jpki, PinKind::Auth), PinStatus::TriesLeft(3));
    assert!(matches!(
        verify(&mut jpki, PinKind::Auth, "0000"),
        Err(JpkiError::PinIncorrect { tries_left: 2 })
    ));
    assert!(matches!(
        verify(&mut jpki, PinKind::Auth, "0000"),
        Err(JpkiError::PinIncorrect { tries_left: 1 })
    ));
    assert_eq!(tries(&mut jpki, PinKind::Auth), PinStatus::TriesLeft(1));
    let count = jpki.pin_status(PinKind::Auth).unwrap();
    assert!(matches!(
        jpki.verify_pin(count, pin(PinKind::Auth, "0000")),
        Err(JpkiError::PinBlocked)
    ));
    assert_eq!(tries(&mut jpki, PinKind::Auth), PinStatus::Blocked);
    // A blocked count sends no VERIFY; the card itself answers even the right PIN 6984 and
    // changes nothing.
    assert!(matches!(
        verify(&mut jpki, PinKind::Auth, "1234"),
        Err(JpkiError::PinBlocked)
    ));
    assert_eq!(
        sim.process(&commands::verify(b"1234").to_bytes().unwrap()),
        [0x69, 0x84]
    );
    assert_eq!(sim.tries_left(), (0, 5));
}

#[test]
fn a_right_pin_resets_the_counter() {
    let (mut sim, _) = card("");
    let mut jpki = Jpki::new(&mut sim);
    jpki.select_ap().unwrap();
    assert!(verify(&mut jpki, PinKind::Auth, "9999").is_err());
    verify(&mut jpki, PinKind::Auth, "1234").unwrap();
    assert_eq!(sim.tries_left(), (3, 5));
}

#[test]
fn signing_needs_the_matching_pin() {
    let (mut sim, _) = card("");
    let mut jpki = Jpki::new(&mut sim);
    jpki.select_ap().unwrap();
    verify(&mut jpki, PinKind::Sign, "ABC123").unwrap();
    // The signing password does not unlock the authentication key.
    let di = HashAlgorithm::Sha256.digest_info(&[0u8; 32]).unwrap();
    assert!(is_6982(&jpki.sign(KeyPair::Auth, &di).unwrap_err()));
    let signature = jpki.sign(KeyPair::Sign, &di).unwrap();
    self_check_signature(
        CardProfile::card1().sign_cert.unwrap(),
        HashAlgorithm::Sha256,
        &[0u8; 32],
        &signature,
    )
    .unwrap();
}

#[test]
fn the_verified_state_is_lost_on_reset() {
    let (mut sim, _) = card("");
    {
        let mut jpki = Jpki::new(&mut sim);
        jpki.select_ap().unwrap();
        verify(&mut jpki, PinKind::Sign, "ABC123").unwrap();
    }
    sim.reset();
    let mut jpki = Jpki::new(&mut sim);
    jpki.select_ap().unwrap();
    assert!(jpki.read_certificate(KeyPair::Sign).is_err());
}

#[test]
fn self_check_catches_a_wrong_signature() {
    let (mut sim, _) = card("bad-signature");
    let mut jpki = Jpki::new(&mut sim);
    jpki.select_ap().unwrap();
    verify(&mut jpki, PinKind::Auth, "1234").unwrap();
    let hash = [7u8; 32];
    let signature = jpki
        .sign(
            KeyPair::Auth,
            &HashAlgorithm::Sha256.digest_info(&hash).unwrap(),
        )
        .unwrap();
    assert!(matches!(
        self_check_signature(
            CardProfile::card1().auth_cert,
            HashAlgorithm::Sha256,
            &hash,
            &signature
        ),
        Err(JpkiError::BadSignature)
    ));
}

#[test]
fn other_applications_are_not_jpki() {
    let (mut sim, _) = card("sw=A4:6A82");
    assert!(matches!(
        Jpki::new(&mut sim).select_ap(),
        Err(JpkiError::NotJpki)
    ));
}

#[test]
fn simulator_refuses_other_aids_and_unknown_commands() {
    let (mut sim, _) = card("");
    // 券面事項入力補助AP: the card holds it, but the simulator answers 6A82 for every AID but
    // JPKI's, like a card whose driver must not be claimed by another OpenSC driver.
    assert_eq!(
        sim.process(&mynakey_card::transport::scripted::hex(
            "00A4040C0AD3921000310001010408"
        )),
        vec![0x6A, 0x82]
    );
    assert_eq!(
        sim.process(&[0x00, 0xA4, 0x00, 0x00]),
        vec![0x6A, 0x86],
        "no MF after a cold reset"
    );
    assert_eq!(
        sim.process(&[0x00, 0xCA, 0x00, 0x00, 0x00]),
        vec![0x6D, 0x00]
    );
    assert_eq!(sim.process(&[0x0C, 0xA4, 0x04, 0x0C]), vec![0x68, 0x82]);
    // READ BINARY before any EF is selected, and beyond the end of a file.
    assert_eq!(
        sim.process(&[0x00, 0xB0, 0x00, 0x00, 0x00]),
        vec![0x69, 0x86]
    );
    sim.process(&commands::select_jpki_ap().to_bytes().unwrap());
    sim.process(&commands::select_ef(Ef::AuthCert).to_bytes().unwrap());
    assert_eq!(
        sim.process(&[0x00, 0xB0, 0x7F, 0x00, 0x10]),
        vec![0x6B, 0x00]
    );
}

#[test]
fn a_card_that_sends_too_much_is_refused() {
    let script = ScriptedCard::new();
    script.expect_hex("00A4020C02000A", "9000");
    script.expect(mynakey_card::transport::scripted::hex("00B0000000"), {
        let mut v = vec![0x30, 0x82, 0x01, 0x00];
        v.resize(257, 0);
        v.extend_from_slice(&[0x90, 0x00]);
        v
    });
    let mut t = script.clone();
    let err = Jpki::new(&mut t)
        .read_certificate(KeyPair::Auth)
        .unwrap_err();
    assert!(matches!(err, JpkiError::BadCertificate(_)), "{err:?}");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[test]
fn wrong_le_is_retried_only_for_read_binary() {
    // 6Cxx: the card names the exact Le; READ BINARY is re-sent with it, once.
    let cert = CardProfile::card1().auth_cert;
    let script = ScriptedCard::new();
    script.expect_hex("00A4020C02000A", "9000");
    script.expect_hex("00B0000000", "6C10");
    let mut first = cert[..16].to_vec();
    first.extend_from_slice(&[0x90, 0x00]);
    script.expect(mynakey_card::transport::scripted::hex("00B0000010"), first);
    let mut t = script.clone();
    let mut jpki = Jpki::new(&mut t);
    // The card then fails the next read: enough to see the retry went out exactly once.
    script.expect_hex("00B0001000", "6F00");
    assert!(jpki.read_certificate(KeyPair::Auth).is_err());
    assert_eq!(script.remaining(), 0);
    // A SIGN answered 6Cxx is not re-sent (SIGN goes out only after its SELECT key).
    let script = ScriptedCard::new();
    script.expect_hex("00A4020C020017", "9000");
    script.expect_hex("802A00800300010200", "6C10");
    let mut t = script.clone();
    assert!(Jpki::new(&mut t).sign(KeyPair::Auth, &[0, 1, 2]).is_err());
    assert_eq!(script.remaining(), 0);
}

#[test]
fn a_61xx_to_the_tries_query_is_not_followed_and_no_pin_goes_out() {
    // Found by the jpki fuzz target: GET RESPONSE after a 61xx to the (Le-less) tries query
    // answered 63C5, and a VERIFY followed on a count the card never gave for that command.
    let script = ScriptedCard::new();
    script.expect_hex("00A4020C020018", "9000");
    script.expect_hex("00200080", "61C5");
    let mut t = script.clone();
    let err = Jpki::new(&mut t).pin_status(PinKind::Auth).unwrap_err();
    assert!(
        matches!(
            err,
            JpkiError::Card {
                sw: StatusWord::BytesAvailable(0xC5),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(script.remaining(), 0);
}

fn apdus(log: &ApduLog) -> Vec<(String, u16)> {
    log.entries()
        .iter()
        .map(|e| (e.describe(), e.sw()))
        .collect()
}

const SELECT_AP: &str = "SELECT AID D392F000260100000001";

#[test]
fn a_6f00_after_power_up_gets_one_more_select() {
    let (mut sim, log) = card("power-up-6f00");
    Jpki::new(&mut sim).select_ap().unwrap();
    sim.reset();
    Jpki::new(&mut sim).select_ap().unwrap();
    let once = [
        (SELECT_AP.to_string(), 0x6F00),
        (SELECT_AP.to_string(), 0x9000),
    ];
    assert_eq!(apdus(&log), [once.clone(), once].concat());
    // Only the first command after power-up fails: a selected card is not re-selected twice.
    log.clear();
    Jpki::new(&mut sim).select_ap().unwrap();
    assert_eq!(apdus(&log), [(SELECT_AP.to_string(), 0x9000)]);
}

#[test]
fn select_is_sent_at_most_twice_and_never_again_for_another_card() {
    for (sw, selects) in [("6A82", 1), ("6A86", 1), ("6F00", 2), ("6D00", 2)] {
        let (mut sim, log) = card(&format!("sw=A4:{sw}"));
        assert!(matches!(
            Jpki::new(&mut sim).select_ap(),
            Err(JpkiError::NotJpki)
        ));
        assert_eq!(log.entries().len(), selects, "{sw}");
    }
}

#[test]
fn the_key_is_selected_again_before_every_sign() {
    let (mut sim, log) = card("reselect-key");
    let mut jpki = Jpki::new(&mut sim);
    jpki.select_ap().unwrap();
    verify(&mut jpki, PinKind::Auth, "1234").unwrap();
    let di = HashAlgorithm::Sha256.digest_info(&[3u8; 32]).unwrap();
    log.clear();
    for _ in 0..3 {
        jpki.sign(KeyPair::Auth, &di).unwrap();
    }
    assert_eq!(
        log.sequence(),
        ["SELECT EF 0017", "SIGN"].repeat(3),
        "exactly one SELECT key per SIGN"
    );
    // The fault bites: a second SIGN on the same selection is refused by the card.
    let sign = commands::sign(&di).to_bytes().unwrap();
    sim.process(&commands::select_ef(Ef::AuthKey).to_bytes().unwrap());
    assert_eq!(sim.process(&sign)[256..], [0x90, 0x00]);
    assert_eq!(sim.process(&sign), [0x69, 0x85]);
}

#[test]
fn a_6983_is_a_blocked_pin() {
    let (mut sim, _) = card("blocked-6983");
    let mut jpki = Jpki::new(&mut sim);
    jpki.select_ap().unwrap();
    for _ in 0..3 {
        assert!(verify(&mut jpki, PinKind::Auth, "0000").is_err());
    }
    assert_eq!(tries(&mut jpki, PinKind::Auth), PinStatus::Blocked);
    assert!(matches!(
        verify(&mut jpki, PinKind::Auth, "1234"),
        Err(JpkiError::PinBlocked)
    ));
}

#[test]
fn ef_0008_says_present_only_for_8f_and_absent_only_for_00() {
    for (faults, expected) in [
        ("", Some(true)),
        ("no-signing-certificate", Some(false)),
        ("ef0008=00", Some(false)),
        ("ef0008=8F", Some(true)),
        ("ef0008=01", None),
        ("ef0008=FF", None),
        ("sw=B0:6A82", None),
    ] {
        let (mut sim, _) = card(faults);
        let mut jpki = Jpki::new(&mut sim);
        jpki.select_ap().unwrap();
        assert_eq!(
            jpki.has_signing_certificate().unwrap(),
            expected,
            "{faults}"
        );
    }
}

#[test]
fn a_phone_token_is_named_on_the_6982_path_only() {
    let log = ApduLog::new();
    let mut sim = SimCard::new(CardProfile::android(), Faults::default(), log.clone()).unwrap();
    let mut jpki = Jpki::new(&mut sim);
    jpki.select_ap().unwrap();
    let err = jpki.read_certificate(KeyPair::Auth).unwrap_err();
    assert!(matches!(&err, JpkiError::CertificateAfterPin), "{err:?}");
    assert_eq!(jpki.known_token_kind(), Some(TokenKind::Android));
    assert_eq!(
        log.sequence(),
        [
            SELECT_AP,
            "SELECT EF 000A",
            "READ BINARY",
            "SELECT EF 0006",
            "READ BINARY"
        ]
    );
    // A card answering 6982 keeps its card error; the label read is the only extra APDU.
    let (mut sim, log) = card("sw=B0:6982");
    let mut jpki = Jpki::new(&mut sim);
    jpki.select_ap().unwrap();
    let err = jpki.read_certificate(KeyPair::Auth).unwrap_err();
    assert!(is_6982(&err), "{err:?}");
    assert_eq!(log.entries().len(), 5);
    // No 6982: no label read.
    let (mut sim, log) = card("");
    let mut jpki = Jpki::new(&mut sim);
    jpki.select_ap().unwrap();
    jpki.read_certificate(KeyPair::Auth).unwrap();
    assert!(!log.sequence().contains(&"SELECT EF 0006".to_string()));
}

/// Issue 30: the simulated Android phone is a kind of token, not a fault: its label, a
/// contactless ATR, no application but JPKI, and the authentication certificate after the PIN.
#[test]
fn the_android_token_answers_as_a_phone() {
    let log = ApduLog::new();
    let mut sim = SimCard::new(CardProfile::android(), Faults::default(), log).unwrap();
    assert_eq!(sim.atr(), [0x3B, 0x80, 0x80, 0x01, 0x01]);
    let card_face_aid = "00A4040C0AD39210003100010104 08".replace(' ', "");
    let select = mynakey_card::transport::scripted::hex(&card_face_aid);
    assert_eq!(
        sim.process(&select),
        vec![0x6A, 0x82],
        "no card-face application"
    );
    let mut jpki = Jpki::new(&mut sim);
    jpki.select_ap().unwrap();
    assert_eq!(jpki.token_label().unwrap(), ANDROID_TOKEN_LABEL);
    assert!(matches!(
        jpki.read_certificate(KeyPair::Auth),
        Err(JpkiError::CertificateAfterPin)
    ));
    let count = jpki.pin_status(PinKind::Auth).unwrap();
    let pin = Pin::parse(PinKind::Auth, &Secret::new("1234".into())).unwrap();
    jpki.verify_pin(count, pin).unwrap();
    let certificate = jpki.read_certificate(KeyPair::Auth).unwrap();
    assert_eq!(certificate, CardProfile::android().auth_cert);
    check_auth_certificate(&certificate).unwrap();
    assert!(check_auth_certificate(CardProfile::card1().sign_cert.unwrap()).is_err());
}
