//! Login proofs as the host makes them, with the test cards' keys.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::{card_sign, key, pki, SHA256_DIGEST_INFO};
use crate::fixtures::{CHALLENGE, ORIGIN};

/// A login-proof signature as the host makes it: the card signs
/// DigestInfo(SHA-256(SHA-256(origin) ‖ SHA-256(challenge))), computed here independently of
/// the verifier.
pub fn proof_signature(key: &rsa::RsaPrivateKey, origin: &str, challenge: &str) -> Vec<u8> {
    let mut data = Sha256::digest(origin.as_bytes()).to_vec();
    data.extend_from_slice(&Sha256::digest(challenge.as_bytes()));
    assert_eq!(data.len(), 64);
    let mut digest_info = SHA256_DIGEST_INFO.to_vec();
    digest_info.extend_from_slice(&Sha256::digest(&data));
    card_sign(key, &digest_info)
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

/// A login proof carrying `cert_file`, signed by `key_file`, for `origin` and `challenge`.
pub fn token_for(cert_file: &str, key_file: &str, origin: &str, challenge: &str) -> String {
    let signature = proof_signature(&key(key_file), origin, challenge);
    token_json("web-eid:1.0", &pki(cert_file), "RS256", &signature)
}

/// A login proof by `card` (e.g. `card1-auth`: its certificate and its key) for `origin` and
/// `challenge`.
pub fn token(card: &str, origin: &str, challenge: &str) -> String {
    token_for(
        &format!("{card}.der"),
        &format!("{card}.key.der"),
        origin,
        challenge,
    )
}

/// Card 1's valid login proof for [`ORIGIN`] and [`CHALLENGE`].
pub fn card1_token() -> String {
    token("card1-auth", ORIGIN, CHALLENGE)
}
