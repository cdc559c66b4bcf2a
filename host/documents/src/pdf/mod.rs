//! PAdES baseline B-B: a signature field added to a PDF by incremental update, its CMS
//! (`/SubFilter /ETSI.CAdES.detached`, no signing-time attribute: the time is the signature
//! dictionary's `/M`) embedded in the reserved `/Contents`.

mod byte_range;
mod dss;
mod load;
mod ltv;
mod revisions;
mod update;
mod verify;

use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use crate::report::{
    DocumentTimestamp, DssSummary, Finding, PdfSignature, PdfVerification, SignatureStatus,
};
pub use load::{MAX_NESTING, MAX_REVISIONS, MAX_STREAM_BYTES, MAX_VALUES, PDF_MAX_BYTES};
pub use ltv::{
    add_document_timestamp, add_validation_data, ValidationData, DOCUMENT_TIMESTAMP_RESERVE,
};
pub use verify::{verify_pdf, verify_pdf_with};

use crate::cms::{self, FinishOptions, PreparedCms};
use crate::error::DocumentError;

/// Bytes reserved for the CMS by default: a JPKI certificate and a 2048-bit signature take
/// about 2.5 KB; the rest leaves room for an RFC 3161 timestamp token (PAdES B-T: a token with
/// its TSA certificate is 2–6 KB, with a chain of two intermediates still under 10 KB).
pub const DEFAULT_CONTENTS_RESERVE: usize = 16 * 1024;

/// What the signature dictionary says besides the signature. New options arrive as fields
/// with defaults, so callers that use [`PdfSigning::new`] keep compiling.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PdfSigning {
    /// The signing time, written as the signature dictionary's `/M`.
    pub signing_time: SystemTime,
    /// `/Name`: the signer's name as the service shows it (optional).
    pub name: Option<String>,
    /// `/Reason`, e.g. "Contract agreed" (optional).
    pub reason: Option<String>,
    /// Bytes reserved for the DER CMS in `/Contents`.
    pub contents_reserve: usize,
}

impl PdfSigning {
    /// A signature at `signing_time` with no name or reason and the default reserve.
    pub fn new(signing_time: SystemTime) -> Self {
        Self {
            signing_time,
            name: None,
            reason: None,
            contents_reserve: DEFAULT_CONTENTS_RESERVE,
        }
    }

    /// With `/Name`.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// With `/Reason`.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// A PDF waiting for the card: the updated file with `/Contents` still zero, where that
/// hex string lies, and the prepared CMS. Serde carries it between a stateless service's
/// two steps (the PDF as base64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreparedPdf {
    #[serde(with = "crate::base64_bytes")]
    pdf: Vec<u8>,
    contents: byte_range::Gap,
    cms: PreparedCms,
}

impl PreparedPdf {
    /// The SHA-256 hash the card signs (over the CMS signed attributes).
    pub fn hash(&self) -> [u8; 32] {
        self.cms.hash()
    }
}

/// Step 1: appends to `pdf` (its bytes stay untouched ahead of the update) a signature field on
/// the first page with a `/ByteRange` over everything but `/Contents`, and prepares the CMS
/// over those bytes for `certificate_der`.
pub fn prepare_pdf(
    pdf: &[u8],
    certificate_der: &[u8],
    signing: &PdfSigning,
) -> Result<PreparedPdf, DocumentError> {
    let mut updated = update::append_signature_field(pdf, signing)?;
    if updated.len() > load::PDF_MAX_BYTES {
        // Nobody could verify it.
        return Err(DocumentError::TooComplex(format!(
            "signed, it would be over {} bytes",
            load::PDF_MAX_BYTES
        )));
    }
    let contents = byte_range::fill(&mut updated, pdf.len(), signing.contents_reserve)?;
    let digest: [u8; 32] = contents.digest(&updated, Sha256::new()).finalize().into();
    Ok(PreparedPdf {
        cms: cms::prepare(&digest, certificate_der, None)?,
        pdf: updated,
        contents,
    })
}

/// Step 2: the signed PDF, with the CMS made from the card's `signature` over
/// [`PreparedPdf::hash`] written into the reserved `/Contents`.
///
/// The prepared state comes back from wherever the service kept it, so it is checked first
/// ([`DocumentError::Prepared`]): the gap lies inside the file and holds only the zero
/// placeholder, a signature dictionary's `/ByteRange` names exactly that gap, and the bytes
/// around it still hash to the message-digest the card signs.
pub fn finish_pdf(prepared: &PreparedPdf, signature: &[u8]) -> Result<Vec<u8>, DocumentError> {
    finish_pdf_with(prepared, signature, &FinishOptions::new())
}

/// [`finish_pdf`] with `options`: with a timestamp, PAdES B-T (the token in the CMS signer's
/// `signature-time-stamp` unsigned attribute, inside the same reserved `/Contents`; the bytes
/// the card signed do not change). The token must fit the reserve
/// ([`DocumentError::ContentsTooSmall`]); the default reserve leaves about 13 KB for it.
pub fn finish_pdf_with(
    prepared: &PreparedPdf,
    signature: &[u8],
    options: &FinishOptions<'_>,
) -> Result<Vec<u8>, DocumentError> {
    check_prepared(prepared)?;
    let der = cms::finish_cms_with(&prepared.cms, signature, options)?;
    let mut pdf = prepared.pdf.clone();
    prepared.contents.write(&mut pdf, &der)?;
    Ok(pdf)
}

fn check_prepared(prepared: &PreparedPdf) -> Result<(), DocumentError> {
    let bad = |why: &str| DocumentError::Prepared(why.into());
    let (pdf, gap) = (&prepared.pdf, prepared.contents);
    let after = pdf
        .len()
        .checked_sub(gap.end)
        .ok_or_else(|| bad("the gap ends past the file"))?;
    let range = [0, gap.start, gap.end, after].map(|v| i64::try_from(v).unwrap_or(-1));
    byte_range::Gap::from_byte_range(range, pdf).map_err(|e| bad(&e.to_string()))?;
    if !pdf[gap.start + 1..gap.end - 1].iter().all(|b| *b == b'0') {
        return Err(bad("the gap is not the zero placeholder"));
    }
    let doc = load::load(pdf)?;
    if verify::signature_dictionary(&doc, range).is_none() {
        return Err(bad("no signature's /ByteRange names the gap"));
    }
    let digest = gap.digest(pdf, Sha256::new()).finalize();
    if prepared.cms.message_digest()? != digest.as_slice() {
        return Err(bad("the PDF changed since prepare"));
    }
    Ok(())
}
