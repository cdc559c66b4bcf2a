//! The lab's test time-stamping authority: a DER `TimeStampReq` in, a DER `TimeStampResp` out
//! (RFC 3161 §2.4), answered in-process. A granted answer's token is a CMS SignedData (RFC
//! 5652 §5) over a TSTInfo, signed with the test TSA key, its signed attributes naming the TSA
//! certificate by ESS signing-certificate-v2 (RFC 5816).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use cmpv2::status::{PkiFailureInfoValues, PkiStatus, PkiStatusInfo};
use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::ContentInfo;
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use der::asn1::{GeneralizedTime, Int, OctetString, SetOfVec, Uint, Utf8StringRef};
use der::oid::db::rfc5912::{ID_SHA_256, ID_SHA_384, ID_SHA_512};
use der::oid::ObjectIdentifier;
use der::{Any, Decode, Encode, Sequence};
use sha2::{Digest, Sha256};
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_tsp::{Accuracy, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

use super::{LabPkiError, TestSigner};

/// The lab TSA's policy (a TEST arc of the test PKI; OpenSSL's test TSA uses `…99999.1`).
pub const LAB_TSA_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.2");

/// id-ct-TSTInfo (RFC 3161 §2.4.2).
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-aa-signingCertificateV2 (RFC 5035 §3, required for TSAs by RFC 5816 §2.2.1).
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// RFC 5035 `IssuerSerial`.
#[derive(Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

/// RFC 5035 `ESSCertIDv2`; hashAlgorithm left out as its DEFAULT, SHA-256.
#[derive(Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
    issuer_serial: IssuerSerial,
}

/// RFC 5035 `SigningCertificateV2` (no policies).
#[derive(Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

/// The lab's TSA: the test TSA certificate and key, and the last serial number it gave.
pub struct LabTsa {
    signer: TestSigner,
    last_serial: AtomicU64,
}

impl LabTsa {
    /// The TSA of `tests/fixtures/pki` (`tsa.der`, `tsa.key.der`).
    pub fn new() -> Result<Self, LabPkiError> {
        Ok(Self {
            signer: TestSigner::load(
                "TSA certificate or key",
                fixture!("tsa.key.der"),
                fixture!("tsa.der"),
            )?,
            last_serial: AtomicU64::new(0),
        })
    }

    /// The DER `TimeStampResp` to `request` at `now` (RFC 3161 §2.4.2): granted, or a
    /// rejection with its failure reason (`badDataFormat`, `badAlg`, `unacceptedPolicy`,
    /// `unacceptedExtension`) as a real TSA answers. `Err` only when the lab itself fails.
    pub fn respond(&self, request: &[u8], now: SystemTime) -> Result<Vec<u8>, LabPkiError> {
        let request = match TimeStampReq::from_der(request) {
            Ok(request) => request,
            Err(_) => return rejection(PkiFailureInfoValues::BadDataFormat, "not a TimeStampReq"),
        };
        if let Some((failure, text)) = refusal(&request) {
            return rejection(failure, text);
        }
        let tst_info = self.tst_info(&request, now)?.to_der()?;
        let token = self.token(&tst_info, request.cert_req)?;
        let response = TimeStampResp {
            status: PkiStatusInfo {
                status: PkiStatus::Accepted,
                status_string: None,
                fail_info: None,
            },
            time_stamp_token: Some(token),
        };
        Ok(response.to_der()?)
    }

    /// RFC 3161 §2.4.2 `TSTInfo`: this policy, the request's imprint and nonce, a new serial
    /// number, genTime `now` (accuracy one second), and the TSA's name.
    fn tst_info(&self, request: &TimeStampReq, now: SystemTime) -> Result<TstInfo, LabPkiError> {
        Ok(TstInfo {
            version: TspVersion::V1,
            policy: LAB_TSA_POLICY,
            message_imprint: request.message_imprint.clone(),
            serial_number: Int::from(Uint::new(&self.next_serial(now).to_be_bytes())?),
            gen_time: GeneralizedTime::from_system_time(now).map_err(|_| LabPkiError::Clock)?,
            accuracy: Some(Accuracy {
                seconds: Some(1),
                millis: None,
                micros: None,
            }),
            ordering: false,
            nonce: request.nonce.clone(),
            tsa: Some(GeneralName::DirectoryName(
                self.signer.certificate.tbs_certificate.subject.clone(),
            )),
            extensions: None,
        })
    }

    /// RFC 3161 §2.4.1: unique serial numbers; microseconds since 1970, always increasing.
    fn next_serial(&self, now: SystemTime) -> u64 {
        let micros = now
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let next = |last: u64| last.saturating_add(1).max(micros);
        let previous = self
            .last_serial
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| Some(next(last)))
            .unwrap_or_else(|last| last);
        next(previous)
    }

    /// RFC 3161 §2.4.2 and RFC 5652 §5: the `TimeStampToken`, a SignedData whose eContent is
    /// the TSTInfo, signed (SHA-256, RSASSA-PKCS1-v1_5) over the content-type, message-digest
    /// and signing-certificate-v2 attributes; the TSA certificate included when `cert_req`.
    fn token(&self, tst_info: &[u8], cert_req: bool) -> Result<ContentInfo, LabPkiError> {
        let sign_err = |e: cms::builder::Error| LabPkiError::Sign(e.to_string());
        let encapsulated = EncapsulatedContentInfo {
            econtent_type: ID_CT_TST_INFO,
            econtent: Some(Any::encode_from(&OctetString::new(tst_info)?)?),
        };
        let sha256 = AlgorithmIdentifierOwned {
            oid: ID_SHA_256,
            parameters: None,
        };
        let certificate = &self.signer.certificate;
        let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: certificate.tbs_certificate.issuer.clone(),
            serial_number: certificate.tbs_certificate.serial_number.clone(),
        });
        let mut signer_info =
            SignerInfoBuilder::new(&self.signer.key, sid, sha256.clone(), &encapsulated, None)
                .map_err(sign_err)?;
        signer_info
            .add_signed_attribute(self.signing_certificate_v2()?)
            .map_err(sign_err)?;
        let mut signed_data = SignedDataBuilder::new(&encapsulated);
        signed_data.add_digest_algorithm(sha256).map_err(sign_err)?;
        if cert_req {
            signed_data
                .add_certificate(CertificateChoices::Certificate(certificate.clone()))
                .map_err(sign_err)?;
        }
        signed_data
            .add_signer_info::<_, rsa::pkcs1v15::Signature>(signer_info)
            .map_err(sign_err)?
            .build()
            .map_err(sign_err)
    }

    /// RFC 5816 §2.2.1 / RFC 5035 §5.4: the signing-certificate-v2 attribute naming the TSA
    /// certificate by its SHA-256 hash, issuer and serial number.
    fn signing_certificate_v2(&self) -> Result<Attribute, LabPkiError> {
        let certificate = &self.signer.certificate;
        let value = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                cert_hash: OctetString::new(Sha256::digest(certificate.to_der()?).as_slice())?,
                issuer_serial: IssuerSerial {
                    issuer: vec![GeneralName::DirectoryName(
                        certificate.tbs_certificate.issuer.clone(),
                    )],
                    serial_number: certificate.tbs_certificate.serial_number.clone(),
                },
            }],
        };
        Ok(Attribute {
            oid: ID_SIGNING_CERTIFICATE_V2,
            values: SetOfVec::try_from(vec![Any::encode_from(&value)?])?,
        })
    }
}

/// What a TSA refuses (RFC 3161 §2.4.2 `PKIFailureInfo`): a hash other than SHA-256/384/512
/// or an imprint of the wrong length, another policy, or any extension.
fn refusal(request: &TimeStampReq) -> Option<(PkiFailureInfoValues, &'static str)> {
    let imprint = &request.message_imprint;
    let length = match imprint.hash_algorithm.oid {
        ID_SHA_256 => 32,
        ID_SHA_384 => 48,
        ID_SHA_512 => 64,
        _ => return Some((PkiFailureInfoValues::BadAlg, "SHA-256, -384 or -512 only")),
    };
    if imprint.hashed_message.as_bytes().len() != length {
        return Some((
            PkiFailureInfoValues::BadDataFormat,
            "imprint of the wrong length",
        ));
    }
    if request.req_policy.is_some_and(|p| p != LAB_TSA_POLICY) {
        return Some((PkiFailureInfoValues::UnacceptedPolicy, "another policy"));
    }
    if request.extensions.is_some() {
        return Some((PkiFailureInfoValues::UnacceptedExtension, "no extensions"));
    }
    None
}

/// RFC 3161 §2.4.2: a `TimeStampResp` with status rejection, the reason and a short text.
fn rejection(failure: PkiFailureInfoValues, text: &'static str) -> Result<Vec<u8>, LabPkiError> {
    let response = TimeStampResp {
        status: PkiStatusInfo {
            status: PkiStatus::Rejection,
            status_string: Some(vec![Utf8StringRef::new(text)?]),
            fail_info: Some(failure.into()),
        },
        time_stamp_token: None,
    };
    Ok(response.to_der()?)
}

#[cfg(test)]
mod tests;
