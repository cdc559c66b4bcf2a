//! What a login proof binds, checked the same way by the host (before any APDU) and by the
//! relying-party verifier: the origin and the challenge (docs/protocol.md, the login proof).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// An origin a login proof may bind: built only by [`Origin::parse`], so the origin that was
/// checked is the one that is signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin(String);

/// A challenge a login proof may bind: built only by [`Challenge::parse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge(String);

impl Origin {
    /// `origin` must be `https://host[:port]` with no path, query, fragment or user info, at
    /// most 255 characters, lower case as browsers serialise it. `http://localhost[:port]` and
    /// `http://127.0.0.1[:port]` only when development origins are switched on. The error says
    /// what is wrong, after the word "origin".
    pub fn parse(origin: &str, allow_development: bool) -> Result<Origin, &'static str> {
        origin_problem(origin, allow_development).map_or(Ok(Origin(origin.to_owned())), Err)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Challenge {
    /// `challenge`: standard base64 of at least 32 random bytes, 44–128 characters. The error
    /// says what is wrong, after the word "challenge".
    pub fn parse(challenge: &str) -> Result<Challenge, &'static str> {
        challenge_problem(challenge).map_or(Ok(Challenge(challenge.to_owned())), Err)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// [`Origin::parse`] without keeping the value.
pub fn check_origin(origin: &str, allow_development: bool) -> Result<(), &'static str> {
    Origin::parse(origin, allow_development).map(drop)
}

/// [`Challenge::parse`] without keeping the value.
pub fn check_challenge(challenge: &str) -> Result<(), &'static str> {
    Challenge::parse(challenge).map(drop)
}

/// What is wrong with `origin`, if anything.
fn origin_problem(origin: &str, allow_development: bool) -> Option<&'static str> {
    let (host, development) = match origin_host(origin) {
        Ok(parts) => parts,
        Err(problem) => return Some(problem),
    };
    if !valid_host(host) {
        return Some("must be scheme://host[:port] with a lower-case host and nothing after it");
    }
    if development {
        if !allow_development {
            return Some("is http, accepted only when development origins are switched on");
        }
        if host != "localhost" && host != "127.0.0.1" {
            return Some("is http but not http://localhost or http://127.0.0.1");
        }
    }
    None
}

/// The host part of `origin` and whether it is http, after the scheme and port checks.
fn origin_host(origin: &str) -> Result<(&str, bool), &'static str> {
    if origin.len() > 255 {
        return Err("is longer than 255 characters");
    }
    let (rest, development) = if let Some(rest) = origin.strip_prefix("https://") {
        (rest, false)
    } else if let Some(rest) = origin.strip_prefix("http://") {
        (rest, true)
    } else {
        return Err("must start with https://");
    };
    let (host, port) = if rest.starts_with('[') {
        match rest.find(']') {
            Some(end) => match &rest[end + 1..] {
                "" => (rest, None),
                tail => (&rest[..=end], Some(tail.strip_prefix(':').unwrap_or("x"))),
            },
            None => return Err("has a malformed IPv6 host"),
        }
    } else {
        match rest.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && !port.starts_with('0')
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !valid {
            return Err("has an invalid port");
        }
        // Browsers never serialise the default port, so such an origin could never verify.
        if (port == "443" && !development) || (port == "80" && development) {
            return Err("must not spell out the default port (browsers omit it)");
        }
    }
    Ok((host, development))
}

fn valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<std::net::Ipv6Addr>().is_ok();
    }
    if host.is_empty() || host.len() > 253 {
        return false;
    }
    host.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

/// Shortest challenge: the base64 of 32 bytes.
pub const CHALLENGE_MIN_LENGTH: usize = 44;
/// Longest challenge accepted.
pub const CHALLENGE_MAX_LENGTH: usize = 128;

/// What is wrong with `challenge`, if anything.
fn challenge_problem(challenge: &str) -> Option<&'static str> {
    if !(CHALLENGE_MIN_LENGTH..=CHALLENGE_MAX_LENGTH).contains(&challenge.len()) {
        return Some("must be 44 to 128 characters of base64");
    }
    match STANDARD.decode(challenge) {
        Ok(bytes) if bytes.len() >= 32 => None,
        Ok(_) => Some("must encode at least 32 bytes"),
        Err(_) => Some("is not standard base64"),
    }
}

/// The 64 bytes a login proof signs: `SHA-256(origin UTF-8) ‖ SHA-256(challenge UTF-8)`, the
/// challenge as its base64 string (Web eID `web-eid:1.0`). Hashing each first keeps the two
/// fields apart. The card signs the DigestInfo of SHA-256 of these bytes.
pub fn login_signed_data(origin: &Origin, challenge: &Challenge) -> [u8; 64] {
    let mut data = [0u8; 64];
    data[..32].copy_from_slice(&Sha256::digest(origin.as_str().as_bytes()));
    data[32..].copy_from_slice(&Sha256::digest(challenge.as_str().as_bytes()));
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        for ok in [
            "https://example.jp",
            "https://a.b-c.example:8443",
            "https://127.0.0.1:4443",
            "https://[::1]:8443",
            "https://xn--eckwd4c7c.jp",
        ] {
            assert_eq!(check_origin(ok, false), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "example.jp",
            "http://example.jp",
            "https://",
            "https://example.jp/",
            "https://example.jp/path",
            "https://example.jp?q",
            "https://example.jp#f",
            "https://user@example.jp",
            "https://Example.jp",
            "https://example.jp:",
            "https://example.jp:0",
            "https://example.jp:443",
            "http://localhost:80",
            "https://example.jp:65536",
            "https://example.jp:08",
            "https://exa mple.jp",
            "https://-a.jp",
            "https://a..jp",
            "chrome-extension://abc",
            "wss://example.jp",
            "https://例え.jp",
            "https://[::1",
            "https://[zz]:1",
        ] {
            assert!(check_origin(bad, true).is_err(), "{bad}");
        }
        assert!(check_origin(&format!("https://{}.jp", "a".repeat(252)), false).is_err());
    }

    #[test]
    fn development_origins_need_the_switch() {
        assert!(check_origin("http://localhost:8080", false).is_err());
        assert_eq!(check_origin("http://localhost:8080", true), Ok(()));
        assert_eq!(check_origin("http://127.0.0.1", true), Ok(()));
        assert!(check_origin("http://example.jp", true).is_err());
    }

    #[test]
    fn challenges() {
        let good = STANDARD.encode([7u8; 32]);
        assert_eq!(check_challenge(&good), Ok(()));
        assert_eq!(check_challenge(&STANDARD.encode([7u8; 96])), Ok(()));
        for bad in [
            String::new(),
            STANDARD.encode([7u8; 31]),
            format!("{}!", &good[..43]),
            STANDARD.encode([7u8; 97]),
            good.replace('=', ""),
        ] {
            assert!(check_challenge(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn what_was_parsed_is_what_is_signed() {
        let origin = Origin::parse("https://example.jp", false).unwrap();
        let challenge = Challenge::parse(&STANDARD.encode([7u8; 32])).unwrap();
        assert_eq!(origin.as_str(), "https://example.jp");
        let data = login_signed_data(&origin, &challenge);
        assert_eq!(data[..32], Sha256::digest(b"https://example.jp")[..]);
        assert_eq!(
            data[32..],
            Sha256::digest(challenge.as_str().as_bytes())[..]
        );
        assert_eq!(
            Origin::parse("https://Example.jp", false),
            Err("must be scheme://host[:port] with a lower-case host and nothing after it")
        );
        assert_eq!(
            Challenge::parse("short"),
            Err("must be 44 to 128 characters of base64")
        );
    }
}
