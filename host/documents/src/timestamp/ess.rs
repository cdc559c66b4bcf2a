//! The ESS signing-certificate attribute of a timestamp token. RFC 3161 §2.4.2 (updated by
//! RFC 5816) requires the token's signed attributes to name the TSA's certificate, as
//! `signingCertificate` (ESSCertID: SHA-1 of the certificate, RFC 2634 §5.4) or
//! `signingCertificateV2` (ESSCertIDv2: a chosen hash, SHA-256 by default, RFC 5035 §3). The
//! signature binds the certificate, not only its key: a token cannot be passed off under
//! another certificate of the same key (another issuer, other extensions). The first
//! ESSCertID names the signer's certificate; its issuerSerial, when present, must name it too.
//!
//! No RustCrypto crate has these structures (`cms` 0.2 and `x509-cert` 0.2 do not), so they are
//! declared here with `der`'s derive from the RFCs' ASN.1, on `x509-cert`'s types.

use der::asn1::OctetString;
use der::oid::db::rfc5912::ID_SHA_256;
use der::oid::ObjectIdentifier;
use der::{Encode, Sequence};
use sha1::{Digest, Sha1};
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use super::TimestampError;

/// id-aa-signingCertificate (RFC 2634 §5.4).
const ID_AA_SIGNING_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
/// id-aa-signingCertificateV2 (RFC 5035 §3).
const ID_AA_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// `IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }`
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(super) struct IssuerSerial {
    /// The issuer's name (a directoryName).
    pub(super) issuer: GeneralNames,
    /// The certificate's serial number.
    pub(super) serial_number: SerialNumber,
}

/// `ESSCertID ::= SEQUENCE { certHash OCTET STRING (SHA-1), issuerSerial IssuerSerial OPTIONAL }`
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(super) struct EssCertId {
    /// SHA-1 of the whole DER certificate.
    pub(super) cert_hash: OctetString,
    /// The certificate's issuer and serial.
    #[asn1(optional = "true")]
    pub(super) issuer_serial: Option<IssuerSerial>,
}

/// `SigningCertificate ::= SEQUENCE { certs SEQUENCE OF ESSCertID, policies … OPTIONAL }`
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(super) struct SigningCertificate {
    /// The signer's certificate first, then (optionally) its chain.
    pub(super) certs: Vec<EssCertId>,
    /// Policies (not evaluated here).
    #[asn1(optional = "true")]
    pub(super) policies: Option<Vec<PolicyInformation>>,
}

/// `ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash, issuerSerial OPTIONAL }`
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(super) struct EssCertIdV2 {
    /// The hash of `cert_hash`; absent means the DEFAULT, SHA-256 (DER leaves defaults out;
    /// `der`'s `default` attribute needs a `Copy` type, hence the `Option`).
    #[asn1(optional = "true")]
    pub(super) hash_algorithm: Option<AlgorithmIdentifierOwned>,
    /// That hash of the whole DER certificate.
    pub(super) cert_hash: OctetString,
    /// The certificate's issuer and serial.
    #[asn1(optional = "true")]
    pub(super) issuer_serial: Option<IssuerSerial>,
}

/// `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies … OPTIONAL }`
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(super) struct SigningCertificateV2 {
    /// The signer's certificate first, then (optionally) its chain.
    pub(super) certs: Vec<EssCertIdV2>,
    /// Policies (not evaluated here).
    #[asn1(optional = "true")]
    pub(super) policies: Option<Vec<PolicyInformation>>,
}

fn refused(why: impl Into<String>) -> TimestampError {
    TimestampError::SigningCertificate(why.into())
}

/// The one value of the attribute `oid`, if it occurs; an error if it occurs more than once or
/// with other than one value.
fn single_value(
    attrs: &[Attribute],
    oid: ObjectIdentifier,
) -> Result<Option<&der::Any>, TimestampError> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    match (found.next(), found.next()) {
        (None, _) => Ok(None),
        (Some(a), None) if a.values.len() == 1 => Ok(a.values.get(0)),
        _ => Err(refused(format!(
            "{oid} is not one attribute with one value"
        ))),
    }
}

/// The signed attributes name `tsa` (the certificate whose key verified the signature) in a
/// signingCertificate or signingCertificateV2 attribute, and every such attribute present does.
pub(super) fn check_signing_certificate(
    attrs: &[Attribute],
    tsa: &Certificate,
) -> Result<(), TimestampError> {
    let der = tsa
        .to_der()
        .map_err(|e| refused(format!("the TSA certificate: {e}")))?;
    let v1 = single_value(attrs, ID_AA_SIGNING_CERTIFICATE)?;
    let v2 = single_value(attrs, ID_AA_SIGNING_CERTIFICATE_V2)?;
    if v1.is_none() && v2.is_none() {
        return Err(refused(
            "no signingCertificate or signingCertificateV2 attribute",
        ));
    }
    if let Some(value) = v1 {
        let attr: SigningCertificate = value
            .decode_as()
            .map_err(|e| refused(format!("signingCertificate: {e}")))?;
        let first = attr
            .certs
            .first()
            .ok_or_else(|| refused("signingCertificate names no certificate"))?;
        let hash = Sha1::digest(&der);
        names_certificate(&first.cert_hash, &hash, first.issuer_serial.as_ref(), tsa)?;
    }
    if let Some(value) = v2 {
        let attr: SigningCertificateV2 = value
            .decode_as()
            .map_err(|e| refused(format!("signingCertificateV2: {e}")))?;
        let first = attr
            .certs
            .first()
            .ok_or_else(|| refused("signingCertificateV2 names no certificate"))?;
        let algorithm = first.hash_algorithm.as_ref().map_or(ID_SHA_256, |a| a.oid);
        let hash = super::digest(algorithm, &der)
            .map_err(|_| refused("signingCertificateV2: unsupported hash algorithm"))?;
        names_certificate(&first.cert_hash, &hash, first.issuer_serial.as_ref(), tsa)?;
    }
    Ok(())
}

fn names_certificate(
    cert_hash: &OctetString,
    expected: &[u8],
    issuer_serial: Option<&IssuerSerial>,
    tsa: &Certificate,
) -> Result<(), TimestampError> {
    if cert_hash.as_bytes() != expected {
        return Err(refused(
            "its certificate hash names another certificate than the one that signed it",
        ));
    }
    let Some(id) = issuer_serial else {
        return Ok(());
    };
    let tbs = &tsa.tbs_certificate;
    let issuer_named = id
        .issuer
        .iter()
        .any(|n| matches!(n, GeneralName::DirectoryName(name) if *name == tbs.issuer));
    if !issuer_named || id.serial_number != tbs.serial_number {
        return Err(refused(
            "its issuerSerial names another certificate than the one that signed it",
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "ess_tests.rs"]
mod tests;
