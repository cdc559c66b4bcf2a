//! The relying-party verifier: `verify_login` with fuzzed token JSON, fuzzed certificates in an
//! otherwise valid token, fuzzed signatures, `verify_signature` with fuzzed certificates, and
//! `Trust` loading of fuzzed roots and CRLs. Properties: no panic; nothing but the real test
//! certificate with the real signature ever verifies.
#![no_main]

use std::sync::OnceLock;
use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use mynakey::config::Config;
use mynakey::ops::{AuthenticateArgs, Ops, RequestContext, SignArgs};
use mynakey_simulator::{ApduLog, Faults, SimReaders, TEST_AUTH_ROOTS, TEST_SIGN_ROOTS};
use mynakey_card::transport::CancelToken;
use mynakey_verify::{
    parse_rfc3339, verify_login, verify_signature, HashAlgorithm, Purpose, Trust,
};
use mynakey_protocol::ProgressEvent;
use mynakey_test_support::fixtures::{CHALLENGE, ORIGIN};
use serde_json::{json, Value};

const AUTH_CERT: &[u8] = include_bytes!("../../tests/fixtures/pki/card1-auth.der");
const SIGN_CERT: &[u8] = include_bytes!("../../tests/fixtures/pki/card1-sign.der");
const HASH: [u8; 32] = [0x11; 32];

struct Fixtures {
    token: Value,
    signature: Vec<u8>,
    trust: Trust,
    now: SystemTime,
}

/// A real login proof and document signature from the simulated card, made once.
fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| {
        let readers =
            SimReaders::single(Faults::default(), ApduLog::new()).expect("simulated card");
        let mut ops = Ops::new(Box::new(readers), Config::default());
        let mut progress = |_: ProgressEvent| {};
        let mut ctx = RequestContext {
            cancel: CancelToken::new(),
            progress: &mut progress,
        };
        let proof = ops
            .authenticate(AuthenticateArgs::new(ORIGIN, CHALLENGE, "1234"), &mut ctx)
            .expect("login proof");
        let signed = ops
            .sign(
                SignArgs::new(
                    ORIGIN,
                    Some("ABC123"),
                    "SHA-256",
                    vec![STANDARD.encode(HASH)],
                ),
                &mut ctx,
            )
            .expect("signature");
        Fixtures {
            token: serde_json::to_value(&proof).expect("token JSON"),
            signature: STANDARD.decode(&signed.signatures[0]).expect("base64"),
            trust: Trust::from_der(&TEST_AUTH_ROOTS, &TEST_SIGN_ROOTS).expect("test roots"),
            now: parse_rfc3339("2026-11-26T00:00:00Z").expect("time"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let f = fixtures();
    let text = String::from_utf8_lossy(rest);
    match mode % 7 {
        0 => {
            if verify_login(&text, ORIGIN, CHALLENGE, &f.trust, f.now).is_ok() {
                let token: Value = serde_json::from_str(&text).expect("a verified token is JSON");
                assert_eq!(
                    token["unverifiedCertificate"],
                    f.token["unverifiedCertificate"]
                );
            }
        }
        1 => {
            let mut token = f.token.clone();
            token["unverifiedCertificate"] = json!(STANDARD.encode(rest));
            if verify_login(&token.to_string(), ORIGIN, CHALLENGE, &f.trust, f.now).is_ok() {
                assert_eq!(rest, AUTH_CERT, "a forged certificate verified");
            }
        }
        2 => {
            let mut token = f.token.clone();
            token["signature"] = json!(STANDARD.encode(rest));
            if verify_login(&token.to_string(), ORIGIN, CHALLENGE, &f.trust, f.now).is_ok() {
                assert_eq!(
                    Some(STANDARD.encode(rest).as_str()),
                    f.token["signature"].as_str()
                );
            }
        }
        3 => {
            if verify_signature(
                &HASH,
                HashAlgorithm::Sha256,
                &f.signature,
                rest,
                &f.trust,
                f.now,
            )
            .is_ok()
            {
                assert_eq!(rest, SIGN_CERT, "a forged signing certificate verified");
            }
            let _ = verify_signature(
                &HASH,
                HashAlgorithm::Sha256,
                rest,
                SIGN_CERT,
                &f.trust,
                f.now,
            );
        }
        4 => {
            let mut trust = f.trust.clone();
            if trust.add_crl(rest).is_ok() {
                let _ = verify_login(&f.token.to_string(), ORIGIN, CHALLENGE, &trust, f.now);
                let _ = verify_signature(
                    &HASH,
                    HashAlgorithm::Sha256,
                    &f.signature,
                    SIGN_CERT,
                    &trust,
                    f.now,
                );
            }
        }
        5 => {
            let mut trust = Trust::empty();
            let purpose = if rest.first().is_some_and(|b| b & 1 == 1) {
                Purpose::Signature
            } else {
                Purpose::Authentication
            };
            if trust.add_root(purpose, rest).is_ok() {
                let _ = trust.roots(purpose);
                // Only the real test roots can make the real certificate verify.
                if verify_login(&f.token.to_string(), ORIGIN, CHALLENGE, &trust, f.now).is_ok() {
                    assert!(
                        TEST_AUTH_ROOTS.contains(&rest),
                        "a forged root verified the certificate"
                    );
                }
            }
        }
        _ => {
            let _ = parse_rfc3339(&text);
        }
    }
});
