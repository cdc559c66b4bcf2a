//! X.509 helpers: strict parsing, signature checks, extensions, time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rsa::RsaPublicKey;
use sha2::{Digest, Sha256};
use x509_cert::der::asn1::{AnyRef, BitString};
use x509_cert::der::oid::db::rfc5912;
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::der::referenced::OwnedToRef;
use x509_cert::der::{Decode, Encode, Reader, SliceReader};
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;
use x509_cert::Certificate;

use super::HashAlgorithm;

/// A certificate parsed strictly from DER, with the exact bytes its signature covers.
#[derive(Clone)]
pub(crate) struct ParsedCert {
    pub cert: Certificate,
    /// The TBSCertificate exactly as received (not re-encoded).
    pub tbs_der: Vec<u8>,
    /// DER of the issuer Name.
    pub issuer_der: Vec<u8>,
    /// DER of the subject Name.
    pub subject_der: Vec<u8>,
    /// DER of the serialNumber INTEGER (tag, length, value).
    pub serial_der: Vec<u8>,
    /// The RSAPublicKey (PKCS#1 DER) for `ring`.
    pub key_der: Vec<u8>,
    /// The same key for the `rsa` crate (signatures over a precomputed hash).
    pub key: RsaPublicKey,
}

/// Extensions this verifier understands; any other extension marked critical is refused
/// (RFC 5280 §4.2).
const KNOWN_EXTENSIONS: [ObjectIdentifier; 10] = [
    rfc5912::ID_CE_KEY_USAGE,
    rfc5912::ID_CE_BASIC_CONSTRAINTS,
    rfc5912::ID_CE_CERTIFICATE_POLICIES,
    rfc5912::ID_CE_SUBJECT_ALT_NAME,
    rfc5912::ID_CE_ISSUER_ALT_NAME,
    rfc5912::ID_CE_EXT_KEY_USAGE,
    rfc5912::ID_CE_SUBJECT_KEY_IDENTIFIER,
    rfc5912::ID_CE_AUTHORITY_KEY_IDENTIFIER,
    rfc5912::ID_CE_CRL_DISTRIBUTION_POINTS,
    rfc5912::ID_PE_AUTHORITY_INFO_ACCESS,
];

/// The first TLV inside the outer SEQUENCE of a signed structure (the to-be-signed part).
pub(crate) fn signed_part(der: &[u8]) -> Result<Vec<u8>, String> {
    let outer = AnyRef::from_der(der).map_err(|e| e.to_string())?;
    let mut reader = SliceReader::new(outer.value()).map_err(|e| e.to_string())?;
    Ok(reader.tlv_bytes().map_err(|e| e.to_string())?.to_vec())
}

/// Parses a DER certificate; refuses trailing data, non-RSA keys, mismatched signature
/// algorithms and unknown critical extensions.
pub(crate) fn parse_certificate(der: &[u8]) -> Result<ParsedCert, String> {
    let cert = Certificate::from_der(der).map_err(|e| format!("not a DER certificate: {e}"))?;
    let tbs_der = signed_part(der)?;
    let tbs = &cert.tbs_certificate;
    if tbs.signature != cert.signature_algorithm {
        return Err("inner and outer signature algorithms differ".into());
    }
    signature_hash(&cert.signature_algorithm)?;
    let key = RsaPublicKey::try_from(tbs.subject_public_key_info.owned_to_ref())
        .map_err(|e| format!("not an RSA public key: {e}"))?;
    for ext in tbs.extensions.as_deref().unwrap_or(&[]) {
        if ext.critical && !KNOWN_EXTENSIONS.contains(&ext.extn_id) {
            return Err(format!("unsupported critical extension {}", ext.extn_id));
        }
    }
    let key_der = tbs
        .subject_public_key_info
        .subject_public_key
        .as_bytes()
        .ok_or("the public key is not a whole number of bytes")?
        .to_vec();
    let enc = |r: Result<Vec<u8>, x509_cert::der::Error>| r.map_err(|e| e.to_string());
    Ok(ParsedCert {
        key_der,
        issuer_der: enc(tbs.issuer.to_der())?,
        subject_der: enc(tbs.subject.to_der())?,
        serial_der: enc(tbs.serial_number.to_der())?,
        tbs_der,
        key,
        cert,
    })
}

/// The hash of an `sha{256,384,512}WithRSAEncryption` AlgorithmIdentifier (parameters NULL or absent).
pub(crate) fn signature_hash(alg: &AlgorithmIdentifierOwned) -> Result<HashAlgorithm, String> {
    let hash = match alg.oid {
        rfc5912::SHA_256_WITH_RSA_ENCRYPTION => HashAlgorithm::Sha256,
        rfc5912::SHA_384_WITH_RSA_ENCRYPTION => HashAlgorithm::Sha384,
        rfc5912::SHA_512_WITH_RSA_ENCRYPTION => HashAlgorithm::Sha512,
        other => return Err(format!("unsupported signature algorithm {other}")),
    };
    match &alg.parameters {
        None => Ok(hash),
        Some(p) if p.is_null() => Ok(hash),
        Some(_) => Err("signature algorithm has unexpected parameters".into()),
    }
}

/// Whether `key_der` (a PKCS#1 RSAPublicKey) verifies `signature` (RSASSA-PKCS1-v1_5 per
/// `alg`) over `signed`.
pub(crate) fn verify_signed(
    key_der: &[u8],
    alg: &AlgorithmIdentifierOwned,
    signed: &[u8],
    signature: &BitString,
) -> bool {
    let (Ok(hash), Some(sig)) = (signature_hash(alg), signature.as_bytes()) else {
        return false;
    };
    verify_rsa(key_der, hash, signed, sig)
}

/// RSASSA-PKCS1-v1_5 with `hash` over `message`, by `ring` (2048–8192-bit keys, as JPKI's).
pub(crate) fn verify_rsa(key_der: &[u8], hash: HashAlgorithm, message: &[u8], sig: &[u8]) -> bool {
    use ring::signature as rs;
    let alg: &rs::RsaParameters = match hash {
        HashAlgorithm::Sha256 => &rs::RSA_PKCS1_2048_8192_SHA256,
        HashAlgorithm::Sha384 => &rs::RSA_PKCS1_2048_8192_SHA384,
        HashAlgorithm::Sha512 => &rs::RSA_PKCS1_2048_8192_SHA512,
    };
    rs::UnparsedPublicKey::new(alg, key_der)
        .verify(message, sig)
        .is_ok()
}

/// The `rsa` crate's PKCS#1 v1.5 scheme for `hash`.
pub(crate) fn pkcs1v15(hash: HashAlgorithm) -> rsa::Pkcs1v15Sign {
    match hash {
        HashAlgorithm::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
        HashAlgorithm::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
        HashAlgorithm::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
    }
}

/// Time since the Unix epoch (zero for earlier times).
pub(crate) fn unix(t: SystemTime) -> Duration {
    t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO)
}

/// RFC 3339 (`YYYY-MM-DDTHH:MM:SSZ`).
pub(crate) fn rfc3339(t: &Time) -> String {
    t.to_date_time().to_string()
}

/// Uppercase hex.
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Lowercase hex.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 fingerprint of DER, uppercase hex (as in jpki-roots/README.md).
pub(crate) fn fingerprint(der: &[u8]) -> String {
    hex_upper(&Sha256::digest(der))
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (the form this module prints).
pub fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || (b[19] != b'Z' && b[19] != b'z') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u16> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let small = |r| num(r).and_then(|v| u8::try_from(v).ok());
    let dt = x509_cert::der::DateTime::new(
        num(0..4)?,
        small(5..7)?,
        small(8..10)?,
        small(11..13)?,
        small(14..16)?,
        small(17..19)?,
    )
    .ok()?;
    Some(dt.to_system_time())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_info_prefixes_match_the_rsa_crate() {
        for a in HashAlgorithm::ALL {
            assert_eq!(a.digest_info_prefix(), &*pkcs1v15(a).prefix, "{a}");
        }
    }

    #[test]
    fn rfc3339_round_trip() {
        let t = parse_rfc3339("2026-11-26T00:00:00Z").unwrap();
        assert_eq!(unix(t).as_secs(), 1_795_651_200);
        assert_eq!(parse_rfc3339("2026-11-26 00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-13-26T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-11-26T00:00:00+09:00"), None);
    }
}
