//! Hash algorithms for document signatures (shared with the host's `sign` command).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha384, Sha512};

/// A hash algorithm a document signature may use, named on the wire as `"SHA-256"`,
/// `"SHA-384"` or `"SHA-512"`.
///
/// The card signs a PKCS#1 v1.5 DigestInfo (prefix + hash); [`HashAlgorithm::digest_info`]
/// builds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HashAlgorithm {
    /// SHA-256, 32-byte hash.
    #[serde(rename = "SHA-256")]
    Sha256,
    /// SHA-384, 48-byte hash.
    #[serde(rename = "SHA-384")]
    Sha384,
    /// SHA-512, 64-byte hash.
    #[serde(rename = "SHA-512")]
    Sha512,
}

/// DER prefix of `DigestInfo { AlgorithmIdentifier(sha256, NULL), OCTET STRING (32) }` (RFC 8017 §9.2 note 1).
const SHA256_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
/// DER prefix of the SHA-384 DigestInfo (RFC 8017 §9.2 note 1).
const SHA384_PREFIX: [u8; 19] = [
    0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05,
    0x00, 0x04, 0x30,
];
/// DER prefix of the SHA-512 DigestInfo (RFC 8017 §9.2 note 1).
const SHA512_PREFIX: [u8; 19] = [
    0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05,
    0x00, 0x04, 0x40,
];

impl HashAlgorithm {
    /// All supported algorithms.
    pub const ALL: [HashAlgorithm; 3] = [Self::Sha256, Self::Sha384, Self::Sha512];

    /// Parses the wire name (`"SHA-256"`, `"SHA-384"`, `"SHA-512"`; exact spelling).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The wire name, e.g. `"SHA-256"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }

    /// Length of a hash in bytes (32, 48, 64).
    pub fn digest_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// DER prefix that precedes the hash in a PKCS#1 v1.5 DigestInfo.
    pub fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            Self::Sha256 => &SHA256_PREFIX,
            Self::Sha384 => &SHA384_PREFIX,
            Self::Sha512 => &SHA512_PREFIX,
        }
    }

    /// The DER DigestInfo the card signs, or `None` when `hash` has the wrong length.
    pub fn digest_info(self, hash: &[u8]) -> Option<Vec<u8>> {
        if hash.len() != self.digest_len() {
            return None;
        }
        let mut out = Vec::with_capacity(19 + hash.len());
        out.extend_from_slice(self.digest_info_prefix());
        out.extend_from_slice(hash);
        Some(out)
    }

    /// Hashes `data` with this algorithm.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha384 => Sha384::digest(data).to_vec(),
            Self::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error of [`HashAlgorithm::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown hash algorithm {0:?} (expected SHA-256, SHA-384 or SHA-512)")]
pub struct UnknownHashAlgorithm(pub String);

impl FromStr for HashAlgorithm {
    type Err = UnknownHashAlgorithm;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_name(s).ok_or_else(|| UnknownHashAlgorithm(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_info_is_prefix_then_hash() {
        for a in HashAlgorithm::ALL {
            assert_eq!(a.digest(b"x").len(), a.digest_len());
            assert_eq!(
                a.digest_info(&a.digest(b"x")).map(|d| d.len()),
                Some(19 + a.digest_len())
            );
            assert_eq!(a.digest_info(&[0; 20]), None);
        }
    }

    #[test]
    fn names_round_trip_through_serde_and_from_name() {
        for a in HashAlgorithm::ALL {
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.name()));
            assert_eq!(serde_json::from_str::<HashAlgorithm>(&json).unwrap(), a);
            assert_eq!(HashAlgorithm::from_name(a.name()), Some(a));
            assert_eq!(a.name().parse::<HashAlgorithm>(), Ok(a));
        }
        assert_eq!(HashAlgorithm::from_name("sha-256"), None);
        assert_eq!(HashAlgorithm::from_name("SHA-1"), None);
        assert!(serde_json::from_str::<HashAlgorithm>("\"SHA256\"").is_err());
    }
}
