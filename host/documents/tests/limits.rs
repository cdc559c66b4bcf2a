//! Hostile PDFs from strangers: deep nesting, a decompression bomb and too many values are
//! refused with DOCUMENT_TOO_COMPLEX or an ordinary error, never an abort or gigabytes of memory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mynakey_documents::{prepare_pdf, verify_pdf, PdfSigning, MAX_NESTING, MAX_VALUES};
use mynakey_test_support::hostile_pdf;
use mynakey_test_support::pki::{pki, signature_trust, signing_time};

/// Both ways a stranger's PDF comes in (verified, or prepared for signing) refuse it.
fn refused_as_too_complex_by_verify_and_prepare(pdf: &[u8]) {
    let err = verify_pdf(pdf, &signature_trust(), signing_time()).unwrap_err();
    assert_eq!(err.code(), "DOCUMENT_TOO_COMPLEX", "{err}");
    let signing = PdfSigning::new(signing_time());
    let err = prepare_pdf(pdf, &pki("card1-sign.der"), &signing).unwrap_err();
    assert_eq!(err.code(), "DOCUMENT_TOO_COMPLEX", "{err}");
}

#[test]
fn ten_thousand_nested_arrays_are_refused_without_overflowing_the_stack() {
    let pdf = hostile_pdf::nested_arrays(10_000);
    assert!(pdf.len() < 24 * 1024, "{}", pdf.len());
    // A stack overflow would abort this whole test binary.
    refused_as_too_complex_by_verify_and_prepare(&pdf);
}

#[test]
fn nesting_is_bounded_at_the_documented_depth_and_brackets_in_strings_do_not_nest() {
    let too_complex = |pdf: &[u8]| {
        verify_pdf(pdf, &signature_trust(), signing_time())
            .is_err_and(|e| e.code() == "DOCUMENT_TOO_COMPLEX")
    };
    assert!(too_complex(&hostile_pdf::nested_arrays(MAX_NESTING + 1)));
    // At the limit the file is read; it carries no signature, which is its only fault.
    let err = verify_pdf(
        &hostile_pdf::nested_arrays(MAX_NESTING),
        &signature_trust(),
        signing_time(),
    );
    assert_eq!(err.unwrap_err().code(), "NO_SIGNATURE");
    let brackets = format!(
        "[({}) ({}) % {}\n]",
        "[".repeat(500),
        "\\(".repeat(500),
        "[".repeat(500)
    );
    let err = verify_pdf(
        &hostile_pdf::pdf_with(&[brackets.into_bytes()]),
        &signature_trust(),
        signing_time(),
    );
    assert_eq!(err.unwrap_err().code(), "NO_SIGNATURE");
}

#[test]
fn an_object_stream_inflating_to_gigabytes_is_too_complex() {
    let pdf = hostile_pdf::inflation_bomb(2048);
    assert!(pdf.len() < 3 << 20, "{}", pdf.len());
    refused_as_too_complex_by_verify_and_prepare(&pdf);
}

#[test]
fn more_values_than_the_budget_are_too_complex() {
    let pdf = hostile_pdf::many_values(MAX_VALUES + 1);
    let err = verify_pdf(&pdf, &signature_trust(), signing_time()).unwrap_err();
    assert_eq!(err.code(), "DOCUMENT_TOO_COMPLEX", "{err}");
}
