//! Partitioned CRLs (issue 11 item 4): a CRL with an issuingDistributionPoint covers only its
//! partition, and a certificate no current CRL covers is never valid. Every certificate and
//! CRL here is real DER, built with x509-cert from the test PKI and signed with its root key.
// Integration tests: helper functions outside #[test] may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::str::FromStr;

use mynakey_test_support::fixtures::*;
use mynakey_test_support::pki::*;
use mynakey_verify::{crl_covers, verify_login, RevocationReason, Trust, VerifyError};
use x509_cert::crl::{CertificateList, RevokedCert};
use x509_cert::der::asn1::{BitString, OctetString};
use x509_cert::der::flagset::FlagSet;
use x509_cert::der::oid::db::rfc5912;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::crl::dp::{DistributionPoint, Reasons};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{CrlDistributionPoints, IssuingDistributionPoint};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;
use x509_cert::Certificate;

const ROOT_KEY: &str = "auth-root-2.key.der";

fn root_signature(tbs_der: &[u8]) -> BitString {
    BitString::from_bytes(&sign(ROOT_KEY, tbs_der)).unwrap()
}

fn dn(s: &str) -> GeneralName {
    GeneralName::DirectoryName(Name::from_str(s).unwrap())
}

fn partition(letter: char) -> GeneralName {
    dn(&format!(
        "CN=CRLDP {letter},OU=CRL Distribution Points,O=JPKI-TEST,C=JP"
    ))
}

fn time(t: &str) -> Time {
    Time::try_from(at(t)).unwrap()
}

const SERIAL: [u8; 4] = [0x0A, 0x11, 0x22, 0x33];

/// Card 1's authentication certificate with serial [`SERIAL`] and, when given, a
/// cRLDistributionPoints extension naming `dp`; re-signed by auth root 2.
fn card_cert(dp: Option<DistributionPointName>) -> Vec<u8> {
    let mut cert = Certificate::from_der(&pki("card1-auth.der")).unwrap();
    let tbs = &mut cert.tbs_certificate;
    tbs.serial_number = SerialNumber::new(&SERIAL).unwrap();
    if let Some(dp) = dp {
        let ext = CrlDistributionPoints(vec![DistributionPoint {
            distribution_point: Some(dp),
            reasons: None,
            crl_issuer: None,
        }]);
        tbs.extensions.get_or_insert_with(Vec::new).push(Extension {
            extn_id: rfc5912::ID_CE_CRL_DISTRIBUTION_POINTS,
            critical: false,
            extn_value: OctetString::new(ext.to_der().unwrap()).unwrap(),
        });
    }
    cert.signature = root_signature(&tbs.to_der().unwrap());
    cert.to_der().unwrap()
}

fn full(names: Vec<GeneralName>) -> DistributionPointName {
    DistributionPointName::FullName(names)
}

fn idp(dp: Option<DistributionPointName>) -> IssuingDistributionPoint {
    IssuingDistributionPoint {
        distribution_point: dp,
        only_contains_user_certs: false,
        only_contains_ca_certs: false,
        only_some_reasons: None,
        indirect_crl: false,
        only_contains_attribute_certs: false,
    }
}

/// A CRL from auth root 2 issued at `this_update` (next update 2036), listing [`SERIAL`] when
/// `lists` (keyCompromise), with `idp` as a critical issuingDistributionPoint when given.
fn crl(idp: Option<&IssuingDistributionPoint>, this_update: &str, lists: bool) -> Vec<u8> {
    crl_with(idp, true, this_update, lists)
}

fn crl_with(
    idp: Option<&IssuingDistributionPoint>,
    critical: bool,
    this_update: &str,
    lists: bool,
) -> Vec<u8> {
    let template = CertificateList::from_der(&pki("auth.crl")).unwrap();
    let mut list = template.clone();
    let tbs = &mut list.tbs_cert_list;
    tbs.this_update = time(this_update);
    tbs.next_update = Some(time("2036-01-15T00:00:00Z"));
    // The template's entry carries the keyCompromise reason; keep it, with our serial.
    let mut entry: RevokedCert = template.tbs_cert_list.revoked_certificates.unwrap()[0].clone();
    entry.serial_number = SerialNumber::new(&SERIAL).unwrap();
    tbs.revoked_certificates = lists.then(|| vec![entry]);
    if let Some(idp) = idp {
        tbs.crl_extensions
            .get_or_insert_with(Vec::new)
            .push(Extension {
                extn_id: rfc5912::ID_CE_ISSUING_DISTRIBUTION_POINT,
                critical,
                extn_value: OctetString::new(idp.to_der().unwrap()).unwrap(),
            });
    }
    list.signature = root_signature(&tbs.to_der().unwrap());
    list.to_der().unwrap()
}

fn token(cert: &[u8]) -> String {
    let sig = proof_signature(&key("card1-auth.key.der"), ORIGIN, CHALLENGE);
    token_json("web-eid:1.0", cert, "RS256", &sig)
}

fn verdict(cert: &[u8], crls: &[Vec<u8>]) -> Result<bool, VerifyError> {
    let mut trust = test_trust();
    for c in crls {
        trust.add_crl(c).unwrap();
    }
    verify_login(&token(cert), ORIGIN, CHALLENGE, &trust, now()).map(|id| id.revocation_checked)
}

fn is_revoked(r: &Result<bool, VerifyError>) -> bool {
    matches!(
        r,
        Err(VerifyError::Revoked {
            reason: RevocationReason::KeyCompromise,
            ..
        })
    )
}

fn in_a() -> Vec<u8> {
    card_cert(Some(full(vec![partition('A')])))
}

#[test]
fn the_built_certificates_verify_without_crls() {
    for cert in [in_a(), card_cert(None)] {
        let id = verify_login(&token(&cert), ORIGIN, CHALLENGE, &test_trust(), now()).unwrap();
        assert!(!id.revocation_checked);
        assert_eq!(id.serial_number, "0A112233");
    }
}

/// The regression: partition A lists the certificate, a newer partition B does not cover it.
/// Before the fix the newest CRL of the root (B) was consulted and the verdict was `valid`.
#[test]
fn partition_a_listing_the_certificate_beats_a_newer_empty_partition_b() {
    let a = crl(
        Some(&idp(Some(full(vec![partition('A')])))),
        "2026-01-15T00:00:00Z",
        true,
    );
    let b = crl(
        Some(&idp(Some(full(vec![partition('B')])))),
        "2026-06-01T00:00:00Z",
        false,
    );
    for order in [[a.clone(), b.clone()], [b.clone(), a.clone()]] {
        let r = verdict(&in_a(), &order);
        assert!(is_revoked(&r), "{r:?}");
    }
    // The same with the IDP marked non-critical: a partition is a partition.
    let a = crl_with(
        Some(&idp(Some(full(vec![partition('A')])))),
        false,
        "2026-01-15T00:00:00Z",
        true,
    );
    let b = crl_with(
        Some(&idp(Some(full(vec![partition('B')])))),
        false,
        "2026-06-01T00:00:00Z",
        false,
    );
    assert!(is_revoked(&verdict(&in_a(), &[a, b])));
}

#[test]
fn a_certificate_no_current_crl_covers_is_crl_unavailable() {
    let b = crl(
        Some(&idp(Some(full(vec![partition('B')])))),
        "2026-06-01T00:00:00Z",
        false,
    );
    // In partition A, only B loaded.
    assert_eq!(
        verdict(&in_a(), std::slice::from_ref(&b)),
        Err(VerifyError::CrlUnavailable)
    );
    // No cRLDistributionPoints at all: a partition naming a distribution point covers nothing.
    let a = crl(
        Some(&idp(Some(full(vec![partition('A')])))),
        "2026-01-15T00:00:00Z",
        false,
    );
    assert_eq!(
        verdict(&card_cert(None), &[a, b]),
        Err(VerifyError::CrlUnavailable)
    );
    // A partition only for CA certificates does not cover an end-entity certificate.
    let mut ca_only = idp(Some(full(vec![partition('A')])));
    ca_only.only_contains_ca_certs = true;
    let ca_crl = crl(Some(&ca_only), "2026-01-15T00:00:00Z", false);
    assert_eq!(
        verdict(&in_a(), &[ca_crl]),
        Err(VerifyError::CrlUnavailable)
    );
}

#[test]
fn matching_partitions_and_user_cert_partitions_are_checked() {
    // One of several names matching is enough (fullName is a set of names).
    let names = full(vec![
        GeneralName::UniformResourceIdentifier(
            x509_cert::der::asn1::Ia5String::new("ldap://crl.example/a").unwrap(),
        ),
        partition('A'),
    ]);
    let listed = crl(Some(&idp(Some(names))), "2026-01-15T00:00:00Z", true);
    assert!(is_revoked(&verdict(&in_a(), &[listed])));
    // onlyContainsUserCerts covers an end-entity certificate.
    let mut users = idp(Some(full(vec![partition('A')])));
    users.only_contains_user_certs = true;
    assert!(is_revoked(&verdict(
        &in_a(),
        &[crl(Some(&users), "2026-01-15T00:00:00Z", true)]
    )));
    assert_eq!(
        verdict(&in_a(), &[crl(Some(&users), "2026-01-15T00:00:00Z", false)]),
        Ok(true)
    );
    // An IDP without a distribution point covers the whole issuer.
    assert!(is_revoked(&verdict(
        &card_cert(None),
        &[crl(Some(&idp(None)), "2026-01-15T00:00:00Z", true)]
    )));
    // A complete CRL that does not list it does not hide a partition that does.
    let complete = crl(None, "2026-06-01T00:00:00Z", false);
    let a = crl(
        Some(&idp(Some(full(vec![partition('A')])))),
        "2026-01-15T00:00:00Z",
        true,
    );
    assert!(is_revoked(&verdict(&in_a(), &[complete.clone(), a])));
    assert_eq!(verdict(&in_a(), &[complete]), Ok(true));
}

#[test]
fn a_name_relative_to_the_crl_issuer_is_the_issuer_name_plus_that_rdn() {
    let rdn = || {
        DistributionPointName::NameRelativeToCRLIssuer(
            RelativeDistinguishedName::from_str("CN=CRLDP R").unwrap(),
        )
    };
    let cert = card_cert(Some(rdn()));
    let listed = crl(Some(&idp(Some(rdn()))), "2026-01-15T00:00:00Z", true);
    assert!(is_revoked(&verdict(&cert, &[listed])));
    // The same name written out in full matches too.
    let issuer = Certificate::from_der(&pki("card1-auth.der"))
        .unwrap()
        .tbs_certificate
        .issuer;
    let mut written = issuer.clone();
    written
        .0
        .push(RelativeDistinguishedName::from_str("CN=CRLDP R").unwrap());
    let listed = crl(
        Some(&idp(Some(full(vec![GeneralName::DirectoryName(written)])))),
        "2026-01-15T00:00:00Z",
        true,
    );
    assert!(is_revoked(&verdict(&cert, &[listed])));
}

#[test]
fn each_scope_uses_its_newest_current_crl() {
    let scope = || Some(idp(Some(full(vec![partition('A')]))));
    let older_listing = crl(scope().as_ref(), "2026-01-15T00:00:00Z", true);
    let newer_empty = crl(scope().as_ref(), "2026-06-01T00:00:00Z", false);
    // Same scope: the newer version of the partition replaces the older one.
    assert_eq!(
        verdict(&in_a(), &[older_listing.clone(), newer_empty]),
        Ok(true)
    );
    // A newer version not yet valid at `now` (2026-11-26) is not used; the current one is.
    let future_empty = crl(scope().as_ref(), "2027-01-01T00:00:00Z", false);
    assert!(is_revoked(&verdict(
        &in_a(),
        &[older_listing, future_empty.clone()]
    )));
    // Only a not-yet-valid CRL covers it: fails closed.
    assert!(matches!(
        verdict(&in_a(), &[future_empty]),
        Err(VerifyError::CrlNotYetValid { .. })
    ));
}

#[test]
fn partitions_this_verifier_does_not_evaluate_are_refused_at_load() {
    let mut indirect = idp(Some(full(vec![partition('A')])));
    indirect.indirect_crl = true;
    let mut reasons = idp(Some(full(vec![partition('A')])));
    reasons.only_some_reasons = Some(FlagSet::from(Reasons::KeyCompromise));
    let mut attributes = idp(None);
    attributes.only_contains_attribute_certs = true;
    let mut both = idp(None);
    both.only_contains_user_certs = true;
    both.only_contains_ca_certs = true;
    for (what, idp) in [
        ("indirect", indirect),
        ("onlySomeReasons", reasons),
        ("onlyContainsAttributeCerts", attributes),
        ("onlyContainsUserCerts", both),
    ] {
        let e = test_trust()
            .add_crl(&crl(Some(&idp), "2026-01-15T00:00:00Z", true))
            .unwrap_err();
        assert!(
            matches!(&e, VerifyError::CrlParse(m) if m.contains(what)),
            "{what}: {e:?}"
        );
        assert_eq!(e.code(), "CRL_PARSE");
    }
    // A trust store that refused the CRL still has none: nothing is silently accepted.
    let mut trust = Trust::empty();
    assert!(trust.add_crl(b"\x30\x00").is_err());
}

/// `crl_covers` is the verifier's own rule: a listing CRL it says covers the certificate
/// revokes it, one it says does not leaves it uncovered.
#[test]
fn crl_covers_answers_as_the_verifier_checks() {
    let scoped = |dp: Option<DistributionPointName>, ca_only: bool| {
        let mut scope = idp(dp);
        scope.only_contains_ca_certs = ca_only;
        crl(Some(&scope), "2026-01-15T00:00:00Z", true)
    };
    let cases = [
        (crl(None, "2026-01-15T00:00:00Z", true), true),
        (scoped(Some(full(vec![partition('A')])), false), true),
        (scoped(Some(full(vec![partition('B')])), false), false),
        (scoped(Some(full(vec![partition('A')])), true), false),
        (scoped(None, false), true),
    ];
    for (i, (list, covers)) in cases.iter().enumerate() {
        assert_eq!(crl_covers(list, &in_a()), Ok(*covers), "case {i}");
        let r = verdict(&in_a(), std::slice::from_ref(list));
        assert_eq!(is_revoked(&r), *covers, "case {i}: {r:?}");
    }
    // Another issuer's complete CRL covers none of this issuer's certificates.
    assert_eq!(crl_covers(&pki("sign.crl"), &in_a()), Ok(false));
    assert_eq!(
        crl_covers(&pki("sign.crl"), &pki("card1-sign.der")),
        Ok(true)
    );
    // What the verifier refuses to load is an error, whatever the certificate.
    let mut indirect = idp(None);
    indirect.indirect_crl = true;
    let refused = crl(Some(&indirect), "2026-01-15T00:00:00Z", false);
    let code = |r: Result<bool, VerifyError>| r.unwrap_err().code();
    assert_eq!(
        code(crl_covers(&refused, &pki("card1-sign.der"))),
        "CRL_PARSE"
    );
    assert_eq!(code(crl_covers(b"\x30\x00", &in_a())), "CRL_PARSE");
    assert_eq!(
        code(crl_covers(&pki("auth.crl"), b"\x30\x00")),
        "CERTIFICATE_PARSE"
    );
}
