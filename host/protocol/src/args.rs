//! Typed arguments of each command; unknown keys are rejected so typos surface.

use serde::Deserialize;

use mynakey_types::secret::Secret;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NoArgs {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AuthenticateArgs {
    pub origin: String,
    pub challenge: String,
    pub pin: Secret,
    #[serde(default)]
    pub allow_last_try: bool,
    pub reader: Option<String>,
    /// How long to wait for a card (ms); 0 (default) fails at once with NO_CARD.
    #[serde(default)]
    pub timeout_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GetSigningCertificateArgs {
    pub origin: String,
    pub pin: Secret,
    #[serde(default)]
    pub allow_last_try: bool,
    #[serde(default)]
    pub hold: bool,
    pub reader: Option<String>,
    #[serde(default)]
    pub timeout_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SignArgs {
    pub origin: String,
    /// Omitted only inside a held session (after `getSigningCertificate` with `hold`).
    pub pin: Option<Secret>,
    #[serde(default)]
    pub allow_last_try: bool,
    pub hash_algorithm: String,
    pub hashes: Vec<String>,
    pub certificate: Option<String>,
    pub reader: Option<String>,
    #[serde(default)]
    pub timeout_ms: u64,
}

impl AuthenticateArgs {
    /// A login request with the defaults a browser request gets: no last try, any reader, no wait.
    pub fn new(origin: &str, challenge: &str, pin: &str) -> Self {
        AuthenticateArgs {
            origin: origin.into(),
            challenge: challenge.into(),
            pin: Secret::new(pin.into()),
            allow_last_try: false,
            reader: None,
            timeout_ms: 0,
        }
    }
}

impl GetSigningCertificateArgs {
    /// A certificate request with the defaults a browser request gets; `hold` keeps the card
    /// verified for one following `sign` (the certificate-first flow).
    pub fn new(origin: &str, pin: &str, hold: bool) -> Self {
        GetSigningCertificateArgs {
            origin: origin.into(),
            pin: Secret::new(pin.into()),
            allow_last_try: false,
            hold,
            reader: None,
            timeout_ms: 0,
        }
    }
}

impl SignArgs {
    /// A signing request for base64 `hashes` with the defaults a browser request gets.
    pub fn new(origin: &str, pin: Option<&str>, hash_algorithm: &str, hashes: Vec<String>) -> Self {
        SignArgs {
            origin: origin.into(),
            pin: pin.map(|p| Secret::new(p.into())),
            allow_last_try: false,
            hash_algorithm: hash_algorithm.into(),
            hashes,
            certificate: None,
            reader: None,
            timeout_ms: 0,
        }
    }
}

/// `prepare`: what the card is readied for, and in which reader (default: the one JPKI card).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PrepareArgs {
    pub action: crate::messages::PrepareAction,
    pub reader: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CancelArgs {
    pub target: serde_json::Value,
}

/// Largest wait a request may ask for: 10 minutes.
pub const MAX_TIMEOUT_MS: u64 = 600_000;
/// At most this many hashes per `sign`.
pub use mynakey_types::hash::MAX_HASHES;
