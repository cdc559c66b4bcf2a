//! `mynakey-host demo`: one relying-party round against the built-in simulated card, each step
//! in plain words. Exit status 0 only when every verification passed.

use std::io::Write;
use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_protocol::ProgressEvent;

use crate::config::Config;
use crate::ops::{AuthenticateArgs, Ops, RequestContext, SignArgs};
use mynakey_card::transport::CancelToken;
use mynakey_simulator::{ApduLog, Faults, SimReaders, TEST_AUTH_ROOTS, TEST_SIGN_ROOTS};
use mynakey_verify::{self as verify, HashAlgorithm, Sex, Trust};

const ORIGIN: &str = "https://service.example.jp";
const DOCUMENT: &str = "契約書（テスト）: mynakey demo document. 甲は乙に…";

/// Runs the demo, writing to `out`; returns whether every check passed.
pub fn run(out: &mut dyn Write) -> std::io::Result<bool> {
    let log = ApduLog::new();
    let readers = match SimReaders::single(Faults::default(), log.clone()) {
        Ok(readers) => readers,
        Err(e) => {
            writeln!(out, "✗ cannot start the simulated card: {e}")?;
            return Ok(false);
        }
    };
    let trust = match Trust::from_der(&TEST_AUTH_ROOTS, &TEST_SIGN_ROOTS) {
        Ok(trust) => trust,
        Err(e) => {
            writeln!(out, "✗ cannot load the test roots: {e}")?;
            return Ok(false);
        }
    };
    let mut ops = Ops::new(Box::new(readers), Config::default());
    let mut quiet = |_: ProgressEvent| {};
    let mut ctx = RequestContext {
        cancel: CancelToken::new(),
        progress: &mut quiet,
    };
    let mut ok = true;
    let now = SystemTime::now();

    writeln!(out, "mynakey demo — a relying party and the built-in simulated My Number Card (TEST identity)\n")?;
    writeln!(out, "1. The service {ORIGIN} issues a login challenge (32 random bytes, single use, 5 minutes):")?;
    let challenge = verify::new_challenge();
    writeln!(out, "   {challenge}\n")?;

    writeln!(
        out,
        "2. The host asks the card for a login proof (authentication key, PIN 1234)."
    )?;
    writeln!(
        out,
        "   The origin comes from the browser, never from the page."
    )?;
    let proof = ops.authenticate(AuthenticateArgs::new(ORIGIN, &challenge, "1234"), &mut ctx);
    let token = match proof {
        Ok(proof) => serde_json::to_string(&proof).unwrap_or_default(),
        Err(e) => {
            writeln!(out, "   ✗ failed: {e}")?;
            return Ok(false);
        }
    };
    writeln!(
        out,
        "   login proof ({} bytes, format web-eid:1.0, RS256), card exchange:",
        token.len()
    )?;
    writeln!(out, "   {}\n", log.sequence().join(" → "))?;

    writeln!(
        out,
        "3. The service verifies the proof with its own origin and the challenge it stored:"
    )?;
    match verify::verify_login(&token, ORIGIN, &challenge, &trust, now) {
        Ok(id) => {
            writeln!(
                out,
                "   ✓ signature valid, chain to TEST root {} …, certificate valid now",
                &id.trust_anchor[..16.min(id.trust_anchor.len())]
            )?;
            writeln!(out, "   ✓ bound to {ORIGIN} and this challenge")?;
            writeln!(out, "   issuer:  {}\n   serial:  {} (発行番号)\n   subject: {} (no personal data)\n   account key: {}", id.issuer, id.serial_number, id.subject, id.account_key)?;
        }
        Err(e) => {
            ok = false;
            writeln!(out, "   ✗ {e}")?;
        }
    }
    match verify::verify_login(&token, "https://phishing.example", &challenge, &trust, now) {
        Err(e) => writeln!(
            out,
            "   ✓ the same proof presented to https://phishing.example is rejected: {e}\n"
        )?,
        Ok(_) => {
            ok = false;
            writeln!(out, "   ✗ the proof verified for another origin\n")?;
        }
    }

    writeln!(out, "4. The service hashes a document with SHA-256:")?;
    let hash = HashAlgorithm::Sha256.digest(DOCUMENT.as_bytes());
    writeln!(out, "   {}\n", STANDARD.encode(&hash))?;

    writeln!(
        out,
        "5. The host asks the card to sign it (signing key, password ABC123, typed as abc123)."
    )?;
    writeln!(out, "   The window would first say the certificate reveals name, address, date of birth and sex.")?;
    log.clear();
    let signed = ops.sign(
        SignArgs::new(
            ORIGIN,
            Some("abc123"),
            "SHA-256",
            vec![STANDARD.encode(&hash)],
        ),
        &mut ctx,
    );
    let signed = match signed {
        Ok(signed) => signed,
        Err(e) => {
            writeln!(out, "   ✗ failed: {e}")?;
            return Ok(false);
        }
    };
    writeln!(
        out,
        "   signature made, card exchange:\n   {}\n",
        log.sequence().join(" → ")
    )?;

    writeln!(
        out,
        "6. The service verifies the signature and learns who signed:"
    )?;
    let certificate = STANDARD.decode(&signed.certificate).unwrap_or_default();
    let signature = signed
        .signatures
        .first()
        .and_then(|s| STANDARD.decode(s).ok())
        .unwrap_or_default();
    match verify::verify_signature(
        &hash,
        HashAlgorithm::Sha256,
        &signature,
        &certificate,
        &trust,
        now,
    ) {
        Ok(id) => {
            writeln!(
                out,
                "   ✓ signature valid, chain to TEST root, certificate valid now"
            )?;
            writeln!(out, "   name:    {}", id.name.as_deref().unwrap_or("?"))?;
            let dob = id.date_of_birth.as_ref();
            writeln!(
                out,
                "   born:    {} ({})",
                dob.and_then(|d| d.date.as_deref()).unwrap_or("?"),
                dob.and_then(|d| d.era_name).unwrap_or("?")
            )?;
            let sex = match id.sex {
                Some(Sex::Male) => "男 (male)",
                Some(Sex::Female) => "女 (female)",
                Some(Sex::Unknown) => "不明 (unknown)",
                None => "?",
            };
            writeln!(out, "   sex:     {sex}")?;
            writeln!(out, "   address: {}", id.address.as_deref().unwrap_or("?"))?;
        }
        Err(e) => {
            ok = false;
            writeln!(out, "   ✗ {e}")?;
        }
    }
    let mut tampered = hash.clone();
    tampered[0] ^= 1;
    match verify::verify_signature(
        &tampered,
        HashAlgorithm::Sha256,
        &signature,
        &certificate,
        &trust,
        now,
    ) {
        Err(_) => writeln!(out, "   ✓ the signature does not fit a changed document")?,
        Ok(_) => {
            ok = false;
            writeln!(out, "   ✗ the signature verified for a changed document")?;
        }
    }
    writeln!(
        out,
        "\n{}",
        if ok {
            "All checks passed."
        } else {
            "Some checks FAILED."
        }
    )?;
    Ok(ok)
}
