//! `prepare`: the card read while the person types, so that after the PIN only the commands that
//! need it are left. For a login the authentication certificate and the PIN's tries count are
//! read (after the PIN: VERIFY, SELECT key, SIGN); for signing only the password's tries count,
//! since the signing certificate is readable only after the password (docs/card-facts.md §2).
//!
//! The connection stays open, exclusively, for the request that follows, at most
//! [`PREPARED_HOLD`]. Nothing else can reach the card meanwhile, and a card pulled or swapped
//! invalidates the connection (PC/SC answers every later command with "removed"), so the VERIFY
//! goes to the card whose certificate and tries count were read, or nowhere.

use std::time::{Duration, Instant};

use log::info;

use super::{last_try_guard, read_before_pin, Ops, OpsError, Session};
use mynakey_card::jpki::{PinKind, PinStatus, TriesCount};
use mynakey_card::transport::ReaderState;
use mynakey_protocol::args::PrepareArgs;
use mynakey_protocol::limits::PREPARED_HOLD_SECONDS;
use mynakey_protocol::{
    CardState, PcscState, PrepareAction, PrepareResult, Prepared, ReaderStatus,
};

/// How long a prepared card is held when no request comes.
pub const PREPARED_HOLD: Duration = Duration::from_secs(PREPARED_HOLD_SECONDS);

/// A card read ahead and held for one request of `action`.
pub(super) struct PreparedCard {
    /// Never had a PIN: left as it is (not reset) when released unused.
    pub session: Session,
    pub action: PrepareAction,
    pub reader: String,
    /// Read last on this connection: what the next VERIFY needs.
    pub count: TriesCount,
    /// The authentication certificate (login on a card; a smartphone token gives it only after
    /// the PIN).
    pub certificate: Option<Vec<u8>>,
    pub deadline: Instant,
}

impl Ops {
    /// Finds the one JPKI card (in `reader` if given), reads what `action` needs before the PIN
    /// and holds the card. Never waits for a card and never fails: what it found is in the readers.
    pub fn prepare(&mut self, args: PrepareArgs) -> PrepareResult {
        self.settle();
        self.prepared = None;
        let mut result = PrepareResult {
            pcsc: PcscState::Ok,
            pcsc_error: None,
            readers: Vec::new(),
            prepared: None,
        };
        let states = match self.list_readers() {
            Ok(states) => states,
            Err(why) => {
                result.pcsc = PcscState::Unavailable;
                result.pcsc_error = Some(why);
                return result;
            }
        };
        let wanted = |name: &str| args.reader.as_deref().is_none_or(|r| r == name);
        let present: Vec<String> = states
            .iter()
            .filter(|s| s.card_present && wanted(&s.name))
            .map(|s| s.name.clone())
            .collect();
        result.readers = states.iter().map(unsearched).collect();
        let found = if present.is_empty() {
            Err(OpsError::NoCard)
        } else {
            self.select_jpki_card(present.clone())
        };
        let mut session = match found {
            Ok(session) => session,
            Err(e) => {
                show_search_failure(&mut result, e, present);
                return result;
            }
        };
        let Some(reader) = session
            .jpki()
            .ok()
            .map(|c| c.transport().reader().to_string())
        else {
            return result;
        };
        let Some(status) = result.readers.iter_mut().find(|r| r.name == reader) else {
            return result;
        };
        status.card = CardState::Jpki;
        let Ok((certificate, count)) = read_ahead(&mut session, args.action, status) else {
            return result;
        };
        let usable =
            count.status() != PinStatus::Blocked && status.has_signing_certificate != Some(false);
        if usable {
            info!("card in {reader:?} read ahead for {}", args.action.as_str());
            result.prepared = Some(Prepared {
                reader: reader.clone(),
                action: args.action,
                hold_ms: PREPARED_HOLD.as_millis() as u64,
            });
            self.prepared = Some(PreparedCard {
                session,
                action: args.action,
                reader,
                count,
                certificate,
                deadline: Instant::now() + PREPARED_HOLD,
            });
        }
        result
    }

    /// The prepared card, if it was read for `action` in `reader` (any reader when `None`) and
    /// is still within its hold. Any other prepared card is released first, so the request can
    /// connect. A last try is refused here, before the prepared card is given up.
    pub(super) fn take_prepared(
        &mut self,
        action: PrepareAction,
        reader: Option<&str>,
        allow_last_try: bool,
    ) -> Result<Option<PreparedCard>, OpsError> {
        let Some(prepared) = self.prepared.take() else {
            return Ok(None);
        };
        let fits = prepared.action == action
            && reader.is_none_or(|r| r == prepared.reader)
            && prepared.deadline > Instant::now();
        if !fits {
            return Ok(None);
        }
        if let Err(e) = last_try_guard(&prepared.count, allow_last_try) {
            // Kept for the confirmed retry: nothing was sent to the card.
            self.prepared = Some(prepared);
            return Err(e);
        }
        Ok(Some(prepared))
    }
}

/// What a reader shows unless the search for the JPKI card learns more.
fn unsearched(state: &ReaderState) -> ReaderStatus {
    ReaderStatus {
        name: state.name.clone(),
        card: if state.card_present {
            CardState::Other
        } else {
            CardState::Absent
        },
        token_label: None,
        token_kind: None,
        auth_pin_tries_left: None,
        sign_pin_tries_left: None,
        has_signing_certificate: None,
    }
}

/// Why no card was prepared, in the readers' states (the window shows them as `status` would).
fn show_search_failure(result: &mut PrepareResult, e: OpsError, present: Vec<String>) {
    let (names, card) = match e {
        OpsError::MultipleCards(names) => (names, CardState::Jpki),
        OpsError::CardBusy => (present, CardState::Busy),
        OpsError::PcscUnavailable(why) => {
            result.pcsc = PcscState::Unavailable;
            result.pcsc_error = Some(why);
            return;
        }
        _ => return,
    };
    for r in result
        .readers
        .iter_mut()
        .filter(|r| names.contains(&r.name))
    {
        r.card = card;
    }
}

/// Reads what `action` needs before the PIN, into `status` too. The tries query comes last, so
/// the PIN EF stays selected for the VERIFY.
fn read_ahead(
    session: &mut Session,
    action: PrepareAction,
    status: &mut ReaderStatus,
) -> Result<(Option<Vec<u8>>, TriesCount), OpsError> {
    let card = session.jpki()?;
    let (certificate, count, kind) = match action {
        PrepareAction::Authenticate => {
            let (certificate, count) = read_before_pin(card)?;
            (certificate, count, PinKind::Auth)
        }
        PrepareAction::Sign => {
            status.has_signing_certificate = card.has_signing_certificate()?;
            // The signing password comes before any certificate on both kinds of token, so only
            // the label tells the window that a phone is on the reader.
            status.token_label = card.token_label().ok();
            (None, card.pin_status(PinKind::Sign)?, PinKind::Sign)
        }
    };
    status.token_kind = card.known_token_kind();
    let tries = match count.status() {
        PinStatus::TriesLeft(n) => Some(n),
        PinStatus::Blocked => Some(0),
        PinStatus::Unknown => None,
    };
    match kind {
        PinKind::Auth => status.auth_pin_tries_left = tries,
        PinKind::Sign => status.sign_pin_tries_left = tries,
    }
    Ok((certificate, count))
}

#[cfg(test)]
mod tests;
