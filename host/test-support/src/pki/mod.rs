//! The checked-in test PKI (`tests/fixtures/pki`, described in its README): its files, the
//! trust that accepts it, the fixed time inside its validity, and what the test cards do with
//! their keys ([`login`]: login proofs; [`crl`]: large CRLs signed by its root).
// Test code: a missing fixture or a key that does not sign should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod crl;
pub mod login;

pub use crl::{auth_crl, CARD1_AUTH_SERIAL, FIRST_SERIAL};
pub use login::{card1_token, proof_signature, token, token_for, token_json};

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mynakey_verify::{parse_rfc3339, Purpose, Trust};
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest, Sha256};

/// Directory of the checked-in test PKI.
pub fn pki_dir() -> PathBuf {
    crate::fixtures::fixtures_dir().join("pki")
}

/// A file of the test PKI.
pub fn pki(name: &str) -> Vec<u8> {
    crate::fixtures::fixture(&format!("pki/{name}"))
}

/// The fixed verification time: 2026-11-26T00:00:00Z, inside every valid fixture.
pub fn now() -> SystemTime {
    at("2026-11-26T00:00:00Z")
}

/// An RFC 3339 time.
pub fn at(t: &str) -> SystemTime {
    parse_rfc3339(t).unwrap()
}

/// 2026-01-15T09:30:00Z: a document's signing time inside the signing certificate's validity.
pub fn signing_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_768_469_400)
}

/// Both generations of both test roots, generation 1 (which issues nothing) listed first.
pub fn test_trust() -> Trust {
    Trust::from_der(
        &[&pki("auth-root-1.der"), &pki("auth-root-2.der")],
        &[&pki("sign-root-1.der"), &pki("sign-root-2.der")],
    )
    .unwrap()
}

/// Only the signature roots (both generations), as a documents verifier holds them.
pub fn signature_trust() -> Trust {
    let mut trust = Trust::empty();
    for root in ["sign-root-1.der", "sign-root-2.der"] {
        trust.add_root(Purpose::Signature, &pki(root)).unwrap();
    }
    trust
}

/// A private key of the test PKI (PKCS#8 DER).
pub fn key(name: &str) -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs8_der(&pki(name)).unwrap()
}

/// What the card does: PKCS#1 v1.5 type-1 padding over the DigestInfo it is given, as-is.
pub fn card_sign(key: &RsaPrivateKey, digest_info: &[u8]) -> Vec<u8> {
    key.sign(Pkcs1v15Sign::new_unprefixed(), digest_info)
        .unwrap()
}

/// SHA-256 DigestInfo prefix (RFC 8017 §9.2), written out independently of the verifier.
pub const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// The card's signature by `key_file`'s key over a SHA-256 `hash` (its DigestInfo).
pub fn sign_digest(key_file: &str, hash: &[u8]) -> Vec<u8> {
    assert_eq!(hash.len(), 32, "a SHA-256 hash");
    let mut digest_info = SHA256_DIGEST_INFO.to_vec();
    digest_info.extend_from_slice(hash);
    card_sign(&key(key_file), &digest_info)
}

/// The card's signature by `key_file`'s key over SHA-256(`data`).
pub fn sign(key_file: &str, data: &[u8]) -> Vec<u8> {
    sign_digest(key_file, &Sha256::digest(data))
}

/// Uppercase hex SHA-256 of a file (a root's fingerprint).
pub fn fingerprint(name: &str) -> String {
    Sha256::digest(pki(name))
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_signature_over_a_digest_is_the_prefixed_pkcs1_signature() {
        // The written-out DigestInfo prefix is the one the rsa crate uses for SHA-256.
        let hash = Sha256::digest(b"document");
        let expected = key("card1-sign.key.der")
            .sign(Pkcs1v15Sign::new::<Sha256>(), &hash)
            .unwrap();
        assert_eq!(sign_digest("card1-sign.key.der", &hash), expected);
        assert_eq!(sign("card1-sign.key.der", b"document"), expected);
    }
}
