//! The service with CRLs: health, stale lists, and reload on SIGHUP without dropping requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mynakey_test_support::fixtures::ORIGIN;
use mynakey_test_support::pki::token;
use mynakey_verify::new_challenge;
use support::*;

/// The service with the test roots and a 10-entry CRL (stale or current) at the returned path.
fn serve_with_crl(stale: bool) -> (Server, [TempDir; 2], std::path::PathBuf) {
    let (trust, crls) = (trust_dir(), TempDir::new("crl"));
    let crl = crls.0.join("auth.crl");
    write_crl(&crl, 10, false, stale);
    let (t, c) = (trust.0.to_str().unwrap(), crl.to_str().unwrap());
    let s = Server::start(&["--trust", t, "--crl", c]);
    (s, [trust, crls], crl)
}

#[test]
fn a_stale_crl_makes_health_not_ready_and_verdicts_crl_stale() {
    let (s, _dirs, _crl) = serve_with_crl(true);
    let (status, body) = s.get("/v1/health");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["ready"], false);
    assert_eq!(body["crls"][0]["current"], false, "{body}");
    assert_eq!(body["crls"][0]["entries"], 10, "{body}");
    let challenge = new_challenge();
    let (status, body) = s.login_with(&token("card2-auth", ORIGIN, &challenge), &challenge);
    assert_eq!(status, 200);
    assert_eq!(body["error"]["code"], "CRL_STALE", "{body}");
}

#[test]
fn sighup_swaps_in_a_million_entry_crl_without_dropping_a_request() {
    let (s, _dirs, crl) = serve_with_crl(false);
    let (status, body) = s.get("/v1/health");
    assert_eq!(
        (status, &body["crls"][0]["entries"]),
        (200, &10.into()),
        "{body}"
    );

    // Clients verify card1 continuously while the new list (which revokes it) loads.
    let stop = Arc::new(AtomicBool::new(false));
    let (answered, revoked) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let clients: Vec<_> = (0..2)
        .map(|_| {
            let (addr, stop) = (s.addr.clone(), Arc::clone(&stop));
            let (answered, revoked) = (Arc::clone(&answered), Arc::clone(&revoked));
            std::thread::spawn(move || {
                let challenge = new_challenge();
                let tok = token("card1-auth", ORIGIN, &challenge);
                let body =
                    serde_json::json!({"token": tok, "origin": ORIGIN, "challenge": challenge});
                while !stop.load(Ordering::SeqCst) {
                    // Any connection error or non-200 fails the test.
                    let (status, v) =
                        request(&addr, "POST", "/v1/login", &body.to_string()).unwrap();
                    assert_eq!(status, 200, "{v}");
                    match v["error"]["code"].as_str() {
                        None => assert_eq!(v["valid"], true, "{v}"),
                        Some("REVOKED") => {
                            revoked.fetch_add(1, Ordering::SeqCst);
                        }
                        Some(other) => panic!("unexpected verdict {other}: {v}"),
                    }
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    write_crl(&crl, 1_000_000, true, false);
    s.hup();
    let reloaded = wait_until(Duration::from_secs(60), || {
        s.get("/v1/health").1["crls"][0]["entries"] == 1_000_001
    });
    assert!(reloaded, "the new CRL was not loaded");
    let before = revoked.load(Ordering::SeqCst);
    assert!(wait_until(Duration::from_secs(10), || revoked
        .load(Ordering::SeqCst)
        > before));
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().unwrap();
    }
    assert!(answered.load(Ordering::SeqCst) > revoked.load(Ordering::SeqCst));

    // A reload that fails keeps the current list serving and says why.
    std::fs::write(&crl, b"not a CRL").unwrap();
    s.hup();
    assert!(wait_until(Duration::from_secs(20), || {
        s.get("/v1/health").1["reloadError"].is_object()
    }));
    let (status, body) = s.get("/v1/health");
    assert_eq!(
        (status, &body["crls"][0]["entries"]),
        (200, &1_000_001.into()),
        "{body}"
    );
}

#[test]
fn a_failed_reload_names_the_file_by_role_and_code_never_by_path() {
    let (s, dirs, crl) = serve_with_crl(false);
    let reload_error = || {
        let mut reported = serde_json::Value::Null;
        let ok = wait_until(Duration::from_secs(20), || {
            reported = s.get("/v1/health").1;
            reported["reloadError"].is_object()
        });
        assert!(ok, "no reloadError: {reported}");
        let text = reported.to_string();
        for dir in &dirs {
            let dir = dir.0.to_str().unwrap();
            assert!(!text.contains(dir), "health shows a path: {text}");
        }
        reported["reloadError"].clone()
    };
    std::fs::write(&crl, b"not a CRL").unwrap();
    s.hup();
    let expected = serde_json::json!({ "file": "crl", "index": 1, "code": "CRL_PARSE" });
    assert_eq!(reload_error(), expected);

    // A reload that works clears it; a file that cannot be read is READ_FAILED.
    write_crl(&crl, 10, false, false);
    s.hup();
    assert!(wait_until(Duration::from_secs(20), || {
        s.get("/v1/health").1["reloadError"].is_null()
    }));
    std::fs::remove_file(&crl).unwrap();
    s.hup();
    let expected = serde_json::json!({ "file": "crl", "index": 1, "code": "READ_FAILED" });
    assert_eq!(reload_error(), expected);
}
