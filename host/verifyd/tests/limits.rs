//! Slow and idle clients: under systemd's default file limit (1,024), 1,100 half-sent
//! requests neither keep a legitimate login from being answered nor stay open past the
//! header timeout. Liveness checks with generous limits, not timings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use mynakey_test_support::fixtures::ORIGIN;
use mynakey_test_support::pki::token;
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
        // Long, so only the header timeout can end the half-sent connections.
        "--idle-timeout",
        "3600",
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

/// Writes pipelined requests without reading a reply until the connection takes no more.
fn stalled_reader(addr: &str) -> TcpStream {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
    let health = b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1_000);
    while c.write_all(&health).is_ok() {}
    c
}

#[test]
fn a_client_that_stops_reading_is_dropped_after_the_idle_timeout() {
    let trust = trust_dir();
    let t = trust.0.to_str().unwrap();
    // A long header timeout, so only the idle timeout can end this connection.
    let s = Server::start(&[
        "--trust",
        t,
        "--header-timeout",
        "3600",
        "--idle-timeout",
        "11",
    ]);
    let mut c = stalled_reader(&s.addr);
    // Once the service has closed it (with our requests unread), writes fail: reset or
    // broken pipe. Until then they only time out.
    let mut last = None;
    let dropped = wait_until(Duration::from_secs(90), || {
        let err = c.write_all(b"GET /v1/health HTTP/1.1\r\n\r\n").err();
        last = err.as_ref().map(|e| e.kind());
        matches!(
            last,
            Some(std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe)
        )
    });
    assert!(
        dropped,
        "the stalled connection was kept open (last write: {last:?})"
    );
    assert_eq!(s.get("/v1/health").0, 200);
}

#[test]
fn over_max_connections_a_connection_is_closed_at_once_and_a_freed_place_serves() {
    let trust = trust_dir();
    let t = trust.0.to_str().unwrap();
    let s = Server::start(&[
        "--trust",
        t,
        "--max-connections",
        "4",
        "--header-timeout",
        "3600",
    ]);
    let mut idle: Vec<TcpStream> = (0..4).map(|_| half_sent(&s.addr)).collect();
    // A fifth is closed long before any timeout could: no reply, just the end.
    let err = request(&s.addr, "GET", "/v1/health", "").unwrap_err();
    assert!(
        !matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "the fifth connection was held, not closed: {err}"
    );
    idle.pop();
    let mut reply = None;
    let served = wait_until(Duration::from_secs(30), || {
        reply = request(&s.addr, "GET", "/v1/health", "").ok();
        reply.is_some()
    });
    assert!(served, "a freed place was not used");
    assert_eq!(reply.unwrap().0, 200);
}
