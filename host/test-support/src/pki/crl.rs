//! Large CRLs signed by the authentication root (generation 2), built with `x509-cert` from the
//! checked-in `auth.crl` (issuer, AKI, CRL number) in about a second per million entries.

use std::str::FromStr;

use x509_cert::crl::{CertificateList, RevokedCert};
use x509_cert::der::asn1::{BitString, OctetString};
use x509_cert::der::oid::db::rfc5912;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::CrlReason;
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use super::{pki, sign};

/// The serial number of `card1-auth.der` (listed when asked).
pub const CARD1_AUTH_SERIAL: u32 = 0x01A2_B3C4;
/// The first generated serial; generated serials never collide with the fixtures' ones.
pub const FIRST_SERIAL: u32 = 0x1000_0000;

/// A CRL valid from `this_update` to `next_update` (RFC 3339) listing `count` generated serials
/// and, in the middle, each of `also`, signed by `auth-root-2`. DER.
pub fn auth_crl(count: u32, also: &[u32], this_update: &str, next_update: &str) -> Vec<u8> {
    let mut list = CertificateList::from_der(&pki("auth.crl")).unwrap();
    let tbs = &mut list.tbs_cert_list;
    tbs.this_update = time(this_update);
    tbs.next_update = Some(time(next_update));
    let date = time("2026-01-10T00:00:00Z");
    let reason = CrlReason::AffiliationChanged.to_der().unwrap();
    let entry = |serial: u32| RevokedCert {
        serial_number: SerialNumber::new(&serial.to_be_bytes()).unwrap(),
        revocation_date: date,
        crl_entry_extensions: Some(vec![Extension {
            extn_id: rfc5912::ID_CE_CRL_REASONS,
            critical: false,
            extn_value: OctetString::new(reason.clone()).unwrap(),
        }]),
    };
    let mut entries: Vec<RevokedCert> = (0..count / 2).map(|i| entry(FIRST_SERIAL + i)).collect();
    entries.extend(also.iter().map(|&s| entry(s)));
    entries.extend((count / 2..count).map(|i| entry(FIRST_SERIAL + i)));
    tbs.revoked_certificates = Some(entries).filter(|e| !e.is_empty());
    let signature = sign("auth-root-2.key.der", &tbs.to_der().unwrap());
    list.signature = BitString::from_bytes(&signature).unwrap();
    list.to_der().unwrap()
}

fn time(s: &str) -> Time {
    let t = x509_cert::der::DateTime::from_str(s).unwrap();
    Time::UtcTime(x509_cert::der::asn1::UtcTime::from_date_time(t).unwrap())
}
