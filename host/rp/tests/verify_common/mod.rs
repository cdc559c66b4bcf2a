//! Shared helpers for the verifier's integration tests: the test PKI and a software "card".
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_verify::{parse_rfc3339, Trust};
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest, Sha256};

pub const ORIGIN: &str = "https://bank.example.jp";
pub const CHALLENGE: &str = "q1Lw8n9ZkW1o2Qm3Zr5x0X3v8H2c3d4e5f6g7h8i9j0=";

/// Directory of the checked-in test PKI.
pub fn pki_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pki")
}

/// A file of the test PKI.
pub fn pki(name: &str) -> Vec<u8> {
    let path = pki_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fixed verification time: 2026-11-26T00:00:00Z.
pub fn now() -> SystemTime {
    at("2026-11-26T00:00:00Z")
}

pub fn at(t: &str) -> SystemTime {
    parse_rfc3339(t).unwrap()
}

/// Both generations of both test roots, generation 1 (which issues nothing) listed first.
pub fn test_trust() -> Trust {
    Trust::from_der(
        &[&pki("auth-root-1.der"), &pki("auth-root-2.der")],
        &[&pki("sign-root-1.der"), &pki("sign-root-2.der")],
    )
    .unwrap()
}

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

/// A login-proof signature as the host makes it: the card signs
/// DigestInfo(SHA-256(SHA-256(origin) ‖ SHA-256(challenge))).
pub fn proof_signature(key: &RsaPrivateKey, origin: &str, challenge: &str) -> Vec<u8> {
    let mut data = Sha256::digest(origin.as_bytes()).to_vec();
    data.extend_from_slice(&Sha256::digest(challenge.as_bytes()));
    assert_eq!(data.len(), 64);
    let mut di = SHA256_DIGEST_INFO.to_vec();
    di.extend_from_slice(&Sha256::digest(&data));
    card_sign(key, &di)
}

/// Token JSON with the given fields.
pub fn token_json(format: &str, cert: &[u8], algorithm: &str, signature: &[u8]) -> String {
    serde_json::json!({
        "format": format,
        "unverifiedCertificate": STANDARD.encode(cert),
        "algorithm": algorithm,
        "signature": STANDARD.encode(signature),
        "appVersion": "https://github.com/mynakey/mynakey/releases/0.1.0",
    })
    .to_string()
}

/// A login proof made with `cert_file` and `key_file` for `origin` and `challenge`.
pub fn token_for(cert_file: &str, key_file: &str, origin: &str, challenge: &str) -> String {
    let sig = proof_signature(&key(key_file), origin, challenge);
    token_json("web-eid:1.0", &pki(cert_file), "RS256", &sig)
}

/// Card 1's valid login proof for ORIGIN and CHALLENGE.
pub fn card1_token() -> String {
    token_for("card1-auth.der", "card1-auth.key.der", ORIGIN, CHALLENGE)
}

/// Uppercase hex SHA-256 of a file (root fingerprint).
pub fn fingerprint(name: &str) -> String {
    Sha256::digest(pki(name))
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}
