//! What a verified login proof or signature tells the service.

use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_cert::der::asn1::{Ia5StringRef, PrintableStringRef, Utf8StringRef};
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::der::{Any, Tag, Tagged};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;

use super::x509::{self, ParsedCert};

/// `hex(SHA-256(DER(issuer Name) ‖ DER(serialNumber INTEGER)))`, lowercase.
///
/// The same (issuer, serial) pair always gives the same key; a reissued certificate (renewal,
/// new card, change of address or name) has a new serial and therefore a new key.
pub fn account_key(issuer_der: &[u8], serial_der: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(issuer_der);
    h.update(serial_der);
    x509::hex_lower(&h.finalize())
}

/// Serial number as uppercase hex of its unsigned big-endian bytes, leading zero bytes removed
/// (the 発行番号 as services store it, e.g. `0133C349`).
fn serial_hex(bytes: &[u8]) -> String {
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    x509::hex_upper(bytes.get(start..).unwrap_or(bytes))
}

/// What a verified certificate says about its holder, for login proofs and signatures alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateIdentity {
    /// Issuer DN, RFC 4514 (most specific first).
    pub issuer: String,
    /// Certificate serial number (発行番号), uppercase hex without leading zero bytes.
    pub serial_number: String,
    /// Subject DN, RFC 4514 (for JPKI auth certificates an opaque identifier, not a name).
    pub subject: String,
    /// notBefore, RFC 3339 UTC.
    pub not_before: String,
    /// notAfter, RFC 3339 UTC.
    pub not_after: String,
    /// Stable key for this certificate: lowercase hex SHA-256 over the DER issuer Name followed
    /// by the DER serialNumber. Link it to the customer record; it changes when the
    /// certificate is reissued (see [`account_key`]).
    pub account_key: String,
    /// SHA-256 fingerprint (uppercase hex) of the trusted root that issued the certificate.
    pub trust_anchor: String,
    /// Whether a CRL was consulted.
    pub revocation_checked: bool,
}

impl CertificateIdentity {
    pub(crate) fn new(cert: &ParsedCert, trust_anchor: &str, revocation_checked: bool) -> Self {
        let tbs = &cert.cert.tbs_certificate;
        Self {
            issuer: tbs.issuer.to_string(),
            serial_number: serial_hex(tbs.serial_number.as_bytes()),
            subject: tbs.subject.to_string(),
            not_before: x509::rfc3339(&tbs.validity.not_before),
            not_after: x509::rfc3339(&tbs.validity.not_after),
            account_key: account_key(&cert.issuer_der, &cert.serial_der),
            trust_anchor: trust_anchor.to_owned(),
            revocation_checked,
        }
    }
}

/// Who logged in: the user-authentication certificate (利用者証明用電子証明書). It carries no
/// name, address, birth date or sex.
pub type LoginIdentity = CertificateIdentity;

/// Who signed: the digital-signature certificate (署名用電子証明書) and the four basic
/// attributes (基本4情報) J-LIS puts in its subjectAltName.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignerIdentity {
    /// The signing certificate (its JSON fields appear at the top level).
    #[serde(flatten)]
    pub certificate: CertificateIdentity,
    /// Name (氏名), otherName `1.2.392.200149.8.5.5.1`.
    pub name: Option<String>,
    /// Name substitute-character information (氏名代替文字の使用位置), `…5.5.2`.
    pub name_substitute: Option<String>,
    /// Sex (性別), `…5.5.3`.
    pub sex: Option<Sex>,
    /// Date of birth (生年月日), `…5.5.4`.
    pub date_of_birth: Option<DateOfBirth>,
    /// Address (住所), `…5.5.5`.
    pub address: Option<String>,
    /// Address substitute-character information (住所代替文字の使用位置), `…5.5.6`.
    pub address_substitute: Option<String>,
}

/// Sex as recorded in the certificate (code 1, 2, 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Sex {
    /// 1 男.
    Male,
    /// 2 女.
    Female,
    /// 3 不明.
    Unknown,
}

/// Japanese era digit in a JPKI date of birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Era {
    /// 0: not recorded.
    Unknown,
    /// 1 明治.
    Meiji,
    /// 2 大正.
    Taisho,
    /// 3 昭和.
    Showa,
    /// 4 平成.
    Heisei,
    /// 5 令和.
    Reiwa,
}

impl Era {
    /// The era's name in Japanese (`""` for unknown).
    pub fn japanese(self) -> &'static str {
        match self {
            Self::Unknown => "",
            Self::Meiji => "明治",
            Self::Taisho => "大正",
            Self::Showa => "昭和",
            Self::Heisei => "平成",
            Self::Reiwa => "令和",
        }
    }
}

/// A JPKI date of birth, `EYYYYMMDD`: an era digit and the Gregorian date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DateOfBirth {
    /// As recorded, e.g. `319850315`.
    pub raw: String,
    /// `YYYY-MM-DD`, when the recorded value is a complete, plausible date.
    pub date: Option<String>,
    /// The era the person was born in, when the era digit is known.
    pub era: Option<Era>,
    /// The era's Japanese name (e.g. `昭和`), when known.
    pub era_name: Option<&'static str>,
}

impl DateOfBirth {
    /// Decodes `EYYYYMMDD`.
    pub fn decode(raw: &str) -> Self {
        let b = raw.as_bytes();
        let digits = b.len() == 9 && b.iter().all(u8::is_ascii_digit);
        let era = match (digits, b.first()) {
            (true, Some(b'0')) => Some(Era::Unknown),
            (true, Some(b'1')) => Some(Era::Meiji),
            (true, Some(b'2')) => Some(Era::Taisho),
            (true, Some(b'3')) => Some(Era::Showa),
            (true, Some(b'4')) => Some(Era::Heisei),
            (true, Some(b'5')) => Some(Era::Reiwa),
            _ => None,
        };
        let num = |r: std::ops::Range<usize>| raw.get(r).and_then(|s| s.parse::<u32>().ok());
        let date = match (digits, num(1..5), num(5..7), num(7..9)) {
            (true, Some(y), Some(m), Some(d))
                if (1800..=9999).contains(&y)
                    && (1..=12).contains(&m)
                    && (1..=days_in_month(y, m)).contains(&d) =>
            {
                Some(format!("{y:04}-{m:02}-{d:02}"))
            }
            _ => None,
        };
        Self {
            raw: raw.to_owned(),
            date,
            era,
            era_name: era.filter(|e| *e != Era::Unknown).map(Era::japanese),
        }
    }
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const JPKI_ATTRIBUTE_ARC: &str = "1.2.392.200149.8.5.5.";

impl SignerIdentity {
    pub(crate) fn new(certificate: CertificateIdentity, cert: &ParsedCert) -> Self {
        let mut attrs: [Option<String>; 6] = Default::default();
        if let Ok(Some((_, san))) = cert.cert.tbs_certificate.get::<SubjectAltName>() {
            for name in san.0 {
                if let GeneralName::OtherName(other) = name {
                    if let Some(i) = attribute_index(&other.type_id) {
                        if let (Some(slot), Some(text)) = (attrs.get_mut(i), any_text(&other.value))
                        {
                            *slot = Some(text);
                        }
                    }
                }
            }
        }
        let [name, name_substitute, sex, dob, address, address_substitute] = attrs;
        Self {
            certificate,
            name,
            name_substitute,
            sex: sex.and_then(|s| match s.trim() {
                "1" => Some(Sex::Male),
                "2" => Some(Sex::Female),
                "3" => Some(Sex::Unknown),
                _ => None,
            }),
            date_of_birth: dob.map(|d| DateOfBirth::decode(d.trim())),
            address,
            address_substitute,
        }
    }
}

/// 0..=5 for `1.2.392.200149.8.5.5.1` ..= `.6`.
fn attribute_index(oid: &ObjectIdentifier) -> Option<usize> {
    let s = oid.to_string();
    let last = s.strip_prefix(JPKI_ATTRIBUTE_ARC)?;
    match last.parse::<usize>().ok()? {
        n @ 1..=6 => Some(n - 1),
        _ => None,
    }
}

/// The text of a directory string (UTF8String as J-LIS uses; PrintableString/IA5String tolerated).
fn any_text(value: &Any) -> Option<String> {
    match value.tag() {
        Tag::Utf8String => Utf8StringRef::try_from(value).ok().map(|s| s.to_string()),
        Tag::PrintableString => PrintableStringRef::try_from(value)
            .ok()
            .map(|s| s.to_string()),
        Tag::Ia5String => Ia5StringRef::try_from(value).ok().map(|s| s.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_of_birth_decodes_era_and_date() {
        let d = DateOfBirth::decode("319850315");
        assert_eq!(d.date.as_deref(), Some("1985-03-15"));
        assert_eq!(d.era, Some(Era::Showa));
        assert_eq!(d.era_name, Some("昭和"));
        let d = DateOfBirth::decode("520190501");
        assert_eq!(
            (d.date.as_deref(), d.era),
            (Some("2019-05-01"), Some(Era::Reiwa))
        );
        let d = DateOfBirth::decode("020000229");
        assert_eq!(
            (d.date.as_deref(), d.era, d.era_name),
            (Some("2000-02-29"), Some(Era::Unknown), None)
        );
        assert_eq!(
            DateOfBirth::decode("019000229").date,
            None,
            "1900 is not a leap year"
        );
        assert_eq!(DateOfBirth::decode("319850000").date, None);
        assert_eq!(DateOfBirth::decode("31985031").era, None);
        assert_eq!(DateOfBirth::decode("919850315").era, None);
    }

    #[test]
    fn serial_hex_strips_sign_byte_only() {
        assert_eq!(serial_hex(&[0x00, 0x81, 0x02]), "8102");
        assert_eq!(serial_hex(&[0x01, 0x33, 0xC3, 0x49]), "0133C349");
        assert_eq!(serial_hex(&[0x00]), "00");
    }

    #[test]
    fn attribute_oids_map_to_slots() {
        let oid = |s| ObjectIdentifier::new(s).unwrap();
        assert_eq!(attribute_index(&oid("1.2.392.200149.8.5.5.1")), Some(0));
        assert_eq!(attribute_index(&oid("1.2.392.200149.8.5.5.6")), Some(5));
        assert_eq!(attribute_index(&oid("1.2.392.200149.8.5.5.7")), None);
        assert_eq!(attribute_index(&oid("1.2.392.200149.8.5.5.10")), None);
        assert_eq!(attribute_index(&oid("1.2.392.200149.8.5.1.1")), None);
    }
}
