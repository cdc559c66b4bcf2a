//! The limits of protocol 1 (`LIMITS` in TypeScript), gathered from where each is enforced.

pub use crate::args::{MAX_HASHES, MAX_TIMEOUT_MS};
pub use crate::framing::{MAX_INBOUND, MAX_OUTBOUND};
pub use mynakey_types::binding::{CHALLENGE_MAX_LENGTH, CHALLENGE_MIN_LENGTH};
pub use mynakey_types::pin_rules::{
    AUTH_PIN, AUTH_PIN_LENGTH, SIGN_PIN, SIGN_PIN_MAX_LENGTH, SIGN_PIN_MIN_LENGTH,
};

/// A held signing session ends this long after `getSigningCertificate` without the `sign`
/// that uses it.
pub const HELD_SESSION_SECONDS: u64 = 120;

/// A card read by `prepare` is held for the request that follows at most this long, then
/// released (that request then reads the card again).
pub const PREPARED_HOLD_SECONDS: u64 = 60;
