//! System tests: the built `mynakey-host` (host mode, no `--simulator`) over real native
//! messaging frames, through pcscd + vpcd + `mynakey-host simulate`, and OpenSC as an
//! independent client of the same simulated card.
//!
//! They need an isolated pcscd, which `tests/system/run.sh` starts; it sets `MYNAKEY_SYSTEM=1`,
//! `PCSCLITE_CSOCK_NAME` and the `MYNAKEY_VPCD_*` variables. Without them every test returns
//! at once (plain `cargo test` passes on machines without pcscd); with them each test records
//! its name in `$MYNAKEY_SYSTEM_DIR/ran` so the script can fail when they did not run.
//!
//! All tests share one pcscd and its two vpcd slots, so they run one at a time (a lock). The
//! harness (stack, simulated cards, host driver) is `support/`, shared with `system_faults.rs`.
// Integration tests: helper functions outside #[test] may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mynakey_test_support::fixtures::{CHALLENGE, ORIGIN, OTHER_ORIGIN};
use mynakey_test_support::pki::{now, pki, test_trust};
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_card::transport::pcsc::PcscReaders;
use mynakey_card::transport::{Disposition, Readers, TransportError};
use mynakey_verify::{verify_login, verify_signature, HashAlgorithm};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

mod support;
use support::card_log::SELECT_JPKI;
use support::system::{auth_args, b64, system};

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

fn hash_of(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

#[test]
fn status_reports_the_card_and_both_tries() {
    let Some(s) = system("status_reports_the_card_and_both_tries") else {
        return;
    };
    let out = s.status_command(&["--json"]);
    assert_eq!(out.status.code(), Some(1), "no card yet");
    let card = s.card(0, "card1", "");
    let out = s.status_command(&["--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["pcsc"], "ok");
    assert_eq!(status["transport"], "pcsc");
    let r0 = &status["readers"][0];
    assert_eq!(r0["name"], json!(s.reader(0)));
    assert_eq!(r0["card"], "jpki");
    assert_eq!(r0["tokenLabel"], "JPKIAPICCTOKEN2");
    assert_eq!(r0["authPinTriesLeft"], 3);
    assert_eq!(r0["signPinTriesLeft"], 5);
    assert_eq!(r0["hasSigningCertificate"], true);
    assert_eq!(status["readers"][1]["card"], "absent");
    let text = String::from_utf8(s.status_command(&[]).stdout).unwrap();
    assert!(text.contains("My Number Card"), "{text}");
    assert!(
        text.contains("3 tries left") && text.contains("5 tries left"),
        "{text}"
    );
    assert!(text.contains("Browsers registered"), "{text}");
    // The same through the protocol.
    let mut host = s.host("main");
    let result = host.ok(1, "status", json!({}));
    assert_eq!(result["readers"][0]["card"], "jpki");
    assert_eq!(result["readers"][0]["authPinTriesLeft"], 3);
    host.close();
    card.assert_only_jpki_selected();
    assert_eq!(card.pin_verifies(), 0, "status spends no try");
    assert!(
        !card.sequence().iter().any(|d| d == "SELECT EF 0001"),
        "status reads no signing certificate"
    );
}

#[test]
fn login_proof_verifies_and_the_card_is_reset_after() {
    let Some(s) = system("login_proof_verifies_and_the_card_is_reset_after") else {
        return;
    };
    let card = s.card(0, "card1", "");
    let mut host = s.host("main");
    let started = Instant::now();
    let token = host.ok(1, "authenticate", auth_args("1234"));
    let took = started.elapsed();
    assert_eq!(token["format"], "web-eid:1.0");
    assert_eq!(b64(&token["unverifiedCertificate"]), pki("card1-auth.der"));
    let identity =
        verify_login(&token.to_string(), ORIGIN, CHALLENGE, &test_trust(), now()).unwrap();
    assert!(!identity.serial_number.is_empty());
    assert!(verify_login(
        &token.to_string(),
        OTHER_ORIGIN,
        CHALLENGE,
        &test_trust(),
        now()
    )
    .is_err());
    // The verified PIN did not outlive the request: the card answers the tries query, not 9000.
    let status = host.ok(2, "status", json!({}));
    assert_eq!(status["readers"][0]["authPinTriesLeft"], 3, "{status}");
    host.close();
    card.assert_only_jpki_selected();
    assert_eq!(card.pin_verifies(), 1);
    assert!(took < Duration::from_secs(3), "login took {took:?}");
}

#[test]
fn signatures_verify() {
    let Some(s) = system("signatures_verify") else {
        return;
    };
    let card = s.card(0, "card1", "");
    let mut host = s.host("main");
    let hashes = [hash_of("document one"), hash_of("document two")];
    let result = host.ok(
        1,
        "sign",
        json!({"origin": ORIGIN, "pin": "abc123", "hashAlgorithm": "SHA-256",
               "hashes": hashes.iter().map(|h| STANDARD.encode(h)).collect::<Vec<_>>()}),
    );
    let certificate = b64(&result["certificate"]);
    assert_eq!(certificate, pki("card1-sign.der"));
    assert_eq!(result["signatureAlgorithm"]["hashFunction"], "SHA-256");
    let signatures = result["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 2);
    for (hash, signature) in hashes.iter().zip(signatures) {
        let signer = verify_signature(
            hash,
            HashAlgorithm::Sha256,
            &b64(signature),
            &certificate,
            &test_trust(),
            now(),
        )
        .unwrap();
        assert!(signer.name.is_some());
    }
    host.close();
    card.assert_only_jpki_selected();
    assert_eq!(
        card.pin_verifies(),
        1,
        "one password entry for both documents"
    );
}

#[test]
fn held_signing_session_signs_without_the_password_and_keeps_the_card_exclusive() {
    let Some(s) =
        system("held_signing_session_signs_without_the_password_and_keeps_the_card_exclusive")
    else {
        return;
    };
    let card = s.card(0, "card1", "");
    let mut host = s.host("main");
    let result = host.ok(
        1,
        "getSigningCertificate",
        json!({"origin": ORIGIN, "pin": "ABC123", "hold": true}),
    );
    let certificate = b64(&result["certificate"]);
    // While held, no other program gets the card.
    let mut other = PcscReaders::new();
    assert_eq!(
        other.connect(&s.reader(0)).err(),
        Some(TransportError::CardBusy)
    );
    let hash = hash_of("signed attributes");
    let result = host.ok(
        2,
        "sign",
        json!({"origin": ORIGIN, "hashAlgorithm": "SHA-256", "hashes": [STANDARD.encode(&hash)],
               "certificate": STANDARD.encode(&certificate)}),
    );
    let signature = b64(&result["signatures"][0]);
    verify_signature(
        &hash,
        HashAlgorithm::Sha256,
        &signature,
        &certificate,
        &test_trust(),
        now(),
    )
    .unwrap();
    // The session is over: a sign without the password is refused, and the card was reset.
    host.fails(
        3,
        "sign",
        json!({"origin": ORIGIN, "hashAlgorithm": "SHA-256", "hashes": [STANDARD.encode(&hash)],
               "certificate": STANDARD.encode(&certificate)}),
        "BAD_REQUEST",
    );
    let status = host.ok(4, "status", json!({}));
    assert_eq!(status["readers"][0]["signPinTriesLeft"], 5, "{status}");
    host.close();
    card.assert_only_jpki_selected();
    assert_eq!(card.pin_verifies(), 1);
}

#[test]
fn wrong_pins_count_down_then_the_last_try_is_guarded_then_blocked() {
    let Some(s) = system("wrong_pins_count_down_then_the_last_try_is_guarded_then_blocked") else {
        return;
    };
    let card = s.card(0, "card1", "");
    let mut host = s.host("main");
    let e = host.fails(1, "authenticate", auth_args("9999"), "PIN_INCORRECT");
    assert_eq!(e["triesLeft"], 2);
    let e = host.fails(2, "authenticate", auth_args("9999"), "PIN_INCORRECT");
    assert_eq!(e["triesLeft"], 1);
    host.fails(3, "authenticate", auth_args("1234"), "PIN_LAST_TRY");
    assert_eq!(card.pin_verifies(), 2, "the guard sent no VERIFY");
    let e = host.fails(
        4,
        "authenticate",
        with(auth_args("9999"), "allowLastTry", json!(true)),
        "PIN_BLOCKED",
    );
    assert_eq!(e["triesLeft"], 0);
    host.fails(
        5,
        "authenticate",
        with(auth_args("1234"), "allowLastTry", json!(true)),
        "PIN_BLOCKED",
    );
    assert_eq!(card.pin_verifies(), 3, "no VERIFY once blocked");
    let status = host.ok(6, "status", json!({}));
    assert_eq!(status["readers"][0]["authPinTriesLeft"], 0);
    assert_eq!(status["readers"][0]["signPinTriesLeft"], 5);
    host.close();
    let text = String::from_utf8(s.status_command(&[]).stdout).unwrap();
    assert!(
        text.contains("BLOCKED") && text.contains("municipal office"),
        "{text}"
    );
    card.assert_only_jpki_selected();
    // A fresh card process: fresh counters.
    s.remove(card);
    let card = s.card(0, "card1", "");
    let mut host = s.host("main");
    host.ok(7, "authenticate", auth_args("1234"));
    host.close();
    assert_eq!(card.pin_verifies(), 1);
}

#[test]
fn no_card_then_a_card_arrives_while_waiting() {
    let Some(s) = system("no_card_then_a_card_arrives_while_waiting") else {
        return;
    };
    let mut host = s.host("main");
    host.fails(1, "authenticate", auth_args("1234"), "NO_CARD");
    host.send(&json!({"id": 2, "command": "authenticate",
                      "arguments": with(auth_args("1234"), "timeoutMs", json!(20000))}));
    let first = host.next();
    assert_eq!(first["event"], "waitingForCard", "{first}");
    let started = Instant::now();
    let card = s.spawn_card(0, "card1", "");
    let (events, answer) = host.answer(2);
    assert_eq!(events, vec!["cardInserted"], "{answer}");
    assert!(answer.get("result").is_some(), "{answer}");
    // pcscd polls readers every 400 ms; the host itself adds nothing noticeable.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    verify_login(
        &answer["result"].to_string(),
        ORIGIN,
        CHALLENGE,
        &test_trust(),
        now(),
    )
    .unwrap();
    host.close();
    card.assert_only_jpki_selected();
}

#[test]
fn cancel_ends_a_wait_and_the_next_wait_still_blocks() {
    let Some(s) = system("cancel_ends_a_wait_and_the_next_wait_still_blocks") else {
        return;
    };
    let mut host = s.host("main");
    host.send(&json!({"id": 1, "command": "authenticate",
                      "arguments": with(auth_args("1234"), "timeoutMs", json!(60000))}));
    assert_eq!(host.next()["event"], "waitingForCard");
    let started = Instant::now();
    host.send(&json!({"id": 2, "command": "cancel", "arguments": {"target": 1}}));
    let mut codes = Vec::new();
    for _ in 0..2 {
        let frame = host.next();
        codes.push((
            frame["id"].clone(),
            frame["error"]["code"].clone(),
            frame.get("result").is_some(),
        ));
    }
    assert!(
        codes.contains(&(json!(1), json!("CANCELLED"), false)),
        "{codes:?}"
    );
    assert!(codes.contains(&(json!(2), Value::Null, true)), "{codes:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // SCardCancel is not sticky: the next wait runs to its timeout.
    let started = Instant::now();
    let (events, answer) = host.request(
        3,
        "authenticate",
        with(auth_args("1234"), "timeoutMs", json!(1200)),
    );
    assert_eq!(events, vec!["waitingForCard"]);
    assert_eq!(answer["error"]["code"], "TIMEOUT", "{answer}");
    assert!(
        started.elapsed() >= Duration::from_millis(1100),
        "{:?}",
        started.elapsed()
    );
    host.close();
}

#[test]
fn a_card_removed_mid_operation_is_card_removed() {
    let Some(s) = system("a_card_removed_mid_operation_is_card_removed") else {
        return;
    };
    // SELECT AP, SELECT 000A, then the card leaves during the certificate read.
    let card = s.card(0, "card1", "remove-after=3");
    let mut host = s.host("main");
    let started = Instant::now();
    host.fails(1, "authenticate", auth_args("1234"), "CARD_REMOVED");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(card.sequence().len(), 3, "{:?}", card.apdus());
    s.wait_presence(0, false);
    host.fails(2, "authenticate", auth_args("1234"), "NO_CARD");
    host.close();
    assert_eq!(card.pin_verifies(), 0);
}

#[test]
fn two_cards_need_a_reader_choice() {
    let Some(s) = system("two_cards_need_a_reader_choice") else {
        return;
    };
    let card1 = s.card(0, "card1", "");
    let card2 = s.card(1, "card2", "");
    let mut host = s.host("main");
    let e = host.fails(1, "authenticate", auth_args("5678"), "MULTIPLE_CARDS");
    assert_eq!(e["readers"], json!([s.reader(0), s.reader(1)]));
    let token = host.ok(
        2,
        "authenticate",
        with(auth_args("5678"), "reader", json!(s.reader(1))),
    );
    assert_eq!(b64(&token["unverifiedCertificate"]), pki("card2-auth.der"));
    verify_login(&token.to_string(), ORIGIN, CHALLENGE, &test_trust(), now()).unwrap();
    let e = host.fails(
        3,
        "authenticate",
        with(auth_args("1234"), "reader", json!("No Such Reader 00 00")),
        "NO_READER",
    );
    assert_eq!(e["readers"], json!([s.reader(0), s.reader(1)]));
    host.close();
    assert_eq!(card1.pin_verifies(), 0);
    assert_eq!(card2.pin_verifies(), 1);
    card1.assert_only_jpki_selected();
    card2.assert_only_jpki_selected();
}

#[test]
fn a_card_held_by_another_program_is_busy() {
    let Some(s) = system("a_card_held_by_another_program_is_busy") else {
        return;
    };
    let card = s.card(0, "card1", "");
    let mut other = PcscReaders::new();
    let held = other.connect(&s.reader(0)).unwrap();
    let mut host = s.host("main");
    host.fails(1, "authenticate", auth_args("1234"), "CARD_BUSY");
    let status = host.ok(2, "status", json!({}));
    assert_eq!(status["readers"][0]["card"], "busy", "{status}");
    let out = s.status_command(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("another program"));
    held.disconnect(Disposition::Leave).unwrap();
    host.ok(3, "authenticate", auth_args("1234"));
    host.close();
    assert_eq!(card.pin_verifies(), 1);
}

/// `prepare` through pcscd: the card is read ahead and held (another program sees it busy), and
/// after the PIN only VERIFY, SELECT key and SIGN reach the card.
#[test]
fn a_prepared_login_sends_three_apdus_after_the_pin_and_holds_the_card() {
    let Some(s) = system("a_prepared_login_sends_three_apdus_after_the_pin_and_holds_the_card")
    else {
        return;
    };
    let card = s.card(0, "card1", "");
    let mut host = s.host("main");
    let version = host.ok(1, "version", json!({}));
    assert!(version["commands"]
        .as_array()
        .unwrap()
        .contains(&json!("prepare")));
    let prepared = host.ok(2, "prepare", json!({"action": "authenticate"}));
    assert_eq!(
        prepared["prepared"]["reader"],
        json!(s.reader(0)),
        "{prepared}"
    );
    assert_eq!(prepared["readers"][0]["authPinTriesLeft"], 3, "{prepared}");
    assert_eq!(card.pin_verifies(), 0);
    let before = card.sequence().len();
    assert_eq!(before, 9, "{:?}", card.sequence());
    let mut other = PcscReaders::new();
    assert_eq!(
        other.connect(&s.reader(0)).err(),
        Some(TransportError::CardBusy),
        "the prepared card is held"
    );
    let token = host.ok(3, "authenticate", auth_args("1234"));
    verify_login(&token.to_string(), ORIGIN, CHALLENGE, &test_trust(), now()).unwrap();
    assert_eq!(
        card.sequence()[before..],
        ["VERIFY", "SELECT EF 0017", "SIGN"]
    );
    // Reset after the reply: the next request finds no verified PIN.
    let status = host.ok(4, "status", json!({}));
    assert_eq!(status["readers"][0]["authPinTriesLeft"], 3, "{status}");
    // A card prepared and never used is let go when the browser closes the port.
    host.ok(5, "prepare", json!({"action": "authenticate"}));
    host.close();
    let released = other.connect(&s.reader(0)).unwrap();
    released.disconnect(Disposition::Leave).unwrap();
    card.assert_only_jpki_selected();
    assert_eq!(card.pin_verifies(), 1);
}

/// A card swapped between `prepare` and the PIN: the held connection is dead, so the PIN goes
/// nowhere, and the next request reads the new card and its own tries.
#[test]
fn a_card_swapped_after_prepare_gets_no_verify() {
    let Some(s) = system("a_card_swapped_after_prepare_gets_no_verify") else {
        return;
    };
    let card1 = s.card(0, "card1", "");
    let mut host = s.host("main");
    host.ok(1, "prepare", json!({"action": "authenticate"}));
    s.remove(card1);
    let card2 = s.card(0, "card2", "");
    host.fails(2, "authenticate", auth_args("5678"), "CARD_REMOVED");
    assert!(card2.apdus().is_empty(), "{:?}", card2.apdus());
    let prepared = host.ok(3, "prepare", json!({"action": "authenticate"}));
    assert_eq!(prepared["readers"][0]["authPinTriesLeft"], 3, "{prepared}");
    let token = host.ok(4, "authenticate", auth_args("5678"));
    assert_eq!(b64(&token["unverifiedCertificate"]), pki("card2-auth.der"));
    host.close();
    assert_eq!(card2.pin_verifies(), 1);
}

/// `Leave` must really leave the card as it is (dropping a `pcsc::Card` would reset it), and
/// `Reset` must reset it (the simulated card forgets the selected application).
#[test]
fn disconnect_dispositions_reach_the_card() {
    let Some(s) = system("disconnect_dispositions_reach_the_card") else {
        return;
    };
    let _card = s.card(0, "card1", "");
    let mut readers = PcscReaders::new();
    let select_ap = [
        0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
    ];
    let select_cert = [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A];
    let mut c = readers.connect(&s.reader(0)).unwrap();
    assert_eq!(c.transmit(&select_ap).unwrap(), vec![0x90, 0x00]);
    c.disconnect(Disposition::Leave).unwrap();
    let mut c = readers.connect(&s.reader(0)).unwrap();
    assert_eq!(
        c.transmit(&select_cert).unwrap(),
        vec![0x90, 0x00],
        "AP still selected after Leave"
    );
    c.disconnect(Disposition::Reset).unwrap();
    let mut c = readers.connect(&s.reader(0)).unwrap();
    assert_eq!(
        c.transmit(&select_cert).unwrap(),
        vec![0x6A, 0x82],
        "AP forgotten after Reset"
    );
    c.disconnect(Disposition::Leave).unwrap();
    assert!(matches!(
        readers.connect("No Such Reader"),
        Err(TransportError::UnknownReader(_))
    ));
}

/// A fast round trip: vpcd's split writes cost ~44 ms per APDU unless the card re-arms
/// TCP_QUICKACK before every read (docs/card-facts.md T2).
#[test]
fn apdus_are_fast_over_vpcd() {
    let Some(s) = system("apdus_are_fast_over_vpcd") else {
        return;
    };
    let _card = s.card(0, "card1", "");
    let mut readers = PcscReaders::new();
    let mut c = readers.connect(&s.reader(0)).unwrap();
    let select_ap = [
        0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
    ];
    let started = Instant::now();
    for _ in 0..50 {
        assert_eq!(c.transmit(&select_ap).unwrap(), vec![0x90, 0x00]);
    }
    let took = started.elapsed();
    c.disconnect(Disposition::Leave).unwrap();
    assert!(took < Duration::from_millis(500), "50 APDUs took {took:?}");
}

// ---- OpenSC as an independent client of the simulated card -------------------------------

const PKCS11_MODULE: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

/// OpenSC's own configuration for the tests: reset the card when a tool exits. By default
/// OpenSC leaves a card it logged in to verified, and the next tool's PIN-status query (empty
/// VERIFY) then gets 9000 from the simulated card, which OpenSC's JPKI binding refuses
/// (docs/card-facts.md §3; what a real card answers there is open, docs/card-facts.md §3).
const OPENSC_CONF: &str = "app default {\n  reader_driver pcsc {\n    disconnect_action = reset;\n  }\n  framework pkcs15 {\n    use_file_caching = no;\n  }\n}\n";

fn run(program: &str, args: &[&str], dir: &Path) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("OPENSC_CONF", dir.join("opensc.conf"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{program} {args:?}: {text}");
    text
}

fn pkcs11(args: &[&str], dir: &Path) -> String {
    let mut all = vec!["--module", PKCS11_MODULE];
    all.extend_from_slice(args);
    run("pkcs11-tool", &all, dir)
}

/// Through OpenSC's PKCS#11 module: reads the certificate with `id` (it must be the fixture),
/// signs `data` with its key, and verifies the signature with openssl.
fn opensc_reads_and_signs(dir: &Path, label: &str, pin: &str, id: &str, fixture_name: &str) {
    let cert = format!("cert-{id}.der");
    pkcs11(
        &[
            "--token-label",
            label,
            "--login",
            "--pin",
            pin,
            "--read-object",
            "--type",
            "cert",
            "--id",
            id,
            "-o",
            &cert,
        ],
        dir,
    );
    assert_eq!(
        fs::read(dir.join(&cert)).unwrap(),
        pki(fixture_name),
        "OpenSC read another certificate"
    );
    let key = format!("pub-{id}.pem");
    run(
        "openssl",
        &[
            "x509", "-inform", "DER", "-in", &cert, "-pubkey", "-noout", "-out", &key,
        ],
        dir,
    );
    let sig = format!("sig-{id}.bin");
    pkcs11(
        &[
            "--token-label",
            label,
            "--login",
            "--pin",
            pin,
            "--sign",
            "--id",
            id,
            "-m",
            "SHA256-RSA-PKCS",
            "-i",
            "data",
            "-o",
            &sig,
        ],
        dir,
    );
    let verified = run(
        "openssl",
        &[
            "dgst",
            "-sha256",
            "-verify",
            &key,
            "-signature",
            &sig,
            "data",
        ],
        dir,
    );
    assert!(verified.contains("Verified OK"), "{verified}");
}

#[test]
fn opensc_lists_both_certificates_and_its_signatures_verify() {
    let Some(s) = system("opensc_lists_both_certificates_and_its_signatures_verify") else {
        return;
    };
    let card = s.card(0, "card1", "");
    let dir = s.dir.join("opensc");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("opensc.conf"), OPENSC_CONF).unwrap();
    let listing = run("pkcs15-tool", &["-D"], &dir);
    for label in ["User Authentication PIN", "Digital Signature PIN"] {
        assert!(listing.contains(label), "{listing}");
    }
    assert!(
        listing.matches("X.509 Certificate").count() >= 4,
        "{listing}"
    );

    let slots = pkcs11(&["-L"], &dir);
    assert!(slots.contains("JPKI (User Authentication PIN)"), "{slots}");
    assert!(slots.contains("JPKI (Digital Signature PIN)"), "{slots}");
    let auth_objects = pkcs11(
        &["-O", "--token-label", "JPKI (User Authentication PIN)"],
        &dir,
    );
    assert!(
        auth_objects.contains("Certificate Object"),
        "{auth_objects}"
    );
    let sign_objects = pkcs11(
        &[
            "-O",
            "--login",
            "--pin",
            "ABC123",
            "--token-label",
            "JPKI (Digital Signature PIN)",
        ],
        &dir,
    );
    assert!(
        sign_objects.contains("Certificate Object"),
        "{sign_objects}"
    );

    fs::write(dir.join("data"), b"signed by OpenSC through pcscd and vpcd").unwrap();
    for (label, pin, id, fixture_name) in [
        (
            "JPKI (User Authentication PIN)",
            "1234",
            "01",
            "card1-auth.der",
        ),
        (
            "JPKI (Digital Signature PIN)",
            "ABC123",
            "02",
            "card1-sign.der",
        ),
    ] {
        opensc_reads_and_signs(&dir, label, pin, id, fixture_name);
    }
    // OpenSC probes other applications (its drivers), the card answers them 6A82; the host never does.
    assert!(card.sequence().iter().any(|d| d == SELECT_JPKI));
    assert!(card.sequence().iter().any(|d| d == "SIGN"));
}
