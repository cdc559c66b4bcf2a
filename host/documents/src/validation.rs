//! What a verification is judged against, and the level a signature reached.
//!
//! Without a timestamp the signer's certificate is judged at `now` and the signing time is the
//! signer's own claim (B-B). With a timestamp token that checks out against the TSA roots, the
//! certificate is judged at the token's genTime, with CRLs issued at or after it (B-T).

use std::time::SystemTime;

use mynakey_verify::{
    verify_signature, verify_signature_at, ProvenTime, RevocationAtTime, SignerIdentity, Trust,
};

use crate::error::DocumentError;
use crate::report::{Judgement, Level};
use crate::timestamp::{verify_token, TsaTrust};

const HASH_ALGORITHM: mynakey_verify::HashAlgorithm = mynakey_verify::HashAlgorithm::Sha256;

/// The trust, the TSA roots and the time of a verification. New settings arrive as fields with
/// defaults, so callers of [`Validation::new`] keep compiling.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Validation<'a> {
    /// JPKI roots and CRLs for the signer.
    pub trust: &'a Trust,
    /// Roots for timestamp authorities; without them an embedded timestamp is not checked
    /// and the signature is judged at `now` (B-B).
    pub tsa_trust: Option<&'a TsaTrust>,
    /// The time of verification.
    pub now: SystemTime,
}

impl<'a> Validation<'a> {
    /// Judged at `now` with `trust`, timestamps not checked.
    pub fn new(trust: &'a Trust, now: SystemTime) -> Self {
        Self {
            trust,
            tsa_trust: None,
            now,
        }
    }

    /// With the TSA roots embedded timestamps must chain to.
    pub fn with_tsa_trust(mut self, tsa_trust: &'a TsaTrust) -> Self {
        self.tsa_trust = Some(tsa_trust);
        self
    }
}

/// Checks the signer over `hash` (the signed attributes' SHA-256) at the right time.
pub(crate) fn judge(
    hash: &[u8],
    signature: &[u8],
    certificate_der: &[u8],
    token: Option<&[u8]>,
    validation: &Validation<'_>,
) -> Result<(SignerIdentity, Judgement), DocumentError> {
    let now = validation.now;
    let (Some(token), Some(tsa_trust)) = (token, validation.tsa_trust) else {
        let signer = verify_signature(
            hash,
            HASH_ALGORITHM,
            signature,
            certificate_der,
            validation.trust,
            now,
        )?;
        let judgement = Judgement {
            level: Level::BB,
            judged_at: rfc3339(now),
            timestamp: None,
            timestamp_not_checked: token.is_some(),
            revocation: None,
        };
        return Ok((signer, judgement));
    };
    let (timestamp, _) = verify_token(token, signature, tsa_trust, now)?;
    let at = ProvenTime {
        time: timestamp.time,
        now,
    };
    let (signer, revocation) = verify_signature_at(
        hash,
        HASH_ALGORITHM,
        signature,
        certificate_der,
        validation.trust,
        at,
    )?;
    if revocation == RevocationAtTime::NoCrlAfterTime {
        return Err(DocumentError::NoCrlAfterTimestamp {
            gen_time: timestamp.gen_time,
        });
    }
    let judgement = Judgement {
        level: Level::BT,
        judged_at: timestamp.gen_time.clone(),
        timestamp: Some(timestamp),
        timestamp_not_checked: false,
        revocation: Some(revocation),
    };
    Ok((signer, judgement))
}

fn rfc3339(time: SystemTime) -> String {
    der::DateTime::from_system_time(time)
        .map(|t| t.to_string())
        .unwrap_or_default()
}
