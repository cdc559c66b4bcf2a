//! One error variant per verification check.

use serde::Serialize;

use super::HashAlgorithm;

/// Why a login proof or signature was rejected, or why a trust store or CRL could not be loaded.
///
/// Variants are listed in the order the checks run. [`VerifyError::code`] gives a stable
/// machine-readable code and [`VerifyError::check`] the name of the check that failed;
/// `docs/relying-party.md` says what each means and what to tell the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    // ---- the caller's own inputs (server configuration or bugs, not the user's fault) ----
    /// The service's expected origin is not `https://host[:port]` as a browser serialises it.
    #[error("expected origin {origin:?} is not a browser origin https://host[:port]: {reason}")]
    OriginInvalid {
        /// The origin given.
        origin: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The service's expected challenge is not 44–128 base64 characters.
    #[error("expected challenge is not 44–128 characters of standard base64")]
    ChallengeInvalid,
    /// The hash given to [`super::verify_signature`] has the wrong length for its algorithm.
    #[error("hash is {actual} bytes but {algorithm} hashes are {expected} bytes")]
    HashLength {
        /// The declared algorithm.
        algorithm: HashAlgorithm,
        /// Its digest length.
        expected: usize,
        /// The length given.
        actual: usize,
    },

    // ---- token format ----
    /// The token is shorter than 100 or longer than 10,000 bytes.
    #[error("token is {len} bytes; a login proof is 100–10000 bytes")]
    TokenSize {
        /// Its length in bytes.
        len: usize,
    },
    /// The token is not a JSON object with exactly the five login-proof fields, all strings.
    #[error("token is not a login-proof JSON object: {0}")]
    TokenJson(String),
    /// `format` is not `"web-eid:1.0"`.
    #[error("token format {0:?} is not \"web-eid:1.0\"")]
    TokenFormat(String),
    /// `algorithm` is not `"RS256"`.
    #[error("token algorithm {0:?} is not \"RS256\"")]
    TokenAlgorithm(String),
    /// `unverifiedCertificate` or `signature` is not standard base64.
    #[error("token field {0} is not standard base64")]
    TokenEncoding(&'static str),

    // ---- the certificate ----
    /// The certificate is not a DER X.509 certificate with an RSA key, or it carries an
    /// unknown critical extension.
    #[error("certificate cannot be used: {0}")]
    CertificateParse(String),
    /// keyUsage lacks digitalSignature (and, for signing certificates, nonRepudiation).
    #[error("certificate key usage: {0}")]
    KeyUsage(String),
    /// certificatePolicies lacks the JPKI policy OID for this purpose.
    #[error("certificate lacks the JPKI {purpose} policy {expected}")]
    Policy {
        /// "authentication" or "signature".
        purpose: &'static str,
        /// The required OID.
        expected: &'static str,
    },
    /// No trusted root of the right purpose has the certificate's issuer name and a key that
    /// verifies the certificate's signature (unknown CA, wrong purpose, or a tampered certificate).
    #[error("certificate does not chain to a trusted JPKI {purpose} root: {detail}")]
    Untrusted {
        /// "authentication" or "signature".
        purpose: &'static str,
        /// What was tried.
        detail: String,
    },
    /// The certificate's notAfter is before the verification time.
    #[error("certificate expired at {not_after}")]
    CertificateExpired {
        /// notAfter, RFC 3339.
        not_after: String,
    },
    /// The certificate's notBefore is after the verification time.
    #[error("certificate is not valid before {not_before}")]
    CertificateNotYetValid {
        /// notBefore, RFC 3339.
        not_before: String,
    },
    /// The root that issued the certificate is not valid at the verification time.
    #[error("issuing root {fingerprint} is valid only {not_before} to {not_after}")]
    RootNotValid {
        /// SHA-256 fingerprint of the root (hex).
        fingerprint: String,
        /// The root's notBefore.
        not_before: String,
        /// The root's notAfter.
        not_after: String,
    },

    // ---- revocation (only when the trust store holds CRLs for this purpose) ----
    /// CRLs are loaded for this purpose, but none was issued by the root that issued this
    /// certificate (same name and key), so its status is unknown.
    #[error("no loaded CRL was issued by the root that issued this certificate")]
    CrlUnavailable,
    /// The newest applicable CRL's thisUpdate is after the verification time.
    #[error("CRL is not valid before {this_update}")]
    CrlNotYetValid {
        /// thisUpdate, RFC 3339.
        this_update: String,
    },
    /// The newest applicable CRL's nextUpdate has passed (or it has none): fetch a fresh one.
    #[error("CRL is stale: nextUpdate {}", next_update.as_deref().unwrap_or("absent"))]
    CrlStale {
        /// nextUpdate, RFC 3339, if the CRL has one.
        next_update: Option<String>,
    },
    /// The certificate is on the CRL.
    #[error("certificate was revoked at {revocation_date} ({reason})")]
    Revoked {
        /// The CRL entry's reasonCode (`unspecified` when absent).
        reason: RevocationReason,
        /// The CRL entry's revocationDate, RFC 3339.
        revocation_date: String,
    },

    // ---- the signature ----
    /// The signature does not verify with the certificate's key over the expected data (for a
    /// login proof: a different origin or challenge, or a forged proof).
    #[error("signature does not verify: {0}")]
    SignatureInvalid(&'static str),

    // ---- loading trust material ----
    /// A root certificate could not be loaded into a [`super::Trust`].
    #[error("trust store: {0}")]
    TrustStore(String),
    /// A CRL could not be parsed, or uses features this verifier does not support.
    #[error("CRL cannot be used: {0}")]
    CrlParse(String),
    /// No trusted root has the CRL's issuer name and a key that verifies its signature.
    #[error("CRL is not signed by a trusted root: {0}")]
    CrlUntrusted(String),
}

impl VerifyError {
    /// Every code [`VerifyError::code`] gives, in the order of the checks (for API schemas).
    pub const CODES: [&'static str; 23] = [
        "ORIGIN_INVALID",
        "CHALLENGE_INVALID",
        "HASH_LENGTH",
        "TOKEN_SIZE",
        "TOKEN_JSON",
        "TOKEN_FORMAT",
        "TOKEN_ALGORITHM",
        "TOKEN_ENCODING",
        "CERTIFICATE_PARSE",
        "KEY_USAGE",
        "POLICY",
        "UNTRUSTED",
        "CERTIFICATE_EXPIRED",
        "CERTIFICATE_NOT_YET_VALID",
        "ROOT_NOT_VALID",
        "CRL_UNAVAILABLE",
        "CRL_NOT_YET_VALID",
        "CRL_STALE",
        "REVOKED",
        "SIGNATURE_INVALID",
        "TRUST_STORE",
        "CRL_PARSE",
        "CRL_UNTRUSTED",
    ];

    /// A stable machine-readable code, e.g. `"CERTIFICATE_EXPIRED"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::OriginInvalid { .. } => "ORIGIN_INVALID",
            Self::ChallengeInvalid => "CHALLENGE_INVALID",
            Self::HashLength { .. } => "HASH_LENGTH",
            Self::TokenSize { .. } => "TOKEN_SIZE",
            Self::TokenJson(_) => "TOKEN_JSON",
            Self::TokenFormat(_) => "TOKEN_FORMAT",
            Self::TokenAlgorithm(_) => "TOKEN_ALGORITHM",
            Self::TokenEncoding(_) => "TOKEN_ENCODING",
            Self::CertificateParse(_) => "CERTIFICATE_PARSE",
            Self::KeyUsage(_) => "KEY_USAGE",
            Self::Policy { .. } => "POLICY",
            Self::Untrusted { .. } => "UNTRUSTED",
            Self::CertificateExpired { .. } => "CERTIFICATE_EXPIRED",
            Self::CertificateNotYetValid { .. } => "CERTIFICATE_NOT_YET_VALID",
            Self::RootNotValid { .. } => "ROOT_NOT_VALID",
            Self::CrlUnavailable => "CRL_UNAVAILABLE",
            Self::CrlNotYetValid { .. } => "CRL_NOT_YET_VALID",
            Self::CrlStale { .. } => "CRL_STALE",
            Self::Revoked { .. } => "REVOKED",
            Self::SignatureInvalid(_) => "SIGNATURE_INVALID",
            Self::TrustStore(_) => "TRUST_STORE",
            Self::CrlParse(_) => "CRL_PARSE",
            Self::CrlUntrusted(_) => "CRL_UNTRUSTED",
        }
    }

    /// The name of the check that failed: `input`, `token`, `certificate`, `keyUsage`,
    /// `policy`, `chain`, `validity`, `revocation`, `signature` or `trustStore`.
    pub fn check(&self) -> &'static str {
        match self {
            Self::OriginInvalid { .. } | Self::ChallengeInvalid | Self::HashLength { .. } => {
                "input"
            }
            Self::TokenSize { .. }
            | Self::TokenJson(_)
            | Self::TokenFormat(_)
            | Self::TokenAlgorithm(_)
            | Self::TokenEncoding(_) => "token",
            Self::CertificateParse(_) => "certificate",
            Self::KeyUsage(_) => "keyUsage",
            Self::Policy { .. } => "policy",
            Self::Untrusted { .. } => "chain",
            Self::CertificateExpired { .. }
            | Self::CertificateNotYetValid { .. }
            | Self::RootNotValid { .. } => "validity",
            Self::CrlUnavailable
            | Self::CrlNotYetValid { .. }
            | Self::CrlStale { .. }
            | Self::Revoked { .. } => "revocation",
            Self::SignatureInvalid(_) => "signature",
            Self::TrustStore(_) | Self::CrlParse(_) | Self::CrlUntrusted(_) => "trustStore",
        }
    }
}

/// CRL entry reason code (RFC 5280 §5.3.1), serialised in camelCase (`"keyCompromise"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum RevocationReason {
    /// 0, or no reasonCode extension.
    Unspecified,
    /// 1: the card was lost or its key is suspected to be compromised.
    KeyCompromise,
    /// 2.
    #[serde(rename = "cACompromise")]
    CaCompromise,
    /// 3: e.g. the holder's recorded attributes (address, name) changed.
    AffiliationChanged,
    /// 4: a new certificate replaced this one.
    Superseded,
    /// 5: e.g. the holder asked for revocation, or died.
    CessationOfOperation,
    /// 6.
    CertificateHold,
    /// 8.
    #[serde(rename = "removeFromCRL")]
    RemoveFromCrl,
    /// 9.
    PrivilegeWithdrawn,
    /// 10.
    #[serde(rename = "aACompromise")]
    AaCompromise,
}

impl std::fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "keyCompromise",
            Self::CaCompromise => "cACompromise",
            Self::AffiliationChanged => "affiliationChanged",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessationOfOperation",
            Self::CertificateHold => "certificateHold",
            Self::RemoveFromCrl => "removeFromCRL",
            Self::PrivilegeWithdrawn => "privilegeWithdrawn",
            Self::AaCompromise => "aACompromise",
        };
        f.write_str(s)
    }
}

impl From<x509_cert::ext::pkix::CrlReason> for RevocationReason {
    fn from(r: x509_cert::ext::pkix::CrlReason) -> Self {
        use x509_cert::ext::pkix::CrlReason as R;
        match r {
            R::Unspecified => Self::Unspecified,
            R::KeyCompromise => Self::KeyCompromise,
            R::CaCompromise => Self::CaCompromise,
            R::AffiliationChanged => Self::AffiliationChanged,
            R::Superseded => Self::Superseded,
            R::CessationOfOperation => Self::CessationOfOperation,
            R::CertificateHold => Self::CertificateHold,
            R::RemoveFromCRL => Self::RemoveFromCrl,
            R::PrivilegeWithdrawn => Self::PrivilegeWithdrawn,
            R::AaCompromise => Self::AaCompromise,
        }
    }
}

#[cfg(test)]
mod codes_tests {
    #![allow(clippy::unwrap_used)]
    use super::VerifyError;

    /// `CODES` is exactly what `code()` can return: read from `code()`'s own arms, so a new
    /// variant whose code is not listed fails here.
    #[test]
    fn codes_lists_every_code_once() {
        let source = include_str!("error.rs");
        let body = source.split("pub fn code(&self)").nth(1).unwrap();
        let body = body.split("pub fn check(&self)").next().unwrap();
        let mut returned: Vec<&str> = body
            .split("=> \"")
            .skip(1)
            .map(|arm| arm.split('"').next().unwrap())
            .collect();
        let mut listed = VerifyError::CODES.to_vec();
        returned.sort_unstable();
        listed.sort_unstable();
        assert_eq!(returned, listed);
    }
}
