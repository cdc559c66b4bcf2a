//! Values the mynakey host and the relying-party verifier share: the origin and challenge a
//! login proof binds, the hash algorithms and DigestInfo a document signature uses, and the
//! secret type PINs travel in.

pub mod binding;
pub mod hash;
pub mod pin_rules;
pub mod secret;
pub mod token;

pub use binding::{login_signed_data, Challenge, Origin};
pub use hash::{HashAlgorithm, Hashes, HashesError, UnknownHashAlgorithm};
pub use secret::Secret;
pub use token::{TokenKind, ANDROID_TOKEN_LABEL, AUTH_POLICY_OID, SIGN_POLICY_OID};
