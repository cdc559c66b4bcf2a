//! The built `mynakey-host` in native-messaging mode, driven over real frames (protocol 1).
//!
//! A reader thread checks that every byte the host writes to stdout belongs to a well-formed
//! frame ([`check_outbound`]); [`Host::next`] fails the test on anything else, and on a hang.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::card_log;

/// The largest frame the host may write (native messaging's limit towards the browser).
pub const MAX_OUTBOUND: usize = 1_048_576;

/// What the host wrote to stdout, one item per frame; `Err` for anything not a well-formed frame.
pub type Frame = Result<Value, String>;

/// `body` with its native-messaging length header.
pub fn framed(body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as u32).to_ne_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

/// Checks one outbound frame: ≤ 1 MiB, UTF-8 JSON object with an `id` and exactly one of
/// `result`, `error` (with `code` and `message` strings) or `event`.
pub fn check_outbound(body: &[u8]) -> Frame {
    if body.len() > MAX_OUTBOUND {
        return Err(format!("frame of {} bytes", body.len()));
    }
    let text = std::str::from_utf8(body).map_err(|_| "frame is not UTF-8".to_string())?;
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("frame is not JSON ({e}): {text:.200}"))?;
    let Some(object) = value.as_object() else {
        return Err(format!("frame is not an object: {text:.200}"));
    };
    if !object.contains_key("id") {
        return Err(format!("frame without id: {text:.200}"));
    }
    let kinds = ["result", "error", "event"]
        .iter()
        .filter(|k| object.contains_key(**k))
        .count();
    if kinds != 1 {
        return Err(format!(
            "frame is not exactly one of result/error/event: {text:.200}"
        ));
    }
    if let Some(e) = object.get("error") {
        if !e["code"].is_string() || !e["message"].is_string() {
            return Err(format!("error without code/message: {text:.200}"));
        }
    }
    Ok(value)
}

/// Time limits a test puts on a host.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// How long [`Host::next`] waits for a frame before calling it a hang.
    pub patience: Duration,
    /// If set, [`Host::ok`], [`Host::fails`] and [`Host::error`] must be answered within this.
    pub answer: Option<Duration>,
    /// After EOF on stdin the host must exit 0 within this (docs/protocol.md: a second).
    pub exit: Duration,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        patience: Duration::from_secs(15),
        answer: None,
        exit: Duration::from_secs(1),
    };
}

/// A running host, spoken to over its stdin and stdout; killed when dropped.
pub struct Host {
    child: Child,
    stdin: Option<ChildStdin>,
    frames: Receiver<Frame>,
    pub limits: Limits,
    /// Files (its stderr, its log) that must show no panic when the host is closed.
    pub panic_free: Vec<PathBuf>,
    /// The simulated card's APDU log, for a host started with `--apdu-log`.
    pub apdu_log: Option<PathBuf>,
}

impl Host {
    /// Spawns `command` (program, arguments, environment, stderr as the caller set them) with
    /// piped stdin and stdout.
    pub fn spawn(mut command: Command) -> Host {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().unwrap();
        let (tx, frames) = mpsc::channel();
        // Every byte on stdout must belong to a well-formed frame of JSON.
        thread::spawn(move || loop {
            let mut len = [0u8; 4];
            match stdout.read(&mut len[..1]) {
                Ok(0) => return, // clean EOF between frames
                Ok(_) => {}
                Err(e) => {
                    let _ = tx.send(Err(format!("stdout: {e}")));
                    return;
                }
            }
            if stdout.read_exact(&mut len[1..]).is_err() {
                let _ = tx.send(Err("stdout ended inside a frame header".into()));
                return;
            }
            let n = u32::from_ne_bytes(len) as usize;
            if n > MAX_OUTBOUND {
                let _ = tx.send(Err(format!("frame header announces {n} bytes")));
                return;
            }
            let mut body = vec![0u8; n];
            if stdout.read_exact(&mut body).is_err() {
                let _ = tx.send(Err("stdout ended inside a frame".into()));
                return;
            }
            if tx.send(check_outbound(&body)).is_err() {
                return;
            }
        });
        Host {
            child,
            stdin,
            frames,
            limits: Limits::DEFAULT,
            panic_free: Vec::new(),
            apdu_log: None,
        }
    }

    /// `mynakey-host --simulator ARGS` with trace logging, everything in `dir`: its log
    /// `TAG.log`, its stderr `TAG.stderr` (both must show no panic) and the simulated card's
    /// APDU log `TAG.apdu.log`; the configuration file does not exist. It must exit within 2 s
    /// of EOF.
    pub fn simulator(dir: &Path, tag: &str, args: &[&str]) -> Host {
        let apdu_log = dir.join(format!("{tag}.apdu.log"));
        let stderr = dir.join(format!("{tag}.stderr"));
        let log = dir.join(format!("{tag}.log"));
        let mut command = super::launcher().command();
        command
            .arg("--simulator")
            .args(args)
            .arg("--apdu-log")
            .arg(&apdu_log)
            .env("MYNAKEY_CONFIG", dir.join("no-config.json"))
            .env("MYNAKEY_LOG_LEVEL", "trace")
            .env("MYNAKEY_LOG_FILE", &log)
            .stderr(fs::File::create(&stderr).unwrap());
        let mut host = Host::spawn(command);
        host.limits.exit = Duration::from_secs(2);
        host.panic_free = vec![stderr, log];
        host.apdu_log = Some(apdu_log);
        host
    }

    /// The host's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory of the host process (`VmRSS` in `/proc/PID/status`), in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }

    /// Raw bytes on stdin.
    pub fn write(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// One frame on stdin.
    pub fn frame(&mut self, body: &[u8]) {
        self.write(&framed(body));
    }

    pub fn send(&mut self, message: &Value) {
        self.frame(&serde_json::to_vec(message).unwrap());
    }

    /// The next frame; `None` once stdout closed. Anything but a well-formed frame, or no frame
    /// within the patience limit, fails the test (naming `context`).
    pub fn next_or_eof(&mut self, context: &str) -> Option<Value> {
        match self.frames.recv_timeout(self.limits.patience) {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                panic!("{context}: stdout carried something other than a well-formed frame: {e}")
            }
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => {
                panic!(
                    "{context}: no frame within {:?} (hang?)",
                    self.limits.patience
                )
            }
        }
    }

    /// The next frame.
    pub fn next(&mut self) -> Value {
        self.next_or_eof("host")
            .unwrap_or_else(|| panic!("no frame from the host: it closed stdout"))
    }

    /// Reads up to the final answer to `id`; returns its progress events and the answer. Every
    /// frame on the way must carry `id`.
    pub fn answer(&mut self, id: impl Into<Value>) -> (Vec<String>, Value) {
        let id = id.into();
        let mut events = Vec::new();
        loop {
            let frame = self.next();
            assert_eq!(frame["id"], id, "{frame}");
            match frame.get("event").and_then(Value::as_str) {
                Some(event) => events.push(event.to_string()),
                None => return (events, frame),
            }
        }
    }

    /// Sends a request; returns its progress events and its final answer.
    pub fn request(
        &mut self,
        id: impl Into<Value>,
        command: &str,
        arguments: Value,
    ) -> (Vec<String>, Value) {
        let id = id.into();
        self.send(&json!({"id": id, "command": command, "arguments": arguments}));
        self.answer(id)
    }

    /// Sends a request; returns its final answer and how long it took.
    pub fn timed(
        &mut self,
        id: impl Into<Value>,
        command: &str,
        arguments: Value,
    ) -> (Value, Duration) {
        let started = Instant::now();
        let (_, answer) = self.request(id, command, arguments);
        (answer, started.elapsed())
    }

    /// The request must succeed; returns its result.
    pub fn ok(&mut self, id: impl Into<Value>, command: &str, arguments: Value) -> Value {
        let (answer, took) = self.timed(id, command, arguments);
        assert!(answer.get("result").is_some(), "{command}: {answer}");
        self.check_bound(command, took);
        answer["result"].clone()
    }

    /// The request must fail with `code`; returns the error.
    pub fn fails(
        &mut self,
        id: impl Into<Value>,
        command: &str,
        arguments: Value,
        code: &str,
    ) -> Value {
        let (answer, took) = self.timed(id, command, arguments);
        assert_eq!(answer["error"]["code"], json!(code), "{command}: {answer}");
        self.check_bound(&format!("{command} → {code}"), took);
        answer["error"].clone()
    }

    /// The request must fail (any code); returns the error.
    pub fn error(&mut self, id: impl Into<Value>, command: &str, arguments: Value) -> Value {
        let (answer, took) = self.timed(id, command, arguments);
        assert!(answer.get("error").is_some(), "{command}: {answer}");
        self.check_bound(command, took);
        answer["error"].clone()
    }

    /// An answer that took `took` must be within the answer limit, if there is one.
    fn check_bound(&self, what: &str, took: Duration) {
        if let Some(bound) = self.limits.answer {
            assert!(took < bound, "{what} took {took:?}");
        }
    }

    /// Still serving: `version` answers with protocol 1.
    pub fn assert_serving(&mut self) {
        let (_, reply) = self.request("ping", "version", json!({}));
        assert_eq!(reply["result"]["protocol"], 1, "{reply}");
    }

    /// The simulated card's APDU log so far (a host started by [`Host::simulator`]).
    pub fn apdu_lines(&self) -> Vec<String> {
        card_log::lines(self.apdu_log.as_ref().expect("a host with --apdu-log"))
    }

    /// The exit status, once the host has exited.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Closes stdin: the host must exit 0 within the exit limit, and its stderr and log (as far
    /// as they are files) must show no panic. Returns the frames it wrote that were not read yet.
    pub fn finish(&mut self, context: &str) -> Vec<Value> {
        drop(self.stdin.take());
        let started = Instant::now();
        let limit = self.limits.exit;
        loop {
            let exited = self.try_wait();
            let took = started.elapsed();
            if let Some(status) = exited {
                assert!(status.success(), "{context}: host exited with {status}");
                assert!(took < limit, "{context}: exit took {took:?}");
                break;
            }
            assert!(
                took < limit,
                "{context}: host still running {limit:?} after EOF"
            );
            thread::sleep(Duration::from_millis(10));
        }
        let mut rest = Vec::new();
        while let Some(v) = self.next_or_eof(context) {
            rest.push(v);
        }
        for file in &self.panic_free {
            let text = fs::read_to_string(file).unwrap_or_default();
            assert!(
                !text.contains("panicked"),
                "{context}: {} shows a panic:\n{text}",
                file.display()
            );
        }
        rest
    }

    /// [`Host::finish`], for a host whose last frames do not matter.
    pub fn close(mut self) {
        self.finish("host");
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        drop(self.stdin.take());
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
