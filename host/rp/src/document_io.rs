//! What the `document` steps share: the refusal they report, base64 fields, the document
//! format and the TSA client with its roots.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_documents::TsaTrust;
use serde::{Deserialize, Serialize};

use crate::tsa_client::HttpTsa;

/// A document's kind, as the JSON names it.
#[derive(Deserialize, Serialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Format {
    Pdf,
    Cms,
}

/// A refused input: a stable code and the reason.
pub(crate) type Refusal = (&'static str, String);

/// The TSA client (its TLS roots: the Mozilla roots and `tls_roots`) and its signing roots.
pub(crate) fn tsa(
    url: &str,
    dir: &Path,
    timeout: u64,
    tls_roots: &[PathBuf],
) -> Result<(HttpTsa, TsaTrust), Refusal> {
    let timeout = std::time::Duration::from_secs(timeout);
    let client = HttpTsa::new(url, timeout, tls_roots).map_err(|e| ("BAD_INPUT", e))?;
    let trust = TsaTrust::from_dir(dir).map_err(|e| (e.code(), e.to_string()))?;
    Ok((client, trust))
}

/// A standard base64 `field`, decoded.
pub(crate) fn base64(value: &str, field: &str) -> Result<Vec<u8>, Refusal> {
    STANDARD
        .decode(value.trim())
        .map_err(|_| ("BAD_INPUT", format!("{field} is not standard base64")))
}
