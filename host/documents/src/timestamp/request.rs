//! Asking for a timestamp: a `TimeStampReq` over SHA-256 of the signature value with a fresh
//! nonce and `certReq`, and the checks of the `TimeStampResp` before its token is used.

use cmpv2::status::PkiStatus;
use der::asn1::{Int, Null, OctetString};
use der::{Any, Decode, Encode};
use rand::RngCore;
use sha2::{Digest, Sha256};
use x509_cert::spki::AlgorithmIdentifier;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion};

use super::{verify_token, TimestampError, TimestampInfo, Timestamping};
use crate::attributes::ID_SHA256;

/// A checked DER `TimeStampToken` over `signature_value` from `timestamping`'s TSA.
pub(crate) fn stamp(
    signature_value: &[u8],
    timestamping: &Timestamping<'_>,
    now: std::time::SystemTime,
) -> Result<(Vec<u8>, TimestampInfo), TimestampError> {
    let bad = |what: &str, e: der::Error| TimestampError::BadToken(format!("{what}: {e}"));
    let mut nonce = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut nonce);
    // Positive and minimal: the top bit clear, the first byte never zero.
    nonce[0] = (nonce[0] & 0x7f) | 0x40;
    let nonce = Int::new(&nonce).map_err(|e| bad("nonce", e))?;
    let request = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifier {
                oid: ID_SHA256,
                parameters: Some(Any::from(Null)),
            },
            hashed_message: OctetString::new(Sha256::digest(signature_value).as_slice())
                .map_err(|e| bad("imprint", e))?,
        },
        req_policy: None,
        nonce: Some(nonce.clone()),
        cert_req: true,
        extensions: None,
    }
    .to_der()
    .map_err(|e| bad("request", e))?;
    let answer = timestamping.authority.post(&request)?;
    let response = TimeStampResp::from_der(&answer).map_err(|e| bad("TimeStampResp", e))?;
    let status = &response.status;
    if !matches!(
        status.status,
        PkiStatus::Accepted | PkiStatus::GrantedWithMods
    ) {
        let text = status
            .status_string
            .iter()
            .flat_map(|texts| texts.iter().map(|t| t.as_str().to_owned()))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(TimestampError::Rejected(format!(
            "status {:?}, failure {:?} {text}",
            status.status, status.fail_info
        )));
    }
    let token = response
        .time_stamp_token
        .ok_or_else(|| TimestampError::BadToken("granted without a token".into()))?
        .to_der()
        .map_err(|e| bad("token", e))?;
    let (info, token_nonce) = verify_token(&token, signature_value, timestamping.trust, now)?;
    if token_nonce.as_ref() != Some(&nonce) {
        return Err(TimestampError::BadToken(
            "the nonce is not the request's".into(),
        ));
    }
    Ok((token, info))
}
