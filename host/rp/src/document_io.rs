//! What the `document` steps share: the refusal they report, base64 fields, the document
//! format and the TSA client with its roots.

use std::path::Path;

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

/// The TSA client and its roots.
pub(crate) fn tsa(url: &str, dir: &Path, timeout: u64) -> Result<(HttpTsa, TsaTrust), Refusal> {
    let client =
        HttpTsa::new(url, std::time::Duration::from_secs(timeout)).map_err(|e| ("BAD_INPUT", e))?;
    let trust = TsaTrust::from_dir(dir).map_err(|e| (e.code(), e.to_string()))?;
    Ok((client, trust))
}

/// A standard base64 `field`, decoded.
pub(crate) fn base64(value: &str, field: &str) -> Result<Vec<u8>, Refusal> {
    STANDARD
        .decode(value.trim())
        .map_err(|_| ("BAD_INPUT", format!("{field} is not standard base64")))
}
