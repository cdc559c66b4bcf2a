//! Relying-party verification of mynakey login proofs and JPKI document signatures.
//!
//! A service uses this crate (or the `mynakey-rp verify` command) to check what a
//! My Number Card produced. Both entry points run the same certificate checks, in this order,
//! each failing with its own [`VerifyError`] variant:
//!
//! 1. the service's own inputs (origin, challenge / hash length),
//! 2. token size (100–10,000 bytes), JSON shape, `format` == `web-eid:1.0`, `algorithm` ==
//!    `RS256`, base64 fields (login only),
//! 3. certificate parse (strict DER, RSA key, no unknown critical extension),
//! 4. key usage: digitalSignature; signing certificates also nonRepudiation,
//! 5. JPKI policy OID (auth `1.2.392.200149.8.5.1.3.30`, sign `1.2.392.200149.8.5.1.1.20`)
//!    unless switched off in the [`Trust`],
//! 6. chain to a trusted root of the right purpose, chosen **by signature** among the roots
//!    with the issuer's name (all J-LIS generations share one name),
//! 7. validity of the certificate and of that root at `now`,
//! 8. revocation, when the [`Trust`] holds CRLs for this purpose ([`Trust::add_crl`]),
//! 9. the signature: for a login proof RSASSA-PKCS1-v1_5/SHA-256 over
//!    `SHA-256(expected_origin) ‖ SHA-256(expected_challenge)` built from the **service's**
//!    values, never the token's; for a document signature RSASSA-PKCS1-v1_5 over the hash.
//!
//! Docs for service engineers: this crate's README and the repository's `docs/relying-party.md`.

mod challenge;
mod crl;
mod error;
mod identity;
mod limits;
mod proven;
mod token;
mod trust;
mod x509;

use std::time::SystemTime;

use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::ext::pkix::{CertificatePolicies, KeyUsage};

pub use challenge::{new_challenge, ChallengeStore, DEFAULT_CHALLENGE_TTL};
pub use error::{RevocationReason, VerifyError};
pub use identity::{
    account_key, CertificateIdentity, DateOfBirth, Era, LoginIdentity, Sex, SignerIdentity,
};
pub use limits::{
    read_capped, read_capped_from, CERTIFICATE_MAX_BYTES, CRL_MAX_BYTES, TOKEN_INPUT_MAX_BYTES,
    TRUST_FILE_MAX_BYTES,
};
pub use mynakey_types::hash::{HashAlgorithm, UnknownHashAlgorithm};
pub use proven::{verify_signature_at, ProvenTime, RevocationAtTime};
pub use token::{
    check_challenge, check_origin, parse_challenge, parse_origin, TOKEN_ALGORITHM, TOKEN_FORMAT,
    TOKEN_MAX_LEN, TOKEN_MIN_LEN,
};
pub use trust::{certificate_der, crl_covers, CrlInfo, Purpose, RootInfo, Trust};
pub use x509::parse_rfc3339;

use x509::ParsedCert;

pub use mynakey_types::{AUTH_POLICY_OID, SIGN_POLICY_OID};

const AUTH_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap(AUTH_POLICY_OID);
const SIGN_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap(SIGN_POLICY_OID);

pub use mynakey_types::binding::login_signed_data;

/// Verifies a login proof (the token JSON the page posted) against the service's own origin
/// and the challenge it stored for this browser session.
///
/// `now` is the verification time (normally `SystemTime::now()`). Revocation is checked when
/// `trust` holds CRLs for authentication certificates.
pub fn verify_login(
    token: &str,
    expected_origin: &str,
    expected_challenge: &str,
    trust: &Trust,
    now: SystemTime,
) -> Result<LoginIdentity, VerifyError> {
    // The service's own inputs are checked before the token (check 1 before 2).
    check_origin(expected_origin)?;
    check_challenge(expected_challenge)?;
    LoginToken::parse(token)?.verify(expected_origin, expected_challenge, trust, now)
}

/// A login proof whose shape and certificate encoding were checked (checks 2 and 3 of the
/// module list); nothing in it is trusted yet. Parse it before loading CRLs or taking a
/// stored challenge, so a malformed token costs nothing else.
pub struct LoginToken {
    cert: ParsedCert,
    signature: Vec<u8>,
}

impl LoginToken {
    /// Token size, JSON shape, `format`, `algorithm`, base64 fields, certificate parse.
    pub fn parse(token: &str) -> Result<Self, VerifyError> {
        let token = token::parse(token)?;
        let cert =
            x509::parse_certificate(&token.certificate).map_err(VerifyError::CertificateParse)?;
        Ok(Self {
            cert,
            signature: token.signature,
        })
    }

    /// Checks 1 and 4–9 of the module list: [`verify_login`] for a token parsed earlier.
    pub fn verify(
        &self,
        expected_origin: &str,
        expected_challenge: &str,
        trust: &Trust,
        now: SystemTime,
    ) -> Result<LoginIdentity, VerifyError> {
        let origin = parse_origin(expected_origin)?;
        let challenge = parse_challenge(expected_challenge)?;
        let cert = &self.cert;
        let identity = check_certificate(cert, Purpose::Authentication, trust, now)?;
        let signed = login_signed_data(&origin, &challenge);
        if x509::verify_rsa(
            &cert.key_der,
            HashAlgorithm::Sha256,
            &signed,
            &self.signature,
        ) {
            Ok(identity)
        } else {
            Err(VerifyError::SignatureInvalid(
                "not made by this certificate's key over this origin and challenge",
            ))
        }
    }
}

/// Verifies a document signature made with a JPKI signing certificate: RSASSA-PKCS1-v1_5 over
/// `hash` (the card signed the DigestInfo of `hash_algorithm` and `hash`).
///
/// `now` is the time at which the certificate must be valid and unrevoked: the time of
/// verification, or a trusted signing time (e.g. from a timestamp) when checking an older
/// signature. Revocation is checked when `trust` holds CRLs for signature certificates.
pub fn verify_signature(
    hash: &[u8],
    hash_algorithm: HashAlgorithm,
    signature: &[u8],
    certificate_der: &[u8],
    trust: &Trust,
    now: SystemTime,
) -> Result<SignerIdentity, VerifyError> {
    let signed = (hash, hash_algorithm, signature);
    verify_signed_hash(signed, certificate_der, |cert| {
        check_certificate(cert, Purpose::Signature, trust, now).map(|identity| (identity, ()))
    })
    .map(|(identity, ())| identity)
}

/// A hash, its algorithm and the signature over it.
type SignedHash<'a> = (&'a [u8], HashAlgorithm, &'a [u8]);

/// The hash length, the certificate (parsed, then checked by `check`, which also returns what
/// else it found) and the signature over the hash with its key.
fn verify_signed_hash<T>(
    (hash, hash_algorithm, signature): SignedHash<'_>,
    certificate_der: &[u8],
    check: impl FnOnce(&ParsedCert) -> Result<(CertificateIdentity, T), VerifyError>,
) -> Result<(SignerIdentity, T), VerifyError> {
    if hash.len() != hash_algorithm.digest_len() {
        return Err(VerifyError::HashLength {
            algorithm: hash_algorithm,
            expected: hash_algorithm.digest_len(),
            actual: hash.len(),
        });
    }
    let cert = x509::parse_certificate(certificate_der).map_err(VerifyError::CertificateParse)?;
    let (identity, found) = check(&cert)?;
    cert.key
        .verify(x509::pkcs1v15(hash_algorithm), hash, signature)
        .map_err(|_| {
            VerifyError::SignatureInvalid("not made by this certificate's key over this hash")
        })?;
    Ok((SignerIdentity::new(identity, &cert), found))
}

/// Checks 4–8 of the module list for a parsed certificate of `purpose`.
fn check_certificate(
    cert: &ParsedCert,
    purpose: Purpose,
    trust: &Trust,
    now: SystemTime,
) -> Result<CertificateIdentity, VerifyError> {
    let root = check_until_revocation(cert, purpose, trust, now)?;
    let revocation_checked = trust.check_revocation(purpose, root, cert, x509::unix(now))?;
    Ok(CertificateIdentity::new(
        cert,
        &root.fingerprint,
        revocation_checked,
    ))
}

/// Checks 4–7 (key usage, policy, chain, validity at `at`): the issuing root.
fn check_until_revocation<'t>(
    cert: &ParsedCert,
    purpose: Purpose,
    trust: &'t Trust,
    at: SystemTime,
) -> Result<&'t trust::Root, VerifyError> {
    let now = x509::unix(at);
    let tbs = &cert.cert.tbs_certificate;

    // Key usage.
    let ku = tbs
        .get::<KeyUsage>()
        .map_err(|e| VerifyError::KeyUsage(format!("malformed keyUsage: {e}")))?
        .map(|(_, ku)| ku)
        .ok_or_else(|| VerifyError::KeyUsage("no keyUsage extension".into()))?;
    if !ku.digital_signature() {
        return Err(VerifyError::KeyUsage("digitalSignature is not set".into()));
    }
    if purpose == Purpose::Signature && !ku.non_repudiation() {
        return Err(VerifyError::KeyUsage(
            "nonRepudiation is not set (not a signing certificate)".into(),
        ));
    }

    // Policy.
    if trust.requires_policy() {
        let (oid, expected) = match purpose {
            Purpose::Authentication => (AUTH_POLICY, AUTH_POLICY_OID),
            Purpose::Signature => (SIGN_POLICY, SIGN_POLICY_OID),
        };
        let policy_error = || VerifyError::Policy {
            purpose: purpose.name(),
            expected,
        };
        let policies = tbs
            .get::<CertificatePolicies>()
            .map_err(|_| policy_error())?
            .map(|(_, p)| p)
            .ok_or_else(policy_error)?;
        if !policies.0.iter().any(|p| p.policy_identifier == oid) {
            return Err(policy_error());
        }
    }

    // Chain: the issuing root, found by signature.
    let root = trust.issuing_root(purpose, cert)?;

    // Validity of the certificate and its root.
    let validity = &tbs.validity;
    if now < validity.not_before.to_unix_duration() {
        return Err(VerifyError::CertificateNotYetValid {
            not_before: x509::rfc3339(&validity.not_before),
        });
    }
    if now > validity.not_after.to_unix_duration() {
        return Err(VerifyError::CertificateExpired {
            not_after: x509::rfc3339(&validity.not_after),
        });
    }
    if now < root.not_before().to_unix_duration() || now > root.not_after().to_unix_duration() {
        return Err(VerifyError::RootNotValid {
            fingerprint: root.fingerprint.clone(),
            not_before: x509::rfc3339(&root.not_before()),
            not_after: x509::rfc3339(&root.not_after()),
        });
    }

    Ok(root)
}
