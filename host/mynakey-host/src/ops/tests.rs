use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};

use super::*;
use mynakey_card::transport::scripted::{hex, ScriptedCard};
use mynakey_card::transport::OneReader;
use mynakey_protocol::CardState;
use mynakey_simulator::{ApduLog, CardProfile, Faults, SimCard, SimReaders, SimSlot};
use mynakey_verify as verify;

pub(super) use mynakey_test_support::fixtures::{CHALLENGE, ORIGIN};
pub(super) use mynakey_test_support::pki::test_trust;
pub(super) const JPKI_SELECT: &str = "SELECT AID D392F000260100000001";

pub(super) struct Fixture {
    pub(super) ops: Ops,
    pub(super) log: ApduLog,
    pub(super) slot: Arc<SimSlot>,
}

pub(super) fn fixture(faults: &str) -> Fixture {
    let log = ApduLog::new();
    let readers = SimReaders::single(Faults::parse(faults).unwrap(), log.clone()).unwrap();
    let slot = readers.slot(0).unwrap();
    Fixture {
        ops: Ops::new(Box::new(readers), Config::default()),
        log,
        slot,
    }
}

pub(super) fn quiet() -> impl FnMut(ProgressEvent) {
    |_: ProgressEvent| {}
}

pub(super) fn auth_args(pin: &str) -> AuthenticateArgs {
    AuthenticateArgs::new(ORIGIN, CHALLENGE, pin)
}

pub(super) fn sign_args(pin: Option<&str>, n: usize) -> SignArgs {
    let hashes = (0..n).map(|i| STANDARD.encode([i as u8; 32])).collect();
    SignArgs::new(ORIGIN, pin, "SHA-256", hashes)
}

pub(super) fn authenticate(
    f: &mut Fixture,
    args: AuthenticateArgs,
) -> Result<LoginProof, OpsError> {
    let mut p = quiet();
    f.ops.authenticate(
        args,
        &mut RequestContext {
            cancel: CancelToken::new(),
            progress: &mut p,
        },
    )
}

pub(super) fn sign(f: &mut Fixture, args: SignArgs) -> Result<Signatures, OpsError> {
    let mut p = quiet();
    f.ops.sign(
        args,
        &mut RequestContext {
            cancel: CancelToken::new(),
            progress: &mut p,
        },
    )
}

pub(super) fn get_cert(
    f: &mut Fixture,
    pin: &str,
    hold: bool,
) -> Result<SigningCertificateResult, OpsError> {
    let mut p = quiet();
    let args = GetSigningCertificateArgs::new(ORIGIN, pin, hold);
    f.ops.get_signing_certificate(
        args,
        &mut RequestContext {
            cancel: CancelToken::new(),
            progress: &mut p,
        },
    )
}

pub(super) fn reads(n: usize) -> Vec<String> {
    vec!["READ BINARY".to_string(); n]
}

pub(super) fn seq(parts: &[&[String]]) -> Vec<String> {
    parts.concat()
}

pub(super) fn s(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// What a login reads before its PIN (card1): the AP, the certificate, the tries count.
pub(super) fn login_reads() -> Vec<String> {
    let cert_reads = CardProfile::card1().auth_cert.len().div_ceil(256);
    seq(&[
        &s(&[JPKI_SELECT, "SELECT EF 000A"]),
        &reads(cert_reads),
        &s(&["SELECT EF 0018", "VERIFY?"]),
    ])
}

/// Issue 7's minimal sequences: nothing the login or the batch does not need.
#[test]
fn login_sends_the_minimal_apdu_sequence() {
    let mut f = fixture("");
    authenticate(&mut f, auth_args("1234")).unwrap();
    assert_eq!(
        f.log.sequence(),
        seq(&[&login_reads(), &s(&["VERIFY", "SELECT EF 0017", "SIGN"])])
    );
}

#[test]
fn batch_signing_adds_one_select_key_and_sign_per_hash() {
    for n in [1, 10] {
        let mut f = fixture("");
        let out = sign(&mut f, sign_args(Some("abc123"), n)).unwrap();
        assert_eq!(out.signatures.len(), n);
        let cert_reads = CardProfile::card1().sign_cert.unwrap().len().div_ceil(256);
        // The key EF is selected again before every SIGN (issue 16).
        let signs = s(&["SELECT EF 001A", "SIGN"].repeat(n));
        assert_eq!(
            f.log.sequence(),
            seq(&[
                &s(&[
                    JPKI_SELECT,
                    "SELECT EF 001B",
                    "VERIFY?",
                    "VERIFY",
                    "SELECT EF 0001"
                ]),
                &reads(cert_reads),
                &signs,
            ])
        );
        // The password reached the card upper-cased, once.
        let verifies: Vec<_> = f
            .log
            .entries()
            .into_iter()
            .filter(|e| e.is_pin_verify())
            .collect();
        assert_eq!(verifies.len(), 1);
        assert_eq!(verifies[0].data(), b"ABC123");
    }
}

#[test]
fn the_proof_verifies_only_for_its_origin_and_challenge() {
    let mut f = fixture("");
    let token = serde_json::to_string(&authenticate(&mut f, auth_args("1234")).unwrap()).unwrap();
    let now = SystemTime::now();
    verify::verify_login(&token, ORIGIN, CHALLENGE, &test_trust(), now).unwrap();
    assert!(verify::verify_login(
        &token,
        &format!("{ORIGIN}.evil.example"),
        CHALLENGE,
        &test_trust(),
        now
    )
    .is_err());
    assert!(
        verify::verify_login(&token, "https://example.com", CHALLENGE, &test_trust(), now).is_err()
    );
    let other = STANDARD.encode([9u8; 32]);
    assert!(verify::verify_login(&token, ORIGIN, &other, &test_trust(), now).is_err());
}

#[test]
fn signatures_verify_with_the_returned_certificate() {
    let mut f = fixture("");
    let mut args = sign_args(Some("ABC123"), 2);
    args.hash_algorithm = "SHA-512".into();
    args.hashes = vec![STANDARD.encode([1u8; 64]), STANDARD.encode([2u8; 64])];
    let out = sign(&mut f, args).unwrap();
    let cert = STANDARD.decode(&out.certificate).unwrap();
    for (i, sig) in out.signatures.iter().enumerate() {
        let sig = STANDARD.decode(sig).unwrap();
        verify::verify_signature(
            &[i as u8 + 1; 64],
            HashAlgorithm::Sha512,
            &sig,
            &cert,
            &test_trust(),
            SystemTime::now(),
        )
        .unwrap();
    }
    assert_eq!(out.signature_algorithm.hash_function, "SHA-512");
}

#[test]
fn a_malformed_pin_never_reaches_the_card() {
    let mut f = fixture("");
    for pin in ["123", "12345", "abcd", "", "１２３４"] {
        assert!(
            matches!(
                authenticate(&mut f, auth_args(pin)),
                Err(OpsError::PinFormat(_))
            ),
            "{pin}"
        );
    }
    for pin in ["abc", "abc-123", "ABCDEFGHIJ1234567"] {
        assert!(
            matches!(
                sign(&mut f, sign_args(Some(pin), 1)),
                Err(OpsError::PinFormat(_))
            ),
            "{pin}"
        );
    }
    assert!(
        f.log.entries().is_empty(),
        "no APDU at all: {:?}",
        f.log.sequence()
    );
    assert_eq!(f.slot.card().tries_left(), (3, 5));
}

#[test]
fn bad_origin_challenge_and_hashes_are_refused_before_the_card() {
    let mut f = fixture("");
    let mut a = auth_args("1234");
    a.origin = "https://example.jp/login".into();
    assert!(matches!(
        authenticate(&mut f, a),
        Err(OpsError::OriginInvalid(_))
    ));
    let mut a = auth_args("1234");
    a.challenge = "short".into();
    assert!(matches!(
        authenticate(&mut f, a),
        Err(OpsError::ChallengeInvalid(_))
    ));
    let mut a = sign_args(Some("ABC123"), 1);
    a.hashes = vec![STANDARD.encode([0u8; 31])];
    assert!(matches!(sign(&mut f, a), Err(OpsError::BadRequest(_))));
    assert!(matches!(
        sign(&mut f, sign_args(Some("ABC123"), 0)),
        Err(OpsError::BadRequest(_))
    ));
    assert!(matches!(
        sign(&mut f, sign_args(Some("ABC123"), 101)),
        Err(OpsError::BadRequest(_))
    ));
    let mut a = sign_args(Some("ABC123"), 1);
    a.hash_algorithm = "SHA-1".into();
    assert!(matches!(sign(&mut f, a), Err(OpsError::BadRequest(_))));
    assert!(f.log.entries().is_empty());
}

#[test]
fn wrong_pin_reports_tries_and_the_last_try_needs_consent() {
    let mut f = fixture("");
    assert!(matches!(
        authenticate(&mut f, auth_args("0000")),
        Err(OpsError::PinIncorrect { tries_left: 2 })
    ));
    assert!(matches!(
        authenticate(&mut f, auth_args("0000")),
        Err(OpsError::PinIncorrect { tries_left: 1 })
    ));
    f.log.clear();
    // One try left: refused without spending it.
    assert!(matches!(
        authenticate(&mut f, auth_args("0000")),
        Err(OpsError::PinLastTry)
    ));
    assert!(f.log.entries().iter().all(|e| !e.is_pin_verify()));
    assert_eq!(f.slot.card().tries_left().0, 1);
    // With consent the right PIN works and restores the counter.
    let mut a = auth_args("1234");
    a.allow_last_try = true;
    authenticate(&mut f, a).unwrap();
    assert_eq!(f.slot.card().tries_left().0, 3);
}

#[test]
fn a_blocked_pin_is_reported_and_never_tried() {
    let mut f = fixture("");
    for _ in 0..2 {
        let _ = authenticate(&mut f, auth_args("0000"));
    }
    let mut a = auth_args("0000");
    a.allow_last_try = true;
    assert!(matches!(
        authenticate(&mut f, a),
        Err(OpsError::PinBlocked { .. })
    ));
    f.log.clear();
    let mut a = auth_args("1234");
    a.allow_last_try = true;
    let err = authenticate(&mut f, a).unwrap_err();
    assert_eq!(err.to_wire().code.as_str(), "PIN_BLOCKED");
    assert!(
        f.log.entries().iter().all(|e| !e.is_pin_verify()),
        "no VERIFY on a blocked PIN"
    );
}

#[test]
fn every_flow_selects_only_the_jpki_application_and_login_never_reads_the_signing_certificate() {
    let mut f = fixture("");
    authenticate(&mut f, auth_args("1234")).unwrap();
    assert!(
        !f.log.sequence().iter().any(|s| s == "SELECT EF 0001"),
        "login read EF 0001"
    );
    sign(&mut f, sign_args(Some("ABC123"), 3)).unwrap();
    get_cert(&mut f, "ABC123", false).unwrap();
    f.ops.status();
    let selects: Vec<_> = f
        .log
        .sequence()
        .into_iter()
        .filter(|s| s.starts_with("SELECT AID"))
        .collect();
    assert!(!selects.is_empty());
    assert!(selects.iter().all(|s| s == JPKI_SELECT), "{selects:?}");
}

#[test]
fn the_card_is_reset_after_a_pin_and_left_alone_otherwise() {
    let mut f = fixture("");
    authenticate(&mut f, auth_args("1234")).unwrap();
    // What the server does once the reply is out.
    f.ops.after_reply();
    // A fresh connection finds no verified state: signing with the auth key is refused.
    let mut card = f.slot.card();
    for apdu in ["00A4040C0AD392F000260100000001", "00A4020C020017"] {
        card.process(&hex(apdu));
    }
    let di = HashAlgorithm::Sha256.digest_info(&[0; 32]).unwrap();
    let r = card.process(&mynakey_card::jpki::commands::sign(&di).to_bytes().unwrap());
    assert_eq!(r, vec![0x69, 0x82]);
}

#[test]
fn status_spends_no_try_and_reads_no_certificate() {
    let mut f = fixture("");
    let status = f.ops.status();
    assert_eq!(status.readers.len(), 1);
    let r = &status.readers[0];
    assert_eq!(
        (
            r.card.as_str(),
            r.auth_pin_tries_left,
            r.sign_pin_tries_left
        ),
        ("jpki", Some(3), Some(5))
    );
    assert_eq!(r.has_signing_certificate, Some(true));
    assert_eq!(r.token_label.as_deref(), Some("JPKIAPICCTOKEN2"));
    assert!(f.log.entries().iter().all(|e| !e.is_pin_verify()));
    assert!(!f
        .log
        .sequence()
        .iter()
        .any(|s| s == "SELECT EF 000A" || s == "SELECT EF 0001"));
}

#[test]
fn certificate_first_signing_uses_one_password_entry() {
    let mut f = fixture("");
    let cert = get_cert(&mut f, "abc123", true).unwrap().certificate;
    assert!(f.ops.held_deadline().is_some());
    let mut args = sign_args(None, 1);
    args.certificate = Some(cert.clone());
    let out = sign(&mut f, args).unwrap();
    assert_eq!(out.certificate, cert);
    assert_eq!(
        f.log.entries().iter().filter(|e| e.is_pin_verify()).count(),
        1
    );
    assert!(f.ops.held_deadline().is_none());
    // The session is gone: no more signing without the password.
    let mut args = sign_args(None, 1);
    args.certificate = Some(cert);
    assert!(matches!(sign(&mut f, args), Err(OpsError::BadRequest(_))));
}

#[test]
fn a_held_session_refuses_another_certificate_and_origin() {
    let mut f = fixture("");
    get_cert(&mut f, "ABC123", true).unwrap();
    let mut args = sign_args(None, 1);
    args.origin = "https://other.example".into();
    args.certificate = Some(STANDARD.encode(CardProfile::card1().sign_cert.unwrap()));
    assert!(matches!(sign(&mut f, args), Err(OpsError::BadRequest(_))));
    assert!(
        f.ops.held_deadline().is_none(),
        "a refusal ends the session"
    );
    get_cert(&mut f, "ABC123", true).unwrap();
    let mut args = sign_args(None, 1);
    args.certificate = Some(STANDARD.encode(CardProfile::card1().auth_cert));
    assert!(matches!(
        sign(&mut f, args),
        Err(OpsError::CertificateMismatch)
    ));
    assert!(
        f.ops.held_deadline().is_none(),
        "a mismatch ends the session"
    );
}

#[test]
fn a_cancelled_request_spends_no_try_and_signs_nothing() {
    let mut f = fixture("");
    let cancel = CancelToken::new();
    cancel.cancel();
    let mut p = quiet();
    let r = f.ops.authenticate(
        auth_args("1234"),
        &mut RequestContext {
            cancel,
            progress: &mut p,
        },
    );
    assert!(matches!(r, Err(OpsError::Cancelled)));
    assert!(f
        .log
        .entries()
        .iter()
        .all(|e| !e.is_pin_verify() && e.ins() != 0x2A));
}

#[test]
fn timeouts_beyond_ten_minutes_are_refused() {
    let mut f = fixture("");
    let mut a = auth_args("1234");
    a.timeout_ms = MAX_TIMEOUT_MS + 1;
    assert!(matches!(
        authenticate(&mut f, a),
        Err(OpsError::BadRequest(_))
    ));
}

#[test]
fn a_held_session_ends_with_a_reset() {
    let mut f = fixture("");
    get_cert(&mut f, "ABC123", true).unwrap();
    f.ops.release_held();
    let mut card = f.slot.card();
    card.process(&hex("00A4040C0AD392F000260100000001"));
    card.process(&hex("00A4020C020001"));
    assert_eq!(card.process(&hex("00B0000004")), vec![0x69, 0x82]);
}

#[test]
fn certificate_mismatch_when_the_card_holds_another_one() {
    let mut f = fixture("");
    let mut args = sign_args(Some("ABC123"), 1);
    args.certificate = Some(STANDARD.encode(CardProfile::card2().sign_cert.unwrap()));
    assert!(matches!(
        sign(&mut f, args),
        Err(OpsError::CertificateMismatch)
    ));
}

#[test]
fn card_faults_become_distinct_errors() {
    let cases: [(&str, &str); 5] = [
        ("remove-after=3", "CARD_REMOVED"),
        ("sw=2A:6F00", "CARD_ERROR"),
        ("bad-signature", "CARD_ERROR"),
        ("sw=A4:6A82", "NOT_JPKI_CARD"),
        ("insert-ms=60000", "NO_CARD"),
    ];
    for (faults, code) in cases {
        let mut f = fixture(faults);
        let err = authenticate(&mut f, auth_args("1234")).unwrap_err();
        assert_eq!(err.to_wire().code.as_str(), code, "{faults}: {err}");
    }
    let mut f = fixture("sw=2A:6F00");
    let wire = authenticate(&mut f, auth_args("1234"))
        .unwrap_err()
        .to_wire();
    assert_eq!(wire.details.sw.as_deref(), Some("6F00"));
    let mut f = fixture("no-signing-certificate");
    assert_eq!(
        sign(&mut f, sign_args(Some("ABC123"), 1))
            .unwrap_err()
            .to_wire()
            .code
            .as_str(),
        "NO_SIGNING_CERTIFICATE"
    );
}

#[test]
fn a_pin_is_never_resent_after_card_removed() {
    // Removed right after VERIFY (SELECT AP, SELECT 000A, 5 READs, SELECT 0018, VERIFY?, VERIFY = 10).
    let mut f = fixture("remove-after=10,reinsert-ms=50");
    assert!(matches!(
        authenticate(&mut f, auth_args("1234")),
        Err(OpsError::CardRemoved)
    ));
    assert_eq!(
        f.log.entries().iter().filter(|e| e.is_pin_verify()).count(),
        1
    );
    std::thread::sleep(Duration::from_millis(150));
    authenticate(&mut f, auth_args("1234")).unwrap();
    assert_eq!(
        f.log.entries().iter().filter(|e| e.is_pin_verify()).count(),
        2,
        "one per request"
    );
}

#[test]
fn waiting_for_a_card_reports_progress_and_continues() {
    let mut f = fixture("insert-ms=200");
    let mut events = Vec::new();
    let mut progress = |event: ProgressEvent| events.push(event.name().to_string());
    let mut args = auth_args("1234");
    args.timeout_ms = 5_000;
    f.ops
        .authenticate(
            args,
            &mut RequestContext {
                cancel: CancelToken::new(),
                progress: &mut progress,
            },
        )
        .unwrap();
    assert_eq!(events, vec!["waitingForCard", "cardInserted"]);
}

#[test]
fn waiting_times_out_or_is_cancelled() {
    let mut f = fixture("insert-ms=60000");
    let mut args = auth_args("1234");
    args.timeout_ms = 100;
    assert!(matches!(
        authenticate(&mut f, args),
        Err(OpsError::Timeout(_))
    ));
    let cancel = CancelToken::new();
    let c2 = cancel.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        c2.cancel();
    });
    let mut args = auth_args("1234");
    args.timeout_ms = 60_000;
    let mut p = quiet();
    let started = std::time::Instant::now();
    let r = f.ops.authenticate(
        args,
        &mut RequestContext {
            cancel,
            progress: &mut p,
        },
    );
    assert!(matches!(r, Err(OpsError::Cancelled)));
    assert!(started.elapsed() < Duration::from_secs(2));
    t.join().unwrap();
}

/// Three readers: card1 (PIN 1234), an empty one, card2 (PIN 5678).
pub(super) fn two_cards() -> Fixture {
    let card = |p: CardProfile| Some(SimCard::new(p, Faults::default(), ApduLog::new()).unwrap());
    let readers = SimReaders::with_cards(vec![
        card(CardProfile::card1()),
        None,
        card(CardProfile::card2()),
    ]);
    Fixture {
        slot: readers.slot(0).unwrap(),
        ops: Ops::new(Box::new(readers), Config::default()),
        log: ApduLog::new(),
    }
}

#[test]
fn several_cards_need_a_reader_choice() {
    let mut f = two_cards();
    match authenticate(&mut f, auth_args("1234")) {
        Err(OpsError::MultipleCards(names)) => {
            assert_eq!(
                names,
                vec!["mynakey simulated reader 0", "mynakey simulated reader 2"]
            )
        }
        other => panic!("{other:?}"),
    }
    let mut a = auth_args("5678");
    a.reader = Some("mynakey simulated reader 2".into());
    let token = authenticate(&mut f, a).unwrap();
    assert_eq!(
        STANDARD.decode(token.unverified_certificate).unwrap(),
        CardProfile::card2().auth_cert
    );
    let mut a = auth_args("1234");
    a.reader = Some("no such reader".into());
    assert!(
        matches!(authenticate(&mut f, a), Err(OpsError::ReaderNotFound { readers, .. }) if readers.len() == 3)
    );
    let mut a = auth_args("1234");
    a.reader = Some("mynakey simulated reader 1".into());
    assert!(matches!(authenticate(&mut f, a), Err(OpsError::NoCard)));
}

#[test]
fn a_card_held_elsewhere_is_busy() {
    let mut readers = SimReaders::single(Faults::default(), ApduLog::new()).unwrap();
    let other_program = readers.connect("mynakey simulated reader 0").unwrap();
    let slot = readers.slot(0).unwrap();
    let mut f = Fixture {
        ops: Ops::new(Box::new(readers), Config::default()),
        log: ApduLog::new(),
        slot,
    };
    assert!(matches!(
        authenticate(&mut f, auth_args("1234")),
        Err(OpsError::CardBusy)
    ));
    assert_eq!(f.ops.status().readers[0].card, CardState::Busy);
    drop(other_program);
    authenticate(&mut f, auth_args("1234")).unwrap();
}

/// The exact bytes of a login proof, from a scripted card: commands asserted byte for byte,
/// responses canned from the fixture certificate and key.
#[test]
fn scripted_transcript_of_a_login_proof() {
    let cert = CardProfile::card1().auth_cert;
    let key = RsaPrivateKey::from_pkcs8_der(CardProfile::card1().auth_key_pkcs8).unwrap();
    // SHA-256(SHA-256(ORIGIN) ‖ SHA-256(CHALLENGE)), computed independently (Python's hashlib).
    let hash = "CBBB741A53A5D99A0FE763C340613FC3448AE4A0B4239C384BEEABAB682449C8";
    let digest_info = format!("3031300D060960864801650304020105000420{hash}");
    let signature = key
        .sign(Pkcs1v15Sign::new_unprefixed(), &hex(&digest_info))
        .unwrap();
    let card = ScriptedCard::new();
    card.expect_hex("00A4040C0AD392F000260100000001", "9000");
    card.expect_hex("00A4020C02000A", "9000");
    for (i, chunk) in cert.chunks(256).enumerate() {
        let ne = if chunk.len() == 256 { 0 } else { chunk.len() };
        let mut response = chunk.to_vec();
        response.extend_from_slice(&[0x90, 0x00]);
        card.expect(hex(&format!("00B0{:02X}00{ne:02X}", i)), response);
    }
    card.expect_hex("00A4020C020018", "9000");
    card.expect_hex("00200080", "63C3");
    card.expect_hex("00200080 04 31323334", "9000");
    card.expect_hex("00A4020C020017", "9000");
    let mut response = signature.clone();
    response.extend_from_slice(&[0x90, 0x00]);
    card.expect(hex(&format!("802A008033{digest_info}00")), response);
    let script = card.clone();
    let readers = OneReader::new("scripted reader", move || {
        Box::new(script.clone()) as Box<dyn Connection>
    });
    let mut ops = Ops::new(Box::new(readers), Config::default());
    let mut p = quiet();
    let proof = ops
        .authenticate(
            auth_args("1234"),
            &mut RequestContext {
                cancel: CancelToken::new(),
                progress: &mut p,
            },
        )
        .unwrap();
    assert_eq!(card.remaining(), 0);
    // The proof is ready before the card is reset: the reply goes out first.
    assert_eq!(card.disconnects(), vec![]);
    ops.after_reply();
    assert_eq!(card.disconnects(), vec![Disposition::Reset]);
    let expected = format!(
        r#"{{"format":"web-eid:1.0","unverifiedCertificate":"{}","algorithm":"RS256","signature":"{}","appVersion":"{}"}}"#,
        STANDARD.encode(cert),
        STANDARD.encode(&signature),
        APP_VERSION_URL
    );
    assert_eq!(serde_json::to_string(&proof).unwrap(), expected);
}

#[test]
fn no_verify_without_a_tries_count() {
    // A card answering the tries query with 9000 gives no count, so the last-try guard could
    // not act: the PIN is not sent.
    let mut f = fixture("sw=20:9000");
    let err = authenticate(&mut f, auth_args("1234")).unwrap_err();
    assert_eq!(err.to_wire().code.as_str(), "CARD_ERROR", "{err}");
    assert!(f.log.entries().iter().all(|e| !e.is_pin_verify()));
}

#[test]
fn a_t0_style_card_answering_61xx_works_and_nothing_is_sent_twice() {
    let mut f = fixture("t0");
    let token = serde_json::to_string(&authenticate(&mut f, auth_args("1234")).unwrap()).unwrap();
    verify::verify_login(&token, ORIGIN, CHALLENGE, &test_trust(), SystemTime::now()).unwrap();
    let out = sign(&mut f, sign_args(Some("ABC123"), 2)).unwrap();
    assert_eq!(out.signatures.len(), 2);
    let entries = f.log.entries();
    assert!(
        entries.iter().any(|e| e.ins() == 0xC0),
        "GET RESPONSE was used"
    );
    assert_eq!(
        entries.iter().filter(|e| e.is_pin_verify()).count(),
        2,
        "one VERIFY per request"
    );
    assert_eq!(
        entries.iter().filter(|e| e.ins() == 0x2A).count(),
        3,
        "one SIGN per hash"
    );
}

/// Issue 16, item 1: the first command after a power-up may be answered 6F00. The host unpowers
/// the card after every request that sent a PIN, so the request after a login meets it.
#[test]
fn requests_right_after_a_login_survive_a_6f00_after_power_up() {
    let mut f = fixture("power-up-6f00");
    assert_eq!(f.ops.status().readers[0].card, CardState::Jpki);
    authenticate(&mut f, auth_args("1234")).unwrap();
    let status = f.ops.status();
    assert_eq!(
        (
            status.readers[0].card.as_str(),
            status.readers[0].auth_pin_tries_left
        ),
        ("jpki", Some(3))
    );
    authenticate(&mut f, auth_args("1234")).unwrap();
    let out = sign(&mut f, sign_args(Some("ABC123"), 2)).unwrap();
    assert_eq!(out.signatures.len(), 2);
    // Every 6F00 was a SELECT AID, and was followed by exactly one more SELECT AID.
    let entries = f.log.entries();
    let failed: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].sw() == 0x6F00)
        .collect();
    assert_eq!(
        failed.len(),
        3,
        "after the login, the second login and the sign"
    );
    for i in failed {
        assert_eq!(entries[i].describe(), JPKI_SELECT);
        assert_eq!(entries[i + 1].describe(), JPKI_SELECT);
        assert_eq!(entries[i + 1].sw(), 0x9000);
    }
    assert_eq!(
        entries.iter().filter(|e| e.is_pin_verify()).count(),
        3,
        "one VERIFY per request"
    );
}

/// Issue 16, item 2: a card that needs the key EF selected before each SIGN signs a batch and a
/// held session, with exactly one SELECT key per SIGN.
#[test]
fn a_card_that_forgets_the_key_after_each_sign_signs_batches_and_held_sessions() {
    let mut f = fixture("reselect-key");
    let out = sign(&mut f, sign_args(Some("ABC123"), 3)).unwrap();
    assert_eq!(out.signatures.len(), 3);
    let cert = get_cert(&mut f, "abc123", true).unwrap().certificate;
    f.log.clear();
    let mut args = sign_args(None, 2);
    args.certificate = Some(cert);
    assert_eq!(sign(&mut f, args).unwrap().signatures.len(), 2);
    assert_eq!(f.log.sequence(), s(&["SELECT EF 001A", "SIGN"].repeat(2)));
}

/// Issue 16, item 3: 6983 (authentication method blocked) is PIN_BLOCKED, and no PIN goes out.
#[test]
fn a_6983_blocked_pin_is_pin_blocked_and_never_tried() {
    let mut f = fixture("blocked-6983");
    {
        let mut card = f.slot.card();
        for apdu in ["00A4040C0AD392F000260100000001", "00A4020C020018"] {
            card.process(&hex(apdu));
        }
        for _ in 0..3 {
            card.process(&hex("002000800430303030"));
        }
    }
    f.log.clear();
    let wire = authenticate(&mut f, auth_args("1234"))
        .unwrap_err()
        .to_wire();
    assert_eq!(wire.code.as_str(), "PIN_BLOCKED");
    assert_eq!(wire.details.tries_left, Some(0));
    assert!(f.log.entries().iter().all(|e| !e.is_pin_verify()));
    assert_eq!(f.ops.status().readers[0].auth_pin_tries_left, Some(0));
}

/// Issue 16, item 4: only 8F and 00 in EF 0008 are known; anything else leaves the field out.
#[test]
fn status_omits_has_signing_certificate_for_an_unknown_ef_0008_byte() {
    for (faults, expected) in [
        ("ef0008=01", None),
        ("ef0008=00", Some(false)),
        ("", Some(true)),
    ] {
        let mut f = fixture(faults);
        let status = f.ops.status();
        assert_eq!(
            status.readers[0].has_signing_certificate, expected,
            "{faults}"
        );
        let json = serde_json::to_value(&status).unwrap();
        assert_eq!(
            json["readers"][0].get("hasSigningCertificate").is_some(),
            expected.is_some()
        );
    }
}

/// The request is parsed into its types at the start of the use case, in this order, so the
/// wire code of a request with several faults is the first one's (why this is not serde's job:
/// a serde error would be BAD_REQUEST before the origin is looked at).
#[test]
fn sign_parses_origin_then_hashes_then_the_pin_before_any_apdu() {
    let mut f = fixture("");
    let mut args = sign_args(Some("abc"), 1);
    args.origin = "http://bank.example.jp".into();
    args.hashes = vec!["%%%".into()];
    assert!(matches!(
        sign(&mut f, args),
        Err(OpsError::OriginInvalid(_))
    ));
    let mut args = sign_args(Some("abc"), 3);
    args.hashes[1] = STANDARD.encode([1u8; 20]);
    assert!(matches!(
        sign(&mut f, args),
        Err(OpsError::BadRequest(m)) if m == "hashes[1] has 20 bytes; SHA-256 needs 32"
    ));
    assert!(matches!(
        sign(&mut f, sign_args(Some("abc"), 100)),
        Err(OpsError::PinFormat(_))
    ));
    assert!(f.log.entries().is_empty());
}
