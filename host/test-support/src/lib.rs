//! What every crate's tests share, each rule in one place (a dev-dependency only: no shipped
//! binary links it, which host/mynakey-host/tests/architecture checks):
//!
//! - [`launcher`]: which program the host's frame-level ("wire") tests start;
//! - [`fixtures`]: the test request's origin and challenge, and the checked-in fixture files;
//! - `pki` (feature `pki`): the checked-in test PKI — its files, its trust, the fixed time
//!   inside its validity, login proofs and signatures made with its keys the way the card
//!   makes them, and large CRLs signed by its root;
//! - `hostile_pdf` (feature `pdf`): hostile PDFs written byte by byte;
//! - [`tsa`]: OpenSSL's own RFC 3161 TSA behind a loopback HTTP handler (also the
//!   `mynakey-test-tsa` binary), misbehaving on demand; [`crl`]: CRLs made at test time by a
//!   root of the test PKI (both run `openssl`); `tsa_https` (feature `https`): the same TSA
//!   over https, its certificate under a private test TLS root.
//!
//! The heavy parts (RSA, X.509, the verifier) sit behind features, so a test that only starts
//! the host does not build them.

pub mod crl;
pub mod fixtures;
#[cfg(feature = "pdf")]
pub mod hostile_pdf;
pub mod launcher;
#[cfg(feature = "pki")]
pub mod pki;
pub mod tsa;
#[cfg(feature = "https")]
pub mod tsa_https;

pub use launcher::{HostLauncher, HOST_VARIABLE, PREFIX_VARIABLE};

/// A fresh directory under the system's temporary directory for one test helper's files.
pub fn scratch_dir(what: &str) -> std::io::Result<std::path::PathBuf> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("mynakey-{what}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
