//! Use cases: status, prepare, login proof, signing. Policy lives here: formats checked before
//! any APDU, the last-try guard, one VERIFY per PIN the user typed, the card reset after a
//! verified PIN (once the reply is out), the card read ahead by `prepare`, and the held signing
//! session.

use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use log::{info, warn};

use crate::config::Config;
use mynakey_card::jpki::{self, Jpki, KeyPair, Pin, PinKind, PinStatus};
use mynakey_card::transport::{
    CancelToken, Connection, Disposition, ReaderState, Readers, TransportError,
};
use mynakey_types::secret::Secret;
use mynakey_types::{Challenge, HashAlgorithm, Hashes, Origin};

mod error;
mod operation;
mod prepare;

pub use error::OpsError;
pub use mynakey_protocol::args::*;
use mynakey_protocol::limits::HELD_SESSION_SECONDS;
use mynakey_protocol::{CardState, PcscState, PrepareAction, ProgressEvent};
pub use mynakey_protocol::{
    LoginProof, ReaderStatus, SignatureAlgorithm, Signatures, SigningCertificateResult, Status,
};
pub use operation::Operation;
use prepare::PreparedCard;

/// The held signing session ends after this long without the `sign` that uses it.
pub const HOLD_LIMIT: Duration = Duration::from_secs(HELD_SESSION_SECONDS);

/// Where a release of this host is described; part of every login proof (`appVersion`).
pub const APP_VERSION_URL: &str = concat!(
    "https://github.com/mynakey/mynakey/releases/",
    env!("CARGO_PKG_VERSION")
);

/// Progress events of a running request (`waitingForCard`, `cardInserted`).
pub trait Progress {
    fn event(&mut self, event: ProgressEvent);
}

impl<F: FnMut(ProgressEvent)> Progress for F {
    fn event(&mut self, event: ProgressEvent) {
        self(event)
    }
}

/// Context of one request: how to cancel it and where its progress goes.
pub struct RequestContext<'a> {
    pub cancel: CancelToken,
    pub progress: &'a mut dyn Progress,
}

/// The card kept connected, signing password verified, between `getSigningCertificate` with
/// `hold` and the `sign` that follows.
struct Held {
    card: Card,
    origin: Origin,
    certificate: Vec<u8>,
    deadline: Instant,
}

/// The JPKI AP over one connection; it remembers what the connection has selected.
type Card = Jpki<Box<dyn Connection>>;

/// A connection that is reset on every exit path once a PIN has been sent to it.
struct Session {
    card: Option<Card>,
    pin_sent: bool,
}

impl Session {
    fn new(connection: Box<dyn Connection>) -> Self {
        Self::with(Jpki::new(connection), false)
    }

    fn with(card: Card, pin_sent: bool) -> Self {
        Session {
            card: Some(card),
            pin_sent,
        }
    }

    fn jpki(&mut self) -> Result<&mut Card, OpsError> {
        self.card
            .as_mut()
            .ok_or_else(|| OpsError::Internal("session already closed".into()))
    }

    fn take(mut self) -> Option<Card> {
        self.card.take()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(card) = self.card.take() {
            let disposition = if self.pin_sent {
                Disposition::Reset
            } else {
                Disposition::Leave
            };
            if let Err(e) = card.into_transport().disconnect(disposition) {
                warn!("disconnect ({disposition:?}) failed: {e}");
            }
        }
    }
}

/// The use cases over one source of readers.
pub struct Ops {
    readers: Box<dyn Readers>,
    config: Config,
    held: Option<Held>,
    /// The card read by `prepare`, held for the request that follows.
    prepared: Option<PreparedCard>,
    /// The session of a request that succeeded: closed (reset) once its reply is out.
    closing: Option<Session>,
}

impl Ops {
    pub fn new(readers: Box<dyn Readers>, config: Config) -> Self {
        Ops {
            readers,
            config,
            held: None,
            prepared: None,
            closing: None,
        }
    }

    /// When the held session must be ended, if there is one.
    pub fn held_deadline(&self) -> Option<Instant> {
        self.held.as_ref().map(|h| h.deadline)
    }

    /// The next moment something held must be let go (held session or prepared card).
    pub fn next_deadline(&self) -> Option<Instant> {
        let prepared = self.prepared.as_ref().map(|p| p.deadline);
        match (self.held_deadline(), prepared) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Lets go of whatever is held past its deadline.
    pub fn expire(&mut self, now: Instant) {
        if self.held_deadline().is_some_and(|d| d <= now) {
            info!("the held signing session timed out");
            self.release_held();
        }
        if self.prepared.as_ref().is_some_and(|p| p.deadline <= now) {
            info!("the prepared card was not used in time; releasing it");
            self.prepared = None;
        }
    }

    /// Closes the session of the request just answered: the reply goes out first, the card's
    /// reset (unpower) after it, so the person does not wait for the reset.
    pub fn after_reply(&mut self) {
        drop(self.closing.take());
    }

    /// Before a request uses the card: the last reply's session closed, the held session ended.
    fn settle(&mut self) {
        self.after_reply();
        self.release_held();
    }

    /// Ends the held session (timeout, quit, EOF, or another request): the card is reset.
    pub fn release_held(&mut self) {
        if let Some(held) = self.held.take() {
            info!("ending the held signing session; resetting the card");
            if let Err(e) = held.card.into_transport().disconnect(Disposition::Reset) {
                warn!("reset after the held session failed: {e}");
            }
        }
    }

    /// Readers, cards, tries left. Spends no PIN try and reads no certificate.
    pub fn status(&mut self) -> Status {
        self.settle();
        self.prepared = None;
        let mut status = Status {
            version: env!("CARGO_PKG_VERSION").into(),
            protocol: mynakey_protocol::PROTOCOL_VERSION,
            pcsc: PcscState::Ok,
            pcsc_error: None,
            transport: self.readers.subsystem().into(),
            readers: Vec::new(),
        };
        let states = match self.list_readers() {
            Ok(states) => states,
            Err(why) => {
                status.pcsc = PcscState::Unavailable;
                status.pcsc_error = Some(why);
                return status;
            }
        };
        for state in states {
            status.readers.push(self.reader_status(&state));
        }
        status
    }

    /// The readers (none when there is no reader), or why the smart-card service did not answer.
    fn list_readers(&mut self) -> Result<Vec<ReaderState>, String> {
        match self.readers.list() {
            Ok(states) => Ok(states),
            Err(TransportError::NoReader) => Ok(Vec::new()),
            Err(e) => Err(e.to_string()),
        }
    }

    fn reader_status(&mut self, state: &ReaderState) -> ReaderStatus {
        let mut out = ReaderStatus {
            name: state.name.clone(),
            card: CardState::Absent,
            token_label: None,
            token_kind: None,
            auth_pin_tries_left: None,
            sign_pin_tries_left: None,
            has_signing_certificate: None,
        };
        if !state.card_present {
            return out;
        }
        let connection = match self.readers.connect(&state.name) {
            Ok(c) => c,
            Err(TransportError::CardBusy) => {
                out.card = CardState::Busy;
                return out;
            }
            Err(TransportError::CardUnresponsive) => {
                out.card = CardState::Other;
                return out;
            }
            Err(_) => return out,
        };
        let mut session = Session::new(connection);
        let Ok(card) = session.jpki() else {
            return out;
        };
        if card.select_ap().is_err() {
            out.card = CardState::Other;
            return out;
        }
        out.card = CardState::Jpki;
        let tries = |count: Result<jpki::TriesCount, _>| match count.map(|c| c.status()) {
            Ok(PinStatus::TriesLeft(n)) => Some(n),
            Ok(PinStatus::Blocked) => Some(0),
            Ok(PinStatus::Unknown) | Err(_) => None,
        };
        out.auth_pin_tries_left = tries(card.pin_status(PinKind::Auth));
        out.sign_pin_tries_left = tries(card.pin_status(PinKind::Sign));
        out.has_signing_certificate = card.has_signing_certificate().ok().flatten();
        out.token_label = card.token_label().ok();
        out.token_kind = card.known_token_kind();
        out
    }

    /// Finds the one JPKI card (by selecting its AID, never by ATR), waiting up to `timeout_ms`
    /// for one to be inserted. The returned connection has the JPKI AP selected.
    fn open_card(
        &mut self,
        reader: Option<&str>,
        timeout_ms: u64,
        ctx: &mut RequestContext<'_>,
    ) -> Result<Session, OpsError> {
        if timeout_ms > MAX_TIMEOUT_MS {
            return Err(OpsError::BadRequest(format!(
                "timeoutMs must be at most {MAX_TIMEOUT_MS}"
            )));
        }
        let deadline = Instant::now() + Duration::from_millis(timeout_ms);
        let mut announced_wait = false;
        loop {
            if ctx.cancel.is_cancelled() {
                return Err(OpsError::Cancelled);
            }
            let (states, service_down) = match self.readers.list() {
                Ok(states) => (states, None),
                Err(TransportError::NoReader) => (Vec::new(), None),
                // Windows stops its service with the last reader and starts it with the next;
                // pcscd may be restarting. A request that may wait, waits for it too.
                Err(TransportError::Unavailable(why)) if timeout_ms > 0 => (Vec::new(), Some(why)),
                Err(e) => return Err(e.into()),
            };
            let candidates: Vec<&ReaderState> = match reader {
                Some(name) => states.iter().filter(|s| s.name == name).collect(),
                None => states.iter().collect(),
            };
            let present: Vec<String> = candidates
                .iter()
                .filter(|s| s.card_present)
                .map(|s| s.name.clone())
                .collect();
            if present.is_empty() {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(match service_down {
                        Some(why) => OpsError::PcscUnavailable(why),
                        None => no_card_found(reader, &states, timeout_ms, candidates.is_empty()),
                    });
                }
                if !announced_wait {
                    announced_wait = true;
                    ctx.progress.event(ProgressEvent::WaitingForCard);
                }
                match self.readers.wait_for_change(&states, left, &ctx.cancel) {
                    Ok(()) | Err(TransportError::Timeout) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            if announced_wait {
                ctx.progress.event(ProgressEvent::CardInserted);
            }
            return self.select_jpki_card(present);
        }
    }

    fn select_jpki_card(&mut self, present: Vec<String>) -> Result<Session, OpsError> {
        let mut found: Vec<Session> = Vec::new();
        let mut busy = false;
        for name in &present {
            let connection = match self.readers.connect(name) {
                Ok(c) => c,
                Err(TransportError::CardBusy) => {
                    busy = true;
                    continue;
                }
                Err(TransportError::NoCard | TransportError::CardRemoved) => continue,
                // Upside down or not a smart card: not JPKI, but another reader may hold one.
                Err(TransportError::CardUnresponsive) => continue,
                Err(e) => return Err(e.into()),
            };
            let mut session = Session::new(connection);
            match session.jpki()?.select_ap() {
                Ok(()) => found.push(session),
                Err(jpki::JpkiError::NotJpki) => {}
                Err(e) => return Err(e.into()),
            }
        }
        match found.len() {
            1 => found
                .pop()
                .ok_or_else(|| OpsError::Internal("no session".into())),
            0 if busy => Err(OpsError::CardBusy),
            0 if present.is_empty() => Err(OpsError::NoCard),
            0 => Err(OpsError::NotJpkiCard),
            _ => Err(OpsError::MultipleCards(
                found
                    .iter()
                    .filter_map(|s| s.card.as_ref().map(|c| c.transport().reader().to_string()))
                    .collect(),
            )),
        }
    }

    /// The request's origin, parsed under this host's configuration.
    fn parse_origin(&self, origin: &str) -> Result<Origin, OpsError> {
        Origin::parse(origin, self.config.allow_development_origins)
            .map_err(|reason| OpsError::OriginInvalid(format!("origin {reason}")))
    }

    /// Checks the password's format, finds the card, verifies the password and reads the signing
    /// certificate (which the card releases only after the password, docs/card-facts.md §2).
    fn unlock_signing_key(
        &mut self,
        secret: &Secret,
        allow_last_try: bool,
        reader: Option<&str>,
        timeout_ms: u64,
        ctx: &mut RequestContext<'_>,
    ) -> Result<(Session, Vec<u8>), OpsError> {
        let pin = Pin::parse(PinKind::Sign, secret)?;
        self.settle();
        let (mut session, count) =
            match self.take_prepared(PrepareAction::Sign, reader, allow_last_try)? {
                Some(prepared) => (prepared.session, prepared.count),
                None => {
                    let mut session = self.open_card(reader, timeout_ms, ctx)?;
                    let count = session.jpki()?.pin_status(PinKind::Sign)?;
                    (session, count)
                }
            };
        Self::verify_pin(&mut session, count, pin, allow_last_try, &ctx.cancel)?;
        let certificate = session.jpki()?.read_certificate(KeyPair::Sign)?;
        Ok((session, certificate))
    }

    /// The last-try guard on a tries count just read from the card (or read by `prepare` on the
    /// connection still held), then exactly one VERIFY (which takes that count:
    /// [`Jpki::verify_pin`]).
    fn verify_pin(
        session: &mut Session,
        count: jpki::TriesCount,
        pin: Pin,
        allow_last_try: bool,
        cancel: &CancelToken,
    ) -> Result<(), OpsError> {
        last_try_guard(&count, allow_last_try)?;
        // A cancelled request spends no try.
        check_cancel(cancel)?;
        session.pin_sent = true;
        session.jpki()?.verify_pin(count, pin)?;
        Ok(())
    }

    /// A login proof for `origin` and `challenge` with the authentication key.
    pub fn authenticate(
        &mut self,
        args: AuthenticateArgs,
        ctx: &mut RequestContext<'_>,
    ) -> Result<LoginProof, OpsError> {
        let origin = self.parse_origin(&args.origin)?;
        let challenge = Challenge::parse(&args.challenge)
            .map_err(|reason| OpsError::ChallengeInvalid(format!("challenge {reason}")))?;
        let pin = Pin::parse(PinKind::Auth, &args.pin)?;
        self.settle();
        let reader = args.reader.as_deref();
        let prepared =
            self.take_prepared(PrepareAction::Authenticate, reader, args.allow_last_try)?;
        // Read ahead by `prepare` on the connection still held: only VERIFY, SELECT key and SIGN
        // are left. Otherwise the card is read now, in the same order.
        let (mut session, certificate, count) = match prepared {
            Some(PreparedCard {
                session,
                count,
                certificate,
                ..
            }) => (session, certificate, count),
            None => {
                let mut session = self.open_card(reader, args.timeout_ms, ctx)?;
                let (certificate, count) = read_before_pin(session.jpki()?)?;
                (session, certificate, count)
            }
        };
        Self::verify_pin(&mut session, count, pin, args.allow_last_try, &ctx.cancel)?;
        let certificate = match certificate {
            Some(certificate) => certificate,
            None => certificate_after_pin(session.jpki()?)?,
        };
        let signature = sign_hashes(
            &mut session,
            &ctx.cancel,
            KeyPair::Auth,
            &certificate,
            &Hashes::login(&origin, &challenge),
        )?;
        self.closing = Some(session);
        info!("login proof made");
        Ok(LoginProof {
            format: "web-eid:1.0".into(),
            unverified_certificate: STANDARD.encode(&certificate),
            algorithm: "RS256".into(),
            signature: STANDARD.encode(signature.first().map(Vec::as_slice).unwrap_or_default()),
            app_version: APP_VERSION_URL.into(),
        })
    }

    /// The signing certificate (readable only after the signing password). With `hold`, the
    /// verified card stays connected for one `sign` within [`HOLD_LIMIT`].
    pub fn get_signing_certificate(
        &mut self,
        args: GetSigningCertificateArgs,
        ctx: &mut RequestContext<'_>,
    ) -> Result<SigningCertificateResult, OpsError> {
        let origin = self.parse_origin(&args.origin)?;
        let (session, certificate) = self.unlock_signing_key(
            &args.pin,
            args.allow_last_try,
            args.reader.as_deref(),
            args.timeout_ms,
            ctx,
        )?;
        let encoded = STANDARD.encode(&certificate);
        if !args.hold {
            self.closing = Some(session);
        } else if let Some(card) = session.take() {
            info!("holding the card for the signature that follows");
            self.held = Some(Held {
                card,
                origin,
                certificate,
                deadline: Instant::now() + HOLD_LIMIT,
            });
        }
        Ok(SigningCertificateResult {
            certificate: encoded,
        })
    }

    /// Signs 1–100 hashes with the signing key, one password entry.
    pub fn sign(
        &mut self,
        args: SignArgs,
        ctx: &mut RequestContext<'_>,
    ) -> Result<Signatures, OpsError> {
        let origin = self.parse_origin(&args.origin)?;
        let algorithm = HashAlgorithm::from_name(&args.hash_algorithm).ok_or_else(|| {
            OpsError::BadRequest("hashAlgorithm must be SHA-256, SHA-384 or SHA-512".into())
        })?;
        let hashes = Hashes::decode(algorithm, &args.hashes)
            .map_err(|e| OpsError::BadRequest(e.to_string()))?;
        let expected =
            match &args.certificate {
                Some(b64) => Some(STANDARD.decode(b64).map_err(|_| {
                    OpsError::BadRequest("certificate is not standard base64".into())
                })?),
                None => None,
            };
        let (mut session, certificate) = match &args.pin {
            None => self.take_held(&origin, expected.as_deref())?,
            Some(secret) => self.open_for_signing(secret, &args, expected.as_deref(), ctx)?,
        };
        let signatures = sign_hashes(
            &mut session,
            &ctx.cancel,
            KeyPair::Sign,
            &certificate,
            &hashes,
        )?;
        self.closing = Some(session);
        info!("{} signature(s) made", signatures.len());
        Ok(Signatures {
            certificate: STANDARD.encode(&certificate),
            signatures: signatures.iter().map(|s| STANDARD.encode(s)).collect(),
            signature_algorithm: SignatureAlgorithm {
                crypto_algorithm: "RSA".into(),
                hash_function: algorithm.name().into(),
                padding_scheme: "PKCS1.5".into(),
            },
        })
    }

    fn open_for_signing(
        &mut self,
        secret: &Secret,
        args: &SignArgs,
        expected: Option<&[u8]>,
        ctx: &mut RequestContext<'_>,
    ) -> Result<(Session, Vec<u8>), OpsError> {
        let (session, certificate) = self.unlock_signing_key(
            secret,
            args.allow_last_try,
            args.reader.as_deref(),
            args.timeout_ms,
            ctx,
        )?;
        if expected.is_some_and(|e| e != certificate.as_slice()) {
            return Err(OpsError::CertificateMismatch);
        }
        Ok((session, certificate))
    }

    /// The held session, if it belongs to `origin` and holds `expected`. Any refusal ends the
    /// session (card reset): a verified card is not kept waiting for a request that went wrong.
    fn take_held(
        &mut self,
        origin: &Origin,
        expected: Option<&[u8]>,
    ) -> Result<(Session, Vec<u8>), OpsError> {
        let Some(held) = self.held.take() else {
            return Err(OpsError::BadRequest(
                "pin is required: no signing session is held (getSigningCertificate with hold first, \
                 and sign within 120 s)"
                    .into(),
            ));
        };
        let session = Session::with(held.card, true);
        if held.origin != *origin {
            return Err(OpsError::BadRequest(
                "the held signing session belongs to another origin".into(),
            ));
        }
        match expected {
            None => Err(OpsError::BadRequest(
                "certificate is required to sign in a held session".into(),
            )),
            Some(expected) if expected != held.certificate.as_slice() => {
                Err(OpsError::CertificateMismatch)
            }
            Some(_) => Ok((session, held.certificate)),
        }
    }
}

impl Drop for Ops {
    fn drop(&mut self) {
        self.settle();
    }
}

/// Why no card was found when the wait ended (or was not allowed), the service being up.
fn no_card_found(
    reader: Option<&str>,
    states: &[ReaderState],
    timeout_ms: u64,
    no_candidate: bool,
) -> OpsError {
    match (no_candidate, reader, timeout_ms) {
        (true, Some(name), _) => OpsError::ReaderNotFound {
            name: name.to_string(),
            readers: states.iter().map(|s| s.name.clone()).collect(),
        },
        (true, None, 0) => OpsError::NoReader("no card reader is connected".into()),
        (_, _, 0) => OpsError::NoCard,
        _ => OpsError::Timeout(format!("no card was inserted within {timeout_ms} ms")),
    }
}

/// Refuses the last try unless the request allows it; a blocked PIN is refused outright. An
/// unknown count (a smartphone token) might be the last try: it needs the same confirmation.
fn last_try_guard(count: &jpki::TriesCount, allow_last_try: bool) -> Result<(), OpsError> {
    match count.status() {
        PinStatus::Blocked => Err(OpsError::PinBlocked {
            tries_left: Some(0),
        }),
        PinStatus::TriesLeft(1) if !allow_last_try => Err(OpsError::PinLastTry),
        PinStatus::Unknown if !allow_last_try => Err(OpsError::PinTriesUnknown),
        PinStatus::TriesLeft(_) | PinStatus::Unknown => Ok(()),
    }
}

/// What a login reads before the PIN: the authentication certificate (`None` from a smartphone
/// token, which releases it only after the PIN), then the PIN's tries count. On a card this is
/// the card's own sequence: the token label is read only after a `6982`.
pub(super) fn read_before_pin(
    card: &mut Card,
) -> Result<(Option<Vec<u8>>, jpki::TriesCount), OpsError> {
    let certificate = match card.read_certificate(KeyPair::Auth) {
        Ok(certificate) => Some(certificate),
        Err(jpki::JpkiError::CertificateAfterPin) => None,
        Err(e) => return Err(e.into()),
    };
    Ok((certificate, card.pin_status(PinKind::Auth)?))
}

/// A smartphone token's authentication certificate, read after the PIN and checked to be a JPKI
/// authentication certificate before anything is signed with its key.
fn certificate_after_pin(card: &mut Card) -> Result<Vec<u8>, OpsError> {
    let certificate = card.read_certificate(KeyPair::Auth)?;
    jpki::check_auth_certificate(&certificate)?;
    Ok(certificate)
}

/// Cancellation is honoured between card commands: before VERIFY and before every SIGN.
fn check_cancel(cancel: &CancelToken) -> Result<(), OpsError> {
    if cancel.is_cancelled() {
        return Err(OpsError::Cancelled);
    }
    Ok(())
}

/// One SELECT key + SIGN per hash ([`Jpki::sign`]); every signature is self-checked against
/// the certificate before it leaves the host.
fn sign_hashes(
    session: &mut Session,
    cancel: &CancelToken,
    pair: KeyPair,
    certificate: &[u8],
    hashes: &Hashes,
) -> Result<Vec<Vec<u8>>, OpsError> {
    let card = session.jpki()?;
    let mut signatures = Vec::with_capacity(hashes.len());
    for (hash, digest_info) in hashes.with_digest_infos() {
        check_cancel(cancel)?;
        let signature = card.sign(pair, &digest_info)?;
        jpki::self_check_signature(certificate, hashes.algorithm(), hash, &signature)?;
        signatures.push(signature);
    }
    Ok(signatures)
}

#[cfg(test)]
mod service_tests;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod android_tests;
