//! What verifying a PDF reports: each signature and what later revisions changed. Plain data,
//! apart from the code that finds it, so the error that carries a report needs no PDF code.

use mynakey_verify::SignerIdentity;
use serde::Serialize;

use crate::validation::Judgement;

/// One verified signature of a PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PdfSignature {
    /// Who signed, from the verified signing certificate.
    pub signer: SignerIdentity,
    /// `/SubFilter`: `ETSI.CAdES.detached` (PAdES) or `adbe.pkcs7.detached`.
    pub sub_filter: String,
    /// The signing time the signer claimed: `/M` as RFC 3339 (or the CMS signing-time when the
    /// dictionary has none). Not from a timestamp authority.
    pub signing_time: Option<String>,
    /// `/Reason`, when given and readable.
    pub reason: Option<String>,
    /// Whether this signature covers the whole file as verified.
    pub covers_whole_document: bool,
    /// Whether what it signed is still what the file shows.
    pub status: SignatureStatus,
    /// The level reached and when and how the certificate was judged.
    #[serde(flatten)]
    pub judgement: Judgement,
}

/// A verified signature's standing in the file as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SignatureStatus {
    /// Later revisions only added signatures.
    Valid,
    /// A later revision changed what it signed (see the findings).
    ChangedLater,
}

/// A PDF whose every signature verified and whose last signature covers the whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PdfVerification {
    /// In file order (earliest revision first), including signatures a later revision removed.
    pub signatures: Vec<PdfSignature>,
    /// What later revisions changed beyond adding signatures; empty when the PDF is valid.
    pub findings: Vec<Finding>,
}

/// A change a later revision made to what signature `signature` signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The signature (1-based, in file order) whose signed revision was changed.
    pub signature: usize,
    /// Where that signed revision ends (bytes); the changes are in the file after it.
    pub signed_revision_end: usize,
    /// The changed object, `"12 0 R"`, or `"trailer"`.
    pub object: String,
    /// What changed.
    pub change: String,
}
