//! The test PKI's signing card, played by its key file, and the trust that accepts it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

pub mod hostile;

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mynakey_verify::{Purpose, Trust};
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::Sha256;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(repo().join("tests/fixtures").join(path)).unwrap()
}

pub fn certificate() -> Vec<u8> {
    fixture("pki/card1-sign.der")
}

/// What the card does in `sign`: RSASSA-PKCS1-v1_5 over the DigestInfo of the SHA-256 hash.
pub fn card_sign(hash: &[u8; 32]) -> Vec<u8> {
    let key = RsaPrivateKey::from_pkcs8_der(&fixture("pki/card1-sign.key.der")).unwrap();
    key.sign(Pkcs1v15Sign::new::<Sha256>(), hash).unwrap()
}

pub fn trust() -> Trust {
    let mut trust = Trust::empty();
    for root in ["pki/sign-root-1.der", "pki/sign-root-2.der"] {
        trust.add_root(Purpose::Signature, &fixture(root)).unwrap();
    }
    trust
}

/// 2026-01-15T09:30:00Z: inside the test certificate's validity.
pub fn signing_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_768_469_400)
}
