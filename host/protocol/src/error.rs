//! Protocol 1's error codes, each marked retriable or not, and the error a request ends with.

use serde::Serialize;

/// Every error code of protocol 1, in the order docs/protocol.md lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    BadRequest,
    UnknownCommand,
    MessageTooLarge,
    OriginInvalid,
    ChallengeInvalid,
    PinFormat,
    PcscUnavailable,
    NoReader,
    NoCard,
    NotJpkiCard,
    MultipleCards,
    CardRemoved,
    CardBusy,
    PinIncorrect,
    PinLastTry,
    PinBlocked,
    NoSigningCertificate,
    UnsupportedToken,
    CertificateMismatch,
    CardError,
    Timeout,
    Cancelled,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 23] = [
        ErrorCode::BadRequest,
        ErrorCode::UnknownCommand,
        ErrorCode::MessageTooLarge,
        ErrorCode::OriginInvalid,
        ErrorCode::ChallengeInvalid,
        ErrorCode::PinFormat,
        ErrorCode::PcscUnavailable,
        ErrorCode::NoReader,
        ErrorCode::NoCard,
        ErrorCode::NotJpkiCard,
        ErrorCode::MultipleCards,
        ErrorCode::CardRemoved,
        ErrorCode::CardBusy,
        ErrorCode::PinIncorrect,
        ErrorCode::PinLastTry,
        ErrorCode::PinBlocked,
        ErrorCode::NoSigningCertificate,
        ErrorCode::UnsupportedToken,
        ErrorCode::CertificateMismatch,
        ErrorCode::CardError,
        ErrorCode::Timeout,
        ErrorCode::Cancelled,
        ErrorCode::Internal,
    ];

    /// The code on the wire.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            BadRequest => "BAD_REQUEST",
            UnknownCommand => "UNKNOWN_COMMAND",
            MessageTooLarge => "MESSAGE_TOO_LARGE",
            OriginInvalid => "ORIGIN_INVALID",
            ChallengeInvalid => "CHALLENGE_INVALID",
            PinFormat => "PIN_FORMAT",
            PcscUnavailable => "PCSC_UNAVAILABLE",
            NoReader => "NO_READER",
            NoCard => "NO_CARD",
            NotJpkiCard => "NOT_JPKI_CARD",
            MultipleCards => "MULTIPLE_CARDS",
            CardRemoved => "CARD_REMOVED",
            CardBusy => "CARD_BUSY",
            PinIncorrect => "PIN_INCORRECT",
            PinLastTry => "PIN_LAST_TRY",
            PinBlocked => "PIN_BLOCKED",
            NoSigningCertificate => "NO_SIGNING_CERTIFICATE",
            UnsupportedToken => "UNSUPPORTED_TOKEN",
            CertificateMismatch => "CERTIFICATE_MISMATCH",
            CardError => "CARD_ERROR",
            Timeout => "TIMEOUT",
            Cancelled => "CANCELLED",
            Internal => "INTERNAL",
        }
    }

    /// Whether sending the request again can succeed once the person acted on it (typed the
    /// PIN again, placed or changed the card, started the service): the consent window may
    /// offer to try again (docs/protocol.md §12). Not retriable: client bugs, a blocked PIN,
    /// what needs a new challenge, a cancel, and card faults (a page may retry those once).
    pub fn retriable(self) -> bool {
        use ErrorCode::*;
        match self {
            PinFormat | PcscUnavailable | NoReader | NoCard | NotJpkiCard | MultipleCards
            | CardRemoved | CardBusy | PinIncorrect | PinLastTry | UnsupportedToken
            | CertificateMismatch | Timeout => true,
            BadRequest | UnknownCommand | MessageTooLarge | OriginInvalid | ChallengeInvalid
            | PinBlocked | NoSigningCertificate | CardError | Cancelled | Internal => false,
        }
    }
}

/// The details an error may carry next to `code` and `message`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetails {
    /// PIN_INCORRECT, PIN_LAST_TRY, PIN_BLOCKED: tries left on the card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tries_left: Option<u8>,
    /// CARD_ERROR: the card's status word, four upper-case hex digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sw: Option<String>,
    /// MULTIPLE_CARDS, NO_READER (a named reader): the reader names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readers: Option<Vec<String>>,
}

/// A wire error: code, English message for logs, and details such as `triesLeft` or `sw`.
#[derive(Clone, Debug, PartialEq)]
pub struct WireError {
    pub code: ErrorCode,
    pub message: String,
    pub details: ErrorDetails,
}

impl WireError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        WireError {
            code,
            message: message.into(),
            details: ErrorDetails::default(),
        }
    }

    pub fn with_tries_left(mut self, tries_left: u8) -> Self {
        self.details.tries_left = Some(tries_left);
        self
    }

    pub fn with_sw(mut self, sw: u16) -> Self {
        self.details.sw = Some(format!("{sw:04X}"));
        self
    }

    pub fn with_readers(mut self, readers: Vec<String>) -> Self {
        self.details.readers = Some(readers);
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_spelled_as_on_the_wire() {
        let names: std::collections::BTreeSet<_> =
            ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        assert!(names
            .iter()
            .all(|n| n.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')));
        assert!(ErrorCode::PinIncorrect.retriable());
        assert!(!ErrorCode::PinBlocked.retriable());
    }
}
