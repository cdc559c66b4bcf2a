//! `mynakey-rp document prepare|finish`: the two steps of a signed document for a relying
//! party's server, JSON in and out, nothing kept between them (the state travels in `prepared`).

use std::io::{Read, Write};
use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_documents::{
    finish_cms_with, finish_pdf_with, prepare_cms, prepare_pdf, FinishOptions, Level, PdfSigning,
    PreparedCms, PreparedPdf, Timestamping, HASH_ALGORITHM,
};
use mynakey_verify::parse_rfc3339;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cli::{DocumentStep, FinishArgs};
use crate::document_io::{base64, tsa, Format, Refusal};
use crate::verify_documents::DOCUMENT_MAX_BYTES;

/// The largest JSON read: a document at its limit in base64, with room for the rest.
const INPUT_MAX_BYTES: usize = DOCUMENT_MAX_BYTES / 3 * 4 + (1 << 20);

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PrepareInput {
    format: Format,
    document: String,
    certificate: String,
    signing_time: Option<String>,
    name: Option<String>,
    reason: Option<String>,
}

/// What `finish` needs back, tagged by format.
#[derive(Deserialize, Serialize)]
#[serde(tag = "format", rename_all = "lowercase")]
enum Prepared {
    Pdf(PreparedPdf),
    Cms(PreparedCms),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PrepareOutput {
    hash_algorithm: &'static str,
    hash: String,
    prepared: Prepared,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FinishInput {
    prepared: Prepared,
    signature: String,
}

#[derive(Serialize)]
struct FinishOutput {
    format: Format,
    signed: String,
    /// `B-B`, or `B-T` with a timestamp.
    level: Level,
}

/// Runs one step; returns the exit code: 0 done, 1 the input was refused (the reason on stderr
/// and as `{"error": {"code", "message"}}` on stdout), 2 unreadable input.
pub fn run(
    step: &DocumentStep,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let mut raw = Vec::new();
    let read = stdin.take(INPUT_MAX_BYTES as u64 + 1).read_to_end(&mut raw);
    if read.is_err() || raw.len() > INPUT_MAX_BYTES {
        let _ = writeln!(
            stderr,
            "mynakey-rp document: cannot read stdin (or over {INPUT_MAX_BYTES} bytes)"
        );
        return 2;
    }
    let result = match step {
        DocumentStep::Prepare => prepare(&raw).and_then(|out| to_json(&out)),
        DocumentStep::Finish(args) => finish(&raw, args).and_then(|out| to_json(&out)),
        DocumentStep::Ltv(args) => {
            crate::document_ltv::ltv(&raw, args).and_then(|out| to_json(&out))
        }
    };
    match result {
        Ok(json) => {
            let _ = writeln!(stdout, "{json}");
            0
        }
        Err((code, message)) => {
            let _ = writeln!(stderr, "mynakey-rp document: {message}");
            let error = serde_json::json!({ "error": { "code": code, "message": message } });
            let _ = writeln!(stdout, "{error}");
            1
        }
    }
}

fn to_json(value: &impl Serialize) -> Result<String, Refusal> {
    serde_json::to_string(value).map_err(|e| ("INTERNAL", e.to_string()))
}

fn prepare(raw: &[u8]) -> Result<PrepareOutput, Refusal> {
    let input: PrepareInput =
        serde_json::from_slice(raw).map_err(|e| ("BAD_INPUT", e.to_string()))?;
    let document = base64(&input.document, "document")?;
    let certificate = base64(&input.certificate, "certificate")?;
    let time = match &input.signing_time {
        Some(t) => parse_rfc3339(t)
            .ok_or_else(|| ("BAD_INPUT", format!("signingTime {t:?} is not RFC 3339")))?,
        None => SystemTime::now(),
    };
    let refused = |e: mynakey_documents::DocumentError| (e.code(), e.to_string());
    let prepared = match input.format {
        Format::Pdf => {
            let mut signing = PdfSigning::new(time);
            signing.name = input.name;
            signing.reason = input.reason;
            Prepared::Pdf(prepare_pdf(&document, &certificate, &signing).map_err(refused)?)
        }
        Format::Cms => {
            let digest: [u8; 32] = Sha256::digest(&document).into();
            Prepared::Cms(prepare_cms(&digest, &certificate, time).map_err(refused)?)
        }
    };
    let hash = match &prepared {
        Prepared::Pdf(p) => p.hash(),
        Prepared::Cms(p) => p.hash(),
    };
    Ok(PrepareOutput {
        hash_algorithm: HASH_ALGORITHM.name(),
        hash: STANDARD.encode(hash),
        prepared,
    })
}

fn finish(raw: &[u8], args: &FinishArgs) -> Result<FinishOutput, Refusal> {
    let input: FinishInput =
        serde_json::from_slice(raw).map_err(|e| ("BAD_INPUT", e.to_string()))?;
    let signature = base64(&input.signature, "signature")?;
    let refused = |e: mynakey_documents::DocumentError| (e.code(), e.to_string());
    let tsa = match (&args.tsa, &args.tsa_trust) {
        (Some(url), Some(dir)) => Some(tsa(url, dir, args.tsa_timeout, &args.tsa_tls_roots)?),
        _ => None,
    };
    let mut options = FinishOptions::new();
    let mut level = Level::BB;
    if let Some((authority, trust)) = &tsa {
        options = options.with_timestamping(Timestamping { authority, trust });
        level = Level::BT;
    }
    let (format, signed) = match &input.prepared {
        Prepared::Pdf(p) => (
            Format::Pdf,
            finish_pdf_with(p, &signature, &options).map_err(refused)?,
        ),
        Prepared::Cms(p) => (
            Format::Cms,
            finish_cms_with(p, &signature, &options).map_err(refused)?,
        ),
    };
    Ok(FinishOutput {
        format,
        signed: STANDARD.encode(signed),
        level,
    })
}
