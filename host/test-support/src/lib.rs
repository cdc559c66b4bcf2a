//! What every crate's tests share, each rule in one place (a dev-dependency only: no shipped
//! binary links it, which host/mynakey-host/tests/architecture checks):
//!
//! - [`launcher`]: which program the host's frame-level ("wire") tests start;
//! - [`fixtures`]: the test request's origin and challenge, and the checked-in fixture files;
//! - `pki` (feature `pki`): the checked-in test PKI — its files, its trust, the fixed time
//!   inside its validity, login proofs and signatures made with its keys the way the card
//!   makes them, and large CRLs signed by its root;
//! - `hostile_pdf` (feature `pdf`): hostile PDFs written byte by byte.
//!
//! The heavy parts (RSA, X.509, the verifier) sit behind features, so a test that only starts
//! the host does not build them.

pub mod fixtures;
#[cfg(feature = "pdf")]
pub mod hostile_pdf;
pub mod launcher;
#[cfg(feature = "pki")]
pub mod pki;

pub use launcher::{HostLauncher, HOST_VARIABLE, PREFIX_VARIABLE};
