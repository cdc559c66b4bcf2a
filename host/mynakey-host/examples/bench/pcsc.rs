//! Through the real stack: `mynakey-host` (PC/SC transport) → pcscd → vpcd → `mynakey-host
//! simulate` (the simulated card), and OpenSC's `pkcs11-tool` on the same card, in the same run.
//! Needs the isolated pcscd of tests/system/run.sh (`--exec`), which exports
//! PCSCLITE_CSOCK_NAME, MYNAKEY_VPCD_PORT, MYNAKEY_VPCD_NAME and MYNAKEY_SYSTEM_DIR.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mynakey_card::transport::pcsc::PcscReaders;
use mynakey_card::transport::{CancelToken, Readers, TransportError};
use serde_json::json;

use crate::inproc::hashes;
use crate::process::Host;
use crate::stats::Series;
use crate::trace::Trace;
use crate::R;
use mynakey_test_support::fixtures::{CHALLENGE, ORIGIN};

const PKCS11_MODULE: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";
/// As in host/mynakey-host/tests/system.rs: reset the card when a tool exits (our host resets it too after
/// a PIN), and no file caching (every run reads the card, as our host does).
const OPENSC_CONF: &str = "app default {\n  reader_driver pcsc {\n    disconnect_action = reset;\n  }\n  framework pkcs15 {\n    use_file_caching = no;\n  }\n}\n";

pub struct Stack {
    pub dir: PathBuf,
    pub port: u16,
    pub reader: String,
}

impl Stack {
    pub fn from_env() -> Option<Stack> {
        std::env::var_os("PCSCLITE_CSOCK_NAME")?;
        let dir = PathBuf::from(std::env::var_os("MYNAKEY_SYSTEM_DIR")?);
        let port = std::env::var("MYNAKEY_VPCD_PORT").ok()?.parse().ok()?;
        let prefix = std::env::var("MYNAKEY_VPCD_NAME").unwrap_or_else(|_| "Virtual PCD".into());
        Some(Stack {
            dir,
            port,
            reader: format!("{prefix} 00 00"),
        })
    }
}

struct Card {
    child: Child,
    log: PathBuf,
}

impl Card {
    fn lines(&self) -> Vec<String> {
        fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Card {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_presence(reader: &str, present: bool) -> R<()> {
    let mut readers = PcscReaders::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let states = readers.list()?;
        if states
            .iter()
            .any(|s| s.name == reader && s.card_present == present)
        {
            return Ok(());
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(
                format!("{reader}: card never became present={present}: {states:?}").into(),
            );
        }
        match readers.wait_for_change(&states, left, &CancelToken::new()) {
            Ok(()) | Err(TransportError::Timeout) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

pub struct Measured {
    pub what: String,
    pub times: Series,
    pub trace: Trace,
    /// false if the APDU count differed between runs.
    pub stable: bool,
}

pub struct PcscResults {
    pub rows: Vec<Measured>,
    /// Peak RSS (KiB) of a fresh host process after one login proof.
    pub vm_hwm_kib: Series,
    pub opensc_version: String,
}

fn auth_arguments() -> serde_json::Value {
    json!({"origin": ORIGIN, "challenge": CHALLENGE, "pin": "1234"})
}

fn sign_arguments(n: usize) -> serde_json::Value {
    json!({"origin": ORIGIN, "pin": "ABC123", "hashAlgorithm": "SHA-256", "hashes": hashes(n)})
}

struct Collector {
    what: String,
    times: Vec<Duration>,
    counts: Vec<usize>,
    trace: Trace,
}

impl Collector {
    fn new(what: &str) -> Collector {
        Collector {
            what: what.into(),
            times: Vec::new(),
            counts: Vec::new(),
            trace: Trace::default(),
        }
    }

    /// Times `f`, and takes the APDUs the card logged meanwhile.
    fn run(&mut self, card: &Card, f: impl FnOnce() -> R<()>) -> R<()> {
        let before = card.lines().len();
        let started = Instant::now();
        f()?;
        self.times.push(started.elapsed());
        let lines = card.lines();
        let new = lines.get(before..).unwrap_or_default();
        self.counts.push(new.len());
        self.trace = Trace::from_log_lines(new);
        Ok(())
    }

    fn done(self) -> Measured {
        let stable = self.counts.windows(2).all(|w| w[0] == w[1]);
        Measured {
            what: self.what,
            times: Series::of(&self.times),
            trace: self.trace,
            stable,
        }
    }
}

fn pkcs11_sign(dir: &Path, driver: Option<&str>) -> R<()> {
    let mut c = Command::new("pkcs11-tool");
    c.args([
        "--module",
        PKCS11_MODULE,
        "--token-label",
        "JPKI (User Authentication PIN)",
    ])
    .args([
        "--login",
        "--pin",
        "1234",
        "--sign",
        "--id",
        "01",
        "-m",
        "SHA256-RSA-PKCS",
    ])
    .args(["-i", "data", "-o", "sig"])
    .current_dir(dir)
    .env("OPENSC_CONF", dir.join("opensc.conf"))
    .stdin(Stdio::null());
    match driver {
        Some(d) => c.env("OPENSC_DRIVER", d),
        None => c.env_remove("OPENSC_DRIVER"),
    };
    let out = c.output()?;
    if !out.status.success() {
        return Err(format!(
            "pkcs11-tool failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

/// `mynakey-host simulate` on the stack's vpcd port, its APDUs logged for the traces.
fn start_card(stack: &Stack, bin: &Path) -> R<Card> {
    let log = stack.dir.join("bench-card.apdu.log");
    let _ = fs::remove_file(&log);
    let child = Command::new(bin)
        .args([
            "simulate",
            "--vpcd",
            &format!("127.0.0.1:{}", stack.port),
            "--card",
            "card1",
            "--apdu-log",
        ])
        .arg(&log)
        .env("MYNAKEY_CONFIG", crate::process::no_config())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(stack.dir.join("bench-card.stderr"))?)
        .spawn()?;
    if let Ok(mut pids) = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(stack.dir.join("pids"))
    {
        use std::io::Write;
        let _ = writeln!(pids, "{}", child.id());
    }
    Ok(Card { child, log })
}

pub fn measure(stack: &Stack, bin: &Path, rounds: usize) -> R<PcscResults> {
    let card = start_card(stack, bin)?;
    wait_presence(&stack.reader, true)?;

    let odir = stack.dir.join("bench-opensc");
    fs::create_dir_all(&odir)?;
    fs::write(odir.join("opensc.conf"), OPENSC_CONF)?;
    fs::write(
        odir.join("data"),
        b"signed by OpenSC for the mynakey benchmark",
    )?;
    let opensc_version = Command::new("dpkg-query")
        .args(["-W", "-f", "${Version}", "opensc"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();

    // One long-lived host, as a browser keeps its port open.
    let mut host = Host::spawn(bin, &[])?;
    let mut id = 0u64;
    for _ in 0..3 {
        id += 1;
        host.request(id, "authenticate", auth_arguments())?;
        id += 1;
        host.request(id, "sign", sign_arguments(1))?;
    }
    pkcs11_sign(&odir, Some("jpki"))?;
    pkcs11_sign(&odir, None)?;

    let mut warm_login = Collector::new("login proof (warm host)");
    let mut warm_sign1 = Collector::new("sign, 1 hash (warm host)");
    let mut warm_sign10 = Collector::new("sign, 10 hashes (warm host)");
    let mut cold_login = Collector::new("login proof (new host process: spawn → reply)");
    let mut opensc_jpki = Collector::new("OpenSC pkcs11-tool --sign, OPENSC_DRIVER=jpki");
    let mut opensc_auto = Collector::new("OpenSC pkcs11-tool --sign, driver auto-detect");
    let mut hwm = Vec::new();
    for _ in 0..rounds {
        warm_login.run(&card, || {
            id += 1;
            host.request(id, "authenticate", auth_arguments()).map(drop)
        })?;
        warm_sign1.run(&card, || {
            id += 1;
            host.request(id, "sign", sign_arguments(1)).map(drop)
        })?;
        warm_sign10.run(&card, || {
            id += 1;
            host.request(id, "sign", sign_arguments(10)).map(drop)
        })?;
        let mut fresh = None;
        cold_login.run(&card, || {
            let mut h = Host::spawn(bin, &[])?;
            h.request(1, "authenticate", auth_arguments())?;
            fresh = Some(h);
            Ok(())
        })?;
        if let Some(h) = fresh {
            hwm.push(h.vm_hwm_kib()? as f64);
            h.close()?;
        }
        opensc_jpki.run(&card, || pkcs11_sign(&odir, Some("jpki")))?;
        opensc_auto.run(&card, || pkcs11_sign(&odir, None))?;
    }
    host.close()?;
    Ok(PcscResults {
        rows: vec![
            warm_login.done(),
            warm_sign1.done(),
            warm_sign10.done(),
            cold_login.done(),
            opensc_jpki.done(),
            opensc_auto.done(),
        ],
        vm_hwm_kib: Series::of_ms(&hwm),
        opensc_version,
    })
}
