//! Benchmark (not a test): prepare + the card's signature + finish with a timestamp from the
//! local OpenSSL TSA (`mynakey-test-tsa` over loopback HTTP) + long-term validation (the DSS,
//! then a document timestamp from the same TSA) + verify, for a 1 MiB PDF, split by step.
//! `cargo run --release -p mynakey-rp --example timestamp_bench [ROUNDS] [CRL_ENTRIES]`;
//! CRL_ENTRIES (default 0) also offers a CRL of that many entries by another issuer (the auth
//! root), as a JPKI partition set holds lists that cover none of the file's certificates: the
//! DSS leaves it out. The numbers and the machine are in docs/performance.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::Cell;
use std::io::Write;
use std::time::{Duration, Instant, SystemTime};

use mynakey_documents::{
    add_document_timestamp, add_validation_data, finish_pdf, finish_pdf_with, prepare_pdf,
    verify_pdf_with, FinishOptions, Level, PdfSigning, TimestampAuthority, TimestampError,
    Timestamping, TsaTrust, Validation, ValidationData,
};
use mynakey_rp::tsa_client::HttpTsa;
use mynakey_test_support::crl::make_crl;
use mynakey_test_support::hostile_pdf;
use mynakey_test_support::pki::{auth_crl, pki, sign_digest};
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

const STEPS: [&str; 14] = [
    "prepare",
    "card (simulated RSA)",
    "finish (B-B)",
    "finish + timestamp (B-T)",
    "  of which the TSA round trip",
    "  of which ours (B-T − B-B − round trip)",
    "verify B-T at genTime",
    "ltv: DSS (B-LT)",
    "ltv: document timestamp (B-LTA)",
    "  of which the TSA round trip",
    "  of which ours (document timestamp − round trip)",
    "verify B-LTA",
    "timestamp + LTV beyond the TSA round trips",
    "prepare + finish + timestamp + LTV beyond the card and the TSA round trips",
];

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

/// One page and a 1 MiB stream of incompressible bytes.
fn one_mib_pdf() -> Vec<u8> {
    let payload: Vec<u8> = (0..1u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut stream = format!("<< /Length {} >>\nstream\n", payload.len()).into_bytes();
    stream.extend_from_slice(&payload);
    stream.extend_from_slice(b"\nendstream");
    hostile_pdf::pdf_with(&[stream])
}

/// The DSS's data: the roots, and CRLs of the sign root and the TSA root issued at `issued`
/// (after every round's timestamps), plus a CRL of `extra_entries` entries that covers none of
/// the file's certificates (left out of the DSS).
fn validation_data(issued: SystemTime, extra_entries: u32) -> ValidationData {
    let mut data = ValidationData::default();
    data.issuers = vec![pki("sign-root-2.der"), pki("tsa-root.der")];
    data.crls = vec![
        make_crl("sign-root-2", issued, &[]).unwrap(),
        make_crl("tsa-root", issued, &[]).unwrap(),
    ];
    if extra_entries > 0 {
        let t = "2026-01-15T00:00:00Z";
        data.crls
            .push(auth_crl(extra_entries, &[], t, "2036-01-15T00:00:00Z"));
    }
    data
}

/// What every round uses: the PDF, the TSA and its client, the roots, the DSS's data.
struct Setup {
    pdf: Vec<u8>,
    certificate: Vec<u8>,
    client: Timed,
    tsa_trust: TsaTrust,
    trust: Trust,
    data: ValidationData,
    /// When the B-LTA files are verified: after the CRLs' thisUpdate.
    verified_at: SystemTime,
    _tsa: TestTsa,
}

fn setup(extra_crl_entries: u32) -> Setup {
    let tsa = TestTsa::start(TsaMode::Grant).unwrap();
    let client = Timed(
        HttpTsa::new(tsa.url(), Duration::from_secs(10), &[]).unwrap(),
        Cell::new(Duration::ZERO),
    );
    let mut trust = Trust::empty();
    trust
        .add_root(Purpose::Signature, &pki("sign-root-2.der"))
        .unwrap();
    // The CRLs are issued an hour from now and the B-LTA files verified two hours from now:
    // after every timestamp of the run, as a relying party's would be.
    let issued = SystemTime::now() + Duration::from_secs(3600);
    Setup {
        pdf: one_mib_pdf(),
        certificate: pki("card1-sign.der"),
        client,
        tsa_trust: TsaTrust::from_der(&[&pki("tsa-root.der")]).unwrap(),
        trust,
        data: validation_data(issued, extra_crl_entries),
        verified_at: issued + Duration::from_secs(3600),
        _tsa: tsa,
    }
}

/// One document through every step, each step's time pushed to `times` (as in [`STEPS`]);
/// returns the B-LTA file's length.
fn round(s: &Setup, times: &mut [Vec<Duration>]) -> usize {
    let timestamping = || Timestamping {
        authority: &s.client,
        trust: &s.tsa_trust,
    };
    let mut step = |i: usize, start: Instant| {
        let took = start.elapsed();
        times[i].push(took);
        took
    };
    let start = Instant::now();
    let prepared =
        prepare_pdf(&s.pdf, &s.certificate, &PdfSigning::new(SystemTime::now())).unwrap();
    let prepare = step(0, start);
    let start = Instant::now();
    let signature = sign_digest("card1-sign.key.der", &prepared.hash());
    step(1, start);
    let start = Instant::now();
    finish_pdf(&prepared, &signature).unwrap();
    let b_b = step(2, start);
    let start = Instant::now();
    let options = FinishOptions::new().with_timestamping(timestamping());
    let signed = finish_pdf_with(&prepared, &signature, &options).unwrap();
    let b_t = step(3, start);
    let round_trip = s.client.1.get();
    let start = Instant::now();
    let validation = Validation::new(&s.trust, SystemTime::now()).with_tsa_trust(&s.tsa_trust);
    verify_pdf_with(&signed, &validation).unwrap();
    step(6, start);
    let start = Instant::now();
    let with_dss = add_validation_data(&signed, &s.data).unwrap();
    let dss = step(7, start);
    let start = Instant::now();
    let archived = add_document_timestamp(&with_dss, &timestamping(), SystemTime::now()).unwrap();
    let doc_ts = step(8, start);
    let doc_round_trip = s.client.1.get();
    let start = Instant::now();
    let validation = Validation::new(&s.trust, s.verified_at).with_tsa_trust(&s.tsa_trust);
    let report = verify_pdf_with(&archived, &validation).unwrap();
    step(11, start);
    assert_eq!(report.signatures[0].judgement.level, Level::BLTA);
    let b_t_ours = b_t.saturating_sub(b_b + round_trip);
    let doc_ts_ours = doc_ts.saturating_sub(doc_round_trip);
    for (i, value) in [
        (4, round_trip),
        (5, b_t_ours),
        (9, doc_round_trip),
        (10, doc_ts_ours),
        (12, b_t_ours + dss + doc_ts_ours),
        (
            13,
            prepare + b_t.saturating_sub(round_trip) + dss + doc_ts_ours,
        ),
    ] {
        times[i].push(value);
    }
    archived.len()
}

fn main() {
    let rounds: usize = std::env::args().nth(1).map_or(20, |n| n.parse().unwrap());
    let extra: u32 = std::env::args().nth(2).map_or(0, |n| n.parse().unwrap());
    let setup = setup(extra);
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); STEPS.len()];
    let mut archived_len = 0;
    for _ in 0..rounds {
        archived_len = round(&setup, &mut times);
    }
    report(&setup.pdf, archived_len, &setup.data, rounds, times);
}

/// The table, to stdout like every bench's report; a closed pipe ends the run quietly.
fn report(
    pdf: &[u8],
    archived_len: usize,
    data: &ValidationData,
    rounds: usize,
    times: Vec<Vec<Duration>>,
) {
    let crl_kib = data.crls.iter().map(Vec::len).sum::<usize>() as f64 / 1024.0;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "| step ({} KiB PDF, {crl_kib:.1} KiB of CRLs given, B-LTA file {} KiB; median of {rounds}) | ms |\n|---|---|",
        pdf.len() / 1024,
        archived_len / 1024,
    );
    for (step, samples) in STEPS.iter().zip(times) {
        let _ = writeln!(out, "| {step} | {:.1} |", median(samples));
    }
}
