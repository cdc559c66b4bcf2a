//! The JPKI PIN formats (docs/card-facts.md): checked by the card crate before any VERIFY and
//! published to the extension through the protocol's limits.

/// 利用者証明用パスワード: exactly this many digits.
pub const AUTH_PIN_LENGTH: usize = 4;
/// 署名用パスワード: at least this many letters A–Z and digits.
pub const SIGN_PIN_MIN_LENGTH: usize = 6;
/// 署名用パスワード: at most this many letters A–Z and digits.
pub const SIGN_PIN_MAX_LENGTH: usize = 16;
