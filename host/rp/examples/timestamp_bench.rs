//! Benchmark (not a test): prepare + the card's signature + finish with a timestamp from the
//! local OpenSSL TSA (`mynakey-test-tsa` over loopback HTTP) + verify at genTime, for a 1 MiB
//! PDF, split by step. `cargo run --release -p mynakey-rp --example timestamp_bench [ROUNDS]`;
//! the numbers and the machine are in docs/performance.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::time::{Duration, Instant, SystemTime};

use std::cell::Cell;

use mynakey_documents::{
    finish_pdf, finish_pdf_with, prepare_pdf, verify_pdf_with, FinishOptions, PdfSigning,
    TimestampAuthority, TimestampError, Timestamping, TsaTrust, Validation,
};
use mynakey_rp::tsa_client::HttpTsa;
use mynakey_test_support::hostile_pdf;
use mynakey_test_support::pki::{pki, sign_digest};
use mynakey_test_support::tsa::{TestTsa, TsaMode};
use mynakey_verify::{Purpose, Trust};

/// The HTTP client, with the time spent waiting for the TSA kept apart.
struct Timed(HttpTsa, Cell<Duration>);

impl TimestampAuthority for Timed {
    fn post(&self, request: &[u8]) -> Result<Vec<u8>, TimestampError> {
        let start = Instant::now();
        let answer = self.0.post(request);
        self.1.set(start.elapsed());
        answer
    }
}

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

fn main() {
    let rounds: usize = std::env::args().nth(1).map_or(20, |n| n.parse().unwrap());
    // One page and a 1 MiB stream of incompressible bytes.
    let payload: Vec<u8> = (0..1u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut stream = format!("<< /Length {} >>\nstream\n", payload.len()).into_bytes();
    stream.extend_from_slice(&payload);
    stream.extend_from_slice(b"\nendstream");
    let pdf = hostile_pdf::pdf_with(&[stream]);
    let certificate = pki("card1-sign.der");
    let tsa = TestTsa::start(TsaMode::Grant).unwrap();
    let client = Timed(
        HttpTsa::new(tsa.url(), Duration::from_secs(10)).unwrap(),
        Cell::new(Duration::ZERO),
    );
    let tsa_trust = TsaTrust::from_der(&[&pki("tsa-root.der")]).unwrap();
    let mut trust = Trust::empty();
    trust
        .add_root(Purpose::Signature, &pki("sign-root-2.der"))
        .unwrap();
    let options = FinishOptions::new().with_timestamping(Timestamping {
        authority: &client,
        trust: &tsa_trust,
    });
    let steps = [
        "prepare",
        "card (simulated RSA)",
        "finish (B-B)",
        "finish + timestamp (B-T)",
        "  of which the TSA round trip",
        "  of which ours (B-T − B-B − round trip)",
        "verify B-T at genTime",
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); steps.len()];
    for _ in 0..rounds {
        let timed = |times: &mut Vec<Duration>, start: Instant| times.push(start.elapsed());
        let start = Instant::now();
        let prepared =
            prepare_pdf(&pdf, &certificate, &PdfSigning::new(SystemTime::now())).unwrap();
        timed(&mut times[0], start);
        let start = Instant::now();
        let signature = sign_digest("card1-sign.key.der", &prepared.hash());
        timed(&mut times[1], start);
        let start = Instant::now();
        finish_pdf(&prepared, &signature).unwrap();
        let b_b = start.elapsed();
        times[2].push(b_b);
        let start = Instant::now();
        let signed = finish_pdf_with(&prepared, &signature, &options).unwrap();
        let b_t = start.elapsed();
        times[3].push(b_t);
        let round_trip = client.1.get();
        times[4].push(round_trip);
        times[5].push(b_t.saturating_sub(b_b + round_trip));
        let start = Instant::now();
        let validation = Validation::new(&trust, SystemTime::now()).with_tsa_trust(&tsa_trust);
        verify_pdf_with(&signed, &validation).unwrap();
        timed(&mut times[6], start);
    }
    // The table goes to stdout like every bench's report; a closed pipe ends the run quietly.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "| step ({} KiB PDF, median of {rounds}) | ms |\n|---|---|",
        pdf.len() / 1024
    );
    for (step, samples) in steps.iter().zip(times) {
        let _ = writeln!(out, "| {step} | {:.1} |", median(samples));
    }
}
