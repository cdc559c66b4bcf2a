//! Demo step 7: a signed PDF and a text document with its detached `.p7s`, both from one held
//! signing session (the certificate first, then one `sign` for both hashes, one password).

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_documents::{
    finish_cms, finish_pdf, prepare_cms, prepare_pdf, verify_cms, verify_pdf, PdfSigning,
    HASH_ALGORITHM,
};
use mynakey_protocol::ProgressEvent;
use sha2::{Digest, Sha256};

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
    /// Signs the PDF and the text document, writes them to `dir`, and verifies both files.
    pub(super) fn documents(&mut self, dir: &Path) -> std::io::Result<bool> {
        writeln!(self.out, "\n7. Documents people keep: a signed PDF (PAdES) and a text document with its CMS signature (.p7s).")?;
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
                return Ok(false);
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
                return Ok(false);
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
                return Ok(false);
            }
        };
        let signature = |i: usize| {
            signatures
                .get(i)
                .and_then(|s| STANDARD.decode(s).ok())
                .unwrap_or_default()
        };
        let files = finish_pdf(&pdf, &signature(0))
            .and_then(|pdf| Ok((pdf, finish_cms(&text, &signature(1))?)));
        let (signed_pdf, p7s) = match files {
            Ok(files) => files,
            Err(e) => {
                writeln!(self.out, "   ✗ cannot finish: {e}")?;
                return Ok(false);
            }
        };
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join(SIGNED_PDF), &signed_pdf)?;
        std::fs::write(dir.join(TEXT), DOCUMENT)?;
        std::fs::write(dir.join(TEXT_P7S), &p7s)?;
        writeln!(
            self.out,
            "   wrote {}, {} and {} to {}",
            SIGNED_PDF,
            TEXT,
            TEXT_P7S,
            dir.display()
        )?;
        writeln!(self.out, "   (open them in any PDF reader or validator; trust the TEST signing root from tests/fixtures/pki)")?;
        self.verify_documents(&signed_pdf, &p7s)
    }

    fn verify_documents(&mut self, pdf: &[u8], p7s: &[u8]) -> std::io::Result<bool> {
        let pdf_ok = verify_pdf(pdf, &self.trust, self.now);
        let cms_ok = verify_cms(p7s, DOCUMENT.as_bytes(), &self.trust, self.now);
        let mut changed = DOCUMENT.as_bytes().to_vec();
        changed[0] ^= 1;
        let changed = verify_cms(p7s, &changed, &self.trust, self.now);
        let checks = [
            (
                "the signed PDF verifies",
                pdf_ok.as_ref().err().map(ToString::to_string),
            ),
            (
                "the .p7s verifies against the text",
                cms_ok.as_ref().err().map(ToString::to_string),
            ),
            (
                "a changed text is refused",
                changed.is_ok().then(|| "it verified".to_owned()),
            ),
        ];
        let mut ok = true;
        for (check, failure) in checks {
            match failure {
                None => writeln!(self.out, "   ✓ {check}")?,
                Some(why) => {
                    ok = false;
                    writeln!(self.out, "   ✗ {check}: {why}")?;
                }
            }
        }
        Ok(ok)
    }
}
