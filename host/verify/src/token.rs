//! The login-proof token (`web-eid:1.0` shape) and the service's own inputs.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_types::{Challenge, Origin};
use serde::Deserialize;

use super::VerifyError;

/// Smallest and largest token accepted, in bytes (as the Web eID validator).
pub const TOKEN_MIN_LEN: usize = 100;
/// See [`TOKEN_MIN_LEN`].
pub const TOKEN_MAX_LEN: usize = 10_000;

/// The only `format` accepted. The Web eID validator also takes `web-eid:1` and `web-eid:1.N`;
/// mynakey emits exactly `web-eid:1.0`, and a later minor version may add fields with meaning,
/// so anything else is refused rather than half-understood.
pub const TOKEN_FORMAT: &str = "web-eid:1.0";

/// The only `algorithm` accepted: JPKI cards sign RSASSA-PKCS1-v1_5 with SHA-256.
pub const TOKEN_ALGORITHM: &str = "RS256";

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawToken {
    format: String,
    unverified_certificate: String,
    algorithm: String,
    signature: String,
    #[allow(dead_code)]
    app_version: String,
}

/// A token whose shape has been checked (nothing in it is trusted yet).
pub(crate) struct Token {
    pub certificate: Vec<u8>,
    pub signature: Vec<u8>,
}

/// Size, JSON shape, `format`, `algorithm`, base64 fields: in that order.
pub(crate) fn parse(token: &str) -> Result<Token, VerifyError> {
    let len = token.len();
    if !(TOKEN_MIN_LEN..=TOKEN_MAX_LEN).contains(&len) {
        return Err(VerifyError::TokenSize { len });
    }
    let raw: RawToken =
        serde_json::from_str(token).map_err(|e| VerifyError::TokenJson(e.to_string()))?;
    if raw.format != TOKEN_FORMAT {
        return Err(VerifyError::TokenFormat(raw.format));
    }
    if raw.algorithm != TOKEN_ALGORITHM {
        return Err(VerifyError::TokenAlgorithm(raw.algorithm));
    }
    let certificate = STANDARD
        .decode(&raw.unverified_certificate)
        .map_err(|_| VerifyError::TokenEncoding("unverifiedCertificate"))?;
    let signature = STANDARD
        .decode(&raw.signature)
        .map_err(|_| VerifyError::TokenEncoding("signature"))?;
    Ok(Token {
        certificate,
        signature,
    })
}

/// Checks that `origin` is what a browser would report for an https page:
/// `https://host[:port]`, lower case, no default port, no path/query/fragment/userinfo,
/// at most 255 characters. The proof binds the exact bytes, so a non-canonical spelling
/// could never match. Same rule as the host's ([`mynakey_types::Origin::parse`]).
pub fn parse_origin(origin: &str) -> Result<Origin, VerifyError> {
    Origin::parse(origin, false).map_err(|reason| VerifyError::OriginInvalid {
        origin: origin.to_owned(),
        reason,
    })
}

/// [`parse_origin`] without keeping the value.
pub fn check_origin(origin: &str) -> Result<(), VerifyError> {
    parse_origin(origin).map(drop)
}

/// Checks the service's challenge: 44–128 characters of standard base64 encoding at least 32
/// bytes (what the host accepts; [`super::new_challenge`] makes 44).
pub fn parse_challenge(challenge: &str) -> Result<Challenge, VerifyError> {
    Challenge::parse(challenge).map_err(|_| VerifyError::ChallengeInvalid)
}

/// [`parse_challenge`] without keeping the value.
pub fn check_challenge(challenge: &str) -> Result<(), VerifyError> {
    parse_challenge(challenge).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_follow_the_hosts_rule_without_development_origins() {
        assert_eq!(check_origin("https://example.com:8443"), Ok(()));
        for bad in [
            "http://localhost:8080",
            "https://example.com:443",
            "https://Example.com",
        ] {
            assert!(
                matches!(check_origin(bad), Err(VerifyError::OriginInvalid { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn challenges() {
        assert_eq!(check_challenge(&"A".repeat(44)), Ok(()));
        assert_eq!(
            check_challenge(&"A".repeat(43)),
            Err(VerifyError::ChallengeInvalid)
        );
        assert_eq!(
            check_challenge(&"A".repeat(132)),
            Err(VerifyError::ChallengeInvalid)
        );
        assert_eq!(
            check_challenge(&"*".repeat(44)),
            Err(VerifyError::ChallengeInvalid)
        );
    }
}
