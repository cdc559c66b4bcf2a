//! Soak: many login proofs in one host process, whose resident memory must stay flat (issue 16:
//! the simulated card's APDU log once grew without bound in a `--simulator` host).
//!
//! Run by `tests/soak/run.sh` (the `soak` suite of `tests/run.sh`) against a release build. Without
//! `MYNAKEY_SOAK=1` every test returns at once; the pcscd one also needs the stack of
//! `tests/system/run.sh` (which runs it with `MYNAKEY_SYSTEM_TESTS=soak`).
//!
//! Memory is the assertion; the time limit is only a safety bound against a hang, and the
//! measured duration is printed, never asserted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mynakey_test_support::fixtures::{CHALLENGE, ORIGIN};
use mynakey_test_support::pki::{now, test_trust};
use std::fs;
use std::time::{Duration, Instant};

use serde_json::json;

mod support;
use support::host::Host;

/// Growth allowed between the warm-up mark and the last proof.
const SLACK_KIB: u64 = 1024;

fn enabled(name: &str) -> bool {
    let on = std::env::var("MYNAKEY_SOAK").as_deref() == Ok("1");
    if !on {
        eprintln!("{name}: skipped (run tests/soak/run.sh)");
    }
    on
}

/// `count` login proofs on `host`; VmRSS after the first `warm_up` and after the last must differ
/// by at most [`SLACK_KIB`]. Every proof is checked to be a result; the last one is verified.
fn soak(name: &str, host: &mut Host, count: usize, warm_up: usize, cap: Duration) {
    let args = json!({"origin": ORIGIN, "challenge": CHALLENGE, "pin": "1234"});
    let started = Instant::now();
    let mut after_warm_up = 0;
    let mut last = json!(null);
    for i in 1..=count {
        last = host.ok(i, "authenticate", args.clone());
        if i == warm_up {
            after_warm_up = host.rss_kib();
        }
        assert!(
            started.elapsed() < cap,
            "{name}: {i} proofs took longer than the {cap:?} safety bound"
        );
    }
    let after_last = host.rss_kib();
    mynakey_verify::verify_login(&last.to_string(), ORIGIN, CHALLENGE, &test_trust(), now())
        .unwrap();
    eprintln!(
        "{name}: {count} proofs in {:.1} s; VmRSS {after_warm_up} KiB after {warm_up}, \
         {after_last} KiB after {count}",
        started.elapsed().as_secs_f64()
    );
    assert!(
        after_last <= after_warm_up + SLACK_KIB,
        "{name}: resident memory grew from {after_warm_up} KiB (after {warm_up} proofs) to \
         {after_last} KiB (after {count})"
    );
}

#[test]
fn soak_simulator_host_stays_flat_over_10000_proofs() {
    let name = "soak_simulator_host_stays_flat_over_10000_proofs";
    if !enabled(name) {
        return;
    }
    let dir = std::env::temp_dir().join(format!("mynakey-soak-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let stderr = dir.join("host.stderr");
    // run.sh passes the release build as MYNAKEY_TEST_HOST.
    let mut command = support::launcher().command();
    // No --apdu-log: the simulated card keeps its log in memory, the case that grew.
    command
        .arg("--simulator")
        .env("MYNAKEY_CONFIG", dir.join("no-config.json"))
        .stderr(fs::File::create(&stderr).unwrap());
    let mut host = Host::spawn(command);
    host.panic_free = vec![stderr];
    soak(name, &mut host, 10_000, 1_000, Duration::from_secs(600));
    host.close();
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn soak_pcsc_host_stays_flat_over_2000_proofs() {
    let name = "soak_pcsc_host_stays_flat_over_2000_proofs";
    if !enabled(name) {
        return;
    }
    let Some(s) = support::system::system(name) else {
        return;
    };
    let card = s.card(0, "card1", "");
    let mut host = s.host("soak");
    soak(name, &mut host, 2_000, 200, Duration::from_secs(300));
    host.close();
    card.assert_clean();
}
