//! Checking a `TimeStampToken` (RFC 3161 §2.4.2, RFC 5652): its TSTInfo imprint is the hash of
//! the signature value, its CMS signature verifies with the TSA certificate it includes, that
//! certificate carries only the critical `timeStamping` extended key usage and chains (through
//! the token's other certificates, if any) to a configured TSA root, all valid at genTime, and
//! its ESS signing-certificate attribute names that certificate (`ess`).

use std::time::{Duration, SystemTime};

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{Int, OctetString};
use der::oid::ObjectIdentifier;
use der::{Decode, Encode};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::Certificate;
use x509_tsp::TstInfo;

use super::{digest, TimestampError, TimestampInfo, TsaTrust};
use crate::attributes::{ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, ID_SIGNED_DATA};

const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
/// How far a genTime may lie ahead of the verifier's clock.
const CLOCK_SKEW: Duration = Duration::from_secs(300);
/// Intermediate certificates followed at most between the TSA and its root.
const MAX_CHAIN: usize = 4;

fn bad(what: &str) -> impl Fn(der::Error) -> TimestampError + '_ {
    move |e| TimestampError::BadToken(format!("{what}: {e}"))
}

/// The checked token's report and its nonce.
pub(crate) fn verify_token(
    token: &[u8],
    signature_value: &[u8],
    trust: &TsaTrust,
    now: SystemTime,
) -> Result<(TimestampInfo, Option<Int>), TimestampError> {
    let info = ContentInfo::from_der(token).map_err(bad("ContentInfo"))?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(TimestampError::BadToken("not a SignedData".into()));
    }
    let signed: SignedData = info.content.decode_as().map_err(bad("SignedData"))?;
    if signed.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(TimestampError::BadToken(
            "the content is not a TSTInfo".into(),
        ));
    }
    let content = signed
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| TimestampError::BadToken("no TSTInfo".into()))?
        .decode_as::<OctetString>()
        .map_err(bad("TSTInfo"))?;
    let tst = TstInfo::from_der(content.as_bytes()).map_err(bad("TSTInfo"))?;
    let imprint = &tst.message_imprint;
    let expected = digest(imprint.hash_algorithm.oid, signature_value)?;
    if imprint.hashed_message.as_bytes() != expected.as_slice() {
        return Err(TimestampError::BadToken(
            "its message imprint is not the hash of this signature value".into(),
        ));
    }
    let time = SystemTime::UNIX_EPOCH + tst.gen_time.to_unix_duration();
    if time > now + CLOCK_SKEW {
        return Err(TimestampError::BadToken("genTime is in the future".into()));
    }
    let [signer] = signed.signer_infos.0.as_slice() else {
        return Err(TimestampError::BadToken("not exactly one signer".into()));
    };
    let certificates = certificates(&signed);
    let tsa = signer_certificate(&certificates, signer)?;
    check_signer(signer, content.as_bytes(), tsa)?;
    check_time_stamping_usage(tsa)?;
    chain_to_root(tsa, &certificates, trust, time)?;
    let report = TimestampInfo {
        gen_time: tst.gen_time.to_date_time().to_string(),
        tsa: tsa.tbs_certificate.subject.to_string(),
        serial: hex(tst.serial_number.as_bytes()),
        policy: tst.policy.to_string(),
        time,
    };
    Ok((report, tst.nonce))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// RSASSA-PKCS1-v1_5 with the hash `algorithm` names (a digest or an RSA signature OID).
fn rsa_verify(
    key_holder: &Certificate,
    algorithm: ObjectIdentifier,
    message: &[u8],
    signature: &[u8],
) -> bool {
    use der::oid::db::rfc5912::{
        ID_SHA_256, ID_SHA_384, ID_SHA_512, SHA_256_WITH_RSA_ENCRYPTION,
        SHA_384_WITH_RSA_ENCRYPTION, SHA_512_WITH_RSA_ENCRYPTION,
    };
    let Ok(spki) = key_holder.tbs_certificate.subject_public_key_info.to_der() else {
        return false;
    };
    let Ok(key) = RsaPublicKey::from_public_key_der(&spki) else {
        return false;
    };
    let (scheme, hashed) = match algorithm {
        ID_SHA_256 | SHA_256_WITH_RSA_ENCRYPTION => (
            Pkcs1v15Sign::new::<Sha256>(),
            Sha256::digest(message).to_vec(),
        ),
        ID_SHA_384 | SHA_384_WITH_RSA_ENCRYPTION => (
            Pkcs1v15Sign::new::<Sha384>(),
            Sha384::digest(message).to_vec(),
        ),
        ID_SHA_512 | SHA_512_WITH_RSA_ENCRYPTION => (
            Pkcs1v15Sign::new::<Sha512>(),
            Sha512::digest(message).to_vec(),
        ),
        _ => return false,
    };
    key.verify(scheme, &hashed, signature).is_ok()
}

fn certificates(signed: &SignedData) -> Vec<Certificate> {
    signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(c) => Some(c.clone()),
            CertificateChoices::Other(_) => None,
        })
        .collect()
}

/// The certificate the signer names (issuer and serial, or subject key identifier).
fn signer_certificate<'c>(
    certificates: &'c [Certificate],
    signer: &SignerInfo,
) -> Result<&'c Certificate, TimestampError> {
    use x509_cert::ext::pkix::SubjectKeyIdentifier;
    certificates
        .iter()
        .find(|c| match &signer.sid {
            SignerIdentifier::IssuerAndSerialNumber(id) => {
                c.tbs_certificate.issuer == id.issuer
                    && c.tbs_certificate.serial_number == id.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(id) => c
                .tbs_certificate
                .get::<SubjectKeyIdentifier>()
                .ok()
                .flatten()
                .is_some_and(|(_, ski)| ski == *id),
        })
        .ok_or_else(|| {
            TimestampError::BadToken(
                "the TSA certificate is not in the token (certReq was set)".into(),
            )
        })
}

/// The signed attributes name a TSTInfo and its digest, the TSA's key signed them, and they
/// name the TSA's certificate (ESS signing-certificate, [`super::ess`]).
fn check_signer(
    signer: &SignerInfo,
    content: &[u8],
    tsa: &Certificate,
) -> Result<(), TimestampError> {
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or_else(|| TimestampError::BadToken("no signed attributes".into()))?;
    let value = |oid: ObjectIdentifier| {
        let mut found = attrs.iter().filter(|a| a.oid == oid);
        match (found.next(), found.next()) {
            (Some(a), None) if a.values.len() == 1 => a.values.get(0),
            _ => None,
        }
    };
    let content_type = value(ID_CONTENT_TYPE)
        .and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
        .ok_or_else(|| TimestampError::BadToken("no content-type attribute".into()))?;
    if content_type != ID_CT_TST_INFO {
        return Err(TimestampError::BadToken(
            "content-type is not TSTInfo".into(),
        ));
    }
    let message_digest = value(ID_MESSAGE_DIGEST)
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or_else(|| TimestampError::BadToken("no message-digest attribute".into()))?;
    if message_digest.as_bytes() != digest(signer.digest_alg.oid, content)?.as_slice() {
        return Err(TimestampError::BadToken(
            "the TSTInfo does not match its message-digest".into(),
        ));
    }
    let signed = attrs.to_der().map_err(bad("signed attributes"))?;
    if !rsa_verify(
        tsa,
        signer.digest_alg.oid,
        &signed,
        signer.signature.as_bytes(),
    ) {
        return Err(TimestampError::BadToken(
            "its signature does not verify with the TSA certificate".into(),
        ));
    }
    super::ess::check_signing_certificate(attrs.as_slice(), tsa)
}

/// RFC 3161 §2.3: exactly one extended key usage, `timeStamping`, in a critical extension.
fn check_time_stamping_usage(tsa: &Certificate) -> Result<(), TimestampError> {
    match tsa.tbs_certificate.get::<ExtendedKeyUsage>() {
        Ok(Some((true, eku))) if eku.0 == [ID_KP_TIME_STAMPING] => Ok(()),
        _ => Err(TimestampError::BadToken(
            "the TSA certificate lacks the critical extendedKeyUsage timeStamping".into(),
        )),
    }
}

fn valid_at(cert: &Certificate, time: SystemTime) -> bool {
    let validity = &cert.tbs_certificate.validity;
    let at = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    validity.not_before.to_unix_duration() <= at && at <= validity.not_after.to_unix_duration()
}

fn issued_by(child: &Certificate, issuer: &Certificate) -> bool {
    child.tbs_certificate.issuer == issuer.tbs_certificate.subject
        && child.tbs_certificate.to_der().is_ok_and(|tbs| {
            child
                .signature
                .as_bytes()
                .is_some_and(|sig| rsa_verify(issuer, child.signature_algorithm.oid, &tbs, sig))
        })
}

/// The TSA certificate reaches a configured root, every link valid at genTime.
fn chain_to_root(
    tsa: &Certificate,
    certificates: &[Certificate],
    trust: &TsaTrust,
    time: SystemTime,
) -> Result<(), TimestampError> {
    let untrusted = |why: &str| TimestampError::Untrusted(why.to_owned());
    let mut current = tsa;
    for _ in 0..=MAX_CHAIN {
        if !valid_at(current, time) {
            return Err(untrusted(
                "a certificate of its chain was not valid at genTime",
            ));
        }
        if let Some(root) = trust.roots().iter().find(|r| issued_by(current, r)) {
            return if valid_at(root, time) {
                Ok(())
            } else {
                Err(untrusted("its root was not valid at genTime"))
            };
        }
        current = certificates
            .iter()
            .find(|c| *c != current && issued_by(current, c))
            .ok_or_else(|| {
                TimestampError::Untrusted(format!(
                    "{} does not chain to a configured TSA root",
                    tsa.tbs_certificate.subject
                ))
            })?;
    }
    Err(untrusted("its chain is too long"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn fixture(name: &str) -> Certificate {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/pki/");
        Certificate::from_der(&std::fs::read(format!("{path}{name}")).unwrap()).unwrap()
    }

    #[test]
    fn only_a_critical_time_stamping_usage_makes_a_tsa_certificate() {
        assert!(check_time_stamping_usage(&fixture("tsa.der")).is_ok());
        for other in ["tsa-noncritical-eku.der", "card1-sign.der", "tsa-root.der"] {
            let err = check_time_stamping_usage(&fixture(other)).unwrap_err();
            assert_eq!(err.code(), "TSA_BAD_TOKEN", "{other}");
        }
    }
}
