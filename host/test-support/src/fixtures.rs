//! The test request every crate's tests make, and the checked-in fixture files.

use std::path::PathBuf;

/// The relying party's origin in every test request (the test cards' proofs are made for it).
pub const ORIGIN: &str = "https://bank.example.jp";
/// The challenge of every test request: 44 base64 characters (32 bytes), the shortest the
/// host accepts.
pub const CHALLENGE: &str = "q1Lw8n9ZkW1o2Qm3Zr5x0X3v8H2c3d4e5f6g7h8i9j0=";
/// Another relying party, for the checks that a proof is bound to [`ORIGIN`].
pub const OTHER_ORIGIN: &str = "https://other.example.jp";

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The checked-in fixtures (`tests/fixtures`).
pub fn fixtures_dir() -> PathBuf {
    repo().join("tests/fixtures")
}

/// One fixture file, by its path under `tests/fixtures` (e.g. `pdf/plain.pdf`).
///
/// # Panics
/// When the file cannot be read: a test without its fixture must stop loudly.
#[allow(clippy::panic)]
pub fn fixture(path: &str) -> Vec<u8> {
    let path = fixtures_dir().join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_the_shortest_the_host_accepts() {
        assert_eq!(CHALLENGE.len(), 44);
        assert_ne!(ORIGIN, OTHER_ORIGIN);
        assert!(fixtures_dir().join("pki").is_dir());
    }
}
