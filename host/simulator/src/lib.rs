//! The simulated JPKI card, compiled into the normal binary (`--simulator`, `simulate --vpcd`).
//!
//! It follows `docs/card-facts.md`, records every APDU, and can be told to misbehave
//! through [`Faults`] so tests see what a real card and reader can do.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mynakey_card::transport::{
    CancelToken, Connection, Disposition, ReaderState, Readers, Transport, TransportError,
};

/// A file of the test PKI (tests/fixtures/pki), embedded in the lab.
macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/pki/",
            $name
        ))
    };
}

mod card;
pub mod lab_pki;
pub mod vpcd;
pub use card::{CardProfile, SimCard, SimError, TEST_AUTH_ROOTS, TEST_SIGN_ROOTS};

/// Ways the simulated card or reader can misbehave, for fault-injection tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// The card leaves the reader when APDU number N+1 arrives (N answered before).
    pub remove_after: Option<usize>,
    /// After a removal, the card comes back this much later.
    pub reinsert_after: Option<Duration>,
    /// The card is absent at start and arrives this much later.
    pub insert_after: Option<Duration>,
    /// Every command with this INS is answered with this status word instead.
    pub wrong_sw: Option<(u8, u16)>,
    /// READ BINARY returns at most this many bytes per APDU.
    pub short_reads: Option<usize>,
    /// Signatures come back with one bit flipped.
    pub bad_signature: bool,
    /// The card carries no signing certificate (as issued to under-15s, docs/card-facts.md §7).
    pub no_signing_certificate: bool,
    /// Answers come T=0 style: `61xx`, then the data on GET RESPONSE.
    pub t0: bool,
    /// The first command after every power-up (insertion, power-on, reset) is answered `6F00`,
    /// as one real-card report describes after a power cycle (docs/card-facts.md).
    pub power_up_6f00: bool,
    /// A SIGN deselects the key EF: the next SIGN needs a new SELECT of the key EF, as the
    /// official-compatible MPA host assumes by re-selecting before each SIGN (docs/card-facts.md).
    pub reselect_key: bool,
    /// A blocked PIN answers `6983` (authentication method blocked) instead of `63C0`/`6984`.
    pub blocked_6983: bool,
    /// Byte 0 of EF 0008 (which certificates exist) instead of `8F`/`00`.
    pub ef0008: Option<u8>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("bad fault specification {0:?}: expected comma-separated remove-after=N, reinsert-ms=N, insert-ms=N, sw=INS:SW (hex), short-reads=N, bad-signature, no-signing-certificate, t0, power-up-6f00, reselect-key, blocked-6983, ef0008=XX (hex); a phone is the simulated card `android`, not a fault")]
pub struct FaultSpecError(String);

impl Faults {
    /// Parses `remove-after=12,reinsert-ms=500,sw=B0:6F00,short-reads=100,bad-signature`.
    pub fn parse(spec: &str) -> Result<Faults, FaultSpecError> {
        let mut faults = Faults::default();
        let err = || FaultSpecError(spec.to_string());
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = item.split_once('=').unwrap_or((item, ""));
            let number = || value.parse::<u64>().map_err(|_| err());
            match key {
                "remove-after" => faults.remove_after = Some(number()? as usize),
                "reinsert-ms" => faults.reinsert_after = Some(Duration::from_millis(number()?)),
                "insert-ms" => faults.insert_after = Some(Duration::from_millis(number()?)),
                "short-reads" => faults.short_reads = Some((number()? as usize).max(1)),
                "bad-signature" if value.is_empty() => faults.bad_signature = true,
                "no-signing-certificate" if value.is_empty() => {
                    faults.no_signing_certificate = true
                }
                "t0" if value.is_empty() => faults.t0 = true,
                "power-up-6f00" if value.is_empty() => faults.power_up_6f00 = true,
                "reselect-key" if value.is_empty() => faults.reselect_key = true,
                "blocked-6983" if value.is_empty() => faults.blocked_6983 = true,
                "ef0008" => faults.ef0008 = Some(u8::from_str_radix(value, 16).map_err(|_| err())?),
                "sw" => {
                    let (ins, sw) = value.split_once(':').ok_or_else(err)?;
                    let ins = u8::from_str_radix(ins, 16).map_err(|_| err())?;
                    let sw = u16::from_str_radix(sw, 16).map_err(|_| err())?;
                    faults.wrong_sw = Some((ins, sw));
                }
                _ => return Err(err()),
            }
        }
        Ok(faults)
    }
}

/// One exchange with the simulated card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub command: Vec<u8>,
    pub response: Vec<u8>,
}

impl LogEntry {
    pub fn ins(&self) -> u8 {
        self.command.get(1).copied().unwrap_or(0)
    }

    pub fn sw(&self) -> u16 {
        match self.response.as_slice() {
            [.., a, b] => u16::from_be_bytes([*a, *b]),
            _ => 0,
        }
    }

    /// Command data (after Lc), if any.
    pub fn data(&self) -> &[u8] {
        match self.command.get(4) {
            Some(&lc) if self.command.len() > 5 => {
                self.command.get(5..5 + usize::from(lc)).unwrap_or(&[])
            }
            _ => &[],
        }
    }

    /// A VERIFY that carries a PIN (not the tries query).
    pub fn is_pin_verify(&self) -> bool {
        self.ins() == 0x20 && !self.data().is_empty()
    }

    /// A short readable name: `SELECT AP`, `SELECT EF 000A`, `READ BINARY`, `VERIFY`, `VERIFY?`
    /// (tries query), `SIGN`; PIN bytes never appear.
    pub fn describe(&self) -> String {
        let c = &self.command;
        match (c.first(), self.ins(), c.get(2)) {
            (_, 0xA4, Some(0x04)) => format!("SELECT AID {}", hex(self.data())),
            (_, 0xA4, Some(0x02)) => format!("SELECT EF {}", hex(self.data())),
            (_, 0xA4, _) => "SELECT".to_string(),
            (_, 0xB0, _) => "READ BINARY".to_string(),
            (_, 0x20, _) if self.data().is_empty() => "VERIFY?".to_string(),
            (_, 0x20, _) => "VERIFY".to_string(),
            (Some(0x80), 0x2A, _) => "SIGN".to_string(),
            _ => format!("INS {:02X}", self.ins()),
        }
    }

    /// One log line with PIN data redacted: `> 00 20 00 80 04 ** ** ** **` / `< 9000 (0 bytes)`.
    pub fn redacted_line(&self) -> String {
        let shown: Vec<String> = if self.is_pin_verify() {
            self.command
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    if i < 5 {
                        format!("{b:02X}")
                    } else {
                        "**".into()
                    }
                })
                .collect()
        } else {
            self.command.iter().map(|b| format!("{b:02X}")).collect()
        };
        format!(
            "{} | {} | {:04X} {}",
            self.describe(),
            shown.join(" "),
            self.sw(),
            self.response.len().saturating_sub(2)
        )
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The record of the APDUs the simulated card saw: in memory, the last [`ApduLog::MEMORY_LIMIT`]
/// (for tests and the demo); or, with a file, every one written there (redacted) and none kept
/// in memory, so a long-running `--simulator` host or `simulate --vpcd` card stays flat.
#[derive(Clone, Default)]
pub struct ApduLog {
    entries: Arc<Mutex<VecDeque<LogEntry>>>,
    file: Option<Arc<Mutex<File>>>,
}

impl ApduLog {
    /// Entries kept in memory; older ones are dropped. A login is 12 APDUs, a 100-hash batch
    /// ~210: every test sees its whole sequence.
    pub const MEMORY_LIMIT: usize = 4096;

    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_file(file: File) -> Self {
        ApduLog {
            entries: Arc::default(),
            file: Some(Arc::new(Mutex::new(file))),
        }
    }

    pub(crate) fn record(&self, command: &[u8], response: &[u8]) {
        let entry = LogEntry {
            command: command.to_vec(),
            response: response.to_vec(),
        };
        if let Some(file) = &self.file {
            if let Ok(mut file) = file.lock() {
                // A failing test log must not change the card's answers.
                let _ = writeln!(file, "{}", entry.redacted_line());
            }
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::MEMORY_LIMIT {
                entries.pop_front();
            }
            entries.push_back(entry);
        }
    }

    /// The entries kept in memory (none for a log written to a file).
    pub fn entries(&self) -> Vec<LogEntry> {
        self.entries
            .lock()
            .map(|e| e.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    /// `describe()` of every entry, for sequence assertions.
    pub fn sequence(&self) -> Vec<String> {
        self.entries().iter().map(LogEntry::describe).collect()
    }
}

struct SlotState {
    present: bool,
    connected: bool,
    /// Bumped on every insertion or removal, so waiters see a change.
    generation: u64,
}

/// One simulated reader and the card that may sit in it.
pub struct SimSlot {
    name: String,
    card: Mutex<SimCard>,
    state: Mutex<SlotState>,
    changed: Arc<Condvar>,
    /// Threads that insert the card later (the insert and reinsert faults), joined by
    /// [`SimSlot::stop_insertions`] so none outlives the readers.
    inserters: Mutex<Vec<JoinHandle<()>>>,
    /// Set when the readers go away: pending insertions are cancelled.
    stopped: Mutex<bool>,
    stop: Condvar,
}

impl SimSlot {
    pub fn new(name: &str, card: SimCard, changed: Arc<Condvar>) -> Arc<SimSlot> {
        let insert_after = card.faults.insert_after;
        let slot = Arc::new(SimSlot {
            name: name.to_string(),
            card: Mutex::new(card),
            state: Mutex::new(SlotState {
                present: insert_after.is_none(),
                connected: false,
                generation: 0,
            }),
            changed,
            inserters: Mutex::default(),
            stopped: Mutex::new(false),
            stop: Condvar::new(),
        });
        if let Some(delay) = insert_after {
            slot.insert_later(delay);
        }
        slot
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn card(&self) -> MutexGuard<'_, SimCard> {
        lock(&self.card)
    }

    fn state(&self) -> MutexGuard<'_, SlotState> {
        lock(&self.state)
    }

    pub fn is_present(&self) -> bool {
        self.state().present
    }

    /// Takes the card out: power is lost, so the security state goes with it.
    pub fn remove(&self) {
        self.card().reset();
        let mut state = self.state();
        state.present = false;
        state.generation += 1;
        drop(state);
        self.changed.notify_all();
    }

    /// Another card in the reader (pulled and a different one put in, between two commands):
    /// connections made before see it as removed, as PC/SC reports it.
    pub fn swap(&self, card: SimCard) {
        *self.card() = card;
        self.remove();
        self.insert();
    }

    pub fn insert(&self) {
        let mut state = self.state();
        state.present = true;
        state.generation += 1;
        drop(state);
        self.changed.notify_all();
    }

    /// Inserts the card after `delay` on a thread of its own, unless the readers go away first.
    fn insert_later(self: &Arc<Self>, delay: Duration) {
        if *lock(&self.stopped) {
            return;
        }
        let slot = Arc::clone(self);
        let handle = std::thread::spawn(move || {
            let stopped = lock(&slot.stopped);
            let (stopped, _) = match slot.stop.wait_timeout_while(stopped, delay, |s| !*s) {
                Ok(r) => r,
                Err(p) => p.into_inner(),
            };
            if !*stopped {
                drop(stopped);
                slot.insert();
            }
        });
        let mut inserters = lock(&self.inserters);
        inserters.retain(|h| !h.is_finished());
        inserters.push(handle);
    }

    /// Cancels pending insertions and waits for their threads to end.
    fn stop_insertions(&self) {
        *lock(&self.stopped) = true;
        self.stop.notify_all();
        let handles = std::mem::take(&mut *lock(&self.inserters));
        for handle in handles {
            // A panicking inserter has nothing left to clean up.
            let _ = handle.join();
        }
    }

    /// Sends one APDU to the card, honouring the removal fault.
    pub fn transmit(self: &Arc<Self>, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if !self.is_present() {
            return Err(TransportError::CardRemoved);
        }
        let mut card = self.card();
        if let Some(n) = card.faults.remove_after {
            if card.apdus_seen >= n {
                card.faults.remove_after = None;
                let reinsert = card.faults.reinsert_after;
                drop(card);
                self.remove();
                if let Some(delay) = reinsert {
                    self.insert_later(delay);
                }
                return Err(TransportError::CardRemoved);
            }
        }
        Ok(card.process(command))
    }
}

/// Readers holding simulated cards: what `--simulator` serves.
pub struct SimReaders {
    slots: Vec<Arc<SimSlot>>,
    changed: Arc<Condvar>,
    wait_lock: Arc<Mutex<()>>,
}

impl SimReaders {
    /// One reader with card 1 and no faults.
    pub fn single(faults: Faults, log: ApduLog) -> Result<SimReaders, SimError> {
        let changed = Arc::new(Condvar::new());
        let card = SimCard::new(CardProfile::card1(), faults, log)?;
        let slot = SimSlot::new("mynakey simulated reader 0", card, Arc::clone(&changed));
        Ok(SimReaders {
            slots: vec![slot],
            changed,
            wait_lock: Arc::default(),
        })
    }

    /// Readers with the given cards (`None`: an empty reader).
    pub fn with_cards(cards: Vec<Option<SimCard>>) -> SimReaders {
        let changed = Arc::new(Condvar::new());
        let mut slots = Vec::new();
        for (i, card) in cards.into_iter().enumerate() {
            let name = format!("mynakey simulated reader {i}");
            match card {
                Some(card) => slots.push(SimSlot::new(&name, card, Arc::clone(&changed))),
                None => {
                    let Ok(card) =
                        SimCard::new(CardProfile::card1(), Faults::default(), ApduLog::new())
                    else {
                        continue;
                    };
                    let slot = SimSlot::new(&name, card, Arc::clone(&changed));
                    slot.remove();
                    slots.push(slot);
                }
            }
        }
        SimReaders {
            slots,
            changed,
            wait_lock: Arc::default(),
        }
    }

    pub fn slot(&self, index: usize) -> Option<Arc<SimSlot>> {
        self.slots.get(index).cloned()
    }

    fn generations(&self) -> Vec<(bool, u64)> {
        self.slots
            .iter()
            .map(|s| {
                let state = s.state();
                (state.present, state.generation)
            })
            .collect()
    }
}

impl Readers for SimReaders {
    fn subsystem(&self) -> &'static str {
        "simulator"
    }

    fn list(&mut self) -> Result<Vec<ReaderState>, TransportError> {
        Ok(self
            .slots
            .iter()
            .map(|s| ReaderState {
                name: s.name.clone(),
                card_present: s.is_present(),
            })
            .collect())
    }

    fn connect(&mut self, reader: &str) -> Result<Box<dyn Connection>, TransportError> {
        let slot = self
            .slots
            .iter()
            .find(|s| s.name == reader)
            .ok_or_else(|| TransportError::UnknownReader(reader.to_string()))?;
        let mut state = slot.state();
        if !state.present {
            return Err(TransportError::NoCard);
        }
        if state.connected {
            return Err(TransportError::CardBusy);
        }
        state.connected = true;
        Ok(Box::new(SimConnection {
            slot: Arc::clone(slot),
            generation: state.generation,
        }))
    }

    fn wait_for_change(
        &mut self,
        known: &[ReaderState],
        timeout: Duration,
        cancel: &CancelToken,
    ) -> Result<(), TransportError> {
        let deadline = Instant::now() + timeout;
        let start = self.generations();
        let changed = Arc::clone(&self.changed);
        cancel.on_cancel(Box::new(move || changed.notify_all()));
        let wait_lock = Arc::clone(&self.wait_lock);
        let mut guard = wait_lock
            .lock()
            .map_err(|_| TransportError::Communication("lock".into()))?;
        loop {
            if cancel.is_cancelled() {
                return Err(TransportError::Cancelled);
            }
            let now = self.list()?;
            if now != known || self.generations() != start {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(TransportError::Timeout);
            }
            // Short slices so a change signalled before we started waiting is not missed.
            let slice = left.min(Duration::from_millis(50));
            guard = match self.changed.wait_timeout(guard, slice) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }
}

impl Drop for SimReaders {
    fn drop(&mut self) {
        for slot in &self.slots {
            slot.stop_insertions();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

struct SimConnection {
    slot: Arc<SimSlot>,
    /// The slot's generation when this connection was made: a card removed since (even if put
    /// back, or another one put in) ends the connection, as PC/SC's SCARD_W_REMOVED_CARD does.
    generation: u64,
}

impl Transport for SimConnection {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.slot.state().generation != self.generation {
            return Err(TransportError::CardRemoved);
        }
        self.slot.transmit(command)
    }
}

impl Connection for SimConnection {
    fn reader(&self) -> &str {
        &self.slot.name
    }

    fn disconnect(self: Box<Self>, disposition: Disposition) -> Result<(), TransportError> {
        if disposition == Disposition::Reset {
            self.slot.card().reset();
        }
        Ok(())
    }
}

impl Drop for SimConnection {
    fn drop(&mut self) {
        self.slot.state().connected = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_spec_parses() {
        let f = Faults::parse(
            "remove-after=12,reinsert-ms=500,sw=B0:6F00,short-reads=100,bad-signature",
        )
        .unwrap();
        assert_eq!(f.remove_after, Some(12));
        assert_eq!(f.reinsert_after, Some(Duration::from_millis(500)));
        assert_eq!(f.wrong_sw, Some((0xB0, 0x6F00)));
        assert_eq!(f.short_reads, Some(100));
        assert!(f.bad_signature);
        assert_eq!(Faults::parse("").unwrap(), Faults::default());
        let f = Faults::parse("power-up-6f00,reselect-key,blocked-6983,ef0008=01").unwrap();
        assert!(f.power_up_6f00 && f.reselect_key && f.blocked_6983);
        assert_eq!(f.ef0008, Some(0x01));
        for bad in [
            "x",
            "ef0008=1FF",
            "phone-token",
            "remove-after=",
            "sw=B0",
            "sw=ZZ:9000",
            "bad-signature=1",
        ] {
            assert!(Faults::parse(bad).is_err(), "{bad}");
        }
    }

    /// Issue 16, item 6: 5,000 proofs in one `--simulator` host grew the log by ~13 MB.
    #[test]
    fn the_in_memory_log_keeps_only_the_latest_entries() {
        let log = ApduLog::new();
        let total = 3 * ApduLog::MEMORY_LIMIT;
        for i in 0..total {
            log.record(&(i as u32).to_be_bytes(), &[0x90, 0x00]);
        }
        let entries = log.entries();
        assert_eq!(entries.len(), ApduLog::MEMORY_LIMIT);
        assert_eq!(
            entries[0].command,
            ((total - ApduLog::MEMORY_LIMIT) as u32).to_be_bytes()
        );
        assert_eq!(
            entries.last().unwrap().command,
            ((total - 1) as u32).to_be_bytes()
        );
    }

    #[test]
    fn a_log_written_to_a_file_keeps_nothing_in_memory() {
        let path = std::env::temp_dir().join(format!("mynakey-apdu-{}.log", std::process::id()));
        let log = ApduLog::with_file(File::create(&path).unwrap());
        log.record(&[0x00, 0xA4, 0x04, 0x0C], &[0x90, 0x00]);
        assert!(log.entries().is_empty());
        let written = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(written.lines().count(), 1);
    }

    /// Issue 16, item 8: the insert and reinsert faults' threads used to outlive the readers
    /// (LeakSanitizer in the `serve` fuzz target). Dropping the readers cancels and joins them.
    #[test]
    fn pending_insertions_end_with_the_readers() {
        let faults = Faults::parse("insert-ms=60000").unwrap();
        let readers = SimReaders::single(faults, ApduLog::new()).unwrap();
        let slot = Arc::downgrade(&readers.slot(0).unwrap());
        let started = Instant::now();
        drop(readers);
        assert!(
            slot.upgrade().is_none(),
            "the inserter thread still holds the slot"
        );
        assert!(started.elapsed() < Duration::from_secs(5), "not cancelled");

        // The reinsert after a removal, too.
        let faults = Faults::parse("remove-after=0,reinsert-ms=60000").unwrap();
        let mut readers = SimReaders::single(faults, ApduLog::new()).unwrap();
        let name = readers.list().unwrap()[0].name.clone();
        let mut connection = readers.connect(&name).unwrap();
        assert_eq!(
            connection.transmit(&[0x00, 0xA4, 0x04, 0x0C]),
            Err(TransportError::CardRemoved)
        );
        drop(connection);
        let slot = Arc::downgrade(&readers.slot(0).unwrap());
        drop(readers);
        assert!(
            slot.upgrade().is_none(),
            "the reinsert thread still holds the slot"
        );
    }

    /// A slot that outlives its readers (a connection still open) starts no new inserter.
    #[test]
    fn no_insertion_is_scheduled_after_the_readers_are_gone() {
        let faults = Faults::parse("remove-after=0,reinsert-ms=60000").unwrap();
        let mut readers = SimReaders::single(faults, ApduLog::new()).unwrap();
        let name = readers.list().unwrap()[0].name.clone();
        let mut connection = readers.connect(&name).unwrap();
        let slot = Arc::downgrade(&readers.slot(0).unwrap());
        drop(readers);
        assert!(connection.transmit(&[0x00, 0xA4, 0x04, 0x0C]).is_err());
        drop(connection);
        assert!(
            slot.upgrade().is_none(),
            "a reinsert thread was started after the drop"
        );
    }
}
