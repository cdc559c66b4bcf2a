//! Privacy of logs (docs/security.md): every flow runs through the built
//! `mynakey-host --simulator` with `MYNAKEY_LOG_LEVEL=trace` and `MYNAKEY_LOG_FILE`, then the log
//! and stderr must not contain a PIN, a certificate body (or any 32-byte slice of one, as hex,
//! spaced hex, decimal list or base64), or the test identity's name, address or date of birth
//! (UTF-8 or hex). Each flow's card-side APDU log must select only the JPKI AID, show PIN bytes
//! only redacted, and a login flow must never touch the signing certificate.
// Integration tests: helpers outside #[test] may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mynakey_test_support::fixtures::{CHALLENGE, ORIGIN};
use mynakey_test_support::pki::{pki, pki_dir};
use std::collections::HashSet;
use std::fs;
use std::time::Instant;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use serde_json::{json, Value};

mod support;
use support::card_log::{self, SELECT_JPKI};
use support::host::Host;

/// PINs that any flow below types (right and wrong ones), in every spelling a log could use.
const PINS: [&str; 7] = [
    "1234", "ABC123", "abc123", "9731", "WRONG1", "wrong1", "5678",
];
/// Card 1's identity (tests/fixtures/pki/README.md) and card 2's.
const PERSONAL: [&str; 9] = [
    "テスト 花子",
    "花子",
    "東京都テスト市試験町一丁目2番3号",
    "試験町",
    "319850315",
    "19850315",
    "テスト 次郎",
    "大阪府試験市テスト町四丁目5番6号",
    "419950707",
];

fn certificates() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in fs::read_dir(pki_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".der") && !name.ends_with(".key.der") {
            out.push((name, fs::read(&path).unwrap()));
        }
    }
    assert!(out.len() >= 8, "{out:?}");
    out
}

fn auth(pin: &str) -> Value {
    json!({"origin": ORIGIN, "challenge": CHALLENGE, "pin": pin})
}

fn hash(n: u8) -> String {
    STANDARD.encode([n; 32])
}

/// What a flow may touch on the card.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Reads both tries counters, never the signing certificate.
    Status,
    /// Never the signing certificate, key or password.
    Login,
    /// The signing side.
    Sign,
}
use Kind::{Login, Sign, Status};

/// Every flow: name, host arguments, what it may touch, and what it sends.
type Flow = (&'static str, &'static [&'static str], Kind, fn(&mut Host));

fn flows() -> Vec<Flow> {
    [login_flows(), sign_flows(), fault_flows(), request_flows()].concat()
}

/// Status and login flows.
fn login_flows() -> Vec<Flow> {
    vec![
        ("status", &[], Status, |h| {
            h.ok(1, "status", json!({}));
        }),
        ("authenticate", &[], Login, |h| {
            h.ok(1, "authenticate", auth("1234"));
        }),
        ("authenticate-wrong-pins-last-try", &[], Login, |h| {
            h.fails(1, "authenticate", auth("9731"), "PIN_INCORRECT");
            h.fails(2, "authenticate", auth("9731"), "PIN_INCORRECT");
            h.fails(3, "authenticate", auth("1234"), "PIN_LAST_TRY");
            let mut args = auth("1234");
            args["allowLastTry"] = json!(true);
            h.ok(4, "authenticate", args);
        }),
        ("authenticate-blocked", &[], Login, |h| {
            for id in 1..=2 {
                h.fails(id, "authenticate", auth("9731"), "PIN_INCORRECT");
            }
            let mut args = auth("9731");
            args["allowLastTry"] = json!(true);
            h.fails(3, "authenticate", args.clone(), "PIN_BLOCKED");
            h.fails(4, "authenticate", args, "PIN_BLOCKED");
        }),
    ]
}

/// Signing flows.
fn sign_flows() -> Vec<Flow> {
    vec![
        ("certificate-first-hold-and-sign", &[], Sign, |h| {
            let cert = h.ok(
                1,
                "getSigningCertificate",
                json!({"origin": ORIGIN, "pin": "ABC123", "hold": true}),
            );
            h.ok(
                2,
                "sign",
                json!({"origin": ORIGIN, "hashAlgorithm": "SHA-256", "hashes": [hash(1)], "certificate": cert["certificate"]}),
            );
        }),
        ("sign-two-hashes-lower-case-password", &[], Sign, |h| {
            h.ok(1, "sign", json!({"origin": ORIGIN, "pin": "abc123", "hashAlgorithm": "SHA-256", "hashes": [hash(1), hash(2)]}));
        }),
        ("sign-wrong-password-and-mismatch", &[], Sign, |h| {
            let args = json!({"origin": ORIGIN, "pin": "WRONG1", "hashAlgorithm": "SHA-256", "hashes": [hash(3)]});
            h.fails(1, "sign", args, "PIN_INCORRECT");
            let other = STANDARD.encode(pki("card2-sign.der"));
            let args = json!({"origin": ORIGIN, "pin": "wrong1", "hashAlgorithm": "SHA-256", "hashes": [hash(3)], "certificate": other});
            h.fails(2, "sign", args, "PIN_INCORRECT");
            let args = json!({"origin": ORIGIN, "pin": "ABC123", "hashAlgorithm": "SHA-256", "hashes": [hash(3)], "certificate": other});
            h.fails(3, "sign", args, "CERTIFICATE_MISMATCH");
        }),
        ("held-session-refused-for-another-origin", &[], Sign, |h| {
            let cert = h.ok(
                1,
                "getSigningCertificate",
                json!({"origin": ORIGIN, "pin": "abc123", "hold": true}),
            );
            let args = json!({"origin": "https://evil.example", "hashAlgorithm": "SHA-256", "hashes": [hash(4)], "certificate": cert["certificate"]});
            h.fails(2, "sign", args, "BAD_REQUEST");
        }),
    ]
}

/// Card and reader faults.
fn fault_flows() -> Vec<Flow> {
    vec![
        (
            "bad-signature",
            &["--sim-faults", "bad-signature"],
            Login,
            |h| {
                h.fails(1, "authenticate", auth("1234"), "CARD_ERROR");
            },
        ),
        (
            "bad-signature-sign",
            &["--sim-faults", "bad-signature"],
            Sign,
            |h| {
                h.fails(1, "sign", json!({"origin": ORIGIN, "pin": "ABC123", "hashAlgorithm": "SHA-512", "hashes": [STANDARD.encode([5u8; 64])]}), "CARD_ERROR");
            },
        ),
        (
            "sign-sw-fault",
            &["--sim-faults", "sw=2A:6F00"],
            Sign,
            |h| {
                h.fails(1, "sign", json!({"origin": ORIGIN, "pin": "ABC123", "hashAlgorithm": "SHA-256", "hashes": [hash(6)]}), "CARD_ERROR");
            },
        ),
        (
            "verify-sw-fault",
            &["--sim-faults", "sw=20:6F00"],
            Login,
            |h| {
                h.fails(1, "authenticate", auth("1234"), "CARD_ERROR");
            },
        ),
        (
            "removed-mid-login",
            &["--sim-faults", "remove-after=5"],
            Login,
            |h| {
                h.fails(1, "authenticate", auth("1234"), "CARD_REMOVED");
                h.fails(2, "authenticate", auth("1234"), "NO_CARD");
            },
        ),
        (
            "removed-after-verify",
            &["--sim-faults", "remove-after=11"],
            Sign,
            |h| {
                h.fails(1, "sign", json!({"origin": ORIGIN, "pin": "ABC123", "hashAlgorithm": "SHA-256", "hashes": [hash(7)]}), "CARD_REMOVED");
            },
        ),
        (
            "short-reads",
            &["--sim-faults", "short-reads=7"],
            Login,
            |h| {
                h.ok(1, "authenticate", auth("1234"));
            },
        ),
        (
            "no-signing-certificate",
            &["--sim-faults", "no-signing-certificate"],
            Sign,
            |h| {
                h.ok(1, "status", json!({}));
                h.fails(
                    2,
                    "getSigningCertificate",
                    json!({"origin": ORIGIN, "pin": "ABC123"}),
                    "NO_SIGNING_CERTIFICATE",
                );
            },
        ),
    ]
}

/// Several cards, waiting and cancelling, malformed requests.
fn request_flows() -> Vec<Flow> {
    vec![
        ("two-cards", &["--sim-readers", "card1,card2"], Login, |h| {
            h.fails(1, "authenticate", auth("5678"), "MULTIPLE_CARDS");
            let mut args = auth("5678");
            args["reader"] = json!("mynakey simulated reader 1");
            h.ok(2, "authenticate", args);
        }),
        (
            "wait-and-cancel",
            &["--sim-faults", "insert-ms=60000"],
            Login,
            |h| {
                let mut args = auth("1234");
                args["timeoutMs"] = json!(30000);
                h.send(&json!({"id": 1, "command": "authenticate", "arguments": args}));
                assert_eq!(h.next()["event"], "waitingForCard");
                h.send(&json!({"id": 2, "command": "cancel", "arguments": {"target": 1}}));
                let a = h.next();
                let b = h.next();
                assert!(
                    [&a, &b].iter().any(|f| f["error"]["code"] == "CANCELLED"),
                    "{a} {b}"
                );
            },
        ),
        ("malformed", &[], Login, |h| {
            h.fails(1, "authenticate", auth("12345"), "PIN_FORMAT");
            h.fails(2, "sign", json!({"origin": ORIGIN, "pin": "ABC-123", "hashAlgorithm": "SHA-256", "hashes": [hash(8)]}), "PIN_FORMAT");
            h.fails(
                3,
                "authenticate",
                json!({"origin": ORIGIN, "challenge": CHALLENGE, "pin": "1234", "x": 1}),
                "BAD_REQUEST",
            );
        }),
    ]
}

/// 32-byte windows of every fixture certificate.
fn certificate_windows() -> HashSet<Vec<u8>> {
    let mut set = HashSet::new();
    for (_, der) in certificates() {
        for w in der.windows(32) {
            set.insert(w.to_vec());
        }
    }
    set
}

/// Byte strings a log line could be hiding: runs of hex digits (contiguous, or pairs separated
/// by spaces or colons), runs of base64 (standard or URL-safe, each alignment) and decimal lists.
fn decoded_runs(text: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    // Hex, ignoring one separator between pairs.
    let mut hex = String::new();
    let flush_hex = |hex: &mut String, out: &mut Vec<Vec<u8>>| {
        for start in 0..2 {
            let h = &hex[start.min(hex.len())..];
            let bytes: Vec<u8> = (0..h.len() / 2)
                .filter_map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).ok())
                .collect();
            if bytes.len() >= 16 {
                out.push(bytes);
            }
        }
        hex.clear();
    };
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_hexdigit() {
            hex.push(*c);
        } else if (*c == ' ' || *c == ':')
            && chars.get(i + 1).is_some_and(char::is_ascii_hexdigit)
            && hex.len().is_multiple_of(2)
            && !hex.is_empty()
        {
        } else {
            flush_hex(&mut hex, &mut out);
        }
    }
    flush_hex(&mut hex, &mut out);
    // Base64.
    for run in text.split(|c: char| !(c.is_ascii_alphanumeric() || "+/-_=".contains(c))) {
        let run = run.trim_end_matches('=');
        if run.len() < 16 {
            continue;
        }
        let lenient = GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true);
        let engines = [
            GeneralPurpose::new(&alphabet::STANDARD, lenient),
            GeneralPurpose::new(&alphabet::URL_SAFE, lenient),
        ];
        for start in 0..4 {
            let mut part = run[start..].to_string();
            if part.len() % 4 == 1 {
                part.pop();
            }
            for engine in &engines {
                if let Ok(bytes) = engine.decode(&part) {
                    out.push(bytes);
                }
            }
        }
    }
    // Decimal lists such as Rust's `[48, 130, 5, …]`.
    for run in text.split(|c: char| !(c.is_ascii_digit() || c == ',' || c == ' ')) {
        let bytes: Vec<u8> = run
            .split(',')
            .filter_map(|n| n.trim().parse::<u8>().ok())
            .collect();
        if bytes.len() >= 16 {
            out.push(bytes);
        }
    }
    out
}

fn hex_upper(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// A log line without its timestamp (digits there could spell a PIN by chance).
fn strip_timestamp(line: &str) -> &str {
    match line.split_once(' ') {
        Some((first, rest))
            if first.len() > 19
                && first.as_bytes().get(4) == Some(&b'-')
                && first.contains('T') =>
        {
            rest
        }
        _ => line,
    }
}

fn leaks(text: &str, windows: &HashSet<Vec<u8>>) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let line = strip_timestamp(line);
        for pin in PINS {
            let hex = hex_upper(pin.as_bytes());
            if line.contains(pin)
                || line
                    .to_ascii_uppercase()
                    .replace([' ', ':'], "")
                    .contains(&hex)
            {
                found.push(format!("PIN {pin}: {line}"));
            }
        }
        for p in PERSONAL {
            let hex = hex_upper(p.as_bytes());
            if line.contains(p)
                || line
                    .to_ascii_uppercase()
                    .replace([' ', ':'], "")
                    .contains(&hex)
            {
                found.push(format!("personal data {p}: {line}"));
            }
        }
        for bytes in decoded_runs(line) {
            if bytes.windows(32).any(|w| windows.contains(w)) {
                found.push(format!("certificate bytes: {line:.200}"));
            }
            for p in PERSONAL {
                if bytes.windows(p.len()).any(|w| w == p.as_bytes()) {
                    found.push(format!("encoded personal data {p}: {line:.200}"));
                }
            }
        }
    }
    found
}

#[test]
fn the_detector_finds_what_it_looks_for() {
    let windows = certificate_windows();
    let cert = pki("card1-sign.der");
    let slice = &cert[101..133];
    for line in [
        "2026-01-01T00:00:00Z [TRACE] pin 1234".to_string(),
        format!("cert {}", STANDARD.encode(&cert[7..400])),
        format!("cert {}", URL_SAFE.encode(&cert[8..200])),
        format!("x {}", hex_upper(slice)),
        format!(
            "x {}",
            slice
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        format!("x {:?}", slice),
        format!(
            "name {}",
            hex_upper("東京都テスト市試験町一丁目2番3号".as_bytes())
        ),
        "born 319850315".to_string(),
        format!("b64 {}", STANDARD.encode("テスト 花子".as_bytes())),
    ] {
        assert!(!leaks(&line, &windows).is_empty(), "missed: {line}");
    }
    assert!(leaks("2026-11-26T22:01:33.912340Z [TRACE] (2) mynakey_card::jpki: apdu 00 B0 04 00 Ne=5 -> 5 bytes, SW 9000", &windows).is_empty());
}

#[test]
fn logs_hold_no_pin_certificate_or_personal_data_and_cards_see_only_jpki() {
    let dir = std::env::temp_dir().join(format!("mynakey-privacy-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let windows = certificate_windows();
    let started = Instant::now();
    let mut problems = Vec::new();
    let mut traced = false;
    for (flow, args, kind, run) in flows() {
        let mut host = Host::simulator(&dir, flow, args);
        run(&mut host);
        host.close();
        let log = fs::read_to_string(dir.join(format!("{flow}.log"))).unwrap_or_default();
        let stderr = fs::read_to_string(dir.join(format!("{flow}.stderr"))).unwrap();
        traced |= log.contains("[TRACE]");
        for (what, text) in [("log", &log), ("stderr", &stderr)] {
            assert!(
                !text.contains("panicked"),
                "{flow}: {what} shows a panic:\n{text}"
            );
            for leak in leaks(text, &windows) {
                problems.push(format!("{flow} {what}: {leak}"));
            }
        }
        // The card's side (test-only log; PIN bytes must appear redacted even there).
        let apdus = card_log::lines(&dir.join(format!("{flow}.apdu.log")));
        let selects: Vec<&String> = apdus
            .iter()
            .filter(|l| l.starts_with("SELECT AID"))
            .collect();
        assert!(
            !selects.is_empty() || flow == "wait-and-cancel" || flow == "malformed",
            "{flow}: no SELECT"
        );
        for s in selects {
            assert!(
                s.starts_with(SELECT_JPKI),
                "{flow}: selected another application: {s}"
            );
        }
        for l in apdus.iter().filter(|l| l.starts_with("VERIFY |")) {
            assert!(l.contains("** ** **"), "{flow}: VERIFY not redacted: {l}");
        }
        if kind != Sign {
            assert!(
                !apdus.iter().any(|l| l.starts_with("SELECT EF 0001")),
                "{flow}: read the signing certificate: {apdus:#?}"
            );
        }
        if kind == Login {
            assert!(
                !apdus
                    .iter()
                    .any(|l| l.starts_with("SELECT EF 001A") || l.starts_with("SELECT EF 001B")),
                "{flow}: a login flow touched the signing key or password: {apdus:#?}"
            );
        }
        for leak in leaks(&apdus.join("\n"), &HashSet::new())
            .into_iter()
            .filter(|l| l.starts_with("PIN") || l.starts_with("encoded"))
        {
            problems.push(format!("{flow} apdu log: {leak}"));
        }
    }
    assert!(traced, "trace logging was not on");
    assert!(problems.is_empty(), "{problems:#?}");
    eprintln!("{} flows checked in {:?}", flows().len(), started.elapsed());
    let _ = fs::remove_dir_all(&dir);
}
