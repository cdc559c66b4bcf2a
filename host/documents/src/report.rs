//! What verifying a PDF reports: each signature and what later revisions changed. Plain data,
//! apart from the code that finds it, so the error that carries a report needs no PDF code.

use mynakey_verify::SignerIdentity;
use std::time::SystemTime;

use mynakey_verify::RevocationAtTime;
use serde::Serialize;

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
    /// The document timestamps (`/ETSI.RFC3161`), in file order.
    pub document_timestamps: Vec<DocumentTimestamp>,
    /// What the document security store (`/DSS`) holds.
    pub dss: Option<DssSummary>,
}

/// A document timestamp of a PDF (PAdES B-LTA).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentTimestamp {
    /// Where the revision it covers ends (bytes).
    pub covered_revision_end: usize,
    /// Whether it covers the whole file as verified.
    pub covers_whole_document: bool,
    /// Whether the revision it covers has a document security store.
    pub covers_dss: bool,
    /// The checked token; `None` when no TSA roots were given (not checked).
    pub timestamp: Option<TimestampInfo>,
}

/// The document security store's content, as counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DssSummary {
    /// Certificates in `/Certs`.
    pub certificates: usize,
    /// CRLs in `/CRLs`.
    pub crls: usize,
    /// CRLs of `/CRLs` used as revocation data for the signers (the others are a TSA's, or
    /// not from a configured root).
    pub crls_used: usize,
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

/// The baseline level a signature reached (ETSI EN 319 122 / 319 142).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Level {
    /// Signed; the signing time is the signer's claim.
    #[serde(rename = "B-B")]
    BB,
    /// With a trusted timestamp over the signature value.
    #[serde(rename = "B-T")]
    BT,
    /// B-T, with the validation data (certificates and CRLs) in the PDF's document security
    /// store.
    #[serde(rename = "B-LT")]
    BLT,
    /// B-LT, with a checked document timestamp over the document security store.
    #[serde(rename = "B-LTA")]
    BLTA,
}

impl Level {
    /// `B-B`, `B-T`, `B-LT`, `B-LTA`.
    pub fn name(self) -> &'static str {
        match self {
            Self::BB => "B-B",
            Self::BT => "B-T",
            Self::BLT => "B-LT",
            Self::BLTA => "B-LTA",
        }
    }
}

/// How the signer's certificate was judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Judgement {
    /// The level reached.
    pub level: Level,
    /// When the certificate was judged (RFC 3339): the timestamp's genTime for B-T, else the
    /// time of verification.
    pub judged_at: String,
    /// The checked timestamp, for B-T.
    pub timestamp: Option<TimestampInfo>,
    /// The signature carries a timestamp that was not checked (no TSA roots were given).
    pub timestamp_not_checked: bool,
    /// For B-T: revocation at the timestamp's time (revoked after signing is still valid).
    pub revocation: Option<RevocationAtTime>,
}

/// A checked timestamp token, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimestampInfo {
    /// The TSA's genTime, RFC 3339 UTC: the signature existed then.
    pub gen_time: String,
    /// The TSA certificate's subject.
    pub tsa: String,
    /// The token's serial number (hex).
    pub serial: String,
    /// The TSA's policy OID.
    pub policy: String,
    #[serde(skip)]
    pub(crate) time: SystemTime,
}
