//! The JPKI application (公的個人認証AP) of the My Number Card: select, read certificates,
//! PIN status, verify, sign. Talks to the card only through [`Transport`].

use std::sync::atomic::{AtomicU64, Ordering};

use log::trace;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::hazmat::PrehashVerifier;
use rsa::RsaPublicKey;
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::der::referenced::OwnedToRef;
use x509_cert::der::Decode;
use x509_cert::ext::pkix::CertificatePolicies;
use x509_cert::Certificate;

use crate::apdu::{ApduError, Command, Response, StatusWord};
use crate::transport::{Transport, TransportError};

pub mod commands;
pub mod pin;

pub use pin::{Pin, PinFormatError, PinKind};

pub use mynakey_types::{TokenKind, ANDROID_TOKEN_LABEL};

use mynakey_types::HashAlgorithm;

/// AID of the JPKI AP (docs/card-facts.md §1). The only application mynakey ever selects.
pub const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

/// Elementary files of the JPKI AP (docs/card-facts.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ef {
    /// 0001: signing certificate; readable only after the signing password.
    SignCert,
    /// 0002: CA certificate for 0001.
    SignCaCert,
    /// 0006: token information (label `JPKIAPICCTOKEN2`).
    Token,
    /// 0008: which certificates exist (single-source, docs/card-facts.md §2).
    CertificateAvailability,
    /// 000A: authentication certificate; free read.
    AuthCert,
    /// 000B: CA certificate for 000A.
    AuthCaCert,
    /// 0017: authentication private key.
    AuthKey,
    /// 0018: authentication PIN.
    AuthPin,
    /// 001A: signing private key.
    SignKey,
    /// 001B: signing password.
    SignPin,
}

impl Ef {
    pub fn fid(self) -> u16 {
        match self {
            Ef::SignCert => 0x0001,
            Ef::SignCaCert => 0x0002,
            Ef::Token => 0x0006,
            Ef::CertificateAvailability => 0x0008,
            Ef::AuthCert => 0x000A,
            Ef::AuthCaCert => 0x000B,
            Ef::AuthKey => 0x0017,
            Ef::AuthPin => 0x0018,
            Ef::SignKey => 0x001A,
            Ef::SignPin => 0x001B,
        }
    }

    pub fn from_fid(fid: u16) -> Option<Ef> {
        [
            Ef::SignCert,
            Ef::SignCaCert,
            Ef::Token,
            Ef::CertificateAvailability,
            Ef::AuthCert,
            Ef::AuthCaCert,
            Ef::AuthKey,
            Ef::AuthPin,
            Ef::SignKey,
            Ef::SignPin,
        ]
        .into_iter()
        .find(|ef| ef.fid() == fid)
    }
}

/// The two key pairs on the card, each with its certificate, PIN and key EF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyPair {
    Auth,
    Sign,
}

impl KeyPair {
    fn cert(self) -> Ef {
        match self {
            KeyPair::Auth => Ef::AuthCert,
            KeyPair::Sign => Ef::SignCert,
        }
    }

    fn pin_ef(self) -> Ef {
        match self {
            KeyPair::Auth => Ef::AuthPin,
            KeyPair::Sign => Ef::SignPin,
        }
    }

    fn key(self) -> Ef {
        match self {
            KeyPair::Auth => Ef::AuthKey,
            KeyPair::Sign => Ef::SignKey,
        }
    }

    pub fn pin_kind(self) -> PinKind {
        match self {
            KeyPair::Auth => PinKind::Auth,
            KeyPair::Sign => PinKind::Sign,
        }
    }
}

/// What the tries query says about a PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinStatus {
    TriesLeft(u8),
    Blocked,
    /// A smartphone token that answered the tries query unlike the card (no `63Cx`): any VERIFY
    /// might be the last try, so the person must confirm it (docs/card-facts.md).
    Unknown,
}

/// The tries count of one PIN, read by [`Jpki::pin_status`] on this connection, and the only way
/// to a VERIFY ([`Jpki::verify_pin`] consumes it). It is not `Clone` and no one outside this module
/// can build one, so the last-try guard always acts on a count read from the card being verified,
/// and one count allows at most one VERIFY.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a tries count is what a VERIFY needs"]
pub struct TriesCount {
    kind: PinKind,
    status: PinStatus,
    /// Unique per tries query in this process: ties the count to its connection and query.
    query: u64,
}

impl TriesCount {
    pub fn kind(&self) -> PinKind {
        self.kind
    }

    pub fn status(&self) -> PinStatus {
        self.status
    }
}

/// Source of [`TriesCount::query`]: unique across every [`Jpki`] of the process.
static TRIES_QUERIES: AtomicU64 = AtomicU64::new(1);

/// Errors of the JPKI layer.
#[derive(Debug, thiserror::Error)]
pub enum JpkiError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("malformed APDU: {0}")]
    Apdu(#[from] ApduError),
    #[error("the card has no JPKI application")]
    NotJpki,
    #[error("wrong PIN, {tries_left} {} left", if *tries_left == 1 { "try" } else { "tries" })]
    PinIncorrect { tries_left: u8 },
    #[error("the PIN is blocked")]
    PinBlocked,
    #[error("the card has no signing certificate")]
    NoSigningCertificate,
    /// An Android phone's token refused the authentication certificate before the PIN
    /// (`6982`): the PIN goes first, then the certificate (docs/card-facts.md).
    #[error("the smartphone token releases its certificate only after the PIN")]
    CertificateAfterPin,
    #[error("{what}: the card answered {sw}")]
    Card { what: &'static str, sw: StatusWord },
    #[error("the certificate on the card is malformed: {0}")]
    BadCertificate(String),
    #[error("the card's signature does not verify with its certificate")]
    BadSignature,
    /// A VERIFY was asked for with a tries count that is not the latest tries query on this
    /// connection, or that is for the other PIN: nothing was sent.
    #[error("no VERIFY: {0}")]
    StaleTriesCount(&'static str),
}

/// The JPKI AP on one connected card. It tracks what is selected on its connection, so a
/// SELECT of what is already selected is not sent again; the one deliberate repeat is the key EF
/// before every SIGN (a SIGN forgets the selection: only one source says it survives one,
/// docs/card-facts.md §10 and docs/real-card-checklist.md check 7).
pub struct Jpki<T> {
    transport: T,
    selected: Selection,
    /// The tries query whose count may be used for the next VERIFY, if any.
    open_query: Option<u64>,
    /// The token's kind once its label was read on this connection.
    token: Option<TokenKind>,
}

/// What this connection has selected, as far as the host knows. Unknown after any failure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Selection {
    ap: bool,
    ef: Option<Ef>,
}

/// Certificates are read in chunks of at most 256 bytes (short Le, docs/card-facts.md §5).
const CHUNK: usize = 256;
/// No JPKI EF is larger than the 15-bit READ BINARY offset allows.
const MAX_EF: usize = 0x7FFF;
/// A 256-byte signature needs at most two GET RESPONSEs; more means a card in a loop.
const MAX_GET_RESPONSE: usize = 16;

impl<T: Transport> Jpki<T> {
    /// The JPKI AP over a fresh connection: nothing is known to be selected.
    pub fn new(transport: T) -> Self {
        Jpki {
            transport,
            selected: Selection::default(),
            open_query: None,
            token: None,
        }
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Gives the connection back (to disconnect it).
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Sends one command and collects its whole answer: `61xx` to a command with Le is followed
    /// by GET RESPONSE (which fetches the pending answer and re-runs nothing), `6Cxx` re-sends a
    /// READ BINARY with the exact Le. Nothing else is ever re-sent: a VERIFY or SIGN runs once.
    fn send(&mut self, command: &Command) -> Result<Response, JpkiError> {
        let mut response = self.exchange(command)?;
        if let StatusWord::WrongLe(exact) = response.sw {
            if command.ins == 0xB0 && exact != 0 {
                let mut again = command.clone();
                again.ne = Some(usize::from(exact));
                response = self.exchange(&again)?;
            }
        }
        // Only a command that asked for data (Le present) can have data pending; a 61xx to the
        // tries query or a VERIFY is not followed, so it stays an error and no PIN goes out.
        if command.ne.is_none() {
            return Ok(response);
        }
        let mut data = std::mem::take(&mut response.data);
        let mut rounds = 0;
        while let StatusWord::BytesAvailable(n) = response.sw {
            rounds += 1;
            if rounds > MAX_GET_RESPONSE || data.len() > MAX_EF {
                return Err(JpkiError::Card {
                    what: "GET RESPONSE never ended",
                    sw: response.sw,
                });
            }
            let ne = if n == 0 { 256 } else { usize::from(n) };
            response = self.exchange(&commands::get_response(ne))?;
            data.append(&mut response.data);
        }
        response.data = data;
        Ok(response)
    }

    fn exchange(&mut self, command: &Command) -> Result<Response, JpkiError> {
        let bytes = command.to_bytes()?;
        let raw = self.transport.transmit(&bytes).inspect_err(|_| {
            // The card may have been reset or swapped: nothing is known to be selected.
            self.selected = Selection::default();
        })?;
        let response = Response::parse(&raw)?;
        trace!("apdu {command:?} -> {response:?}");
        Ok(response)
    }

    fn expect_ok(&mut self, command: &Command, what: &'static str) -> Result<Response, JpkiError> {
        let response = self.send(command)?;
        match response.sw {
            StatusWord::Success => Ok(response),
            sw => Err(JpkiError::Card { what, sw }),
        }
    }

    /// Selects the JPKI AP. `6A82`/`6A86` mean another card. Any other failure is sent once
    /// more: the first command after a power cycle may be answered `6F00` (myna-card's
    /// `transport/pcsc.rs`, docs/card-facts.md), and SELECT has no side effects.
    /// Not sent when this connection has the AP selected already.
    pub fn select_ap(&mut self) -> Result<(), JpkiError> {
        if self.selected.ap {
            return Ok(());
        }
        let command = commands::select_jpki_ap();
        let mut sw = self.send(&command)?.sw;
        if !matches!(
            sw,
            StatusWord::Success | StatusWord::FileNotFound | StatusWord::IncorrectP1P2
        ) {
            sw = self.send(&command)?.sw;
        }
        match sw {
            StatusWord::Success => {
                self.selected = Selection { ap: true, ef: None };
                Ok(())
            }
            _ => {
                self.selected = Selection::default();
                Err(JpkiError::NotJpki)
            }
        }
    }

    /// SELECT EF `ef` unless it is the selected one; the card's status word either way
    /// (`9000` when nothing was sent).
    fn select_ef_sw(&mut self, ef: Ef) -> Result<StatusWord, JpkiError> {
        if self.selected.ef == Some(ef) {
            return Ok(StatusWord::Success);
        }
        let sw = self.send(&commands::select_ef(ef))?.sw;
        self.selected.ef = (sw == StatusWord::Success).then_some(ef);
        Ok(sw)
    }

    fn select_ef(&mut self, ef: Ef) -> Result<(), JpkiError> {
        match self.select_ef_sw(ef)? {
            StatusWord::Success => Ok(()),
            sw => Err(JpkiError::Card {
                what: "SELECT EF",
                sw,
            }),
        }
    }

    /// Reads the certificate of `pair` by its DER length, in ≤ 256-byte chunks, ignoring any
    /// filler after the DER object (docs/card-facts.md §2, §5). The signing certificate needs the
    /// signing password first. A `6982` to the authentication certificate is followed by one
    /// read of the token label (unless read already): an Android phone guards even that
    /// certificate with the PIN, which gives [`JpkiError::CertificateAfterPin`]; any other label
    /// the `6982`.
    pub fn read_certificate(&mut self, pair: KeyPair) -> Result<Vec<u8>, JpkiError> {
        match self.read_certificate_once(pair) {
            Err(JpkiError::Card {
                sw: StatusWord::SecurityStatusNotSatisfied,
                what,
            }) if pair == KeyPair::Auth => Err(match self.learn_token_kind() {
                Some(TokenKind::Android) => JpkiError::CertificateAfterPin,
                _ => JpkiError::Card {
                    what,
                    sw: StatusWord::SecurityStatusNotSatisfied,
                },
            }),
            other => other,
        }
    }

    /// The token's kind: read from EF 0006 the first time an answer differs from the card's
    /// (never in the card's own sequences), remembered for this connection. `None` when the
    /// label cannot be read.
    fn learn_token_kind(&mut self) -> Option<TokenKind> {
        if self.token.is_none() {
            self.token_label().ok()?;
        }
        self.token
    }

    /// The token's kind if its label was read on this connection.
    pub fn known_token_kind(&self) -> Option<TokenKind> {
        self.token
    }

    fn read_certificate_once(&mut self, pair: KeyPair) -> Result<Vec<u8>, JpkiError> {
        match self.select_ef_sw(pair.cert())? {
            StatusWord::Success => {}
            StatusWord::FileNotFound if pair == KeyPair::Sign => {
                return Err(JpkiError::NoSigningCertificate)
            }
            sw => {
                return Err(JpkiError::Card {
                    what: "SELECT EF",
                    sw,
                })
            }
        }
        self.read_der()
    }

    fn read_der(&mut self) -> Result<Vec<u8>, JpkiError> {
        let mut out = Vec::new();
        let mut total: Option<usize> = None;
        loop {
            let wanted = match total {
                Some(total) => (total - out.len()).min(CHUNK),
                None => CHUNK,
            };
            let offset = u16::try_from(out.len())
                .map_err(|_| JpkiError::BadCertificate("too large".into()))?;
            let response = self.send(&commands::read_binary(offset, wanted))?;
            match response.sw {
                StatusWord::Success | StatusWord::EndOfFileWarning => {}
                sw => {
                    return Err(JpkiError::Card {
                        what: "READ BINARY",
                        sw,
                    })
                }
            }
            if response.data.is_empty() || response.data.len() > wanted {
                return Err(JpkiError::BadCertificate(format!(
                    "READ BINARY returned {} bytes for {wanted}",
                    response.data.len()
                )));
            }
            out.extend_from_slice(&response.data);
            if total.is_none() {
                total = der_length(&out)?;
            }
            match total {
                Some(total) if out.len() >= total => {
                    out.truncate(total);
                    return Ok(out);
                }
                // Header not complete yet (short reads): keep reading.
                _ if response.sw == StatusWord::EndOfFileWarning => {
                    return Err(JpkiError::BadCertificate(
                        "file ends inside the certificate".into(),
                    ))
                }
                _ => {}
            }
        }
    }

    /// Reads the tries left without spending one: SELECT the PIN EF (unless selected), then VERIFY
    /// with no data. The count is what [`Jpki::verify_pin`] needs; any earlier count is void.
    pub fn pin_status(&mut self, kind: PinKind) -> Result<TriesCount, JpkiError> {
        self.open_query = None;
        self.select_ef(pin_ef(kind))?;
        let response = self.send(&commands::query_tries())?;
        let status = match tries_status(response.sw) {
            Ok(status) => status,
            // No source shows a phone's answer to the tries query: on a token already known to be
            // a phone, one that is not the card's leaves the count unknown, never guessed
            // (docs/card-facts.md). Nothing more is read here: a card's sequence stays its own.
            Err(e) if self.token == Some(TokenKind::Android) => {
                trace!("tries query on a smartphone token: {e}");
                PinStatus::Unknown
            }
            Err(e) => return Err(e),
        };
        let query = TRIES_QUERIES.fetch_add(1, Ordering::Relaxed);
        self.open_query = Some(query);
        Ok(TriesCount {
            kind,
            status,
            query,
        })
    }

    /// VERIFY `pin` on its PIN EF, with the count the tries query just read on this connection
    /// (the caller's last-try guard has seen it). A blocked count sends nothing. Sent once; never
    /// retried: a second VERIFY or SIGN could spend a try or sign twice.
    pub fn verify_pin(&mut self, count: TriesCount, pin: Pin) -> Result<(), JpkiError> {
        if self.open_query.take() != Some(count.query) {
            return Err(JpkiError::StaleTriesCount(
                "the tries count is not the latest one read on this connection",
            ));
        }
        if count.kind != pin.kind() {
            return Err(JpkiError::StaleTriesCount(
                "the tries count is for the other PIN",
            ));
        }
        if count.status == PinStatus::Blocked {
            return Err(JpkiError::PinBlocked);
        }
        self.select_ef(pin_ef(pin.kind()))?;
        let response = self.send(&commands::verify(pin.bytes()))?;
        match response.sw {
            StatusWord::Success => Ok(()),
            // 63C0 from the try that used up the counter: now blocked (docs/card-facts.md §3). 6983
            // (ISO/IEC 7816-4 "authentication method blocked") is not seen from this card in any
            // source, but means the same wherever it is used (docs/card-facts.md).
            StatusWord::VerifyFailed { tries_left: 0 }
            | StatusWord::ReferenceDataBlocked
            | StatusWord::AuthMethodBlocked => Err(JpkiError::PinBlocked),
            StatusWord::VerifyFailed { tries_left } => Err(JpkiError::PinIncorrect { tries_left }),
            sw => Err(JpkiError::Card { what: "VERIFY", sw }),
        }
    }

    /// SELECT the key EF of `pair`, then SIGN the DigestInfo; returns the card's signature. The
    /// SELECT is sent before every SIGN, as jpki/myna's MPA host does (`mpa/src/main.rs`): a SIGN
    /// forgets the selection, since only one source says it survives one (docs/card-facts.md).
    /// One short APDU per signature.
    pub fn sign(&mut self, pair: KeyPair, digest_info: &[u8]) -> Result<Vec<u8>, JpkiError> {
        self.select_ef(pair.key())?;
        self.selected.ef = None;
        Ok(self.expect_ok(&commands::sign(digest_info), "SIGN")?.data)
    }

    /// Reads the token label (EF 0006, first 32 bytes, space-padded): `JPKIAPICCTOKEN2` on a
    /// My Number Card, `JPKIAPICCTOKEN` on a Juki card (docs/card-facts.md §1).
    pub fn token_label(&mut self) -> Result<String, JpkiError> {
        self.select_ef(Ef::Token)?;
        let data = self
            .expect_ok(&commands::read_binary(0, 32), "READ BINARY")?
            .data;
        let label = String::from_utf8_lossy(&data)
            .trim_end_matches([' ', '\0'])
            .to_string();
        self.token = Some(TokenKind::from_label(&label));
        Ok(label)
    }

    /// Whether a signing certificate exists, from EF 0008 byte 0 (myna-card's `ap/jpki.rs`,
    /// single-source): only `8F` (present) and `00` (absent) are known, so any other value, or a
    /// card without that EF, gives `None`.
    pub fn has_signing_certificate(&mut self) -> Result<Option<bool>, JpkiError> {
        if self.select_ef_sw(Ef::CertificateAvailability)? != StatusWord::Success {
            return Ok(None);
        }
        let response = self.send(&commands::read_binary(0, 3))?;
        match (response.sw, response.data.first()) {
            (StatusWord::Success, Some(0x8F)) => Ok(Some(true)),
            (StatusWord::Success, Some(0x00)) => Ok(Some(false)),
            _ => Ok(None),
        }
    }
}

fn pin_ef(kind: PinKind) -> Ef {
    match kind {
        PinKind::Auth => KeyPair::Auth.pin_ef(),
        PinKind::Sign => KeyPair::Sign.pin_ef(),
    }
}

/// What the status word of a tries query says.
fn tries_status(sw: StatusWord) -> Result<PinStatus, JpkiError> {
    match sw {
        StatusWord::VerifyFailed { tries_left: 0 }
        | StatusWord::ReferenceDataBlocked
        | StatusWord::AuthMethodBlocked => Ok(PinStatus::Blocked),
        StatusWord::VerifyFailed { tries_left } => Ok(PinStatus::TriesLeft(tries_left)),
        // Without a count the last-try guard could not act, so no VERIFY follows. ISO 7816
        // allows 9000 here for a verified PIN; the JPKI card never answers it (OpenSC PR #959).
        StatusWord::Success => Err(JpkiError::Card {
            what: "the tries query gave no count",
            sw: StatusWord::Success,
        }),
        sw => Err(JpkiError::Card {
            what: "VERIFY (tries query)",
            sw,
        }),
    }
}

/// Total length of the DER object at the start of `bytes`, or `None` if the header is incomplete.
fn der_length(bytes: &[u8]) -> Result<Option<usize>, JpkiError> {
    let bad = |why: &str| JpkiError::BadCertificate(why.to_string());
    if bytes.len() < 2 {
        return Ok(None);
    }
    if bytes[0] != 0x30 {
        return Err(bad("not a DER SEQUENCE"));
    }
    let first = bytes[1];
    let (header, length) = if first < 0x80 {
        (2, usize::from(first))
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 2 {
            return Err(bad("unsupported DER length"));
        }
        let Some(len_bytes) = bytes.get(2..2 + n) else {
            return Ok(None);
        };
        (
            2 + n,
            len_bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
        )
    };
    let total = header + length;
    if total > MAX_EF {
        return Err(bad("longer than an EF can be"));
    }
    Ok(Some(total))
}

/// The certificate a smartphone token released after the PIN must be a JPKI authentication
/// certificate (its certificatePolicies name the authentication policy, docs/card-facts.md §8)
/// before the token's signature goes back: the token chose what it gave, after the PIN.
pub fn check_auth_certificate(certificate: &[u8]) -> Result<(), JpkiError> {
    let bad = |why: &str| JpkiError::BadCertificate(why.to_string());
    let cert = Certificate::from_der(certificate).map_err(|e| bad(&e.to_string()))?;
    let policy =
        ObjectIdentifier::new(mynakey_types::AUTH_POLICY_OID).map_err(|e| bad(&e.to_string()))?;
    let policies = cert
        .tbs_certificate
        .get::<CertificatePolicies>()
        .map_err(|e| bad(&e.to_string()))?
        .map(|(_, p)| p)
        .ok_or_else(|| bad("no certificatePolicies"))?;
    if policies.0.iter().any(|p| p.policy_identifier == policy) {
        Ok(())
    } else {
        Err(bad("not a JPKI authentication certificate (policy)"))
    }
}

/// Self-check: the signature must verify under the certificate's public key before it leaves
/// the host. This shows the card used the key of that certificate; it is not trust.
pub fn self_check_signature(
    certificate: &[u8],
    algorithm: HashAlgorithm,
    hash: &[u8],
    signature: &[u8],
) -> Result<(), JpkiError> {
    let cert =
        Certificate::from_der(certificate).map_err(|e| JpkiError::BadCertificate(e.to_string()))?;
    let key = RsaPublicKey::try_from(cert.tbs_certificate.subject_public_key_info.owned_to_ref())
        .map_err(|e| JpkiError::BadCertificate(e.to_string()))?;
    let signature = Signature::try_from(signature).map_err(|_| JpkiError::BadSignature)?;
    let verified = match algorithm {
        HashAlgorithm::Sha256 => {
            VerifyingKey::<sha2::Sha256>::new(key).verify_prehash(hash, &signature)
        }
        HashAlgorithm::Sha384 => {
            VerifyingKey::<sha2::Sha384>::new(key).verify_prehash(hash, &signature)
        }
        HashAlgorithm::Sha512 => {
            VerifyingKey::<sha2::Sha512>::new(key).verify_prehash(hash, &signature)
        }
    };
    verified.map_err(|_| JpkiError::BadSignature)
}

#[cfg(test)]
mod selection_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_length_parses_headers() {
        assert_eq!(der_length(&[0x30]).unwrap(), None);
        assert_eq!(der_length(&[0x30, 0x05]).unwrap(), Some(7));
        assert_eq!(der_length(&[0x30, 0x82, 0x04]).unwrap(), None);
        assert_eq!(der_length(&[0x30, 0x82, 0x04, 0x01]).unwrap(), Some(1029));
        assert_eq!(der_length(&[0x30, 0x81, 0xF0]).unwrap(), Some(243));
        assert!(der_length(&[0x04, 0x05]).is_err());
        assert!(der_length(&[0x30, 0x80]).is_err());
        assert!(der_length(&[0x30, 0x83, 1, 0, 0]).is_err());
        assert!(der_length(&[0x30, 0x82, 0xFF, 0xFF]).is_err());
    }
}
