//! The host as a process: cold start, and requests over its stdin/stdout (native messaging
//! frames: 4-byte native-endian length + UTF-8 JSON).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::R;

pub struct Host {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
}

/// A config path that does not exist, so a user's configuration never changes the numbers.
pub fn no_config() -> PathBuf {
    std::env::temp_dir().join("mynakey-bench-no-config.json")
}

impl Host {
    pub fn spawn(bin: &Path, args: &[&str]) -> R<Host> {
        let mut child = Command::new(bin)
            .args(args)
            .env("MYNAKEY_CONFIG", no_config())
            .env_remove("MYNAKEY_LOG_FILE")
            .env_remove("MYNAKEY_LOG_LEVEL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        Ok(Host {
            child,
            stdin: Some(stdin),
            stdout,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn send(&mut self, message: &Value) -> R<()> {
        let body = serde_json::to_vec(message)?;
        let mut frame = (body.len() as u32).to_ne_bytes().to_vec();
        frame.extend_from_slice(&body);
        self.stdin
            .as_mut()
            .ok_or("stdin closed")?
            .write_all(&frame)?;
        Ok(())
    }

    pub fn read(&mut self) -> R<Value> {
        let mut len = [0u8; 4];
        self.stdout.read_exact(&mut len)?;
        let mut body = vec![0u8; u32::from_ne_bytes(len) as usize];
        self.stdout.read_exact(&mut body)?;
        Ok(serde_json::from_slice(&body)?)
    }

    /// Sends a request and returns its final answer (progress events skipped).
    pub fn request(&mut self, id: u64, command: &str, arguments: Value) -> R<Value> {
        self.send(&json!({"id": id, "command": command, "arguments": arguments}))?;
        loop {
            let v = self.read()?;
            if v.get("event").is_none() && v.get("id") == Some(&json!(id)) {
                if let Some(e) = v.get("error") {
                    return Err(format!("{command}: {e}").into());
                }
                return Ok(v);
            }
        }
    }

    /// Closes stdin and waits for the exit.
    pub fn close(mut self) -> R<()> {
        drop(self.stdin.take());
        let status = self.child.wait()?;
        if !status.success() {
            return Err(format!("host exited with {status}").into());
        }
        Ok(())
    }

    /// `VmHWM` (peak resident set) in KiB, read from /proc while the process still runs.
    pub fn vm_hwm_kib(&self) -> R<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let line = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .ok_or("no VmHWM")?;
        Ok(line.split_whitespace().nth(1).ok_or("bad VmHWM")?.parse()?)
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        drop(self.stdin.take());
        if matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(50));
            if matches!(self.child.try_wait(), Ok(None)) {
                let _ = self.child.kill();
            }
        }
        let _ = self.child.wait();
    }
}

/// Spawn → `version` frame → reply (first duration) → close stdin → exit (second).
pub fn cold_version(bin: &Path, args: &[&str]) -> R<(Duration, Duration)> {
    let started = Instant::now();
    let mut host = Host::spawn(bin, args)?;
    host.send(&json!({"id": 1, "command": "version"}))?;
    let reply = host.read()?;
    let to_reply = started.elapsed();
    if reply.pointer("/result/protocol") != Some(&json!(1)) {
        return Err(format!("unexpected version reply {reply}").into());
    }
    host.close()?;
    Ok((to_reply, started.elapsed()))
}

/// Spawn and wait for a program that does nothing, with the same piped stdio.
pub fn cold_true(program: &str) -> R<Duration> {
    let started = Instant::now();
    let status = Command::new(program)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .status()?;
    let took = started.elapsed();
    if !status.success() {
        return Err(format!("{program} failed").into());
    }
    Ok(took)
}
