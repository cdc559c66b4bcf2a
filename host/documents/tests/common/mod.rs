//! What the timestamp and long-term validation tests share: OpenSSL's TSA in process.
#![allow(clippy::unwrap_used, dead_code)]

use mynakey_documents::{TimestampAuthority, TimestampError, TsaTrust};
use mynakey_test_support::pki::pki;
use mynakey_test_support::tsa::{OpenSslTsa, TsaMode};

/// card1-sign.der's serial (tests/fixtures/pki/README.md).
pub const SIGNER_SERIAL: &str = "01A2B3C5";

/// OpenSSL's TSA in process: the request goes to `openssl ts -reply` as the HTTP handler's does.
pub struct Tsa(pub OpenSslTsa, pub TsaMode);

impl TimestampAuthority for Tsa {
    fn post(&self, request: &[u8]) -> Result<Vec<u8>, TimestampError> {
        self.0.answer(request, self.1).map_err(TimestampError::Http)
    }
}

/// The test TSA's root.
pub fn tsa_trust() -> TsaTrust {
    TsaTrust::from_der(&[&pki("tsa-root.der")]).unwrap()
}
