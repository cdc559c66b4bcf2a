//! Secret strings from the wire (PINs): zeroized on drop, redacted in Debug.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

/// A secret string as it arrived in a request. serde builds it from a string **borrowed from
/// the frame** (one copy, straight into the zeroizing buffer); a string serde had to unescape
/// into its own scratch buffer is refused (the protocol layer refuses escaped PINs with
/// `PIN_FORMAT` before that can happen). The frame itself is zeroized after parsing.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(Zeroizing::new(value))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(BorrowedOnly)
    }
}

/// Takes a string only when it is borrowed from the input (no intermediate copy).
struct BorrowedOnly;

impl<'de> Visitor<'de> for BorrowedOnly {
    type Value = Secret;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string without escapes")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Secret, E> {
        Ok(Secret(Zeroizing::new(v.to_owned())))
    }

    // An escaped or transient string (`visit_string` defaults to this too): it has already
    // been copied somewhere we cannot zeroize, so it is refused rather than kept.
    fn visit_str<E: de::Error>(self, _v: &str) -> Result<Secret, E> {
        Err(E::custom("a secret must not contain escapes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s: Secret = serde_json::from_str("\"1234\"").unwrap();
        assert_eq!(format!("{s:?}"), "Secret([REDACTED])");
        assert_eq!(s.expose(), "1234");
    }

    #[test]
    fn only_strings_borrowed_from_the_input_are_taken() {
        let e = serde_json::from_str::<Secret>("\"\\u0031234\"").unwrap_err();
        assert!(e.to_string().contains("escapes"), "{e}");
        // From an owned value (already a copy): refused too.
        assert!(serde_json::from_value::<Secret>(serde_json::json!("1234")).is_err());
    }
}
