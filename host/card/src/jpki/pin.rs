//! PIN policy: format checks that keep a malformed PIN from ever reaching the card.

use std::fmt;

use zeroize::Zeroizing;

use mynakey_types::pin_rules::{self, PinRule};
use mynakey_types::secret::Secret;

/// Which of the two JPKI PINs (docs/card-facts.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinKind {
    /// 利用者証明用パスワード: 4 digits, 3 tries, EF 0018.
    Auth,
    /// 署名用パスワード: 6–16 alphanumerics, 5 tries, EF 001B.
    Sign,
}

impl PinKind {
    pub fn max_tries(self) -> u8 {
        match self {
            PinKind::Auth => 3,
            PinKind::Sign => 5,
        }
    }

    /// Its format, owned by `mynakey_types::pin_rules` (also the extension's, generated).
    pub fn rule(self) -> &'static PinRule {
        match self {
            PinKind::Auth => &pin_rules::AUTH_PIN,
            PinKind::Sign => &pin_rules::SIGN_PIN,
        }
    }

    fn format_error(self) -> PinFormatError {
        match self {
            PinKind::Auth => PinFormatError::Auth,
            PinKind::Sign => PinFormatError::Sign,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PinFormatError {
    #[error("the authentication PIN must be exactly 4 digits")]
    Auth,
    #[error("the signing password must be 6 to 16 letters A-Z and digits 0-9")]
    Sign,
}

/// A well-formed PIN, ready for VERIFY: ASCII bytes, no padding (docs/card-facts.md §3).
pub struct Pin {
    kind: PinKind,
    bytes: Zeroizing<Vec<u8>>,
}

impl Pin {
    /// Checks the format for `kind`; the signing password is upper-cased by its rule because the
    /// card compares raw bytes and J-LIS converts lower-case input (docs/card-facts.md §3 "Who
    /// upper-cases").
    pub fn parse(kind: PinKind, secret: &Secret) -> Result<Pin, PinFormatError> {
        let text = kind
            .rule()
            .apply(secret.expose())
            .ok_or(kind.format_error())?;
        Ok(Pin {
            kind,
            bytes: Zeroizing::new(text.as_bytes().to_vec()),
        })
    }

    pub fn kind(&self) -> PinKind {
        self.kind
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pin({:?}, [REDACTED])", self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> Secret {
        Secret::new(s.to_string())
    }

    /// Each kind applies its own rule (`pin_rules`, which has the examples) and names its
    /// own error.
    #[test]
    fn each_kind_applies_its_rule() {
        assert_eq!(
            Pin::parse(PinKind::Auth, &secret("1234")).unwrap().bytes(),
            b"1234"
        );
        let sign = Pin::parse(PinKind::Sign, &secret("abc123")).unwrap();
        assert_eq!(sign.bytes(), b"ABC123");
        for (kind, bad, error) in [
            (PinKind::Auth, "12a4", PinFormatError::Auth),
            (PinKind::Auth, "abc123", PinFormatError::Auth),
            (PinKind::Sign, "abc-123", PinFormatError::Sign),
            (PinKind::Sign, "1234", PinFormatError::Sign),
        ] {
            assert_eq!(Pin::parse(kind, &secret(bad)).unwrap_err(), error, "{bad}");
        }
    }

    #[test]
    fn debug_never_shows_the_pin() {
        let pin = Pin::parse(PinKind::Auth, &secret("9876")).unwrap();
        assert!(!format!("{pin:?}").contains("9876"));
    }
}
