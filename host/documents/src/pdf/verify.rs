//! Verifying the signatures of a PDF: each `/ByteRange` must leave out only its own
//! `/Contents`, its CMS must verify over the covered bytes, and the last signature must cover
//! the whole file (nothing appended after signing).

use std::time::SystemTime;

use der::{DateTime, Decode, Header, Reader, SliceReader};
use lopdf::{Dictionary, Document, Object};
use mynakey_verify::Trust;
use sha2::{Digest, Sha256};

use super::byte_range::Gap;
use super::dss;
use super::load::{load, revision_ends};
use super::revisions::{changes, only_validation_data_added};
use crate::cms::verify_detached;
use crate::error::DocumentError;
use crate::report::{
    DocumentTimestamp, DssSummary, Finding, Level, PdfSignature, PdfVerification, SignatureStatus,
};
use crate::timestamp::verify_token;
use crate::validation::Validation;

/// Verifies every signature of `pdf` (see the module's rules) and compares each signed revision
/// with the file as a whole ([`super::revisions`]). Certificates are checked at `now` by the
/// verifier's rules (identity, chain, validity, CRLs in `trust`). A finding gives
/// [`DocumentError::ChangedAfterSigning`] with the full report.
pub fn verify_pdf(
    pdf: &[u8],
    trust: &Trust,
    now: SystemTime,
) -> Result<PdfVerification, DocumentError> {
    verify_pdf_with(pdf, &Validation::new(trust, now))
}

/// [`verify_pdf`] with TSA roots: a PAdES B-T signature whose timestamp checks out is judged at
/// the timestamp's time ([`crate::Validation`]).
pub fn verify_pdf_with(
    pdf: &[u8],
    validation: &Validation<'_>,
) -> Result<PdfVerification, DocumentError> {
    let whole = load(pdf)?;
    let ranges = signature_ranges(pdf, &whole)?;
    let Some(last) = ranges.last() else {
        return Err(DocumentError::NoSignature);
    };
    let last_end = (last[2] + last[3]) as usize;
    let ends_a_revision = revision_ends(pdf)?.last() == Some(&pdf.len());
    if last_end != pdf.len()
        && !(ends_a_revision && only_validation_data_added(&load(&pdf[..last_end])?, &whole))
    {
        return Err(DocumentError::Integrity(
            "bytes were appended after the last signature (more than validation data)".into(),
        ));
    }
    let (trust, dss) = with_dss_crls(&whole, validation);
    let validation = &Validation {
        trust: &trust,
        ..*validation
    };
    let mut report = PdfVerification {
        signatures: Vec::with_capacity(ranges.len()),
        findings: Vec::new(),
        document_timestamps: Vec::new(),
        dss,
    };
    let mut signed_ends = Vec::new();
    for range in ranges {
        let end = (range[2] + range[3]) as usize;
        let signed = if end == pdf.len() {
            None
        } else {
            Some(load(&pdf[..end])?)
        };
        let revision = signed.as_ref().unwrap_or(&whole);
        let dict = signature_dictionary(revision, range)
            .ok_or_else(|| DocumentError::Pdf("a signature is not in its own revision".into()))?;
        if name(dict, b"SubFilter").as_deref() == Some(DOCUMENT_TIMESTAMP) {
            // Its bytes are its own check; later changes are judged by the signatures' rule.
            let stamp = verify_document_timestamp(dict, pdf, revision, validation)?;
            report.document_timestamps.push(stamp);
            continue;
        }
        signed_ends.push(end);
        let mut signature = verify_one(dict, pdf, validation)?;
        let index = report.signatures.len() + 1;
        for (object, change) in changes(revision, &whole) {
            signature.status = SignatureStatus::ChangedLater;
            report.findings.push(Finding {
                signature: index,
                signed_revision_end: end,
                object,
                change,
            });
        }
        report.signatures.push(signature);
    }
    if report.signatures.is_empty() {
        // Document timestamps alone sign nothing.
        return Err(DocumentError::NoSignature);
    }
    raise_levels(&mut report, &signed_ends);
    if report.findings.is_empty() {
        Ok(report)
    } else {
        Err(DocumentError::ChangedAfterSigning(Box::new(report)))
    }
}

/// The `/SubFilter` of a document timestamp.
const DOCUMENT_TIMESTAMP: &str = "ETSI.RFC3161";

/// `validation`'s trust with the DSS's CRLs that load (those of a configured root), and what
/// the DSS holds.
fn with_dss_crls(doc: &Document, validation: &Validation<'_>) -> (Trust, Option<DssSummary>) {
    let mut trust = validation.trust.clone();
    let Some(dss) = dss::dss(doc) else {
        return (trust, None);
    };
    let streams = |key: &[u8]| -> Vec<Vec<u8>> {
        let array = dss
            .get(key)
            .ok()
            .and_then(|v| doc.dereference(v).ok())
            .and_then(|(_, v)| v.as_array().ok());
        array
            .into_iter()
            .flatten()
            .filter_map(|v| doc.dereference(v).ok()?.1.as_stream().ok())
            .map(dss::stream_bytes)
            .collect()
    };
    let crls = streams(b"CRLs");
    let crls_used = crls.iter().filter(|c| trust.add_crl(c).is_ok()).count();
    let summary = DssSummary {
        certificates: streams(b"Certs").len(),
        crls: crls.len(),
        crls_used,
    };
    (trust, Some(summary))
}

/// A document timestamp: its token's imprint is the SHA-256 of its byte range, and (with TSA
/// roots) the token checks out against them.
fn verify_document_timestamp(
    dict: &Dictionary,
    pdf: &[u8],
    revision: &Document,
    validation: &Validation<'_>,
) -> Result<DocumentTimestamp, DocumentError> {
    let range = byte_range(dict)?;
    let (gap, whole) = Gap::from_byte_range(range, pdf)?;
    let end = (range[2] + range[3]) as usize;
    let contents = dict
        .get(b"Contents")
        .and_then(Object::as_str)
        .map_err(|_| DocumentError::Pdf("/Contents is not a string".into()))?;
    let token = der_prefix(contents)?;
    let timestamp = match validation.tsa_trust {
        Some(roots) => {
            let covered = [&pdf[..gap.start], &pdf[gap.end..end]].concat();
            Some(verify_token(token, &covered, roots, validation.now)?.0)
        }
        None => None,
    };
    Ok(DocumentTimestamp {
        covered_revision_end: end,
        covers_whole_document: whole,
        covers_dss: dss::dss(revision).is_some(),
        timestamp,
    })
}

/// B-T signatures with validation data in the DSS reach B-LT; with a checked document
/// timestamp after them over a revision with a DSS, B-LTA.
fn raise_levels(report: &mut PdfVerification, signed_ends: &[usize]) {
    let Some(dss) = &report.dss else {
        return;
    };
    if dss.certificates == 0 || dss.crls_used == 0 {
        return;
    }
    for (signature, end) in report.signatures.iter_mut().zip(signed_ends) {
        if signature.judgement.level != Level::BT {
            continue;
        }
        let archived = report
            .document_timestamps
            .iter()
            .any(|t| t.timestamp.is_some() && t.covers_dss && t.covered_revision_end > *end);
        signature.judgement.level = if archived { Level::BLTA } else { Level::BLT };
    }
}

/// The signature dictionaries of a document: those with `/ByteRange`, `/Contents`, `/SubFilter`.
pub(super) fn signature_dictionaries(doc: &Document) -> impl Iterator<Item = &Dictionary> {
    doc.objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.has(b"ByteRange") && d.has(b"Contents") && d.has(b"SubFilter"))
}

pub(super) fn signature_dictionary(doc: &Document, range: [i64; 4]) -> Option<&Dictionary> {
    signature_dictionaries(doc).find(|d| byte_range(d).is_ok_and(|r| r == range))
}

/// The `/ByteRange` of every signature in any revision (a later one may have removed it), in
/// the order of the revisions they sign.
fn signature_ranges(pdf: &[u8], whole: &Document) -> Result<Vec<[i64; 4]>, DocumentError> {
    let mut ranges = Vec::new();
    let mut collect = |doc: &Document| -> Result<(), DocumentError> {
        for dict in signature_dictionaries(doc) {
            let range = byte_range(dict)?;
            Gap::from_byte_range(range, pdf)?;
            if !ranges.contains(&range) {
                ranges.push(range);
            }
        }
        Ok(())
    };
    collect(whole)?;
    for end in revision_ends(pdf)? {
        match load(&pdf[..end]) {
            Ok(doc) => collect(&doc)?,
            // A `%%EOF` inside a stream, or a linearized file's first part: not a revision.
            Err(DocumentError::Pdf(_)) => {}
            Err(e) => return Err(e),
        }
    }
    ranges.sort_by_key(|r| r[2] + r[3]);
    Ok(ranges)
}

pub(super) fn byte_range(dict: &Dictionary) -> Result<[i64; 4], DocumentError> {
    let bad = || DocumentError::Pdf("/ByteRange is not an array of four integers".into());
    let array = dict
        .get(b"ByteRange")
        .and_then(Object::as_array)
        .map_err(|_| bad())?;
    let values: Vec<i64> = array
        .iter()
        .map(Object::as_i64)
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    values.try_into().map_err(|_| bad())
}

fn name(dict: &Dictionary, key: &[u8]) -> Option<String> {
    let name = dict.get(key).and_then(Object::as_name).ok()?;
    Some(String::from_utf8_lossy(name).into_owned())
}

fn verify_one(
    dict: &Dictionary,
    pdf: &[u8],
    validation: &Validation<'_>,
) -> Result<PdfSignature, DocumentError> {
    let sub_filter = name(dict, b"SubFilter").unwrap_or_default();
    if !["ETSI.CAdES.detached", "adbe.pkcs7.detached"].contains(&sub_filter.as_str()) {
        return Err(DocumentError::Pdf(format!(
            "/SubFilter {sub_filter} is not supported"
        )));
    }
    let range = byte_range(dict)?;
    let (gap, whole) = Gap::from_byte_range(range, pdf)?;
    let covered = &pdf[..(range[2] + range[3]) as usize];
    let digest = gap.digest(covered, Sha256::new()).finalize();
    let contents = dict
        .get(b"Contents")
        .and_then(Object::as_str)
        .map_err(|_| DocumentError::Pdf("/Contents is not a string".into()))?;
    let verified = verify_detached(der_prefix(contents)?, &digest, validation)?;
    let signing_time = dict
        .get(b"M")
        .and_then(Object::as_str)
        .ok()
        .and_then(parse_pdf_date)
        .or(verified.signing_time);
    Ok(PdfSignature {
        signer: verified.signer,
        sub_filter,
        signing_time,
        reason: dict
            .get(b"Reason")
            .and_then(Object::as_str)
            .ok()
            .map(|r| String::from_utf8_lossy(r).into_owned()),
        covers_whole_document: whole,
        status: SignatureStatus::Valid,
        judgement: verified.judgement,
    })
}

/// The DER value at the start of `/Contents`; what follows must be the zero padding.
pub(super) fn der_prefix(contents: &[u8]) -> Result<&[u8], DocumentError> {
    let bad = |e: der::Error| DocumentError::Cms(format!("/Contents: {e}"));
    let mut reader = SliceReader::new(contents).map_err(bad)?;
    let header = Header::decode(&mut reader).map_err(bad)?;
    let len = usize::try_from((reader.position() + header.length).map_err(bad)?)
        .map_err(|_| DocumentError::Cms("/Contents: length overflow".into()))?;
    let (der, padding) = contents
        .split_at_checked(len)
        .ok_or_else(|| DocumentError::Cms("/Contents is truncated".into()))?;
    if padding.iter().any(|b| *b != 0) {
        return Err(DocumentError::Cms(
            "/Contents carries bytes after the CMS".into(),
        ));
    }
    Ok(der)
}

/// `D:YYYYMMDDHHmmSS+00'00'` (UTC) for `/M`.
pub(super) fn pdf_date(time: SystemTime) -> Result<String, DocumentError> {
    let t =
        DateTime::from_system_time(time).map_err(|e| DocumentError::SigningTime(e.to_string()))?;
    Ok(format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}+00'00'",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minutes(),
        t.seconds()
    ))
}

/// A PDF date `D:YYYYMMDDHHmmSS` with `Z`, `+HH'mm'` or `-HH'mm'` (or none: UTC) as RFC 3339.
fn parse_pdf_date(raw: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(raw).ok()?.strip_prefix("D:")?;
    let digits = text.get(..14)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let zone = match text.get(14..).unwrap_or("") {
        "" | "Z" => "Z".to_owned(),
        rest if rest.starts_with(['Z']) => "Z".to_owned(),
        rest => {
            let z: String = rest.chars().filter(|c| *c != '\'').collect();
            let (sign, hm) = z.split_at_checked(1)?;
            if !matches!(sign, "+" | "-") || hm.len() != 4 {
                return None;
            }
            if hm == "0000" {
                "Z".to_owned()
            } else {
                format!("{sign}{}:{}", &hm[..2], &hm[2..])
            }
        }
    };
    let d = digits;
    Some(format!(
        "{}-{}-{}T{}:{}:{}{zone}",
        &d[..4],
        &d[4..6],
        &d[6..8],
        &d[8..10],
        &d[10..12],
        &d[12..14]
    ))
}
