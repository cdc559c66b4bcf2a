//! CRL loading without materialising the entries: a streaming DER walk over the signed list
//! into a compact sorted index of serial numbers.
//!
//! `x509-cert`'s `CertificateList` decodes every entry into owned values (a million-entry CRL
//! took seconds and hundreds of MiB); here the header fields are decoded with `x509-cert`'s
//! types and each entry is read in place with `der`'s reader, keeping 16 bytes per entry.

use std::time::Duration;

use x509_cert::der::asn1::{BitString, ObjectIdentifier, OctetStringRef};
use x509_cert::der::oid::db::rfc5912;
use x509_cert::der::{DateTime, Decode, Header, Reader, SliceReader, Tag, TagMode, TagNumber};
use x509_cert::ext::pkix::CrlReason;
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;

use super::RevocationReason;

/// The parts of a CRL the trust store needs; `revoked` is still DER.
pub(crate) struct RawCrl<'a> {
    /// The TBSCertList exactly as received (what the signature covers).
    pub tbs_der: &'a [u8],
    pub signature_algorithm: AlgorithmIdentifierOwned,
    pub signature: BitString,
    /// The TBSCertList's own copy of the signature algorithm.
    pub tbs_signature: AlgorithmIdentifierOwned,
    pub issuer: Name,
    pub this_update: Time,
    pub next_update: Option<Time>,
    /// The contents of revokedCertificates (empty when absent).
    revoked: &'a [u8],
    pub extensions: Vec<Extension>,
}

fn der_err(e: x509_cert::der::Error) -> String {
    e.to_string()
}

/// Parses a DER CertificateList's outer structure and TBSCertList header; no trailing data.
pub(crate) fn parse(der: &[u8]) -> Result<RawCrl<'_>, String> {
    let mut outer = SliceReader::new(der).map_err(der_err)?;
    let (tbs_der, signature_algorithm, signature) = outer
        .sequence(|r| Ok((r.tlv_bytes()?, r.decode()?, r.decode()?)))
        .map_err(der_err)?;
    outer.finish(()).map_err(der_err)?;
    let mut reader = SliceReader::new(tbs_der).map_err(der_err)?;
    let crl = reader
        .sequence(|r| {
            if r.peek_tag()? == Tag::Integer {
                // v2 (1) is the only version with extensions, which JPKI's CRLs carry.
                let version: u8 = r.decode()?;
                if version != 1 {
                    return Err(Tag::Integer.value_error());
                }
            }
            let tbs_signature = r.decode()?;
            let issuer = r.decode()?;
            let this_update = r.decode()?;
            let next_update = r.decode()?;
            let revoked = if r.peek_tag().ok() == Some(Tag::Sequence) {
                let header = Header::decode(r)?;
                r.read_slice(header.length)?
            } else {
                &[]
            };
            let extensions = r
                .context_specific::<Vec<Extension>>(TagNumber::N0, TagMode::Explicit)?
                .unwrap_or_default();
            Ok(RawCrl {
                tbs_der,
                signature_algorithm,
                signature,
                tbs_signature,
                issuer,
                this_update,
                next_update,
                revoked,
                extensions,
            })
        })
        .map_err(der_err)?;
    reader.finish(crl).map_err(der_err)
}

/// A serial number as the index keys it: non-negative values of up to 8 significant bytes as
/// integers (every JPKI serial), anything else by its bytes (sign first, leading zeros off).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SerialKey {
    Small(u64),
    Large(Vec<u8>),
}

impl SerialKey {
    /// From the DER of an INTEGER (tag, length, value).
    fn from_der(tlv: &[u8]) -> Result<Self, String> {
        let mut r = SliceReader::new(tlv).map_err(der_err)?;
        let header = Header::decode(&mut r).map_err(der_err)?;
        if header.tag != Tag::Integer {
            return Err("a serial number is not an INTEGER".into());
        }
        let value = r.read_slice(header.length).map_err(der_err)?;
        r.finish(()).map_err(der_err)?;
        let negative = value.first().is_some_and(|b| b & 0x80 != 0);
        if negative {
            let mut key = vec![1];
            key.extend_from_slice(value);
            return Ok(Self::Large(key));
        }
        let start = value.iter().position(|&b| b != 0).unwrap_or(value.len());
        let digits = &value[start..];
        if digits.len() <= 8 {
            let mut be = [0u8; 8];
            be[8 - digits.len()..].copy_from_slice(digits);
            return Ok(Self::Small(u64::from_be_bytes(be)));
        }
        let mut key = vec![0];
        key.extend_from_slice(digits);
        Ok(Self::Large(key))
    }
}

/// One revoked serial that fits the compact form: 16 bytes.
#[derive(Debug, Clone, Copy)]
struct Compact {
    serial: u64,
    /// revocationDate, seconds since the Unix epoch (up to 2106).
    date: u32,
    reason: RevocationReason,
}

/// The revoked serial numbers of one CRL, sorted for binary search.
#[derive(Debug, Clone, Default)]
pub(crate) struct RevokedIndex {
    compact: Vec<Compact>,
    /// Serials or dates that do not fit [`Compact`] (none in JPKI's lists).
    other: Vec<(SerialKey, u64, RevocationReason)>,
}

impl RevokedIndex {
    /// Reads every entry of `crl` (refusing unknown critical entry extensions).
    pub(crate) fn build(crl: &RawCrl<'_>) -> Result<Self, String> {
        let mut index = Self::default();
        let mut r = SliceReader::new(crl.revoked).map_err(der_err)?;
        while !r.is_finished() {
            let (key, date, reason) = entry(r.tlv_bytes().map_err(der_err)?)?;
            match (key, u32::try_from(date)) {
                (SerialKey::Small(serial), Ok(date)) => index.compact.push(Compact {
                    serial,
                    date,
                    reason,
                }),
                (key, _) => index.other.push((key, date, reason)),
            }
        }
        index.compact.sort_unstable_by_key(|c| c.serial);
        index.compact.shrink_to_fit();
        index.other.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(index)
    }

    /// The reason and revocationDate (RFC 3339) of the serial number `serial_der` (DER INTEGER).
    pub(crate) fn get(&self, serial_der: &[u8]) -> Option<(RevocationReason, String)> {
        let (reason, date) = self.get_unix(serial_der)?;
        let when = DateTime::from_unix_duration(Duration::from_secs(date))
            .map(|d| d.to_string())
            .unwrap_or_default();
        Some((reason, when))
    }

    /// The reason and revocationDate (Unix seconds) of the serial number `serial_der`.
    pub(crate) fn get_unix(&self, serial_der: &[u8]) -> Option<(RevocationReason, u64)> {
        let (date, reason) = match SerialKey::from_der(serial_der).ok()? {
            SerialKey::Small(serial) => {
                match self.compact.binary_search_by_key(&serial, |c| c.serial) {
                    Ok(i) => (u64::from(self.compact[i].date), self.compact[i].reason),
                    Err(_) => self.other_get(&SerialKey::Small(serial))?,
                }
            }
            key => self.other_get(&key)?,
        };
        Some((reason, date))
    }

    fn other_get(&self, key: &SerialKey) -> Option<(u64, RevocationReason)> {
        let i = self.other.binary_search_by(|e| e.0.cmp(key)).ok()?;
        Some((self.other[i].1, self.other[i].2))
    }

    /// How many serial numbers the CRL lists.
    pub(crate) fn len(&self) -> usize {
        self.compact.len() + self.other.len()
    }
}

/// One revokedCertificates entry: serial, revocationDate (Unix seconds) and reason.
fn entry(tlv: &[u8]) -> Result<(SerialKey, u64, RevocationReason), String> {
    let mut r = SliceReader::new(tlv).map_err(der_err)?;
    let header = Header::decode(&mut r).map_err(der_err)?;
    if header.tag != Tag::Sequence {
        return Err("a revoked-certificate entry is not a SEQUENCE".into());
    }
    let key = SerialKey::from_der(r.tlv_bytes().map_err(der_err)?)?;
    let date = r
        .decode::<Time>()
        .map_err(der_err)?
        .to_unix_duration()
        .as_secs();
    let mut reason = RevocationReason::Unspecified;
    if !r.is_finished() {
        let exts = r.sequence(|x| {
            let mut out = Vec::new();
            while !x.is_finished() {
                out.push(x.sequence(|e| {
                    let oid: ObjectIdentifier = e.decode()?;
                    let critical = if e.peek_tag()? == Tag::Boolean {
                        e.decode::<bool>()?
                    } else {
                        false
                    };
                    let value: OctetStringRef<'_> = e.decode()?;
                    Ok((oid, critical, value.as_bytes()))
                })?);
            }
            Ok(out)
        });
        for (oid, critical, value) in exts.map_err(der_err)? {
            if oid == rfc5912::ID_CE_CRL_REASONS {
                let r = CrlReason::from_der(value).map_err(|e| format!("bad reasonCode: {e}"))?;
                reason = r.into();
            } else if critical {
                return Err(format!("unsupported critical entry extension {oid}"));
            }
        }
    }
    r.finish(()).map_err(der_err)?;
    Ok((key, date, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_keys_compare_by_value_and_sign() {
        let key = |der: &[u8]| SerialKey::from_der(der).unwrap();
        assert_eq!(key(&[2, 1, 5]), SerialKey::Small(5));
        assert_eq!(key(&[2, 2, 0, 0x85]), SerialKey::Small(0x85));
        assert_eq!(key(&[2, 1, 0x85]), SerialKey::Large(vec![1, 0x85]));
        let nine = [2, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(
            key(&nine),
            SerialKey::Large(vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        );
        assert!(SerialKey::from_der(&[4, 1, 5]).is_err());
    }
}
