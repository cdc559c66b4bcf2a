//! `mynakey-rp verify --cms FILE --content FILE` and `verify --pdf FILE`: signed documents,
//! checked by `mynakey-documents` with the same trust, CRLs and time as the other verdicts.

use std::path::Path;
use std::time::SystemTime;

use mynakey_documents::{verify_cms, verify_pdf, PDF_MAX_BYTES};
use mynakey_verify::{read_capped, Trust};

use crate::cli::VerifyArgs;
use crate::report::{report, signer_lines, CMS, PDF};

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
    match (&args.cms, &args.content, &args.pdf) {
        (Some(cms), Some(content), None) => {
            let p7s = read(cms, P7S_MAX_BYTES, "--cms")?;
            let content = read(content, DOCUMENT_MAX_BYTES, "--content")?;
            let result = verify_cms(&p7s, &content, trust, now);
            Ok(report(&CMS, &result, args.json, |v| {
                let mut lines = vec![("signing time", claimed(&v.signing_time))];
                lines.extend(signer_lines(&v.signer));
                lines
            }))
        }
        (None, None, Some(pdf)) => {
            let pdf = read(pdf, PDF_MAX_BYTES, "--pdf")?;
            let result = verify_pdf(&pdf, trust, now);
            Ok(report(&PDF, &result, args.json, |v| {
                let mut lines = Vec::new();
                for (i, s) in v.signatures.iter().enumerate() {
                    lines.push(("signature", format!("{} of {}", i + 1, v.signatures.len())));
                    lines.push(("signing time", claimed(&s.signing_time)));
                    lines.push(("covers", coverage(s.covers_whole_document)));
                    lines.extend(signer_lines(&s.signer));
                }
                lines
            }))
        }
        _ => Err("give --cms FILE with --content FILE, or --pdf FILE".into()),
    }
}

fn claimed(time: &Option<String>) -> String {
    time.as_ref().map_or_else(
        || "(not given)".to_owned(),
        |t| format!("{t} (claimed by the signer; no timestamp)"),
    )
}

fn coverage(whole: bool) -> String {
    if whole {
        "the whole file".into()
    } else {
        "an earlier revision (later signed updates follow)".into()
    }
}
