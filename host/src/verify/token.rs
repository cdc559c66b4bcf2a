//! The login-proof token (`web-eid:1.0` shape) and the service's own inputs.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
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
/// could never match.
pub fn check_origin(origin: &str) -> Result<(), VerifyError> {
    let bad = |reason| {
        Err(VerifyError::OriginInvalid {
            origin: origin.to_owned(),
            reason,
        })
    };
    if origin.len() > 255 {
        return bad("longer than 255 characters");
    }
    let Some(rest) = origin.strip_prefix("https://") else {
        return bad("must start with https://");
    };
    if rest.contains(['/', '?', '#']) {
        return bad("must not have a path, query or fragment (no trailing slash)");
    }
    if rest.contains('@') {
        return bad("must not contain user information");
    }
    if rest.bytes().any(|b| b.is_ascii_uppercase()) {
        return bad("must be lower case, as browsers serialise origins");
    }
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let Some((addr, after)) = v6.split_once(']') else {
            return bad("unterminated IPv6 address");
        };
        if addr.is_empty()
            || !addr
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return bad("invalid IPv6 address");
        }
        match after {
            "" => (addr, None),
            p => match p.strip_prefix(':') {
                Some(p) => (addr, Some(p)),
                None => return bad("unexpected text after the IPv6 address"),
            },
        }
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    if host.is_empty() {
        return bad("empty host");
    }
    if !rest.starts_with('[')
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return bad("host has characters a serialised origin cannot have (use punycode)");
    }
    if let Some(p) = port {
        let valid = !p.is_empty()
            && p.len() <= 5
            && p.bytes().all(|b| b.is_ascii_digit())
            && !p.starts_with('0')
            && p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
        if !valid {
            return bad("invalid port");
        }
        if p == "443" {
            return bad("browsers omit the default port :443");
        }
    }
    Ok(())
}

/// Checks the service's challenge: 44–128 characters of standard base64 (what the host
/// accepts; [`super::new_challenge`] makes 44).
pub fn check_challenge(challenge: &str) -> Result<(), VerifyError> {
    if !(44..=128).contains(&challenge.len()) || STANDARD.decode(challenge).is_err() {
        return Err(VerifyError::ChallengeInvalid);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        for ok in [
            "https://example.com",
            "https://example.com:8443",
            "https://127.0.0.1:4443",
            "https://[::1]:8443",
            "https://xn--eckwd4c7c.jp",
        ] {
            assert_eq!(check_origin(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://example.com",
            "https://example.com/",
            "https://example.com/login",
            "https://example.com?x",
            "https://Example.com",
            "https://example.com:443",
            "https://example.com:0",
            "https://example.com:65536",
            "https://example.com:",
            "https://user@example.com",
            "https://",
            "https://exa mple.com",
            "example.com",
            "chrome-extension://abc",
        ] {
            assert!(
                matches!(check_origin(bad), Err(VerifyError::OriginInvalid { .. })),
                "{bad}"
            );
        }
        assert!(check_origin(&format!("https://{}.com", "a".repeat(250))).is_err());
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
