//! Test support shared with the service's tests and the benchmark (by `#[path]`).
pub mod testpki;
