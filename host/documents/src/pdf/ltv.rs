//! Long-term validation (PAdES B-LT and B-LTA), each in its own incremental update after the
//! signatures, whose bytes stay untouched:
//!
//! - the document security store (`/DSS` in the catalog): `/Certs` with every certificate the
//!   file's signatures and timestamps carry, completed with their issuers from the caller's
//!   certificates, and `/CRLs` with those of the relying party's CRLs that cover one of these
//!   certificates, by the verifier's rule (`mynakey_verify::crl_covers`): of a JPKI CRL set
//!   partitioned by distribution point, only the partitions the file needs (B-LT);
//! - a document timestamp: a `/DocTimeStamp` signature dictionary, `/SubFilter /ETSI.RFC3161`,
//!   whose `/Contents` is an RFC 3161 token over the SHA-256 of its `/ByteRange`, the whole
//!   file but itself (B-LTA). Another one later, after a DSS update with the validation data
//!   of the previous one, renews the archive.

use std::time::SystemTime;

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode};
use lopdf::{dictionary, Dictionary, Document, Object, Stream, StringFormat};
use mynakey_verify::{crl_covers, VerifyError};
use x509_cert::Certificate;

use super::byte_range::{fill, PLACEHOLDER};
use super::dss::{dss, stream_bytes};
use super::update::{append_field, pdf_err, start_update, write_update};
use super::verify::{der_prefix, signature_dictionaries};
use crate::error::DocumentError;
use crate::timestamp::{stamp, Timestamping, ID_SIGNATURE_TIME_STAMP};

/// Bytes reserved for a document timestamp token (a token with its TSA certificate is 2–6 KB).
pub const DOCUMENT_TIMESTAMP_RESERVE: usize = 16 * 1024;

/// What [`add_validation_data`] embeds besides the certificates found in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidationData {
    /// DER certificates offered as issuers (roots and intermediates of the signer and of the
    /// TSAs); only those that issued a certificate in the file, or one of those, are embedded
    /// (anything else offered is ignored).
    pub issuers: Vec<Vec<u8>>,
    /// DER CRLs offered (a whole set of partitions may be given): only those that cover a
    /// certificate embedded in the DSS ([`mynakey_verify::crl_covers`]) are embedded, as given.
    /// One the verifier cannot read is an error.
    pub crls: Vec<Vec<u8>>,
}

/// B-LT: `pdf` followed by an update whose `/DSS` holds what was there before, every
/// certificate of the file's signatures and timestamps with their issuers among
/// `data.issuers`, and those of `data.crls` that cover one of these certificates.
pub fn add_validation_data(pdf: &[u8], data: &ValidationData) -> Result<Vec<u8>, DocumentError> {
    let mut update = start_update(pdf)?;
    let prev = update.get_prev_documents();
    if signature_dictionaries(prev).next().is_none() {
        return Err(DocumentError::NoSignature);
    }
    let root = prev
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(pdf_err("no catalog"))?;
    let (mut cert_refs, held_certs) = existing(prev, b"Certs");
    let (mut crl_refs, held_crls) = existing(prev, b"CRLs");
    let certificates = with_issuers(file_certificates(prev)?, &data.issuers)?;
    let crls = covering(&data.crls, &certificates)?;
    update
        .opt_clone_object_to_new_document(root)
        .map_err(pdf_err("catalog"))?;
    let doc = &mut update.new_document;
    for der in certificates.iter().filter(|c| !held_certs.contains(c)) {
        cert_refs.push(
            doc.add_object(Stream::new(Dictionary::new(), der.clone()))
                .into(),
        );
    }
    for der in crls.into_iter().filter(|c| !held_crls.contains(*c)) {
        crl_refs.push(
            doc.add_object(Stream::new(Dictionary::new(), der.clone()))
                .into(),
        );
    }
    let dss = doc.add_object(dictionary! {
        "Type" => "DSS",
        "Certs" => cert_refs,
        "CRLs" => crl_refs,
    });
    doc.get_dictionary_mut(root)
        .map_err(pdf_err("catalog"))?
        .set("DSS", dss);
    write_update(&mut update, pdf.len())
}

/// B-LTA: `pdf` followed by an update with a document timestamp over all of it, from
/// `timestamping`'s TSA (checked against its roots before it is embedded).
pub fn add_document_timestamp(
    pdf: &[u8],
    timestamping: &Timestamping<'_>,
    now: SystemTime,
) -> Result<Vec<u8>, DocumentError> {
    let dictionary = dictionary! {
        "Type" => "DocTimeStamp",
        "Filter" => "Adobe.PPKLite",
        "SubFilter" => "ETSI.RFC3161",
        "ByteRange" => vec![0.into(), PLACEHOLDER.into(), PLACEHOLDER.into(), PLACEHOLDER.into()],
        "Contents" => Object::String(vec![0; DOCUMENT_TIMESTAMP_RESERVE], StringFormat::Hexadecimal),
    };
    let mut updated = append_field(pdf, dictionary)?;
    let gap = fill(&mut updated, pdf.len(), DOCUMENT_TIMESTAMP_RESERVE)?;
    let covered = [&updated[..gap.start], &updated[gap.end..]].concat();
    let (token, _) = stamp(&covered, timestamping, now)?;
    gap.write(&mut updated, &token)?;
    Ok(updated)
}

/// The DSS's `key` array as it is (references kept) and the bytes of its streams.
fn existing(doc: &Document, key: &[u8]) -> (Vec<Object>, Vec<Vec<u8>>) {
    let Some(array) = dss(doc)
        .and_then(|d| d.get(key).ok())
        .and_then(|v| doc.dereference(v).ok())
        .and_then(|(_, v)| v.as_array().ok())
    else {
        return (Vec::new(), Vec::new());
    };
    let bytes = array
        .iter()
        .filter_map(|v| doc.dereference(v).ok()?.1.as_stream().ok())
        .map(stream_bytes)
        .collect();
    (array.clone(), bytes)
}

/// Every certificate in the CMS of the file's signatures and in their timestamp tokens.
fn file_certificates(doc: &Document) -> Result<Vec<Certificate>, DocumentError> {
    let mut found = Vec::new();
    for dict in signature_dictionaries(doc) {
        let contents = dict
            .get(b"Contents")
            .and_then(Object::as_str)
            .map_err(|_| DocumentError::Pdf("/Contents is not a string".into()))?;
        signed_data_certificates(der_prefix(contents)?, &mut found)?;
    }
    Ok(found)
}

/// The certificates of a SignedData and of the timestamp tokens in its signers' attributes.
pub(crate) fn signed_data_certificates(
    der: &[u8],
    found: &mut Vec<Certificate>,
) -> Result<(), DocumentError> {
    let bad = |e: der::Error| DocumentError::Cms(e.to_string());
    let signed: SignedData = ContentInfo::from_der(der)
        .map_err(bad)?
        .content
        .decode_as()
        .map_err(bad)?;
    for choice in signed.certificates.iter().flat_map(|set| set.0.iter()) {
        if let CertificateChoices::Certificate(c) = choice {
            if !found.contains(c) {
                found.push(c.clone());
            }
        }
    }
    let tokens = signed
        .signer_infos
        .0
        .iter()
        .flat_map(|s| s.unsigned_attrs.iter().flat_map(|a| a.iter()))
        .filter(|a| a.oid == ID_SIGNATURE_TIME_STAMP)
        .flat_map(|a| a.values.iter());
    for token in tokens {
        signed_data_certificates(&token.to_der().map_err(bad)?, found)?;
    }
    Ok(())
}

/// The `crls` that cover at least one of `certificates`, in their order; a CRL that the
/// verifier cannot read is an error naming its position (from 1).
fn covering<'c>(
    crls: &'c [Vec<u8>],
    certificates: &[Vec<u8>],
) -> Result<Vec<&'c Vec<u8>>, DocumentError> {
    let mut kept = Vec::new();
    for (at, crl) in crls.iter().enumerate() {
        for certificate in certificates {
            let covers = crl_covers(crl, certificate).map_err(|e| match e {
                VerifyError::CrlParse(m) => VerifyError::CrlParse(format!("CRL {}: {m}", at + 1)),
                other => other,
            })?;
            if covers {
                kept.push(crl);
                break;
            }
        }
    }
    Ok(kept)
}

/// `found` completed with the `issuers` that issued one of them (by name), as DER.
fn with_issuers(
    mut found: Vec<Certificate>,
    issuers: &[Vec<u8>],
) -> Result<Vec<Vec<u8>>, DocumentError> {
    // Offers only: what is not a certificate issued nothing in the file.
    let issuers: Vec<Certificate> = issuers
        .iter()
        .filter_map(|der| Certificate::from_der(der).ok())
        .collect();
    let mut at = 0;
    while let Some(certificate) = found.get(at) {
        let issuer = &certificate.tbs_certificate.issuer;
        if let Some(parent) = issuers
            .iter()
            .find(|i| i.tbs_certificate.subject == *issuer && !found.contains(i))
        {
            found.push(parent.clone());
        }
        at += 1;
    }
    found
        .iter()
        .map(|c| {
            c.to_der()
                .map_err(|e| DocumentError::Certificate(e.to_string()))
        })
        .collect()
}
