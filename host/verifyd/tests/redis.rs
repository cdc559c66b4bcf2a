//! Challenges in a real `redis-server` shared by two service instances, and Redis going away.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use mynakey_verify::new_challenge;
use support::testpki::token;
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
    let recovered = wait_until(std::time::Duration::from_secs(20), || {
        b.login(&tok, "gone-1").0 == 200
    });
    assert!(recovered, "the instance did not reconnect to Redis");
    let (_, body) = a.login(&tok, "gone-1");
    assert_eq!(body["error"]["code"], "CHALLENGE_UNKNOWN", "{body}");
    let challenge = b.challenge("gone-3");
    let (_, body) = a.login(&token("card1-auth", ORIGIN, &challenge), "gone-3");
    assert_eq!(body["valid"], true, "{body}");
}
