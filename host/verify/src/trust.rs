//! Trust anchors (J-LIS roots or test roots), kept apart by purpose, and loaded CRLs.

use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;
use x509_cert::der::oid::db::rfc5912;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints, IssuingDistributionPoint,
    KeyUsage, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RelativeDistinguishedName};
use x509_cert::time::Time;
use x509_cert::{Certificate, TbsCertificate};

use super::crl::{self, RawCrl, RevokedIndex};
use super::x509::{self, ParsedCert};
use super::VerifyError;

/// What a certificate (and its root) is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Purpose {
    /// 利用者証明用: login proofs. Root OU "JPKI for user authentication".
    Authentication,
    /// 署名用: document signatures. Root OU "JPKI for digital signature".
    Signature,
}

impl Purpose {
    /// `"authentication"` or `"signature"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Authentication => "authentication",
            Self::Signature => "signature",
        }
    }

    /// The organizational-unit text that marks a root of this purpose.
    fn ou_marker(self) -> &'static str {
        match self {
            Self::Authentication => "JPKI for user authentication",
            Self::Signature => "JPKI for digital signature",
        }
    }
}

/// The six public J-LIS roots (see jpki-roots/README.md; fingerprints are checked by a test).
const JPKI_ROOTS: [(Purpose, &str); 6] = [
    (
        Purpose::Authentication,
        include_str!("../roots/auth-2015.pem"),
    ),
    (
        Purpose::Authentication,
        include_str!("../roots/auth-2019.pem"),
    ),
    (
        Purpose::Authentication,
        include_str!("../roots/auth-2023.pem"),
    ),
    (Purpose::Signature, include_str!("../roots/sign-2015.pem")),
    (Purpose::Signature, include_str!("../roots/sign-2019.pem")),
    (Purpose::Signature, include_str!("../roots/sign-2023.pem")),
];

/// A trusted root certificate.
#[derive(Clone)]
pub(crate) struct Root {
    pub parsed: ParsedCert,
    pub fingerprint: String,
    pub ski: Option<Vec<u8>>,
}

impl Root {
    /// Checks that `der` is a usable trust anchor: a self-signed CA certificate with keyCertSign
    /// whose own signature verifies.
    fn from_der(der: &[u8]) -> Result<Self, String> {
        let parsed = x509::parse_certificate(der)?;
        let tbs = &parsed.cert.tbs_certificate;
        let ca = tbs
            .get::<BasicConstraints>()
            .map_err(|e| format!("bad basicConstraints: {e}"))?
            .is_some_and(|(_, bc)| bc.ca);
        if !ca {
            return Err("not a CA certificate (basicConstraints cA is not true)".into());
        }
        let cert_sign = tbs
            .get::<KeyUsage>()
            .map_err(|e| format!("bad keyUsage: {e}"))?
            .is_some_and(|(_, ku)| ku.key_cert_sign());
        if !cert_sign {
            return Err("keyUsage lacks keyCertSign".into());
        }
        if parsed.issuer_der != parsed.subject_der
            || !x509::verify_signed(
                &parsed.key_der,
                &parsed.cert.signature_algorithm,
                &parsed.tbs_der,
                &parsed.cert.signature,
            )
        {
            return Err("not self-signed (its own key does not verify its signature)".into());
        }
        let ski = tbs
            .get::<SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .map(|(_, s)| s.0.as_bytes().to_vec());
        Ok(Self {
            fingerprint: x509::fingerprint(der),
            ski,
            parsed,
        })
    }

    fn subject(&self) -> String {
        self.parsed.cert.tbs_certificate.subject.to_string()
    }

    /// The purpose its subject names, if exactly one.
    fn purpose_by_ou(&self) -> Option<Purpose> {
        let subject = self.subject();
        let auth = subject.contains(Purpose::Authentication.ou_marker());
        let sign = subject.contains(Purpose::Signature.ou_marker());
        match (auth, sign) {
            (true, false) => Some(Purpose::Authentication),
            (false, true) => Some(Purpose::Signature),
            _ => None,
        }
    }

    pub(crate) fn not_before(&self) -> Time {
        self.parsed.cert.tbs_certificate.validity.not_before
    }

    pub(crate) fn not_after(&self) -> Time {
        self.parsed.cert.tbs_certificate.validity.not_after
    }
}

/// Public facts about a loaded root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RootInfo {
    /// What it is trusted for.
    pub purpose: Purpose,
    /// Subject DN (RFC 4514).
    pub subject: String,
    /// SHA-256 of the DER certificate, uppercase hex.
    pub fingerprint: String,
    /// Subject Key Identifier, uppercase hex, if present.
    pub subject_key_identifier: Option<String>,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
}

/// Public facts about a loaded CRL (e.g. for a service's health report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrlInfo {
    /// The purpose of the root that signed it.
    pub purpose: Purpose,
    /// Issuer DN (RFC 4514).
    pub issuer: String,
    /// SHA-256 fingerprint of the root that signed it, uppercase hex.
    pub root_fingerprint: String,
    /// thisUpdate, RFC 3339.
    pub this_update: String,
    /// nextUpdate, RFC 3339 (a CRL without one is never current).
    pub next_update: Option<String>,
    /// How many serial numbers it lists.
    pub entries: usize,
    /// Whether it is current at the time asked (thisUpdate ≤ now ≤ nextUpdate).
    pub current: bool,
}

/// Which certificates a CRL covers: all of its issuer's (a complete CRL, no
/// issuingDistributionPoint), or one partition named by its issuingDistributionPoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CrlScope {
    /// DER of the issuingDistributionPoint extension value; empty for a complete CRL. CRLs with
    /// the same key are versions of the same list (the newest current one is used).
    pub(crate) key: Vec<u8>,
    /// The IDP's distributionPoint names (DER of each GeneralName, a nameRelativeToCRLIssuer
    /// made a full directoryName), or `None` when the IDP names no distribution point.
    names: Option<Vec<Vec<u8>>>,
    only_user_certs: bool,
    only_ca_certs: bool,
}

impl CrlScope {
    const COMPLETE: CrlScope = CrlScope {
        key: Vec::new(),
        names: None,
        only_user_certs: false,
        only_ca_certs: false,
    };

    /// Whether a certificate with these CRL distribution point names (see [`cert_dp_names`])
    /// and CA flag is in this scope (RFC 5280 §6.3.3 (b)(2)).
    fn covers(&self, cert_dp_names: &[Vec<u8>], is_ca: bool) -> bool {
        if (self.only_user_certs && is_ca) || (self.only_ca_certs && !is_ca) {
            return false;
        }
        match &self.names {
            None => true,
            Some(names) => names.iter().any(|n| cert_dp_names.contains(n)),
        }
    }

    /// Reads a CRL's issuingDistributionPoint; refuses the kinds this verifier does not
    /// evaluate (indirect CRLs, partitions by reason, attribute-certificate CRLs).
    fn from_idp(der: &[u8], crl_issuer: &Name) -> Result<CrlScope, String> {
        let idp = IssuingDistributionPoint::from_der(der)
            .map_err(|e| format!("bad issuingDistributionPoint: {e}"))?;
        if idp.indirect_crl {
            return Err("indirect CRLs are not supported".into());
        }
        if idp.only_some_reasons.is_some() {
            return Err("CRLs partitioned by reason (onlySomeReasons) are not supported".into());
        }
        if idp.only_contains_attribute_certs {
            return Err(
                "attribute-certificate CRLs (onlyContainsAttributeCerts) are not supported".into(),
            );
        }
        if idp.only_contains_user_certs && idp.only_contains_ca_certs {
            return Err(
                "issuingDistributionPoint has both onlyContainsUserCerts and onlyContainsCACerts"
                    .into(),
            );
        }
        let names = match &idp.distribution_point {
            None => None,
            Some(dp) => Some(dp_names(dp, crl_issuer)?),
        };
        Ok(CrlScope {
            key: der.to_vec(),
            names,
            only_user_certs: idp.only_contains_user_certs,
            only_ca_certs: idp.only_contains_ca_certs,
        })
    }
}

/// The names of a distribution point as DER GeneralNames; a name relative to the CRL issuer
/// becomes the issuer's name plus that RDN, as a directoryName.
fn dp_names(dp: &DistributionPointName, crl_issuer: &Name) -> Result<Vec<Vec<u8>>, String> {
    let der = |n: &GeneralName| n.to_der().map_err(|e| e.to_string());
    match dp {
        DistributionPointName::FullName(names) => names.iter().map(der).collect(),
        DistributionPointName::NameRelativeToCRLIssuer(rdn) => {
            let mut full = crl_issuer.clone();
            full.0.push(RelativeDistinguishedName::clone(rdn));
            Ok(vec![der(&GeneralName::DirectoryName(full))?])
        }
    }
}

/// The names of the certificate's CRL distribution points (distribution points that name
/// another CRL issuer are left out: indirect CRLs are refused). Empty when it has none.
fn cert_dp_names(tbs: &TbsCertificate) -> Result<Vec<Vec<u8>>, VerifyError> {
    let dps = tbs
        .get::<CrlDistributionPoints>()
        .map_err(|e| VerifyError::CrlParse(format!("certificate's cRLDistributionPoints: {e}")))?;
    let mut out = Vec::new();
    for dp in dps.map(|(_, d)| d.0).unwrap_or_default() {
        if dp.crl_issuer.is_some() {
            continue;
        }
        if let Some(name) = &dp.distribution_point {
            out.extend(dp_names(name, &tbs.issuer).map_err(VerifyError::CrlParse)?);
        }
    }
    Ok(out)
}

/// A CRL whose signature was verified against a trusted root when it was loaded.
#[derive(Clone)]
pub(crate) struct LoadedCrl {
    purpose: Purpose,
    issuer: String,
    root_fingerprint: String,
    pub(crate) scope: CrlScope,
    pub(crate) this_update: Time,
    next_update: Option<Time>,
    /// The listed serial numbers with reason and revocationDate.
    pub(crate) revoked: RevokedIndex,
}

impl LoadedCrl {
    fn is_current(&self, now: Duration) -> bool {
        self.this_update.to_unix_duration() <= now
            && self
                .next_update
                .is_some_and(|n| now <= n.to_unix_duration())
    }
}

/// The trust store: roots for login proofs and roots for signatures, kept apart, plus
/// optional CRLs and the policy setting.
///
/// * [`Trust::jpki`]: the six public J-LIS roots (2015, 2019, 2023 for each purpose).
///   The test roots are never trusted unless loaded explicitly.
/// * [`Trust::from_der`] / [`Trust::from_dir`]: other roots (e.g. the test PKI).
/// * [`Trust::add_crl`]: revocation. Once a CRL is loaded for a purpose, every certificate of
///   that purpose must be covered by a current CRL from the root that issued it.
/// * [`Trust::set_require_policy`]: the JPKI policy OID check, on by default.
///
/// Build it once (it parses and checks every root and CRL) and share it; rebuild it when
/// fresh CRLs arrive.
#[derive(Clone)]
pub struct Trust {
    auth: Vec<Root>,
    sign: Vec<Root>,
    crls: Vec<LoadedCrl>,
    require_policy: bool,
}

impl Default for Trust {
    fn default() -> Self {
        Self::empty()
    }
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fps = |roots: &[Root]| {
            roots
                .iter()
                .map(|r| r.fingerprint.clone())
                .collect::<Vec<_>>()
        };
        f.debug_struct("Trust")
            .field("auth_roots", &fps(&self.auth))
            .field("sign_roots", &fps(&self.sign))
            .field("crls", &self.crls.len())
            .field("require_policy", &self.require_policy)
            .finish()
    }
}

impl Trust {
    /// No roots (nothing verifies) and the policy check on.
    pub fn empty() -> Self {
        Self {
            auth: Vec::new(),
            sign: Vec::new(),
            crls: Vec::new(),
            require_policy: true,
        }
    }

    /// The six public J-LIS roots embedded in the binary, classified by file.
    pub fn jpki() -> Result<Self, VerifyError> {
        let mut trust = Self::empty();
        for (purpose, pem) in JPKI_ROOTS {
            let der = pem_to_der(pem.as_bytes(), "CERTIFICATE")
                .map_err(|e| VerifyError::TrustStore(format!("embedded root: {e}")))?;
            trust.add_root(purpose, &der)?;
        }
        Ok(trust)
    }

    /// Roots given as DER, by purpose.
    pub fn from_der(auth_roots: &[&[u8]], sign_roots: &[&[u8]]) -> Result<Self, VerifyError> {
        let mut trust = Self::empty();
        for der in auth_roots {
            trust.add_root(Purpose::Authentication, der)?;
        }
        for der in sign_roots {
            trust.add_root(Purpose::Signature, der)?;
        }
        Ok(trust)
    }

    /// Loads every `*.pem`, `*.crt`, `*.cer`, `*.der` file in `dir` (not recursive) as a root;
    /// a PEM file may hold several certificates, and each file is at most
    /// [`TRUST_FILE_MAX_BYTES`](super::TRUST_FILE_MAX_BYTES) (16 KiB). Each root is classified by its subject's OU
    /// ("JPKI for user authentication" → authentication, "JPKI for digital signature" →
    /// signature); when the OU says neither, by the file name's prefix `auth` or `sign`.
    /// A file that is not a usable root, cannot be classified, or whose OU and prefix
    /// disagree is an error. Other files are ignored.
    pub fn from_dir(dir: &Path) -> Result<Self, VerifyError> {
        let store = |m: String| VerifyError::TrustStore(m);
        let mut trust = Self::empty();
        let entries =
            std::fs::read_dir(dir).map_err(|e| store(format!("{}: {e}", dir.display())))?;
        let mut paths = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
                p.is_file()
                    && ["pem", "crt", "cer", "der"].contains(&ext.to_ascii_lowercase().as_str())
            })
            .collect::<Vec<_>>();
        paths.sort();
        for path in paths {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_owned();
            let bytes = super::limits::read_capped(&path, super::limits::TRUST_FILE_MAX_BYTES)
                .map_err(|e| store(format!("{name}: {e}")))?;
            let ders = if is_pem(&bytes) {
                pem_all(&bytes, "CERTIFICATE").map_err(|e| store(format!("{name}: {e}")))?
            } else {
                vec![bytes]
            };
            let lower = name.to_ascii_lowercase();
            let by_name = if lower.starts_with("auth") {
                Some(Purpose::Authentication)
            } else if lower.starts_with("sign") {
                Some(Purpose::Signature)
            } else {
                None
            };
            for der in ders {
                let root = Root::from_der(&der).map_err(|e| store(format!("{name}: {e}")))?;
                let purpose = match (root.purpose_by_ou(), by_name) {
                    (Some(a), Some(b)) if a != b => {
                        return Err(store(format!(
                            "{name}: its OU says {} but its name says {}",
                            a.name(),
                            b.name()
                        )))
                    }
                    (Some(p), _) | (None, Some(p)) => p,
                    (None, None) => {
                        return Err(store(format!(
                            "{name}: cannot tell authentication from signature root \
                             (no JPKI OU, no auth/sign file-name prefix)"
                        )))
                    }
                };
                trust.push_root(purpose, root);
            }
        }
        if trust.auth.is_empty() && trust.sign.is_empty() {
            return Err(store(format!("{}: no root certificates", dir.display())));
        }
        Ok(trust)
    }

    /// Adds one DER root for `purpose` (checked: self-signed CA with keyCertSign).
    pub fn add_root(&mut self, purpose: Purpose, der: &[u8]) -> Result<(), VerifyError> {
        let root = Root::from_der(der)
            .map_err(|e| VerifyError::TrustStore(format!("{} root: {e}", purpose.name())))?;
        self.push_root(purpose, root);
        Ok(())
    }

    fn push_root(&mut self, purpose: Purpose, root: Root) {
        let list = self.roots_mut(purpose);
        if !list.iter().any(|r| r.fingerprint == root.fingerprint) {
            list.push(root);
        }
    }

    /// Whether the JPKI policy OID is required (default: yes).
    pub fn requires_policy(&self) -> bool {
        self.require_policy
    }

    /// Turns the JPKI policy-OID check on or off. Leave it on for J-LIS roots and for test
    /// PKIs that carry the real OIDs; switch it off only for a foreign test PKI.
    pub fn set_require_policy(&mut self, required: bool) {
        self.require_policy = required;
    }

    /// The loaded roots of `purpose`, in the order they were added.
    pub fn roots(&self, purpose: Purpose) -> Vec<RootInfo> {
        self.roots_of(purpose)
            .iter()
            .map(|r| RootInfo {
                purpose,
                subject: r.subject(),
                fingerprint: r.fingerprint.clone(),
                subject_key_identifier: r.ski.as_deref().map(x509::hex_upper),
                not_before: x509::rfc3339(&r.not_before()),
                not_after: x509::rfc3339(&r.not_after()),
            })
            .collect()
    }

    pub(crate) fn roots_of(&self, purpose: Purpose) -> &[Root] {
        match purpose {
            Purpose::Authentication => &self.auth,
            Purpose::Signature => &self.sign,
        }
    }

    fn roots_mut(&mut self, purpose: Purpose) -> &mut Vec<Root> {
        match purpose {
            Purpose::Authentication => &mut self.auth,
            Purpose::Signature => &mut self.sign,
        }
    }

    /// Loads a CRL (DER, or PEM `X509 CRL`). Its signature is checked now against the
    /// trusted roots: it must be signed by a root (of either purpose) with the CRL's issuer
    /// name. From then on, revocation checking is **on** for that purpose: each certificate
    /// must be covered by a CRL from its own issuing root (else [`VerifyError::CrlUnavailable`]),
    /// the newest such CRL must be current at the verification time
    /// ([`VerifyError::CrlNotYetValid`], [`VerifyError::CrlStale`]), and a listed serial number
    /// is [`VerifyError::Revoked`] whatever its revocation date. Delta CRLs are refused.
    ///
    /// Partitioned CRLs (an issuingDistributionPoint, as J-LIS publishes them) are evaluated:
    /// a CRL covers a certificate only when its distributionPoint fullName matches one of the
    /// certificate's cRLDistributionPoints names and its onlyContainsUserCerts /
    /// onlyContainsCACerts allow the certificate; each scope's newest current CRL is checked.
    /// Indirect CRLs, onlySomeReasons and onlyContainsAttributeCerts are refused
    /// ([`VerifyError::CrlParse`]).
    pub fn add_crl(&mut self, crl: &[u8]) -> Result<(), VerifyError> {
        let parse = |m: String| VerifyError::CrlParse(m);
        let der = if is_pem(crl) {
            Cow::Owned(pem_to_der(crl, "X509 CRL").map_err(parse)?)
        } else {
            Cow::Borrowed(crl)
        };
        let list = crl::parse(&der).map_err(parse)?;
        if list.tbs_signature != list.signature_algorithm {
            return Err(parse("inner and outer signature algorithms differ".into()));
        }
        let scope = crl_scope(&list.issuer, &list.extensions)?;
        // The signature is checked before the entries are read: an untrusted list costs a hash.
        let (purpose, root_fingerprint) = self.crl_issuer(&list)?;
        let revoked = RevokedIndex::build(&list).map_err(parse)?;
        self.crls.push(LoadedCrl {
            purpose,
            issuer: list.issuer.to_string(),
            root_fingerprint,
            scope,
            this_update: list.this_update,
            next_update: list.next_update,
            revoked,
        });
        Ok(())
    }

    /// The loaded CRLs, in the order they were added, with whether each is current at `now`.
    pub fn crls(&self, now: std::time::SystemTime) -> Vec<CrlInfo> {
        let now = x509::unix(now);
        self.crls
            .iter()
            .map(|c| CrlInfo {
                purpose: c.purpose,
                issuer: c.issuer.clone(),
                root_fingerprint: c.root_fingerprint.clone(),
                this_update: x509::rfc3339(&c.this_update),
                next_update: c.next_update.as_ref().map(x509::rfc3339),
                entries: c.revoked.len(),
                current: c.is_current(now),
            })
            .collect()
    }

    /// The root that signed `list` (by name, with cRLSign, verifying the signature): its
    /// purpose and fingerprint.
    fn crl_issuer(&self, list: &RawCrl<'_>) -> Result<(Purpose, String), VerifyError> {
        let parse = |m: String| VerifyError::CrlParse(m);
        let signed = list.tbs_der;
        let issuer_der = list.issuer.to_der().map_err(|e| parse(e.to_string()))?;
        let mut named = 0;
        for purpose in [Purpose::Authentication, Purpose::Signature] {
            for root in self.roots_of(purpose) {
                if root.parsed.subject_der != issuer_der {
                    continue;
                }
                named += 1;
                let crl_sign = root
                    .parsed
                    .cert
                    .tbs_certificate
                    .get::<KeyUsage>()
                    .ok()
                    .flatten()
                    .is_some_and(|(_, ku)| ku.crl_sign());
                if crl_sign
                    && x509::verify_signed(
                        &root.parsed.key_der,
                        &list.signature_algorithm,
                        signed,
                        &list.signature,
                    )
                {
                    return Ok((purpose, root.fingerprint.clone()));
                }
            }
        }
        Err(VerifyError::CrlUntrusted(if named == 0 {
            format!("no trusted root is named {}", list.issuer)
        } else {
            format!(
                "{named} trusted root(s) named {} but none (with cRLSign) verifies the CRL's signature",
                list.issuer
            )
        }))
    }

    /// The root that issued `cert`: among the `purpose` roots whose subject equals the
    /// certificate's issuer (roots whose SKI matches its AKI tried first), the first whose key
    /// verifies the certificate's signature. Several J-LIS generations share one name, so the
    /// name alone never decides.
    pub(crate) fn issuing_root(
        &self,
        purpose: Purpose,
        cert: &ParsedCert,
    ) -> Result<&Root, VerifyError> {
        let aki = cert
            .cert
            .tbs_certificate
            .get::<AuthorityKeyIdentifier>()
            .ok()
            .flatten()
            .and_then(|(_, a)| a.key_identifier)
            .map(|k| k.as_bytes().to_vec());
        let mut candidates: Vec<&Root> = self
            .roots_of(purpose)
            .iter()
            .filter(|r| r.parsed.subject_der == cert.issuer_der)
            .collect();
        // Stable: AKI/SKI matches first, otherwise the order the roots were added.
        candidates.sort_by_key(|r| !(aki.is_some() && r.ski == aki));
        for root in &candidates {
            if x509::verify_signed(
                &root.parsed.key_der,
                &cert.cert.signature_algorithm,
                &cert.tbs_der,
                &cert.cert.signature,
            ) {
                return Ok(root);
            }
        }
        let issuer = cert.cert.tbs_certificate.issuer.to_string();
        let detail = if candidates.is_empty() {
            format!("no trusted {} root is named {issuer}", purpose.name())
        } else {
            format!(
                "{} trusted root(s) are named {issuer}, but none of their keys verifies the \
                 certificate's signature (another CA with the same name, or a modified certificate)",
                candidates.len()
            )
        };
        Err(VerifyError::Untrusted {
            purpose: purpose.name(),
            detail,
        })
    }

    /// Revocation status of `cert` issued by `root`: `Ok(false)` when no CRL is loaded for
    /// `purpose` (not checked), `Ok(true)` when it is covered by at least one current CRL from
    /// `root` and no such CRL lists it.
    ///
    /// The CRLs from `root` that cover the certificate ([`CrlScope::covers`]) are grouped by
    /// scope; in each scope the newest CRL that is current at `now` is checked, and a listing in
    /// any of them is [`VerifyError::Revoked`]. No covering CRL at all is
    /// [`VerifyError::CrlUnavailable`]; covering CRLs of which none is current report why the
    /// newest is not ([`VerifyError::CrlNotYetValid`], [`VerifyError::CrlStale`]). Either way it
    /// fails closed.
    pub(crate) fn check_revocation(
        &self,
        purpose: Purpose,
        root: &Root,
        cert: &ParsedCert,
        now: Duration,
    ) -> Result<bool, VerifyError> {
        if !self.crls.iter().any(|c| c.purpose == purpose) {
            return Ok(false);
        }
        let covering = self.covering_crls(purpose, root, cert)?;
        let order = |c: &LoadedCrl| {
            (
                c.this_update.to_unix_duration(),
                c.next_update.map(Time::to_unix_duration),
            )
        };
        let is_current = |c: &LoadedCrl| c.is_current(now);
        // The newest current CRL of each scope.
        let mut chosen: Vec<&LoadedCrl> = Vec::new();
        for &crl in covering.iter().filter(|c| is_current(c)) {
            match chosen.iter_mut().find(|c| c.scope.key == crl.scope.key) {
                Some(slot) if order(crl) > order(slot) => *slot = crl,
                Some(_) => {}
                None => chosen.push(crl),
            }
        }
        if chosen.is_empty() {
            let newest = covering
                .iter()
                .max_by_key(|c| order(c))
                .ok_or(VerifyError::CrlUnavailable)?;
            if newest.this_update.to_unix_duration() > now {
                return Err(VerifyError::CrlNotYetValid {
                    this_update: x509::rfc3339(&newest.this_update),
                });
            }
            return Err(VerifyError::CrlStale {
                next_update: newest.next_update.as_ref().map(x509::rfc3339),
            });
        }
        for crl in chosen {
            if let Some((reason, revocation_date)) = crl.revoked.get(&cert.serial_der) {
                return Err(VerifyError::Revoked {
                    reason,
                    revocation_date,
                });
            }
        }
        Ok(true)
    }

    /// Whether any CRL is loaded for `purpose`.
    pub(crate) fn has_crls(&self, purpose: Purpose) -> bool {
        self.crls.iter().any(|c| c.purpose == purpose)
    }

    /// The loaded CRLs from `root` whose scope covers `cert`.
    pub(crate) fn covering_crls(
        &self,
        purpose: Purpose,
        root: &Root,
        cert: &ParsedCert,
    ) -> Result<Vec<&LoadedCrl>, VerifyError> {
        let tbs = &cert.cert.tbs_certificate;
        let names = cert_dp_names(tbs)?;
        Ok(self
            .crls
            .iter()
            .filter(|c| c.purpose == purpose && c.root_fingerprint == root.fingerprint)
            .filter(|c| c.scope.covers(&names, is_ca(tbs)))
            .collect())
    }
}

/// Whether the certificate says it is a CA (basicConstraints cA).
fn is_ca(tbs: &TbsCertificate) -> bool {
    tbs.get::<BasicConstraints>()
        .ok()
        .flatten()
        .is_some_and(|(_, bc)| bc.ca)
}

/// Whether the DER CRL `crl_der` is one that covers the DER certificate `certificate_der`, by
/// the rule [`Trust`] applies when it checks revocation: the CRL's issuer is the certificate's
/// issuer (same DER name), and the CRL is complete or a partition whose issuingDistributionPoint
/// names one of the certificate's cRLDistributionPoints and whose onlyContainsUserCerts /
/// onlyContainsCACerts allow it. Use it to choose, among many partitions, the ones to keep or
/// embed for a certificate (e.g. a PDF's document security store).
///
/// Nothing is verified: neither signature is checked and times are not looked at. A CRL that
/// is not DER, a delta CRL, or one of a kind [`Trust::add_crl`] refuses is
/// [`VerifyError::CrlParse`] whatever the certificate; a certificate that is not DER X.509 is
/// [`VerifyError::CertificateParse`] (any key type is accepted).
pub fn crl_covers(crl_der: &[u8], certificate_der: &[u8]) -> Result<bool, VerifyError> {
    let list = crl::parse(crl_der).map_err(VerifyError::CrlParse)?;
    let scope = crl_scope(&list.issuer, &list.extensions)?;
    let certificate = Certificate::from_der(certificate_der)
        .map_err(|e| VerifyError::CertificateParse(format!("not a DER certificate: {e}")))?;
    let tbs = &certificate.tbs_certificate;
    let same_issuer = matches!(
        (list.issuer.to_der(), tbs.issuer.to_der()),
        (Ok(crl_issuer), Ok(cert_issuer)) if crl_issuer == cert_issuer
    );
    Ok(same_issuer && scope.covers(&cert_dp_names(tbs)?, is_ca(tbs)))
}

/// What a CRL covers: complete, or the partition its issuingDistributionPoint names. Delta CRLs
/// and unknown critical extensions are refused.
fn crl_scope(issuer: &Name, extensions: &[Extension]) -> Result<CrlScope, VerifyError> {
    let parse = |m: String| VerifyError::CrlParse(m);
    let mut scope = CrlScope::COMPLETE;
    let mut idp_seen = false;
    for ext in extensions {
        if ext.extn_id == rfc5912::ID_CE_DELTA_CRL_INDICATOR {
            return Err(parse("delta CRLs are not supported".into()));
        }
        if ext.extn_id == rfc5912::ID_CE_ISSUING_DISTRIBUTION_POINT {
            // Whatever its criticality: a partition read as a complete CRL fails open.
            if idp_seen {
                return Err(parse("two issuingDistributionPoint extensions".into()));
            }
            idp_seen = true;
            scope = CrlScope::from_idp(ext.extn_value.as_bytes(), issuer).map_err(parse)?;
        } else if ext.critical {
            return Err(parse(format!(
                "unsupported critical extension {}",
                ext.extn_id
            )));
        }
    }
    Ok(scope)
}

/// A certificate file's bytes as DER: PEM (the first CERTIFICATE block) or DER as given.
pub fn certificate_der(bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    if is_pem(&bytes) {
        pem_to_der(&bytes, "CERTIFICATE")
    } else {
        Ok(bytes)
    }
}

/// Whether `bytes` look like PEM text rather than DER (DER starts with a SEQUENCE tag).
pub(crate) fn is_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Decodes the first PEM block labelled `label`.
pub(crate) fn pem_to_der(pem: &[u8], label: &str) -> Result<Vec<u8>, String> {
    pem_all(pem, label)?
        .into_iter()
        .next()
        .ok_or_else(|| format!("no PEM block labelled {label}"))
}

/// Decodes every PEM block labelled `label` (other blocks are ignored).
fn pem_all(pem: &[u8], label: &str) -> Result<Vec<Vec<u8>>, String> {
    let text = std::str::from_utf8(pem).map_err(|_| "PEM file is not UTF-8".to_owned())?;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&begin) {
        let after = &rest[start..];
        let stop = after
            .find(&end)
            .ok_or_else(|| format!("unterminated PEM block {label}"))?;
        // Lenient about line length and line endings (files in the wild vary); strict base64.
        let body: String = after[begin.len()..stop]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let der = STANDARD
            .decode(body)
            .map_err(|_| format!("bad base64 in PEM block {label}"))?;
        out.push(der);
        rest = &after[stop + end.len()..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SHA-256 fingerprints from /work/shared/jpki-roots/README.md.
    const README_FINGERPRINTS: [(&str, &str); 6] = [
        (
            "auth-2015",
            "4DCFC4CA0AAF9FB2A3081B3F0C991C320B3ACC008667A341EEAEC5AF1D58CA7D",
        ),
        (
            "auth-2019",
            "0D98DE47FC11B7F67126874B7028B6026A803D2638D6EDFE53176953961FADE6",
        ),
        (
            "auth-2023",
            "64114F29620C24ED2631D46476A040E7EE740D956089C00B036A6A8118C322B5",
        ),
        (
            "sign-2015",
            "19645405A1FE14377434BD55957628AC4038557C542403A2243F21C706FC9355",
        ),
        (
            "sign-2019",
            "79679C33E4CC9319440F1AD120A597FF1844E2EF217063ADB176966FD5E6FBEB",
        ),
        (
            "sign-2023",
            "D227F6CDE11D35C5252178F106F843D24651944975413B539FA2FB68DBFA365F",
        ),
    ];

    #[test]
    fn embedded_roots_match_the_readme_fingerprints() {
        for ((purpose, pem), (name, fp)) in JPKI_ROOTS.iter().zip(README_FINGERPRINTS) {
            let der = pem_to_der(pem.as_bytes(), "CERTIFICATE").unwrap();
            assert_eq!(x509::fingerprint(&der), fp, "{name}");
            assert_eq!(
                name.starts_with("auth"),
                *purpose == Purpose::Authentication
            );
        }
    }

    #[test]
    fn embedded_roots_self_verify_and_their_ou_agrees_with_the_file() {
        for (purpose, pem) in JPKI_ROOTS {
            let der = pem_to_der(pem.as_bytes(), "CERTIFICATE").unwrap();
            // Root::from_der checks CA, keyCertSign and the self-signature (not the dates).
            let root = Root::from_der(&der).unwrap();
            assert_eq!(root.purpose_by_ou(), Some(purpose));
            assert!(root.ski.is_some());
        }
        let trust = Trust::jpki().unwrap();
        assert_eq!(trust.roots(Purpose::Authentication).len(), 3);
        assert_eq!(trust.roots(Purpose::Signature).len(), 3);
        assert!(trust.requires_policy());
    }

    #[test]
    fn a_root_whose_signature_was_altered_is_refused() {
        let mut der = pem_to_der(JPKI_ROOTS[2].1.as_bytes(), "CERTIFICATE").unwrap();
        let last = der.len() - 1;
        der[last] ^= 1;
        let err = Root::from_der(&der).err().unwrap();
        assert!(err.contains("self-signed"), "{err}");
    }
}
