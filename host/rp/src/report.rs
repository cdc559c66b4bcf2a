//! How a verdict is shown: `VALID <kind>` with aligned lines or `INVALID …` as text, or one JSON
//! object, for every kind `verify` checks (logins, signatures, CMS, PDFs). Exit codes too.

use std::fmt::Display;

use mynakey_documents::DocumentError;
use mynakey_verify::{LoginIdentity, SignerIdentity, VerifyError};
use serde::Serialize;
use serde_json::value::{to_raw_value, RawValue};

/// Exit codes of `verify`.
pub const VALID: u8 = 0;
pub const INVALID: u8 = 1;
pub const USAGE_ERROR: u8 = 2;

/// Label and value lines under `VALID <kind>`.
pub type Lines = Vec<(&'static str, String)>;

/// What was checked: its name in text, in JSON's `kind`, and the JSON field the details go in.
pub struct Kind {
    pub label: &'static str,
    pub json: &'static str,
    pub field: Field,
}

/// Logins and signatures report an `identity`; documents a `result`.
pub enum Field {
    Identity,
    Result,
}

pub const LOGIN: Kind = Kind {
    label: "login proof",
    json: "login proof",
    field: Field::Identity,
};
pub const SIGNATURE: Kind = Kind {
    label: "signature",
    json: "signature",
    field: Field::Identity,
};
pub const CMS: Kind = Kind {
    label: "CMS signature",
    json: "cms",
    field: Field::Result,
};
pub const PDF: Kind = Kind {
    label: "signed PDF",
    json: "pdf",
    field: Field::Result,
};

/// A refusal as `verify` reports it: a stable code and, for the verifier's checks, which check.
pub trait Refusal: Display {
    fn code(&self) -> &'static str;
    fn check(&self) -> Option<&'static str>;
    /// What was verified before the refusal, for JSON's `result` (a PDF changed after signing:
    /// each signature's status and the findings).
    fn report(&self) -> Option<Box<RawValue>> {
        None
    }
    /// The findings, one text line each under `INVALID …`.
    fn findings(&self) -> Vec<String> {
        Vec::new()
    }
}

impl Refusal for VerifyError {
    fn code(&self) -> &'static str {
        VerifyError::code(self)
    }
    fn check(&self) -> Option<&'static str> {
        Some(VerifyError::check(self))
    }
}

impl Refusal for DocumentError {
    fn code(&self) -> &'static str {
        DocumentError::code(self)
    }
    fn check(&self) -> Option<&'static str> {
        None
    }
    fn report(&self) -> Option<Box<RawValue>> {
        DocumentError::report(self).and_then(|r| to_raw_value(r).ok())
    }
    fn findings(&self) -> Vec<String> {
        DocumentError::report(self).map_or_else(Vec::new, |r| {
            r.findings
                .iter()
                .map(|f| {
                    format!(
                        "signature {} (revision ending at byte {}): {} {}",
                        f.signature, f.signed_revision_end, f.object, f.change
                    )
                })
                .collect()
        })
    }
}

#[derive(Serialize)]
struct JsonVerdict<'a, T: Serialize> {
    valid: bool,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity: Option<&'a T>,
    /// A document's verification; for a refusal that kept one (CHANGED_AFTER_SIGNING), its report.
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<JsonError>,
}

#[derive(Serialize)]
struct JsonError {
    code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    check: Option<&'static str>,
    message: String,
}

/// The exit code and what to print for one verdict.
pub fn report<T: Serialize, E: Refusal>(
    kind: &Kind,
    result: &Result<T, E>,
    json: bool,
    lines: impl Fn(&T) -> Lines,
) -> (u8, String) {
    let code = if result.is_ok() { VALID } else { INVALID };
    let text = match (json, result) {
        (true, _) => json_text(kind, result),
        (false, Ok(value)) => valid_text(kind.label, lines(value)),
        (false, Err(e)) => match e.check() {
            Some(check) => format!(
                "INVALID {}: the {check} check failed ({})\n  {e}\n",
                kind.label,
                e.code()
            ),
            None => {
                let mut text = format!("INVALID {}: {e} ({})\n", kind.label, e.code());
                for finding in e.findings() {
                    text.push_str(&format!("  {finding}\n"));
                }
                text
            }
        },
    };
    (code, text)
}

/// The verdict as pretty JSON and a newline (serialising plain data cannot fail in practice).
fn json_text<T: Serialize, E: Refusal>(kind: &Kind, result: &Result<T, E>) -> String {
    let details = result.as_ref().ok();
    let verdict = JsonVerdict {
        valid: details.is_some(),
        kind: kind.json,
        identity: details.filter(|_| matches!(kind.field, Field::Identity)),
        result: match (details, &kind.field) {
            (Some(d), Field::Result) => to_raw_value(d).ok(),
            _ => result.as_ref().err().and_then(Refusal::report),
        },
        error: result.as_ref().err().map(|e| JsonError {
            code: e.code(),
            check: e.check(),
            message: e.to_string(),
        }),
    };
    serde_json::to_string_pretty(&verdict)
        .unwrap_or_else(|e| format!("{{\"valid\": false, \"error\": \"{e}\"}}"))
        + "\n"
}

/// `VALID <kind>` and one aligned `label value` line each.
fn valid_text(kind: &str, lines: Lines) -> String {
    let mut s = format!("VALID {kind}\n");
    for (label, value) in lines {
        s.push_str(&format!("  {label:<15} {value}\n"));
    }
    s
}

/// The certificate's lines of a login proof (and of every signer).
pub fn login_lines(id: &LoginIdentity) -> Lines {
    vec![
        ("issuer", id.issuer.clone()),
        ("serial number", id.serial_number.clone()),
        ("subject", id.subject.clone()),
        ("valid from", id.not_before.clone()),
        ("valid until", id.not_after.clone()),
        ("account key", id.account_key.clone()),
        ("root", id.trust_anchor.clone()),
        ("revocation", revocation_word(id.revocation_checked)),
    ]
}

/// A signer: the four attributes of the signing certificate, then its certificate's lines.
pub fn signer_lines(id: &SignerIdentity) -> Lines {
    let absent = || "(not present)".to_owned();
    let dob = id
        .date_of_birth
        .as_ref()
        .map_or_else(absent, |d| match (&d.date, d.era_name) {
            (Some(date), Some(era)) => format!("{date} ({era})"),
            (Some(date), None) => date.clone(),
            (None, _) => format!("{} (undecoded)", d.raw),
        });
    let sex = match id.sex {
        Some(mynakey_verify::Sex::Male) => "male".to_owned(),
        Some(mynakey_verify::Sex::Female) => "female".to_owned(),
        Some(mynakey_verify::Sex::Unknown) => "unknown".to_owned(),
        None => absent(),
    };
    let mut lines = vec![
        ("name", id.name.clone().unwrap_or_else(absent)),
        ("date of birth", dob),
        ("sex", sex),
        ("address", id.address.clone().unwrap_or_else(absent)),
    ];
    lines.extend(login_lines(&id.certificate));
    lines
}

fn revocation_word(checked: bool) -> String {
    if checked {
        "not revoked (CRL checked)".into()
    } else {
        "not checked (no CRL given)".into()
    }
}
