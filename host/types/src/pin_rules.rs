//! The JPKI PIN formats (docs/card-facts.md §3), owned here once: the card crate checks them
//! before any VERIFY, and the protocol's generated TypeScript (`PIN_RULES`) carries them to the
//! extension's window and flow, which apply the same rule (extension/src/rules.js).
//!
//! A rule reads what a person typed in two steps: normalise it (upper-case it, for the signing
//! password), then accept it only if it is `min_length..=max_length` characters of `alphabet`.
//! Upper-casing is Unicode's default (Rust's `to_uppercase`, JavaScript's `toUpperCase`): the
//! window shows what the person types upper-cased as they type, so what the host accepts is
//! exactly what the window shows.

use zeroize::Zeroizing;

/// 利用者証明用パスワード: exactly this many digits.
pub const AUTH_PIN_LENGTH: usize = 4;
/// 署名用パスワード: at least this many letters A–Z and digits.
pub const SIGN_PIN_MIN_LENGTH: usize = 6;
/// 署名用パスワード: at most this many letters A–Z and digits.
pub const SIGN_PIN_MAX_LENGTH: usize = 16;

const DIGITS: &str = "0123456789";
const DIGITS_AND_CAPITALS: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The format of one of the two PINs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinRule {
    /// Fewest characters after normalising.
    pub min_length: usize,
    /// Most characters after normalising.
    pub max_length: usize,
    /// Every character the card takes, after normalising (ASCII, so one byte each).
    pub alphabet: &'static str,
    /// Whether what is typed is upper-cased before it is checked and sent (the card compares
    /// raw bytes; J-LIS converts lower-case input).
    pub upper_case: bool,
}

/// The user-authentication PIN: exactly four digits, as typed.
pub const AUTH_PIN: PinRule = PinRule {
    min_length: AUTH_PIN_LENGTH,
    max_length: AUTH_PIN_LENGTH,
    alphabet: DIGITS,
    upper_case: false,
};

/// The signing password: 6–16 letters A–Z and digits, upper-cased from what is typed.
pub const SIGN_PIN: PinRule = PinRule {
    min_length: SIGN_PIN_MIN_LENGTH,
    max_length: SIGN_PIN_MAX_LENGTH,
    alphabet: DIGITS_AND_CAPITALS,
    upper_case: true,
};

impl PinRule {
    /// What the card receives for `typed`, or `None` when it has another form (it must then
    /// never reach the card: a malformed PIN must not cost a try).
    pub fn apply(&self, typed: &str) -> Option<Zeroizing<String>> {
        // Room for the longest upper-casing, so the secret is never moved by a reallocation.
        let mut normalised = Zeroizing::new(String::with_capacity(typed.len() * 3));
        if self.upper_case {
            normalised.extend(typed.chars().flat_map(char::to_uppercase));
        } else {
            normalised.push_str(typed);
        }
        self.well_formed(&normalised).then_some(normalised)
    }

    /// Whether `normalised` is a PIN of this form.
    fn well_formed(&self, normalised: &str) -> bool {
        let length = normalised.chars().count();
        (self.min_length..=self.max_length).contains(&length)
            && normalised.chars().all(|c| self.alphabet.contains(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(rule: &PinRule, typed: &str) -> Option<String> {
        rule.apply(typed).map(|pin| pin.as_str().to_owned())
    }

    #[test]
    fn the_auth_pin_is_four_digits_as_typed() {
        assert_eq!(applied(&AUTH_PIN, "0123").as_deref(), Some("0123"));
        for bad in [
            "123",
            "12345",
            "12a4",
            "",
            "１２３４",
            "12 4",
            "-123",
            "²123",
        ] {
            assert_eq!(applied(&AUTH_PIN, bad), None, "{bad}");
        }
    }

    #[test]
    fn the_signing_password_is_upper_cased_then_checked() {
        assert_eq!(applied(&SIGN_PIN, "abc123").as_deref(), Some("ABC123"));
        assert_eq!(applied(&SIGN_PIN, "AbC12z").as_deref(), Some("ABC12Z"));
        assert!(applied(&SIGN_PIN, &"a".repeat(16)).is_some());
        // What JavaScript's toUpperCase (the window, as the person types) makes of these.
        assert_eq!(applied(&SIGN_PIN, "straße").as_deref(), Some("STRASSE"));
        for bad in [
            "abc12",
            "A1B2C3D4E5F6G7H8X",
            "abc-123",
            "ａｂｃ１２３",
            "abc 123",
            "パスワード123",
            "",
        ] {
            assert_eq!(applied(&SIGN_PIN, bad), None, "{bad}");
        }
    }

    #[test]
    fn the_alphabets_are_ascii_one_byte_a_character() {
        for rule in [AUTH_PIN, SIGN_PIN] {
            assert!(rule.alphabet.is_ascii());
            assert!(rule.min_length <= rule.max_length);
        }
    }
}
