//! What protocol 1 answers: the commands, their results, the progress events of a running
//! request, and the limits a client must respect. `typescript` turns these into the
//! declarations the extension is built against.

use crate::interface::{field, optional, Declared, Interface};
use serde::{Deserialize, Serialize};

pub use mynakey_types::TokenKind;

/// Progress of a running request, sent as `{"id", "event"}` before its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressEvent {
    /// No card yet; the host waits up to `timeoutMs`.
    WaitingForCard,
    /// The awaited card arrived.
    CardInserted,
}

impl ProgressEvent {
    pub const ALL: [ProgressEvent; 2] =
        [ProgressEvent::WaitingForCard, ProgressEvent::CardInserted];

    /// The `event` string on the wire.
    pub fn name(self) -> &'static str {
        match self {
            ProgressEvent::WaitingForCard => "waitingForCard",
            ProgressEvent::CardInserted => "cardInserted",
        }
    }
}

/// `version`.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct VersionResult {
    pub version: String,
    pub protocol: u32,
    /// Every command this host serves (absent from hosts before `prepare`): a client uses a
    /// command added to protocol 1 only when it is listed here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<&'static str>,
}

const VERSION_RESULT: Interface = Interface::new(
    "VersionResult",
    "Result of `version`; `commands` lists what the host serves (absent before `prepare`).",
    &[
        field("version", "string"),
        field("protocol", "number"),
        optional("commands", "string[]"),
    ],
);

impl Declared for VersionResult {
    const INTERFACES: &'static [Interface] = &[VERSION_RESULT];
}

/// What `prepare` readies the card for.
#[derive(Debug, Serialize, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum PrepareAction {
    /// A login proof: the authentication certificate and the PIN's tries count are read.
    #[serde(rename = "authenticate")]
    Authenticate,
    /// `getSigningCertificate` or `sign`: the signing password's tries count (the signing
    /// certificate is readable only after the password).
    #[serde(rename = "sign")]
    Sign,
}

impl PrepareAction {
    pub const ALL: [PrepareAction; 2] = [PrepareAction::Authenticate, PrepareAction::Sign];

    /// The value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            PrepareAction::Authenticate => "authenticate",
            PrepareAction::Sign => "sign",
        }
    }
}

/// `prepare`: the readers as `status` reports them (only what the action needs is read), and,
/// when one JPKI card was found and read, the reader whose card is now held.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PrepareResult {
    pub pcsc: PcscState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pcsc_error: Option<String>,
    pub readers: Vec<ReaderStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prepared: Option<Prepared>,
}

const PREPARE_RESULT: Interface = Interface::new(
    "PrepareResult",
    "Result of `prepare`: the readers as `status` shows them, and the card now held.",
    &[
        field("pcsc", "PcscState"),
        optional("pcscError", "string"),
        field("readers", "ReaderStatus[]"),
        optional("prepared", "Prepared"),
    ],
);

impl Declared for PrepareResult {
    const INTERFACES: &'static [Interface] = &[READER_STATUS, PREPARED, PREPARE_RESULT];
}

/// The card `prepare` holds for the next request of its action.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Prepared {
    pub reader: String,
    pub action: PrepareAction,
    /// How long the card stays held if no request comes.
    pub hold_ms: u64,
}

const PREPARED: Interface = Interface::new(
    "Prepared",
    "The card `prepare` holds for the request that follows.",
    &[
        field("reader", "string"),
        field("action", "PrepareActionName"),
        field("holdMs", "number"),
    ],
);

/// `getSigningCertificate`: the signing certificate, standard base64 DER.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct SigningCertificateResult {
    pub certificate: String,
}

const SIGNING_CERTIFICATE_RESULT: Interface = Interface::new(
    "SigningCertificateResult",
    "Result of `getSigningCertificate`: the signing certificate, base64 DER.",
    &[field("certificate", "string")],
);

impl Declared for SigningCertificateResult {
    const INTERFACES: &'static [Interface] = &[SIGNING_CERTIFICATE_RESULT];
}

/// `cancel`: whether a pending request with that id was cancelled.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct CancelResult {
    pub cancelled: bool,
}

const CANCEL_RESULT: Interface = Interface::new(
    "CancelResult",
    "Result of `cancel`.",
    &[field("cancelled", "boolean")],
);

impl Declared for CancelResult {
    const INTERFACES: &'static [Interface] = &[CANCEL_RESULT];
}

/// `quit`: an empty object.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct QuitResult {}

const QUIT_RESULT: Interface =
    Interface::new("QuitResult", "Result of `quit` (an empty object).", &[]);

impl Declared for QuitResult {
    const INTERFACES: &'static [Interface] = &[QUIT_RESULT];
}

/// `authenticate`: the login proof, Web eID's `web-eid:1.0` token (docs/protocol.md).
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LoginProof {
    pub format: String,
    pub unverified_certificate: String,
    pub algorithm: String,
    pub signature: String,
    pub app_version: String,
}

const LOGIN_PROOF: Interface = Interface::new(
    "LoginProof",
    "Result of `authenticate`: the `web-eid:1.0` login proof.",
    &[
        field("format", "'web-eid:1.0'"),
        field("unverifiedCertificate", "string"),
        field("algorithm", "'RS256'"),
        field("signature", "string"),
        field("appVersion", "string"),
    ],
);

impl Declared for LoginProof {
    const INTERFACES: &'static [Interface] = &[LOGIN_PROOF];
}

#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SignatureAlgorithm {
    pub crypto_algorithm: String,
    pub hash_function: String,
    pub padding_scheme: String,
}

const SIGNATURE_ALGORITHM: Interface = Interface::new(
    "SignatureAlgorithm",
    "How `sign` signed.",
    &[
        field("cryptoAlgorithm", "'RSA'"),
        field("hashFunction", "HashAlgorithmName"),
        field("paddingScheme", "'PKCS1.5'"),
    ],
);

/// `sign`: one signature per hash, in order (`SignResult` in TypeScript).
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Signatures {
    pub certificate: String,
    pub signatures: Vec<String>,
    pub signature_algorithm: SignatureAlgorithm,
}

const SIGN_RESULT: Interface = Interface::new(
    "SignResult",
    "Result of `sign`: one signature per hash, in order.",
    &[
        field("certificate", "string"),
        field("signatures", "string[]"),
        field("signatureAlgorithm", "SignatureAlgorithm"),
    ],
);

impl Declared for Signatures {
    const INTERFACES: &'static [Interface] = &[SIGNATURE_ALGORITHM, SIGN_RESULT];
}

#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ReaderStatus {
    pub name: String,
    pub card: CardState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_label: Option<String>,
    /// `card` or `android` (a smartphone certificate), from the label; absent when not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_kind: Option<TokenKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_pin_tries_left: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_pin_tries_left: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_signing_certificate: Option<bool>,
}

const READER_STATUS: Interface = Interface::new(
    "ReaderStatus",
    "One reader in the result of `status`.",
    &[
        field("name", "string"),
        field("card", "CardState"),
        optional("tokenLabel", "string"),
        optional("tokenKind", "TokenKind"),
        optional("authPinTriesLeft", "number"),
        optional("signPinTriesLeft", "number"),
        optional("hasSigningCertificate", "boolean"),
    ],
);

/// `status` (`StatusResult` in TypeScript).
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub version: String,
    pub protocol: u32,
    pub pcsc: PcscState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pcsc_error: Option<String>,
    pub transport: String,
    pub readers: Vec<ReaderStatus>,
}

const STATUS_RESULT: Interface = Interface::new(
    "StatusResult",
    "Result of `status`.",
    &[
        field("version", "string"),
        field("protocol", "number"),
        field("pcsc", "PcscState"),
        optional("pcscError", "string"),
        field("transport", "'pcsc' | 'simulator'"),
        field("readers", "ReaderStatus[]"),
    ],
);

impl Declared for Status {
    const INTERFACES: &'static [Interface] = &[READER_STATUS, STATUS_RESULT];
}

/// What is in a reader, as `status` reports it.
#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CardState {
    /// No card.
    Absent,
    /// A card with the JPKI application (a My Number Card).
    Jpki,
    /// A card without it (another card, upside down, unresponsive).
    Other,
    /// Held exclusively by another program.
    Busy,
}

impl CardState {
    pub const ALL: [CardState; 4] = [
        CardState::Absent,
        CardState::Jpki,
        CardState::Other,
        CardState::Busy,
    ];

    /// The value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            CardState::Absent => "absent",
            CardState::Jpki => "jpki",
            CardState::Other => "other",
            CardState::Busy => "busy",
        }
    }
}

/// Whether the smart-card service answered, as `status` reports it.
#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PcscState {
    Ok,
    Unavailable,
}

impl PcscState {
    pub const ALL: [PcscState; 2] = [PcscState::Ok, PcscState::Unavailable];

    /// The value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            PcscState::Ok => "ok",
            PcscState::Unavailable => "unavailable",
        }
    }
}
