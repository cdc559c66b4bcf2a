//! The PC/SC adapter: card readers through pcscd (Linux, BSD), CryptoTokenKit's PC/SC layer
//! (macOS) or the Smart Card service (Windows). The only code that names the `pcsc` crate.
//!
//! - Connections are **exclusive**: no other program can talk to the card while the host holds
//!   it (another holder gives [`TransportError::CardBusy`] once it has not let go within a
//!   second), so a held signing session keeps its verified password to itself.
//! - A connection ends with the disposition ops asks for. Dropping a `pcsc::Card` resets the
//!   card, so [`Disposition::Leave`] disconnects explicitly with `SCARD_LEAVE_CARD`;
//!   [`Disposition::Reset`] powers the card down (`SCARD_UNPOWER_CARD`), which surely ends a
//!   verified PIN, where a warm reset might not (docs/card-facts.md §3).
//! - Waiting for a card or a reader blocks in `SCardGetStatusChange` (with the
//!   `\\?PnP?\Notification` pseudo-reader, so a newly plugged reader wakes it too) and is ended
//!   early by `SCardCancel` from the thread that reads stdin. No polling loop, except on
//!   platforms without PnP notification, where new readers are looked for once a second.
//! - The service may go away and come back under a long-lived host: pcscd restarts, and Windows
//!   stops its Smart Card service when the last reader is removed and starts it again when one
//!   is plugged in (docs/pcsc.md). A context the service no longer knows is dropped and a new one
//!   established on the next call; a wait while the service is down looks for it again every
//!   [`SERVICE_POLL`] instead of failing.
//! - Every PC/SC call goes through the [`api`] traits, so the tests' [`fake`] PC/SC (a service
//!   that stops and comes back) runs this same code.

use std::collections::HashMap;
use std::ffi::CString;
use std::time::{Duration, Instant};

use log::{debug, info, warn};
use pcsc::{Error as PcscError, State, PNP_NOTIFICATION};

use super::{
    CancelToken, Connection, Disposition, ReaderState, Readers, Transport, TransportError,
};

pub mod api;
#[cfg(any(test, feature = "test-support"))]
pub mod fake;
#[cfg(test)]
mod tests;

pub use api::{PcscApi, PcscCard, PcscContext, ReaderWatch, Winscard};

/// How long to wait, after an ambiguous transmit error, for PC/SC to report that the card left.
/// pcscd looks at a reader every 400 ms (docs/card-facts.md T3), so a removal can take that long
/// to show.
const REMOVAL_GRACE: Duration = Duration::from_millis(1000);

/// Where new readers are looked for when the platform has no PnP notification.
const NO_PNP_POLL: Duration = Duration::from_secs(1);

/// How often a wait looks for a service that is down: a stopped service cannot be waited on
/// (Windows starts it again when a reader is plugged in; pcscd's socket starts it on demand).
pub const SERVICE_POLL: Duration = Duration::from_millis(500);

/// The PC/SC readers of this computer (or of the tests' fake PC/SC).
pub struct PcscReaders<A: PcscApi = Winscard> {
    api: A,
    context: Option<A::Context>,
    /// Reader names as PC/SC spells them (they are C strings there).
    names: HashMap<String, CString>,
}

impl Default for PcscReaders {
    fn default() -> Self {
        Self::new()
    }
}

impl PcscReaders {
    /// No context yet: the host starts (and answers `status`) even while the service is down.
    pub fn new() -> Self {
        Self::with_api(Winscard)
    }
}

impl<A: PcscApi> PcscReaders<A> {
    pub fn with_api(api: A) -> Self {
        PcscReaders {
            api,
            context: None,
            names: HashMap::new(),
        }
    }

    fn raw_context(&mut self) -> Result<A::Context, PcscError> {
        if let Some(context) = &self.context {
            return Ok(context.clone());
        }
        let context = self
            .api
            .establish()
            .inspect_err(|e| debug!("SCardEstablishContext: {e:?}"))?;
        debug!("PC/SC context established");
        self.context = Some(context.clone());
        Ok(context)
    }

    /// Runs `call` on the context; if the service forgot the context (pcscd restarted), runs it
    /// once more on a new one.
    fn with_context<T>(
        &mut self,
        mut call: impl FnMut(&A::Context) -> Result<T, PcscError>,
    ) -> Result<T, PcscError> {
        let context = self.raw_context()?;
        match call(&context) {
            Err(e) if service_lost(e) => {
                info!("PC/SC service lost the context ({e:?}); establishing a new one");
                self.context = None;
                call(&self.raw_context()?)
            }
            other => other,
        }
    }

    fn reader_names(&mut self) -> Result<Vec<CString>, TransportError> {
        self.list_names().map_err(map_error)
    }

    /// The readers' names (none is not an error), with PC/SC's own error for the caller to map.
    fn list_names(&mut self) -> Result<Vec<CString>, PcscError> {
        match self.with_context(|c| c.list_readers()) {
            Err(PcscError::NoReadersAvailable) => Ok(Vec::new()),
            other => other,
        }
    }

    fn c_name(&self, reader: &str) -> Option<CString> {
        self.names
            .get(reader)
            .cloned()
            .or_else(|| CString::new(reader).ok())
    }
}

impl<A: PcscApi> Readers for PcscReaders<A> {
    fn subsystem(&self) -> &'static str {
        "pcsc"
    }

    fn list(&mut self) -> Result<Vec<ReaderState>, TransportError> {
        // A reader can vanish between listing and asking for its state: list again then.
        let mut last = TransportError::NoReader;
        for _ in 0..3 {
            let names = self.reader_names()?;
            if names.is_empty() {
                self.names.clear();
                return Ok(Vec::new());
            }
            let mut states = watches::<A::Context>(&names);
            match self.with_context(|c| c.get_status_change(Duration::ZERO, &mut states)) {
                Ok(()) => {
                    self.names = names
                        .iter()
                        .map(|n| (n.to_string_lossy().into_owned(), n.clone()))
                        .collect();
                    return Ok(states
                        .iter()
                        .map(|s| ReaderState {
                            name: s.name().to_string_lossy().into_owned(),
                            card_present: s.event_state().contains(State::PRESENT),
                        })
                        .collect());
                }
                Err(e @ (PcscError::UnknownReader | PcscError::ReaderUnavailable)) => {
                    last = map_error(e)
                }
                Err(e) => return Err(map_error(e)),
            }
        }
        Err(last)
    }

    fn connect(&mut self, reader: &str) -> Result<Box<dyn Connection>, TransportError> {
        let name = self
            .c_name(reader)
            .ok_or_else(|| TransportError::UnknownReader(reader.to_string()))?;
        let card = self.connect_when_released(&name).map_err(|e| match e {
            PcscError::UnknownReader | PcscError::ReaderUnavailable => {
                TransportError::UnknownReader(reader.into())
            }
            PcscError::NoSmartcard | PcscError::RemovedCard => TransportError::NoCard,
            e => map_error(e),
        })?;
        let context = self.raw_context().map_err(unavailable)?;
        debug!("connected exclusively to {reader:?}");
        Ok(Box::new(PcscConnection::<A::Context> {
            card: Some(card),
            context,
            name,
            reader: reader.to_string(),
            buffer: vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED],
        }))
    }

    fn wait_for_change(
        &mut self,
        known: &[ReaderState],
        timeout: Duration,
        cancel: &CancelToken,
    ) -> Result<(), TransportError> {
        if cancel.is_cancelled() {
            return Err(TransportError::Cancelled);
        }
        let context = match self.raw_context() {
            Ok(context) => context,
            Err(e) => {
                debug!("no PC/SC service to wait on ({e:?}); looking again in {SERVICE_POLL:?}");
                return pause(known, timeout, cancel);
            }
        };
        let hook = context.clone();
        cancel.on_cancel(Box::new(move || {
            // SCardCancel ends a SCardGetStatusChange blocked on this context (another thread).
            if let Err(e) = hook.cancel() {
                debug!("SCardCancel: {e:?}");
            }
        }));
        if cancel.is_cancelled() {
            return Err(TransportError::Cancelled);
        }
        match self.wait_on(&context, known, timeout, cancel) {
            Ok(()) => Ok(()),
            // A reader went away meanwhile: the caller lists again.
            Err(PcscError::UnknownReader | PcscError::ReaderUnavailable) => Ok(()),
            Err(e) if service_went_away(&context, e) => {
                info!("PC/SC service went away during the wait ({e:?}); a new context follows");
                self.context = None;
                pause(known, timeout, cancel)
            }
            Err(e) => Err(map_error(e)),
        }
    }
}

impl<A: PcscApi> PcscReaders<A> {
    /// The wait itself, on a live context. Its end is PC/SC's: `Ok` for a change,
    /// `Timeout`, `Cancelled`, or the error of the call that failed.
    fn wait_on(
        &mut self,
        context: &A::Context,
        known: &[ReaderState],
        timeout: Duration,
        cancel: &CancelToken,
    ) -> Result<(), PcscError> {
        let names = self.list_names()?;
        let listed: Vec<String> = names
            .iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        if listed != known.iter().map(|s| s.name.clone()).collect::<Vec<_>>() {
            return Ok(());
        }
        let mut states = watches::<A::Context>(&names);
        states.push(ReaderWatch::unaware(PNP_NOTIFICATION().to_owned()));
        // The current state first, so a change since `known` was taken is not waited for.
        let Some(mut pnp) = current_states(context, &mut states)? else {
            return Ok(());
        };
        for (state, was) in states.iter().zip(known) {
            if state.event_state().contains(State::PRESENT) != was.card_present {
                return Ok(());
            }
        }
        // Or it flags the pseudo-reader as unknown.
        if pnp
            && states
                .last()
                .is_some_and(|s| s.event_state().intersects(State::UNKNOWN | State::IGNORE))
        {
            states.pop();
            pnp = false;
        }
        // Bounded slices: a cancel landing between the check below and the blocking call would
        // otherwise be lost until the request's whole timeout; the caller simply waits again.
        let mut wait = timeout.min(CANCEL_SAFETY_SLICE);
        if !pnp {
            // No notification of new readers: look again once a second.
            wait = wait.min(NO_PNP_POLL);
            if states.is_empty() {
                return Err(if cancel.sleep(wait) {
                    PcscError::Cancelled
                } else {
                    PcscError::Timeout
                });
            }
        }
        debug!("waiting up to {wait:?} for a card or reader change (PnP notification: {pnp})");
        for state in &mut states {
            state.sync_current_state();
        }
        if cancel.is_cancelled() {
            return Err(PcscError::Cancelled);
        }
        context.get_status_change(wait, &mut states)
    }

    /// Connects exclusively. A card another connection still holds is waited for up to
    /// [`RELEASE_WAIT`]: a host answers first and resets the card after its reply, so the next
    /// request (often from a new host process) may arrive while that reset is still running.
    fn connect_when_released(
        &mut self,
        name: &CString,
    ) -> Result<<A::Context as PcscContext>::Card, PcscError> {
        let deadline = Instant::now() + RELEASE_WAIT;
        loop {
            match self.with_context(|c| c.connect(name)) {
                Err(PcscError::SharingViolation) if Instant::now() < deadline => {
                    debug!("{name:?} is held by another connection; waiting for its release");
                    let context = self.raw_context()?;
                    wait_for_release(&context, name, deadline);
                }
                other => return other,
            }
        }
    }
}

/// The service is gone from under a wait. pcscd dying (or shutting down) shows up as CommError or
/// SecurityViolation rather than NoService, in the zero-timeout query before the blocking one as
/// well as in it; Windows answers ServiceStopped when it stops the service with the last reader
/// (or SystemCancelled, as at log-off); and a context the service no longer knows says the same.
fn service_went_away(context: &impl PcscContext, e: PcscError) -> bool {
    service_lost(e)
        || matches!(e, PcscError::SecurityViolation | PcscError::SystemCancelled)
        || !context.is_valid()
}

/// A wait with no service to wait on. Readers the caller knew went with the service: that is a
/// change, and the caller lists again. With none known, the service is looked for again after
/// [`SERVICE_POLL`] (the slice ends as a `Timeout`, and the caller waits again).
fn pause(
    known: &[ReaderState],
    timeout: Duration,
    cancel: &CancelToken,
) -> Result<(), TransportError> {
    if !known.is_empty() {
        return Ok(());
    }
    if cancel.sleep(timeout.min(SERVICE_POLL)) {
        Err(TransportError::Cancelled)
    } else {
        Err(TransportError::Timeout)
    }
}

/// A watch per reader, state not known yet.
fn watches<C: PcscContext>(names: &[CString]) -> Vec<C::Watch> {
    names.iter().cloned().map(ReaderWatch::unaware).collect()
}

/// How long `connect` waits for another connection to let the card go before `CardBusy`.
const RELEASE_WAIT: Duration = Duration::from_millis(1000);

/// Blocks until the reader's state changes (the other connection ends, the card goes) or a short
/// slice passes: not every PC/SC stack reports the end of an exclusive connection as a change.
fn wait_for_release<C: PcscContext>(context: &C, name: &CString, deadline: Instant) {
    let mut state = [C::Watch::unaware(name.clone())];
    if context
        .get_status_change(Duration::ZERO, &mut state)
        .is_err()
        || !state[0].event_state().contains(State::EXCLUSIVE)
    {
        return;
    }
    state[0].sync_current_state();
    let slice = deadline
        .saturating_duration_since(Instant::now())
        .min(Duration::from_millis(50));
    let _ = context.get_status_change(slice, &mut state);
}

/// Longest single SCardGetStatusChange; see `wait_for_change`. pcsc-lite ignores an SCardCancel
/// that arrives before the wait has started inside the library (the context is not "cancellable"
/// yet), so a cancel sent right after `waitingForCard` can be lost: the slice bounds how late it
/// is honoured. One zero-timeout status query per slice is the whole cost.
const CANCEL_SAFETY_SLICE: Duration = Duration::from_millis(500);

/// An exclusive connection to the card in one reader.
struct PcscConnection<C: PcscContext> {
    /// `None` only after disconnecting.
    card: Option<C::Card>,
    context: C,
    name: CString,
    reader: String,
    buffer: Vec<u8>,
}

impl<C: PcscContext> PcscConnection<C> {
    /// After a transmit error that does not say what happened (`SCARD_E_NOT_TRANSACTED`,
    /// `SCARD_F_COMM_ERROR`…): did the card leave? Waits up to [`REMOVAL_GRACE`] for PC/SC to
    /// notice, since readers report removal on their next poll.
    fn card_left(&self) -> bool {
        let mut state = [C::Watch::unaware(self.name.clone())];
        if self
            .context
            .get_status_change(Duration::ZERO, &mut state)
            .is_err()
        {
            return true;
        }
        let gone = |s: &C::Watch| !s.event_state().contains(State::PRESENT);
        if gone(&state[0]) {
            return true;
        }
        let count = state[0].event_count();
        state[0].sync_current_state();
        match self.context.get_status_change(REMOVAL_GRACE, &mut state) {
            Ok(()) => {
                gone(&state[0]) || state[0].event_count() != count || self.status_says_removed()
            }
            Err(PcscError::Timeout) => self.status_says_removed(),
            Err(_) => true,
        }
    }

    /// `SCardStatus` reports a removal or reset since this handle connected.
    fn status_says_removed(&self) -> bool {
        match self.card.as_ref().map(PcscCard::present) {
            Some(Err(PcscError::RemovedCard | PcscError::ResetCard | PcscError::NoSmartcard)) => {
                true
            }
            Some(Ok(present)) => !present,
            _ => false,
        }
    }
}

impl<C: PcscContext> Transport for PcscConnection<C> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let Some(card) = self.card.as_ref() else {
            return Err(TransportError::Communication(
                "the connection is closed".into(),
            ));
        };
        let error = match card.transmit(command, &mut self.buffer) {
            Ok(response) if response.len() >= 2 => return Ok(response.to_vec()),
            // No status word: the reader lost the card mid-command (vpcd reports a closed
            // socket this way) or the line is garbled.
            Ok(response) => {
                let n = response.len();
                warn!("SCardTransmit on {:?}: {n}-byte response", self.reader);
                return Err(if self.card_left() {
                    TransportError::CardRemoved
                } else {
                    TransportError::Communication(format!(
                        "the reader returned {n} bytes, no status word"
                    ))
                });
            }
            Err(e) => e,
        };
        warn!("SCardTransmit on {:?}: {error:?}", self.reader);
        Err(match error {
            PcscError::RemovedCard
            | PcscError::ResetCard
            | PcscError::NoSmartcard
            | PcscError::ReaderUnavailable
            | PcscError::UnknownReader => TransportError::CardRemoved,
            PcscError::NotTransacted
            | PcscError::CommError
            | PcscError::CommDataLost
            | PcscError::UnresponsiveCard
            | PcscError::UnpoweredCard
            | PcscError::UnknownError
            | PcscError::InternalError
            // The service went away (on Windows, with the last reader): the card with it, unless
            // the service only restarted, which the status query on this context cannot tell.
            | PcscError::NoService
            | PcscError::ServiceStopped
            | PcscError::InvalidHandle
                if self.card_left() =>
            {
                TransportError::CardRemoved
            }
            e => map_error(e),
        })
    }
}

impl<C: PcscContext> Connection for PcscConnection<C> {
    fn reader(&self) -> &str {
        &self.reader
    }

    fn disconnect(mut self: Box<Self>, disposition: Disposition) -> Result<(), TransportError> {
        let Some(card) = self.card.take() else {
            return Ok(());
        };
        let how = match disposition {
            Disposition::Leave => pcsc::Disposition::LeaveCard,
            // Unpower, not a warm reset: one report says a warm reset leaves the verified PIN
            // in force on the real card (docs/card-facts.md §3, single-source); losing power clears it.
            Disposition::Reset => pcsc::Disposition::UnpowerCard,
        };
        debug!("disconnecting from {:?} ({disposition:?})", self.reader);
        match card.disconnect(how) {
            Ok(()) => Ok(()),
            // Dropping the card disconnects it with a reset: the safe way out either way.
            Err((card, e)) => {
                drop(card);
                match e {
                    PcscError::RemovedCard
                    | PcscError::NoSmartcard
                    | PcscError::ReaderUnavailable => Ok(()),
                    e => Err(map_error(e)),
                }
            }
        }
    }
}

/// The service is not there (not installed, not running, or stopped since the context was made).
fn unavailable(e: PcscError) -> TransportError {
    let why = match e {
        PcscError::NoService => "it is not running",
        PcscError::ServiceStopped => "it stopped",
        PcscError::NoAccess => "access to it was denied",
        _ => "it cannot be reached",
    };
    TransportError::Unavailable(format!("{why} ({e})"))
}

fn service_lost(e: PcscError) -> bool {
    matches!(
        e,
        PcscError::NoService
            | PcscError::ServiceStopped
            | PcscError::InvalidHandle
            | PcscError::CommError
    )
}

/// One `TransportError` per kind of PC/SC failure. Callers handle the errors whose meaning
/// depends on the call (a missing card at connect vs. during a transmit) before this.
fn map_error(e: PcscError) -> TransportError {
    match e {
        PcscError::NoService
        | PcscError::ServiceStopped
        | PcscError::NoAccess
        | PcscError::InvalidHandle => unavailable(e),
        PcscError::NoReadersAvailable => TransportError::NoReader,
        PcscError::UnknownReader | PcscError::ReaderUnavailable => {
            TransportError::UnknownReader(String::new())
        }
        PcscError::NoSmartcard => TransportError::NoCard,
        PcscError::RemovedCard | PcscError::ResetCard => TransportError::CardRemoved,
        PcscError::SharingViolation => TransportError::CardBusy,
        PcscError::UnresponsiveCard
        | PcscError::UnpoweredCard
        | PcscError::UnsupportedCard
        | PcscError::CardUnsupported => TransportError::CardUnresponsive,
        PcscError::Timeout => TransportError::Timeout,
        PcscError::Cancelled => TransportError::Cancelled,
        e => TransportError::Communication(format!("PC/SC: {e} ({e:?})")),
    }
}

/// Reads the readers' current states (and the PnP pseudo-reader's, last in `states`). Returns
/// whether PnP notification is available (`states` loses the pseudo-reader when not), or
/// `None` when a real reader went away meanwhile: the caller lists again.
fn current_states<C: PcscContext>(
    context: &C,
    states: &mut Vec<C::Watch>,
) -> Result<Option<bool>, PcscError> {
    match context.get_status_change(Duration::ZERO, states) {
        Ok(()) | Err(PcscError::Timeout) => Ok(Some(true)),
        // A service without PnP notification may refuse the pseudo-reader by name.
        Err(PcscError::UnknownReader | PcscError::ReaderUnavailable) => {
            states.pop();
            match context.get_status_change(Duration::ZERO, states) {
                Ok(()) | Err(PcscError::Timeout) => Ok(Some(false)),
                Err(PcscError::UnknownReader | PcscError::ReaderUnavailable) => Ok(None),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}
