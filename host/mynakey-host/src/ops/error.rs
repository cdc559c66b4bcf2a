//! Errors of the use-case layer, each with its protocol-1 code.

use mynakey_card::jpki::{JpkiError, PinFormatError};
use mynakey_card::transport::TransportError;
use mynakey_protocol::{ErrorCode, WireError};

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    OriginInvalid(String),
    #[error("{0}")]
    ChallengeInvalid(String),
    #[error(transparent)]
    PinFormat(#[from] PinFormatError),
    #[error("the smart-card service is not available: {0}")]
    PcscUnavailable(String),
    #[error("{0}")]
    NoReader(String),
    /// The request named a reader that is not connected; `readers` are the ones that are.
    #[error("reader {name:?} not found")]
    ReaderNotFound { name: String, readers: Vec<String> },
    #[error("no card in the reader")]
    NoCard,
    #[error("the card in the reader is not a My Number Card (no JPKI application)")]
    NotJpkiCard,
    #[error("more than one My Number Card is present; choose a reader")]
    MultipleCards(Vec<String>),
    #[error("the card was removed")]
    CardRemoved,
    #[error("the card is in use by another program")]
    CardBusy,
    #[error("wrong PIN, {tries_left} {} left", if *tries_left == 1 { "try" } else { "tries" })]
    PinIncorrect { tries_left: u8 },
    #[error("only one try is left; the request must say allowLastTry")]
    PinLastTry,
    /// A smartphone token gave no tries count: the next VERIFY might be the last try.
    #[error("the token does not say how many tries are left; the request must say allowLastTry")]
    PinTriesUnknown,
    #[error("the PIN is blocked")]
    PinBlocked { tries_left: Option<u8> },
    #[error("the card has no signing certificate")]
    NoSigningCertificate,
    #[error("the card's signing certificate is not the one given")]
    CertificateMismatch,
    #[error("{what}{}", sw.map(|sw| format!(": the card answered {sw:04X}")).unwrap_or_default())]
    CardError { what: String, sw: Option<u16> },
    #[error("{0}")]
    Timeout(String),
    #[error("cancelled")]
    Cancelled,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<TransportError> for OpsError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Unavailable(why) => OpsError::PcscUnavailable(why),
            TransportError::NoReader => OpsError::NoReader("no card reader is connected".into()),
            TransportError::UnknownReader(name) => {
                OpsError::NoReader(format!("reader {name:?} not found"))
            }
            TransportError::NoCard => OpsError::NoCard,
            TransportError::CardRemoved => OpsError::CardRemoved,
            TransportError::CardBusy => OpsError::CardBusy,
            TransportError::CardUnresponsive => OpsError::NotJpkiCard,
            TransportError::Timeout => OpsError::Timeout("timed out".into()),
            TransportError::Cancelled => OpsError::Cancelled,
            TransportError::Communication(why) => OpsError::CardError {
                what: why,
                sw: None,
            },
        }
    }
}

impl From<JpkiError> for OpsError {
    fn from(e: JpkiError) -> Self {
        match e {
            JpkiError::Transport(t) => t.into(),
            JpkiError::Apdu(a) => OpsError::Internal(a.to_string()),
            e @ JpkiError::StaleTriesCount(_) => OpsError::Internal(e.to_string()),
            JpkiError::NotJpki => OpsError::NotJpkiCard,
            JpkiError::PinIncorrect { tries_left } => OpsError::PinIncorrect { tries_left },
            JpkiError::PinBlocked => OpsError::PinBlocked {
                tries_left: Some(0),
            },
            JpkiError::NoSigningCertificate => OpsError::NoSigningCertificate,
            // Only before the PIN does this start the token's order; after it, a refusal.
            e @ JpkiError::CertificateAfterPin => OpsError::CardError {
                what: e.to_string(),
                sw: Some(0x6982),
            },
            JpkiError::Card { what, sw } => OpsError::CardError {
                what: what.into(),
                sw: Some(sw.to_u16()),
            },
            e @ (JpkiError::BadCertificate(_) | JpkiError::BadSignature) => OpsError::CardError {
                what: e.to_string(),
                sw: None,
            },
        }
    }
}

impl OpsError {
    pub fn code(&self) -> ErrorCode {
        use OpsError::*;
        match self {
            BadRequest(_) => ErrorCode::BadRequest,
            OriginInvalid(_) => ErrorCode::OriginInvalid,
            ChallengeInvalid(_) => ErrorCode::ChallengeInvalid,
            PinFormat(_) => ErrorCode::PinFormat,
            PcscUnavailable(_) => ErrorCode::PcscUnavailable,
            NoReader(_) | ReaderNotFound { .. } => ErrorCode::NoReader,
            NoCard => ErrorCode::NoCard,
            NotJpkiCard => ErrorCode::NotJpkiCard,
            MultipleCards(_) => ErrorCode::MultipleCards,
            CardRemoved => ErrorCode::CardRemoved,
            CardBusy => ErrorCode::CardBusy,
            PinIncorrect { .. } => ErrorCode::PinIncorrect,
            PinLastTry | PinTriesUnknown => ErrorCode::PinLastTry,
            PinBlocked { .. } => ErrorCode::PinBlocked,
            NoSigningCertificate => ErrorCode::NoSigningCertificate,
            CertificateMismatch => ErrorCode::CertificateMismatch,
            CardError { .. } => ErrorCode::CardError,
            Timeout(_) => ErrorCode::Timeout,
            Cancelled => ErrorCode::Cancelled,
            Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn to_wire(&self) -> WireError {
        let error = WireError::new(self.code(), self.to_string());
        match self {
            OpsError::PinIncorrect { tries_left } => error.with_tries_left(*tries_left),
            OpsError::PinLastTry => error.with_tries_left(1),
            OpsError::PinBlocked {
                tries_left: Some(t),
            } => error.with_tries_left(*t),
            OpsError::MultipleCards(readers) => error.with_readers(readers.clone()),
            OpsError::ReaderNotFound { readers, .. } => error.with_readers(readers.clone()),
            OpsError::CardError { sw: Some(sw), .. } => error.with_sw(*sw),
            _ => error,
        }
    }
}
