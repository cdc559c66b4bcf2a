//! Hash algorithms for document signatures (shared with the host's `sign` command).

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::binding::{login_signed_data, Challenge, Origin};

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
        (hash.len() == self.digest_len()).then(|| [self.digest_info_prefix(), hash].concat())
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

/// At most this many hashes per `sign`.
pub const MAX_HASHES: usize = 100;

/// What one `sign` signs: 1–[`MAX_HASHES`] hashes, each as long as its algorithm's. Built only
/// by [`Hashes::decode`] and [`Hashes::login`], so every hash has a DigestInfo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hashes {
    algorithm: HashAlgorithm,
    hashes: Vec<Vec<u8>>,
}

/// Why a request's hashes are not [`Hashes`]; the message names the wire field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HashesError {
    #[error("hashes must hold 1 to {MAX_HASHES} hashes")]
    Count,
    #[error("hashes[{index}] is not standard base64")]
    NotBase64 { index: usize },
    #[error("hashes[{index}] has {len} bytes; {algorithm} needs {}", algorithm.digest_len())]
    Length {
        index: usize,
        len: usize,
        algorithm: HashAlgorithm,
    },
}

impl Hashes {
    /// Decodes the standard-base64 `hashes` of a request for `algorithm`; the first bad one is
    /// the error.
    pub fn decode(algorithm: HashAlgorithm, hashes: &[String]) -> Result<Hashes, HashesError> {
        if hashes.is_empty() || hashes.len() > MAX_HASHES {
            return Err(HashesError::Count);
        }
        let hashes = hashes
            .iter()
            .enumerate()
            .map(|(index, hash)| {
                let bytes = STANDARD
                    .decode(hash)
                    .map_err(|_| HashesError::NotBase64 { index })?;
                if bytes.len() != algorithm.digest_len() {
                    return Err(HashesError::Length {
                        index,
                        len: bytes.len(),
                        algorithm,
                    });
                }
                Ok(bytes)
            })
            .collect::<Result<_, _>>()?;
        Ok(Hashes { algorithm, hashes })
    }

    /// The one hash a login proof signs: SHA-256 over [`login_signed_data`], that is
    /// SHA-256(SHA-256(origin) ‖ SHA-256(challenge)) (docs/protocol.md, the login proof).
    pub fn login(origin: &Origin, challenge: &Challenge) -> Hashes {
        let algorithm = HashAlgorithm::Sha256;
        Hashes {
            algorithm,
            hashes: vec![algorithm.digest(&login_signed_data(origin, challenge))],
        }
    }

    pub fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Never true: there is at least one hash.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Each hash with the DER DigestInfo the card signs for it.
    pub fn with_digest_infos(&self) -> impl Iterator<Item = (&[u8], Vec<u8>)> {
        let prefix = self.algorithm.digest_info_prefix();
        self.hashes
            .iter()
            .map(move |hash| (hash.as_slice(), [prefix, hash].concat()))
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

    fn b64(bytes: &[u8]) -> String {
        STANDARD.encode(bytes)
    }

    #[test]
    fn hashes_are_1_to_100_of_their_algorithms_length() {
        let a = HashAlgorithm::Sha384;
        let good = |n: usize| vec![b64(&[7; 48]); n];
        assert_eq!(Hashes::decode(a, &good(0)), Err(HashesError::Count));
        assert_eq!(Hashes::decode(a, &good(101)), Err(HashesError::Count));
        let hashes = Hashes::decode(a, &good(100)).unwrap();
        assert_eq!((hashes.len(), hashes.algorithm()), (100, a));
        let mut bad = good(3);
        bad[1] = b64(&[7; 32]);
        bad[2] = "%%%".into();
        let err = Hashes::decode(a, &bad).unwrap_err();
        assert_eq!(err.to_string(), "hashes[1] has 32 bytes; SHA-384 needs 48");
        bad[1] = "-_8=".into();
        assert_eq!(
            Hashes::decode(a, &bad).unwrap_err().to_string(),
            "hashes[1] is not standard base64"
        );
    }

    #[test]
    fn every_hash_gets_its_digest_info() {
        for a in HashAlgorithm::ALL {
            let hash = a.digest(b"x");
            let hashes = Hashes::decode(a, &[b64(&hash), b64(&hash)]).unwrap();
            let pairs: Vec<_> = hashes.with_digest_infos().collect();
            let pair = (hash.as_slice(), a.digest_info(&hash).unwrap());
            assert_eq!(pairs, [pair.clone(), pair]);
        }
    }

    #[test]
    fn the_login_hash_is_sha256_over_the_bound_pair() {
        let origin = Origin::parse("https://example.jp", false).unwrap();
        let challenge = Challenge::parse(&b64(&[5; 32])).unwrap();
        let hashes = Hashes::login(&origin, &challenge);
        let (hash, _) = hashes.with_digest_infos().next().unwrap();
        let signed = login_signed_data(&origin, &challenge);
        assert_eq!(hash, Sha256::digest(signed).as_slice());
        assert_eq!(
            (hashes.len(), hashes.algorithm()),
            (1, HashAlgorithm::Sha256)
        );
    }
}
