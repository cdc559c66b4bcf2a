//! `mynakey-host simulate --vpcd HOST:PORT`: the simulated card in pcscd's virtual reader, so
//! the real PC/SC stack, OpenSC and the host's own PC/SC transport can talk to it.
//!
//! vpcd (vsmartcard's reader driver inside pcscd) listens on a TCP port per virtual slot; the
//! card connects as the client (docs/card-facts.md T1). Frames both ways are a 2-byte
//! big-endian length and the payload. From vpcd, a 1-byte payload is a control byte (00 power
//! off, 01 power on, 02 reset, 04 get ATR); anything longer is a command APDU. The card answers
//! GET ATR and APDUs, nothing else.
//!
//! Debian's vpcd writes the length and the payload with two `send()`s; with Nagle on pcscd's
//! side and a delayed ACK on ours, every APDU would wait ~40 ms. So `TCP_QUICKACK` is re-armed
//! before every read (it is not sticky), each answer goes out in one write, and `TCP_NODELAY`
//! is set (§6).
//!
//! A removal (`--sim-faults remove-after=N`) closes the socket when APDU N+1 arrives, without
//! answering it, exactly what pcscd sees when a card leaves a real reader mid-command; the card
//! comes back `reinsert-ms` later (never, without it).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use socket2::SockRef;

use crate::{ApduLog, CardProfile, Faults, SimCard};

/// Reconnection backoff while pcscd is not (yet) listening.
const BACKOFF_MIN: Duration = Duration::from_millis(20);
const BACKOFF_MAX: Duration = Duration::from_millis(500);
/// pcscd notices a card's absence only at its next presence poll (every 400 ms); a card that
/// came back sooner would look like it never left.
const MIN_ABSENCE: Duration = Duration::from_millis(500);

/// vpcd control bytes (`vpcd.h`).
const CTRL_OFF: u8 = 0x00;
const CTRL_ON: u8 = 0x01;
const CTRL_RESET: u8 = 0x02;
const CTRL_ATR: u8 = 0x04;

/// What `simulate` runs with.
pub struct SimulateOptions {
    pub address: String,
    pub profile: CardProfile,
    pub faults: Faults,
    pub log: ApduLog,
}

#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error(transparent)]
    Card(#[from] crate::SimError),
}

/// How one connection to vpcd ended.
enum Ended {
    /// pcscd closed the socket (stopped, restarted): reconnect.
    Closed,
    /// The removal fault fired: stay away, then come back (or not).
    Removed,
}

/// The card's side across connections: PIN counters survive reconnects, power does not.
struct Bridge {
    card: SimCard,
    remove_after: Option<usize>,
    answered: usize,
}

/// Serves the card until the process is killed (SIGTERM needs no handler: nothing to flush).
pub fn run(options: SimulateOptions) -> Result<(), SimulateError> {
    let SimulateOptions {
        address,
        profile,
        faults,
        log,
    } = options;
    let label = profile.label;
    let reinsert = faults.reinsert_after.map(|d| d.max(MIN_ABSENCE));
    let insert_after = faults.insert_after;
    let mut bridge = Bridge {
        remove_after: faults.remove_after,
        card: SimCard::new(profile, faults, log)?,
        answered: 0,
    };
    if let Some(delay) = insert_after {
        say(&format!(
            "{label}: absent for {} ms (insert-ms)",
            delay.as_millis()
        ));
        thread::sleep(delay);
    }
    let mut backoff = BACKOFF_MIN;
    let mut waiting_since: Option<Instant> = None;
    loop {
        let stream = match TcpStream::connect(&address) {
            Ok(stream) => stream,
            Err(e) => {
                if waiting_since.is_none() {
                    say(&format!(
                        "{label}: cannot connect to vpcd at {address} ({e}); retrying"
                    ));
                    waiting_since = Some(Instant::now());
                }
                thread::sleep(backoff);
                backoff = (backoff * 2).min(BACKOFF_MAX);
                continue;
            }
        };
        backoff = BACKOFF_MIN;
        waiting_since = None;
        say(&format!(
            "{label}: inserted (connected to vpcd at {address})"
        ));
        // A new connection is a new insertion: power-on state.
        bridge.card.reset();
        match bridge.serve(&stream) {
            Ok(Ended::Closed) => say(&format!(
                "{label}: vpcd closed the connection; reconnecting"
            )),
            Err(e) => say(&format!(
                "{label}: connection to vpcd failed ({e}); reconnecting"
            )),
            Ok(Ended::Removed) => {
                drop(stream);
                bridge.card.reset();
                match reinsert {
                    Some(delay) => {
                        say(&format!(
                            "{label}: removed (fault); back in {} ms",
                            delay.as_millis()
                        ));
                        thread::sleep(delay);
                    }
                    None => {
                        say(&format!("{label}: removed (fault) for good"));
                        loop {
                            thread::sleep(Duration::from_secs(3600));
                        }
                    }
                }
            }
        }
    }
}

impl Bridge {
    fn serve(&mut self, stream: &TcpStream) -> io::Result<Ended> {
        let socket = SockRef::from(stream);
        socket.set_nodelay(true)?;
        let mut reader = stream;
        let mut writer = stream;
        loop {
            rearm_quickack(&socket);
            let mut length = [0u8; 2];
            match reader.read_exact(&mut length) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(Ended::Closed),
                Err(e) => return Err(e),
            }
            let mut payload = vec![0u8; usize::from(u16::from_be_bytes(length))];
            rearm_quickack(&socket);
            reader.read_exact(&mut payload)?;
            match payload.as_slice() {
                [CTRL_OFF] | [CTRL_ON] | [CTRL_RESET] => self.card.reset(),
                [CTRL_ATR] => send(&mut writer, self.card.atr())?,
                [other] => say(&format!("unknown vpcd control byte {other:02X}; ignored")),
                [] => {}
                apdu => {
                    if self.remove_after.is_some_and(|n| self.answered >= n) {
                        self.remove_after = None;
                        return Ok(Ended::Removed);
                    }
                    let response = self.card.process(apdu);
                    self.answered += 1;
                    send(&mut writer, &response)?;
                }
            }
        }
    }
}

/// Length and payload in one write.
fn send(writer: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    let length = u16::try_from(payload.len())
        .map_err(|_| io::Error::other("answer longer than 65535 bytes"))?;
    let mut frame = Vec::with_capacity(payload.len() + 2);
    frame.extend_from_slice(&length.to_be_bytes());
    frame.extend_from_slice(payload);
    writer.write_all(&frame)?;
    writer.flush()
}

/// ACK vpcd's length bytes at once, so Nagle on its side releases the payload (§6).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn rearm_quickack(socket: &SockRef<'_>) {
    let _ = socket.set_quickack(true);
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn rearm_quickack(_socket: &SockRef<'_>) {}

fn say(message: &str) {
    eprintln!("mynakey-host simulate: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut f = (payload.len() as u16).to_be_bytes().to_vec();
        f.extend_from_slice(payload);
        f
    }

    fn read_frame(s: &mut TcpStream) -> Vec<u8> {
        let mut len = [0u8; 2];
        s.read_exact(&mut len).unwrap();
        let mut p = vec![0u8; u16::from_be_bytes(len) as usize];
        s.read_exact(&mut p).unwrap();
        p
    }

    /// Plays vpcd: ATR, power on, SELECT AP, then the removal fault closes the socket.
    #[test]
    fn speaks_vpcds_framing_and_leaves_on_the_removal_fault() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let log = ApduLog::new();
        let options = SimulateOptions {
            address,
            profile: CardProfile::card1(),
            faults: Faults::parse("remove-after=1").unwrap(),
            log: log.clone(),
        };
        thread::spawn(move || run(options));
        let (mut vpcd, _) = listener.accept().unwrap();
        vpcd.write_all(&frame(&[CTRL_ATR])).unwrap();
        assert_eq!(read_frame(&mut vpcd), CardProfile::card1().atr);
        vpcd.write_all(&frame(&[CTRL_ON])).unwrap();
        let select = [
            0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00,
            0x01,
        ];
        // Length and payload in two writes, as Debian's vpcd sends them.
        vpcd.write_all(&frame(&select)[..2]).unwrap();
        vpcd.write_all(&select).unwrap();
        assert_eq!(read_frame(&mut vpcd), vec![0x90, 0x00]);
        vpcd.write_all(&frame(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A]))
            .unwrap();
        let mut rest = Vec::new();
        assert_eq!(
            vpcd.read_to_end(&mut rest).unwrap(),
            0,
            "closed without an answer"
        );
        assert_eq!(log.sequence(), vec!["SELECT AID D392F000260100000001"]);
    }
}
