//! What answers as the JPKI application: a My Number Card, or a smartphone holding the JPKI
//! certificates (スマホ用電子証明書), told apart by the label in EF 0006
//! (docs/card-facts.md §1).

use serde::Serialize;

/// certificatePolicies OID of JPKI user-authentication certificates (利用者証明用), on the card
/// and on the smartphone alike (docs/card-facts.md §8, docs/protocol.md §7).
pub const AUTH_POLICY_OID: &str = "1.2.392.200149.8.5.1.3.30";
/// certificatePolicies OID of JPKI digital-signature certificates (署名用).
pub const SIGN_POLICY_OID: &str = "1.2.392.200149.8.5.1.1.20";

/// Label of an Android phone's JPKI token (jpki/myna `src/cli.rs`; docs/card-facts.md).
pub const ANDROID_TOKEN_LABEL: &str = "JPKIAPGPSETOKEN";

/// The kind of token in a reader, as `readers[].tokenKind` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// A My Number Card, or any label other than the Android one (treated as a card).
    Card,
    /// An Android phone's smartphone certificate: it releases even the authentication
    /// certificate only after the PIN.
    Android,
}

impl TokenKind {
    pub const ALL: [TokenKind; 2] = [TokenKind::Card, TokenKind::Android];

    /// The kind a label names. Only the Android label is known to behave differently; every
    /// other label (the card's, the old Juki card's, an unknown one) keeps the card's handling.
    pub fn from_label(label: &str) -> TokenKind {
        if label.trim_end_matches([' ', '\0']) == ANDROID_TOKEN_LABEL {
            TokenKind::Android
        } else {
            TokenKind::Card
        }
    }

    /// The value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Card => "card",
            TokenKind::Android => "android",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_android_label_is_android() {
        assert_eq!(TokenKind::from_label("JPKIAPGPSETOKEN"), TokenKind::Android);
        for card in [
            "JPKIAPICCTOKEN2",
            "JPKIAPICCTOKEN",
            "JPKIAPIOSTOKEN",
            "",
            "JPKIAPGPSE",
        ] {
            assert_eq!(TokenKind::from_label(card), TokenKind::Card, "{card}");
        }
        assert_eq!(
            serde_json::to_string(&TokenKind::ALL).unwrap(),
            r#"["card","android"]"#
        );
    }
}
