//! `mynakey-rp document ltv`: a signed PDF made long-term (PAdES B-LT, then B-LTA) — its
//! DSS with the signers' and TSAs' certificates and those of the CRLs given that cover them,
//! then a document timestamp.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_documents::{
    add_document_timestamp, add_validation_data, Level, Timestamping, ValidationData,
};
use mynakey_verify::{certificate_der, read_capped};
use serde::{Deserialize, Serialize};

use crate::cli::LtvArgs;
use crate::document_io::{base64, tsa, Format, Refusal};

/// The largest certificate or CRL file read (a JPKI CRL is tens of megabytes).
const FILE_MAX_BYTES: usize = 256 << 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LtvInput {
    document: String,
}

#[derive(Serialize)]
pub(crate) struct LtvOutput {
    format: Format,
    signed: String,
    level: Level,
}

/// The PDF of `raw` with its validation data and a document timestamp.
pub(crate) fn ltv(raw: &[u8], args: &LtvArgs) -> Result<LtvOutput, Refusal> {
    let input: LtvInput = serde_json::from_slice(raw).map_err(|e| ("BAD_INPUT", e.to_string()))?;
    let pdf = base64(&input.document, "document")?;
    let (client, trust) = tsa(
        &args.tsa,
        &args.tsa_trust,
        args.tsa_timeout,
        &args.tsa_tls_roots,
    )?;
    let mut data = ValidationData::default();
    for dir in std::iter::once(&args.tsa_trust).chain(&args.issuers) {
        data.issuers.extend(certificates(dir)?);
    }
    for path in &args.crls {
        for file in crl_files(path)? {
            let bytes = read_capped(&file, FILE_MAX_BYTES)
                .map_err(|e| ("BAD_INPUT", format!("--crl {}: {e}", file.display())))?;
            if bytes.starts_with(b"-----") {
                return Err(("BAD_INPUT", format!("--crl {}: give DER", file.display())));
            }
            data.crls.push(bytes);
        }
    }
    let refused = |e: mynakey_documents::DocumentError| (e.code(), e.to_string());
    let with_data = add_validation_data(&pdf, &data).map_err(refused)?;
    let timestamping = Timestamping {
        authority: &client,
        trust: &trust,
    };
    let archived =
        add_document_timestamp(&with_data, &timestamping, SystemTime::now()).map_err(refused)?;
    Ok(LtvOutput {
        format: Format::Pdf,
        signed: STANDARD.encode(archived),
        level: Level::BLTA,
    })
}

/// `path` itself, or for a directory every `*.crl` and `*.der` file in it (not recursive),
/// sorted: a relying party may give its whole set of partitions.
fn crl_files(path: &Path) -> Result<Vec<PathBuf>, Refusal> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| ("BAD_INPUT", format!("--crl {}: {e}", path.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            p.is_file() && ["crl", "der"].contains(&ext.to_ascii_lowercase().as_str())
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Every certificate file (DER or PEM) in `dir`.
fn certificates(dir: &Path) -> Result<Vec<Vec<u8>>, Refusal> {
    let bad = |e: String| ("BAD_INPUT", format!("{}: {e}", dir.display()));
    let entries = std::fs::read_dir(dir).map_err(|e| bad(e.to_string()))?;
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut found = Vec::new();
    for path in paths.into_iter().filter(|p| p.is_file()) {
        let bytes = read_capped(&path, FILE_MAX_BYTES).map_err(bad)?;
        // A trust directory may hold CRLs and keys beside certificates: those are skipped.
        if let Ok(der) = certificate_der(bytes) {
            found.push(der);
        }
    }
    Ok(found)
}
