//! CRLs the lab's test roots issue on demand (RFC 5280 §5): empty, issued now, valid a day.
//! A timestamped signature is judged with revocation data issued at or after its timestamp,
//! which the fixed CRLs of `tests/fixtures/pki` (issued 2026-01-15) cannot be.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use der::asn1::{BitString, Uint, UtcTime};
use der::Encode;
use rsa::signature::{SignatureEncoding, Signer};
use x509_cert::crl::{CertificateList, TbsCertList};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber, SubjectKeyIdentifier};
use x509_cert::ext::AsExtension;
use x509_cert::spki::DynSignatureAlgorithmIdentifier;
use x509_cert::time::Time;
use x509_cert::Version;

use super::{LabPkiError, TestSigner};

/// How long a lab CRL stays current (nextUpdate − thisUpdate).
const CRL_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A test root of `tests/fixtures/pki` that publishes CRLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestCa {
    /// `sign-root-2.der`, the issuer of the simulated cards' signing certificates.
    Signing,
    /// `tsa-root.der`, the issuer of the lab TSA's certificate.
    Tsa,
}

impl TestCa {
    fn signer(self) -> Result<TestSigner, LabPkiError> {
        match self {
            Self::Signing => TestSigner::load(
                "signing root",
                fixture!("sign-root-2.key.der"),
                fixture!("sign-root-2.der"),
            ),
            Self::Tsa => TestSigner::load(
                "TSA root",
                fixture!("tsa-root.key.der"),
                fixture!("tsa-root.der"),
            ),
        }
    }
}

/// RFC 5280 §5.1: a v2 CRL from `ca` listing no certificate, thisUpdate `now`, nextUpdate a
/// day later, with authorityKeyIdentifier (the root's key identifier) and cRLNumber (§5.2.1,
/// §5.2.3; the seconds since 1970, so later lists have larger numbers), signed
/// sha256WithRSAEncryption.
pub fn fresh_crl(ca: TestCa, now: SystemTime) -> Result<Vec<u8>, LabPkiError> {
    let signer = ca.signer()?;
    let root = &signer.certificate.tbs_certificate;
    let key_id = root
        .get::<SubjectKeyIdentifier>()
        .ok()
        .flatten()
        .ok_or(LabPkiError::Fixture("root's subjectKeyIdentifier"))?
        .1;
    let authority = AuthorityKeyIdentifier {
        key_identifier: Some(key_id.0),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    };
    let seconds = now
        .duration_since(UNIX_EPOCH)
        .map_err(|_| LabPkiError::Clock)?
        .as_secs();
    let number = CrlNumber(Uint::new(&seconds.to_be_bytes())?);
    // RFC 5280 §5.1.2.4: UTCTime through 2049.
    let time = |t: SystemTime| {
        UtcTime::from_system_time(t)
            .map(Time::UtcTime)
            .map_err(|_| LabPkiError::Clock)
    };
    let algorithm = signer
        .key
        .signature_algorithm_identifier()
        .map_err(|e| LabPkiError::Sign(e.to_string()))?;
    let tbs = TbsCertList {
        version: Version::V2,
        signature: algorithm.clone(),
        issuer: root.subject.clone(),
        this_update: time(now)?,
        next_update: Some(time(now + CRL_LIFETIME)?),
        revoked_certificates: None,
        crl_extensions: Some(vec![
            authority.to_extension(&root.subject, &[])?,
            number.to_extension(&root.subject, &[])?,
        ]),
    };
    let signature = signer
        .key
        .try_sign(&tbs.to_der()?)
        .map_err(|e| LabPkiError::Sign(e.to_string()))?;
    let list = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature.to_bytes())?,
    };
    Ok(list.to_der()?)
}

#[cfg(test)]
mod tests {
    use der::Decode;
    use x509_cert::Certificate;

    use super::*;

    #[test]
    fn a_fresh_crl_is_issued_now_by_the_root_and_lists_no_one() {
        let now = SystemTime::now();
        for (ca, root) in [
            (TestCa::Signing, &fixture!("sign-root-2.der")[..]),
            (TestCa::Tsa, &fixture!("tsa-root.der")[..]),
        ] {
            let root = Certificate::from_der(root).unwrap();
            let crl = CertificateList::from_der(&fresh_crl(ca, now).unwrap()).unwrap();
            let tbs = &crl.tbs_cert_list;
            assert_eq!(tbs.issuer, root.tbs_certificate.subject);
            assert!(tbs.revoked_certificates.is_none());
            let this_update = tbs.this_update.to_unix_duration().as_secs();
            let now_secs = now.duration_since(UNIX_EPOCH).unwrap().as_secs();
            assert_eq!(this_update, now_secs);
            let next = tbs.next_update.unwrap().to_unix_duration().as_secs();
            assert_eq!(next - this_update, CRL_LIFETIME.as_secs());
            let tbs_der = tbs.to_der().unwrap();
            crate::lab_pki::assert_signed_by(&root, &tbs_der, crl.signature.raw_bytes());
        }
    }
}
