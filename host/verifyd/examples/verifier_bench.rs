//! The verifier's benchmark driver (tests/bench/verifier.sh runs it; never a timed test):
//!
//!   verifier_bench gen COUNT FILE        a COUNT-entry CRL signed by the test root (DER)
//!   verifier_bench load FILE             load it once: wall and CPU seconds, resident and
//!                                        peak memory (MiB)
//!   verifier_bench rate SECONDS [FILE]   login verifications per CPU second on one thread,
//!                                        µs CPU each, and per wall second
//!   verifier_bench token CHALLENGE       a login proof by test card2 for the HTTP benchmark
//!   verifier_bench issue COUNT SECONDS   the service's in-memory challenge store holding
//!                                        COUNT live sessions: seconds to fill it, then µs CPU
//!                                        per issue (a new session, then taken), the
//!                                        99.9th percentile of one issue in µs wall, and
//!                                        resident MiB
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::time::{Duration, Instant};

use mynakey_test_support::fixtures::ORIGIN;
use mynakey_test_support::pki::{self, test_trust};
use mynakey_verify::{new_challenge, verify_login, DEFAULT_CHALLENGE_TTL};
use mynakey_verifyd::memory::MemoryStore;

/// CPU time this thread has used, seconds (the machine is shared: wall time would count the
/// time other processes had the core).
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap();
    stat.split_whitespace()
        .next()
        .unwrap()
        .parse::<f64>()
        .unwrap()
        / 1e9
}

/// VmRSS and VmHWM of this process, MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib = |key: &str| -> f64 {
        let line = status.lines().find(|l| l.starts_with(key)).unwrap();
        line.split_whitespace()
            .nth(1)
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
}

/// Session ids as a relying party might make them: 43 characters (a hashed cookie).
fn session(n: u64) -> String {
    format!("{n:043}")
}

fn issue(count: u64, seconds: f64) {
    let store = MemoryStore::new(DEFAULT_CHALLENGE_TTL, count as usize + 1);
    let start = Instant::now();
    for n in 0..count {
        store.issue(&session(n)).unwrap();
    }
    let fill = start.elapsed().as_secs_f64();
    // Before the samples below take memory of their own.
    let (rss, _) = memory();
    let (start, cpu0) = (Instant::now(), cpu());
    let (mut n, mut each) = (count, Vec::new());
    while start.elapsed() < Duration::from_secs_f64(seconds) {
        let s = session(n);
        let one = Instant::now();
        store.issue(&s).unwrap();
        each.push(one.elapsed().as_secs_f64() * 1e6);
        store.take(&s).unwrap();
        n += 1;
    }
    let per = (cpu() - cpu0) * 1e6 / (n - count) as f64;
    each.sort_by(f64::total_cmp);
    let p999 = each[each.len() * 999 / 1000];
    report(format_args!(
        "{} {fill:.2} {per:.2} {p999:.1} {rss:.0}",
        store.len()
    ));
}

/// One line of the report, written to a locked stdout like the token.
fn report(line: std::fmt::Arguments) {
    writeln!(std::io::stdout().lock(), "{line}").expect("write the report to stdout");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let now = pki::now();
    match args.first().map(String::as_str) {
        Some("gen") => {
            let count: u32 = args[1].parse().unwrap();
            let der = pki::auth_crl(
                count,
                &[pki::CARD1_AUTH_SERIAL],
                "2026-11-01T00:00:00Z",
                "2036-01-01T00:00:00Z",
            );
            std::fs::write(&args[2], der).unwrap();
        }
        Some("load") => {
            let mut trust = test_trust();
            let (start, cpu0) = (Instant::now(), cpu());
            let bytes = std::fs::read(&args[1]).unwrap();
            trust.add_crl(&bytes).unwrap();
            let (secs, cpu_secs) = (start.elapsed().as_secs_f64(), cpu() - cpu0);
            drop(bytes);
            let (rss, hwm) = memory();
            let entries = trust.crls(now)[0].entries;
            report(format_args!(
                "{entries} {secs:.3} {cpu_secs:.3} {rss:.1} {hwm:.1}"
            ));
        }
        Some("rate") => {
            let seconds: f64 = args[1].parse().unwrap();
            let mut trust = test_trust();
            if let Some(file) = args.get(2) {
                trust.add_crl(&std::fs::read(file).unwrap()).unwrap();
            }
            let challenge = new_challenge();
            let token = pki::token("card2-auth", ORIGIN, &challenge);
            let (start, cpu0, mut n) = (Instant::now(), cpu(), 0u64);
            while start.elapsed() < Duration::from_secs_f64(seconds) {
                for _ in 0..100 {
                    verify_login(&token, ORIGIN, &challenge, &trust, now).unwrap();
                }
                n += 100;
            }
            let (secs, cpu_secs) = (start.elapsed().as_secs_f64(), cpu() - cpu0);
            let per = |t: f64| (n as f64 / t, t * 1e6 / n as f64);
            let ((wall_rate, _), (cpu_rate, cpu_us)) = (per(secs), per(cpu_secs));
            report(format_args!("{cpu_rate:.0} {cpu_us:.1} {wall_rate:.0}"));
        }
        Some("token") => writeln!(
            std::io::stdout(),
            "{}",
            pki::token("card2-auth", ORIGIN, &args[1])
        )
        .expect("write the token to stdout"),
        Some("issue") => issue(args[1].parse().unwrap(), args[2].parse().unwrap()),
        _ => panic!("usage: see the module comment"),
    }
}
