//! The JPKI layer and the ops policy fed fuzzed card answers (a scripted `Transport` /
//! `Readers`). Properties: no panic; every command sent is a well-formed APDU; only the JPKI AID
//! is ever selected; a login never touches the signing certificate, key or password; at most one
//! PIN VERIFY per request, and only after a tries query that showed ≥ 2 tries (or "verified").
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynakey::config::Config;
use mynakey_card::jpki::{Jpki, KeyPair, Pin, PinKind};
use mynakey::ops::{AuthenticateArgs, GetSigningCertificateArgs, Ops, RequestContext, SignArgs};
use mynakey_types::secret::Secret;
use mynakey_card::transport::CancelToken;
use mynakey_fuzz::{script_readers, Log, Script};
use mynakey_protocol::ProgressEvent;
use mynakey_test_support::fixtures::{CHALLENGE, ORIGIN};


fn ctx_run<T>(f: impl FnOnce(&mut RequestContext<'_>) -> T) -> T {
    let mut progress = |_: ProgressEvent| {};
    let mut ctx = RequestContext {
        cancel: CancelToken::new(),
        progress: &mut progress,
    };
    f(&mut ctx)
}

fn guard_held(log: &Log, max_verifies: usize) {
    assert!(!log.selects_other_application(), "{log:?}");
    // One request = at most one VERIFY and two SELECT AIDs (the retry after a failed one), and
    // every SIGN right after its own SELECT key.
    assert!(log.select_aids() <= 2 * max_verifies, "{log:?}");
    assert!(!log.sign_without_its_select_key(), "{log:?}");
    assert!(log.verifies_after.len() <= max_verifies, "{log:?}");
    for query in &log.verifies_after {
        // The host reads only the status word of the tries query (any data is ignored).
        let sw = query
            .as_deref()
            .and_then(|q| q.get(q.len().checked_sub(2)?..));
        let ok = matches!(sw, Some([0x63, x]) if (0xC2..=0xCF).contains(x))
            || matches!(sw, Some([0x90, 0x00]));
        assert!(ok, "VERIFY sent after tries answer {query:02X?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let script = Script::new(rest);
    match mode % 6 {
        0 => {
            let mut t = script.clone();
            let mut card = Jpki::new(&mut t);
            let _ = card.select_ap();
            if let Ok(cert) = card.read_certificate(KeyPair::Auth) {
                assert!(cert.len() <= 0x7FFF);
            }
            if let (Ok(count), Ok(pin)) = (
                card.pin_status(PinKind::Auth),
                Pin::parse(PinKind::Auth, &Secret::new("1234".into())),
            ) {
                let _ = card.verify_pin(count, pin);
            }
            let _ = card.sign(KeyPair::Auth, &[0x30; 51]);
            let _ = card.token_label();
            let _ = card.has_signing_certificate();
            let _ = card.read_certificate(KeyPair::Sign);
            let _ = card.pin_status(PinKind::Sign);
            assert!(!script.log().sign_without_its_select_key());
        }
        1 => {
            let mut ops = Ops::new(script_readers(&script), Config::default());
            let _ = ops.status();
            let log = script.log();
            assert!(log.verifies_after.is_empty(), "status sent a PIN");
            assert!(
                !log.selected_ef(&[0x0001]),
                "status read the signing certificate"
            );
            assert!(!log.selects_other_application());
        }
        2 | 3 => {
            let mut ops = Ops::new(script_readers(&script), Config::default());
            let args = AuthenticateArgs::new(ORIGIN, CHALLENGE, "1234");
            let result = ctx_run(|ctx| ops.authenticate(args, ctx));
            let log = script.log();
            guard_held(&log, 1);
            assert!(
                !log.selected_ef(&[0x0001, 0x001A, 0x001B]),
                "login touched the signing side"
            );
            if result.is_ok() {
                assert_eq!(log.verifies_after.len(), 1);
            }
        }
        _ => {
            let mut ops = Ops::new(script_readers(&script), Config::default());
            let args = GetSigningCertificateArgs::new(ORIGIN, "abc123", true);
            let cert = ctx_run(|ctx| ops.get_signing_certificate(args, ctx));
            let certificate = cert.ok().map(|v| v.certificate);
            let mut args = SignArgs::new(
                ORIGIN,
                (mode % 2 == 1).then_some("ABC123"),
                "SHA-256",
                vec!["ERERERERERERERERERERERERERERERERERERERERERE=".into()],
            );
            args.certificate = certificate;
            let _ = ctx_run(|ctx| ops.sign(args, ctx));
            drop(ops);
            // One password entry per request: two requests, at most two VERIFYs.
            guard_held(&script.log(), 2);
            assert!(
                !script.log().selected_ef(&[0x000A, 0x0017, 0x0018]),
                "signing touched the auth side"
            );
        }
    }
});
