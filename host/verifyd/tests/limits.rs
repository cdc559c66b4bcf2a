//! Slow and idle clients: under systemd's default file limit (1,024), 1,100 half-sent
//! requests neither keep a legitimate login from being answered nor stay open past the
//! header timeout. Liveness checks with generous limits, not timings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use support::testpki::token;
use support::*;

const IDLE_CLIENTS: usize = 1_100;

/// This test process needs more than 1,024 descriptors for its clients: raise its own soft
/// limit with util-linux `prlimit` (no unsafe code here).
fn raise_own_file_limit() {
    let ok = Command::new("prlimit")
        .args(["--pid", &std::process::id().to_string(), "--nofile=4096:"])
        .status()
        .unwrap()
        .success();
    assert!(
        ok,
        "prlimit could not raise this test's open-file limit to 4096"
    );
}

/// A connection that sent half a request head and then nothing.
fn half_sent(addr: &str) -> TcpStream {
    let mut c = TcpStream::connect(addr).unwrap();
    // Over the cap the service may already have closed it: a failed write is fine.
    let _ = c.write_all(b"POST /v1/challenges HTTP/1.1\r\nHost: x\r\nContent-Le");
    c
}

/// Whether the service has closed `c` (EOF or reset, possibly after a 408), waiting up to
/// 30 s.
fn closed_by_service(c: &mut TcpStream) -> bool {
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut rest = Vec::new();
    match c.read_to_end(&mut rest) {
        Ok(_) => true,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

/// POSTs `body` until it is answered (a full connection table closes new connections at
/// once), for at most 60 s.
fn answered(s: &Server, path: &str, body: &str) -> serde_json::Value {
    let mut reply = None;
    let ok = wait_until(Duration::from_secs(60), || {
        reply = request(&s.addr, "POST", path, body).ok();
        reply.is_some()
    });
    assert!(ok, "{path} was not answered within 60 s");
    let (status, body) = reply.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

#[test]
fn half_sent_requests_neither_starve_a_login_nor_stay_open() {
    raise_own_file_limit();
    let trust = trust_dir();
    let args = [
        "--trust",
        trust.0.to_str().unwrap(),
        "--header-timeout",
        "3",
    ];
    let mut s = Server::start_under(&["prlimit", "--nofile=1024", "--"], &args);
    let mut idle: Vec<TcpStream> = (0..IDLE_CLIENTS).map(|_| half_sent(&s.addr)).collect();

    let reply = answered(&s, "/v1/challenges", r#"{"session":"slow-1"}"#);
    let challenge = reply["challenge"].as_str().unwrap();
    let login = serde_json::json!({
        "token": token("card1-auth", ORIGIN, challenge), "origin": ORIGIN, "session": "slow-1",
    });
    let verdict = answered(&s, "/v1/login", &login.to_string());
    assert_eq!(verdict["valid"], true, "{verdict}");

    let open = idle
        .iter_mut()
        .map(closed_by_service)
        .filter(|closed| !closed)
        .count();
    assert_eq!(
        open, 0,
        "idle connections still open after the header timeout"
    );
    assert!(s.running());
}
