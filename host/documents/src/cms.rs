//! CMS / CAdES-BES detached signatures (`.p7s`): prepare the signed attributes, finish the
//! SignedData with the card's signature, and verify one against its content.

use std::time::SystemTime;

use cms::cert::CertificateChoices;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier,
    SignerInfo, SignerInfos,
};
use der::asn1::{OctetString, SetOfVec};
use der::oid::ObjectIdentifier;
use der::{Any, Decode, Encode};
use mynakey_verify::{HashAlgorithm, SignerIdentity, Trust};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use crate::attributes::{self, ID_DATA, ID_SHA256, ID_SIGNED_DATA};
use crate::error::{cms_err, DocumentError};
use crate::report::Judgement;
use crate::timestamp::{self, Timestamping, ID_SIGNATURE_TIME_STAMP};
use crate::validation::{judge, Validation};

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// The hash algorithm of every hash [`PreparedCms::hash`] returns: pass it to the card's
/// `sign` as `hashAlgorithm`.
pub const HASH_ALGORITHM: HashAlgorithm = HashAlgorithm::Sha256;

/// A signature waiting for the card: the DER signed attributes and the signing certificate.
///
/// It holds nothing secret; a stateless service may hand it to the browser session and back
/// (serde: both fields as standard base64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreparedCms {
    #[serde(with = "crate::base64_bytes")]
    signed_attributes: Vec<u8>,
    #[serde(with = "crate::base64_bytes")]
    certificate: Vec<u8>,
}

impl PreparedCms {
    /// The SHA-256 hash of the DER signed attributes: the one hash the card signs.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(&self.signed_attributes).into()
    }

    /// The message-digest the signed attributes name.
    pub(crate) fn message_digest(&self) -> Result<Vec<u8>, DocumentError> {
        let attrs = SignedAttributes::from_der(&self.signed_attributes)
            .map_err(|e| DocumentError::Prepared(format!("signed attributes: {e}")))?;
        attributes::message_digest(&attrs)
    }

    /// The DER `SET OF Attribute` the hash is over.
    pub fn signed_attributes(&self) -> &[u8] {
        &self.signed_attributes
    }
}

fn parse_certificate(der: &[u8]) -> Result<Certificate, DocumentError> {
    Certificate::from_der(der).map_err(|e| DocumentError::Certificate(e.to_string()))
}

/// Step 1 of a detached CAdES-BES signature over a document whose SHA-256 digest is
/// `content_digest`, signed at `signing_time` by the holder of `certificate_der`.
pub fn prepare_cms(
    content_digest: &[u8; 32],
    certificate_der: &[u8],
    signing_time: SystemTime,
) -> Result<PreparedCms, DocumentError> {
    prepare(content_digest, certificate_der, Some(signing_time))
}

pub(crate) fn prepare(
    content_digest: &[u8; 32],
    certificate_der: &[u8],
    signing_time: Option<SystemTime>,
) -> Result<PreparedCms, DocumentError> {
    let certificate = parse_certificate(certificate_der)?;
    let attrs = attributes::build(content_digest, &certificate, signing_time)?;
    Ok(PreparedCms {
        signed_attributes: attrs.to_der().map_err(cms_err("signed attributes"))?,
        certificate: certificate_der.to_vec(),
    })
}

/// What `finish` adds besides the card's signature. New options arrive as fields with
/// defaults, so callers of [`FinishOptions::new`] keep compiling.
#[derive(Clone, Copy, Default)]
#[non_exhaustive]
pub struct FinishOptions<'a> {
    /// A timestamp over the signature value from this TSA (CAdES-T / PAdES B-T), checked
    /// before it is embedded; any failure means no signed file.
    pub timestamping: Option<Timestamping<'a>>,
}

impl<'a> FinishOptions<'a> {
    /// Nothing added: B-B.
    pub fn new() -> Self {
        Self::default()
    }

    /// With a timestamp from `timestamping`.
    pub fn with_timestamping(mut self, timestamping: Timestamping<'a>) -> Self {
        self.timestamping = Some(timestamping);
        self
    }
}

/// [`finish_cms`] with `options`: with a timestamp, the `.p7s` is CAdES-T (the token in the
/// signer's `signature-time-stamp` unsigned attribute; the signed attributes are unchanged).
pub fn finish_cms_with(
    prepared: &PreparedCms,
    signature: &[u8],
    options: &FinishOptions<'_>,
) -> Result<Vec<u8>, DocumentError> {
    let p7s = finish_cms(prepared, signature)?;
    match &options.timestamping {
        None => Ok(p7s),
        Some(timestamping) => {
            let (token, _) = timestamp::stamp(signature, timestamping, SystemTime::now())?;
            add_signature_time_stamp(&p7s, &token)
        }
    }
}

/// `p7s` with `token` as its one signer's `signature-time-stamp` unsigned attribute.
fn add_signature_time_stamp(p7s: &[u8], token: &[u8]) -> Result<Vec<u8>, DocumentError> {
    let info = ContentInfo::from_der(p7s).map_err(cms_err("ContentInfo"))?;
    let mut signed: SignedData = info.content.decode_as().map_err(cms_err("SignedData"))?;
    let mut signers: Vec<SignerInfo> = signed.signer_infos.0.into_vec();
    let [signer] = signers.as_mut_slice() else {
        return Err(DocumentError::Cms("exactly one signer is supported".into()));
    };
    let value = Any::from_der(token).map_err(cms_err("timestamp token"))?;
    let attribute = x509_cert::attr::Attribute {
        oid: ID_SIGNATURE_TIME_STAMP,
        values: SetOfVec::try_from(vec![value]).map_err(cms_err("timestamp attribute"))?,
    };
    signer.unsigned_attrs =
        Some(SetOfVec::try_from(vec![attribute]).map_err(cms_err("unsigned attributes"))?);
    signed.signer_infos = SignerInfos(SetOfVec::try_from(signers).map_err(cms_err("signers"))?);
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed).map_err(cms_err("signed data"))?,
    }
    .to_der()
    .map_err(cms_err("content info"))
}

/// The DER token of the signer's `signature-time-stamp` attribute, if it has one.
fn signature_time_stamp(signer: &SignerInfo) -> Result<Option<Vec<u8>>, DocumentError> {
    let mut found = signer
        .unsigned_attrs
        .iter()
        .flat_map(|attrs| attrs.iter())
        .filter(|a| a.oid == ID_SIGNATURE_TIME_STAMP);
    let Some(attribute) = found.next() else {
        return Ok(None);
    };
    let [token] = attribute.values.as_slice() else {
        return Err(DocumentError::Cms(
            "a timestamp attribute with several values".into(),
        ));
    };
    if found.next().is_some() {
        return Err(DocumentError::Cms("several timestamp attributes".into()));
    }
    Ok(Some(token.to_der().map_err(cms_err("timestamp token"))?))
}

/// Step 2: the `.p7s` (DER ContentInfo with a detached SignedData) from the card's
/// RSASSA-PKCS1-v1_5 `signature` over [`PreparedCms::hash`]. The signature is checked against
/// the certificate's key first, so a wrong card or hash never produces a file.
pub fn finish_cms(prepared: &PreparedCms, signature: &[u8]) -> Result<Vec<u8>, DocumentError> {
    let certificate = parse_certificate(&prepared.certificate)?;
    check_signature(&certificate, &prepared.hash(), signature)?;
    let attrs = SignedAttributes::from_der(&prepared.signed_attributes)
        .map_err(|e| DocumentError::Prepared(format!("signed attributes: {e}")))?;
    let sha256 = AlgorithmIdentifierOwned {
        oid: ID_SHA256,
        parameters: None,
    };
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(attributes::signer_id(&certificate)),
        digest_alg: sha256.clone(),
        signed_attrs: Some(attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: RSA_ENCRYPTION,
            parameters: Some(Any::from(der::asn1::Null)),
        },
        signature: OctetString::new(signature).map_err(cms_err("signature"))?,
        unsigned_attrs: None,
    };
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256]).map_err(cms_err("digests"))?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(
            SetOfVec::try_from(vec![CertificateChoices::Certificate(certificate)])
                .map_err(cms_err("certificates"))?,
        )),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer]).map_err(cms_err("signers"))?),
    };
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(cms_err("signed data"))?,
    }
    .to_der()
    .map_err(cms_err("content info"))
}

fn check_signature(
    certificate: &Certificate,
    hash: &[u8; 32],
    signature: &[u8],
) -> Result<(), DocumentError> {
    let spki = certificate
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| DocumentError::Certificate(e.to_string()))?;
    let key = RsaPublicKey::from_public_key_der(&spki)
        .map_err(|e| DocumentError::Certificate(format!("not an RSA key: {e}")))?;
    key.verify(Pkcs1v15Sign::new::<Sha256>(), hash, signature)
        .map_err(|_| DocumentError::SignatureMismatch)
}

/// A verified detached CMS signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CmsVerification {
    /// Who signed, from the verified signing certificate.
    pub signer: SignerIdentity,
    /// The signing time the signer claimed (RFC 3339 UTC), if the CMS carries one. It comes
    /// from the signer's computer, not from a timestamp authority.
    pub signing_time: Option<String>,
    /// The level reached and when and how the certificate was judged.
    #[serde(flatten)]
    pub judgement: Judgement,
}

/// Verifies a `.p7s` against the `content` it signs: structure, message digest, the signer's
/// certificate (identity, chain, validity and revocation at `now`, by the verifier's rules)
/// and the signature.
pub fn verify_cms(
    p7s: &[u8],
    content: &[u8],
    trust: &Trust,
    now: SystemTime,
) -> Result<CmsVerification, DocumentError> {
    verify_cms_with(p7s, content, &Validation::new(trust, now))
}

/// [`verify_cms`] with TSA roots: a CAdES-T signature whose timestamp checks out is judged at
/// the timestamp's time ([`crate::Validation`]).
pub fn verify_cms_with(
    p7s: &[u8],
    content: &[u8],
    validation: &Validation<'_>,
) -> Result<CmsVerification, DocumentError> {
    verify_detached(p7s, &Sha256::digest(content), validation)
}

/// The checks of [`verify_cms_with`] given the content's SHA-256 digest (shared with PDFs).
pub(crate) fn verify_detached(
    p7s: &[u8],
    content_digest: &[u8],
    validation: &Validation<'_>,
) -> Result<CmsVerification, DocumentError> {
    let info = ContentInfo::from_der(p7s).map_err(cms_err("ContentInfo"))?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(DocumentError::Cms("not a SignedData".into()));
    }
    let signed: SignedData = info.content.decode_as().map_err(cms_err("SignedData"))?;
    if signed.encap_content_info.econtent.is_some() {
        return Err(DocumentError::Cms(
            "not detached: it carries its content".into(),
        ));
    }
    let [signer] = signed.signer_infos.0.as_slice() else {
        return Err(DocumentError::Cms("exactly one signer is supported".into()));
    };
    if signer.digest_alg.oid != ID_SHA256 {
        return Err(DocumentError::Cms("digest algorithm is not SHA-256".into()));
    }
    if ![RSA_ENCRYPTION, SHA256_WITH_RSA].contains(&signer.signature_algorithm.oid) {
        return Err(DocumentError::Cms(
            "signature algorithm is not RSA PKCS#1 v1.5".into(),
        ));
    }
    let certificate_der = signer_certificate(&signed, signer)?;
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or_else(|| DocumentError::Cms("no signed attributes".into()))?;
    let econtent_type = signed.encap_content_info.econtent_type;
    let checked = attributes::check(attrs, econtent_type, content_digest, &certificate_der)?;
    let hash = Sha256::digest(attrs.to_der().map_err(cms_err("signed attributes"))?);
    let token = signature_time_stamp(signer)?;
    let (signer_identity, judgement) = judge(
        &hash,
        signer.signature.as_bytes(),
        &certificate_der,
        token.as_deref(),
        validation,
    )?;
    Ok(CmsVerification {
        signer: signer_identity,
        signing_time: checked.signing_time,
        judgement,
    })
}

/// The DER certificate `signer.sid` names among the SignedData's certificates.
fn signer_certificate(signed: &SignedData, signer: &SignerInfo) -> Result<Vec<u8>, DocumentError> {
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer.sid else {
        return Err(DocumentError::Cms(
            "signer identified by key id, not issuer and serial".into(),
        ));
    };
    let certificate = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .find_map(|choice| match choice {
            CertificateChoices::Certificate(c)
                if c.tbs_certificate.issuer == sid.issuer
                    && c.tbs_certificate.serial_number == sid.serial_number =>
            {
                Some(c)
            }
            _ => None,
        })
        .ok_or_else(|| DocumentError::Cms("the signer's certificate is not included".into()))?;
    certificate.to_der().map_err(cms_err("certificate"))
}
