//! `mynakey-host demo`: one relying-party round against the built-in simulated card, each step
//! in plain words. Exit status 0 only when every verification passed.

mod documents;
mod long_term;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_protocol::ProgressEvent;

use crate::config::Config;
use crate::ops::{AuthenticateArgs, Ops, Progress, RequestContext, SignArgs};
use mynakey_card::transport::CancelToken;
use mynakey_simulator::{ApduLog, Faults, SimReaders, TEST_AUTH_ROOTS, TEST_SIGN_ROOTS};
use mynakey_verify::{self as verify, HashAlgorithm, Sex, SignerIdentity, Trust};

const ORIGIN: &str = "https://service.example.jp";
const DOCUMENT: &str = "契約書（テスト）: mynakey demo document. 甲は乙に…";

/// One demo run: the relying party's trust, the host's use cases over the simulated card, and
/// the card's APDU log shown after each card step.
struct Demo<'a> {
    out: &'a mut dyn Write,
    ops: Ops,
    log: ApduLog,
    trust: Trust,
    now: SystemTime,
}

/// Where the demo writes its signed documents without `--save`: a new folder in the system's
/// temporary directory.
pub fn default_save_dir() -> PathBuf {
    std::env::temp_dir().join(format!("mynakey-demo-{}", std::process::id()))
}

/// Runs the demo, writing to `out` and the signed documents to `save`; returns whether every
/// check passed.
pub fn run(out: &mut dyn Write, save: &Path) -> std::io::Result<bool> {
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
    let mut demo = Demo {
        out,
        ops: Ops::new(Box::new(readers), Config::default()),
        log,
        trust,
        now: SystemTime::now(),
    };
    // A step the card could not do ends the demo; a failed check does not.
    let Some(login_ok) = demo.login()? else {
        return Ok(false);
    };
    let ok = demo.signature()? && login_ok;
    let ok = demo.documents(save)? && ok;
    let verdict = if ok {
        "All checks passed."
    } else {
        "Some checks FAILED."
    };
    writeln!(demo.out, "\n{verdict}")?;
    Ok(ok)
}

/// A request context whose progress events are not shown.
fn quiet_context(quiet: &mut dyn Progress) -> RequestContext<'_> {
    RequestContext {
        cancel: CancelToken::new(),
        progress: quiet,
    }
}

impl Demo<'_> {
    /// Steps 1–3: challenge, login proof, verification (and the phishing origin refused).
    /// `None` when the card step failed.
    fn login(&mut self) -> std::io::Result<Option<bool>> {
        writeln!(self.out, "mynakey demo — a relying party and the built-in simulated My Number Card (TEST identity)\n")?;
        writeln!(self.out, "1. The service {ORIGIN} issues a login challenge (32 random bytes, single use, 5 minutes):")?;
        let challenge = verify::new_challenge();
        writeln!(self.out, "   {challenge}\n")?;
        writeln!(
            self.out,
            "2. The host asks the card for a login proof (authentication key, PIN 1234)."
        )?;
        writeln!(
            self.out,
            "   The origin comes from the browser, never from the page."
        )?;
        let mut quiet = |_: ProgressEvent| {};
        let args = AuthenticateArgs::new(ORIGIN, &challenge, "1234");
        let token = match self.ops.authenticate(args, &mut quiet_context(&mut quiet)) {
            Ok(proof) => serde_json::to_string(&proof).unwrap_or_default(),
            Err(e) => {
                writeln!(self.out, "   ✗ failed: {e}")?;
                return Ok(None);
            }
        };
        writeln!(
            self.out,
            "   login proof ({} bytes, format web-eid:1.0, RS256), card exchange:",
            token.len()
        )?;
        writeln!(self.out, "   {}\n", self.log.sequence().join(" → "))?;
        self.verify_login(&token, &challenge).map(Some)
    }

    fn verify_login(&mut self, token: &str, challenge: &str) -> std::io::Result<bool> {
        let mut ok = true;
        writeln!(
            self.out,
            "3. The service verifies the proof with its own origin and the challenge it stored:"
        )?;
        match verify::verify_login(token, ORIGIN, challenge, &self.trust, self.now) {
            Ok(id) => {
                writeln!(
                    self.out,
                    "   ✓ signature valid, chain to TEST root {} …, certificate valid now",
                    &id.trust_anchor[..16.min(id.trust_anchor.len())]
                )?;
                writeln!(self.out, "   ✓ bound to {ORIGIN} and this challenge")?;
                writeln!(self.out, "   issuer:  {}\n   serial:  {} (発行番号)\n   subject: {} (no personal data)\n   account key: {}", id.issuer, id.serial_number, id.subject, id.account_key)?;
            }
            Err(e) => {
                ok = false;
                writeln!(self.out, "   ✗ {e}")?;
            }
        }
        let phishing = "https://phishing.example";
        match verify::verify_login(token, phishing, challenge, &self.trust, self.now) {
            Err(e) => writeln!(
                self.out,
                "   ✓ the same proof presented to {phishing} is rejected: {e}\n"
            )?,
            Ok(_) => {
                ok = false;
                writeln!(self.out, "   ✗ the proof verified for another origin\n")?;
            }
        }
        Ok(ok)
    }

    /// Steps 4–6: a document hash, its signature, and the verification (a changed document
    /// refused).
    fn signature(&mut self) -> std::io::Result<bool> {
        writeln!(self.out, "4. The service hashes a document with SHA-256:")?;
        let hash = HashAlgorithm::Sha256.digest(DOCUMENT.as_bytes());
        writeln!(self.out, "   {}\n", STANDARD.encode(&hash))?;
        writeln!(
            self.out,
            "5. The host asks the card to sign it (signing key, password ABC123, typed as abc123)."
        )?;
        writeln!(self.out, "   The window would first say the certificate reveals name, address, date of birth and sex.")?;
        self.log.clear();
        let args = SignArgs::new(
            ORIGIN,
            Some("abc123"),
            "SHA-256",
            vec![STANDARD.encode(&hash)],
        );
        let mut quiet = |_: ProgressEvent| {};
        let signed = match self.ops.sign(args, &mut quiet_context(&mut quiet)) {
            Ok(signed) => signed,
            Err(e) => {
                writeln!(self.out, "   ✗ failed: {e}")?;
                return Ok(false);
            }
        };
        writeln!(
            self.out,
            "   signature made, card exchange:\n   {}\n",
            self.log.sequence().join(" → ")
        )?;
        let certificate = STANDARD.decode(&signed.certificate).unwrap_or_default();
        let signature = signed
            .signatures
            .first()
            .and_then(|s| STANDARD.decode(s).ok())
            .unwrap_or_default();
        self.verify_signature(&hash, &signature, &certificate)
    }

    fn verify_signature(
        &mut self,
        hash: &[u8],
        signature: &[u8],
        certificate: &[u8],
    ) -> std::io::Result<bool> {
        let mut ok = true;
        writeln!(
            self.out,
            "6. The service verifies the signature and learns who signed:"
        )?;
        let sha256 = HashAlgorithm::Sha256;
        match verify::verify_signature(hash, sha256, signature, certificate, &self.trust, self.now)
        {
            Ok(id) => self.show_signer(&id)?,
            Err(e) => {
                ok = false;
                writeln!(self.out, "   ✗ {e}")?;
            }
        }
        let mut tampered = hash.to_vec();
        tampered[0] ^= 1;
        let changed = verify::verify_signature(
            &tampered,
            sha256,
            signature,
            certificate,
            &self.trust,
            self.now,
        );
        match changed {
            Err(_) => writeln!(
                self.out,
                "   ✓ the signature does not fit a changed document"
            )?,
            Ok(_) => {
                ok = false;
                writeln!(
                    self.out,
                    "   ✗ the signature verified for a changed document"
                )?;
            }
        }
        Ok(ok)
    }

    fn show_signer(&mut self, id: &SignerIdentity) -> std::io::Result<()> {
        writeln!(
            self.out,
            "   ✓ signature valid, chain to TEST root, certificate valid now"
        )?;
        writeln!(
            self.out,
            "   name:    {}",
            id.name.as_deref().unwrap_or("?")
        )?;
        let dob = id.date_of_birth.as_ref();
        writeln!(
            self.out,
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
        writeln!(self.out, "   sex:     {sex}")?;
        writeln!(
            self.out,
            "   address: {}",
            id.address.as_deref().unwrap_or("?")
        )
    }
}
