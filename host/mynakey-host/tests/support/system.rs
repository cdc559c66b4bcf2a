//! The pcscd + vpcd stack `tests/system/run.sh` sets up, simulated cards on its two vpcd slots
//! (`mynakey-host simulate` processes), and hosts in host mode (no `--simulator`) on top.
//!
//! run.sh sets `MYNAKEY_SYSTEM=1`, `PCSCLITE_CSOCK_NAME` and the `MYNAKEY_VPCD_*` variables.
//! Without them [`system`] returns `None` and the test returns at once (plain `cargo test`
//! passes on machines without pcscd); with them each test records its name in
//! `$MYNAKEY_SYSTEM_DIR/ran` so the script can fail when they did not run.
//!
//! All tests share one pcscd and its two vpcd slots, so they run one at a time (a lock).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use mynakey_test_support::fixtures::{CHALLENGE, ORIGIN};

use mynakey_card::transport::pcsc::PcscReaders;
use mynakey_card::transport::{CancelToken, Readers, TransportError};

use mynakey_test_support::HostLauncher;

use super::card_log::{self, SELECT_JPKI};
use super::host::{Host, Limits};

/// How long anything may take before a test calls it a hang.
pub const PATIENCE: Duration = Duration::from_secs(15);

static SERIAL: Mutex<()> = Mutex::new(());

/// What run.sh set up, held by one test at a time.
pub struct System {
    _serial: MutexGuard<'static, ()>,
    pub launcher: HostLauncher,
    pub dir: PathBuf,
    port: u16,
    reader_prefix: String,
    name: &'static str,
    /// Limits for the hosts [`System::host`] starts.
    pub host_limits: Limits,
}

/// `None` (test skipped) unless run.sh started the stack. Otherwise waits until both slots are
/// empty and records `name` as run.
pub fn system(name: &'static str) -> Option<System> {
    if std::env::var("MYNAKEY_SYSTEM").as_deref() != Ok("1")
        || std::env::var_os("PCSCLITE_CSOCK_NAME").is_none()
    {
        eprintln!("{name}: skipped (needs pcscd + vpcd: run tests/system/run.sh)");
        return None;
    }
    let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = PathBuf::from(std::env::var("MYNAKEY_SYSTEM_DIR").expect("MYNAKEY_SYSTEM_DIR"));
    let launcher = super::launcher();
    let bin = launcher.program();
    assert!(bin.exists(), "{} is not built", bin.display());
    let port = std::env::var("MYNAKEY_VPCD_PORT")
        .expect("MYNAKEY_VPCD_PORT")
        .parse()
        .unwrap();
    let reader_prefix = std::env::var("MYNAKEY_VPCD_NAME").unwrap_or_else(|_| "Virtual PCD".into());
    let s = System {
        _serial: serial,
        launcher,
        dir,
        port,
        reader_prefix,
        name,
        host_limits: Limits::DEFAULT,
    };
    // Both slots empty at the start of every test.
    s.wait_presence(0, false);
    s.wait_presence(1, false);
    let mut ran = OpenOptions::new()
        .create(true)
        .append(true)
        .open(s.dir.join("ran"))
        .unwrap();
    writeln!(ran, "{name}").unwrap();
    Some(s)
}

impl System {
    /// The hosts this test starts get `limits`.
    pub fn with_host_limits(mut self, limits: Limits) -> System {
        self.host_limits = limits;
        self
    }

    /// pcscd's name for vpcd's `slot`.
    pub fn reader(&self, slot: u16) -> String {
        format!("{} 00 {slot:02}", self.reader_prefix)
    }

    /// Waits (SCardGetStatusChange through the product's own PC/SC transport) until the card in
    /// `slot` is present or absent. Tolerates a pcscd that is just coming back.
    pub fn wait_presence(&self, slot: u16, present: bool) {
        let name = self.reader(slot);
        let deadline = Instant::now() + PATIENCE;
        let mut readers = PcscReaders::new();
        loop {
            let states = readers.list().unwrap_or_default();
            if states
                .iter()
                .any(|s| s.name == name && s.card_present == present)
            {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "{name}: card never became {}: {states:?}",
                if present { "present" } else { "absent" }
            );
            if states.is_empty() {
                thread::sleep(Duration::from_millis(50));
                readers = PcscReaders::new();
                continue;
            }
            match readers.wait_for_change(
                &states,
                left.min(Duration::from_secs(1)),
                &CancelToken::new(),
            ) {
                Ok(()) | Err(TransportError::Timeout) => {}
                Err(_) => {
                    thread::sleep(Duration::from_millis(50));
                    readers = PcscReaders::new();
                }
            }
        }
    }

    /// Starts `mynakey-host simulate` for `slot` without waiting for pcscd to see it. Its APDU
    /// log and stderr go to `$MYNAKEY_SYSTEM_DIR/TEST-slotN-CARD.*`.
    pub fn spawn_card(&self, slot: u16, card: &str, faults: &str) -> Card {
        let log = self
            .dir
            .join(format!("{}-slot{slot}-{card}.apdu.log", self.name));
        let _ = fs::remove_file(&log);
        let stderr = fs::File::create(
            self.dir
                .join(format!("{}-slot{slot}-{card}.stderr", self.name)),
        )
        .unwrap();
        let mut command = self.launcher.command();
        command
            .args([
                "simulate",
                "--vpcd",
                &format!("127.0.0.1:{}", self.port + slot),
                "--card",
                card,
            ])
            .arg("--apdu-log")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        if !faults.is_empty() {
            command.args(["--sim-faults", faults]);
        }
        let child = command.spawn().unwrap();
        // run.sh kills what is left of these if a test binary dies.
        let mut pids = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("pids"))
            .unwrap();
        writeln!(pids, "{}", child.id()).unwrap();
        Card { child, log, slot }
    }

    /// A card in `slot`, seen by pcscd.
    pub fn card(&self, slot: u16, card: &str, faults: &str) -> Card {
        let c = self.spawn_card(slot, card, faults);
        self.wait_presence(slot, true);
        c
    }

    /// Takes the card out: its process ends, and pcscd sees the slot empty.
    pub fn remove(&self, mut card: Card) {
        card.kill();
        self.wait_presence(card.slot, false);
    }

    /// The built binary, without a configuration file.
    pub fn command(&self) -> Command {
        let mut c = self.launcher.command();
        c.env("MYNAKEY_CONFIG", self.dir.join("no-config.json"));
        c
    }

    /// `mynakey-host status …` as a command.
    pub fn status_command(&self, args: &[&str]) -> Output {
        self.command().arg("status").args(args).output().unwrap()
    }

    /// The host in native-messaging mode over pcscd, with debug logging to
    /// `$MYNAKEY_SYSTEM_DIR/TEST-TAG-host.log` and its stderr (which must show no panic) to
    /// `…-host.stderr`.
    pub fn host(&self, tag: &str) -> Host {
        let stderr = self.dir.join(format!("{}-{tag}-host.stderr", self.name));
        let mut command = self.command();
        command
            .env(
                "MYNAKEY_LOG_FILE",
                self.dir.join(format!("{}-{tag}-host.log", self.name)),
            )
            .env("MYNAKEY_LOG_LEVEL", "debug")
            .stderr(fs::File::create(&stderr).unwrap());
        let mut host = Host::spawn(command);
        host.limits = self.host_limits;
        host.panic_free = vec![stderr];
        host
    }

    /// Stops pcscd (SIGTERM, as a system shutdown or an update would) and waits until it is gone.
    pub fn stop_pcscd(&self) {
        let pid = fs::read_to_string(self.dir.join("pcscd.pid"))
            .unwrap()
            .trim()
            .to_string();
        assert!(Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success());
        let deadline = Instant::now() + PATIENCE;
        while PathBuf::from(format!("/proc/{pid}")).exists() {
            // A zombie until run.sh reaps it: gone enough once it is no longer running.
            let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            if stat.split_whitespace().nth(2) == Some("Z") {
                break;
            }
            assert!(Instant::now() < deadline, "pcscd {pid} did not stop");
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts pcscd again with run.sh's own command (`$MYNAKEY_SYSTEM_DIR/pcscd-start`, which
    /// records the new pid for cleanup).
    pub fn start_pcscd(&self) {
        assert!(self.try_start_pcscd(), "pcscd did not come back");
    }

    pub fn try_start_pcscd(&self) -> bool {
        if !Command::new(self.dir.join("pcscd-start"))
            .status()
            .is_ok_and(|s| s.success())
        {
            return false;
        }
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            let mut readers = PcscReaders::new();
            if readers.list().is_ok_and(|l| {
                l.iter()
                    .filter(|r| r.name.starts_with(&self.reader_prefix))
                    .count()
                    == 2
            }) {
                return true;
            }
            thread::sleep(Duration::from_millis(50));
        }
        false
    }

    pub fn pcscd_running(&self) -> bool {
        let pid = fs::read_to_string(self.dir.join("pcscd.pid"))
            .unwrap_or_default()
            .trim()
            .to_string();
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        !stat.is_empty() && stat.split_whitespace().nth(2) != Some("Z")
    }
}

/// Brings pcscd back even when a test fails while it is stopped, so later tests still run.
pub struct RestartPcscdOnDrop<'a>(pub &'a System);

impl Drop for RestartPcscdOnDrop<'_> {
    fn drop(&mut self) {
        if !self.0.pcscd_running() {
            let _ = self.0.try_start_pcscd();
        }
    }
}

/// A running simulated card; killed when dropped.
pub struct Card {
    child: Child,
    log: PathBuf,
    pub slot: u16,
}

impl Card {
    /// The card's APDU log (PINs redacted): `describe | bytes | SW len` per line.
    pub fn apdus(&self) -> Vec<String> {
        card_log::lines(&self.log)
    }

    /// The `describe()` part of each line.
    pub fn sequence(&self) -> Vec<String> {
        card_log::sequence(&self.apdus())
    }

    /// VERIFYs that carried a PIN (not the tries queries, `VERIFY?`).
    pub fn pin_verifies(&self) -> usize {
        self.sequence().iter().filter(|d| *d == "VERIFY").count()
    }

    /// Design principle 1: the host selects no application but JPKI (and selects it).
    pub fn assert_only_jpki_selected(&self) {
        let aids: Vec<String> = self
            .sequence()
            .into_iter()
            .filter(|d| d.starts_with("SELECT AID"))
            .collect();
        assert!(!aids.is_empty(), "no SELECT at all: {:?}", self.apdus());
        assert!(aids.iter().all(|a| a == SELECT_JPKI), "{aids:?}");
    }

    /// Principle 1 and PIN redaction on the card's own log.
    pub fn assert_clean(&self) {
        for line in self.apdus() {
            if line.starts_with("SELECT AID") {
                assert!(
                    line.starts_with(SELECT_JPKI),
                    "another application selected: {line}"
                );
            }
            if line.starts_with("VERIFY |") {
                assert!(line.contains("** **"), "VERIFY data not redacted: {line}");
            }
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Card {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `authenticate`'s arguments for [`ORIGIN`] and [`CHALLENGE`] with `pin`.
pub fn auth_args(pin: &str) -> serde_json::Value {
    serde_json::json!({"origin": ORIGIN, "challenge": CHALLENGE, "pin": pin})
}

/// The bytes of a base64 string field of a reply.
pub fn b64(v: &serde_json::Value) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap())
        .unwrap()
}
