//! Typed arguments of each command; unknown keys are rejected so typos surface.

use serde::Deserialize;

use crate::interface::{field, optional, Declared, Interface};

use mynakey_types::secret::Secret;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NoArgs {}

/// No arguments: no interface.
impl Declared for NoArgs {
    const INTERFACES: &'static [Interface] = &[];
}

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

const AUTHENTICATE_ARGUMENTS: Interface = Interface::new(
    "AuthenticateArguments",
    "Arguments of `authenticate`.",
    &[
        field("origin", "string"),
        field("challenge", "string"),
        field("pin", "string"),
        optional("allowLastTry", "boolean"),
        optional("reader", "string"),
        optional("timeoutMs", "number"),
    ],
);

impl Declared for AuthenticateArgs {
    const INTERFACES: &'static [Interface] = &[AUTHENTICATE_ARGUMENTS];
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

const GET_SIGNING_CERTIFICATE_ARGUMENTS: Interface = Interface::new(
    "GetSigningCertificateArguments",
    "Arguments of `getSigningCertificate`.",
    &[
        field("origin", "string"),
        field("pin", "string"),
        optional("allowLastTry", "boolean"),
        optional("hold", "boolean"),
        optional("reader", "string"),
        optional("timeoutMs", "number"),
    ],
);

impl Declared for GetSigningCertificateArgs {
    const INTERFACES: &'static [Interface] = &[GET_SIGNING_CERTIFICATE_ARGUMENTS];
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

const SIGN_ARGUMENTS: Interface = Interface::new(
    "SignArguments",
    "Arguments of `sign` (`pin` omitted only inside a held session).",
    &[
        field("origin", "string"),
        optional("pin", "string"),
        optional("allowLastTry", "boolean"),
        field("hashAlgorithm", "HashAlgorithmName"),
        field("hashes", "string[]"),
        optional("certificate", "string"),
        optional("reader", "string"),
        optional("timeoutMs", "number"),
    ],
);

impl Declared for SignArgs {
    const INTERFACES: &'static [Interface] = &[SIGN_ARGUMENTS];
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

const PREPARE_ARGUMENTS: Interface = Interface::new(
    "PrepareArguments",
    "Arguments of `prepare` (only when `version` lists it).",
    &[
        field("action", "PrepareActionName"),
        optional("reader", "string"),
    ],
);

impl Declared for PrepareArgs {
    const INTERFACES: &'static [Interface] = &[PREPARE_ARGUMENTS];
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CancelArgs {
    pub target: serde_json::Value,
}

const CANCEL_ARGUMENTS: Interface = Interface::new(
    "CancelArguments",
    "Arguments of `cancel`: the id of the request to end.",
    &[field("target", "RequestId")],
);

impl Declared for CancelArgs {
    const INTERFACES: &'static [Interface] = &[CANCEL_ARGUMENTS];
}

/// Largest wait a request may ask for: 10 minutes.
pub const MAX_TIMEOUT_MS: u64 = 600_000;
/// At most this many hashes per `sign`.
pub use mynakey_types::hash::MAX_HASHES;
