//! RFC 3161 timestamps over a signature value (CAdES-T, PAdES B-T): the request, the checks of
//! the answer before it is embedded, and the checks of an embedded token when verifying.
//!
//! Nothing here talks to the network: the relying party's program posts the request through a
//! [`TimestampAuthority`] it supplies (`mynakey-rp` with an HTTP client). The person's host
//! never asks a TSA for anything.

mod ess;
mod request;
mod token;

use std::path::Path;

use der::oid::ObjectIdentifier;
use der::Decode;
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::Certificate;

pub(crate) use crate::error::TimestampError;
pub(crate) use crate::report::TimestampInfo;

pub(crate) use request::stamp;
pub(crate) use token::verify_token;

/// The unsigned attribute that carries a timestamp over the signature value
/// (id-aa-signatureTimeStampToken, RFC 3161 appendix A).
pub(crate) const ID_SIGNATURE_TIME_STAMP: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// The largest trust file read for a TSA root.
const TSA_ROOT_MAX_BYTES: usize = 16 * 1024;

/// Sends one DER `TimeStampReq` to a time-stamping authority and returns its DER
/// `TimeStampResp` (RFC 3161 §3.4: `application/timestamp-query` over HTTP).
pub trait TimestampAuthority {
    /// The TSA's answer, or why there is none ([`TimestampError::Unreachable`],
    /// [`TimestampError::Timeout`], [`TimestampError::Http`]).
    fn post(&self, request: &[u8]) -> Result<Vec<u8>, TimestampError>;
}

/// The roots a TSA's certificate must chain to (kept apart from the JPKI roots: a TSA is
/// trusted for time, not for identities).
#[derive(Debug, Clone, Default)]
pub struct TsaTrust {
    roots: Vec<Certificate>,
}

impl TsaTrust {
    /// From DER certificates.
    pub fn from_der(roots: &[&[u8]]) -> Result<Self, TimestampError> {
        let roots = roots
            .iter()
            .map(|der| {
                Certificate::from_der(der).map_err(|e| TimestampError::TrustStore(e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { roots })
    }

    /// Every certificate file (DER or PEM, at most 16 KiB) in `dir`.
    pub fn from_dir(dir: &Path) -> Result<Self, TimestampError> {
        let bad = |e: String| TimestampError::TrustStore(format!("{}: {e}", dir.display()));
        let mut roots = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|e| bad(e.to_string()))?;
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths.into_iter().filter(|p| p.is_file()) {
            let bytes = mynakey_verify::read_capped(&path, TSA_ROOT_MAX_BYTES).map_err(bad)?;
            let der = mynakey_verify::certificate_der(bytes).map_err(bad)?;
            roots.push(Certificate::from_der(&der).map_err(|e| bad(e.to_string()))?);
        }
        if roots.is_empty() {
            return Err(bad("no certificate".into()));
        }
        Ok(Self { roots })
    }

    pub(crate) fn roots(&self) -> &[Certificate] {
        &self.roots
    }
}

/// Where to get a timestamp from and which TSA roots to accept.
#[derive(Clone, Copy)]
pub struct Timestamping<'a> {
    /// Posts the request.
    pub authority: &'a dyn TimestampAuthority,
    /// The TSA roots its token must chain to.
    pub trust: &'a TsaTrust,
}

/// The hash `algorithm` (SHA-256, SHA-384 or SHA-512) names, of `data`.
fn digest(algorithm: ObjectIdentifier, data: &[u8]) -> Result<Vec<u8>, TimestampError> {
    use der::oid::db::rfc5912::{ID_SHA_256, ID_SHA_384, ID_SHA_512};
    Ok(match algorithm {
        ID_SHA_256 => Sha256::digest(data).to_vec(),
        ID_SHA_384 => Sha384::digest(data).to_vec(),
        ID_SHA_512 => Sha512::digest(data).to_vec(),
        other => {
            return Err(TimestampError::BadToken(format!(
                "hash algorithm {other} is not SHA-256, SHA-384 or SHA-512"
            )))
        }
    })
}
