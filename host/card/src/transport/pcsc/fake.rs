//! A fake PC/SC service behind the [`super::api`] traits, for the tests of the waiting and
//! re-establishing logic: readers come and go, cards are inserted and removed, and the service
//! itself stops and starts as Windows' Smart Card service does (with the last reader / the first
//! one) or as a restarted pcscd does. Contexts made before a stop stay dead, as on both systems.
//! Cards answer APDUs through a function the test gives (a scripted or simulated card).

// A test double: a poisoned lock fails the test that poisoned it.
#![allow(clippy::unwrap_used)]

use std::ffi::{CStr, CString};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use pcsc::ffi::DWORD;
use pcsc::{Error as PcscError, State, PNP_NOTIFICATION};

use super::api::{PcscApi, PcscCard, PcscContext, ReaderWatch};

/// A card's answer to each command APDU (data and status word).
pub type Answer = Arc<dyn Fn(&[u8]) -> Vec<u8> + Send + Sync>;

/// The fake service, shared by the readers under test and the test that drives it.
#[derive(Clone)]
pub struct FakePcsc {
    shared: Arc<Shared>,
}

struct Shared {
    world: Mutex<World>,
    /// The readers, cards or service changed (wakes waits).
    changed: Condvar,
    /// Something a test may be waiting to see happened (a wait began, a log entry).
    observed: Condvar,
}

struct World {
    running: bool,
    /// Whether the service stops with the last reader and starts with the first (Windows).
    stops_without_readers: bool,
    /// Bumped by each start: contexts of an earlier run are dead.
    run: u64,
    readers: Vec<FakeReader>,
    /// Reader arrivals and departures (the PnP pseudo-reader's event count).
    reader_events: DWORD,
    next_context: u64,
    cancels: Vec<u64>,
    /// Calls blocked in SCardGetStatusChange now.
    waiting: usize,
    /// What happened, for the test to check: "establish", "establish: NoService", "disconnect …".
    log: Vec<String>,
}

struct FakeReader {
    name: CString,
    card: Option<Answer>,
    /// Insertions and removals (the reader's event count).
    events: DWORD,
    held: bool,
}

impl World {
    fn reader(&self, name: &CStr) -> Option<&FakeReader> {
        self.readers.iter().find(|r| r.name.as_c_str() == name)
    }

    fn reader_mut(&mut self, name: &CStr) -> Option<&mut FakeReader> {
        self.readers.iter_mut().find(|r| r.name.as_c_str() == name)
    }

    /// The state a watch of `name` would report now.
    fn state(&self, name: &CStr) -> Result<DWORD, PcscError> {
        if name == PNP_NOTIFICATION() {
            return Ok(self.reader_events << 16);
        }
        let reader = self.reader(name).ok_or(PcscError::UnknownReader)?;
        let mut state = match reader.card {
            Some(_) => State::PRESENT,
            None => State::EMPTY,
        };
        if reader.held {
            state |= State::EXCLUSIVE;
        }
        Ok(state.bits() | (reader.events << 16))
    }

    /// Calls on a context of an earlier run, or while the service is down, fail as Windows'
    /// do: "the resource manager has shut down".
    fn check(&self, run: u64) -> Result<(), PcscError> {
        if self.running && self.run == run {
            Ok(())
        } else {
            Err(PcscError::ServiceStopped)
        }
    }
}

impl FakePcsc {
    /// A service like pcsc-lite's: it runs with no reader and stops only when told to.
    pub fn pcsc_lite() -> Self {
        Self::new(false)
    }

    /// A service like Windows': it stops when the last reader is unplugged and starts when one
    /// is plugged in. It starts stopped (no reader yet).
    pub fn windows() -> Self {
        Self::new(true)
    }

    fn new(stops_without_readers: bool) -> Self {
        FakePcsc {
            shared: Arc::new(Shared {
                world: Mutex::new(World {
                    running: !stops_without_readers,
                    stops_without_readers,
                    run: 1,
                    readers: Vec::new(),
                    reader_events: 0,
                    next_context: 0,
                    cancels: Vec::new(),
                    waiting: 0,
                    log: Vec::new(),
                }),
                changed: Condvar::new(),
                observed: Condvar::new(),
            }),
        }
    }

    fn change<T>(&self, f: impl FnOnce(&mut World) -> T) -> T {
        let out = f(&mut self.world());
        self.shared.changed.notify_all();
        self.shared.observed.notify_all();
        out
    }

    fn world(&self) -> MutexGuard<'_, World> {
        self.shared.world.lock().unwrap()
    }

    /// Plugs in an empty reader named `name` (bytes as PC/SC gives them: on Windows in the ANSI
    /// code page).
    pub fn plug(&self, name: impl AsRef<[u8]>) {
        let name = CString::new(name.as_ref()).unwrap();
        self.change(|w| {
            if w.stops_without_readers && !w.running {
                w.running = true;
                w.run += 1;
            }
            w.readers.push(FakeReader {
                name,
                card: None,
                events: 0,
                held: false,
            });
            w.reader_events += 1;
        });
    }

    /// Unplugs the reader (and its card); on Windows the last one takes the service with it.
    pub fn unplug(&self, name: impl AsRef<[u8]>) {
        self.change(|w| {
            w.readers.retain(|r| r.name.to_bytes() != name.as_ref());
            w.reader_events += 1;
            if w.stops_without_readers && w.readers.is_empty() {
                w.running = false;
            }
        });
    }

    pub fn insert(&self, reader: impl AsRef<[u8]>, card: Answer) {
        self.set_card(reader.as_ref(), Some(card));
    }

    pub fn remove(&self, reader: impl AsRef<[u8]>) {
        self.set_card(reader.as_ref(), None);
    }

    fn set_card(&self, reader: &[u8], card: Option<Answer>) {
        let name = CString::new(reader).unwrap();
        self.change(|w| {
            if let Some(r) = w.reader_mut(&name) {
                r.card = card;
                r.events += 1;
            }
        });
    }

    /// Stops the service (pcscd killed, SCardSvr stopped): every context dies.
    pub fn stop_service(&self) {
        self.change(|w| w.running = false);
    }

    /// Starts it again (a new run: old contexts stay dead).
    pub fn start_service(&self) {
        self.change(|w| {
            w.running = true;
            w.run += 1;
        });
    }

    /// What happened so far.
    pub fn log(&self) -> Vec<String> {
        self.world().log.clone()
    }

    /// Blocks until `n` calls wait in SCardGetStatusChange, so a test changes the world under a
    /// wait that has started.
    pub fn until_waiting(&self, n: usize) {
        let mut w = self.world();
        while w.waiting < n {
            w = self.shared.observed.wait(w).unwrap();
        }
    }

    /// Blocks until the log has `entry`.
    pub fn until_logged(&self, entry: &str) {
        let mut w = self.world();
        while !w.log.iter().any(|l| l == entry) {
            w = self.shared.observed.wait(w).unwrap();
        }
    }

    /// How many contexts were established.
    pub fn established(&self) -> usize {
        self.log().iter().filter(|l| *l == "establish").count()
    }
}

impl PcscApi for FakePcsc {
    type Context = FakeContext;

    fn establish(&mut self) -> Result<FakeContext, PcscError> {
        let mut w = self.world();
        if !w.running {
            w.log.push("establish: NoService".into());
            drop(w);
            self.shared.observed.notify_all();
            return Err(PcscError::NoService);
        }
        w.log.push("establish".into());
        w.next_context += 1;
        Ok(FakeContext {
            pcsc: self.clone(),
            run: w.run,
            id: w.next_context,
        })
    }
}

#[derive(Clone)]
pub struct FakeContext {
    pcsc: FakePcsc,
    run: u64,
    id: u64,
}

impl FakeContext {
    /// One look at the watched readers: whether any differs from its known state.
    fn look(&self, w: &World, readers: &mut [FakeWatch]) -> Result<bool, PcscError> {
        w.check(self.run)?;
        let mut changed = false;
        for watch in readers.iter_mut() {
            let now = w.state(&watch.name)?;
            watch.event = now;
            if now != watch.current & !State::CHANGED.bits() {
                watch.event |= State::CHANGED.bits();
                changed = true;
            }
        }
        Ok(changed)
    }
}

impl PcscContext for FakeContext {
    type Card = FakeCard;
    type Watch = FakeWatch;

    fn list_readers(&self) -> Result<Vec<CString>, PcscError> {
        let w = self.pcsc.world();
        w.check(self.run)?;
        if w.readers.is_empty() {
            return Err(PcscError::NoReadersAvailable);
        }
        Ok(w.readers.iter().map(|r| r.name.clone()).collect())
    }

    fn get_status_change(
        &self,
        timeout: Duration,
        readers: &mut [FakeWatch],
    ) -> Result<(), PcscError> {
        let deadline = Instant::now() + timeout;
        let mut w = self.pcsc.world();
        loop {
            if let Some(i) = w.cancels.iter().position(|id| *id == self.id) {
                w.cancels.remove(i);
                return Err(PcscError::Cancelled);
            }
            if self.look(&w, readers)? {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(PcscError::Timeout);
            }
            w.waiting += 1;
            self.pcsc.shared.observed.notify_all();
            w = self.pcsc.shared.changed.wait_timeout(w, left).unwrap().0;
            w.waiting -= 1;
        }
    }

    fn connect(&self, reader: &CStr) -> Result<FakeCard, PcscError> {
        let mut w = self.pcsc.world();
        w.check(self.run)?;
        let r = w.reader_mut(reader).ok_or(PcscError::UnknownReader)?;
        let Some(answer) = r.card.clone() else {
            return Err(PcscError::NoSmartcard);
        };
        if r.held {
            return Err(PcscError::SharingViolation);
        }
        r.held = true;
        Ok(FakeCard {
            context: self.clone(),
            reader: reader.to_owned(),
            events: r.events,
            answer,
        })
    }

    fn cancel(&self) -> Result<(), PcscError> {
        self.pcsc.change(|w| w.cancels.push(self.id));
        Ok(())
    }

    fn is_valid(&self) -> bool {
        self.pcsc.world().check(self.run).is_ok()
    }
}

/// One watched reader (SCARD_READERSTATE): states with the event count in the upper 16 bits.
pub struct FakeWatch {
    name: CString,
    current: DWORD,
    event: DWORD,
}

impl ReaderWatch for FakeWatch {
    fn unaware(name: CString) -> Self {
        FakeWatch {
            name,
            current: State::UNAWARE.bits(),
            event: State::UNAWARE.bits(),
        }
    }

    fn name(&self) -> &CStr {
        &self.name
    }

    fn event_state(&self) -> State {
        State::from_bits_truncate(self.event)
    }

    // DWORD is u64 on pcsc-lite's 64-bit Unix, u32 on Windows, where the conversion is a no-op.
    #[allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
    fn event_count(&self) -> u32 {
        u32::try_from((self.event >> 16) & 0xFFFF).unwrap_or_default()
    }

    fn sync_current_state(&mut self) {
        self.current = self.event;
    }
}

/// A connection to a fake card: dead once the card leaves or the service stops.
pub struct FakeCard {
    context: FakeContext,
    reader: CString,
    /// The reader's event count when connected: another value means the card was removed.
    events: DWORD,
    answer: Answer,
}

impl FakeCard {
    fn check(&self) -> Result<(), PcscError> {
        let w = self.context.pcsc.world();
        w.check(self.context.run)?;
        match w.reader(&self.reader) {
            None => Err(PcscError::ReaderUnavailable),
            Some(r) if r.events != self.events => Err(PcscError::RemovedCard),
            Some(_) => Ok(()),
        }
    }
}

impl PcscCard for FakeCard {
    fn transmit<'b>(&self, command: &[u8], buffer: &'b mut [u8]) -> Result<&'b [u8], PcscError> {
        self.check()?;
        let response = (self.answer)(command);
        let out = buffer
            .get_mut(..response.len())
            .ok_or(PcscError::InsufficientBuffer)?;
        out.copy_from_slice(&response);
        Ok(out)
    }

    fn present(&self) -> Result<bool, PcscError> {
        self.check().map(|()| true)
    }

    fn disconnect(self, how: pcsc::Disposition) -> Result<(), (Self, PcscError)> {
        let name = self.reader.to_string_lossy().into_owned();
        self.context
            .pcsc
            .change(|w| w.log.push(format!("disconnect {name} {how:?}")));
        Ok(())
    }
}

impl Drop for FakeCard {
    fn drop(&mut self) {
        let reader = self.reader.clone();
        self.context.pcsc.change(|w| {
            if let Some(r) = w.reader_mut(&reader) {
                r.held = false;
            }
        });
    }
}
