//! System tests of issue 30: an Android phone's smartphone certificate (the simulated
//! `android` token: label `JPKIAPGPSETOKEN`, the authentication certificate only after the PIN,
//! a contactless ATR) through pcscd + vpcd + `mynakey-host simulate --card android`, with the
//! built host in host mode. Run by `tests/system/run.sh` like `system.rs`.
// Integration tests: helper functions outside #[test] may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_test_support::fixtures::{CHALLENGE, ORIGIN};
use mynakey_test_support::pki::{now, pki, test_trust};
use mynakey_verify::{verify_login, verify_signature, HashAlgorithm};
use serde_json::json;
use sha2::{Digest, Sha256};

mod support;
use support::system::{auth_args, b64, system};

/// The APDUs of a phone login before the certificate: the refused read, the label, the PIN.
const PHONE_LOGIN_START: [&str; 9] = [
    "SELECT AID D392F000260100000001",
    "SELECT EF 000A",
    "READ BINARY",
    "SELECT EF 0006",
    "READ BINARY",
    "SELECT EF 0018",
    "VERIFY?",
    "VERIFY",
    "SELECT EF 000A",
];

#[test]
fn a_phone_logs_in_and_signs_two_documents() {
    let Some(s) = system("a_phone_logs_in_and_signs_two_documents") else {
        return;
    };
    let card = s.card(0, "android", "");
    let mut host = s.host("main");
    let status = host.ok(1, "status", json!({}));
    let r0 = &status["readers"][0];
    assert_eq!(r0["card"], "jpki", "{status}");
    assert_eq!(r0["tokenKind"], "android");
    assert_eq!(r0["tokenLabel"], "JPKIAPGPSETOKEN");
    card.assert_clean();
    let before = card.sequence().len();
    let token = host.ok(2, "authenticate", auth_args("1234"));
    assert_eq!(b64(&token["unverifiedCertificate"]), pki("card1-auth.der"));
    verify_login(&token.to_string(), ORIGIN, CHALLENGE, &test_trust(), now()).unwrap();
    let login = card.sequence().split_off(before);
    assert_eq!(login[..9], PHONE_LOGIN_START, "{login:?}");
    assert_eq!(login[login.len() - 2..], ["SELECT EF 0017", "SIGN"]);

    let prepared = host.ok(3, "prepare", json!({"action": "sign"}));
    assert_eq!(prepared["readers"][0]["tokenKind"], "android", "{prepared}");
    let hashes = [b"document one".as_slice(), b"document two"].map(|d| Sha256::digest(d).to_vec());
    let result = host.ok(
        4,
        "sign",
        json!({"origin": ORIGIN, "pin": "abc123", "hashAlgorithm": "SHA-256",
               "hashes": hashes.iter().map(|h| STANDARD.encode(h)).collect::<Vec<_>>()}),
    );
    let certificate = b64(&result["certificate"]);
    assert_eq!(certificate, pki("card1-sign.der"));
    let signatures = result["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 2);
    for (hash, signature) in hashes.iter().zip(signatures) {
        let b = b64(signature);
        verify_signature(
            hash,
            HashAlgorithm::Sha256,
            &b,
            &certificate,
            &test_trust(),
            now(),
        )
        .unwrap();
    }
    host.close();
    card.assert_only_jpki_selected();
    assert_eq!(card.pin_verifies(), 2, "one PIN, one password");
}

#[test]
fn a_phone_counts_wrong_pins_guards_the_last_try_and_blocks() {
    let Some(s) = system("a_phone_counts_wrong_pins_guards_the_last_try_and_blocks") else {
        return;
    };
    let card = s.card(0, "android", "");
    let mut host = s.host("main");
    let e = host.fails(1, "authenticate", auth_args("9999"), "PIN_INCORRECT");
    assert_eq!(e["triesLeft"], 2);
    let e = host.fails(2, "authenticate", auth_args("9999"), "PIN_INCORRECT");
    assert_eq!(e["triesLeft"], 1);
    host.fails(3, "authenticate", auth_args("1234"), "PIN_LAST_TRY");
    assert_eq!(card.pin_verifies(), 2, "the guard sent no VERIFY");
    let mut confirmed = auth_args("9999");
    confirmed["allowLastTry"] = json!(true);
    let e = host.fails(4, "authenticate", confirmed, "PIN_BLOCKED");
    assert_eq!(e["triesLeft"], 0);
    assert_eq!(card.pin_verifies(), 3);
    host.close();
    card.assert_only_jpki_selected();
}

/// A phone whose tries query gives no count (`sw=20:9000`): the PIN goes only after the
/// confirmation the last try needs.
#[test]
fn a_phone_without_a_tries_count_needs_confirmation() {
    let Some(s) = system("a_phone_without_a_tries_count_needs_confirmation") else {
        return;
    };
    let card = s.card(0, "android", "sw=20:9000");
    let mut host = s.host("main");
    let e = host.fails(1, "authenticate", auth_args("1234"), "PIN_LAST_TRY");
    assert!(e.get("triesLeft").is_none(), "{e}");
    assert_eq!(card.pin_verifies(), 0);
    let mut confirmed = auth_args("1234");
    confirmed["allowLastTry"] = json!(true);
    let token = host.ok(2, "authenticate", confirmed);
    verify_login(&token.to_string(), ORIGIN, CHALLENGE, &test_trust(), now()).unwrap();
    host.close();
    assert_eq!(card.pin_verifies(), 1);
}

#[test]
fn a_phone_taken_off_the_reader_after_the_pin_is_card_removed() {
    let Some(s) = system("a_phone_taken_off_the_reader_after_the_pin_is_card_removed") else {
        return;
    };
    // Everything up to the certificate's SELECT EF 000A after the VERIFY; then it leaves.
    let card = s.card(0, "android", "remove-after=9");
    let mut host = s.host("main");
    host.fails(1, "authenticate", auth_args("1234"), "CARD_REMOVED");
    s.wait_presence(0, false);
    host.fails(2, "authenticate", auth_args("1234"), "NO_CARD");
    host.close();
    assert_eq!(card.sequence(), PHONE_LOGIN_START, "{:?}", card.apdus());
    assert_eq!(card.pin_verifies(), 1);
}
