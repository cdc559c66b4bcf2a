//! Signed documents people can keep, made with a My Number Card's signing key through mynakey
//! and checked with the same rules as `mynakey-verify`:
//!
//! - **CMS / CAdES-BES detached** (`.p7s`): [`prepare_cms`] → the one SHA-256 hash the card
//!   signs (over the DER signed attributes: content-type, message-digest, signing-time,
//!   ESS signing-certificate-v2) → [`finish_cms`] → the `.p7s` DER; [`verify_cms`].
//! - **PAdES baseline B-B** (signed PDF): [`prepare_pdf`] appends a signature field by
//!   incremental update and returns the hash → [`finish_pdf`] embeds the CMS; [`verify_pdf`].
//!
//! - **Trusted timestamps** (CAdES-T, PAdES B-T): [`finish_cms_with`] / [`finish_pdf_with`] with
//!   [`FinishOptions::with_timestamping`] add an RFC 3161 token over the signature value from a
//!   [`TimestampAuthority`] the caller supplies, checked against [`TsaTrust`] first;
//!   [`verify_cms_with`] / [`verify_pdf_with`] with [`Validation::with_tsa_trust`] judge the
//!   signer at the token's time and report the [`Level`] reached.
//!
//! - **Long-term validation** (PAdES B-LT, B-LTA): [`add_validation_data`] embeds the
//!   certificates and CRLs in the document security store, [`add_document_timestamp`] adds a
//!   document timestamp over the whole file (again later to renew it).
//!
//! Both need one `sign` per document after `getSigningCertificate` (the held session of the
//! protocol). Nothing here talks to a card or to the network. Integrators: `docs/documents.md`.

mod attributes;
mod base64_bytes;
mod cms;
mod error;
mod pdf;
mod report;
mod timestamp;
mod validation;

pub use crate::cms::{
    finish_cms, finish_cms_with, prepare_cms, verify_cms, verify_cms_with, CmsVerification,
    FinishOptions, PreparedCms, HASH_ALGORITHM,
};
pub use error::{DocumentError, TimestampError};
pub use pdf::{
    add_document_timestamp, add_validation_data, finish_pdf, finish_pdf_with, prepare_pdf,
    verify_pdf, verify_pdf_with, DocumentTimestamp, DssSummary, Finding, PdfSignature, PdfSigning,
    PdfVerification, PreparedPdf, SignatureStatus, ValidationData, DOCUMENT_TIMESTAMP_RESERVE,
    MAX_NESTING, MAX_REVISIONS, MAX_STREAM_BYTES, MAX_VALUES, PDF_MAX_BYTES,
};
pub use report::{Judgement, Level, TimestampInfo};
pub use timestamp::{TimestampAuthority, Timestamping, TsaTrust};
pub use validation::Validation;
