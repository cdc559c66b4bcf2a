//! Caps on everything the verifier reads, and the one bounded file read that enforces them.
//!
//! A value a service passes on (a certificate, a token) is data, never a file name; the files
//! the operator names (`--certificate-file`, `--crl`, the `--trust` folder) are read through
//! [`read_capped`], which never reads more than the cap plus one byte, so a device such as
//! `/dev/zero` or a huge file is refused instead of eating memory.

use std::io::Read;
use std::path::Path;

/// A certificate (`--certificate` base64 after decoding, or `--certificate-file`): 16 KiB.
pub const CERTIFICATE_MAX_BYTES: usize = 16 * 1024;
/// A login token on the verifier's stdin: 64 KiB (the token itself is at most
/// [`super::TOKEN_MAX_LEN`] bytes).
pub const TOKEN_INPUT_MAX_BYTES: usize = 64 * 1024;
/// One CRL file (`--crl`): 256 MiB, enough for JPKI CRLs with millions of entries.
pub const CRL_MAX_BYTES: usize = 256 * 1024 * 1024;
/// One file in a `--trust` folder: 16 KiB.
pub const TRUST_FILE_MAX_BYTES: usize = 16 * 1024;

/// Reads at most `cap` bytes of `path`; more is an error (detected by reading one byte past the
/// cap, never to the end).
pub fn read_capped(path: &Path, cap: usize) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    read_capped_from(file, cap)
}

/// [`read_capped`] for any reader (the token on stdin).
pub fn read_capped_from(reader: impl Read, cap: usize) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    reader
        .take(cap as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() > cap {
        return Err(format!("larger than the {cap}-byte limit"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_cap_and_refuses_one_byte_more() {
        assert_eq!(read_capped_from(&[7u8; 16][..], 16).unwrap().len(), 16);
        let e = read_capped_from(&[7u8; 17][..], 16).unwrap_err();
        assert!(e.contains("16-byte limit"), "{e}");
        // An endless reader stops one byte past the cap.
        let e = read_capped_from(std::io::repeat(0), 1024).unwrap_err();
        assert!(e.contains("1024-byte limit"), "{e}");
    }
}
