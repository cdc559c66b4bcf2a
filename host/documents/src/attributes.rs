//! The signed attributes of a CAdES-BES signature (RFC 5652 §11, RFC 5035 ESS
//! signing-certificate-v2), built and read with `der`'s derived encoders.

use std::time::SystemTime;

use cms::cert::IssuerAndSerialNumber;
use cms::signed_data::SignedAttributes;
use der::asn1::{OctetString, SetOfVec, UtcTime};
use der::oid::ObjectIdentifier;
use der::{Any, Decode, Encode, Sequence};
use sha2::{Digest, Sha256};
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;
use x509_cert::Certificate;

use crate::error::{cms_err, DocumentError};

pub(crate) const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
pub(crate) const ID_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
pub(crate) const ID_CONTENT_TYPE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
pub(crate) const ID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
pub(crate) const ID_SIGNING_TIME: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
pub(crate) const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
pub(crate) const ID_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

/// RFC 5035 `IssuerSerial`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

/// RFC 5035 `ESSCertIDv2`; the hash algorithm defaults to SHA-256 when absent.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

/// RFC 5035 `SigningCertificateV2` (policies are not used here, so not decoded).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn attribute(oid: ObjectIdentifier, value: &impl Encode) -> Result<Attribute, DocumentError> {
    let der = value.to_der().map_err(cms_err("attribute value"))?;
    let value = Any::from_der(&der).map_err(cms_err("attribute value"))?;
    let values = SetOfVec::try_from(vec![value]).map_err(cms_err("attribute values"))?;
    Ok(Attribute { oid, values })
}

/// The signed attributes over a document with SHA-256 digest `content_digest`: content-type
/// (id-data), message-digest, signing-certificate-v2 naming `certificate`, and signing-time
/// when given (CMS files carry it; PAdES forbids it and puts the time in the PDF's `/M`).
pub(crate) fn build(
    content_digest: &[u8; 32],
    certificate: &Certificate,
    signing_time: Option<SystemTime>,
) -> Result<SignedAttributes, DocumentError> {
    let cert_der = certificate
        .to_der()
        .map_err(|e| DocumentError::Certificate(e.to_string()))?;
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(Sha256::digest(&cert_der).to_vec())
                .map_err(cms_err("certificate hash"))?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(
                    certificate.tbs_certificate.issuer.clone(),
                )],
                serial_number: certificate.tbs_certificate.serial_number.clone(),
            }),
        }],
    };
    let digest = OctetString::new(content_digest.to_vec()).map_err(cms_err("message digest"))?;
    let mut attributes = vec![
        attribute(ID_CONTENT_TYPE, &ID_DATA)?,
        attribute(ID_MESSAGE_DIGEST, &digest)?,
        attribute(ID_SIGNING_CERTIFICATE_V2, &ess)?,
    ];
    if let Some(time) = signing_time {
        // RFC 5652 §11.3: UTCTime for 1950–2049.
        let utc = UtcTime::from_system_time(time)
            .map_err(|e| DocumentError::SigningTime(e.to_string()))?;
        attributes.push(attribute(ID_SIGNING_TIME, &Time::UtcTime(utc))?);
    }
    SetOfVec::try_from(attributes).map_err(cms_err("signed attributes"))
}

/// The issuer and serial that identify the signer in `SignerInfo.sid`.
pub(crate) fn signer_id(certificate: &Certificate) -> IssuerAndSerialNumber {
    IssuerAndSerialNumber {
        issuer: certificate.tbs_certificate.issuer.clone(),
        serial_number: certificate.tbs_certificate.serial_number.clone(),
    }
}

/// The one value of attribute `oid`, if present; a second instance or value is an error.
fn single(attrs: &SignedAttributes, oid: ObjectIdentifier) -> Result<Option<&Any>, DocumentError> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    let Some(attr) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() || attr.values.len() != 1 {
        return Err(DocumentError::Cms(format!(
            "attribute {oid} is not single-valued"
        )));
    }
    Ok(attr.values.get(0))
}

/// The signed message-digest (what `finish` checks a prepared PDF against).
pub(crate) fn message_digest(attrs: &SignedAttributes) -> Result<Vec<u8>, DocumentError> {
    let digest = single(attrs, ID_MESSAGE_DIGEST)?
        .ok_or_else(|| DocumentError::Cms("signed attribute message-digest is missing".into()))?;
    let digest = digest
        .decode_as::<OctetString>()
        .map_err(cms_err("message-digest"))?;
    Ok(digest.as_bytes().to_vec())
}

/// What a verifier reads from the signed attributes.
pub(crate) struct Checked {
    /// The claimed signing time, RFC 3339 UTC (from the signer, not a timestamp authority).
    pub signing_time: Option<String>,
}

/// Checks the signed attributes against the SignedData's `econtent_type`, the content's
/// SHA-256 digest and the signer's certificate: content-type is id-data and equals
/// `econtent_type` (RFC 5652 §11.1: the unsigned eContentType must not say something else),
/// message-digest matches, and signing-certificate-v2 names this certificate by its SHA-256 hash.
pub(crate) fn check(
    attrs: &SignedAttributes,
    econtent_type: ObjectIdentifier,
    content_digest: &[u8],
    certificate_der: &[u8],
) -> Result<Checked, DocumentError> {
    let missing = |name: &str| DocumentError::Cms(format!("signed attribute {name} is missing"));
    let content_type = single(attrs, ID_CONTENT_TYPE)?
        .ok_or_else(|| missing("content-type"))?
        .decode_as::<ObjectIdentifier>()
        .map_err(cms_err("content-type"))?;
    if content_type != ID_DATA {
        return Err(DocumentError::Cms("content-type is not id-data".into()));
    }
    if content_type != econtent_type {
        return Err(DocumentError::Cms(format!(
            "eContentType {econtent_type} differs from the signed content-type {content_type}"
        )));
    }
    let digest = single(attrs, ID_MESSAGE_DIGEST)?.ok_or_else(|| missing("message-digest"))?;
    let digest = digest
        .decode_as::<OctetString>()
        .map_err(cms_err("message-digest"))?;
    if digest.as_bytes() != content_digest {
        return Err(DocumentError::Integrity(
            "its SHA-256 digest differs from the signed message-digest".into(),
        ));
    }
    let ess = single(attrs, ID_SIGNING_CERTIFICATE_V2)?
        .ok_or_else(|| missing("signing-certificate-v2"))?;
    let ess = SigningCertificateV2::from_der(&ess.to_der().map_err(cms_err("ESS"))?)
        .map_err(cms_err("signing-certificate-v2"))?;
    let first = ess
        .certs
        .first()
        .ok_or_else(|| DocumentError::Cms("signing-certificate-v2 names no certificate".into()))?;
    if first
        .hash_algorithm
        .as_ref()
        .is_some_and(|a| a.oid != ID_SHA256)
    {
        return Err(DocumentError::Cms(
            "signing-certificate-v2 hash is not SHA-256".into(),
        ));
    }
    if first.cert_hash.as_bytes() != Sha256::digest(certificate_der).as_slice() {
        return Err(DocumentError::Cms(
            "signing-certificate-v2 names another certificate".into(),
        ));
    }
    let signing_time = match single(attrs, ID_SIGNING_TIME)? {
        None => None,
        Some(t) => Some(
            Time::from_der(&t.to_der().map_err(cms_err("signing-time"))?)
                .map_err(cms_err("signing-time"))?
                .to_date_time()
                .to_string(),
        ),
    };
    Ok(Checked { signing_time })
}
