//! Challenges in a real `redis-server` shared by two service instances, and Redis going away.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use mynakey_test_support::fixtures::ORIGIN;
use mynakey_test_support::pki::token;
use mynakey_verify::new_challenge;
use support::*;

fn pair(redis: &Redis, trust: &TempDir) -> (Server, Server) {
    let args = [
        "--trust",
        trust.0.to_str().unwrap(),
        "--redis",
        &redis.url(),
    ];
    (Server::start(&args), Server::start(&args))
}

#[test]
fn a_challenge_issued_by_one_instance_is_accepted_once_by_either() {
    let redis = Redis::start();
    let trust = trust_dir();
    let (a, b) = pair(&redis, &trust);
    assert_eq!(a.get("/v1/health").1["challengeStore"], "redis");
    let challenge = a.challenge("shared-1");
    let tok = token("card1-auth", ORIGIN, &challenge);
    let (_, body) = b.login(&tok, "shared-1");
    assert_eq!(body["valid"], true, "{body}");
    for s in [&a, &b] {
        let (_, body) = s.login(&tok, "shared-1");
        assert_eq!(body["error"]["code"], "CHALLENGE_UNKNOWN", "{body}");
    }

    // Both instances race for one challenge, many times: exactly one wins each time.
    for round in 0..20 {
        let session = format!("race-{round}");
        let challenge = a.challenge(&session);
        let tok = token("card2-auth", ORIGIN, &challenge);
        let results: Vec<bool> = std::thread::scope(|scope| {
            let runs: Vec<_> = [&a, &b]
                .map(|s| scope.spawn(|| s.login(&tok, &session).1["valid"] == true))
                .into_iter()
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        assert_eq!(results.iter().filter(|v| **v).count(), 1, "round {round}");
    }
}

#[test]
fn when_redis_goes_away_sessions_get_503_and_explicit_challenges_still_verify() {
    let mut redis = Redis::start();
    let trust = trust_dir();
    let (a, b) = pair(&redis, &trust);
    let challenge = a.challenge("gone-1");
    let tok = token("card1-auth", ORIGIN, &challenge);
    redis.kill();

    let (status, body) = b.login(&tok, "gone-1");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "STORE_UNAVAILABLE", "{body}");
    let (status, _) = a.post("/v1/challenges", r#"{"session":"gone-2"}"#);
    assert_eq!(status, 503);
    let explicit = new_challenge();
    let (status, body) = a.login_with(&token("card2-auth", ORIGIN, &explicit), &explicit);
    assert_eq!((status, &body["valid"]), (200, &true.into()), "{body}");

    // Redis back (empty: no persistence): the old challenge was never accepted, and is gone.
    let _back = Redis::start_on(redis.port);
    let recovered = wait_until(Duration::from_secs(10), || b.login(&tok, "gone-1").0 == 200);
    assert!(recovered, "the instance did not reconnect to Redis");
    let (_, body) = a.login(&tok, "gone-1");
    assert_eq!(body["error"]["code"], "CHALLENGE_UNKNOWN", "{body}");
    let challenge = b.challenge("gone-3");
    let (_, body) = a.login(&token("card1-auth", ORIGIN, &challenge), "gone-3");
    assert_eq!(body["valid"], true, "{body}");
}

/// A session login on `s` that verifies, or why not.
fn session_login(s: &Server, session: &str) -> Result<(), String> {
    let body = format!(r#"{{"session":"{session}"}}"#);
    let (status, reply) =
        request(&s.addr, "POST", "/v1/challenges", &body).map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(reply.to_string());
    }
    let tok = token(
        "card1-auth",
        ORIGIN,
        reply["challenge"].as_str().unwrap_or(""),
    );
    let (_, verdict) = s.login(&tok, session);
    (verdict["valid"] == true)
        .then_some(())
        .ok_or(verdict.to_string())
}

#[test]
fn health_is_503_while_redis_is_down_and_logins_work_soon_after_it_returns() {
    let mut redis = Redis::start();
    let trust = trust_dir();
    let s = Server::start(&[
        "--trust",
        trust.0.to_str().unwrap(),
        "--redis",
        &redis.url(),
    ]);
    let (status, body) = s.get("/v1/health");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["challengeStoreReachable"], true, "{body}");
    session_login(&s, "back-1").unwrap();

    redis.kill();
    let (status, body) = s.get("/v1/health");
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        (&body["ready"], &body["challengeStoreReachable"]),
        (&false.into(), &false.into()),
        "{body}"
    );

    let _back = Redis::start_on(redis.port);
    let mut last = Err(String::new());
    let recovered = wait_until(Duration::from_secs(10), || {
        last = session_login(&s, "back-2");
        last.is_ok()
    });
    assert!(
        recovered,
        "no session login within 10 s of Redis returning: {last:?}"
    );
    let (status, body) = s.get("/v1/health");
    assert_eq!(status, 200, "{body}");
}

/// Copies bytes both ways between two connections until either side closes.
fn pipe(a: TcpStream, b: TcpStream) {
    let (a2, b2) = (a.try_clone().unwrap(), b.try_clone().unwrap());
    for (mut from, mut to) in [(a, b), (b2, a2)] {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from, &mut to);
            let _ = to.shutdown(std::net::Shutdown::Write);
        });
    }
}

#[test]
fn sighup_while_starting_does_not_end_the_service() {
    let redis = Redis::start();
    let trust = trust_dir();
    for round in 0..5 {
        // The service reaches Redis through this relay, so the test knows it is past its
        // first instructions (connecting, after loading roots) when the signal is sent.
        let relay = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("redis://{}/0", relay.local_addr().unwrap());
        let mut child = spawn(
            &[],
            &["--trust", trust.0.to_str().unwrap(), "--redis", &url],
        );
        let (first, _) = relay.accept().unwrap();
        for _ in 0..3 {
            hup(&child);
        }
        let real = format!("127.0.0.1:{}", redis.port);
        pipe(first, TcpStream::connect(&real).unwrap());
        std::thread::spawn(move || {
            for conn in relay.incoming().flatten() {
                pipe(conn, TcpStream::connect(&real).unwrap());
            }
        });
        // Had the signal ended it, stdout closes before the ready line.
        let addr = ready_line(&mut child);
        let (status, body) = request(&addr, "GET", "/v1/health", "").unwrap();
        assert_eq!(status, 200, "round {round}: {body}");
        let _ = child.kill();
        let _ = child.wait();
    }
}
