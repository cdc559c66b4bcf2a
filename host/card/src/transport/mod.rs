//! The hardware seam: a one-method transport, readers that hand out card connections, and the
//! PC/SC adapter. The simulated card and the vpcd bridge live in the simulator crate.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

pub mod pcsc;
#[cfg(any(test, feature = "test-support"))]
pub mod scripted;

/// Errors of the transport layer; each maps to one wire error code.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum TransportError {
    #[error("the smart-card service is not available: {0}")]
    Unavailable(String),
    #[error("no card reader is connected")]
    NoReader,
    #[error("reader {0:?} not found")]
    UnknownReader(String),
    #[error("no card in the reader")]
    NoCard,
    #[error("the card was removed")]
    CardRemoved,
    #[error("the card is in use by another program")]
    CardBusy,
    /// The reader sees a card that does not answer: upside down, dirty contacts, or not a
    /// smart card at all.
    #[error("the card in the reader does not respond (inserted the wrong way round?)")]
    CardUnresponsive,
    #[error("timed out waiting for a card")]
    Timeout,
    #[error("cancelled")]
    Cancelled,
    #[error("card communication failed: {0}")]
    Communication(String),
}

/// Sends one command APDU and returns the whole response APDU (data + SW1 SW2).
pub trait Transport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
}

/// What happens to the card when a connection ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// Leave the card as it is (no PIN was verified on this connection).
    Leave,
    /// Reset the card so no verified PIN outlives the connection.
    Reset,
}

/// An exclusive connection to one card.
pub trait Connection: Transport + Send {
    fn reader(&self) -> &str;
    fn disconnect(self: Box<Self>, disposition: Disposition) -> Result<(), TransportError>;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReaderState {
    pub name: String,
    pub card_present: bool,
}

/// Where cards come from: the simulated card or the PC/SC readers.
pub trait Readers: Send {
    /// "pcsc" or "simulator", for `status`.
    fn subsystem(&self) -> &'static str;
    fn list(&mut self) -> Result<Vec<ReaderState>, TransportError>;
    /// Connects exclusively to the card in `reader`.
    fn connect(&mut self, reader: &str) -> Result<Box<dyn Connection>, TransportError>;
    /// Blocks until the reader list or a card's presence differs from `known`, or fails with
    /// `Timeout` / `Cancelled`. Never a polling loop on PC/SC (SCardGetStatusChange) while the
    /// service runs; while it is down (Windows stops it with the last reader) the wait is a short
    /// slice ending in `Timeout`, so the caller lists again and finds the service when it is back.
    fn wait_for_change(
        &mut self,
        known: &[ReaderState],
        timeout: Duration,
        cancel: &CancelToken,
    ) -> Result<(), TransportError>;
}

/// One reader that always holds a card, each connection made by `connect`: for tests, fuzzing
/// and benchmarks that put a card of their own behind the host. It never waits for a change.
pub struct OneReader<F> {
    name: &'static str,
    connect: F,
}

impl<F: FnMut() -> Box<dyn Connection> + Send> OneReader<F> {
    pub fn new(name: &'static str, connect: F) -> Self {
        OneReader { name, connect }
    }
}

impl<F: FnMut() -> Box<dyn Connection> + Send> Readers for OneReader<F> {
    fn subsystem(&self) -> &'static str {
        "simulator"
    }

    fn list(&mut self) -> Result<Vec<ReaderState>, TransportError> {
        Ok(vec![ReaderState {
            name: self.name.into(),
            card_present: true,
        }])
    }

    fn connect(&mut self, _reader: &str) -> Result<Box<dyn Connection>, TransportError> {
        Ok((self.connect)())
    }

    fn wait_for_change(
        &mut self,
        _: &[ReaderState],
        _: Duration,
        _: &CancelToken,
    ) -> Result<(), TransportError> {
        Err(TransportError::Timeout)
    }
}

type CancelHook = Box<dyn Fn() + Send + Sync>;

/// Cancels a pending wait from another thread (the one reading stdin).
#[derive(Clone, Default)]
pub struct CancelToken {
    inner: Arc<CancelInner>,
}

#[derive(Default)]
struct CancelInner {
    cancelled: Mutex<bool>,
    wake: Condvar,
    hooks: Mutex<Vec<CancelHook>>,
}

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        if let Ok(mut flag) = self.inner.cancelled.lock() {
            *flag = true;
        }
        self.inner.wake.notify_all();
        if let Ok(hooks) = self.inner.hooks.lock() {
            for hook in hooks.iter() {
                hook();
            }
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.inner
            .cancelled
            .lock()
            .map(|flag| *flag)
            .unwrap_or(true)
    }

    /// Runs `hook` on cancel (e.g. SCardCancel); at once if already cancelled.
    pub fn on_cancel(&self, hook: CancelHook) {
        if self.is_cancelled() {
            hook();
        }
        if let Ok(mut hooks) = self.inner.hooks.lock() {
            hooks.push(hook);
        }
    }

    /// Sleeps up to `timeout`; returns true when cancelled.
    pub fn sleep(&self, timeout: Duration) -> bool {
        let Ok(guard) = self.inner.cancelled.lock() else {
            return true;
        };
        match self
            .inner
            .wake
            .wait_timeout_while(guard, timeout, |cancelled| !*cancelled)
        {
            Ok((guard, _)) => *guard,
            Err(_) => true,
        }
    }
}
