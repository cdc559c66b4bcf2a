//! The PC/SC calls the adapter makes, as traits: [`Winscard`] is the system's (the `pcsc` crate:
//! winscard.dll, pcsc-lite, PCSC.framework); the tests' [`super::fake::FakePcsc`] can stop and
//! restart its service. The waiting and re-establishing logic in [`super::PcscReaders`] is the
//! same code over both.

use std::ffi::{CStr, CString};
use std::time::Duration;

use pcsc::{Card, Context, Error as PcscError, Protocols, Scope, ShareMode, State};

/// Where contexts come from (SCardEstablishContext).
pub trait PcscApi: Send + 'static {
    type Context: PcscContext;
    fn establish(&mut self) -> Result<Self::Context, PcscError>;
}

/// One resource-manager context. Clones share it (SCardCancel from another thread).
pub trait PcscContext: Clone + Send + Sync + 'static {
    type Card: PcscCard;
    type Watch: ReaderWatch;
    /// SCardListReaders.
    fn list_readers(&self) -> Result<Vec<CString>, PcscError>;
    /// SCardGetStatusChange.
    fn get_status_change(
        &self,
        timeout: Duration,
        readers: &mut [Self::Watch],
    ) -> Result<(), PcscError>;
    /// SCardConnect, exclusive, any protocol.
    fn connect(&self, reader: &CStr) -> Result<Self::Card, PcscError>;
    /// SCardCancel.
    fn cancel(&self) -> Result<(), PcscError>;
    /// SCardIsValidContext.
    fn is_valid(&self) -> bool;
}

/// One SCARD_READERSTATE.
pub trait ReaderWatch: Send + Sized {
    /// A reader whose state is not known yet (SCARD_STATE_UNAWARE).
    fn unaware(name: CString) -> Self;
    fn name(&self) -> &CStr;
    fn event_state(&self) -> State;
    fn event_count(&self) -> u32;
    /// Takes the reported state (with its event count) as the known one for the next wait.
    fn sync_current_state(&mut self);
}

/// A connected card handle.
pub trait PcscCard: Send + Sized + 'static {
    /// SCardTransmit.
    fn transmit<'b>(&self, command: &[u8], buffer: &'b mut [u8]) -> Result<&'b [u8], PcscError>;
    /// SCardStatus: whether the card is still present.
    fn present(&self) -> Result<bool, PcscError>;
    /// SCardDisconnect; on failure the handle comes back.
    fn disconnect(self, how: pcsc::Disposition) -> Result<(), (Self, PcscError)>;
}

/// The system's PC/SC.
#[derive(Clone, Copy, Debug, Default)]
pub struct Winscard;

impl PcscApi for Winscard {
    type Context = Context;

    fn establish(&mut self) -> Result<Context, PcscError> {
        Context::establish(Scope::User)
    }
}

impl PcscContext for Context {
    type Card = Card;
    type Watch = pcsc::ReaderState;

    fn list_readers(&self) -> Result<Vec<CString>, PcscError> {
        self.list_readers_owned()
    }

    fn get_status_change(
        &self,
        timeout: Duration,
        readers: &mut [pcsc::ReaderState],
    ) -> Result<(), PcscError> {
        Context::get_status_change(self, timeout, readers)
    }

    fn connect(&self, reader: &CStr) -> Result<Card, PcscError> {
        Context::connect(self, reader, ShareMode::Exclusive, Protocols::ANY)
    }

    fn cancel(&self) -> Result<(), PcscError> {
        Context::cancel(self)
    }

    fn is_valid(&self) -> bool {
        Context::is_valid(self).is_ok()
    }
}

impl ReaderWatch for pcsc::ReaderState {
    fn unaware(name: CString) -> Self {
        pcsc::ReaderState::new(name, State::UNAWARE)
    }

    fn name(&self) -> &CStr {
        pcsc::ReaderState::name(self)
    }

    fn event_state(&self) -> State {
        pcsc::ReaderState::event_state(self)
    }

    fn event_count(&self) -> u32 {
        pcsc::ReaderState::event_count(self)
    }

    fn sync_current_state(&mut self) {
        pcsc::ReaderState::sync_current_state(self);
    }
}

impl PcscCard for Card {
    fn transmit<'b>(&self, command: &[u8], buffer: &'b mut [u8]) -> Result<&'b [u8], PcscError> {
        Card::transmit(self, command, buffer)
    }

    fn present(&self) -> Result<bool, PcscError> {
        self.status2_owned()
            .map(|s| s.status().contains(pcsc::Status::PRESENT))
    }

    fn disconnect(self, how: pcsc::Disposition) -> Result<(), (Self, PcscError)> {
        Card::disconnect(self, how)
    }
}
