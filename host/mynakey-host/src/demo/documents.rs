//! Demo step 7: a signed PDF and a text document with its detached `.p7s`, both from one held
//! signing session (the certificate first, then one `sign` for both hashes, one password),
//! finished with the lab TSA's timestamps and made long-term in step 8 ([`super::long_term`]).

use std::path::Path;
use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_documents::{
    finish_cms_with, finish_pdf_with, prepare_cms, prepare_pdf, verify_cms_with, verify_pdf_with,
    FinishOptions, Level, PdfSigning, Validation, HASH_ALGORITHM,
};
use mynakey_protocol::ProgressEvent;
use sha2::{Digest, Sha256};

use super::long_term::{archive_pdf, current_crls, describe, LabTimestamps, TSA_ROOT_PEM};
use super::{quiet_context, Demo, DOCUMENT, ORIGIN};
use crate::ops::{GetSigningCertificateArgs, SignArgs};

/// A one-page contract (the repository's test PDF with a classic cross-reference table).
const CONTRACT_PDF: &[u8] =
    include_bytes!("../../../../tests/fixtures/documents/contract-xref-table.pdf");

/// What step 7 writes into the chosen folder.
pub const SIGNED_PDF: &str = "contract-signed.pdf";
pub const TEXT: &str = "contract.txt";
pub const TEXT_P7S: &str = "contract.txt.p7s";

impl Demo<'_> {
    /// Signs the PDF and the text document with timestamps, makes the PDF long-term, writes
    /// them to `dir`, and verifies both files with the TSA root.
    pub(super) fn documents(&mut self, dir: &Path) -> std::io::Result<bool> {
        writeln!(self.out, "\n7. Documents people keep: a signed PDF (PAdES) and a text document with its CMS signature (.p7s).")?;
        let timestamps = match LabTimestamps::new() {
            Ok(timestamps) => timestamps,
            Err(e) => {
                writeln!(self.out, "   ✗ cannot start the lab's test TSA: {e}")?;
                return Ok(false);
            }
        };
        let Some((pdf, p7s)) = self.sign_documents(&timestamps)? else {
            return Ok(false);
        };
        writeln!(self.out, "\n8. Kept for years: the service adds to the PDF the chain and the CRLs the TEST roots issue now,")?;
        writeln!(
            self.out,
            "   then a document timestamp over the whole file (PAdES B-LTA)."
        )?;
        let archived = current_crls().and_then(|crls| {
            archive_pdf(&pdf, &crls, &timestamps)
                .map(|pdf| (pdf, crls))
                .map_err(|e| e.to_string())
        });
        let (pdf, crls) = match archived {
            Ok(archived) => archived,
            Err(e) => {
                writeln!(self.out, "   ✗ cannot add the validation data: {e}")?;
                return Ok(false);
            }
        };
        self.save(dir, &pdf, &p7s)?;
        self.verify_documents(&pdf, &p7s, &crls, &timestamps)
    }

    /// The card's two signatures, each finished with a timestamp from the lab's TSA: the PDF
    /// (PAdES B-T) and the `.p7s` (CAdES-T). `None` when a step failed (already said).
    fn sign_documents(
        &mut self,
        timestamps: &LabTimestamps,
    ) -> std::io::Result<Option<(Vec<u8>, Vec<u8>)>> {
        writeln!(
            self.out,
            "   The host reads the signing certificate and holds the card (password abc123, once):"
        )?;
        let mut quiet = |_: ProgressEvent| {};
        let args = GetSigningCertificateArgs::new(ORIGIN, "abc123", true);
        let certificate = match self
            .ops
            .get_signing_certificate(args, &mut quiet_context(&mut quiet))
        {
            Ok(result) => STANDARD.decode(result.certificate).unwrap_or_default(),
            Err(e) => {
                writeln!(self.out, "   ✗ failed: {e}")?;
                return Ok(None);
            }
        };
        let signing = PdfSigning::new(self.now).with_reason("mynakey demo contract");
        let digest: [u8; 32] = Sha256::digest(DOCUMENT.as_bytes()).into();
        let prepared = prepare_pdf(CONTRACT_PDF, &certificate, &signing)
            .and_then(|pdf| Ok((pdf, prepare_cms(&digest, &certificate, self.now)?)));
        let (pdf, text) = match prepared {
            Ok(both) => both,
            Err(e) => {
                writeln!(self.out, "   ✗ cannot prepare: {e}")?;
                return Ok(None);
            }
        };
        writeln!(self.out, "   The service prepares both and sends one hash each; the card signs both without a password:")?;
        let hashes = vec![STANDARD.encode(pdf.hash()), STANDARD.encode(text.hash())];
        let mut args = SignArgs::new(ORIGIN, None, HASH_ALGORITHM.name(), hashes);
        args.certificate = Some(STANDARD.encode(&certificate));
        let signatures = match self.ops.sign(args, &mut quiet_context(&mut quiet)) {
            Ok(signed) => signed.signatures,
            Err(e) => {
                writeln!(self.out, "   ✗ failed: {e}")?;
                return Ok(None);
            }
        };
        let signature = |i: usize| {
            signatures
                .get(i)
                .and_then(|s| STANDARD.decode(s).ok())
                .unwrap_or_default()
        };
        writeln!(self.out, "   The service has the lab's TEST time-stamping authority timestamp both signatures (PAdES B-T, CAdES-T).")?;
        let options = FinishOptions::new().with_timestamping(timestamps.timestamping());
        let files = finish_pdf_with(&pdf, &signature(0), &options)
            .and_then(|pdf| Ok((pdf, finish_cms_with(&text, &signature(1), &options)?)));
        match files {
            Ok(files) => Ok(Some(files)),
            Err(e) => {
                writeln!(self.out, "   ✗ cannot finish: {e}")?;
                Ok(None)
            }
        }
    }

    /// Writes the documents and the TEST TSA's root to `dir`.
    fn save(&mut self, dir: &Path, pdf: &[u8], p7s: &[u8]) -> std::io::Result<()> {
        let tsa_root = mynakey_simulator::lab_pki::test_tsa_root_pem()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join(SIGNED_PDF), pdf)?;
        std::fs::write(dir.join(TEXT), DOCUMENT)?;
        std::fs::write(dir.join(TEXT_P7S), p7s)?;
        std::fs::write(dir.join(TSA_ROOT_PEM), tsa_root)?;
        writeln!(
            self.out,
            "   wrote {SIGNED_PDF}, {TEXT}, {TEXT_P7S} and {TSA_ROOT_PEM} to {}",
            dir.display()
        )?;
        writeln!(self.out, "   (open them in any PDF reader or validator; trust the TEST signing root from tests/fixtures/pki,")?;
        writeln!(
            self.out,
            "   and {TSA_ROOT_PEM} for the timestamps: the root of a TEST TSA, never a real one)"
        )
    }

    /// Both files verified with the TEST roots, the CRLs of step 8 and the TSA root: the PDF
    /// must reach B-LTA, the `.p7s` CAdES-T, and a changed text must be refused.
    fn verify_documents(
        &mut self,
        pdf: &[u8],
        p7s: &[u8],
        crls: &[Vec<u8>],
        timestamps: &LabTimestamps,
    ) -> std::io::Result<bool> {
        let mut trust = self.trust.clone();
        for crl in crls {
            // The TSA root's CRL belongs to no JPKI root: only the signing root's loads.
            let _ = trust.add_crl(crl);
        }
        // After the CRLs were issued: a judgement uses only revocation data issued by then.
        let validation =
            Validation::new(&trust, SystemTime::now()).with_tsa_trust(timestamps.trust());
        let pdf_level = verify_pdf_with(pdf, &validation).map(|report| {
            let first = report.signatures.first().map(|s| &s.judgement);
            let level = first.map_or(Level::BB, |j| j.level);
            let text = describe("PAdES", level, first.and_then(|j| j.timestamp.as_ref()));
            (level == Level::BLTA, text)
        });
        let cms_level = verify_cms_with(p7s, DOCUMENT.as_bytes(), &validation).map(|report| {
            let j = &report.judgement;
            (
                j.level == Level::BT,
                describe("CAdES", j.level, j.timestamp.as_ref()),
            )
        });
        let mut changed = DOCUMENT.as_bytes().to_vec();
        changed[0] ^= 1;
        let changed = verify_cms_with(p7s, &changed, &validation);
        let mut ok = true;
        for (file, result) in [(SIGNED_PDF, pdf_level), (TEXT_P7S, cms_level)] {
            let (line, good) = match result {
                Ok((expected, text)) => (format!("{file}: {text}"), expected),
                Err(e) => (format!("{file} does not verify: {e}"), false),
            };
            ok &= good;
            writeln!(self.out, "   {} {line}", if good { "✓" } else { "✗" })?;
        }
        if changed.is_ok() {
            ok = false;
            writeln!(self.out, "   ✗ a changed text verified")?;
        } else {
            writeln!(self.out, "   ✓ a changed text is refused")?;
        }
        Ok(ok)
    }
}
