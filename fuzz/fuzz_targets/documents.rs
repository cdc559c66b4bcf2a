//! Signed documents from strangers: `verify_pdf` and `prepare_pdf` on fuzzed PDFs, `verify_cms`
//! on fuzzed `.p7s`. The first byte picks the format (even: PDF, odd: CMS). Properties: no panic,
//! no abort (deep nesting), memory within run.sh's `-rss_limit_mb` (inflation, huge objects).
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use mynakey_documents::{prepare_pdf, verify_cms, verify_pdf, PdfSigning};
use mynakey_verify::{Purpose, Trust};

const SIGN_CERT: &[u8] = include_bytes!("../../tests/fixtures/pki/card1-sign.der");
const SIGN_ROOT: &[u8] = include_bytes!("../../tests/fixtures/pki/sign-root-2.der");
/// What the CMS seed signs.
const CONTENT: &[u8] = b"fuzz content\n";

fn trust() -> &'static Trust {
    static T: OnceLock<Trust> = OnceLock::new();
    T.get_or_init(|| {
        let mut trust = Trust::empty();
        trust
            .add_root(Purpose::Signature, SIGN_ROOT)
            .unwrap_or_else(|e| panic!("test root: {e}"));
        trust
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, input)) = data.split_first() else { return };
    // 2026-01-15T09:30:00Z: inside the test certificate's validity.
    let now = UNIX_EPOCH + Duration::from_secs(1_768_469_400);
    if mode % 2 == 0 {
        let _ = verify_pdf(input, trust(), now);
        let _ = prepare_pdf(input, SIGN_CERT, &PdfSigning::new(now));
    } else {
        let _ = verify_cms(input, CONTENT, trust(), now);
    }
});
