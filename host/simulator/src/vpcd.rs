//! `mynakey-host simulate --vpcd HOST:PORT`: the simulated card in pcscd's virtual reader, so
//! the real PC/SC stack, OpenSC and the host's own PC/SC transport can talk to it.
//!
//! vpcd (vsmartcard's reader driver inside pcscd) listens on a TCP port per virtual slot; the
//! card connects as the client (pcsc-test-stack.md §5). Frames both ways are a 2-byte
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

use std::fs::OpenOptions;
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

const SIMULATE_USAGE: &str = "Usage: mynakey-host simulate --vpcd HOST:PORT [--card card1|card2] [--sim-faults SPEC] [--apdu-log FILE]

Connects the simulated My Number Card to pcscd's vpcd virtual reader (package vsmartcard-vpcd;
port 35963 is the first slot of the default /etc/reader.conf.d/vpcd, 35964 the second) and
serves it until killed. Test identities: card1 (PIN 1234, password ABC123), card2 (5678, XYZ789).
Faults: remove-after=N, reinsert-ms=N, insert-ms=N, sw=INS:SW, short-reads=N, bad-signature.";

/// What `simulate` runs with.
pub struct SimulateOptions {
    pub address: String,
    pub profile: CardProfile,
    pub faults: Faults,
    pub log: ApduLog,
}

#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("{0}")]
    Usage(String),
    #[error("cannot open the APDU log {path}: {source}")]
    Log { path: String, source: io::Error },
    #[error(transparent)]
    Card(#[from] crate::SimError),
}

/// `mynakey-host simulate …`: parses the arguments and runs until the process is killed.
/// Returns the exit code when it cannot start.
pub fn cli(args: &[String], stderr: &mut dyn Write) -> u8 {
    match parse(args) {
        Ok(None) => {
            let _ = writeln!(stderr, "{SIMULATE_USAGE}");
            0
        }
        Ok(Some(options)) => match run(options) {
            Ok(()) => 0,
            Err(e) => {
                let _ = writeln!(stderr, "mynakey-host simulate: {e}");
                1
            }
        },
        Err(e) => {
            let _ = writeln!(stderr, "mynakey-host simulate: {e}\n\n{SIMULATE_USAGE}");
            2
        }
    }
}

/// `None` for `--help`.
pub fn parse(args: &[String]) -> Result<Option<SimulateOptions>, SimulateError> {
    let mut address = None;
    let mut profile = CardProfile::card1();
    let mut faults = Faults::default();
    let mut log = ApduLog::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        if matches!(flag, "--help" | "-h") {
            return Ok(None);
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| SimulateError::Usage(format!("{flag} needs a value")))
        };
        match flag {
            "--vpcd" => address = Some(value()?),
            "--card" => {
                let name = value()?;
                profile = CardProfile::by_name(&name).ok_or_else(|| {
                    SimulateError::Usage(format!("unknown card {name:?} (card1 or card2)"))
                })?;
            }
            "--sim-faults" => {
                faults =
                    Faults::parse(&value()?).map_err(|e| SimulateError::Usage(e.to_string()))?
            }
            "--apdu-log" => {
                let path = value()?;
                let file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .map_err(|source| SimulateError::Log {
                        path: path.clone(),
                        source,
                    })?;
                log = ApduLog::with_file(file);
            }
            other => return Err(SimulateError::Usage(format!("unknown argument {other:?}"))),
        }
    }
    let address =
        address.ok_or_else(|| SimulateError::Usage("--vpcd HOST:PORT is required".into()))?;
    Ok(Some(SimulateOptions {
        address,
        profile,
        faults,
        log,
    }))
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

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn arguments_parse() {
        let o = parse(&args(&[
            "--vpcd",
            "127.0.0.1:35963",
            "--card",
            "card2",
            "--sim-faults=remove-after=3",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(o.address, "127.0.0.1:35963");
        assert_eq!(o.profile.label, "card2");
        assert_eq!(o.faults.remove_after, Some(3));
        assert!(parse(&args(&["--help"])).unwrap().is_none());
        assert!(matches!(parse(&args(&[])), Err(SimulateError::Usage(_))));
        assert!(matches!(
            parse(&args(&["--vpcd", "x:1", "--card", "card9"])),
            Err(SimulateError::Usage(_))
        ));
        assert!(matches!(
            parse(&args(&["--vpcd"])),
            Err(SimulateError::Usage(_))
        ));
    }

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
