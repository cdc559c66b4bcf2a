//! Fault injection, PIN safety and concurrency through the real pcscd + vpcd (issue 6).
//!
//! Run by `tests/system/run.sh` together with `system.rs`, with the same gating: without
//! `MYNAKEY_SYSTEM=1` and `PCSCLITE_CSOCK_NAME` every test returns at once; with them each test
//! records its name in `$MYNAKEY_SYSTEM_DIR/ran`. The harness is `support/`, shared with
//! `system.rs`: captured host stderr (no "panicked"), a restartable pcscd
//! (`$MYNAKEY_SYSTEM_DIR/pcscd-start`) and APDU-log parsing; hosts here are held to [`BOUND`].
//!
//! Every fault must end in its own error code within a bounded time, without a hang or a
//! panic, and a later request must succeed.
// Integration tests: helper functions outside #[test] may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mynakey_test_support::fixtures::{CHALLENGE, ORIGIN};
use mynakey_test_support::pki::{now, pki, test_trust};
use std::thread;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_card::transport::pcsc::PcscReaders;
use mynakey_card::transport::{Disposition, Readers};
use mynakey_verify::{verify_login, verify_signature, HashAlgorithm};
use serde_json::{json, Value};

mod support;
use support::card_log::SELECT_JPKI;
use support::host::Limits;
use support::system::{RestartPcscdOnDrop, System};

/// Every fault must be answered within this (pcscd polls readers every 400 ms).
const BOUND: Duration = Duration::from_secs(5);

/// The stack, with every `ok`/`fails` answer held to [`BOUND`] and 2 s for a host's exit on EOF.
fn system(name: &'static str) -> Option<System> {
    support::system::system(name).map(|s| {
        s.with_host_limits(Limits {
            answer: Some(BOUND),
            exit: Duration::from_secs(2),
            ..Limits::DEFAULT
        })
    })
}

fn auth() -> Value {
    json!({"origin": ORIGIN, "challenge": CHALLENGE, "pin": "1234"})
}

fn sign(n: usize) -> Value {
    let hashes: Vec<String> = (0..n).map(|i| STANDARD.encode([i as u8 + 1; 32])).collect();
    json!({"origin": ORIGIN, "pin": "ABC123", "hashAlgorithm": "SHA-256", "hashes": hashes})
}

/// How many APDUs a clean run answers before the first line whose description is `what`
/// (the `occurrence`-th one, from 1): the `remove-after` that makes the card leave just then.
fn apdus_before(
    s: &System,
    slot: u16,
    command: &str,
    args: Value,
    what: &str,
    occurrence: usize,
) -> usize {
    let card = s.card(slot, "card1", "");
    let mut host = s.host("probe");
    host.ok(1, command, args);
    host.close();
    let seq = card.sequence();
    let mut seen = 0;
    for (i, d) in seq.iter().enumerate() {
        if d == what {
            seen += 1;
            if seen == occurrence {
                drop(card);
                s.wait_presence(slot, false);
                return i;
            }
        }
    }
    panic!("{what} #{occurrence} not in {seq:?}");
}

/// One removal scenario: the card leaves when APDU `n + 1` arrives and comes back 600 ms
/// later; the request fails with CARD_REMOVED in bounded time, the PIN is not resent, and the
/// next request (the user's next entry) succeeds.
fn removal(s: &System, command: &str, args: Value, n: usize, verifies_before: usize) {
    let card = s.card(0, "card1", &format!("remove-after={n},reinsert-ms=600"));
    let mut host = s.host("main");
    host.fails(1, command, args.clone(), "CARD_REMOVED");
    assert_eq!(
        card.sequence().len(),
        n,
        "the card answered exactly {n} APDUs: {:?}",
        card.apdus()
    );
    assert_eq!(card.pin_verifies(), verifies_before, "{:?}", card.apdus());
    // Back in the reader: nothing is retried on its own (no PIN resent after CARD_REMOVED).
    s.wait_presence(0, false);
    s.wait_presence(0, true);
    thread::sleep(Duration::from_millis(300));
    assert_eq!(
        card.pin_verifies(),
        verifies_before,
        "a PIN was resent after CARD_REMOVED: {:?}",
        card.apdus()
    );
    // Power was lost: no verified state survived, and the user's next entry works.
    let status = host.ok(2, "status", json!({}));
    assert_eq!(status["readers"][0]["card"], "jpki", "{status}");
    host.ok(3, command, args);
    assert_eq!(
        card.pin_verifies(),
        verifies_before + 1,
        "one VERIFY per user entry: {:?}",
        card.apdus()
    );
    host.close();
    card.assert_clean();
}

#[test]
fn fault_card_removed_during_the_certificate_read() {
    let Some(s) = system("fault_card_removed_during_the_certificate_read") else {
        return;
    };
    // SELECT AP, SELECT 000A, one READ BINARY; the second READ BINARY finds no card.
    removal(&s, "authenticate", auth(), 3, 0);
}

#[test]
fn fault_card_removed_between_verify_and_sign() {
    let Some(s) = system("fault_card_removed_between_verify_and_sign") else {
        return;
    };
    // Everything up to and including the PIN VERIFY, then the card leaves at SELECT EF 0017.
    let n = apdus_before(&s, 0, "authenticate", auth(), "SELECT EF 0017", 1);
    removal(&s, "authenticate", auth(), n, 1);
}

#[test]
fn fault_card_removed_during_sign() {
    let Some(s) = system("fault_card_removed_during_sign") else {
        return;
    };
    // Two hashes: the first SIGN is answered, the card leaves at the second.
    let n = apdus_before(&s, 0, "sign", sign(2), "SIGN", 2);
    removal(&s, "sign", sign(2), n, 1);
}

#[test]
fn fault_pcscd_stopped_while_waiting_then_restarted() {
    let Some(s) = system("fault_pcscd_stopped_while_waiting_then_restarted") else {
        return;
    };
    let _restart = RestartPcscdOnDrop(&s);
    let mut host = s.host("main");
    // pcscd goes away under a wait and stays away: the wait looks for it until its end and
    // then says why it found no card. pcsc-lite reports the vanished daemon inside
    // SCardGetStatusChange as SCARD_F_COMM_ERROR or SecurityViolation; the transport treats
    // both (and a context the service forgot) as the service gone.
    let mut args = auth();
    args["timeoutMs"] = json!(1500);
    host.send(&json!({"id": 1, "command": "authenticate", "arguments": args}));
    assert_eq!(host.next()["event"], "waitingForCard");
    let started = Instant::now();
    s.stop_pcscd();
    let (_, answer) = host.answer(1);
    let took = started.elapsed();
    assert_eq!(answer["error"]["code"], "PCSC_UNAVAILABLE", "{answer}");
    assert!(took < BOUND, "the wait outlived its timeout by {took:?}");
    // pcscd is down: status says so at once.
    let status = host.ok(2, "status", json!({}));
    assert_eq!(status["pcsc"], "unavailable", "{status}");
    // A login that starts while pcscd is down waits for it (Windows stops its service with the
    // last reader, and starts it with the next): pcscd comes back, the card is inserted, and the
    // same request goes on through a new context.
    let mut args = auth();
    args["timeoutMs"] = json!(30000);
    host.send(&json!({"id": 3, "command": "authenticate", "arguments": args}));
    assert_eq!(host.next()["event"], "waitingForCard");
    s.start_pcscd();
    let card = s.card(0, "card1", "");
    let inserted = Instant::now();
    let (_, answer) = host.answer(3);
    assert!(answer["result"]["signature"].is_string(), "{answer}");
    assert!(inserted.elapsed() < BOUND, "{:?}", inserted.elapsed());
    host.close();
    assert_eq!(card.pin_verifies(), 1);
    card.assert_clean();
}

#[test]
fn fault_pcscd_stopped_mid_request_never_hangs() {
    let Some(s) = system("fault_pcscd_stopped_mid_request_never_hangs") else {
        return;
    };
    let _restart = RestartPcscdOnDrop(&s);
    let card = s.card(0, "card1", "");
    let mut host = s.host("main");
    host.ok(1, "authenticate", auth());
    // Fire a batch of signatures and stop pcscd while it runs: whatever point it reaches, the
    // answer comes in bounded time with an error code (or the result, if it finished first).
    host.send(&json!({"id": 2, "command": "sign", "arguments": sign(100)}));
    thread::sleep(Duration::from_millis(150));
    let started = Instant::now();
    s.stop_pcscd();
    let (_, answer) = host.answer(2);
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
    if let Some(code) = answer["error"]["code"].as_str() {
        assert!(
            [
                "PCSC_UNAVAILABLE",
                "CARD_REMOVED",
                "CARD_ERROR",
                "NO_READER"
            ]
            .contains(&code),
            "{answer}"
        );
    }
    s.start_pcscd();
    s.wait_presence(0, true);
    host.ok(3, "authenticate", auth());
    host.close();
    // Two PIN entries, two VERIFYs at most (the sign was one entry): never a silent retry.
    assert!(card.pin_verifies() <= 3, "{:?}", card.sequence());
    card.assert_clean();
}

#[test]
fn fault_card_held_exclusively_by_another_process_is_busy() {
    let Some(s) = system("fault_card_held_exclusively_by_another_process_is_busy") else {
        return;
    };
    let card = s.card(0, "card1", "");
    // Another host process with a held signing session keeps the card exclusively.
    let mut holder = s.host("holder");
    let cert = holder.ok(
        1,
        "getSigningCertificate",
        json!({"origin": ORIGIN, "pin": "ABC123", "hold": true}),
    );
    let mut host = s.host("main");
    host.fails(1, "authenticate", auth(), "CARD_BUSY");
    host.fails(2, "sign", sign(1), "CARD_BUSY");
    let status = host.ok(3, "status", json!({}));
    assert_eq!(status["readers"][0]["card"], "busy", "{status}");
    // The holder's session is intact and ends with its signature; then the card is free.
    let mut args = sign(1);
    args.as_object_mut().unwrap().remove("pin");
    args["certificate"] = cert["certificate"].clone();
    holder.ok(2, "sign", args);
    host.ok(4, "authenticate", auth());
    holder.close();
    host.close();
    // The busy attempts sent no PIN: one VERIFY for the holder, one for the final login.
    assert_eq!(card.pin_verifies(), 2, "{:?}", card.sequence());
    card.assert_clean();
    // A plain PC/SC client holding the card exclusively: busy too.
    let mut other = PcscReaders::new();
    let held = other.connect(&s.reader(0)).unwrap();
    let mut host = s.host("third");
    host.fails(
        1,
        "getSigningCertificate",
        json!({"origin": ORIGIN, "pin": "ABC123"}),
        "CARD_BUSY",
    );
    held.disconnect(Disposition::Leave).unwrap();
    host.ok(
        2,
        "getSigningCertificate",
        json!({"origin": ORIGIN, "pin": "ABC123"}),
    );
    host.close();
    assert_eq!(card.pin_verifies(), 3);
}

#[test]
fn fault_short_reads_still_give_a_valid_certificate() {
    let Some(s) = system("fault_short_reads_still_give_a_valid_certificate") else {
        return;
    };
    let card = s.card(0, "card1", "short-reads=61");
    let mut host = s.host("main");
    let token = host.ok(1, "authenticate", auth());
    let cert = STANDARD
        .decode(token["unverifiedCertificate"].as_str().unwrap())
        .unwrap();
    let fixture = pki("card1-auth.der");
    assert_eq!(cert, fixture);
    host.ok(2, "sign", sign(1));
    host.close();
    let reads = card
        .sequence()
        .iter()
        .filter(|d| *d == "READ BINARY")
        .count();
    assert!(reads >= fixture.len() / 61, "{reads} reads");
    card.assert_clean();
}

#[test]
fn fault_unexpected_status_words_and_a_wrong_signature_have_their_own_codes() {
    let Some(s) =
        system("fault_unexpected_status_words_and_a_wrong_signature_have_their_own_codes")
    else {
        return;
    };
    // (faults, command, arguments, expected code, expected sw detail)
    let cases: [(&str, &str, Value, &str, Option<&str>); 5] = [
        (
            "sw=2A:6F00",
            "authenticate",
            auth(),
            "CARD_ERROR",
            Some("6F00"),
        ),
        (
            "sw=B0:6982",
            "authenticate",
            auth(),
            "CARD_ERROR",
            Some("6982"),
        ),
        ("sw=A4:6A82", "authenticate", auth(), "NOT_JPKI_CARD", None),
        ("bad-signature", "sign", sign(1), "CARD_ERROR", None),
        (
            "no-signing-certificate",
            "sign",
            sign(1),
            "NO_SIGNING_CERTIFICATE",
            None,
        ),
    ];
    for (faults, command, args, code, sw) in cases {
        let card = s.card(0, "card1", faults);
        let mut host = s.host("main");
        let e = host.fails(1, command, args.clone(), code);
        if let Some(sw) = sw {
            assert_eq!(e["sw"], json!(sw), "{faults}: {e}");
        }
        // The host keeps serving; a request that avoids the faulty command succeeds.
        host.ok(2, "version", json!({}));
        let status = host.ok(3, "status", json!({}));
        assert!(status["readers"][0].is_object(), "{status}");
        host.close();
        assert!(card.pin_verifies() <= 1, "{faults}: {:?}", card.sequence());
        card.assert_clean();
        let slot = card.slot;
        drop(card);
        s.wait_presence(slot, false);
    }
    // And a clean card right after works (nothing sticky in pcscd or the host).
    let card = s.card(0, "card1", "");
    let mut host = s.host("after");
    host.ok(1, "authenticate", auth());
    host.close();
    card.assert_clean();
}

#[test]
fn pin_safety_on_the_card_log_over_pcscd() {
    let Some(s) = system("pin_safety_on_the_card_log_over_pcscd") else {
        return;
    };
    let card = s.card(0, "card1", "");
    let mut host = s.host("main");
    // The tries query never spends a try: ten status requests, still 3 and 5.
    for id in 1..=10 {
        let status = host.ok(id, "status", json!({}));
        assert_eq!(status["readers"][0]["authPinTriesLeft"], 3, "{status}");
        assert_eq!(status["readers"][0]["signPinTriesLeft"], 5, "{status}");
    }
    assert_eq!(card.pin_verifies(), 0);
    assert!(card.sequence().iter().filter(|d| *d == "VERIFY?").count() >= 20);
    // Each VERIFY? answered 63Cx (never spent): the counter stays where it was.
    for line in card.apdus().iter().filter(|l| l.starts_with("VERIFY? |")) {
        assert!(
            line.contains("| 63C3 ") || line.contains("| 63C5 "),
            "{line}"
        );
    }
    // One VERIFY per entry, wrong or right; the last try is guarded over pcscd.
    host.fails(
        11,
        "authenticate",
        json!({"origin": ORIGIN, "challenge": CHALLENGE, "pin": "0000"}),
        "PIN_INCORRECT",
    );
    host.fails(
        12,
        "authenticate",
        json!({"origin": ORIGIN, "challenge": CHALLENGE, "pin": "0000"}),
        "PIN_INCORRECT",
    );
    assert_eq!(card.pin_verifies(), 2);
    host.fails(13, "authenticate", auth(), "PIN_LAST_TRY");
    host.fails(14, "authenticate", auth(), "PIN_LAST_TRY");
    assert_eq!(card.pin_verifies(), 2, "the guard sent no VERIFY");
    let mut last = auth();
    last["allowLastTry"] = json!(true);
    host.ok(15, "authenticate", last);
    assert_eq!(card.pin_verifies(), 3);
    // Malformed PINs never reach the card.
    host.fails(
        16,
        "authenticate",
        json!({"origin": ORIGIN, "challenge": CHALLENGE, "pin": "12345"}),
        "PIN_FORMAT",
    );
    host.fails(17, "sign", json!({"origin": ORIGIN, "pin": "AB-123", "hashAlgorithm": "SHA-256", "hashes": [STANDARD.encode([1u8; 32])]}), "PIN_FORMAT");
    assert_eq!(card.pin_verifies(), 3);
    host.close();
    // Every VERIFY with data directly follows the tries query for the same PIN (never blind).
    let seq = card.sequence();
    for (i, d) in seq.iter().enumerate() {
        if d == "VERIFY" {
            assert_eq!(
                seq.get(i.wrapping_sub(1)).map(String::as_str),
                Some("VERIFY?"),
                "{seq:?}"
            );
        }
    }
    card.assert_clean();
}

/// A result is correct: the login proof verifies for this origin and challenge, each signature
/// verifies over its hash with the returned certificate (test roots).
fn correct(command: &str, result: &Value) {
    let trust = test_trust();
    let now = now();
    if command == "authenticate" {
        verify_login(&result.to_string(), ORIGIN, CHALLENGE, &trust, now).unwrap();
    } else {
        let cert = STANDARD
            .decode(result["certificate"].as_str().unwrap())
            .unwrap();
        for (i, sig) in result["signatures"].as_array().unwrap().iter().enumerate() {
            let sig = STANDARD.decode(sig.as_str().unwrap()).unwrap();
            verify_signature(
                &[i as u8 + 1; 32],
                HashAlgorithm::Sha256,
                &sig,
                &cert,
                &trust,
                now,
            )
            .unwrap();
        }
    }
}

/// The two request shapes, as the card sees them: a run must match one exactly.
fn valid_run(run: &[String]) -> bool {
    let mut it = run.iter().map(String::as_str).peekable();
    let mut expect = |d: &str| it.next() == Some(d);
    if !expect(SELECT_JPKI) {
        return false;
    }
    let rest: Vec<&str> = run[1..].iter().map(String::as_str).collect();
    let auth_prefix = ["SELECT EF 000A"];
    let sign_prefix = ["SELECT EF 001B", "VERIFY?", "VERIFY", "SELECT EF 0001"];
    let reads_then = |r: &[&str], tail: &[&str]| -> bool {
        let n = r.iter().take_while(|d| **d == "READ BINARY").count();
        n > 0 && &r[n..] == tail
    };
    if rest.starts_with(&auth_prefix) {
        return reads_then(
            &rest[1..],
            &[
                "SELECT EF 0018",
                "VERIFY?",
                "VERIFY",
                "SELECT EF 0017",
                "SIGN",
            ],
        );
    }
    if rest.starts_with(&sign_prefix) {
        return reads_then(&rest[4..], &["SELECT EF 001A", "SIGN"]);
    }
    false
}

#[test]
fn concurrency_two_hosts_on_one_card_never_interleave() {
    let Some(s) = system("concurrency_two_hosts_on_one_card_never_interleave") else {
        return;
    };
    let card = s.card(0, "card1", "");
    let rounds = 6;
    let mut workers = Vec::new();
    for (tag, command) in [("a", "authenticate"), ("b", "sign")] {
        let mut host = s.host(tag);
        workers.push(thread::spawn(move || {
            let mut outcomes = Vec::new();
            for id in 0..rounds {
                let args = if command == "authenticate" {
                    auth()
                } else {
                    sign(1)
                };
                let (answer, took) = host.timed(id, command, args);
                assert!(took < BOUND, "{command} took {took:?}");
                let outcome = match (answer.get("result"), answer["error"]["code"].as_str()) {
                    (Some(result), _) => {
                        correct(command, result);
                        "ok".to_string()
                    }
                    (None, Some("CARD_BUSY")) => "busy".to_string(),
                    _ => panic!("{command}: neither a result nor CARD_BUSY: {answer}"),
                };
                outcomes.push(outcome);
            }
            host.close();
            outcomes
        }));
    }
    let outcomes: Vec<Vec<String>> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let oks = outcomes.iter().flatten().filter(|o| *o == "ok").count();
    // Both kept asking while the other held the card, so many answers are CARD_BUSY; some
    // must get through, and every result was checked correct above.
    assert!(oks >= 2, "{outcomes:?}");
    // The card log splits into runs at each SELECT AID; every run is one whole request.
    let seq = card.sequence();
    let mut runs: Vec<Vec<String>> = Vec::new();
    for d in seq {
        if d == SELECT_JPKI {
            runs.push(Vec::new());
        }
        runs.last_mut().expect("log starts with SELECT AID").push(d);
    }
    assert_eq!(
        runs.len(),
        oks,
        "one run per successful request, none for CARD_BUSY: {outcomes:?}"
    );
    for run in &runs {
        assert!(valid_run(run), "interleaved or partial APDU run: {run:?}");
    }
    assert_eq!(card.pin_verifies(), oks);
    card.assert_clean();
}

/// Issue 16, items 1 and 2, through pcscd + vpcd: a card that answers `6F00` to the first command
/// after every power-up (the host unpowers it after each request with a PIN) and forgets the
/// key EF after each SIGN. Status, a login and signing right after a login, a two-hash `sign`
/// and a held session all succeed, with one extra SELECT AID per `6F00` and one SELECT key
/// per SIGN.
#[test]
fn quirks_6f00_after_power_up_and_key_reselected_before_each_sign() {
    let Some(s) = system("quirks_6f00_after_power_up_and_key_reselected_before_each_sign") else {
        return;
    };
    let card = s.card(0, "card1", "power-up-6f00,reselect-key");
    let mut host = s.host("main");
    assert_eq!(
        host.ok(1, "status", json!({}))["readers"][0]["card"],
        "jpki"
    );
    correct("authenticate", &host.ok(2, "authenticate", auth()));
    let status = host.ok(3, "status", json!({}));
    assert_eq!(status["readers"][0]["card"], "jpki", "{status}");
    assert_eq!(status["readers"][0]["authPinTriesLeft"], 3, "{status}");
    correct("authenticate", &host.ok(4, "authenticate", auth()));
    correct("sign", &host.ok(5, "sign", sign(2)));
    let held = host.ok(
        6,
        "getSigningCertificate",
        json!({"origin": ORIGIN, "pin": "ABC123", "hold": true}),
    );
    let mut args = sign(2);
    args.as_object_mut().unwrap().remove("pin");
    args["certificate"] = held["certificate"].clone();
    correct("sign", &host.ok(7, "sign", args));
    host.close();

    let lines = card.apdus();
    let seq = card.sequence();
    let sw = |line: &str| {
        line.split(" | ")
            .nth(2)
            .unwrap_or("")
            .get(..4)
            .map(str::to_string)
    };
    let failed: Vec<usize> = (0..lines.len())
        .filter(|&i| sw(&lines[i]).as_deref() == Some("6F00"))
        .collect();
    assert!(failed.len() >= 4, "a 6F00 after each power-up: {lines:?}");
    for i in failed {
        assert_eq!(seq[i], SELECT_JPKI, "{lines:?}");
        assert_eq!(seq[i + 1], SELECT_JPKI, "{lines:?}");
        assert_eq!(sw(&lines[i + 1]).as_deref(), Some("9000"), "{lines:?}");
    }
    let signs: Vec<usize> = (0..seq.len()).filter(|&i| seq[i] == "SIGN").collect();
    assert_eq!(signs.len(), 1 + 1 + 2 + 2, "{seq:?}");
    for i in signs {
        assert!(
            matches!(seq[i - 1].as_str(), "SELECT EF 0017" | "SELECT EF 001A"),
            "SIGN without its own SELECT key: {seq:?}"
        );
    }
    assert_eq!(card.pin_verifies(), 4, "one VERIFY per PIN entry");
    card.assert_clean();
}
