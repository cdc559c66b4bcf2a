//! Harness for the service's tests: the built `mynakey-verifyd` on a loopback port, a minimal
//! HTTP/1.1 client over `TcpStream`, a real `redis-server`, and the test PKI's roots and CRLs
//! as the service reads them (files).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use mynakey_test_support::fixtures::ORIGIN;
use mynakey_test_support::pki;
use serde_json::Value;

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("verifyd-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A trust directory with the four test roots.
pub fn trust_dir() -> TempDir {
    let dir = TempDir::new("trust");
    for name in ["auth-root-1", "auth-root-2", "sign-root-1", "sign-root-2"] {
        let der = pki::pki(&format!("{name}.der"));
        std::fs::write(dir.0.join(format!("{name}.der")), der).unwrap();
    }
    dir
}

/// RFC 3339 for `now + offset_days` (negative: in the past).
pub fn days_from_now(offset_days: i64) -> String {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let t = (now + offset_days * 86_400) as u64;
    x509_cert::der::DateTime::from_unix_duration(Duration::from_secs(t))
        .unwrap()
        .to_string()
}

/// A CRL file listing `count` generated serials (and card1-auth's when `card1`), current
/// today (or, with `stale`, whose nextUpdate has passed).
pub fn write_crl(path: &Path, count: u32, card1: bool, stale: bool) {
    let also: &[u32] = if card1 {
        &[pki::CARD1_AUTH_SERIAL]
    } else {
        &[]
    };
    let (this, next) = if stale { (-30, -1) } else { (-1, 30) };
    let der = pki::auth_crl(count, also, &days_from_now(this), &days_from_now(next));
    // Written aside and renamed: the service never reads half a file.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, der).unwrap();
    std::fs::rename(tmp, path).unwrap();
}

/// A running `mynakey-verifyd`, killed on drop.
pub struct Server {
    child: Child,
    pub addr: String,
}

impl Server {
    /// Starts the service on a loopback port it picks, with `args` after `--listen`.
    pub fn start(args: &[&str]) -> Self {
        Self::start_under(&[], args)
    }

    /// [`Server::start`] run by `wrapper` (e.g. `prlimit --nofile=1024 --`, which execs it
    /// in the same process).
    pub fn start_under(wrapper: &[&str], args: &[&str]) -> Self {
        let mut child = spawn(wrapper, args);
        let addr = ready_line(&mut child);
        Self { child, addr }
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    pub fn hup(&self) {
        hup(&self.child);
    }

    pub fn post(&self, path: &str, body: &str) -> (u16, Value) {
        request(&self.addr, "POST", path, body).unwrap()
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        request(&self.addr, "GET", path, "").unwrap()
    }

    /// A challenge for `session`.
    pub fn challenge(&self, session: &str) -> String {
        let (status, body) = self.post("/v1/challenges", &format!(r#"{{"session":"{session}"}}"#));
        assert_eq!(status, 200, "{body}");
        body["challenge"].as_str().unwrap().to_owned()
    }

    /// POST /v1/login with a session (the token as its JSON text).
    pub fn login(&self, token: &str, session: &str) -> (u16, Value) {
        self.login_token(token.into(), session)
    }

    /// POST /v1/login with a session and `token` as given (object, string, or anything).
    pub fn login_token(&self, token: Value, session: &str) -> (u16, Value) {
        let body = serde_json::json!({ "token": token, "origin": ORIGIN, "session": session });
        self.post("/v1/login", &body.to_string())
    }

    /// POST /v1/login with an explicit challenge.
    pub fn login_with(&self, token: &str, challenge: &str) -> (u16, Value) {
        let body = serde_json::json!({ "token": token, "origin": ORIGIN, "challenge": challenge });
        self.post("/v1/login", &body.to_string())
    }
}

/// The service with stdout piped, not yet ready.
pub fn spawn(wrapper: &[&str], args: &[&str]) -> Child {
    let bin = env!("CARGO_BIN_EXE_mynakey-verifyd");
    let (program, before) = match wrapper.split_first() {
        Some((program, rest)) => (*program, [rest, &[bin]].concat()),
        None => (bin, vec![]),
    };
    Command::new(program)
        .args(before)
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for the ready line; the address it names.
pub fn ready_line(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    line.trim()
        .strip_prefix("mynakey-verifyd: listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned()
}

pub fn hup(child: &Child) {
    let ok = Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on a fresh connection: the status and the JSON body (a string when
/// the body is not JSON).
pub fn request(addr: &str, method: &str, path: &str, body: &str) -> std::io::Result<(u16, Value)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            let msg = format!("no status line in {raw:?}");
            std::io::Error::new(std::io::ErrorKind::InvalidData, msg)
        })?;
    let text = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let json = serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()));
    Ok((status, json))
}

/// Polls `check` every 20 ms until it holds, for at most `limit`.
pub fn wait_until(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// A `redis-server` (the Debian package) on a loopback port, without persistence.
pub struct Redis {
    child: Child,
    pub port: u16,
}

impl Redis {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self::start_on(port)
    }

    pub fn start_on(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (Debian package redis-server) must be installed");
        let up = wait_until(Duration::from_secs(10), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "redis-server did not start on port {port}");
        Self { child, port }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Kills it (as a crash would) and waits until it is gone.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
