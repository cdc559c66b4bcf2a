//! The ESS signing-certificate check against OpenSSL's TSA (`openssl ts -reply`, test-support):
//! its tokens (signingCertificateV2 with SHA-256, or signingCertificate with SHA-1) pass; tokens
//! edited after OpenSSL made them, re-signed with the test TSA's key where the signed attributes
//! change, are refused when the attribute is missing or names another certificate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::SystemTime;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::signed_data::{CertificateSet, SignedData, SignerIdentifier};
use der::asn1::SetOfVec;
use der::{Any, Decode};
use mynakey_test_support::pki::{pki, sign_digest};
use mynakey_test_support::tsa::{OpenSslTsa, TsaMode};
use x509_tsp::TimeStampResp;

use super::*;
use crate::timestamp::{stamp, TimestampAuthority, Timestamping, TsaTrust};

const SIGNATURE_VALUE: &[u8] = b"the card's signature value";

fn certificate(name: &str) -> Certificate {
    Certificate::from_der(&pki(name)).unwrap()
}

/// OpenSSL's TSA in `mode`, its token edited by `change` before the client sees it; with
/// `resign`, the signed attributes are signed again with the test TSA's key (a TSA that made
/// the token so itself), without it the signature is OpenSSL's.
struct Edited<F> {
    mode: TsaMode,
    change: F,
    resign: bool,
}

impl<F: Fn(&mut SignedData)> TimestampAuthority for Edited<F> {
    fn post(&self, request: &[u8]) -> Result<Vec<u8>, TimestampError> {
        let tsa = OpenSslTsa::new().unwrap();
        let answer = tsa
            .answer(request, self.mode)
            .map_err(TimestampError::Http)?;
        let mut response = TimeStampResp::from_der(&answer).unwrap();
        let token = response.time_stamp_token.as_mut().unwrap();
        let mut signed: SignedData = token.content.decode_as().unwrap();
        (self.change)(&mut signed);
        if self.resign {
            let mut signers = signed.signer_infos.0.as_slice().to_vec();
            let attrs = signers[0].signed_attrs.as_ref().unwrap().to_der().unwrap();
            let hash = sha2::Sha256::digest(&attrs);
            signers[0].signature =
                OctetString::new(sign_digest("tsa.key.der", hash.as_slice())).unwrap();
            signed.signer_infos.0 = SetOfVec::try_from(signers).unwrap();
        }
        token.content = Any::encode_from(&signed).unwrap();
        Ok(response.to_der().unwrap())
    }
}

/// A timestamp over [`SIGNATURE_VALUE`] from `authority`, checked as `document finish` does.
fn stamped(authority: &dyn TimestampAuthority) -> Result<Vec<u8>, TimestampError> {
    let trust = TsaTrust::from_der(&[&pki("tsa-root.der")]).unwrap();
    let timestamping = Timestamping {
        authority,
        trust: &trust,
    };
    stamp(SIGNATURE_VALUE, &timestamping, SystemTime::now()).map(|(token, _)| token)
}

/// The signer's signed attributes with both ESS attributes taken out and `added` put in.
fn replace_ess(signed: &mut SignedData, added: Option<(ObjectIdentifier, Vec<u8>)>) {
    let mut signers = signed.signer_infos.0.as_slice().to_vec();
    let attrs = signers[0].signed_attrs.take().unwrap();
    let mut kept: Vec<Attribute> = attrs
        .into_vec()
        .into_iter()
        .filter(|a| ![ID_AA_SIGNING_CERTIFICATE, ID_AA_SIGNING_CERTIFICATE_V2].contains(&a.oid))
        .collect();
    if let Some((oid, value)) = added {
        kept.push(Attribute {
            oid,
            values: SetOfVec::try_from(vec![Any::from_der(&value).unwrap()]).unwrap(),
        });
    }
    signers[0].signed_attrs = Some(SetOfVec::try_from(kept).unwrap());
    signed.signer_infos.0 = SetOfVec::try_from(signers).unwrap();
}

fn issuer_serial(of: &Certificate) -> IssuerSerial {
    IssuerSerial {
        issuer: vec![GeneralName::DirectoryName(
            of.tbs_certificate.issuer.clone(),
        )],
        serial_number: of.tbs_certificate.serial_number.clone(),
    }
}

/// signingCertificateV2: SHA-256 of `hashed`, the issuer and serial of `serial_of`.
fn v2(hashed: &Certificate, serial_of: &Certificate) -> (ObjectIdentifier, Vec<u8>) {
    let hash = sha2::Sha256::digest(hashed.to_der().unwrap());
    let value = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(hash.as_slice()).unwrap(),
            issuer_serial: Some(issuer_serial(serial_of)),
        }],
        policies: None,
    };
    (ID_AA_SIGNING_CERTIFICATE_V2, value.to_der().unwrap())
}

/// signingCertificate: SHA-1 of `hashed`, no issuerSerial.
fn v1(hashed: &Certificate) -> (ObjectIdentifier, Vec<u8>) {
    let value = SigningCertificate {
        certs: vec![EssCertId {
            cert_hash: OctetString::new(Sha1::digest(hashed.to_der().unwrap()).as_slice()).unwrap(),
            issuer_serial: None,
        }],
        policies: None,
    };
    (ID_AA_SIGNING_CERTIFICATE, value.to_der().unwrap())
}

fn ess_attributes(token: &[u8]) -> Vec<ObjectIdentifier> {
    let info = cms::content_info::ContentInfo::from_der(token).unwrap();
    let signed: SignedData = info.content.decode_as().unwrap();
    let signer = &signed.signer_infos.0.as_slice()[0];
    let attrs = signer.signed_attrs.as_ref().unwrap();
    let ess = [ID_AA_SIGNING_CERTIFICATE, ID_AA_SIGNING_CERTIFICATE_V2];
    attrs
        .iter()
        .map(|a| a.oid)
        .filter(|o| ess.contains(o))
        .collect()
}

fn refused<F: Fn(&mut SignedData)>(mode: TsaMode, change: F, resign: bool) -> TimestampError {
    let err = stamped(&Edited {
        mode,
        change,
        resign,
    })
    .unwrap_err();
    assert_eq!(err.code(), "TSA_SIGNING_CERTIFICATE", "{err}");
    err
}

#[test]
fn openssls_tokens_name_their_certificate_in_either_version_and_pass() {
    for (mode, oid) in [
        (TsaMode::Grant, ID_AA_SIGNING_CERTIFICATE_V2),
        (TsaMode::GrantEssV1, ID_AA_SIGNING_CERTIFICATE),
    ] {
        let unchanged = Edited {
            mode,
            change: |_: &mut SignedData| {},
            resign: false,
        };
        let token = stamped(&unchanged).unwrap();
        assert_eq!(ess_attributes(&token), [oid], "{mode:?}");
    }
    // Re-signing by itself changes nothing: the refusals below are for the attribute.
    let tsa = certificate("tsa.der");
    let resigned = Edited {
        mode: TsaMode::Grant,
        change: |s: &mut SignedData| replace_ess(s, Some(v2(&tsa, &tsa))),
        resign: true,
    };
    stamped(&resigned).unwrap();
}

#[test]
fn a_token_without_the_attribute_is_refused() {
    let err = refused(TsaMode::Grant, |s| replace_ess(s, None), true);
    assert!(err.to_string().contains("no signingCertificate"), "{err}");
}

#[test]
fn a_token_whose_attribute_names_another_certificate_is_refused() {
    // The same subject and key under another root: only the certificate hash tells them apart.
    let other = certificate("tsa-untrusted.der");
    let err = refused(
        TsaMode::Grant,
        |s| replace_ess(s, Some(v2(&other, &other))),
        true,
    );
    assert!(err.to_string().contains("certificate hash"), "{err}");
    refused(
        TsaMode::GrantEssV1,
        |s| replace_ess(s, Some(v1(&other))),
        true,
    );
}

#[test]
fn an_issuer_serial_naming_another_certificate_is_refused() {
    let (tsa, other) = (certificate("tsa.der"), certificate("tsa-untrusted.der"));
    let err = refused(
        TsaMode::Grant,
        |s| replace_ess(s, Some(v2(&tsa, &other))),
        true,
    );
    assert!(err.to_string().contains("issuerSerial"), "{err}");
}

#[test]
fn a_token_moved_under_another_certificate_of_the_same_key_is_refused() {
    // Signed by the TSA certificate under the untrusted root; the certificate set and the
    // signer identifier (neither is signed) are swapped for the trusted certificate of the
    // same key. The signature, the EKU and the chain all pass; the signed ESS attribute still
    // names the untrusted certificate.
    let tsa = certificate("tsa.der");
    let swap = |s: &mut SignedData| {
        let choice = CertificateChoices::Certificate(tsa.clone());
        s.certificates = Some(CertificateSet(SetOfVec::try_from(vec![choice]).unwrap()));
        let mut signers = s.signer_infos.0.as_slice().to_vec();
        signers[0].sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tsa.tbs_certificate.issuer.clone(),
            serial_number: tsa.tbs_certificate.serial_number.clone(),
        });
        s.signer_infos.0 = SetOfVec::try_from(signers).unwrap();
    };
    refused(TsaMode::Untrusted, swap, false);
}
