//! Checks on what the browser sends, done before any APDU.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// `origin` must be `https://host[:port]` with no path, query, fragment or user info, at most
/// 255 characters, lower case as browsers serialise it. `http://localhost[:port]` and
/// `http://127.0.0.1[:port]` only when development origins are switched on.
pub fn origin(origin: &str, allow_development: bool) -> Result<(), String> {
    if origin.len() > 255 {
        return Err("origin is longer than 255 characters".into());
    }
    let (rest, development) = if let Some(rest) = origin.strip_prefix("https://") {
        (rest, false)
    } else if let Some(rest) = origin.strip_prefix("http://") {
        (rest, true)
    } else {
        return Err("origin must start with https://".into());
    };
    let (host, port) = if rest.starts_with('[') {
        match rest.find(']') {
            Some(end) => match &rest[end + 1..] {
                "" => (rest, None),
                tail => (&rest[..=end], Some(tail.strip_prefix(':').unwrap_or("x"))),
            },
            None => return Err("origin has a malformed IPv6 host".into()),
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
            return Err("origin has an invalid port".into());
        }
        // Browsers never serialise the default port, so such an origin could never verify.
        if (port == "443" && !development) || (port == "80" && development) {
            return Err("origin must not spell out the default port".into());
        }
    }
    if !valid_host(host) {
        return Err(
            "origin must be scheme://host[:port] with a lower-case host and nothing after it"
                .into(),
        );
    }
    if development {
        if !allow_development {
            return Err(
                "http origins are accepted only when development origins are switched on".into(),
            );
        }
        if host != "localhost" && host != "127.0.0.1" {
            return Err(
                "only http://localhost and http://127.0.0.1 are development origins".into(),
            );
        }
    }
    Ok(())
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

/// `challenge`: standard base64 of at least 32 random bytes, 44–128 characters (design.md).
pub fn challenge(challenge: &str) -> Result<(), String> {
    if !(44..=128).contains(&challenge.len()) {
        return Err("challenge must be 44 to 128 characters of base64".into());
    }
    match STANDARD.decode(challenge) {
        Ok(bytes) if bytes.len() >= 32 => Ok(()),
        Ok(_) => Err("challenge must encode at least 32 bytes".into()),
        Err(_) => Err("challenge is not standard base64".into()),
    }
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
            assert_eq!(origin(ok, false), Ok(()), "{ok}");
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
            assert!(origin(bad, true).is_err(), "{bad}");
        }
        assert!(origin(&format!("https://{}.jp", "a".repeat(252)), false).is_err());
    }

    #[test]
    fn development_origins_need_the_switch() {
        assert!(origin("http://localhost:8080", false).is_err());
        assert_eq!(origin("http://localhost:8080", true), Ok(()));
        assert_eq!(origin("http://127.0.0.1", true), Ok(()));
        assert!(origin("http://example.jp", true).is_err());
    }

    #[test]
    fn challenges() {
        let good = STANDARD.encode([7u8; 32]);
        assert_eq!(challenge(&good), Ok(()));
        assert_eq!(challenge(&STANDARD.encode([7u8; 96])), Ok(()));
        for bad in [
            String::new(),
            STANDARD.encode([7u8; 31]),
            format!("{}!", &good[..43]),
            STANDARD.encode([7u8; 97]),
            good.replace('=', ""),
        ] {
            assert!(challenge(&bad).is_err(), "{bad}");
        }
    }
}
