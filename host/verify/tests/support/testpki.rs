//! The test PKI for the verifier's tests, the service's tests and the benchmark: login proofs
//! by the test cards, and large CRLs signed by the authentication root (generation 2), built
//! with `x509-cert` from the checked-in `auth.crl` (issuer, AKI, CRL number) in about a second
//! per million entries.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_verify::{login_signed_data, parse_challenge, parse_origin};
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest, Sha256};
use x509_cert::crl::{CertificateList, RevokedCert};
use x509_cert::der::asn1::{BitString, OctetString};
use x509_cert::der::oid::db::rfc5912;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::CrlReason;
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

/// The serial number of `card1-auth.der` (listed when asked).
pub const CARD1_AUTH_SERIAL: u32 = 0x01A2_B3C4;
/// The first generated serial; generated serials never collide with the fixtures' ones.
pub const FIRST_SERIAL: u32 = 0x1000_0000;

/// Directory of the checked-in test PKI.
pub fn pki_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pki")
}

/// A file of the test PKI.
pub fn pki(name: &str) -> Vec<u8> {
    std::fs::read(pki_dir().join(name)).unwrap()
}

/// PKCS#1 v1.5 SHA-256 signature by `key_file`'s key over `data` (what the card returns).
pub fn sign(key_file: &str, data: &[u8]) -> Vec<u8> {
    let key = RsaPrivateKey::from_pkcs8_der(&pki(key_file)).unwrap();
    key.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(data))
        .unwrap()
}

/// A login proof by `card` (e.g. "card1-auth") over `origin` and `challenge`.
pub fn token(card: &str, origin: &str, challenge: &str) -> String {
    let data = login_signed_data(
        &parse_origin(origin).unwrap(),
        &parse_challenge(challenge).unwrap(),
    );
    serde_json::json!({
        "format": "web-eid:1.0",
        "unverifiedCertificate": STANDARD.encode(pki(&format!("{card}.der"))),
        "algorithm": "RS256",
        "signature": STANDARD.encode(sign(&format!("{card}.key.der"), &data)),
        "appVersion": "https://example.jp/mynakey/0.1.0",
    })
    .to_string()
}

/// A CRL valid from `this_update` to `next_update` (RFC 3339) listing `count` generated serials
/// and, in the middle, each of `also`, signed by `auth-root-2`. DER.
pub fn auth_crl(
    pki: &Path,
    count: u32,
    also: &[u32],
    this_update: &str,
    next_update: &str,
) -> Vec<u8> {
    let read = |name: &str| std::fs::read(pki.join(name)).unwrap();
    let mut list = CertificateList::from_der(&read("auth.crl")).unwrap();
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
    let key = RsaPrivateKey::from_pkcs8_der(&read("auth-root-2.key.der")).unwrap();
    let digest = Sha256::digest(tbs.to_der().unwrap());
    let sig = key.sign(Pkcs1v15Sign::new::<Sha256>(), &digest).unwrap();
    list.signature = BitString::from_bytes(&sig).unwrap();
    list.to_der().unwrap()
}

fn time(s: &str) -> Time {
    let t = x509_cert::der::DateTime::from_str(s).unwrap();
    Time::UtcTime(x509_cert::der::asn1::UtcTime::from_date_time(t).unwrap())
}
