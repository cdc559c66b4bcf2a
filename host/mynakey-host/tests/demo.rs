//! `mynakey-host demo --save DIR` as a person runs it: exit 0, the levels it prints, and its
//! files judged again here by the documents crate with trust taken from `tests/fixtures/pki`
//! (not from the lab): the PDF is PAdES B-LTA, the `.p7s` CAdES-T, both timestamped by the lab's
//! TEST TSA, whose root the demo wrote beside them.
#![cfg(feature = "simulator")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use mynakey_documents::{verify_cms_with, verify_pdf_with, Level, TsaTrust, Validation};
use mynakey_test_support::pki::{pki, test_trust};
use mynakey_verify::certificate_der;

/// The lab TSA's policy, as `mynakey_simulator::lab_pki::LAB_TSA_POLICY` spells it.
const LAB_TSA_POLICY: &str = "1.3.6.1.4.1.99999.2";

fn run_demo() -> (PathBuf, String) {
    let dir = mynakey_test_support::scratch_dir("demo").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mynakey-host"))
        .args(["demo", "--save"])
        .arg(&dir)
        .env("MYNAKEY_LOG_LEVEL", "off")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    (dir, stdout)
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

#[test]
fn the_demo_writes_a_b_lta_pdf_and_a_cades_t_p7s_with_the_test_tsa_root() {
    let (dir, stdout) = run_demo();
    for line in [
        "✓ contract-signed.pdf: PAdES B-LTA, timestamped ",
        "✓ contract.txt.p7s: CAdES B-T (CAdES-T), timestamped ",
        "the root of a TEST TSA, never a real one",
        "All checks passed.",
    ] {
        assert!(stdout.contains(line), "no {line:?} in\n{stdout}");
    }
    // The TSA root beside the documents is the committed fixture.
    let written = certificate_der(read(&dir, "test-tsa-root.pem")).unwrap();
    assert_eq!(written, pki("tsa-root.der"));

    let trust = test_trust();
    let tsa_trust = TsaTrust::from_der(&[&pki("tsa-root.der")]).unwrap();
    let validation = Validation::new(&trust, SystemTime::now()).with_tsa_trust(&tsa_trust);
    let pdf = verify_pdf_with(&read(&dir, "contract-signed.pdf"), &validation).unwrap();
    let [signature] = pdf.signatures.as_slice() else {
        panic!("{pdf:?}")
    };
    assert_eq!(signature.judgement.level, Level::BLTA);
    let timestamp = signature.judgement.timestamp.as_ref().unwrap();
    assert_eq!(timestamp.policy, LAB_TSA_POLICY);
    assert_eq!(signature.judgement.judged_at, timestamp.gen_time);
    let [archive] = pdf.document_timestamps.as_slice() else {
        panic!("{pdf:?}")
    };
    assert!(archive.covers_whole_document && archive.covers_dss && archive.timestamp.is_some());
    // The DSS's CRL of the signing root was used: issued at or after the timestamp.
    assert_eq!(pdf.dss.as_ref().map(|d| d.crls_used), Some(1));

    let text = read(&dir, "contract.txt");
    let cms = verify_cms_with(&read(&dir, "contract.txt.p7s"), &text, &validation).unwrap();
    assert_eq!(cms.judgement.level, Level::BT);
    assert_eq!(cms.judgement.timestamp.unwrap().policy, LAB_TSA_POLICY);
}

#[test]
fn the_demo_timestamps_count_only_with_the_test_tsa_root() {
    let (dir, _) = run_demo();
    let trust = test_trust();
    let pdf = read(&dir, "contract-signed.pdf");
    // Without TSA roots the timestamps are not checked: B-B, judged now.
    let unchecked = verify_pdf_with(&pdf, &Validation::new(&trust, SystemTime::now())).unwrap();
    assert_eq!(unchecked.signatures[0].judgement.level, Level::BB);
    assert!(unchecked.signatures[0].judgement.timestamp_not_checked);
    // Another root for TSAs: refused.
    let other = TsaTrust::from_der(&[&pki("sign-root-2.der")]).unwrap();
    let validation = Validation::new(&trust, SystemTime::now()).with_tsa_trust(&other);
    let err = verify_pdf_with(&pdf, &validation).unwrap_err();
    assert_eq!(err.code(), "TSA_UNTRUSTED", "{err}");
}
