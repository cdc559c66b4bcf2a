//! `mynakey-rp verify --cms FILE --content FILE` and `verify --pdf FILE`: signed documents,
//! checked by `mynakey-documents` with the same trust, CRLs and time as the other verdicts.

use std::path::Path;
use std::time::SystemTime;

use mynakey_documents::{
    verify_cms_with, verify_pdf_with, Judgement, PdfVerification, TsaTrust, Validation,
    PDF_MAX_BYTES,
};
use mynakey_verify::{read_capped, RevocationAtTime, Trust};

use crate::cli::VerifyArgs;
use crate::report::{report, signer_lines, Lines, CMS, PDF};

/// The largest --content file read (a PDF: mynakey_documents::PDF_MAX_BYTES).
pub const DOCUMENT_MAX_BYTES: usize = 256 << 20;
/// The largest `.p7s` read: a certificate or two and a signature, with room for timestamps.
pub const P7S_MAX_BYTES: usize = 1 << 20;

fn read(path: &Path, cap: usize, option: &str) -> Result<Vec<u8>, String> {
    read_capped(path, cap).map_err(|e| format!("{option} {}: {e}", path.display()))
}

/// The exit code (0 valid, 1 invalid) and what to print, or a usage error.
pub(crate) fn verdict(
    args: &VerifyArgs,
    trust: &Trust,
    now: SystemTime,
) -> Result<(u8, String), String> {
    if args.hash.is_some()
        || args.hash_algorithm.is_some()
        || args.signature_value.is_some()
        || args.certificate.is_some()
        || args.certificate_file.is_some()
    {
        return Err("--cms/--pdf take no hash, signature or certificate options".into());
    }
    let tsa_trust = match &args.tsa_trust {
        Some(dir) => Some(TsaTrust::from_dir(dir).map_err(|e| format!("--tsa-trust: {e}"))?),
        None => None,
    };
    let mut validation = Validation::new(trust, now);
    if let Some(tsa_trust) = &tsa_trust {
        validation = validation.with_tsa_trust(tsa_trust);
    }
    match (&args.cms, &args.content, &args.pdf) {
        (Some(cms), Some(content), None) => {
            let p7s = read(cms, P7S_MAX_BYTES, "--cms")?;
            let content = read(content, DOCUMENT_MAX_BYTES, "--content")?;
            let result = verify_cms_with(&p7s, &content, &validation);
            Ok(report(&CMS, &result, args.json, |v| {
                let mut lines = judgement_lines(&v.signing_time, &v.judgement);
                lines.extend(signer_lines(&v.signer));
                lines
            }))
        }
        (None, None, Some(pdf)) => {
            let pdf = read(pdf, PDF_MAX_BYTES, "--pdf")?;
            let result = verify_pdf_with(&pdf, &validation);
            Ok(report(&PDF, &result, args.json, |v| {
                let mut lines = Vec::new();
                for (i, s) in v.signatures.iter().enumerate() {
                    lines.push(("signature", format!("{} of {}", i + 1, v.signatures.len())));
                    lines.extend(judgement_lines(&s.signing_time, &s.judgement));
                    lines.push(("covers", coverage(s.covers_whole_document)));
                    lines.extend(signer_lines(&s.signer));
                }
                lines.extend(archive_lines(v));
                lines
            }))
        }
        _ => Err("give --cms FILE with --content FILE, or --pdf FILE".into()),
    }
}

/// The level, the times and, with a timestamp, the revocation status at that time.
fn judgement_lines(claimed: &Option<String>, judgement: &Judgement) -> Lines {
    let mut lines = vec![("level", judgement.level.name().to_owned())];
    let claim = claimed.as_deref().unwrap_or("(not given)");
    let Some(timestamp) = &judgement.timestamp else {
        let why = if judgement.timestamp_not_checked {
            "unverified: its timestamp was not checked (no --tsa-trust)"
        } else {
            "unverified: no timestamp"
        };
        lines.push((
            "signing time",
            format!("{claim} (claimed by the signer; {why})"),
        ));
        lines.push((
            "judged at",
            format!("{} (verification time)", judgement.judged_at),
        ));
        return lines;
    };
    lines.push(("signing time", format!("{claim} (claimed by the signer)")));
    lines.push((
        "timestamp",
        format!("{} by {}", timestamp.gen_time, timestamp.tsa),
    ));
    lines.push((
        "judged at",
        format!("{} (the timestamp's time)", judgement.judged_at),
    ));
    let revocation = match &judgement.revocation {
        Some(RevocationAtTime::Good { crl_this_update }) => {
            format!("not revoked (CRL of {crl_this_update})")
        }
        Some(RevocationAtTime::RevokedAfter {
            revocation_date,
            reason,
            crl_this_update,
        }) => format!(
            "revoked after signing, at {revocation_date} ({}; CRL of {crl_this_update})",
            serde_json::to_value(reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        ),
        _ => "not checked (no --crl)".to_owned(),
    };
    lines.push(("revocation then", revocation));
    lines
}

/// The document security store and the document timestamps (PAdES B-LT, B-LTA).
fn archive_lines(v: &PdfVerification) -> Lines {
    let mut lines = Vec::new();
    if let Some(dss) = &v.dss {
        let text = format!(
            "{} certificate(s), {} CRL(s), {} used for the signers",
            dss.certificates, dss.crls, dss.crls_used
        );
        lines.push(("dss", text));
    }
    for t in &v.document_timestamps {
        let text = match &t.timestamp {
            Some(ts) => format!("{} by {}", ts.gen_time, ts.tsa),
            None => "not checked (no --tsa-trust)".to_owned(),
        };
        lines.push((
            "doc timestamp",
            format!("{text}; covers {}", coverage(t.covers_whole_document)),
        ));
    }
    lines
}

fn coverage(whole: bool) -> String {
    if whole {
        "the whole file".into()
    } else {
        "an earlier revision (later signed updates follow)".into()
    }
}
