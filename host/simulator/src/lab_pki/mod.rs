//! The lab's own test PKI services, so `demo` can show long-term signatures without a network
//! (TEST ONLY, like the simulated card; never in a package):
//!
//! - [`LabTsa`]: an RFC 3161 time-stamping authority answering in-process with the test TSA
//!   certificate and key of `tests/fixtures/pki` (`tsa.der`, `tsa.key.der`, issued by
//!   `tsa-root.der`, [`TEST_TSA_ROOT`]);
//! - [`fresh_crl`]: a CRL issued now by a test root ([`TestCa`]), as the CA's CRL publication
//!   a relying party fetches (a timestamped signature is judged with CRLs issued after it).

mod crl;
mod tsa;

use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::RsaPrivateKey;
use sha2::Sha256;
use x509_cert::der::pem::LineEnding;
use x509_cert::der::{Decode, EncodePem};
use x509_cert::Certificate;

pub use crl::{fresh_crl, TestCa};
pub use tsa::{LabTsa, LAB_TSA_POLICY};

/// The root of the lab's test TSA (`tests/fixtures/pki/tsa-root.der`): what a relying party
/// adds to its TSA roots to accept the lab's timestamps. Never trusted by default.
pub const TEST_TSA_ROOT: &[u8] = fixture!("tsa-root.der");

/// [`TEST_TSA_ROOT`] as PEM, for validators that read PEM (`openssl ts -verify -CAfile`).
pub fn test_tsa_root_pem() -> Result<String, LabPkiError> {
    let root =
        Certificate::from_der(TEST_TSA_ROOT).map_err(|_| LabPkiError::Fixture("TSA root"))?;
    Ok(root.to_pem(LineEnding::LF)?)
}

/// Why the lab could not answer (its own test material or an encoding failed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabPkiError {
    /// A test key or certificate embedded in the lab does not load.
    #[error("the lab's test {0} does not load")]
    Fixture(&'static str),
    /// A structure could not be encoded.
    #[error("cannot encode the answer: {0}")]
    Encode(#[from] der::Error),
    /// The RSA signature could not be made.
    #[error("cannot sign: {0}")]
    Sign(String),
    /// A time outside what the encodings can carry.
    #[error("the clock is outside 1970–2049")]
    Clock,
}

/// A test key with its certificate.
struct TestSigner {
    key: SigningKey<Sha256>,
    certificate: Certificate,
}

impl TestSigner {
    fn load(name: &'static str, key_pkcs8: &[u8], certificate: &[u8]) -> Result<Self, LabPkiError> {
        let key =
            RsaPrivateKey::from_pkcs8_der(key_pkcs8).map_err(|_| LabPkiError::Fixture(name))?;
        let certificate =
            Certificate::from_der(certificate).map_err(|_| LabPkiError::Fixture(name))?;
        Ok(Self {
            key: SigningKey::new(key),
            certificate,
        })
    }
}

/// Test helper: `signature` over `message` verifies (RSASSA-PKCS1-v1_5, SHA-256) with the key
/// of `certificate`.
#[cfg(test)]
fn assert_signed_by(certificate: &Certificate, message: &[u8], signature: &[u8]) {
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::Verifier;
    use x509_cert::der::Encode;
    let spki = certificate.tbs_certificate.subject_public_key_info.to_der();
    let key = VerifyingKey::<Sha256>::from_public_key_der(&spki.unwrap()).unwrap();
    let signature = Signature::try_from(signature).unwrap();
    key.verify(message, &signature).unwrap();
}
