//! The inbound half of protocol 1: frames, the envelope, typed arguments and every check made
//! before a card is touched. Properties: no panic; an accepted origin/PIN has the contract's shape.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynakey_types::binding::{check_challenge, check_origin};
use mynakey_card::jpki::{Pin, PinKind};
use mynakey::ops::{AuthenticateArgs, CancelArgs, GetSigningCertificateArgs, NoArgs, SignArgs};
use mynakey_protocol::framing::{read_frame, FrameError, MAX_INBOUND};
use mynakey_protocol::{parse_arguments, parse_envelope, ErrorCode, WireError};
use mynakey_types::secret::Secret;
use mynakey_verify::HashAlgorithm;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    check_body(data);
    let mut input = data;
    for _ in 0..64 {
        match read_frame(&mut input) {
            Ok(frame) => {
                assert!(frame.len() <= MAX_INBOUND);
                check_body(&frame);
            }
            Err(FrameError::TooLarge(n)) => assert!(n as usize > MAX_INBOUND),
            Err(_) => break,
        }
    }
});

fn check_body(body: &[u8]) {
    let envelope = match parse_envelope(body) {
        Ok(envelope) => envelope,
        Err((id, e)) => {
            assert!(matches!(
                id,
                Value::Null | Value::String(_) | Value::Number(_)
            ));
            assert_eq!(e.code, ErrorCode::BadRequest);
            return;
        }
    };
    assert!(envelope.arguments.is_none_or(|a| a.get().starts_with('{')));
    let args = envelope.arguments;
    // Arguments fail with BAD_REQUEST, or PIN_FORMAT for an escaped pin.
    let typed = |r: &Result<(), WireError>| {
        if let Err(e) = r {
            assert!(matches!(
                e.code,
                ErrorCode::BadRequest | ErrorCode::PinFormat
            ));
        }
    };
    match envelope.command.as_str() {
        "version" | "status" | "quit" => {
            typed(&parse_arguments::<NoArgs>(args).map(drop));
        }
        "cancel" => {
            typed(&parse_arguments::<CancelArgs>(args).map(drop));
        }
        "authenticate" => {
            let parsed = parse_arguments::<AuthenticateArgs>(args);
            typed(&parsed.as_ref().map(drop).map_err(Clone::clone));
            if let Ok(a) = parsed {
                origin_property(&a.origin);
                if check_challenge(&a.challenge).is_ok() {
                    assert!((44..=128).contains(&a.challenge.len()));
                }
                check_pin(PinKind::Auth, &a.pin);
            }
        }
        "getSigningCertificate" => {
            let parsed = parse_arguments::<GetSigningCertificateArgs>(args);
            typed(&parsed.as_ref().map(drop).map_err(Clone::clone));
            if let Ok(a) = parsed {
                origin_property(&a.origin);
                check_pin(PinKind::Sign, &a.pin);
            }
        }
        "sign" => {
            let parsed = parse_arguments::<SignArgs>(args);
            typed(&parsed.as_ref().map(drop).map_err(Clone::clone));
            if let Ok(a) = parsed {
                origin_property(&a.origin);
                if let Some(pin) = &a.pin {
                    check_pin(PinKind::Sign, pin);
                }
                let _ = HashAlgorithm::from_name(&a.hash_algorithm);
            }
        }
        _ => {}
    }
}

fn origin_property(origin: &str) {
    if check_origin(origin, false).is_ok() {
        let rest = origin
            .strip_prefix("https://")
            .expect("accepted origin is https");
        assert!(origin.len() <= 255);
        assert!(
            !rest.contains(['/', '?', '#', '@', '\\', ' ']) && !rest.is_empty(),
            "{origin:?}"
        );
        assert!(
            !rest
                .bytes()
                .any(|b| b.is_ascii_uppercase() || !b.is_ascii()),
            "{origin:?}"
        );
    }
    if check_origin(origin, true).is_ok() && !origin.starts_with("https://") {
        assert!(
            origin.starts_with("http://localhost") || origin.starts_with("http://127.0.0.1"),
            "{origin:?}"
        );
    }
}

fn check_pin(kind: PinKind, secret: &Secret) {
    if let Ok(pin) = Pin::parse(kind, secret) {
        let b = pin.bytes();
        match kind {
            PinKind::Auth => assert!(b.len() == 4 && b.iter().all(u8::is_ascii_digit)),
            PinKind::Sign => assert!(
                (6..=16).contains(&b.len())
                    && b.iter()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            ),
        }
    }
}
