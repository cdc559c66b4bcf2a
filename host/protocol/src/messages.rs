//! What protocol 1 answers: the commands, their results, the progress events of a running
//! request, and the limits a client must respect. `typescript` turns these into the
//! declarations the extension is built against.

use serde::{Deserialize, Serialize};

pub use mynakey_types::TokenKind;

pub use crate::commands::HostCommand;

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

impl VersionResult {
    /// This host's answer.
    pub fn current(version: &str) -> Self {
        VersionResult {
            version: version.into(),
            protocol: crate::PROTOCOL_VERSION,
            commands: HostCommand::ALL.iter().map(|c| c.name()).collect(),
        }
    }
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

/// The card `prepare` holds for the next request of its action.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Prepared {
    pub reader: String,
    pub action: PrepareAction,
    /// How long the card stays held if no request comes.
    pub hold_ms: u64,
}

/// `getSigningCertificate`: the signing certificate, standard base64 DER.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct SigningCertificateResult {
    pub certificate: String,
}

/// `cancel`: whether a pending request with that id was cancelled.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct CancelResult {
    pub cancelled: bool,
}

/// `quit`: an empty object.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct QuitResult {}

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

#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SignatureAlgorithm {
    pub crypto_algorithm: String,
    pub hash_function: String,
    pub padding_scheme: String,
}

/// `sign`: one signature per hash, in order (`SignResult` in TypeScript).
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Signatures {
    pub certificate: String,
    pub signatures: Vec<String>,
    pub signature_algorithm: SignatureAlgorithm,
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
