//! The one error type of signed documents.

use std::time::Duration;

use mynakey_verify::VerifyError;

use crate::report::PdfVerification;

/// Why a document could not be prepared, finished or verified.
///
/// [`DocumentError::code`] gives a stable machine-readable code for services and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// The signing certificate is not a DER X.509 certificate with an RSA key.
    #[error("signing certificate: {0}")]
    Certificate(String),
    /// The signing time cannot be encoded (before 1950 or after 2049 for CMS `UTCTime`).
    #[error("signing time cannot be encoded: {0}")]
    SigningTime(String),
    /// The card's signature is not an RSASSA-PKCS1-v1_5 signature of the prepared hash by the
    /// certificate's key (wrong card, wrong hash, or a damaged reply).
    #[error("the signature does not match the prepared hash and certificate")]
    SignatureMismatch,
    /// The PDF could not be read or updated (encrypted, damaged, or not a PDF).
    #[error("PDF: {0}")]
    Pdf(String),
    /// The finished CMS does not fit in the space reserved for it in the PDF.
    #[error("the signature ({needed} bytes) does not fit in the {reserved} bytes reserved")]
    ContentsTooSmall {
        /// Bytes of DER needed.
        needed: usize,
        /// Bytes reserved by `prepare`.
        reserved: usize,
    },
    /// A prepared state handed back to `finish` is malformed.
    #[error("prepared state: {0}")]
    Prepared(String),
    /// The CMS structure is not a detached SignedData with one signer as mynakey checks it.
    #[error("CMS: {0}")]
    Cms(String),
    /// The signed content does not match the message digest (the document was changed).
    #[error("the document was changed after signing: {0}")]
    Integrity(String),
    /// The PDF carries no signature to verify.
    #[error("the PDF has no signature")]
    NoSignature,
    /// The PDF is larger, deeper, more compressed or has more objects or revisions than the
    /// documented limits (`docs/documents.md`) allow.
    #[error("the PDF is too complex: {0}")]
    TooComplex(String),
    /// A later revision changed what a signature signed (beyond what signing adds); the report
    /// lists each signature's status and every finding.
    #[error("a later revision changed what was signed ({} finding(s))", .0.findings.len())]
    ChangedAfterSigning(Box<PdfVerification>),
    /// No timestamp could be had, or an embedded one is not acceptable ([`TimestampError`]).
    #[error(transparent)]
    Timestamp(#[from] TimestampError),
    /// The signature has a trusted timestamp, and CRLs were given, but none that covers the
    /// signer's certificate was issued at or after the timestamp: whether the certificate was
    /// revoked before then cannot be told (indeterminate, neither valid nor invalid).
    #[error(
        "no CRL issued at or after the timestamp ({gen_time}): revocation at signing is unknown"
    )]
    NoCrlAfterTimestamp {
        /// The timestamp's genTime, RFC 3339.
        gen_time: String,
    },
    /// The signer's certificate or the signature value failed the verifier's checks.
    #[error(transparent)]
    Verify(#[from] VerifyError),
}

impl DocumentError {
    /// A stable code: `CERTIFICATE`, `SIGNING_TIME`, `SIGNATURE_MISMATCH`, `PDF`,
    /// `CONTENTS_TOO_SMALL`, `PREPARED`, `CMS`, `INTEGRITY`, `NO_SIGNATURE`,
    /// `DOCUMENT_TOO_COMPLEX`, `CHANGED_AFTER_SIGNING`, `NO_CRL_AFTER_TIMESTAMP`, the
    /// timestamp's (`TSA_…`, [`TimestampError::code`]), or the verifier's own code for
    /// [`DocumentError::Verify`].
    pub fn code(&self) -> &'static str {
        match self {
            Self::Certificate(_) => "CERTIFICATE",
            Self::SigningTime(_) => "SIGNING_TIME",
            Self::SignatureMismatch => "SIGNATURE_MISMATCH",
            Self::Pdf(_) => "PDF",
            Self::ContentsTooSmall { .. } => "CONTENTS_TOO_SMALL",
            Self::Prepared(_) => "PREPARED",
            Self::Cms(_) => "CMS",
            Self::Integrity(_) => "INTEGRITY",
            Self::NoSignature => "NO_SIGNATURE",
            Self::TooComplex(_) => "DOCUMENT_TOO_COMPLEX",
            Self::ChangedAfterSigning(_) => "CHANGED_AFTER_SIGNING",
            Self::Timestamp(e) => e.code(),
            Self::NoCrlAfterTimestamp { .. } => "NO_CRL_AFTER_TIMESTAMP",
            Self::Verify(e) => e.code(),
        }
    }

    /// For [`DocumentError::ChangedAfterSigning`]: the signatures and the findings.
    pub fn report(&self) -> Option<&PdfVerification> {
        match self {
            Self::ChangedAfterSigning(report) => Some(report),
            _ => None,
        }
    }
}

pub(crate) fn cms_err(context: &'static str) -> impl Fn(der::Error) -> DocumentError {
    move |e| DocumentError::Cms(format!("{context}: {e}"))
}

/// Why no timestamp could be had, or why a token is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampError {
    /// The TSA could not be reached (name resolution, connection, TLS, I/O).
    #[error("the TSA could not be reached: {0}")]
    Unreachable(String),
    /// The TSA did not answer in time.
    #[error("the TSA did not answer within {} s", .0.as_secs())]
    Timeout(Duration),
    /// The TSA answered with an HTTP error status.
    #[error("the TSA answered HTTP {0}")]
    Http(u16),
    /// The TSA answered with a status other than granted (or granted with modifications).
    #[error("the TSA refused the request: {0}")]
    Rejected(String),
    /// The token is malformed, over other bytes, with another nonce, badly signed, or not
    /// from a time-stamping certificate.
    #[error("the timestamp token is not acceptable: {0}")]
    BadToken(String),
    /// The token's ESS signing-certificate attribute (RFC 3161 §2.4.2, RFC 5816) is missing,
    /// or names another certificate than the one whose key signed the token.
    #[error("the timestamp token does not name its TSA certificate: {0}")]
    SigningCertificate(String),
    /// The TSA's certificate does not chain to a configured TSA root, or was not valid then.
    #[error("the TSA is not trusted: {0}")]
    Untrusted(String),
    /// The TSA roots could not be loaded.
    #[error("TSA trust store: {0}")]
    TrustStore(String),
}

impl TimestampError {
    /// A stable code: `TSA_UNREACHABLE`, `TSA_TIMEOUT`, `TSA_HTTP_ERROR`, `TSA_REJECTED`,
    /// `TSA_BAD_TOKEN`, `TSA_SIGNING_CERTIFICATE`, `TSA_UNTRUSTED`, `TSA_TRUST_STORE`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreachable(_) => "TSA_UNREACHABLE",
            Self::Timeout(_) => "TSA_TIMEOUT",
            Self::Http(_) => "TSA_HTTP_ERROR",
            Self::Rejected(_) => "TSA_REJECTED",
            Self::BadToken(_) => "TSA_BAD_TOKEN",
            Self::SigningCertificate(_) => "TSA_SIGNING_CERTIFICATE",
            Self::Untrusted(_) => "TSA_UNTRUSTED",
            Self::TrustStore(_) => "TSA_TRUST_STORE",
        }
    }
}
