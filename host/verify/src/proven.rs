//! A signature judged at a time proven by a trusted timestamp (PAdES B-T, CAdES-T), not at the
//! time of verification: the signer's certificate must have been valid then, and revocation is
//! read from CRLs issued at or after that time. A certificate revoked later (a JPKI signing
//! certificate is revoked whenever its holder moves house) leaves the signature valid.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::error::{RevocationReason, VerifyError};
use crate::identity::{CertificateIdentity, SignerIdentity};
use crate::trust::{LoadedCrl, Purpose, Root, Trust};
use crate::x509::{self, ParsedCert};
use crate::{check_until_revocation, verify_signed_hash, HashAlgorithm};

/// When a signature provably existed (a timestamp's genTime) and when it is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProvenTime {
    /// The trusted time the signature existed at.
    pub time: SystemTime,
    /// The time of verification: CRLs issued after it are not used.
    pub now: SystemTime,
}

/// The signer's revocation status at the proven time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "status"
)]
pub enum RevocationAtTime {
    /// No CRL is loaded for signing certificates: revocation was not checked.
    NotChecked,
    /// A CRL issued at or after the proven time (its thisUpdate given) does not list it.
    Good {
        /// thisUpdate of the newest such CRL, RFC 3339.
        crl_this_update: String,
    },
    /// Revoked, but after the proven time: the signature stands.
    RevokedAfter {
        /// The CRL entry's revocationDate, RFC 3339.
        revocation_date: String,
        /// The CRL entry's reason.
        reason: RevocationReason,
        /// thisUpdate of the CRL that lists it, RFC 3339.
        crl_this_update: String,
    },
    /// CRLs are loaded, but none that covers the certificate was issued at or after the proven
    /// time: whether it was revoked before then cannot be told (indeterminate).
    NoCrlAfterTime,
}

/// [`crate::verify_signature`] for a signature that existed at `at.time`: checks 4–7 at that
/// time, the signature, and revocation by [`RevocationAtTime`]. A revocation dated before the
/// proven time is [`VerifyError::Revoked`].
pub fn verify_signature_at(
    hash: &[u8],
    hash_algorithm: HashAlgorithm,
    signature: &[u8],
    certificate_der: &[u8],
    trust: &Trust,
    at: ProvenTime,
) -> Result<(SignerIdentity, RevocationAtTime), VerifyError> {
    let signed = (hash, hash_algorithm, signature);
    verify_signed_hash(signed, certificate_der, |cert| {
        let root = check_until_revocation(cert, Purpose::Signature, trust, at.time)?;
        let status = revocation_at(trust, root, cert, at)?;
        let checked = !matches!(status, RevocationAtTime::NotChecked);
        Ok((
            CertificateIdentity::new(cert, &root.fingerprint, checked),
            status,
        ))
    })
}

fn revocation_at(
    trust: &Trust,
    root: &Root,
    cert: &ParsedCert,
    at: ProvenTime,
) -> Result<RevocationAtTime, VerifyError> {
    if !trust.has_crls(Purpose::Signature) {
        return Ok(RevocationAtTime::NotChecked);
    }
    let (time, now) = (x509::unix(at.time), x509::unix(at.now));
    let issued = |c: &LoadedCrl| c.this_update.to_unix_duration();
    // In each scope, the newest CRL issued between the proven time and now.
    let mut chosen: Vec<&LoadedCrl> = Vec::new();
    for crl in trust.covering_crls(Purpose::Signature, root, cert)? {
        if issued(crl) < time || issued(crl) > now {
            continue;
        }
        match chosen.iter_mut().find(|c| c.scope.key == crl.scope.key) {
            Some(slot) if issued(crl) > issued(slot) => *slot = crl,
            Some(_) => {}
            None => chosen.push(crl),
        }
    }
    let Some(newest) = chosen.iter().max_by_key(|c| issued(c)) else {
        return Ok(RevocationAtTime::NoCrlAfterTime);
    };
    for crl in &chosen {
        if let Some((reason, date)) = crl.revoked.get_unix(&cert.serial_der) {
            let revocation_date = rfc3339_secs(date);
            if Duration::from_secs(date) < time {
                return Err(VerifyError::Revoked {
                    reason,
                    revocation_date,
                });
            }
            return Ok(RevocationAtTime::RevokedAfter {
                revocation_date,
                reason,
                crl_this_update: x509::rfc3339(&crl.this_update),
            });
        }
    }
    Ok(RevocationAtTime::Good {
        crl_this_update: x509::rfc3339(&newest.this_update),
    })
}

fn rfc3339_secs(secs: u64) -> String {
    x509_cert::der::DateTime::from_unix_duration(Duration::from_secs(secs))
        .map(|d| d.to_string())
        .unwrap_or_default()
}
