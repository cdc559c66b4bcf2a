//! The service's HTTP API over real loopback HTTP, with in-memory challenges.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_test_support::fixtures::ORIGIN;
use mynakey_test_support::pki::{pki, sign, token};
use mynakey_verify::new_challenge;
use sha2::{Digest, Sha256};
use support::*;

fn server() -> (Server, TempDir) {
    let trust = trust_dir();
    let server = Server::start(&["--trust", trust.0.to_str().unwrap()]);
    (server, trust)
}

#[test]
fn a_session_challenge_verifies_once() {
    let (s, _t) = server();
    let challenge = s.challenge("sess-1");
    let tok = token("card1-auth", ORIGIN, &challenge);
    let (status, body) = s.login(&tok, "sess-1");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["valid"], true, "{body}");
    assert_eq!(body["identity"]["serialNumber"], "01A2B3C4", "{body}");
    // The same session again: the challenge was used up.
    let (status, body) = s.login(&tok, "sess-1");
    assert_eq!(status, 200);
    assert_eq!(body["valid"], false);
    assert_eq!(body["error"]["code"], "CHALLENGE_UNKNOWN", "{body}");
}

#[test]
fn the_token_is_taken_as_the_page_gives_it_an_object_or_as_its_text() {
    let (s, _t) = server();
    let tok = |session: &str| token("card1-auth", ORIGIN, &s.challenge(session));
    let object: serde_json::Value = serde_json::from_str(&tok("obj")).unwrap();
    assert!(object.is_object());
    let (status, body) = s.login_token(object, "obj");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["valid"], true, "{body}");
    assert_eq!(body["identity"]["serialNumber"], "01A2B3C4", "{body}");
    let (_, body) = s.login(&tok("text"), "text");
    assert_eq!(body["valid"], true, "{body}");

    // The object is capped like the text: its bytes as sent, at most 10,000.
    let mut big: serde_json::Value = serde_json::from_str(&tok("big")).unwrap();
    big["appVersion"] = "x".repeat(10_000).into();
    let (status, body) = s.login_token(big.clone(), "big");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["error"]["code"], "TOKEN_SIZE", "{body}");
    s.challenge("big");
    let (_, body) = s.login(&big.to_string(), "big");
    assert_eq!(body["error"]["code"], "TOKEN_SIZE", "{body}");

    // Anything else is a malformed request, and it uses no challenge up.
    let live = s.challenge("other");
    for other in [
        serde_json::json!(1),
        serde_json::json!(["a"]),
        serde_json::json!(null),
    ] {
        let (status, body) = s.login_token(other.clone(), "other");
        assert_eq!(status, 400, "{other}: {body}");
        assert_eq!(body["error"]["code"], "BAD_REQUEST", "{other}: {body}");
    }
    let (_, body) = s.login(&token("card1-auth", ORIGIN, &live), "other");
    assert_eq!(body["valid"], true, "{body}");
}

#[test]
fn a_failed_attempt_uses_the_challenge_up_and_a_new_one_replaces_the_old() {
    let (s, _t) = server();
    let challenge = s.challenge("sess-2");
    let other = new_challenge();
    let (_, body) = s.login(&token("card1-auth", ORIGIN, &other), "sess-2");
    assert_eq!(body["error"]["code"], "SIGNATURE_INVALID", "{body}");
    let (_, body) = s.login(&token("card1-auth", ORIGIN, &challenge), "sess-2");
    assert_eq!(body["error"]["code"], "CHALLENGE_UNKNOWN", "{body}");

    let first = s.challenge("sess-3");
    let second = s.challenge("sess-3");
    assert_ne!(first, second);
    let (_, body) = s.login(&token("card2-auth", ORIGIN, &first), "sess-3");
    assert_eq!(body["error"]["code"], "SIGNATURE_INVALID", "{body}");
    let (_, body) = s.post("/v1/challenges", r#"{"session":"sess-4"}"#);
    assert!(body["expiresAt"].as_str().unwrap().ends_with('Z'), "{body}");
}

#[test]
fn an_explicit_challenge_is_verified_without_the_store() {
    let (s, _t) = server();
    let challenge = new_challenge();
    let (status, body) = s.login_with(&token("card2-auth", ORIGIN, &challenge), &challenge);
    assert_eq!((status, &body["valid"]), (200, &true.into()), "{body}");
    let (_, body) = s.login_with(&token("card2-auth", ORIGIN, &challenge), &new_challenge());
    assert_eq!(body["error"]["code"], "SIGNATURE_INVALID", "{body}");
}

#[test]
fn a_document_signature_names_the_signer() {
    let (s, _t) = server();
    let hash = Sha256::digest(b"contract v1");
    let sig = sign("card1-sign.key.der", b"contract v1");
    let body = |hash: &[u8]| {
        serde_json::json!({
            "hashAlgorithm": "SHA-256",
            "hash": STANDARD.encode(hash),
            "signature": STANDARD.encode(&sig),
            "certificate": STANDARD.encode(pki("card1-sign.der")),
        })
        .to_string()
    };
    let (status, verdict) = s.post("/v1/signature", &body(&hash));
    assert_eq!(status, 200, "{verdict}");
    assert_eq!(verdict["valid"], true, "{verdict}");
    assert!(verdict["identity"]["name"].is_string(), "{verdict}");
    let (_, verdict) = s.post("/v1/signature", &body(&Sha256::digest(b"contract v2")));
    assert_eq!(verdict["error"]["code"], "SIGNATURE_INVALID", "{verdict}");
}

#[test]
fn malformed_requests_get_a_clear_4xx() {
    let (s, _t) = server();
    let cases = [
        ("/v1/challenges", "{not json".to_owned()),
        ("/v1/challenges", r#"{"session":""}"#.to_owned()),
        ("/v1/challenges", r#"{"session":"a b"}"#.to_owned()),
        ("/v1/challenges", r#"{"session":"x","extra":1}"#.to_owned()),
        ("/v1/login", r#"{"token":"t","origin":"o"}"#.to_owned()),
        (
            "/v1/login",
            r#"{"token":"t","origin":"o","session":"s","challenge":"c"}"#.to_owned(),
        ),
        // A token object that smuggles a second origin or trails text is not a request.
        (
            "/v1/login",
            r#"{"token":{"a":1},"origin":"https://evil.example","origin":"o","session":"s"}"#
                .to_owned(),
        ),
        (
            "/v1/login",
            r#"{"token":{},"origin":"o","session":"s"},"origin":"p"}"#.to_owned(),
        ),
        (
            "/v1/signature",
            r#"{"hashAlgorithm":"MD5","hash":"","signature":"","certificate":""}"#.to_owned(),
        ),
        (
            "/v1/signature",
            r#"{"hashAlgorithm":"SHA-256","hash":"!!","signature":"","certificate":""}"#.to_owned(),
        ),
    ];
    for (path, body) in cases {
        let (status, reply) = s.post(path, &body);
        assert_eq!(status, 400, "{path} {body}: {reply}");
        assert_eq!(
            reply["error"]["code"], "BAD_REQUEST",
            "{path} {body}: {reply}"
        );
    }
    let huge = format!(r#"{{"session":"{}"}}"#, "a".repeat(70 * 1024));
    assert_eq!(s.post("/v1/challenges", &huge).0, 413);
    assert_eq!(s.get("/v1/nothing").0, 404);
    assert_eq!(s.get("/v1/login").0, 405);
}

#[test]
fn health_is_ready_without_crls() {
    let (s, _t) = server();
    let (status, body) = s.get("/v1/health");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ready"], true);
    assert_eq!(body["challengeStore"], "memory");
    assert_eq!(body["crls"].as_array().unwrap().len(), 0);
}

#[test]
fn over_the_live_challenge_cap_issue_is_refused_with_store_full() {
    let trust = trust_dir();
    let s = Server::start(&[
        "--trust",
        trust.0.to_str().unwrap(),
        "--max-challenges",
        "2",
    ]);
    let a = s.challenge("cap-a");
    s.challenge("cap-b");
    let (status, body) = s.post("/v1/challenges", r#"{"session":"cap-c"}"#);
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "STORE_FULL", "{body}");
    // Re-issuing for a live session replaces, it does not add; a used one frees its place.
    s.challenge("cap-b");
    let (_, verdict) = s.login(&token("card1-auth", ORIGIN, &a), "cap-a");
    assert_eq!(verdict["valid"], true, "{verdict}");
    s.challenge("cap-c");
}

#[test]
fn the_openapi_document_is_served_as_checked_in() {
    let (s, _t) = server();
    let (status, served) = s.get("/v1/openapi.json");
    assert_eq!(status, 200, "{served}");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let checked_in: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(served, checked_in);
    assert_eq!(served["openapi"], "3.1.0");
}
